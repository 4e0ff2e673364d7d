"""AWS Lambda: requests, duration per GB-second by architecture with volume tiers, ephemeral storage
above 512 MB, and provisioned concurrency.

Rules (https://aws.amazon.com/lambda/pricing/): duration is billed per GB-second (memory in GB × seconds,
1 ms granularity) and tiered per account, region and architecture; 512 MB of ephemeral storage is free and
only the configured excess is billed, per GB-second of execution; an asynchronous event is one request for its
first 256 KB plus one more per 64 KB chunk up to 1 MB. Provisioned concurrency bills the configured
concurrency × memory for the time it is enabled, executions under it use a lower duration rate, and "the Lambda
free tier does not apply to functions enabling Provisioned Concurrency" — so a usage with
`provisioned_concurrency > 0` takes nothing from the free tier; model the part of the traffic served without
provisioned concurrency as a second usage.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Mapping

from advisor.architecture import Component
from advisor.costing import Flows, Graph, Pricer, source
from advisor.pricing.base import (
    DEFAULT_MONTH, MB_PER_GB, MS_PER_S, ONE, SECONDS_PER_HOUR, ZERO, Basis, CostLine, FreeTier, Month, UsageFields,
    ceil, fmt_number, metered
)
from advisor.pricing.catalog import Catalog

SERVICE = "lambda"
ARCHITECTURES = ("x86_64", "arm64")
FREE_EPHEMERAL_MB = Decimal(512)
ASYNC_INCLUDED_KB = Decimal(256)
ASYNC_CHUNK_KB = Decimal(64)


@dataclass(init=False, eq=False, repr=False)  # frozen, with its methods, by UsageFields
class LambdaUsage(UsageFields):
    """Monthly usage of one function (Infracost's `aws_lambda_function` usage keys)."""

    monthly_requests: Decimal = ZERO
    request_duration_ms: Decimal = ZERO
    memory_mb: Decimal = Decimal(128)
    architecture: str = "x86_64"
    ephemeral_storage_mb: Decimal = FREE_EPHEMERAL_MB
    provisioned_concurrency: Decimal = ZERO
    provisioned_concurrency_hours: Decimal | None = None
    async_payload_kb: Decimal = ZERO

    _numbers: ClassVar[tuple[str, ...]] = (
        "monthly_requests",
        "request_duration_ms",
        "memory_mb",
        "ephemeral_storage_mb",
        "provisioned_concurrency",
        "provisioned_concurrency_hours",
        "async_payload_kb",
    )
    _wholes: ClassVar[tuple[str, ...]] = (
        "monthly_requests",
        "memory_mb",
        "ephemeral_storage_mb",
        "provisioned_concurrency",
    )
    _choices: ClassVar[tuple[tuple[str, tuple[str, ...]], ...]] = (("architecture", ARCHITECTURES),)
    _ranges: ClassVar[tuple[tuple[str, int, int, str], ...]] = (
        # Limits from the Lambda pricing page: memory and ephemeral storage 128/512 MB to 10,240 MB in 1 MB steps.
        ("memory_mb", 128, 10240, "Lambda memory, per https://aws.amazon.com/lambda/pricing/"),
        ("ephemeral_storage_mb", 512, 10240, "Lambda ephemeral storage, per https://aws.amazon.com/lambda/pricing/"),
        # Lambda's maximum timeout is 900 seconds (Lambda quotas: docs.aws.amazon.com/lambda/latest/dg/
        # gettingstarted-limits.html).
        ("request_duration_ms", 0, 900000, "Lambda timeout is at most 900 s"),
        ("async_payload_kb", 0, 1024, "asynchronous events are billed up to 1 MB"),
        ("provisioned_concurrency_hours", 0, 744, "hours in a month"),
    )


def price(
    usage: LambdaUsage,
    catalog: Catalog,
    *,
    free_tier: FreeTier | None = None,
    month: Month = DEFAULT_MONTH,
    basis: Mapping[str, str] | None = None,
) -> list[CostLine]:
    """Cost lines for one function's monthly usage."""
    b = Basis(SERVICE, usage, basis or {})
    arch = usage.architecture
    provisioned = usage.provisioned_concurrency > 0
    free = None if provisioned else free_tier
    lines: list[CostLine] = []

    requests = usage.monthly_requests
    if requests > 0:
        per_event = ONE + extra_async_requests(usage.async_payload_kb)
        text = f"{fmt_number(requests)} requests"
        if per_event > 1:
            text += (
                f" × {fmt_number(per_event)} (asynchronous {fmt_number(usage.async_payload_kb)} KB events: one request "
                f"for the first 256 KB plus one per 64 KB chunk)"
            )
        lines += metered(
            service=SERVICE,
            item="Requests",
            quantity=requests * per_event,
            catalog=catalog,
            key="lambda.requests",
            basis=f"{text} ({b.join('monthly_requests', *(['async_payload_kb'] if per_event > 1 else []))})",
            free_tier=free,
            free_key="lambda.requests",
        )

    seconds = requests * usage.request_duration_ms / MS_PER_S
    gb_seconds = seconds * usage.memory_mb / MB_PER_GB
    if gb_seconds > 0:
        text = (
            f"{fmt_number(requests)} requests × {fmt_number(usage.request_duration_ms)} ms × "
            f"{fmt_number(usage.memory_mb)} MB / 1024 = {fmt_number(gb_seconds)} GB-seconds"
        )
        sources = b.join("monthly_requests", "request_duration_ms", "memory_mb")
        if provisioned:
            lines += metered(
                service=SERVICE,
                item="Duration under provisioned concurrency",
                quantity=gb_seconds,
                catalog=catalog,
                key=f"lambda.provisioned-duration-{arch}",
                basis=f"{text} ({sources})",
                qualifier=arch,
            )
        else:
            lines += metered(
                service=SERVICE,
                item="Duration",
                quantity=gb_seconds,
                catalog=catalog,
                key=f"lambda.duration-{arch}",
                basis=f"{text} ({sources})",
                free_tier=free,
                free_key="lambda.duration",
                qualifier=arch,
            )

    extra_mb = usage.ephemeral_storage_mb - FREE_EPHEMERAL_MB
    storage_gb_seconds = seconds * extra_mb / MB_PER_GB
    if storage_gb_seconds > 0:
        lines += metered(
            service=SERVICE,
            item="Ephemeral storage above 512 MB",
            quantity=storage_gb_seconds,
            catalog=catalog,
            key="lambda.ephemeral-storage",
            basis=(
                f"{fmt_number(requests)} requests × {fmt_number(usage.request_duration_ms)} ms × "
                f"({fmt_number(usage.ephemeral_storage_mb)} − 512) MB / 1024 = {fmt_number(storage_gb_seconds)} "
                f"GB-seconds ({b.join('monthly_requests', 'request_duration_ms', 'ephemeral_storage_mb')})"
            ),
        )

    if provisioned:
        hours = month.hours if usage.provisioned_concurrency_hours is None else usage.provisioned_concurrency_hours
        pc_gb_seconds = usage.provisioned_concurrency * usage.memory_mb / MB_PER_GB * hours * SECONDS_PER_HOUR
        hours_basis = (
            b.of("provisioned_concurrency_hours")
            if usage.provisioned_concurrency_hours is not None
            else f"enabled all month ({fmt_number(month.hours)} hours)"
        )
        lines += metered(
            service=SERVICE,
            item="Provisioned concurrency",
            quantity=pc_gb_seconds,
            catalog=catalog,
            key=f"lambda.provisioned-concurrency-{arch}",
            basis=(
                f"{fmt_number(usage.provisioned_concurrency)} × {fmt_number(usage.memory_mb)} MB / 1024 × "
                f"{fmt_number(hours)} hours × 3600 = {fmt_number(pc_gb_seconds)} GB-seconds "
                f"({b.join('provisioned_concurrency', 'memory_mb')}; {hours_basis}); the free tier does not apply"
            ),
            qualifier=arch,
        )
    return lines


def extra_async_requests(payload_kb: Decimal) -> Decimal:
    """Additional requests billed for one asynchronous event larger than 256 KB (one per 64 KB chunk)."""
    if payload_kb <= ASYNC_INCLUDED_KB:
        return ZERO
    return ceil((payload_kb - ASYNC_INCLUDED_KB) / ASYNC_CHUNK_KB)


# --- the estimate: quantities along the architecture, priced ----------------------------------------


DEFAULT_DURATION_MS = 100


def watched(graph: Graph, fn: Component) -> dict[str, int]:
    """The alarms watch each function's errors and throttles, and the dead-letter queue of a function SNS
    invokes asynchronously."""
    out = {"functions": 1}
    if any(e.kind == "delivers-to" for e in graph.edges_to(fn.id)):
        out["dead-letter queues"] = 1
    return out


def flow(f: Flows, fn: Component) -> None:
    """A function publishes one event and makes one conditional put per record it processes, reads one item
    per invocation, and authorises at most each request of the API it guards."""
    records = f.get("records", fn.id)
    for edge in f.graph.edges_from(fn.id):
        if edge.kind == "authorizes":
            requests = f.get("requests", edge.target)
            # An upper bound: the authorizer's 300 s result cache per token spares the calls a token repeats.
            f.add("invocations", fn.id, requests, f"at most one per request to {edge.target} "
                  f"({fmt_number(requests)}); its 300 s result cache per token spares the repeats")
        elif edge.kind == "publishes":
            f.add("events", edge.target, records, f"one event per message {fn.id} processes")
        elif edge.kind == "writes":
            f.add("writes", edge.target, records, f"one conditional put per record {fn.id} processes")
        elif edge.kind == "reads":
            f.add("reads", edge.target, f.get("invocations", fn.id), f"one read per invocation of {fn.id}")


def cost(p: Pricer) -> None:
    """This service's cost lines in an estimate."""
    functions = p.arch.of_service("lambda")
    if not functions:
        return
    derived = {f.id: p.flows.get("invocations", f.id) for f in functions}
    counts, notes = p.counts("lambda", "monthly_requests", derived, "invocations")
    u = p.usage.get("lambda", {})
    for fn in functions:
        settings, sources = fn.settings, fn.sources
        duration = u.get("request_duration_ms") or DEFAULT_DURATION_MS
        invocations = ceil(counts[fn.id])
        basis = {
            "monthly_requests": notes.get(fn.id) or p.flows.why("invocations", fn.id, "no traffic reaches it"),
            "memory_mb": source(sources, "memory_mb"),
            "request_duration_ms": "usage.lambda.request_duration_ms" if u.get("request_duration_ms")
            else f"default {DEFAULT_DURATION_MS} ms",
            "architecture": source(sources, "architecture"),
            "ephemeral_storage_mb": source(sources, "ephemeral_storage_mb"),
        }
        usage = LambdaUsage(
            monthly_requests=invocations, request_duration_ms=duration, memory_mb=settings["memory_mb"],
            architecture=settings["architecture"], ephemeral_storage_mb=settings["ephemeral_storage_mb"],
        )
        p.emit(fn.id, price(usage, p.catalog, free_tier=p.free, month=p.month,
                                          basis=basis))
        p.logs(fn.id, invocations, "START, END, REPORT and one JSON line per invocation")
