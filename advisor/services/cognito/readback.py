"""userpool:* (cognito) read back from a template: a user pool and its clients; `authorizes` the APIs whose
Cognito authorizers name it (the inverse of blueprint.py)."""

from __future__ import annotations

from advisor.review.infer import Reading
from advisor.services.cognito import TIERS

TYPES = ("AWS::Cognito::UserPool", "AWS::Cognito::UserPoolClient", "AWS::Cognito::UserPoolDomain")


def components(r: Reading) -> None:
    """One component per user pool, with its clients and domain."""
    for pool in r.of_type("AWS::Cognito::UserPool"):
        cid = r.component(r.name(pool.logical_id, "userpool"), "cognito", pool)
        r.set(cid, "mfa", str(pool.props.get("MfaConfiguration", "OFF")), pool, "MfaConfiguration")
        addons = pool.props.get("UserPoolAddOns")
        r.set(cid, "advanced_security", str(addons.get("AdvancedSecurityMode", "OFF")) if isinstance(addons, dict)
              else "OFF", pool, "UserPoolAddOns")
        # A pool that states no plan is on Essentials, a new pool's default (Cognito developer guide, "User pool
        # feature plans"); a plan given by a parameter's value is taken as stated when it names one.
        tier = str(pool.props.get("UserPoolTier", "ESSENTIALS")).lower()
        r.set(cid, "tier", tier if tier in TIERS else "essentials", pool, "UserPoolTier")
        for part in r.referrers(pool.logical_id):
            if part.type in ("AWS::Cognito::UserPoolClient", "AWS::Cognito::UserPoolDomain"):
                r.claim(part.logical_id, cid, "client" if part.type.endswith("Client") else "domain")


def edges(r: Reading) -> None:
    """The APIs whose Cognito authorizers name the pool."""
    for authorizer in r.of_type("AWS::ApiGateway::Authorizer"):
        api = r.component_of(r.target(authorizer.props.get("RestApiId"), "AWS::ApiGateway::RestApi"))
        for pool in r.targets(authorizer.props.get("ProviderARNs"), "AWS::Cognito::UserPool"):
            r.edge(r.component_of(pool), api, "authorizes")
