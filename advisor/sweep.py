"""Cost against traffic, and every traffic level where an always-on alternative and the design cross.

The alternative replaces the pay-per-use request tier (API Gateway, SQS and Lambda; the data transfer their
responses cause stays: the load balancer sends the same bytes) with an internet-facing Application Load
Balancer in front of Fargate tasks in two Availability Zones. Everything else (tables, keys, logs, backups) is the
same in both designs, so it is carried over unchanged.

The fleet runs as such a fleet really does, hour by hour through a typical day (`fleet`):

- **Tasks** follow the workload's hourly profile (`traffic.hourly_profile`, 24 relative weights): the busiest
  hour carries the stated peak and every other hour the peak scaled by its share of the busiest hour's traffic,
  never less than its own average, at `rps_per_task` requests a second per task and never fewer than two (one
  per zone). Without a profile, the busiest hour runs at the peak for the whole hour (or carries the whole
  day's traffic, if that is less) and the other 23 hours share the rest evenly; the warnings say so.
- **Load balancer capacity units** are billed per hour on the largest of four dimensions (Elastic Load
  Balancing pricing, aws.amazon.com/elasticloadbalancing/pricing/): 25 new connections a second, 3,000 active
  connections a minute, 1 GB processed an hour (containers and IP targets), 1,000 rule evaluations a second
  beyond the 10 free rules. Each request opens its own connection (no keep-alive: the most new connections),
  held for the request's duration (the function's `request_duration_ms`, the same work in a task); one
  listener rule forwards everything to the tasks, so rule evaluations stay within the free ten.
- **Public IPv4 addresses** bill $0.005 an hour each since 2024-02-01: one per load balancer node (one node per
  zone at least) all month, and one per running task (tasks in public subnets reach the image registry and
  CloudWatch without a NAT gateway, which would bill by the hour and by the GB).

Where the design's API is a REST API that could be an HTTP API by giving up only REST features it does not need
to run (request validation, X-Ray tracing of the stage), the sweep prices that variant too, as a second
pay-per-use line: the two differ in price. Every crossing of either line with the always-on one is found and
refined by bisection, since the lines can cross more than once as traffic grows (the fleet adds whole tasks).
"""

from __future__ import annotations

import math
from decimal import Decimal, localcontext
from typing import Callable, NamedTuple

from advisor.architecture import Architecture, Component
from advisor.costing import EXACT, REQUEST_TIER, Estimate, Flows, Graph, estimate, request_tier_cost
from advisor.pricing import fargate
from advisor.pricing.base import (
    DEFAULT_MONTH, KB_PER_GB, MS_PER_S, ONE, SECONDS_PER_HOUR, ZERO, CostLine, Month, ceil, fmt_number, to_decimal,
)
from advisor.pricing.catalog import Catalog
from advisor.workload import HOURS_PER_DAY, Workload

REPLACED = REQUEST_TIER
API = "apigateway"
ZONES = 2
MIN_TASKS = ZONES  # one task per Availability Zone
# Elastic Load Balancing pricing: what one LCU covers in each dimension, for an Application Load Balancer.
LCU_NEW_CONNECTIONS_PER_S = Decimal(25)
LCU_ACTIVE_CONNECTIONS = Decimal(3000)
LCU_GB_PER_HOUR = Decimal(1)
LCU_RULE_EVALUATIONS_PER_S = Decimal(1000)
FREE_RULES = 10
LISTENER_RULES = 1
CONNECTIONS_PER_REQUEST = ONE
BISECT_RATIO = Decimal("1.000001")
TASK_GRAIN = Decimal("1e-12")
CENTS = Decimal("0.01")
PAY_PER_USE = "pay-per-use"
HTTP_LINE = "pay-per-use-http-api"
ALWAYS_ON = "always-on"


class Alternative(NamedTuple):
    """How the always-on design is sized."""

    rps_per_task: Decimal = Decimal(250)
    vcpu: Decimal = Decimal("0.5")
    memory_gb: Decimal = Decimal(1)
    architecture: str = "arm64"


