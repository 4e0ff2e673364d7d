"""The Architecture value that recommend, cost and render all consume."""

from typing import Any, Mapping, NamedTuple


# Edge kinds: what one component does to another.
EDGE_KINDS = (
    "sends", "triggers", "writes", "reads", "invokes", "publishes", "fans-out", "delivers-to",
    "streams-to", "routes-to", "replicates-to", "backs-up", "exports", "encrypts", "audits", "monitors", "authorizes", "alarms-to",
)
# Flow steps that stand for something outside the architecture.
PSEUDO_STEPS = ("client", "producer", "subscribers", "consumers")
FLOW_IDS = ("scalability", "high-availability", "decoupling", "real-time-updates", "cost-optimization",
            "security-reliability", "disaster-recovery")


class Component(NamedTuple):
    """A named instance of a service, e.g. `queue:orders` of service `sqs`."""

    id: str
    service: str
    settings: Mapping[str, Any]
    added_by: tuple[str, ...]
    because: tuple[str, ...]
    sources: Mapping[str, str] = {}  # setting -> where its value came from: a rule, a usage key or a default


class Edge(NamedTuple):
    """A typed connection between two components."""

    source: str
    target: str
    kind: str
    settings: Mapping[str, Any]
    added_by: tuple[str, ...]


class FlowStep(NamedTuple):
    """One step of a flow: a pseudo-step, or the components it passes through."""

    label: str
    components: tuple[str, ...]


class Flow(NamedTuple):
    """One of the seed's solution flows, as ordered steps over components."""

    id: str
    title: str
    steps: tuple[FlowStep, ...]
    rule: str


class Decision(NamedTuple):
    """A rule that fired: why, what it cites and what it added or configured."""

    rule: str
    title: str
    pillars: tuple[str, ...]
    best_practices: tuple[str, ...]
    because: tuple[str, ...]
    adds: tuple[str, ...]
    components: tuple[str, ...]
    rationale: str
    tradeoffs: str
    source: str
    direct: bool = True  # fired by the workload's own problems or requirements, not by another rule's services


class DrOption(NamedTuple):
    """One disaster-recovery strategy as the choice weighed it: the tightest objectives it reaches here, whether
    they meet the workload's, and the architecture's monthly estimate with it (None when it could not be priced)."""

    strategy: str
    title: str
    rpo_minutes: float
    rto_minutes: float
    meets: bool
    monthly_usd: Any = None  # a Decimal; kept untyped so that this module imports no pricing


class DrPlan(NamedTuple):
    """The chosen disaster-recovery strategy and where things run."""

    strategy: str
    title: str
    rpo_minutes: float
    rto_minutes: float
    primary_region: str
    secondary_region: str
    recovery_region_runs: str
    achieved_rpo_minutes: float
    achieved_rto_minutes: float
    options: tuple[DrOption, ...] = ()  # every strategy, in the catalog's order, as the choice priced it
    chosen_by: str = "price"  # "price": the cheapest that meets both; "order": the framework's order of cost
    # Backup and restore: how the data reaches the recovery Region (the catalog's backup_methods), and each
    # method with the architecture's monthly estimate by it (None where it could not be priced).
    backup_method: str | None = None
    backup_options: tuple[tuple[str, Any], ...] = ()


class Architecture(NamedTuple):
    """The recommended architecture for one workload."""

    workload: str
    region: str
    components: Mapping[str, Component]
    edges: tuple[Edge, ...]
    flows: tuple[Flow, ...]
    decisions: tuple[Decision, ...]
    dr: DrPlan | None
    warnings: tuple[str, ...]

    @property
    def services(self) -> tuple[str, ...]:
        """The sorted set of service ids the components use."""
        return tuple(sorted({c.service for c in self.components.values()}))

    def of_service(self, service: str) -> tuple[Component, ...]:
        """Components of one service, in id order."""
        return tuple(c for c in self.components.values() if c.service == service)

    def edges_from(self, component: str) -> tuple[Edge, ...]:
        """Edges leaving a component."""
        return tuple(e for e in self.edges if e.source == component)

    def edges_to(self, component: str) -> tuple[Edge, ...]:
        """Edges arriving at a component."""
        return tuple(e for e in self.edges if e.target == component)


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in sorted(value.items())}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def to_json(arch: Architecture) -> dict[str, Any]:
    """The stable JSON contract of `recommend --format json`, plus components and edges."""
    return {
        "workload": arch.workload,
        "region": arch.region,
        "services": list(arch.services),
        "flows": [
            {
                "id": f.id,
                "title": f.title,
                "steps": [s.label for s in f.steps],
                "components": [list(s.components) for s in f.steps],
            }
            for f in arch.flows
        ],
        "decisions": [
            {
                "rule": d.rule,
                "title": d.title,
                "pillars": list(d.pillars),
                "best_practices": list(d.best_practices),
                "because": list(d.because),
                "adds": list(d.adds),
                "components": list(d.components),
            }
            for d in arch.decisions
        ],
        "disaster_recovery": None if arch.dr is None else {
            "strategy": arch.dr.strategy,
            "rpo_minutes": arch.dr.rpo_minutes,
            "rto_minutes": arch.dr.rto_minutes,
            "primary_region": arch.dr.primary_region,
            "secondary_region": arch.dr.secondary_region,
            "chosen_by": arch.dr.chosen_by,
            "options": [
                {"strategy": o.strategy, "rpo_minutes": o.rpo_minutes, "rto_minutes": o.rto_minutes, "meets": o.meets,
                 "monthly_usd": None if o.monthly_usd is None else str(o.monthly_usd)}
                for o in arch.dr.options
            ],
            # How backup and restore keeps the data in the recovery Region: each method priced with the whole
            # architecture, and the one the backup-restore design uses (null when it was not weighed).
            "backup_method": arch.dr.backup_method,
            "backup_methods": [
                {"method": m, "monthly_usd": None if total is None else str(total)}
                for m, total in arch.dr.backup_options
            ],
        },
        "components": [
            {"id": c.id, "service": c.service, "settings": _plain(c.settings), "because": list(c.because)}
            for c in arch.components.values()
        ],
        "edges": [
            {"from": e.source, "to": e.target, "kind": e.kind, "settings": _plain(e.settings)}
            for e in arch.edges
        ],
        "warnings": list(arch.warnings),
    }
