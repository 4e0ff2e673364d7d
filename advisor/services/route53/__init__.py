"""Amazon Route 53: latency records with health checks in front of the Regions."""

from advisor.services.base import Service, Setting

SERVICE = Service(
    id="route53", name="Amazon Route 53",
    settings=(
        Setting("health_checks", "bool", "A health check per Region", default=False),
        Setting("routing", "str", "Routing policy", default="latency", choices=("latency", "failover")),
    ),
    edges=(("routes-to", "apigateway"),),
)