class Hour(NamedTuple):
    """One hour of a typical day of the always-on fleet."""

    hour: int
    requests: Decimal
    sizing_rps: Decimal  # the rate its tasks must carry: the hour's share of the peak, at least its average
    tasks: int
    lcu: Decimal
    dimensions: tuple[tuple[str, Decimal], ...]  # LCUs by dimension, the bill takes the largest

    @property
    def average_rps(self) -> Decimal:
        """Requests a second, averaged over the hour."""
        return self.requests / SECONDS_PER_HOUR


class Fleet(NamedTuple):
    """The always-on fleet through a typical day, repeated for the month."""

    hours: tuple[Hour, ...]
    month_hours: Decimal
    stated: bool  # the workload states its hourly profile

    @property
    def days(self) -> Decimal:
        """Days in the month (730 hours: 30.4167)."""
        return self.month_hours / HOURS_PER_DAY

    @property
    def task_hours(self) -> Decimal:
        """Task-hours in the month."""
        return sum((Decimal(h.tasks) for h in self.hours), ZERO) * self.month_hours / HOURS_PER_DAY

    @property
    def lcu_hours(self) -> Decimal:
        """LCU-hours in the month: each hour billed on its largest dimension."""
        return sum((h.lcu for h in self.hours), ZERO) * self.month_hours / HOURS_PER_DAY

    @property
    def peak_tasks(self) -> int:
        """Tasks in the busiest hour."""
        return max(h.tasks for h in self.hours)

    @property
    def busiest(self) -> Hour:
        """The hour with the most requests (the earliest of equals)."""
        return max(self.hours, key=lambda h: (h.requests, -h.hour))


class Point(NamedTuple):
    """One traffic level of the sweep."""

    scale: Decimal
    requests_per_month: Decimal
    by_service: dict[str, Decimal]
    total: Decimal
    alternative_total: Decimal
    alternative_tasks: int  # in the busiest hour
    alternative_task_hours: Decimal = ZERO
    http_total: Decimal | None = None  # the design with HTTP APIs, where it can have them


class BreakEven(NamedTuple):
    """The traffic at which the always-on design costs the same."""

    scale: Decimal
    requests_per_month: Decimal
    monthly_usd: Decimal


class Crossing(NamedTuple):
    """A traffic level where a pay-per-use line and the always-on line cross: which line, where, its cost there,
    and which design is cheaper above it."""

    line: str
    scale: Decimal
    requests_per_month: Decimal
    monthly_usd: Decimal
    alternative_monthly_usd: Decimal
    cheaper_above: str
    at: Point  # every line's cost at the crossing


class HttpVariant(NamedTuple):
    """The design with HTTP APIs in place of its REST APIs, and what that gives up."""

    graph: Graph
    gives_up: tuple[str, ...]


class Sweep(NamedTuple):
    """Cost at every scale, with the first break-even point and every crossing the range holds."""

    points: tuple[Point, ...]
    break_even: BreakEven | None
    alternative: Alternative
    replaced: tuple[str, ...]
    crossings: tuple[Crossing, ...] = ()
    http: HttpVariant | None = None
    profile_stated: bool = True
    api: ApiChoice | None = None


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


# --- the fleet ------------------------------------------------------------------------------------------


def day_profile(workload: Workload, month: Month = DEFAULT_MONTH) -> tuple[tuple[Decimal, ...], bool]:
    """The 24 hourly weights of a typical day, and whether the workload stated them. Without a stated profile:
    the busiest hour at the peak for the whole hour (or the whole day's traffic, if that is less), the other
    23 hours sharing the rest evenly. The shape does not change with the sweep's scale."""
    stated = workload.traffic.get("hourly_profile")
    if stated:
        return tuple(to_decimal(w) for w in stated), True
    t = workload.traffic
    daily = to_decimal(t["requests_per_month"]) * HOURS_PER_DAY / month.hours
    if daily <= 0:
        return (ONE,) + (ZERO,) * (HOURS_PER_DAY - 1), False
    busiest = min(to_decimal(t["peak_requests_per_second"]) * SECONDS_PER_HOUR, daily)
    return (busiest,) + ((daily - busiest) / (HOURS_PER_DAY - 1),) * (HOURS_PER_DAY - 1), False


