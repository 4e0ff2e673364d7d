"""Amazon Route 53: hosted zones, latency-based routing queries and health checks.

Per https://aws.amazon.com/route53/pricing/: $0.50 per hosted zone per month (first 25), latency-based
queries $0.60 per million (first billion), basic health checks of AWS endpoints $0.50 each per month with
the first 50 free.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Mapping

from advisor.pricing.base import DEFAULT_MONTH, ZERO, Basis, CostLine, FreeTier, Month, UsageFields, fmt_number, metered
from advisor.pricing.catalog import Catalog

SERVICE = "route53"


@dataclass(init=False, eq=False, repr=False)  # frozen, with its methods, by UsageFields
class Route53Usage(UsageFields):
    """Monthly Route 53 usage for latency-routed, health-checked records."""

    hosted_zones: Decimal = ZERO
    monthly_latency_queries: Decimal = ZERO
    health_checks: Decimal = ZERO

    _numbers: ClassVar[tuple[str, ...]] = ("hosted_zones", "monthly_latency_queries", "health_checks")
    _wholes: ClassVar[tuple[str, ...]] = ("hosted_zones", "health_checks")


def price(
    usage: Route53Usage,
    catalog: Catalog,
    *,
    free_tier: FreeTier | None = None,
    month: Month = DEFAULT_MONTH,
    basis: Mapping[str, str] | None = None,
) -> list[CostLine]:
    """Cost lines for a month of DNS for a multi-Region API."""
    b = Basis(SERVICE, usage, basis or {})
    lines = metered(
        service=SERVICE, item="Hosted zones", quantity=usage.hosted_zones, catalog=catalog,
        key="route53.hosted-zones", basis=f"{fmt_number(usage.hosted_zones)} zones ({b.of('hosted_zones')})",
    )
    lines += metered(
        service=SERVICE, item="Latency-based queries", quantity=usage.monthly_latency_queries, catalog=catalog,
        key="route53.latency-queries",
        basis=f"{fmt_number(usage.monthly_latency_queries)} queries ({b.of('monthly_latency_queries')})",
    )
    lines += metered(
        service=SERVICE, item="Health checks (AWS endpoints)", quantity=usage.health_checks, catalog=catalog,
        key="route53.health-checks", basis=f"{fmt_number(usage.health_checks)} checks ({b.of('health_checks')})",
        free_tier=free_tier, free_key="route53.health-checks",
    )
    return lines
