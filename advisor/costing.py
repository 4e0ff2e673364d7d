"""From an architecture and a workload's traffic to priced cost lines.

The usage model, in the order quantities flow through the architecture (R is
`traffic.requests_per_month`, times the sweep's scale). Each service's pricing module moves its own
part (its `flow` step, run by `Flows`) and prices its components (its `cost` step, run by `Pricer`);
this module names no service:

- **Entries**: traffic arrives from outside the architecture. An API receives R requests of
  `request_kb` and sends `response_kb` back to the internet; a topic or bus whose producer is outside
  the architecture gets one event per written request; a table that no function writes is written by
  the workload's own application, R × `writes_per_request` writes.
- **Write and read paths**: when an API both sends to a queue and invokes a function, requests
  split by the traffic's mix: the share `writes / (writes + reads)` goes to the queue, the rest
  to the synchronous function.
- **Queues** receive what is sent to them (API requests, or one message per publish of a topic
  that fans out to them). Each message costs one SendMessage; a Lambda event source mapping
  receives and deletes in batches of the edge's `batch_size` (default 10) and its five idle
  long-polling pollers add empty receives all month. A message that travels via another service (an
  edge's `via: <service>`, a claim check) is what that service puts on the queue in the payload's
  place, at the size its pricing module's `carried_kb` gives.
- **Functions** run once per batch from a queue, once per synchronous API request, once per
  message a topic delivers to them, and at most once per request they authorise. A function
  publishes one event per record it processes.
- **Tables** take one conditional put per record their writer functions process and one read
  per invocation of their reader functions (1 KB write units, 4 KB read units at the table's
  resolved read consistency); storage is `data.storage_gb`; point-in-time recovery bills the
  table's size; a replica bills its own storage and recovery in its Region, one replicated
  write per write, and the data it receives.
- **Topics** publish what their sources produce (summed when several edges feed one), and each
  publish is delivered once per subscription; a stream publishes one change record per write of its
  table.
- **Keys, logs, alarms, traces, trails and backups** follow from the components they serve;
  each line's basis says how.

Every setting that decides a price (memory, architecture, API type, capacity mode, read
consistency, retention...) is the component's resolved setting, the one the template deploys.
Count keys under `usage.<service>` (`monthly_requests`...) are the service's total and are shared
among its components in proportion to the derived counts. Volume tiers climb once per account and
Region across all components (the `FreeTier` ledger). Every line's `basis` names where its
quantity came from.
"""

from decimal import Context, Decimal, localcontext
from types import MappingProxyType
from typing import Any, Callable, Mapping, NamedTuple

from advisor.architecture import Architecture, Component, Edge
from advisor.pricing.base import (
    DEFAULT_MONTH, ZERO, CostLine, FreeTier, Month, ceil, fmt_number, to_cents, to_decimal,
)
from advisor.pricing.catalog import Catalog
from advisor.services import MODULES, REQUEST_TIER, cost_order, part, priced, service
from advisor.workload import Workload

ONE = Decimal(1)
# Sums of lines in a context wide enough to hold them without rounding: a line has at most 28 significant
# digits, and an estimate's few hundred lines add at most a few more.
EXACT = Context(prec=120)
DEFAULT_BATCH = 10


class Estimate(NamedTuple):
    """A priced month for one workload."""

    workload: str
    region: str
    currency: str
    free_tier: bool
    prices_source: str
    prices_as_of: str
    lines: tuple[CostLine, ...]
    warnings: tuple[str, ...]
    # Components with no cost line: (component, service, why), so that every resource is priced or accounted for.
    unbilled: tuple[tuple[str, str, str], ...] = ()

    @property
    def exact(self) -> bool:
        """Whether every line is priced at its own Region's price (none stood in for by another Region's)."""
        return all(line.price_region == line.region for line in self.lines if line.price_region)

    def borrowed(self) -> dict[str, tuple[str, tuple[str, ...]]]:
        """Region priced for -> (the Region whose prices stood in, the keys), for every line priced so."""
        found: dict[str, tuple[str, set[str]]] = {}
        for line in self.lines:
            if line.price_region and line.region and line.price_region != line.region:
                found.setdefault(line.region, (line.price_region, set()))[1].add(line.price_key or line.item)
        return {region: (other, tuple(sorted(keys))) for region, (other, keys) in sorted(found.items())}

    @property
    def total(self) -> Decimal:
        """The exact sum of every line."""
        with localcontext(EXACT):
            return +sum((line.monthly_usd for line in self.lines), ZERO)

    def by_service(self) -> dict[str, Decimal]:
        """Monthly amount per service, sorted by service id, each the exact sum of its lines."""
        out: dict[str, Decimal] = {}
        with localcontext(EXACT):
            for line in self.lines:
                out[line.service] = out.get(line.service, ZERO) + line.monthly_usd
        return dict(sorted(out.items()))