def connection_seconds(workload: Workload) -> Decimal:
    """How long a request holds its connection: the function's duration, the same work done in a task."""
    from advisor.services.awslambda.pricing import DEFAULT_DURATION_MS

    ms = (workload.usage.get("lambda") or {}).get("request_duration_ms") or DEFAULT_DURATION_MS
    return to_decimal(ms) / MS_PER_S


def fleet(workload: Workload, scale: Decimal, alt: Alternative, month: Month = DEFAULT_MONTH) -> Fleet:
    """The always-on fleet for the workload's traffic times `scale`, hour by hour through a typical day."""
    t = workload.traffic
    weights, stated = day_profile(workload, month)
    total, top = sum(weights, ZERO), max(weights)
    daily = to_decimal(t["requests_per_month"]) * scale * HOURS_PER_DAY / month.hours
    peak = to_decimal(t["peak_requests_per_second"]) * scale
    kb = to_decimal(t["request_kb"]) + to_decimal(t["response_kb"])
    held = connection_seconds(workload)
    billed_rules = Decimal(max(0, LISTENER_RULES - FREE_RULES))
    alike: dict[Decimal, Hour] = {}  # hours of equal weight are alike: a sweep prices a thousand fleets
    hours = []
    for hour, weight in enumerate(weights):
        same = alike.get(weight)
        if same is not None:
            hours.append(same._replace(hour=hour))
            continue
        requests = daily * weight / total
        average = requests / SECONDS_PER_HOUR
        sizing = max(peak * (weight / top), average)
        tasks = max(MIN_TASKS, _whole(sizing / alt.rps_per_task))
        connections = average * CONNECTIONS_PER_REQUEST
        dimensions = (
            ("new connections", connections / LCU_NEW_CONNECTIONS_PER_S),
            ("active connections", connections * held / LCU_ACTIVE_CONNECTIONS),
            ("processed bytes", requests * kb / KB_PER_GB / LCU_GB_PER_HOUR),
            ("rule evaluations", average * billed_rules / LCU_RULE_EVALUATIONS_PER_S),
        )
        alike[weight] = Hour(hour, requests, sizing, tasks, max(v for _, v in dimensions), dimensions)
        hours.append(alike[weight])
    return Fleet(tuple(hours), month.hours, stated)


def _whole(tasks: Decimal) -> int:
    """Tasks rounded up, after rounding to a trillionth of a task so that a division's last digit never adds
    a whole task (below 10^15 tasks, where a trillionth still fits the context's 28 digits)."""
    if tasks.adjusted() < 15:
        tasks = tasks.quantize(TASK_GRAIN)
    return int(ceil(tasks))


def alternative_lines(workload: Workload, catalog: Catalog, scale: Decimal, alt: Alternative,
                      month: Month = DEFAULT_MONTH) -> tuple[list[CostLine], Fleet]:
    """The always-on request tier's lines at a scale, and the fleet they price."""
    f = fleet(workload, scale, alt, month)
    busy = f.busiest
    when = f"at {busy.hour:02d}:00" if f.stated else "the peak hour"
    profile = ("traffic.hourly_profile" if f.stated else
               "no traffic.hourly_profile: the busiest hour at the peak, the other 23 sharing the rest evenly")
    days = fmt_number(f.days.quantize(Decimal("0.0001")))
    dims = ", ".join(f"{name} {fmt_number(v.quantize(Decimal('0.0001')))}" for name, v in busy.dimensions)
    usage = fargate.FargateUsage(vcpu=alt.vcpu, memory_gb=alt.memory_gb, architecture=alt.architecture,
                                 load_balancer=True, task_hours=f.task_hours, load_balancer_lcu_hours=f.lcu_hours,
                                 load_balancer_public_ips=ZONES, task_public_ips=True)
    basis = {
        "task_hours": f"tasks per hour of a typical day × {days} days: max({MIN_TASKS}, the hour's rate ÷ "
                      f"{fmt_number(alt.rps_per_task)} requests/s per task), {f.peak_tasks} in the busiest hour "
                      f"({when}, {fmt_number(busy.sizing_rps.quantize(Decimal('0.01')))} requests/s), "
                      f"{sum(h.tasks for h in f.hours)} task-hours a day ({profile})",
        "load_balancer_lcu_hours": f"each hour's largest LCU dimension × {days} days; the busiest hour's LCUs: {dims} "
                                   "(new connections ÷ 25 a second, one per request; active connections ÷ 3,000 "
                                   f"a minute, each held {fmt_number(connection_seconds(workload))} s; GB processed "
                                   "an hour; rule evaluations beyond the 10 free rules ÷ 1,000 a second)",
        "load_balancer_public_ips": f"one per load balancer node, a node in each of {ZONES} Availability Zones",
    }
    return fargate.price(usage, catalog, month=month, basis=basis), f


