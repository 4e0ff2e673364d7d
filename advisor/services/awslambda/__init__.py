"""AWS Lambda: functions, each with its own role and log group."""

from typing import Any, Mapping

from advisor.services.base import Service, Setting
from advisor.spec import Field, Num, count_spec

# Lambda quotas: https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
QUOTAS = "Lambda quotas, docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html"
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
                      2557, 2922, 3288, 3653)


def _retention(ctx: Any, cid: str, settings: Mapping[str, Any]) -> Any:
    return ctx.log_retention_days()


def _tracing(ctx: Any, cid: str, settings: Mapping[str, Any]) -> Any:
    return "Active" if ctx.has("xray") else "PassThrough"


SERVICE = Service(
    id="lambda", name="AWS Lambda",
    settings=(
        Setting("memory_mb", "int", "Memory in MB (CPU scales with it)", default=256, minimum=128, maximum=10_240,
                usage="memory_mb", source=QUOTAS, unit="MB"),
        Setting("architecture", "str", "Instruction set", default="x86_64", choices=("arm64", "x86_64"),
                usage="architecture"),
        Setting("ephemeral_storage_mb", "int", "/tmp size in MB", default=512, minimum=512, maximum=10_240,
                usage="ephemeral_storage_mb", source=QUOTAS, unit="MB"),
        Setting("timeout_s", "int", "Timeout in seconds", default=30, minimum=1, maximum=900, source=QUOTAS),
        Setting("reserved_concurrency", "int", "Concurrent executions reserved for it (a template parameter; "
                "none unless a rule needs it)", minimum=1, maximum=900, source=QUOTAS),
        Setting("runtime", "str", "Runtime", default="python3.13", choices=("python3.12", "python3.13")),
        Setting("tracing", "str", "X-Ray tracing mode", default=_tracing, choices=("Active", "PassThrough")),
        Setting("log_retention_days", "int", "Days the function's logs are kept", default=_retention,
                choices=LOG_RETENTION_DAYS),
        Setting("log_format", "str", "Log format", default="JSON", choices=("JSON", "Text")),
        Setting("role", "str", "What the function does, for its description"),
        Setting("kms_key", "ref", "The key that encrypts its environment"),
        Setting("log_group_kms_key", "ref", "The key that encrypts its log group"),
        Setting("consumer_name", "str", "The consumer it serves"),
        Setting("idempotent_writes", "str", "How retried writes stay single", choices=("conditional-put",)),
        Setting("least_privilege_role", "bool", "One role per function with only its edges' actions"),
    ),
    undeployable={
        "provisioned_concurrency": (
            lambda v: bool(v),
            "advisor's template deploys functions without provisioned concurrency (it needs a published version "
            "and an alias for the event source mappings and API integrations to call), so it is not priced either",
            "remove usage.lambda.provisioned_concurrency"),
    },
    edges=(("authorizes", "apigateway"), ("publishes", "sns"), ("reads", "dynamodb"), ("writes", "dynamodb"),),
    kms_principals=1, kms_logs=True,
    usage={
        "monthly_requests": Field(count_spec("Invocations per month")),
        "request_duration_ms": Field(Num("Average duration per invocation", minimum=0, exclusive_minimum=True,
                                         maximum=900_000, unit="ms")),
        "provisioned_concurrency": Field(count_spec("Provisioned concurrent executions", 100_000)),
    },
)
