"""Cost against traffic, and where an always-on alternative becomes cheaper.

The alternative replaces the pay-per-use request tier (API Gateway, SQS, Lambda and the
data transfer their responses cause stay: the load balancer sends the same bytes) with an
Application Load Balancer in front of always-on Fargate tasks, two of them at least for two
Availability Zones, and enough for the scaled peak.  Everything else (tables, keys, logs,
backups) is the same in both designs, so it is carried over unchanged.

Capacity assumptions, each overridable: a 0.5 vCPU / 1 GB task serves 250 requests per second
at peak, and a load balancer capacity unit covers 25 new connections per second (one per
request) or 1 GB processed per hour, whichever is more (Elastic Load Balancing pricing).
"""

from __future__ import annotations

from typing import NamedTuple
import math
from decimal import Decimal

from advisor.architecture import Architecture
from advisor.costing import REQUEST_TIER, Estimate, Graph, estimate, request_tier_cost
from advisor.pricing import fargate
from advisor.pricing.base import DEFAULT_MONTH, KB_PER_GB, ZERO, CostLine, Month, ceil, to_decimal
from advisor.pricing.catalog import Catalog
from advisor.workload import Workload

REPLACED = REQUEST_TIER
MIN_TASKS = 2
LCU_NEW_CONNECTIONS_PER_S = Decimal(25)
LCU_GB_PER_HOUR = Decimal(1)
BISECT_RATIO = Decimal("1.000001")


class Alternative(NamedTuple):
    """How the always-on design is sized."""

    rps_per_task: Decimal = Decimal(250)
    vcpu: Decimal = Decimal("0.5")
    memory_gb: Decimal = Decimal(1)
    architecture: str = "arm64"


class Point(NamedTuple):
    """One traffic level of the sweep."""

    scale: Decimal
    requests_per_month: Decimal
    by_service: dict[str, Decimal]
    total: Decimal
    alternative_total: Decimal
    alternative_tasks: int


class BreakEven(NamedTuple):
    """The traffic at which the always-on design costs the same."""

    scale: Decimal
    requests_per_month: Decimal
    monthly_usd: Decimal


class Sweep(NamedTuple):
    """Cost at every scale, with the break-even point if the range holds one."""

    points: tuple[Point, ...]
    break_even: BreakEven | None
    alternative: Alternative
    replaced: tuple[str, ...]


def factors(low: float = 0.01, high: float = 1000.0, count: int = 31) -> tuple[Decimal, ...]:
    """`count` scale factors spaced evenly on a log axis from `low` to `high`, inclusive."""
    if not (0 < low < high) or count < 2:
        raise ValueError("a sweep needs 0 < low < high and at least two points")
    step = (math.log10(high) - math.log10(low)) / (count - 1)
    out = []
    for i in range(count):
        value = 10 ** (math.log10(low) + step * i)
        out.append(Decimal(f"{value:.6g}"))
    return tuple(out)


def alternative_lines(workload: Workload, catalog: Catalog, scale: Decimal, alt: Alternative,
                      month: Month = DEFAULT_MONTH) -> tuple[list[CostLine], int]:
    """The always-on request tier's lines at a scale, and how many tasks it runs."""
    peak = to_decimal(workload.traffic["peak_requests_per_second"]) * scale
    tasks = max(MIN_TASKS, int(ceil(peak / alt.rps_per_task)))
    requests = to_decimal(workload.traffic["requests_per_month"]) * scale
    average_rps = requests / month.seconds
    gb_per_hour = requests * (to_decimal(workload.traffic["request_kb"]) + to_decimal(
        workload.traffic["response_kb"])) / KB_PER_GB / month.hours
    lcu = max(average_rps / LCU_NEW_CONNECTIONS_PER_S, gb_per_hour / LCU_GB_PER_HOUR)
    usage = fargate.FargateUsage(tasks=tasks, vcpu=alt.vcpu, memory_gb=alt.memory_gb,
                                 architecture=alt.architecture, load_balancer=True, load_balancer_lcu=lcu)
    basis = {"tasks": f"max({MIN_TASKS}, peak {peak:.6g} requests/s ÷ {alt.rps_per_task} per task)",
             "load_balancer_lcu": "the larger of new connections ÷ 25 per second and GB processed per hour"}
    return fargate.price(usage, catalog, month=month, basis=basis), tasks


