"""AWS X-Ray: traces of the request path (the functions' and stage's tracing)."""

from advisor.services.base import Service, Setting

SERVICE = Service(
    id="xray", name="AWS X-Ray",
    settings=(Setting("sampling", "str", "Sampling rule", default="default", choices=("default",)),),
)
