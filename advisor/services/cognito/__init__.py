"""Amazon Cognito: a user pool that authorises API callers, at the feature plan (tier) its features need."""

from typing import Any, Mapping

from advisor.services.base import Service, Setting
from advisor.spec import Field, count_spec

# User pool feature plans (Cognito developer guide, "User pool feature plans"): Lite has password sign-in,
# TOTP and SMS MFA, federation and ID-token customisation, all this pool uses; Essentials adds managed login,
# passwordless sign-in, email MFA, password history and access-token customisation; Plus adds threat
# protection (compromised credentials, adaptive authentication), which AdvancedSecurityMode needs.
TIERS = ("lite", "essentials", "plus")
PLANS = "Cognito user pool feature plans, docs.aws.amazon.com/cognito/latest/developerguide/cognito-sign-in-feature-plans.html"


def _tier(ctx: Any, cid: str, settings: Mapping[str, Any]) -> Any:
    """The cheapest plan that has the pool's features: Plus for threat protection, else Lite."""
    return "plus" if settings.get("advanced_security", "OFF") != "OFF" else "lite"


SERVICE = Service(
    id="cognito", name="Amazon Cognito",
    settings=(
        Setting("mfa", "str", "Multi-factor authentication", default="OPTIONAL", choices=("OFF", "OPTIONAL", "ON")),
        Setting("advanced_security", "str", "Threat protection (the Plus plan)", default="OFF",
                choices=("OFF", "AUDIT", "ENFORCED")),
        Setting("tier", "str", "Feature plan: the cheapest that has the pool's features", default=_tier,
                choices=TIERS, source=PLANS),
    ),
    edges=(("authorizes", "apigateway"),),
    usage={
        "monthly_active_users": Field(count_spec("Users with an identity operation (sign-in, token refresh, "
                                                 "sign-up) in a month")),
    },
)
