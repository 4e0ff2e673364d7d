"""AWS CloudTrail: the first copy of management events is free; additional copies of management events,
data events and Insights events are billed per event (Infracost's `aws_cloudtrail`; AWS CloudTrail pricing)."""

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Mapping

from advisor.costing import Pricer, scaled_count
from advisor.pricing.base import (
    DEFAULT_MONTH, KB_PER_GB, ZERO, Basis, CostLine, FreeTier, Month, UsageFields, ceil, field_lines, fmt_number
)
from advisor.pricing.catalog import Catalog

SERVICE = "cloudtrail"


@dataclass(init=False, eq=False, repr=False)  # frozen, with its methods, by UsageFields
class CloudTrailUsage(UsageFields):
    """Monthly events recorded by one trail beyond the free first copy of management events."""

    monthly_additional_management_events: Decimal = ZERO
    monthly_data_events: Decimal = ZERO
    monthly_insight_events: Decimal = ZERO

    _numbers: ClassVar[tuple[str, ...]] = (
        "monthly_additional_management_events",
        "monthly_data_events",
        "monthly_insight_events",
    )
    _wholes: ClassVar[tuple[str, ...]] = _numbers


def price(
    usage: CloudTrailUsage,
    catalog: Catalog,
    *,
    free_tier: FreeTier | None = None,
    month: Month = DEFAULT_MONTH,
    basis: Mapping[str, str] | None = None,
) -> list[CostLine]:
    """Cost lines for one trail's billed events."""
    b = Basis(SERVICE, usage, basis or {})
    return field_lines(b, catalog, (
        ("monthly_additional_management_events", "Management events (additional copies)",
         "cloudtrail.management-events-additional", None, "events"),
        ("monthly_data_events", "Data events", "cloudtrail.data-events", None, "events"),
        ("monthly_insight_events", "Insights events", "cloudtrail.insight-events", None, "events"),
    ))


# --- the estimate: quantities along the architecture, priced ----------------------------------------


# CloudTrail delivers a log file to S3 about every 5 minutes; an event is about 1.5 KB before compression.
TRAIL_FILES_PER_HOUR = Decimal(12)


TRAIL_EVENT_KB = Decimal("1.5")


def cost(p: Pricer) -> None:
    """This service's cost lines in an estimate."""
    u = p.usage.get("cloudtrail", {})
    for trail in p.arch.of_service("cloudtrail"):
        # The trail logs data events of the tables it audits: every item call, reads and writes (CloudTrail
        # pricing: "Data Events ... are charged at $0.10 per 100,000 events", the first delivery included).
        audited = [e.target for e in p.arch.edges_from(trail.id) if e.kind == "audits"]
        calls = {t: p.flows.get("writes", t) + p.flows.get("reads", t) for t in audited}
        data_events = scaled_count(u.get("monthly_data_events"), p.scale)
        basis = {"monthly_data_events": "usage.cloudtrail.monthly_data_events" if data_events is not None else
                 "the item reads and writes of the audited tables: " + (", ".join(
                     f"{t} {fmt_number(n)}" for t, n in calls.items()) or "none")}
        if data_events is None:
            data_events = sum(calls.values(), ZERO)
        usage = CloudTrailUsage(
            monthly_additional_management_events=scaled_count(u.get("monthly_additional_management_events"),
                                                               p.scale) or ZERO,
            monthly_data_events=data_events,
            monthly_insight_events=scaled_count(u.get("monthly_insight_events"), p.scale) or ZERO,
        )
        p.emit(trail.id, price(usage, p.catalog, free_tier=p.free, month=p.month,
                                              basis=basis))
        for edge in p.arch.edges_from(trail.id):
            if edge.kind != "writes":
                continue
            # The trail's log files land in its bucket, which prices them (S3's `cost` step).
            events = p.kms_requests + data_events
            p.store(edge.target, events * TRAIL_EVENT_KB / KB_PER_GB, ceil(TRAIL_FILES_PER_HOUR * p.month.hours),
                    f"{trail.id}'s log files: {fmt_number(p.kms_requests)} management events (the KMS requests) and "
                    f"{fmt_number(data_events)} data events × {fmt_number(TRAIL_EVENT_KB)} KB / 1024², one month's "
                    "logs; one file about every 5 minutes")