# --- the HTTP API variant ---------------------------------------------------------------------------------


class ApiChoice(NamedTuple):
    """Why the design's APIs are REST APIs: what of them needs REST, what an HTTP API would give up, and what an
    HTTP API offers too (so is no reason)."""

    needs: tuple[str, ...]
    gives_up: tuple[str, ...]
    also: str


def _rest_apis(graph: Graph) -> list[Component]:
    return [c for c in graph.of_service(API) if c.settings.get("type", "rest") == "rest"]


def api_choice(arch: Architecture | Graph) -> ApiChoice | None:
    """The grounds of the REST API type (the API Gateway package's `rest_only`); None without a REST API."""
    from advisor.services.apigateway import HTTP_ALSO, rest_only

    graph = arch if isinstance(arch, Graph) else Graph(arch)
    needs: list[str] = []
    gives_up: list[str] = []
    apis = _rest_apis(graph)
    for api in apis:
        for reason in rest_only(api, graph.edges_from(api.id)):
            into = needs if reason.needed else gives_up
            if reason.feature not in into:
                into.append(reason.feature)
    return ApiChoice(tuple(needs), tuple(gives_up), HTTP_ALSO) if apis else None


def http_variant(arch: Architecture | Graph) -> HttpVariant | None:
    """The design with HTTP APIs in place of its REST APIs, when nothing it needs to run is REST-only; None
    when it has no REST API or one needs REST (a claim check's S3 integration, a cache, a private endpoint)."""
    graph = arch if isinstance(arch, Graph) else Graph(arch)
    choice = api_choice(graph)
    if choice is None or choice.needs:
        return None
    components = dict(graph.components)
    for api in _rest_apis(graph):
        components[api.id] = Component(api.id, api.service, {**api.settings, "type": "http"}, api.added_by,
                                       api.because, {**api.sources, "type": "the HTTP API variant of the sweep"})
    return HttpVariant(Graph(graph.arch._replace(components=components)), choice.gives_up)


# --- points and crossings ---------------------------------------------------------------------------------


def _point(workload: Workload, arch: Graph, catalog: Catalog, scale: Decimal, alt: Alternative,
           free_tier: bool, month: Month, est: Estimate | None = None, http: HttpVariant | None = None) -> Point:
    flows = None
    if est is None or http is not None:  # one set of quantities for both: the API type changes no flow
        flows = Flows(workload, arch, scale)
    if est is None:
        est = estimate(workload, arch, catalog, free_tier=free_tier, scale=scale, month=month, flows=flows)
    lines, f = alternative_lines(workload, catalog, scale, alt, month)
    http_lines = None if http is None else _api_lines(workload, http.graph, catalog, free_tier, scale, month, flows)
    with localcontext(EXACT):  # sums of lines, without rounding, as the estimate's total is
        tier = sum((line.monthly_usd for line in est.lines if line.service in REPLACED), ZERO)
        alternative = est.total - tier + sum((line.monthly_usd for line in lines), ZERO)
        http_total = None
        if http_lines is not None:  # the API's lines are all that differ
            http_total = (est.total - sum((line.monthly_usd for line in est.lines if line.service == API), ZERO)
                          + sum((line.monthly_usd for line in http_lines), ZERO))
    return Point(scale, to_decimal(workload.traffic["requests_per_month"]) * scale, est.by_service(), est.total,
                 alternative, f.peak_tasks, f.task_hours, http_total)


