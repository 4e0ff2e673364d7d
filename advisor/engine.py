"""The rules engine: fires rules to a fixpoint and composes one Architecture."""

from __future__ import annotations

import copy
from types import MappingProxyType
from typing import Any, Mapping

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


class _State:
    """What the rules have composed so far."""

    def __init__(self, workload: Workload, dr: DrStrategy | None) -> None:
        self.workload = workload
        self.dr = dr
        self.components: dict[str, dict[str, Any]] = {}
        self.edges: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.flows: dict[str, tuple[str, str, tuple[str, ...]]] = {}
        self.warnings: list[str] = []
        self.by_service: dict[str, list[str]] = {}  # service -> component ids, as added


def _param(workload: Workload, name: str) -> tuple[bool, Any]:
    req, _, param = name.partition(".")
    params = workload.requirements.get(req)
    if params is None or param not in params:
        return False, None
    return True, params[param]


def _evaluate(cond: Condition, state: _State, because_of: dict[str, set[str]]) -> tuple[bool, set[str]]:
    """Whether a condition holds, and which problems/requirements make it hold."""
    w = state.workload
    if cond.kind == "problem":
        return (cond.value in w.problems, {f"problem:{cond.value}"})
    if cond.kind == "requirement":
        if cond.value in w.requirements:
            return True, set(w.because(cond.value))
        return False, set()
    if cond.kind == "param":
        req = cond.value.partition(".")[0]
        present, value = _param(w, cond.value)
        ok = present and _compare(value, cond.op or "", cond.operand)
        return ok, set(w.because(req)) if ok else set()
    if cond.kind == "dr_strategy":
        ok = state.dr is not None and state.dr.id == cond.value
        return ok, set(w.because("disaster-recovery")) if ok else set()
    if cond.kind == "service":
        ids = state.by_service.get(cond.value, ())
        reasons: set[str] = set()
        for cid in ids:
            reasons |= because_of.get(cid, set())
        return bool(ids), reasons
    if cond.kind == "all":
        reasons = set()
        for child in cond.children:
            ok, why = _evaluate(child, state, because_of)
            if not ok:
                return False, set()
            reasons |= why
        return True, reasons
    if cond.kind == "any":
        reasons = set()
        hit = False
        for child in cond.children:
            ok, why = _evaluate(child, state, because_of)
            if ok:
                hit = True
                reasons |= why
        return hit, reasons
    ok, _ = _evaluate(cond.children[0], state, because_of)
    return not ok, set()


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
            target[key] = copy.deepcopy(value) if isinstance(value, (dict, list)) else value
            owners[path] = rule
        elif isinstance(target[key], dict) and isinstance(value, Mapping):
            _merge(target[key], value, path, rule, owners, warnings)
        elif isinstance(target[key], list) and isinstance(value, (list, tuple)):
            target[key] = target[key] + [v for v in value if v not in target[key]]
        elif target[key] != value:
            warnings.append(f"rules {owners.get(path, '?')} and {rule} disagree on {path}: "
                            f"kept {target[key]!r}, not {value!r}")


# Per rule, facts about its data that every recommendation would otherwise recompute. Each entry keeps
# the object it describes and is used only while the rule still holds that very object, so a rule
# file reloaded with new contents under the same id and path is never judged by its old self.
_HOLDERS: dict[tuple[str, str], tuple[Any, frozenset[int]]] = {}
_DYNAMIC: dict[tuple[str, str], tuple[Any, bool]] = {}


def _holders(rule: Rule) -> frozenset[int]:
    """The ids of the containers in a rule's adds block that hold a placeholder, however deep."""
    known = _HOLDERS.get((rule.id, rule.path))
    if known is None or known[0] is not rule.adds:
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

        visit(rule.adds)
        known = _HOLDERS[(rule.id, rule.path)] = (rule.adds, frozenset(found))
    return known[1]


def _dynamic(rule: Rule) -> bool:
    """Whether a rule's condition tests for a service, so that components added later can change it."""
    known = _DYNAMIC.get((rule.id, rule.path))
    if known is None or known[0] is not rule.when:
        known = _DYNAMIC[(rule.id, rule.path)] = (rule.when, _mentions_service(rule.when))
    return known[1]


def _expand(rule: Rule, workload: Workload) -> list[dict[str, Any]]:
    """The rule's adds block once, or once per item of its for_each list."""
    # Whatever holds no placeholder is used as it is: merging copies what it keeps.
    holders = _holders(rule)
    if not rule.for_each:
        return [_substitute(rule.adds, workload, None, holders)]
    _, items = _param(workload, rule.for_each)
    return [_substitute(rule.adds, workload, item, holders) for item in (items or ())]


