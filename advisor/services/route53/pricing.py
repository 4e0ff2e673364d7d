"""Amazon Route 53: hosted zones, latency-based routing queries and health checks.

Per https://aws.amazon.com/route53/pricing/: $0.50 per hosted zone per month (first 25), latency-based
queries $0.60 per million (first billion), basic health checks of AWS endpoints $0.50 each per month with
the first 50 free.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Mapping

from advisor.costing import Pricer
from advisor.pricing.base import (
    DEFAULT_MONTH, ZERO, Basis, CostLine, FreeTier, Month, UsageFields, ceil, fmt_number, metered
)
from advisor.pricing.catalog import Catalog
from advisor.services import pricing_of

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


# --- the estimate: quantities along the architecture, priced ----------------------------------------


def cost(p: Pricer) -> None:
    """This service's cost lines in an estimate."""
    cloudwatch = pricing_of("cloudwatch")
    watched = any("api-5xx" in c.settings["alarms"] for c in p.arch.of_service("cloudwatch"))
    for record in p.arch.of_service("route53"):
        if not any(e.kind == "routes-to" for e in p.arch.edges_from(record.id)):
            continue
        # One hosted zone serves every Region's record: the primary's estimate carries it.
        primary = not p.recovery
        usage = Route53Usage(hosted_zones=1 if primary else 0, monthly_latency_queries=ceil(p.flows.requests / 60),
                             health_checks=1)
        basis = {"hosted_zones": "one zone for the API's name",
                 "monthly_latency_queries": "clients cache the answer for its 60 s TTL: about one query per "
                 "60 requests",
                 "health_checks": "this Region's health check on the API's 5XX alarm (each Region's stack "
                 "brings its own)"}
        p.emit(record.id, price(usage, p.catalog, free_tier=p.free, month=p.month,
                                            basis=basis))
        if not watched:
            # The health check watches the API's 5XX alarm, which the template then creates for it alone.
            p.emit(record.id, cloudwatch.price(
                cloudwatch.CloudWatchUsage(standard_alarms=1), p.catalog, free_tier=p.free,
                month=p.month, basis={"standard_alarms": "the API's 5XX alarm its health check watches"}))
