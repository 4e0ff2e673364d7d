"""The rules engine: fires rules to a fixpoint and composes one Architecture."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, Callable, Mapping

from advisor.architecture import (
    PSEUDO_STEPS, Architecture, Component, Decision, DrPlan, Edge, Flow, FlowStep,
)
from advisor.catalog import Catalog, DrStrategy, load_catalog
from advisor.rules import PLACEHOLDER, Condition, Rule, load_rules
from advisor.workload import Workload


def choose_dr_strategy(rpo_minutes: float, rto_minutes: float, catalog: Catalog) -> DrStrategy:
    """The cheapest strategy whose tightest objectives meet both RPO and RTO."""
    for strategy in catalog.dr_strategies:  # listed cheapest first
        if strategy.rpo_minutes <= rpo_minutes and strategy.rto_minutes <= rto_minutes:
            return strategy
    return catalog.dr_strategies[-1]


def _param(workload: Workload, name: str) -> tuple[bool, Any]:
    req, _, param = name.partition(".")
    params = workload.requirements.get(req)
    if params is None or param not in params:
        return False, None
    return True, params[param]


def _compare(value: Any, op: str, operand: Any) -> bool:
    if op == "present":
        return value not in (None, (), [], "") if operand else value in (None, (), [], "")
    if op == "equals":
        return bool(value == operand)
    if op == "contains":
        return isinstance(value, (list, tuple)) and operand in value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return {"at_most": value <= operand, "at_least": value >= operand,
            "below": value < operand, "above": value > operand}[op]


def _substitute(value: Any, workload: Workload, item: str | None, holders: frozenset[int] | None = None) -> Any:
    """Fill {item}, {traffic.x}, {data.x}, {workload.region} and {req.param} placeholders; `holders`,
    the ids of the containers that hold one, lets every other container through as it is."""
    if isinstance(value, dict):
        if holders is not None and id(value) not in holders:
            return value
        return {k: _substitute(v, workload, item, holders) for k, v in value.items()}
    if isinstance(value, list):
        if holders is not None and id(value) not in holders:
            return value
        return [_substitute(v, workload, item, holders) for v in value]
    if not isinstance(value, str) or "{" not in value:
        return value

    def lookup(name: str, default: str | None) -> Any:
        if name == "item":
            return item
        head, _, tail = name.partition(".")
        if head == "traffic":
            return workload.traffic.get(tail)
        if head == "data":
            return workload.data.get(tail)
        if head == "workload":
            dr = workload.requirements.get("disaster-recovery", {})
            pair = dr.get("secondary_region") or load_catalog().regions[workload.region]
            return {"region": workload.region, "name": workload.name, "secondary_region": pair}.get(tail)
        present, found = _param(workload, name)
        if present:
            return list(found) if isinstance(found, tuple) else found
        if default is not None and "." in default:  # a fallback placeholder, e.g. {a.b|traffic.c}
            return lookup(default, None)
        return _typed(default) if default is not None else None

    whole = PLACEHOLDER.fullmatch(value)
    if whole:
        return lookup(whole.group(1), whole.group(2))
    return PLACEHOLDER.sub(lambda m: str(lookup(m.group(1), m.group(2))), value)


def _typed(text: str) -> Any:
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"true": True, "false": False, "": None}.get(text, text)


def _merge(target: dict[str, Any], extra: Mapping[str, Any], where: str, rule: str,
           owners: dict[str, str], warnings: list[str]) -> None:
    """Deep-merge settings; lists union, a scalar conflict keeps the first value and warns."""
    for key, value in extra.items():
        path = f"{where}.{key}"
        if key not in target:
            # Only containers need copying: rule data is shared by every recommendation.
            target[key] = _copy(value) if isinstance(value, (dict, list)) else value
            owners[path] = rule
        elif isinstance(target[key], dict) and isinstance(value, Mapping):
            _merge(target[key], value, path, rule, owners, warnings)
        elif isinstance(target[key], list) and isinstance(value, (list, tuple)):
            target[key] = target[key] + [v for v in value if v not in target[key]]
        elif target[key] != value:
            warnings.append(f"rules {owners.get(path, '?')} and {rule} disagree on {path}: "
                            f"kept {target[key]!r}, not {value!r}")


def _copy(value: Any) -> Any:
    """A copy of a tree of dicts and lists, as deepcopy gives it for the plain data rules hold."""
    if isinstance(value, dict):
        return {k: _copy(v) if isinstance(v, (dict, list)) else v for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) if isinstance(v, (dict, list)) else v for v in value]
    return value


_NO_REASONS: frozenset[str] = frozenset()


class _Facts:
    """What conditions read: the workload, the strategy chosen, and the components added so far."""

    __slots__ = ("workload", "problems", "requirements", "dr", "by_service", "because_of", "_why")

    def __init__(self, workload: Workload, dr: DrStrategy | None) -> None:
        self.workload = workload
        self.problems = workload.problems
        self.requirements = workload.requirements
        self.dr = dr.id if dr is not None else None
        self.by_service: dict[str, list[str]] = {}  # service -> component ids, as added
        self.because_of: dict[str, set[str]] = {}  # component -> the reasons of the rules that added it
        self._why: dict[str, frozenset[str]] = {}

    def why(self, requirement: str) -> frozenset[str]:
        """Why a requirement is in force, as a set of reasons."""
        found = self._why.get(requirement)
        if found is None:
            found = self._why[requirement] = frozenset(self.workload.because(requirement))
        return found


# A compiled condition returns None where it does not hold, else the reasons that make it hold.
Test = Callable[[_Facts], "frozenset[str] | set[str] | None"]


def _compile(cond: Condition) -> Test:
    """A condition as a closure, so a recommendation tests each rule without walking its tree."""
    kind = cond.kind
    if kind == "problem":
        problem, reasons = cond.value, frozenset({f"problem:{cond.value}"})
        return lambda facts: reasons if problem in facts.problems else None
    if kind == "requirement":
        requirement = cond.value
        return lambda facts: facts.why(requirement) if requirement in facts.requirements else None
    if kind == "param":
        requirement, _, param = cond.value.partition(".")
        op, operand = cond.op or "", cond.operand

        def param_test(facts: _Facts) -> frozenset[str] | None:
            params = facts.requirements.get(requirement)
            if params is None or param not in params or not _compare(params[param], op, operand):
                return None
            return facts.why(requirement)
        return param_test
    if kind == "dr_strategy":
        strategy = cond.value
        return lambda facts: facts.why("disaster-recovery") if facts.dr == strategy else None
    if kind == "service":
        service = cond.value

        def service_test(facts: _Facts) -> set[str] | None:
            ids = facts.by_service.get(service)
            if not ids:
                return None
            reasons: set[str] = set()
            for cid in ids:
                reasons.update(facts.because_of.get(cid, ()))
            return reasons
        return service_test
    children = tuple(_compile(child) for child in cond.children)
    if kind == "all":
        def all_test(facts: _Facts) -> set[str] | None:
            reasons: set[str] = set()
            for child in children:
                why = child(facts)
                if why is None:
                    return None
                reasons.update(why)
            return reasons
        return all_test
    if kind == "any":
        def any_test(facts: _Facts) -> set[str] | None:
            reasons: set[str] | None = None
            for child in children:
                why = child(facts)
                if why is not None:
                    reasons = set(why) if reasons is None else reasons | why
            return reasons
        return any_test
    only = children[0]  # not
    return lambda facts: _NO_REASONS if only(facts) is None else None


# One adds block, taken apart once: (components, edges, flows, settings, warnings), each a tuple of
# (id, service, settings), ((from, to, kind), settings), (id, title, steps), (service, pattern, set)
# and text.
Block = tuple[tuple[Any, ...], tuple[Any, ...], tuple[Any, ...], tuple[Any, ...], tuple[str, ...]]


def _block(adds: Mapping[str, Any]) -> Block:
    return (
        tuple((c["id"], c["service"], c.get("settings", {})) for c in adds.get("components", ())),
        tuple(((e["from"], e["to"], e["kind"]), e.get("settings", {})) for e in adds.get("edges", ())),
        tuple((f["id"], f["title"], tuple(f["steps"])) for f in adds.get("flows", ())),
        tuple((s["service"], s.get("components", "*"), s["set"]) for s in adds.get("settings", ())),
        tuple(adds.get("warnings", ())),
    )


class _Plan:
    """A rule compiled for recommending: its test, whether components added later can change it,
    and its blocks where they do not depend on the workload."""

    __slots__ = ("rule", "id", "test", "dynamic", "holders", "blocks")

    def __init__(self, rule: Rule) -> None:
        self.rule = rule
        self.id = rule.id
        self.test = _compile(rule.when)
        self.dynamic = _mentions_service(rule.when)
        self.holders = _holders(rule.adds)
        self.blocks = None if (self.holders or rule.for_each) else (_block(rule.adds),)

    def expand(self, workload: Workload) -> tuple[Block, ...]:
        """The rule's adds block once, or once per item of its for_each list, placeholders filled."""
        if self.blocks is not None:
            return self.blocks
        rule, holders = self.rule, self.holders
        if not rule.for_each:
            return (_block(_substitute(rule.adds, workload, None, holders)),)
        _, items = _param(workload, rule.for_each)
        return tuple(_block(_substitute(rule.adds, workload, item, holders)) for item in (items or ()))


