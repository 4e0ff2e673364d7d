"""Amazon API Gateway: the public entry, a REST API with request validation and access logs."""

from typing import Any, Mapping

from advisor.services.awslambda import LOG_RETENTION_DAYS
from advisor.services.base import Need, Service, Setting
from advisor.spec import Field, count_spec, kb_spec

PEAK_RPS_MAX = 10_000_000
QUOTAS = "API Gateway quotas, docs.aws.amazon.com/apigateway/latest/developerguide/limits.html"
CACHE_SIZES_GB = (0.5, 1.6, 6.1, 13.5, 28.4, 58.2, 118, 237)


def _retention(ctx: Any, cid: str, settings: Mapping[str, Any]) -> Any:
    return ctx.log_retention_days()


# Usage keys that meter a WebSocket API only.
WEBSOCKET_ONLY = ("monthly_messages", "message_size_kb", "monthly_connection_mins")


def _usage_check(usage: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """Usage keys that meter another API type than the one `usage.apigateway.type` names."""
    kind = usage.get("type", "rest")
    out = []
    if kind != "websocket":
        out += [(key, "applies to WebSocket APIs only", "set usage.apigateway.type: websocket, or remove the key")
                for key in WEBSOCKET_ONLY if key in usage]
    if kind != "rest" and "cache_size_gb" in usage:
        out.append(("cache_size_gb", "applies to REST APIs only",
                    "API caching is a REST API feature; set type: rest or remove the key"))
    if kind == "websocket" and "request_size_kb" in usage:
        out.append(("request_size_kb", "applies to REST and HTTP APIs", "WebSocket APIs meter message_size_kb"))
    return out


SERVICE = Service(
    id="apigateway", name="Amazon API Gateway",
    settings=(
        Setting("type", "str", "API type", default="rest", choices=("rest", "http", "websocket"), usage="type"),
        Setting("authorization", "str", "How callers are authorised", default="iam",
                choices=("iam", "cognito", "lambda-authorizer")),
        Setting("endpoint_type", "str", "Endpoint type", default="REGIONAL", choices=("REGIONAL", "EDGE", "PRIVATE")),
        Setting("integration", "str", "How writes reach the back end", choices=("sqs-send-message",)),
        Setting("response_status", "int", "Status code of an accepted write", minimum=200, maximum=299),
        Setting("minimum_tls", "str", "Minimum TLS version", default="TLS_1_2", choices=("TLS_1_2",)),
        Setting("request_validation", "bool", "Validate request bodies against the model", default=True),
        Setting("access_logs", "bool", "Write an access-log line per request", default=True),
        Setting("tracing", "bool", "X-Ray tracing of the stage", default=True),
        Setting("throttling", "map", "Stage throttling: rate_limit_rps and burst_limit", fields=(
            # No higher than the largest peak a workload can state (its peak rates fill them).
            Setting("rate_limit_rps", "number", "Steady-state requests per second", minimum=0, maximum=PEAK_RPS_MAX),
            Setting("burst_limit", "int", "Requests in a burst", minimum=0, maximum=PEAK_RPS_MAX),
        )),
        Setting("cache_size_gb", "number", "Stage cache cluster size in GB", choices=CACHE_SIZES_GB,
                usage="cache_size_gb", unit="GB"),
        Setting("log_retention_days", "int", "Days the access logs are kept", default=_retention,
                choices=LOG_RETENTION_DAYS),
    ),
    undeployable={
        "type": (lambda v: v != "rest",
                 "advisor's template deploys a REST API (request validation, X-Ray tracing and the direct SQS "
                 "integration it configures), so an estimate for another API type would not price what it deploys",
                 "remove usage.apigateway.type or set it to rest"),
    },
    needs=(Need((("sends", "sqs"), ("invokes", "lambda")), "an API serves POST /items to a queue or GET /items/{id} "
                "through a function"),),
    edges=(("invokes", "lambda"), ("sends", "sqs"),),
    kms_principals=1, kms_logs=True,  # its access log group
    usage={
        "monthly_requests": Field(count_spec("API requests per month")),
        "request_size_kb": Field(kb_spec("Average request size", 10_240)),
        "monthly_messages": Field(count_spec("WebSocket messages per month")),
        "message_size_kb": Field(kb_spec("Average WebSocket message size", 128)),
        "monthly_connection_mins": Field(count_spec("WebSocket connection minutes per month")),
    },
    usage_check=_usage_check,
)