class Graph:
    """The architecture indexed by service and by edge ends: priced many times over in a sweep."""

    def __init__(self, arch: Architecture) -> None:
        self.arch = arch
        self.components = arch.components
        self.edges = arch.edges
        self._by_service: dict[str, tuple[Component, ...]] = {}
        for component in arch.components.values():
            self._by_service[component.service] = self._by_service.get(component.service, ()) + (component,)
        self._from: dict[str, tuple[Any, ...]] = {}
        self._to: dict[str, tuple[Any, ...]] = {}
        self.memo: dict[str, Any] = {}  # the `fact`s worked out so far
        for edge in arch.edges:
            self._from[edge.source] = self._from.get(edge.source, ()) + (edge,)
            self._to[edge.target] = self._to.get(edge.target, ()) + (edge,)

    def of_service(self, service: str) -> tuple[Component, ...]:
        """Components of one service, in id order."""
        return self._by_service.get(service, ())

    def edges_from(self, component: str) -> tuple[Any, ...]:
        """Edges leaving a component."""
        return self._from.get(component, ())

    def edges_to(self, component: str) -> tuple[Any, ...]:
        """Edges arriving at a component."""
        return self._to.get(component, ())

    # What the pricing steps read of the shape alone (no traffic), worked out once per graph: a sweep
    # prices one graph at a thousand points.

    def fact(self, name: str, make: Callable[["Graph"], Any]) -> Any:
        """A fact of the graph's shape, made by `make(graph)` the first time it is asked for."""
        found = self.memo.get(name, _NOTHING)
        if found is _NOTHING:
            found = self.memo[name] = make(self)
        return found


_NOTHING = object()


def graph_of(arch: Architecture | Graph) -> Graph:
    """The graph of an architecture (a graph is its own)."""
    return arch if isinstance(arch, Graph) else Graph(arch)


Quantity = tuple[str, str]  # (what, component): ("messages", "queue:orders")


class Flows:
    """The monthly quantities that move along the architecture's edges.

    Each service's pricing module may have a `flow(flows, component)` step that adds what one of its
    components sends along its edges, reading only what the previous pass settled. Every pass starts
    empty, so a quantity two edges feed is their sum; the architecture is acyclic, so the passes settle
    once the longest path has been walked. The quantities: `requests` an API receives, `messages` a
    queue, `invocations` and `records` a function (a batch of queued messages is one invocation of
    many records), `events` a topic, bus or state machine, `writes` and `reads` a table, `changes` a
    stream.
    """

    def __init__(self, workload: Workload, graph: Graph, scale: Decimal) -> None:
        t = workload.traffic
        self.graph = graph
        self.requests = ceil(to_decimal(t["requests_per_month"]) * scale)  # requests are whole
        self.writes_per_request = to_decimal(t["writes_per_request"])
        self.reads_per_request = to_decimal(t["reads_per_request"])
        writes, reads = self.writes_per_request, self.reads_per_request
        self.write_share = writes / (writes + reads) if writes + reads > 0 else ONE
        steps = graph.fact("flow-steps", _flow_steps)
        settled = _Pass(self.requests)
        for _ in range(len(graph.components) + 2):
            self._last, self._next = settled, _Pass(self.requests)
            for step, component in steps:
                step(self, component)
            if self._next.same_as(settled):
                break
            settled = self._next
        self._last = self._next = settled

    @property
    def written(self) -> Decimal:
        """Requests that write: all of them, unless an API splits them between a write and a read path."""
        return self._last.written

    def split_writes(self, written: Decimal) -> None:
        """Say that only `written` of the requests write (an API with both a write and a read path)."""
        self._next.written = written

    def get(self, what: str, component: str) -> Decimal:
        """The settled quantity of one kind a component receives."""
        return self._last.amounts.get((what, component), ZERO)

    def has(self, what: str, component: str) -> bool:
        """Whether any edge or entry brings that quantity to the component."""
        return (what, component) in self._last.amounts

    def why(self, what: str, component: str, default: str = "") -> str:
        """Where a component's quantity came from, each contribution in words."""
        return "; ".join(self._last.reasons.get((what, component), ())) or default

    def add(self, what: str, component: str, amount: Decimal, why: str) -> None:
        """Add an amount that reaches a component along one edge (or from outside the architecture)."""
        key = (what, component)
        nxt = self._next
        nxt.amounts[key] = nxt.amounts.get(key, ZERO) + amount
        nxt.reasons[key] = nxt.reasons.get(key, ()) + (why,)