def _holders(adds: Mapping[str, Any]) -> frozenset[int]:
    """The ids of the containers in an adds block that hold a placeholder, however deep."""
    found: set[int] = set()

    def visit(value: Any) -> bool:
        if isinstance(value, dict):
            inner = [visit(v) for v in value.values()]
        elif isinstance(value, list):
            inner = [visit(v) for v in value]
        else:
            return isinstance(value, str) and PLACEHOLDER.search(value) is not None
        if any(inner):
            found.add(id(value))
            return True
        return False

    visit(adds)
    return frozenset(found)


# Compiled rule sets, by the identity of the tuple they came from; the tuple is kept with its plans,
# so an id is never reused while it is here. A handful: a process uses one rule set, tests a few.
_PLANS: dict[int, tuple[tuple[Rule, ...], tuple[_Plan, ...]]] = {}


def _plans(rules: tuple[Rule, ...]) -> tuple[_Plan, ...]:
    known = _PLANS.get(id(rules))
    if known is None or known[0] is not rules:
        if len(_PLANS) >= 8:
            _PLANS.clear()
        known = _PLANS[id(rules)] = (rules, tuple(_Plan(rule) for rule in rules))
    return known[1]


def recommend(workload: Workload, rules: tuple[Rule, ...] | None = None,
              catalog: Catalog | None = None) -> Architecture:
    """Fire the rules against a workload and compose the architecture."""
    catalog = catalog or load_catalog()
    rules = rules if rules is not None else load_rules(catalog=catalog)
    plans = _plans(rules if isinstance(rules, tuple) else tuple(rules))
    dr_req = workload.requirements.get("disaster-recovery")
    strategy = choose_dr_strategy(dr_req["rpo_minutes"], dr_req["rto_minutes"], catalog) if dr_req else None
    facts = _Facts(workload, strategy)
    by_service, because_of = facts.by_service, facts.because_of
    services: dict[str, str] = {}  # component -> service, as first declared
    warnings: list[str] = []
    fired: dict[str, tuple[Block, ...]] = {}
    added: dict[str, set[str]] = {}  # component -> rules that added it
    first_reasons: dict[str, Any] = {}

    # Monotonic rules: a fixpoint is reached in at most len(rules) passes. Only a rule that tests for a
    # service can change its mind as components are added, so later passes look at those alone.
    pending: list[_Plan] = list(plans)
    while pending:
        changed = False
        for plan in pending:
            rid = plan.id
            if rid in fired:
                continue
            why = plan.test(facts)
            if why is None:
                continue
            blocks = fired[rid] = plan.expand(workload)
            first_reasons[rid] = why
            changed = True
            for block in blocks:
                for cid, service, _ in block[0]:
                    known = services.get(cid)
                    if known is None:
                        known = services[cid] = service
                        by_service.setdefault(service, []).append(cid)
                        added[cid] = {rid}
                        because_of[cid] = set(why)
                    else:
                        added[cid].add(rid)
                        because_of[cid].update(why)
                    if known != service:
                        warnings.append(f"rule {rid} declares {cid} as {service}, already {known}")
        pending = [plan for plan in pending if plan.id not in fired and plan.dynamic] if changed else []

    # Reasons flow from the rules that add components to the rules conditioned on them;
    # iterate until stable so a service-conditioned rule cites the workload's own reasons.
    fired_plans = [plan for plan in plans if plan.id in fired]
    # Only service-conditioned rules' reasons can change as components gain reasons; a rule that
    # tests no service gives the same reasons as when it fired.
    indirect = [plan for plan in fired_plans if plan.dynamic]
    reasons: dict[str, Any] = {plan.id: first_reasons[plan.id] for plan in fired_plans}
    for plan in indirect:
        reasons[plan.id] = plan.test(facts) or _NO_REASONS
    while True:
        grown = False
        for cid, by in added.items():
            have = because_of[cid]
            for rid in by:
                why = reasons[rid]
                if not why <= have:
                    have.update(why)
                    grown = True
        if not grown or not indirect:
            break
        for plan in indirect:
            reasons[plan.id] = plan.test(facts) or _NO_REASONS

    owners: dict[str, str] = {}
    settings_of: dict[str, dict[str, Any]] = {cid: {} for cid in services}
    edge_state: dict[tuple[str, str, str], tuple[dict[str, Any], set[str]]] = {}
    flow_state: dict[str, tuple[str, str, tuple[str, ...]]] = {}
    in_order = {service: sorted(ids) for service, ids in by_service.items()}
    touched: dict[str, set[str]] = {}
    for plan in fired_plans:
        rid = plan.id
        touch = touched[rid] = set()
        for comps, edges, flows, settings, notes in fired[rid]:
            for cid, _, extra in comps:
                if extra:
                    _merge(settings_of[cid], extra, cid, rid, owners, warnings)
                touch.add(cid)
            for key, extra in edges:
                entry = edge_state.get(key)
                if entry is None:
                    entry = edge_state[key] = ({}, set())
                entry[1].add(rid)
                if extra:
                    _merge(entry[0], extra, f"{key[0]}->{key[1]}", rid, owners, warnings)
            for fid, title, steps in flows:
                if fid not in flow_state:
                    flow_state[fid] = (title, rid, steps)
            for service, pattern, extra in settings:
                for cid in in_order.get(service, ()):
                    if pattern == "*" or _matches(cid, pattern):
                        _merge(settings_of[cid], extra, cid, rid, owners, warnings)
                        touch.add(cid)
            for note in notes:
                if note not in warnings:
                    warnings.append(f"{rid}: {note}")

    components = {
        cid: Component(cid, services[cid], _freeze(settings_of[cid]), tuple(sorted(added[cid])),
                       tuple(sorted(because_of[cid])))
        for cid in sorted(services)
    }
    edge_list = tuple(
        Edge(src, dst, kind, _freeze(settings), tuple(sorted(by)))
        for (src, dst, kind), (settings, by) in sorted(edge_state.items())
    )
    flows = tuple(_flow(fid, title, rule, steps, components, edge_list)
                  for fid, (title, rule, steps) in flow_state.items())
    flows = tuple(sorted(flows, key=lambda f: _FLOW_ORDER.index(f.id)))
    decisions = tuple(
        Decision(
            rule=rule.id, title=rule.title, pillars=rule.pillars, best_practices=rule.best_practices,
            because=tuple(sorted(reasons[rule.id])),
            adds=tuple(sorted({services[c] for c in touched[rule.id]})),
            components=tuple(sorted(touched[rule.id])),
            rationale=rule.rationale, tradeoffs=rule.tradeoffs, source=rule.source,
            direct=not plan.dynamic,
        )
        for plan in fired_plans for rule in (plan.rule,)
    )
    dr = None
    if strategy is not None and dr_req is not None:
        dr = DrPlan(
            strategy=strategy.id, title=strategy.title, rpo_minutes=dr_req["rpo_minutes"],
            rto_minutes=dr_req["rto_minutes"], primary_region=workload.region,
            secondary_region=dr_req.get("secondary_region") or catalog.regions[workload.region],
            recovery_region_runs=strategy.recovery_region, achieved_rpo_minutes=strategy.rpo_minutes,
            achieved_rto_minutes=strategy.rto_minutes,
        )
    return Architecture(
        workload=workload.name, region=workload.region, components=components, edges=edge_list, flows=flows,
        decisions=decisions, dr=dr, warnings=tuple(workload.warnings) + tuple(warnings),
    )


