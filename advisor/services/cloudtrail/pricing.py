"""AWS CloudTrail: the first copy of management events is free; additional copies of management events,
data events and Insights events are billed per event (Infracost's `aws_cloudtrail`; AWS CloudTrail pricing)."""

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Mapping

from advisor.pricing.base import DEFAULT_MONTH, ZERO, Basis, CostLine, FreeTier, Month, UsageFields, field_lines
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
