"""Amazon EventBridge: custom and partner events on a bus, archives, schema discovery, Pipes, API
destinations and Scheduler.

Rules (https://aws.amazon.com/eventbridge/pricing/): events published by AWS services are free; custom and
partner events are billed per 64 KB chunk of payload; Pipes bill requests in 64 KB chunks after filtering; schema
discovery is metered in 8 KB chunks with 5 million events a month free; Scheduler invocations have 14 million a
month free.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, Mapping

from advisor.architecture import Component
from advisor.costing import DEFAULT_BATCH, ONE, Flows, Graph, Pricer, scaled_count
from advisor.pricing.base import (
    DEFAULT_MONTH, KB_PER_GB, ZERO, Basis, CostLine, FreeTier, Month, UsageFields, ceil, chunks, field_lines,
    fmt_number, metered, to_decimal
)
from advisor.pricing.catalog import Catalog

SERVICE = "eventbridge"
EVENT_CHUNK_KB = Decimal(64)
SCHEMA_CHUNK_KB = Decimal(8)


@dataclass(init=False, eq=False, repr=False)  # frozen, with its methods, by UsageFields
class EventBridgeUsage(UsageFields):
    """Monthly EventBridge usage (Infracost's `aws_cloudwatch_event_bus` keys plus Pipes and Scheduler)."""

    monthly_custom_events: Decimal = ZERO
    monthly_third_party_events: Decimal = ZERO
    event_size_kb: Decimal = ZERO
    monthly_archive_processing_gb: Decimal = ZERO
    archive_storage_gb: Decimal = ZERO
    monthly_schema_discovery_events: Decimal = ZERO
    monthly_pipes_requests: Decimal = ZERO
    pipes_request_size_kb: Decimal = ZERO
    monthly_api_destination_invocations: Decimal = ZERO
    monthly_scheduler_invocations: Decimal = ZERO

    _numbers: ClassVar[tuple[str, ...]] = (
        "monthly_custom_events",
        "monthly_third_party_events",
        "event_size_kb",
        "monthly_archive_processing_gb",
        "archive_storage_gb",
        "monthly_schema_discovery_events",
        "monthly_pipes_requests",
        "pipes_request_size_kb",
        "monthly_api_destination_invocations",
        "monthly_scheduler_invocations",
    )
    # Counts are whole; sizes and GB are not.
    _wholes: ClassVar[tuple[str, ...]] = tuple(n for n in _numbers if not n.endswith(("_kb", "_gb")))
    _ranges: ClassVar[tuple[tuple[str, int, int, str], ...]] = (
        # Event buses take events up to 1 MB since 2026-01-29 (AWS Compute Blog, "More room to build");
        # Pipes payloads stay at 256 KB (EventBridge quotas).
        ("event_size_kb", 0, 1024, "EventBridge events are at most 1 MB"),
        ("pipes_request_size_kb", 0, 256, "Pipes payloads are at most 256 KB"),
    )


def price(
    usage: EventBridgeUsage,
    catalog: Catalog,
    *,
    free_tier: FreeTier | None = None,
    month: Month = DEFAULT_MONTH,
    basis: Mapping[str, str] | None = None,
) -> list[CostLine]:
    """Cost lines for a month of EventBridge usage."""
    b = Basis(SERVICE, usage, basis or {})
    per_event = chunks(usage.event_size_kb, EVENT_CHUNK_KB)
    per_schema_event = chunks(usage.event_size_kb, SCHEMA_CHUNK_KB)
    per_pipe = chunks(usage.pipes_request_size_kb, EVENT_CHUNK_KB)
    lines: list[CostLine] = []
    counted = (
        ("monthly_custom_events", "Custom events published", "eventbridge.custom-events", None, per_event,
         "event_size_kb", "64 KB"),
        ("monthly_third_party_events", "Partner events published", "eventbridge.third-party-events", None, per_event,
         "event_size_kb", "64 KB"),
        ("monthly_schema_discovery_events", "Schema discovery events", "eventbridge.schema-discovery",
         "eventbridge.schema-discovery", per_schema_event, "event_size_kb", "8 KB"),
        ("monthly_pipes_requests", "Pipes requests", "eventbridge.pipes-requests", None, per_pipe,
         "pipes_request_size_kb", "64 KB"),
    )
    for field_name, item, key, free_key, per, size_field, meter in counted:
        count = getattr(usage, field_name)
        lines += metered(
            service=SERVICE,
            item=item,
            quantity=count * per,
            catalog=catalog,
            key=key,
            basis=(
                f"{fmt_number(count)} × {fmt_number(per)} ({meter} chunks of "
                f"{fmt_number(getattr(usage, size_field))} KB) ({b.join(field_name, size_field)})"
            ),
            free_tier=free_tier if free_key else None,
            free_key=free_key,
        )
    lines += field_lines(b, catalog, (
        ("monthly_api_destination_invocations", "API destination invocations", "eventbridge.api-destinations", None,
         "invocations"),
        ("monthly_scheduler_invocations", "Scheduler invocations", "eventbridge.scheduler-invocations",
         "eventbridge.scheduler-invocations", "invocations"),
        ("monthly_archive_processing_gb", "Archive processing", "eventbridge.archive-processing", None, "GB"),
        ("archive_storage_gb", "Archive storage", "eventbridge.archive-storage", None, "GB"),
    ), free_tier=free_tier)
    return lines


# --- the estimate: quantities along the architecture, priced ----------------------------------------


PIPE_CHUNK_KB = Decimal(64)


def watched(graph: Graph, bus: Component) -> dict[str, int]:
    """Each rule of a bus has a dead-letter queue for the events its target refused; the alarms watch them."""
    rules = sum(1 for e in graph.edges_from(bus.id) if e.kind == "routes-to")
    return {"dead-letter queues": rules} if rules else {}


def flow(f: Flows, bus: Component) -> None:
    """The integrated systems put one event on the bus per written request; each rule routes them on."""
    f.add("events", bus.id, f.written, "one integration event per written request")
    events = f.get("events", bus.id)
    for edge in f.graph.edges_from(bus.id):
        if edge.kind == "routes-to":
            f.add("events", edge.target, events, f"integration events routed from {bus.id}, one per written request")


def cost(p: Pricer) -> None:
    """This service's cost lines in an estimate."""
    item_kb = to_decimal(p.w.data["item_kb"])
    requests = ZERO
    parts = []
    for edge, batch in p.arch.fact("pipes", _pipes):
        batches = ceil(p.flows.get("changes", edge.source) / batch)
        per_batch = max(ONE, ceil(batch * item_kb / PIPE_CHUNK_KB))
        requests += batches * per_batch
        parts.append(f"{fmt_number(batches)} batches of {fmt_number(batch)} change records from {edge.source}, "
                     f"{fmt_number(per_batch)} request per batch (64 KB chunks)")
    buses = p.arch.of_service("eventbridge")
    events = sum((p.flows.get("events", b.id) for b in buses), ZERO)
    if requests <= 0 and events <= 0:
        return
    u = p.usage.get("eventbridge", {})
    size = p.capped("eventbridge", item_kb, "integration events")
    custom = scaled_count(u.get("monthly_custom_events"), p.scale) or ceil(events)
    # A bus's archive takes in every event it receives and keeps it for archive_days (EventBridge pricing:
    # $0.10 per GB processed into an archive, $0.023 per GB-month stored).
    archived = [b for b in buses if b.settings["archive_days"]]
    processed = custom * size / KB_PER_GB * len(archived) / max(len(buses), 1)
    stored = sum((processed / len(archived) * min(Decimal(b.settings["archive_days"]), p.month.days)
                  / p.month.days for b in archived), ZERO) if archived else ZERO
    usage = EventBridgeUsage(
        monthly_custom_events=custom,
        event_size_kb=size,
        monthly_pipes_requests=scaled_count(u.get("monthly_pipes_requests"), p.scale) or requests,
        pipes_request_size_kb=ZERO,
        monthly_archive_processing_gb=to_decimal(u["monthly_archive_processing_gb"])
        if u.get("monthly_archive_processing_gb") is not None else processed,
        archive_storage_gb=to_decimal(u["archive_storage_gb"]) if u.get("archive_storage_gb") is not None
        else stored,
    )
    kept = ", ".join(f"{b.id} {b.settings['archive_days']} days" for b in archived)
    basis = {"monthly_pipes_requests": "; ".join(parts) or "none",
             "monthly_custom_events": "one integration event per written API request",
             "monthly_archive_processing_gb": "usage.eventbridge.monthly_archive_processing_gb"
             if u.get("monthly_archive_processing_gb") is not None else
             f"every event the archived buses receive ({kept}) × {fmt_number(size)} KB / 1024²",
             "archive_storage_gb": "usage.eventbridge.archive_storage_gb" if u.get("archive_storage_gb")
             is not None else f"the events of the last archive_days, at most a month's ({kept})"}
    component = buses[0].id if buses else (p.arch.of_service("dynamodb-streams")[0].id
                                           if p.arch.of_service("dynamodb-streams") else None)
    p.emit(component, price(usage, p.catalog, free_tier=p.free, month=p.month,
                                            basis=basis))


def _pipes(graph: Graph) -> tuple[tuple[Any, Decimal], ...]:
    """The edges an EventBridge pipe carries, with their batch sizes."""
    return tuple((edge, Decimal(edge.settings.get("batch_size", DEFAULT_BATCH))) for edge in graph.edges
                 if edge.settings.get("via") == "eventbridge-pipes")