def _matches(name: str, pattern: str) -> bool:
    """Glob matching for component ids, whose only wildcard is `*` (rule files allow nothing else).

    fnmatch would compile a regular expression for every pattern, a millisecond of a cold run.
    """
    if "*" not in pattern:
        return name == pattern
    first, *middle, last = pattern.split("*")
    if len(name) < len(first) + len(last) or not name.startswith(first) or not name.endswith(last):
        return False
    at, end = len(first), len(name) - len(last)
    for part in middle:
        found = name.find(part, at, end)
        if found < 0:
            return False
        at = found + len(part)
    return True


def _mentions_service(cond: Condition) -> bool:
    return cond.kind == "service" or any(_mentions_service(c) for c in cond.children)


_FLOW_ORDER = ("scalability", "high-availability", "decoupling", "real-time-updates", "cost-optimization",
               "security-reliability", "disaster-recovery")


def _flow(fid: str, title: str, rule: str, steps: tuple[str, ...], components: Mapping[str, Component],
          edges: tuple[Edge, ...]) -> Flow:
    out: list[FlowStep] = []
    for step in steps:
        if step in ("subscribers", "consumers") and out:
            # Whatever the previous step delivers to: filled from the composed edges.
            previous = set(out[-1].components)
            targets = tuple(sorted({e.target for e in edges if e.source in previous}))
            out.append(FlowStep(step, targets))
            continue
        if step in PSEUDO_STEPS:
            out.append(FlowStep(step, ()))
            continue
        if "*" in step:
            matched = tuple(sorted(c for c in components if _matches(c, step)))
        else:
            matched = (step,) if step in components else ()
        if not matched:
            continue
        services = {components[c].service for c in matched}
        label = services.pop() if len(services) == 1 else "subscribers"
        out.append(FlowStep(label, matched))
    return Flow(fid, title, tuple(out), rule)


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return MappingProxyType({k: _freeze(v) if isinstance(v, (dict, list)) else v
                                 for k, v in sorted(value.items())})
    if isinstance(value, list):
        return tuple(_freeze(v) if isinstance(v, (dict, list)) else v for v in value)
    return value
