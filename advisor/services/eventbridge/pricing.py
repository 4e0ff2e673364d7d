"""Amazon EventBridge: custom and partner events on a bus, archives, schema discovery, Pipes, API
destinations and Scheduler.

Rules (https://aws.amazon.com/eventbridge/pricing/): events published by AWS services are free; custom and
partner events are billed per 64 KB chunk of payload; Pipes bill requests in 64 KB chunks after filtering; schema
discovery is metered in 8 KB chunks with 5 million events a month free; Scheduler invocations have 14 million a
month free.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Mapping

from advisor.pricing.base import (
    DEFAULT_MONTH,
    ZERO,
    Basis,
    CostLine,
    FreeTier,
    Month,
    UsageFields,
    chunks,
    field_lines,
    fmt_number,
    metered,
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
