"""Amazon API Gateway: the public entry, a REST API with request validation and access logs."""

from typing import Any, Iterable, Mapping, NamedTuple

from advisor.architecture import Component, Edge
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


# Why the template's API is a REST API. What only REST APIs offer (API Gateway developer guide, "Choose between REST
# APIs and HTTP APIs", docs.aws.amazon.com/apigateway/latest/developerguide/http-api-vs-rest.html): request
# validation, X-Ray tracing, caching, edge-optimised and private endpoints, AWS WAF, usage plans; and AWS service
# integrations beyond the first-class ones. What both offer, and so is no reason for REST: IAM authorisation, Amazon
# Cognito (through a JWT authorizer on an HTTP API), Lambda authorizers, Lambda proxy integrations, access logs,
# throttling, and direct integrations with SQS (SQS-SendMessage), EventBridge, Kinesis Data Streams, Step Functions
# and AppConfig (HTTP API integration subtype reference, .../http-api-develop-integrations-aws-services-reference.html).
HTTP_ALSO = ("an HTTP API also sends straight to SQS through its SQS-SendMessage integration and accepts IAM "
             "authorisation, so neither is a reason for REST")
HTTP_INTEGRATIONS = "SQS, EventBridge, Kinesis Data Streams, Step Functions and AppConfig"


class RestReason(NamedTuple):
    """A feature of an API that only a REST API offers; `needed`: an HTTP API could not serve this design at all
    (rather than serving it without the feature)."""

    feature: str
    needed: bool


def rest_only(api: Component, edges: Iterable[Edge]) -> tuple[RestReason, ...]:
    """What this API uses that only a REST API has: the grounds for deploying it as one."""
    out = []
    if api.settings.get("request_validation", True):
        out.append(RestReason("request body validation against the item model", False))
    if api.settings.get("tracing", True):
        out.append(RestReason("X-Ray tracing of the stage", False))
    if api.settings.get("cache_size_gb"):
        out.append(RestReason("the stage cache the workload asks for", True))
    endpoint = api.settings.get("endpoint_type", "REGIONAL")
    if endpoint != "REGIONAL":
        out.append(RestReason(f"an {endpoint.lower()} endpoint (HTTP APIs are regional only)", True))
    if any(e.source == api.id and e.settings.get("via") == "s3" for e in edges):
        out.append(RestReason(f"the claim check's S3 PutObject integration (HTTP APIs integrate directly only with "
                              f"{HTTP_INTEGRATIONS})", True))
    return tuple(out)


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
                 "advisor's template deploys a REST API because it validates request bodies against a model and "
                 "traces the stage with X-Ray, which only REST APIs do (an HTTP API also sends straight to SQS and "
                 "accepts IAM authorisation); an estimate for another API type would not price what it deploys",
                 "remove usage.apigateway.type or set it to rest; `advisor cost --sweep` prices an HTTP API beside it"),
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
