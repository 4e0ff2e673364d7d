"""userpool:* (cognito): a user pool (e-mail sign-in, admin-created users, optional TOTP MFA, deletion
protection) at its feature plan, with threat protection on the Plus plan, and an app client without a secret; its
id and the client's are outputs; the authorizes connector wires it to the API."""

from __future__ import annotations

from advisor.architecture import Component, Edge
from advisor.render.cfn.context import Builder
from advisor.render.cfn.intrinsics import GetAtt, Ref


def build(b: Builder, c: Component) -> None:
    lid = b.lid(c.id)
    mfa = str(c.settings.get("mfa", "OPTIONAL"))
    props = {
        "UsernameAttributes": ["email"],
        "AutoVerifiedAttributes": ["email"],
        "MfaConfiguration": mfa,
        "EnabledMfas": ["SOFTWARE_TOKEN_MFA"],
        "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True},
        "AccountRecoverySetting": {"RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]},
        "Policies": {"PasswordPolicy": {"MinimumLength": 12, "RequireLowercase": True, "RequireUppercase": True,
                                        "RequireNumbers": True, "RequireSymbols": True,
                                        "TemporaryPasswordValidityDays": 3}},
        "DeletionProtection": "ACTIVE",
    }
    if mfa == "OFF":
        del props["EnabledMfas"]
    # The feature plan is stated, never left to the default (Essentials for a new pool), so the estimate prices it.
    props["UserPoolTier"] = str(c.settings["tier"]).upper()
    if c.settings["tier"] == "plus" and c.settings.get("advanced_security", "OFF") != "OFF":
        props["UserPoolAddOns"] = {"AdvancedSecurityMode": str(c.settings["advanced_security"])}
    b.add(lid, "AWS::Cognito::UserPool", props, DeletionPolicy="Retain", UpdateReplacePolicy="Retain")
    client = b.lid(c.id, "Client")
    b.add(client, "AWS::Cognito::UserPoolClient", {
        "UserPoolId": Ref(lid), "GenerateSecret": False, "PreventUserExistenceErrors": "ENABLED",
        "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        "EnableTokenRevocation": True,
    })
    b.output(b.lid(c.id, "Id"), Ref(lid), f"Id of the {c.id} user pool")
    b.output(b.lid(c.id, "ClientId"), Ref(client), f"App client id of the {c.id} user pool")
    b.output(b.lid(c.id, "ProviderUrl"), GetAtt(lid, "ProviderURL"), f"Issuer URL of the {c.id} user pool")


# --- connectors: what an edge leaving this service's components adds ------------------------------


def authorizes(b: Builder, e: Edge) -> None:
    """user pool -> api: a Cognito authorizer, unless the API authorises callers otherwise."""
    api = b.lid(e.target)
    api_cid = e.target
    settings = b.components[api_cid].settings
    if settings["authorization"] != "cognito":
        return
    lid = b.lid(e.target, "CognitoAuthorizer")
    b.add(lid, "AWS::ApiGateway::Authorizer", {
        "RestApiId": Ref(api), "Name": "cognito", "Type": "COGNITO_USER_POOLS",
        "IdentitySource": "method.request.header.Authorization",
        "ProviderARNs": [GetAtt(b.lid(e.source), "Arn")]})
    b.api_auth[api_cid] = ("COGNITO_USER_POOLS", lid)


# (edge kind, target service) -> connector
CONNECTORS = {
    ("authorizes", "apigateway"): authorizes,
}