class _Pass:
    """What one pass over the architecture added up."""

    __slots__ = ("amounts", "reasons", "written")

    def __init__(self, requests: Decimal) -> None:
        self.amounts: dict[Quantity, Decimal] = {}
        self.reasons: dict[Quantity, tuple[str, ...]] = {}
        self.written = requests

    def same_as(self, other: "_Pass") -> bool:
        return self.amounts == other.amounts and self.written == other.written and self.reasons == other.reasons


def _flow_steps(graph: Graph) -> tuple[tuple[Callable[[Flows, Component], None], Component], ...]:
    """Each component with its service's `flow` step, for the components whose services have one."""
    out = []
    for component in graph.components.values():
        module = part(component.service, "pricing")
        step = getattr(module, "flow", None) if module is not None else None
        if step is not None:
            out.append((step, component))
    return tuple(out)


def carried_kb(edge: Edge, kb: Decimal) -> tuple[Decimal, str]:
    """The size of what an edge puts on its target for a payload of `kb`, and why: the payload itself, or,
    where the edge travels via a service whose pricing module says what it carries in the payload's place
    (`carried_kb(edge, kb)`, a claim check's pointer), that."""
    via = edge.settings.get("via")
    module = part(via, "pricing") if isinstance(via, str) and via in MODULES else None
    carried = getattr(module, "carried_kb", None)
    if carried is None:
        return kb, ""
    size, why = carried(edge, kb)
    return to_decimal(size), why


def pct(share: Decimal) -> str:
    return f"{(share * 100).quantize(Decimal('0.1')).normalize():f}%"