def _cheaper(workload: Workload, graph: Graph, catalog: Catalog, alt: Alternative, free_tier: bool,
             month: Month) -> Callable[[Decimal], bool]:
    """Whether a pay-per-use line costs no more than the alternative at a scale: `_point`'s comparison, with
    what both designs share (everything but the request tier) left out of both sides."""
    def cheaper(scale: Decimal) -> bool:
        lines, _ = alternative_lines(workload, catalog, scale, alt, month)
        return (request_tier_cost(workload, graph, catalog, free_tier=free_tier, scale=scale, month=month)
                <= sum((line.monthly_usd for line in lines), ZERO))
    return cheaper


def sweep(workload: Workload, arch: Architecture, catalog: Catalog, scales: tuple[Decimal, ...], *,
          alternative: Alternative = Alternative(), free_tier: bool = False,
          month: Month = DEFAULT_MONTH, precision: Decimal = BISECT_RATIO, today: Estimate | None = None) -> Sweep:
    """Price the architecture at each scale and find every crossing with the always-on alternative (each to
    `precision`, a ratio); `today` is the caller's estimate at 1× with the same free tier and month."""
    from advisor.pricing.errors import PriceNotFound

    graph = Graph(arch)
    http = http_variant(graph)
    try:
        return _sweep(workload, graph, catalog, scales, alternative, free_tier, month, precision, today, http)
    except PriceNotFound:
        if http is None:
            raise
        # The Region's catalog prices HTTP APIs only up to a tier the sweep's traffic passes: the chart leaves
        # that line out rather than the whole comparison.
        return _sweep(workload, graph, catalog, scales, alternative, free_tier, month, precision, today, None)


def _sweep(workload: Workload, graph: Graph, catalog: Catalog, scales: tuple[Decimal, ...], alternative: Alternative,
           free_tier: bool, month: Month, precision: Decimal, today: Estimate | None,
           http: HttpVariant | None) -> Sweep:
    points = tuple(_point(workload, graph, catalog, s, alternative, free_tier, month, today if s == 1 else None, http)
                   for s in sorted(scales))
    crossings = _crossings(workload, graph, graph, http, catalog, points, alternative, free_tier, month, precision,
                           PAY_PER_USE, lambda p: p.total)
    if http is not None:
        crossings += _crossings(workload, http.graph, graph, http, catalog, points, alternative, free_tier, month,
                                precision, HTTP_LINE, lambda p: p.http_total if p.http_total is not None else p.total)
    return Sweep(points, _break_even(points, crossings), alternative, tuple(sorted(REPLACED)),
                 tuple(sorted(crossings, key=lambda c: (c.scale, c.line))), http, day_profile(workload, month)[1],
                 api_choice(graph))


def _crossings(workload: Workload, line_graph: Graph, graph: Graph, http: HttpVariant | None, catalog: Catalog,
               points: tuple[Point, ...], alt: Alternative, free_tier: bool, month: Month, precision: Decimal,
               line: str, total: Callable[[Point], Decimal]) -> tuple[Crossing, ...]:
    """Every place between two neighbouring points where `line` (priced on `line_graph`) and the alternative
    change order, refined by bisection on the log scale until the bracket is `precision` wide."""
    cheaper = _cheaper(workload, line_graph, catalog, alt, free_tier, month)
    out = []
    for before, after in zip(points, points[1:]):
        was, now = total(before) <= before.alternative_total, total(after) <= after.alternative_total
        if was == now:
            continue
        low, high = before.scale, after.scale
        while high / low > precision:
            mid = (low * high).sqrt()
            if cheaper(mid) == was:
                low = mid
            else:
                high = mid
        p = _point(workload, graph, catalog, high, alt, free_tier, month, http=http)
        out.append(Crossing(line, high, p.requests_per_month, total(p), p.alternative_total,
                            line if now else ALWAYS_ON, p))
    return tuple(out)