def recommend(workload: Workload, rules: tuple[Rule, ...] | None = None,
              catalog: Catalog | None = None) -> Architecture:
    """Fire the rules against a workload and compose the architecture."""
    catalog = catalog or load_catalog()
    rules = rules if rules is not None else load_rules(catalog=catalog)
    dr_req = workload.requirements.get("disaster-recovery")
    strategy = choose_dr_strategy(dr_req["rpo_minutes"], dr_req["rto_minutes"], catalog) if dr_req else None
    state = _State(workload, strategy)
    fired: dict[str, list[dict[str, Any]]] = {}
    added: dict[str, set[str]] = {}  # component -> rules that added it
    because_of: dict[str, set[str]] = {}
    first_reasons: dict[str, set[str]] = {}

    # Monotonic rules: a fixpoint is reached in at most len(rules) passes. Only a rule that tests for a
    # service can change its mind as components are added, so later passes look at those alone.
    pending = list(rules)
    while pending:
        changed = False
        for rule in pending:
            if rule.id in fired:
                continue
            ok, why = _evaluate(rule.when, state, because_of)
            if not ok:
                continue
            blocks = _expand(rule, workload)
            fired[rule.id] = blocks
            first_reasons[rule.id] = why
            changed = True
            for block in blocks:
                for comp in block.get("components", []):
                    entry = state.components.get(comp["id"])
                    if entry is None:
                        entry = state.components[comp["id"]] = {"service": comp["service"], "settings": {}}
                        state.by_service.setdefault(comp["service"], []).append(comp["id"])
                    if entry["service"] != comp["service"]:
                        state.warnings.append(f"rule {rule.id} declares {comp['id']} as {comp['service']}, "
                                              f"already {entry['service']}")
                    added.setdefault(comp["id"], set()).add(rule.id)
                    because_of.setdefault(comp["id"], set()).update(why)
        pending = [rule for rule in pending if rule.id not in fired and _dynamic(rule)] if changed else []

    # Reasons flow from the rules that add components to the rules conditioned on them;
    # iterate until stable so a service-conditioned rule cites the workload's own reasons.
    reasons: dict[str, set[str]] = {}
    fired_rules = [rule for rule in rules if rule.id in fired]
    # Only service-conditioned rules' reasons can change as components gain reasons.
    indirect = [rule for rule in fired_rules if _dynamic(rule)]
    # A rule that tests no service gives the same reasons as when it fired.
    new = {rule.id: _evaluate(rule.when, state, because_of)[1] if _dynamic(rule) else first_reasons[rule.id]
           for rule in fired_rules}
    while True:
        grown = False
        for cid, by in added.items():
            merged = set().union(*(new[r] for r in by))
            if not merged <= because_of.get(cid, set()):
                because_of.setdefault(cid, set()).update(merged)
                grown = True
        reasons = new
        if not grown:
            break
        new = dict(reasons)
        new.update({rule.id: _evaluate(rule.when, state, because_of)[1] for rule in indirect})

    owners: dict[str, str] = {}
    touched: dict[str, set[str]] = {r: set() for r in fired}
    for rule in rules:
        if rule.id not in fired:
            continue
        for block in fired[rule.id]:
            for comp in block.get("components", []):
                _merge(state.components[comp["id"]]["settings"], comp.get("settings", {}), comp["id"],
                       rule.id, owners, state.warnings)
                touched[rule.id].add(comp["id"])
            for edge in block.get("edges", []):
                key = (edge["from"], edge["to"], edge["kind"])
                entry = state.edges.setdefault(key, {"settings": {}, "by": set()})
                entry["by"].add(rule.id)
                _merge(entry["settings"], edge.get("settings", {}), f"{key[0]}->{key[1]}", rule.id, owners,
                       state.warnings)
            for flow in block.get("flows", []):
                if flow["id"] not in state.flows:
                    state.flows[flow["id"]] = (flow["title"], rule.id, tuple(flow["steps"]))
            for setting in block.get("settings", []):
                pattern = setting.get("components", "*")
                for cid in sorted(state.by_service.get(setting["service"], ())):
                    if _matches(cid, pattern):
                        _merge(state.components[cid]["settings"], setting["set"], cid, rule.id, owners,
                               state.warnings)
                        touched[rule.id].add(cid)
            for warning in block.get("warnings", []):
                if warning not in state.warnings:
                    state.warnings.append(f"{rule.id}: {warning}")

    components = {
        cid: Component(cid, c["service"], _freeze(c["settings"]), tuple(sorted(added[cid])),
                       tuple(sorted(because_of.get(cid, set()))))
        for cid, c in sorted(state.components.items())
    }
    edges = tuple(
        Edge(src, dst, kind, _freeze(e["settings"]), tuple(sorted(e["by"])))
        for (src, dst, kind), e in sorted(state.edges.items())
    )
    flows = tuple(_flow(fid, title, rule, steps, components, edges)
                  for fid, (title, rule, steps) in state.flows.items())
    flows = tuple(sorted(flows, key=lambda f: _FLOW_ORDER.index(f.id)))
    decisions = tuple(
        Decision(
            rule=rule.id, title=rule.title, pillars=rule.pillars, best_practices=rule.best_practices,
            because=tuple(sorted(reasons[rule.id])),
            adds=tuple(sorted({components[c].service for c in touched[rule.id]})),
            components=tuple(sorted(touched[rule.id])),
            rationale=rule.rationale, tradeoffs=rule.tradeoffs, source=rule.source,
            direct=not _dynamic(rule),
        )
        for rule in rules if rule.id in fired
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
    warnings = list(workload.warnings) + state.warnings
    return Architecture(
        workload=workload.name, region=workload.region, components=components, edges=edges, flows=flows,
        decisions=decisions, dr=dr, warnings=tuple(warnings),
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