class Pricer:
    """Prices each component with its service module, sharing one free-tier ledger."""

    def __init__(self, workload: Workload, arch: Graph, catalog: Catalog, *, free_tier: bool,
                 scale: Decimal, month: Month, flows: Flows | None = None) -> None:
        self.w = workload
        self.arch = arch
        self.catalog = catalog
        self.month = month
        self.scale = scale
        # `flows`: quantities already worked out for this workload and scale on a graph of the same shape (a
        # variant that changes a setting no flow step reads, such as the API type).
        self.flows = flows if flows is not None else Flows(workload, arch, scale)
        # One ledger per estimate: the free allowances when asked for, and always the account's climb up the tiers.
        self.free = FreeTier.from_catalog(catalog) if free_tier else FreeTier(())
        self.lines: list[CostLine] = []
        self.warnings: list[str] = []
        self.unbilled: tuple[tuple[str, str, str], ...] = ()
        self.usage = workload.usage
        # Pricing the recovery Region's stack, beside the primary's (what is the account's once, such as a hosted
        # zone, is the primary's).
        self.recovery = False

    # -- helpers -----------------------------------------------------------------------------

    def emit(self, component: str | None, lines: list[CostLine]) -> None:
        if component:
            # Built from the tuple: `_replace` costs more than the pricing itself in a sweep.
            self.lines += [CostLine._make(line[:-1] + (component,)) for line in lines]
        else:
            self.lines += lines

    def capped(self, service_id: str, size: Any, what: str) -> Decimal:
        """A message size within the service's limit, with a warning when the payload is larger."""
        spec = service(service_id)
        assert spec.message_kb is not None
        kb, cap = to_decimal(size), Decimal(spec.message_kb)
        if kb <= cap:
            return kb
        self.warn(f"{what} of {fmt_number(kb)} KB exceed the {spec.name} limit of {fmt_number(cap)} KB "
                   f"({spec.message_quota}): send them through S3 (the extended client library's claim check); the "
                   f"estimate prices the messages at {fmt_number(cap)} KB and leaves out the S3 requests")
        return cap

    def override(self, service: str, key: str) -> Any:
        return self.usage.get(service, {}).get(key)

    def counts(self, service: str, key: str, derived: Mapping[str, Decimal], what: str
                ) -> tuple[dict[str, Decimal], dict[str, str]]:
        """Derived counts per component, or the usage total shared in proportion to them."""
        given = self.override(service, key)
        if given is None:
            return dict(derived), {}
        total = ceil(to_decimal(given) * self.scale)  # counts stay whole at every sweep scale
        base = sum(derived.values(), ZERO)
        out: dict[str, Decimal] = {}
        notes: dict[str, str] = {}
        for cid, value in derived.items():
            share = value / base if base > 0 else ONE / len(derived)
            out[cid] = ceil(total * share) if share != 1 else total
            text = f"usage.{service}.{key} = {fmt_number(to_decimal(given))}"
            if self.scale != 1:
                text += f" × {fmt_number(self.scale)} (sweep)"
            if len(derived) > 1:
                text += f", {pct(share)} of it to {cid} by derived {what}"
            notes[cid] = text
        return out, notes

    # -- services ------------------------------------------------------------------------------








    def warn(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)



    log_events: dict[str, tuple[Decimal, str]]
    kms_requests: Decimal = ZERO

    def store(self, bucket: str, gb: Decimal, puts: Decimal, why: str) -> None:
        """Objects a component writes to a bucket this month: GB held, PUT requests, and why."""
        self.stored.setdefault(bucket, []).append((gb, puts, why))

    def logs(self, component: str, events: Decimal, what: str) -> None:
        self.log_events[component] = (events, what)

    def run(self, *, request_tier: bool = False, upto: str | None = None) -> list[CostLine]:
        """Price every component with its service's `cost` step, in the registry's order so that the free tier
        and the volume tiers apply deterministically (`request_tier`: only the request tier's steps and lines;
        `upto`: the steps up to that service's, and only its lines, the same as a whole estimate's)."""
        self.log_events = {}
        self.stored: dict[str, list[tuple[Decimal, Decimal, str]]] = {}
        # The request tier is priced first, so its lines, free tier included, are the same whether or
        # not the rest of the architecture is priced after it.
        for service_id in cost_order():
            if request_tier and service_id not in REQUEST_TIER:
                return [line for line in self.lines if line.service in REQUEST_TIER]
            module = part(service_id, "pricing")
            assert module is not None
            module.cost(self)
            if service_id == upto:
                return [line for line in self.lines if line.service == upto]
        if "traffic" in self.w.assumed:
            t = self.w.traffic
            self.warn(f"the workload gives no traffic: the estimate assumes {fmt_number(to_decimal(t['requests_per_month']))}"
                       f" requests a month ({fmt_number(to_decimal(t['peak_requests_per_second']))} a second at peak), "
                       "the schema's defaults; state traffic: for an estimate of this workload")
        for service_id in sorted(self.usage):
            if not self.arch.of_service(service_id) and not service(service_id).usage_everywhere:
                self.warn(f"usage.{service_id} is given but the architecture has no {service(service_id).name} "
                           "component: nothing is priced from it")
        self.warnings += self.arch.fact("unpriced", _unpriced)
        priced = {line.component for line in self.lines}
        self.unbilled = tuple((c.id, c.service, _why_no_lines(self.arch, c)) for c in self.arch.components.values()
                              if c.id not in priced)  # said out loud, never priced as a silent zero
        return self.lines


def _unpriced(graph: Graph) -> tuple[str, ...]:
    """A warning for each service of the architecture that no pricing module prices."""
    services = sorted(s for s in {c.service for c in graph.components.values()} if not priced(s) and not service(s).free)
    return tuple(f"{service} is not priced by advisor yet: the estimate leaves it out "
                 f"({', '.join(c.id for c in graph.of_service(service))})" for service in services)


def source(sources: Mapping[str, str], key: str) -> str:
    """Where a resolved setting came from, as a basis text."""
    return sources.get(key, "default")


def _why_no_lines(graph: Graph, c: Component) -> str:
    """Why a component of the template has no cost line."""
    free = service(c.service).free
    if free:
        return free
    if not priced(c.service):
        return "not priced by advisor yet (see the warnings)"
    module = part(c.service, "pricing")
    why_free = getattr(module, "why_free", None)
    by_design = why_free(graph, c) if why_free is not None else None
    if by_design:
        return by_design
    return "no traffic reaches it: it bills only when used"


def scaled(scale: Decimal) -> str:
    return "" if scale == 1 else f" × {fmt_number(scale)} (sweep)"


def scaled_count(value: Any, scale: Decimal) -> Decimal | None:
    return None if value is None else ceil(to_decimal(value) * scale)