def _point(workload: Workload, arch: Graph, catalog: Catalog, scale: Decimal, alt: Alternative,
           free_tier: bool, month: Month, est: Estimate | None = None) -> Point:
    if est is None:
        est = estimate(workload, arch, catalog, free_tier=free_tier, scale=scale, month=month)
    kept = sum((line.monthly_usd for line in est.lines
                if line.service not in REPLACED and not _is_replaced_transfer(line, arch)), ZERO)
    lines, tasks = alternative_lines(workload, catalog, scale, alt, month)
    transfer = sum((line.monthly_usd for line in est.lines if _is_replaced_transfer(line, arch)), ZERO)
    alternative = kept + transfer + sum((line.monthly_usd for line in lines), ZERO)
    return Point(scale, to_decimal(workload.traffic["requests_per_month"]) * scale, est.by_service(), est.total,
                 alternative, tasks)


def _still_cheaper(workload: Workload, arch: Graph, catalog: Catalog, scale: Decimal, alt: Alternative,
                   free_tier: bool, month: Month) -> bool:
    """Whether pay-per-use costs no more than the alternative at a scale: `_point`'s comparison, with
    what both designs share (everything but the request tier) left out of both sides."""
    lines, _ = alternative_lines(workload, catalog, scale, alt, month)
    return (request_tier_cost(workload, arch, catalog, free_tier=free_tier, scale=scale, month=month)
            <= sum((line.monthly_usd for line in lines), ZERO))


def _is_replaced_transfer(line: CostLine, arch: Graph) -> bool:
    component = arch.components.get(line.component or "")
    # The transfer out of what the alternative replaces (the API's responses), not a replica's replication.
    return line.service == "data-transfer" and component is not None and component.service in REQUEST_TIER


def sweep(workload: Workload, arch: Architecture, catalog: Catalog, scales: tuple[Decimal, ...], *,
          alternative: Alternative = Alternative(), free_tier: bool = False,
          month: Month = DEFAULT_MONTH, precision: Decimal = BISECT_RATIO, today: Estimate | None = None) -> Sweep:
    """Price the architecture at each scale and locate the break-even point (to `precision`, a ratio);
    `today` is the caller's estimate at 1× with the same free tier and month, used for that point."""
    graph = Graph(arch)
    points = tuple(_point(workload, graph, catalog, s, alternative, free_tier, month, today if s == 1 else None)
                   for s in sorted(scales))
    return Sweep(points, _break_even(workload, graph, catalog, points, alternative, free_tier, month, precision),
                 alternative, tuple(sorted(REPLACED)))


def _break_even(workload: Workload, arch: Graph, catalog: Catalog, points: tuple[Point, ...],
                alt: Alternative, free_tier: bool, month: Month, precision: Decimal) -> BreakEven | None:
    """The first crossing where pay-per-use stops being cheaper, refined by bisection."""
    for before, after in zip(points, points[1:]):
        if before.total <= before.alternative_total and after.total > after.alternative_total:
            low, high = before.scale, after.scale
            while high / low > precision:  # halve the log interval until the bracket is that tight
                mid = (low * high).sqrt()
                if _still_cheaper(workload, arch, catalog, mid, alt, free_tier, month):
                    low = mid
                else:
                    high = mid
            p = _point(workload, arch, catalog, high, alt, free_tier, month)
            return BreakEven(high, p.requests_per_month, p.total)
    if points and points[0].total > points[0].alternative_total:
        return BreakEven(points[0].scale, points[0].requests_per_month, points[0].total)
    return None

