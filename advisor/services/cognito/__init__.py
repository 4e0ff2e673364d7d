"""Amazon Cognito: a user pool that authorises API callers."""

from advisor.services.base import Service, Setting

SERVICE = Service(
    id="cognito", name="Amazon Cognito",
    settings=(
        Setting("mfa", "str", "Multi-factor authentication", default="OPTIONAL", choices=("OFF", "OPTIONAL", "ON")),
        Setting("advanced_security", "str", "Threat protection (Plus tier)", default="OFF",
                choices=("OFF", "AUDIT", "ENFORCED")),
    ),
    edges=(("authorizes", "apigateway"),),
)