def _break_even(points: tuple[Point, ...], crossings: tuple[Crossing, ...]) -> BreakEven | None:
    """Where the design as deployed first stops being cheaper: its first crossing into the always-on, or the
    first point when the always-on is cheaper from the start."""
    if points and points[0].total > points[0].alternative_total:
        return BreakEven(points[0].scale, points[0].requests_per_month, points[0].total)
    for c in crossings:
        if c.line == PAY_PER_USE and c.cheaper_above == ALWAYS_ON:
            return BreakEven(c.scale, c.requests_per_month, c.monthly_usd)
    return None


# --- the alternatives at today's traffic, line by line ------------------------------------------------------


class Priced(NamedTuple):
    """An alternative design at today's traffic: its own lines, what of the estimate it replaces, the total."""

    id: str
    title: str
    replaces: tuple[str, ...]
    lines: tuple[CostLine, ...]
    replaced_usd: Decimal
    total_usd: Decimal
    notes: tuple[str, ...]

    @property
    def monthly_usd(self) -> Decimal:
        """The exact sum of its own lines."""
        with localcontext(EXACT):
            return +sum((line.monthly_usd for line in self.lines), ZERO)


def alternatives(workload: Workload, arch: Architecture | Graph, catalog: Catalog, est: Estimate, *,
                 alternative: Alternative = Alternative(), free_tier: bool = False,
                 month: Month = DEFAULT_MONTH) -> tuple[Priced, ...]:
    """The always-on alternative and, where it can be had, the HTTP API variant, priced line by line at the
    estimate's traffic (`est` at 1×, with the same free tier and month)."""
    graph = arch if isinstance(arch, Graph) else Graph(arch)
    out = []
    if any(graph.of_service(s) for s in REPLACED):
        out.append(_always_on(workload, catalog, est, alternative, month))
    http = http_variant(graph)
    if http is not None:
        mine = tuple(line for line in _api_lines(workload, http.graph, catalog, free_tier, ONE, month)
                     if line.service == API)
        with localcontext(EXACT):
            rest_usd = sum((line.monthly_usd for line in est.lines if line.service == API), ZERO)
            total = est.total - rest_usd + sum((line.monthly_usd for line in mine), ZERO)
        from advisor.services.apigateway import HTTP_ALSO

        out.append(Priced("http-api", "The same design with HTTP APIs in place of REST APIs", (API,), mine,
                          rest_usd, total,
                          (f"gives up {' and '.join(http.gives_up)}, which only REST APIs offer; {HTTP_ALSO}",)))
    return tuple(out)


def _always_on(workload: Workload, catalog: Catalog, est: Estimate, alternative: Alternative,
               month: Month) -> Priced:
    lines, f = alternative_lines(workload, catalog, ONE, alternative, month)
    with localcontext(EXACT):
        gone = sum((line.monthly_usd for line in est.lines if line.service in REPLACED), ZERO)
        total = est.total - gone + sum((line.monthly_usd for line in lines), ZERO)
    notes = [f"{f.peak_tasks} tasks of {fmt_number(alternative.vcpu)} vCPU and {fmt_number(alternative.memory_gb)} GB "
             f"({alternative.architecture}) in the busiest hour, {fmt_number(f.task_hours.quantize(CENTS))} task-hours a month, "
             f"{fmt_number(alternative.rps_per_task)} requests/s per task (--alt-rps-per-task)"]
    if not f.stated:
        notes.append("the workload states no traffic.hourly_profile: the fleet assumes the busiest hour runs at the "
                     "peak and the other 23 hours share the rest of the day's requests evenly; state the 24 hourly "
                     "shares for a fleet sized to your day")
    return Priced(ALWAYS_ON, "Application Load Balancer and Fargate tasks in two Availability Zones",
                  tuple(sorted(REPLACED)), tuple(lines), gone, total, tuple(notes))


def _api_lines(workload: Workload, graph: Graph, catalog: Catalog, free_tier: bool, scale: Decimal, month: Month,
               flows: Flows | None = None) -> list[CostLine]:
    """The API Gateway lines of a graph, as its whole estimate would have them (the API's step runs first)."""
    from advisor.costing import Pricer

    pricer = Pricer(workload, graph, catalog, free_tier=free_tier, scale=scale, month=month, flows=flows)
    return pricer.run(upto=API)
