"""AWS Step Functions: state machines (the integration workflow)."""

from typing import Any, Mapping

from advisor.services.awslambda import LOG_RETENTION_DAYS
from advisor.services.base import Need, Service, Setting
from advisor.spec import Field, Num, count_spec

# Step Functions quotas: https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html
QUOTAS = "Step Functions quotas, docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html"


def _retention(ctx: Any, cid: str, settings: Mapping[str, Any]) -> Any:
    return ctx.log_retention_days()


def _tracing(ctx: Any, cid: str, settings: Mapping[str, Any]) -> Any:
    return ctx.has("xray")


SERVICE = Service(
    id="stepfunctions", name="AWS Step Functions",
    settings=(
        Setting("type", "str", "Workflow type: standard (exactly once, per state transition) or express (at least "
                "once, per request and duration, at most 5 minutes)", default="standard",
                choices=("standard", "express"), usage="type"),
        Setting("delivery_attempts", "int", "Attempts to deliver an event before it is parked", default=3,
                minimum=1, maximum=10),
        Setting("log_level", "str", "Execution history sent to CloudWatch Logs", default="ERROR",
                choices=("ALL", "ERROR", "FATAL")),
        Setting("log_retention_days", "int", "Days the workflow's logs are kept", default=_retention,
                choices=LOG_RETENTION_DAYS),
        Setting("tracing", "bool", "X-Ray tracing of executions", default=_tracing),
        Setting("role", "str", "What the workflow does, for its description"),
    ),
    accepts=(("routes-to", "eventbridge"),),
    edges=(("publishes", "sns"),),
    needs=(Need((("publishes", "sns"),), "the workflow delivers each event it accepts to a topic"),),
    # Its log group uses the architecture's key when there is one (one principal asking for data keys).
    kms_principals=1, kms_logs=True,
    # 256 KB of input or output per state (Step Functions quotas); an EventBridge event larger than that fails.
    message_kb=256, message_quota="Step Functions state input and output, 256 KB",
    usage={
        "monthly_transitions": Field(count_spec("State transitions per month (standard)")),
        "monthly_requests": Field(count_spec("Executions per month (express)")),
        "workflow_duration_ms": Field(Num("Average execution duration (express)", minimum=0,
                                          exclusive_minimum=True, maximum=300_000, unit="ms")),
        "memory_mb": Field(Num("Memory per execution (express)", minimum=64, maximum=10_240, unit="MB")),
    },
)
