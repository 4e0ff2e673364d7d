"""AWS CloudTrail: the first copy of management events is free; additional copies of management events,
data events and Insights events are billed per event (Infracost's `aws_cloudtrail`; AWS CloudTrail pricing)."""

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Mapping

from advisor.architecture import Component
from advisor.costing import Graph, Pricer, scaled_count
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
        p.warn(_as_created(p, trail))
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


def _as_created(p: Pricer, trail: Component) -> str:
    """What the estimate says of a trail the template creates only while CreateAccountTrail is true (its
    default): that it is priced as created, and what deploying with false changes."""
    audited = [e.target for e in p.arch.edges_from(trail.id) if e.kind == "audits"]
    buckets = [e.target for e in p.arch.edges_from(trail.id) if e.kind == "writes"]
    key = "cloudtrail.management-events-additional"
    extra = (f"; kept as a second copy, they would bill ${p.catalog.price(key).tiers[0].price * 100_000:.2f} "
             "per 100,000" if p.catalog.has(key) else "")
    if audited:
        reused = (f"it stays in this Region only, recording the data events of {', '.join(audited)}, and "
                  f"{', '.join(buckets)} holds those alone")
    else:
        reused = f"neither it nor {', '.join(buckets)} is created and their lines drop"
    return (f"{trail.id} is priced as created: the template's CreateAccountTrail parameter defaults to true, and "
            "its management events are free as the account's first copy. Where an organisation trail already "
            f"records them, deploy with CreateAccountTrail=false: {reused}{extra}")


def why_free(graph: Graph, trail: Component) -> str | None:
    """A trail without data events bills nothing: its management events are the account's free first copy."""
    if any(e.kind == "audits" for e in graph.edges_from(trail.id)):
        return None
    return ("records the account's management events, free as their first copy (created while CreateAccountTrail "
            "is true, its default); its log files are priced on its bucket")
