"""AWS Step Functions: state machines."""

from advisor.services.base import Service, Setting

SERVICE = Service(
    id="stepfunctions", name="AWS Step Functions",
    settings=(Setting("type", "str", "Workflow type", default="standard", choices=("standard", "express"),
                      usage="type"),),
)
