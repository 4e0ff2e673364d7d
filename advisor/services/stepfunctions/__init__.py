"""AWS Step Functions: state machines."""

from advisor.services.base import Service, Setting
from advisor.spec import Field, Num, count_spec

SERVICE = Service(
    id="stepfunctions", name="AWS Step Functions",
    settings=(Setting("type", "str", "Workflow type", default="standard", choices=("standard", "express"),
                      usage="type"),),
    usage={
        "monthly_transitions": Field(count_spec("State transitions per month (standard)")),
        "monthly_requests": Field(count_spec("Executions per month (express)")),
        "workflow_duration_ms": Field(Num("Average execution duration (express)", minimum=0,
                                          exclusive_minimum=True, maximum=300_000, unit="ms")),
        "memory_mb": Field(Num("Memory per execution (express)", minimum=64, maximum=10_240, unit="MB")),
    },
)