def budget_warnings(workload: Workload, est: Estimate) -> list[str]:
    """The estimate's own warnings, and one when it exceeds the workload's monthly budget."""
    budget = workload.requirements.get("cost-optimization", {}).get("monthly_budget_usd")
    if budget is None:
        return list(est.warnings)
    limit = to_decimal(budget)
    if est.total <= limit:
        return list(est.warnings)
    return list(est.warnings) + [f"the estimate of ${to_cents(est.total):,} a month is above the monthly budget of "
            f"${to_cents(limit):,} (cost-optimization.monthly_budget_usd); the largest items are "
            + ", ".join(f"{s} ${to_cents(v):,}" for s, v in sorted(
                est.by_service().items(), key=lambda kv: (-kv[1], kv[0]))[:3])]


def budget_check(workload: Workload, arch: Architecture, find_prices: Callable[[str], Catalog]) -> list[str]:
    """What `recommend` says about a stated budget: price the design only then, and never fail for it."""
    if "monthly_budget_usd" not in workload.requirements.get("cost-optimization", {}):
        return []
    from advisor.pricing.errors import PriceNotFound

    try:
        return budget_warnings(workload, estimate(workload, arch, find_prices(workload.region)))
    except PriceNotFound as exc:
        return [f"the budget could not be checked: {exc.message}"]


def _recovery_lines(workload: Workload, graph: Graph, catalog: Catalog, primary: Pricer, month: Month
                    ) -> tuple[CostLine, ...]:
    """What the recovery Region's stack bills every month, whatever the traffic: its key and vault always, and a
    warm standby's or second active Region's whole stack idle. Its requests are priced in the primary's lines (a
    second active Region's share of the traffic at the primary Region's prices), so it is priced here without
    traffic, and without the usage keys, which describe the primary stack; the free tier is the account's, shared
    with the primary's lines."""
    from advisor.recovery import recovery_stack

    recovery = graph.fact("recovery", lambda g: recovery_stack(g.arch))
    if recovery is None:
        return ()
    idle = workload._replace(traffic=MappingProxyType({**workload.traffic, "requests_per_month": 0}),
                             usage=MappingProxyType({}), assumed=())
    pricer = Pricer(idle, graph_of(recovery.deployed()), catalog.for_region(recovery.region), free_tier=False,
                    scale=ONE, month=month)
    pricer.free = primary.free
    pricer.recovery = True
    where = f" ({recovery.region} stack)"
    return tuple(line._replace(item=line.item + where) for line in pricer.run())


def request_tier_cost(workload: Workload, arch: Architecture | Graph, catalog: Catalog, *, free_tier: bool = False,
                      scale: Decimal | int = 1, month: Month = DEFAULT_MONTH, flows: Flows | None = None) -> Decimal:
    """The monthly amount of the API Gateway, SQS and Lambda lines alone, as `estimate` would price them (their
    exact sum, as the estimate's total is); `flows` as for `Pricer`."""
    pricer = Pricer(workload, graph_of(arch), catalog, free_tier=free_tier, scale=to_decimal(scale), month=month,
                    flows=flows)
    lines = pricer.run(request_tier=True)
    with localcontext(EXACT):
        return +sum((line.monthly_usd for line in lines), ZERO)


def estimate(workload: Workload, arch: Architecture | Graph, catalog: Catalog, *, free_tier: bool = False,
             scale: Decimal | int = 1, month: Month = DEFAULT_MONTH, flows: Flows | None = None) -> Estimate:
    """Price the architecture for the workload's traffic (times `scale`); `flows` as for `Pricer`."""
    graph = graph_of(arch)
    pricer = Pricer(workload, graph, catalog, free_tier=free_tier, scale=to_decimal(scale), month=month, flows=flows)
    lines = tuple(pricer.run()) + _recovery_lines(workload, graph, catalog, pricer, month)
    est = Estimate(
        workload=workload.name, region=catalog.region, currency=catalog.currency, free_tier=free_tier,
        prices_source=catalog.source, prices_as_of=catalog.as_of, lines=lines, warnings=tuple(pricer.warnings),
        unbilled=pricer.unbilled,
    )
    if est.exact:
        return est
    return est._replace(warnings=est.warnings + tuple(
        f"{region} has no catalog price for {', '.join(keys)}: those lines use {other}'s prices, so the estimate "
        f"is approximate (run `advisor prices update --region {region}`; --strict-prices refuses such an estimate)"
        for region, (other, keys) in est.borrowed().items()))


