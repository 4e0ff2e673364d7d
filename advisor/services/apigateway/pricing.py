"""Amazon API Gateway: REST API requests (volume tiers) and cache hours, HTTP API requests metered in
512 KB increments, WebSocket messages metered in 32 KB increments plus connection minutes, and the
responses' data transfer out as `data-transfer` lines.

Rules (https://aws.amazon.com/api-gateway/pricing/): "HTTP APIs are metered in 512 KB increments"
(a 4.5 MB upload is 9 requests); "Messages are metered in 32 KB increments. So, a 33 KB message is metered
as two messages"; the cache is billed per hour by its provisioned size. The free tier (1M calls per API type,
1M messages and 750,000 connection minutes) lasts 12 months and only for accounts opened before
2025-07-15, so it is applied only when the ledger was built with 12-month offers.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Mapping

from advisor.architecture import Component
from advisor.costing import ONE, Flows, Graph, Pricer, pct, scaled, source
from advisor.pricing import datatransfer
from advisor.pricing.base import (
    DEFAULT_MONTH, ZERO, Basis, CostLine, FreeTier, Month, UsageFields, ceil, chunks, fmt_number, metered, to_decimal
)
from advisor.pricing.catalog import Catalog

SERVICE = "apigateway"
TYPES = ("rest", "http", "websocket")
HTTP_METER_KB = Decimal(512)
WEBSOCKET_METER_KB = Decimal(32)
# The cache sizes API Gateway offers (CacheClusterSize in the API Gateway API reference).
CACHE_SIZES_GB = ("0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237")


@dataclass(init=False, eq=False, repr=False)  # frozen, with its methods, by UsageFields
class ApiGatewayUsage(UsageFields):
    """Monthly usage of one API (Infracost's `aws_api_gateway_rest_api` / `aws_apigatewayv2_api` keys)."""

    type: str = "rest"
    monthly_requests: Decimal = ZERO
    request_size_kb: Decimal = ZERO
    response_size_kb: Decimal = ZERO
    monthly_messages: Decimal = ZERO
    message_size_kb: Decimal = ZERO
    monthly_connection_mins: Decimal = ZERO
    cache_size_gb: Decimal | None = None
    cache_hours: Decimal | None = None

    _numbers: ClassVar[tuple[str, ...]] = (
        "monthly_requests",
        "request_size_kb",
        "response_size_kb",
        "monthly_messages",
        "message_size_kb",
        "monthly_connection_mins",
        "cache_size_gb",
        "cache_hours",
    )
    _wholes: ClassVar[tuple[str, ...]] = ("monthly_requests", "monthly_messages")
    _choices: ClassVar[tuple[tuple[str, tuple[str, ...]], ...]] = (("type", TYPES),)
    _ranges: ClassVar[tuple[tuple[str, int, int, str], ...]] = (
        # Payload limits: HTTP APIs accept up to 10 MB, WebSocket messages up to 128 KB (API Gateway quotas).
        ("request_size_kb", 0, 10240, "API Gateway payloads are at most 10 MB"),
        ("message_size_kb", 0, 128, "WebSocket messages are at most 128 KB"),
        ("cache_hours", 0, 744, "hours in a month"),
    )

    def __post_init__(self) -> None:
        if self.cache_size_gb is not None:
            if self.type != "rest":
                raise ValueError("cache_size_gb applies to REST APIs only")
            if format(self.cache_size_gb.normalize(), "f") not in CACHE_SIZES_GB:
                raise ValueError(f"cache_size_gb must be one of {', '.join(CACHE_SIZES_GB)} GB")
        if self.type == "websocket" and self.monthly_requests:
            raise ValueError("a WebSocket API is billed by monthly_messages and monthly_connection_mins")
        if self.type != "websocket" and (self.monthly_messages or self.monthly_connection_mins):
            raise ValueError("monthly_messages and monthly_connection_mins apply to WebSocket APIs only")


def price(
    usage: ApiGatewayUsage,
    catalog: Catalog,
    *,
    free_tier: FreeTier | None = None,
    month: Month = DEFAULT_MONTH,
    basis: Mapping[str, str] | None = None,
) -> list[CostLine]:
    """Cost lines for one API's monthly usage."""
    b = Basis(SERVICE, usage, basis or {})
    lines: list[CostLine] = []
    if usage.type == "rest":
        lines += metered(
            service=SERVICE,
            item="REST API requests",
            quantity=usage.monthly_requests,
            catalog=catalog,
            key="apigateway.rest-requests",
            basis=f"{fmt_number(usage.monthly_requests)} requests ({b.of('monthly_requests')})",
            free_tier=free_tier,
            free_key="apigateway.rest-requests",
        )
    elif usage.type == "http":
        per_request = chunks(usage.request_size_kb, HTTP_METER_KB)
        billed = usage.monthly_requests * per_request
        lines += metered(
            service=SERVICE,
            item="HTTP API requests",
            quantity=billed,
            catalog=catalog,
            key="apigateway.http-requests",
            basis=(
                f"{fmt_number(usage.monthly_requests)} requests × {fmt_number(per_request)} "
                f"(512 KB metering of {fmt_number(usage.request_size_kb)} KB) "
                f"({b.join('monthly_requests', 'request_size_kb')})"
            ),
            free_tier=free_tier,
            free_key="apigateway.http-requests",
        )
    else:
        per_message = chunks(usage.message_size_kb, WEBSOCKET_METER_KB)
        lines += metered(
            service=SERVICE,
            item="WebSocket messages",
            quantity=usage.monthly_messages * per_message,
            catalog=catalog,
            key="apigateway.websocket-messages",
            basis=(
                f"{fmt_number(usage.monthly_messages)} messages × {fmt_number(per_message)} "
                f"(32 KB metering of {fmt_number(usage.message_size_kb)} KB) "
                f"({b.join('monthly_messages', 'message_size_kb')})"
            ),
            free_tier=free_tier,
            free_key="apigateway.websocket-messages",
        )
        lines += metered(
            service=SERVICE,
            item="WebSocket connection minutes",
            quantity=usage.monthly_connection_mins,
            catalog=catalog,
            key="apigateway.websocket-connection-minutes",
            basis=f"{fmt_number(usage.monthly_connection_mins)} minutes ({b.of('monthly_connection_mins')})",
            free_tier=free_tier,
            free_key="apigateway.websocket-connection-minutes",
        )

    if usage.cache_size_gb is not None:
        size = format(usage.cache_size_gb.normalize(), "f")
        hours = month.hours if usage.cache_hours is None else usage.cache_hours
        hours_basis = b.of("cache_hours") if usage.cache_hours is not None else "provisioned all month"
        lines += metered(
            service=SERVICE,
            item=f"Cache ({size} GB)",
            quantity=hours,
            catalog=catalog,
            key=f"apigateway.cache-{size}gb",
            basis=f"{fmt_number(hours)} hours ({b.of('cache_size_gb')}; {hours_basis})",
        )

    if usage.response_size_kb > 0 and usage.monthly_requests > 0:
        kilobytes = usage.monthly_requests * usage.response_size_kb
        gigabytes = datatransfer.kb_to_gb(kilobytes)
        lines += datatransfer.internet_out_lines(
            gigabytes,
            catalog,
            basis=(
                f"{fmt_number(usage.monthly_requests)} responses × {fmt_number(usage.response_size_kb)} KB "
                f"/ 1024² = {fmt_number(gigabytes)} GB ({b.join('monthly_requests', 'response_size_kb')})"
            ),
            free_tier=free_tier,
        )
    return lines


# --- the estimate: quantities along the architecture, priced ----------------------------------------


def watched(graph: Graph, api: Component) -> dict[str, int]:
    """The alarms watch each API's 5XX errors and latency."""
    return {"APIs": 1}


def flow(f: Flows, api: Component) -> None:
    """Every request reaches the API. With both a write path (a queue) and a read path (a function), the
    traffic's writes:reads per request splits them; otherwise each path gets every request."""
    r, total = f.requests, fmt_number(f.requests)
    f.add("requests", api.id, r, "every request")
    sends = [e for e in f.graph.edges_from(api.id) if e.kind == "sends"]
    invokes = [e for e in f.graph.edges_from(api.id) if e.kind == "invokes"]
    to_queue = to_function = r
    queue_text = function_text = "every API request"
    if sends and invokes:
        to_queue = ceil(r * f.write_share)
        to_function = r - to_queue
        f.split_writes(to_queue)
        queue_text = f"{pct(f.write_share)} of requests write (traffic writes:reads per request)"
        function_text = f"{pct(ONE - f.write_share)} of requests read (traffic writes:reads per request)"
    for edge in sends:
        f.add("messages", edge.target, to_queue, f"{total} API requests to {api.id}, {queue_text}")
    for edge in invokes:
        why = f"{total} API requests to {api.id}, {function_text}"
        f.add("invocations", edge.target, to_function, why)
        f.add("records", edge.target, to_function, why)



def cost(p: Pricer) -> None:
    """This service's cost lines in an estimate."""
    t = p.w.traffic
    apis = p.arch.of_service("apigateway")
    if not apis:
        return
    counts, notes = p.counts("apigateway", "monthly_requests", {a.id: p.flows.requests for a in apis},
                                 "requests")
    for api in apis:
        api_type = api.settings["type"]
        requests = counts[api.id]
        basis = {"monthly_requests": notes.get(api.id) or f"traffic.requests_per_month = "
                 f"{fmt_number(to_decimal(t['requests_per_month']))}" + scaled(p.scale),
                 "type": source(api.sources, "type")}
        size = p.override("apigateway", "request_size_kb") or t["request_kb"]
        cache = api.settings.get("cache_size_gb")
        usage = ApiGatewayUsage(
            type=api_type, monthly_requests=requests, request_size_kb=size, response_size_kb=t["response_kb"],
            cache_size_gb=cache, cache_hours=p.month.hours if cache else None,
        )
        if cache:
            basis["cache_size_gb"] = source(api.sources, "cache_size_gb")
        basis["request_size_kb"] = ("usage.apigateway.request_size_kb" if p.override("apigateway",
                                    "request_size_kb") else f"traffic.request_kb = {t['request_kb']}")
        basis["response_size_kb"] = f"traffic.response_kb = {t['response_kb']}"
        p.emit(api.id, price(usage, p.catalog, free_tier=p.free, month=p.month,
                                            basis=basis))
        p.logs(api.id, requests, "access-log line per request")
