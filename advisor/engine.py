"""The rules engine: fires rules to a fixpoint and composes one Architecture."""

from __future__ import annotations

from fnmatch import fnmatchcase
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Callable, Hashable, Mapping

from advisor.architecture import (
    FLOW_IDS, PSEUDO_STEPS, Architecture, Component, Decision, DrOption, DrPlan, Edge, Flow, FlowStep,
)
from advisor.catalog import Catalog, DrStrategy, dr_candidates, dr_refusal, load_catalog
from advisor.rules import BUNDLED_PREFIX, PLACEHOLDER, Condition, Rule, load_rules
from advisor.errors import Diagnostic, InputError, RuleError
from advisor.services import Resolving, resolve, service
from advisor.services.backup import worst_rpo_minutes

BACKUP_RESTORE = "backup-restore"
# The services whose components keep a table's data in the recovery Region at an interval.
BACKUP_SERVICES = ("backup", "dynamodb-exports")
from advisor.workload import SCALAR_TYPES, Workload


def dr_strategies_meeting(rpo_minutes: float, rto_minutes: float, catalog: Catalog) -> tuple[DrStrategy, ...]:
    """The strategies whose tightest objectives meet both RPO and RTO, in the framework's order of cost."""
    return dr_candidates(catalog.dr_strategies, rpo_minutes, rto_minutes)


def _refuse(workload: Workload, rpo: float, rto: float, catalog: Catalog) -> InputError:
    """Objectives no strategy meets (loading a file refuses them first, at their line)."""
    refused = dr_refusal(catalog.dr_strategies, rpo, rto)
    assert refused is not None
    name, message, hint = refused
    return InputError([Diagnostic(workload.file, 1, 1, f"requirements.disaster-recovery.{name}: {message}", hint)])


def _dr_choice(workload: Workload, rules: tuple[Rule, ...], catalog: Catalog, dr_req: Mapping[str, Any],
               prices: Callable[[str], Any] | None) -> Architecture:
    """Price the architecture with every strategy and keep the cheapest that meets both objectives (REL13-BP02
    orders them by cost in general; here each is priced for this workload). Ties, and a Region whose prices
    cannot be found, fall back to the framework's order."""
    from advisor.costing import estimate
    from advisor.pricing.errors import PriceNotFound

    rpo, rto = dr_req["rpo_minutes"], dr_req["rto_minutes"]
    meeting = dr_strategies_meeting(rpo, rto, catalog)
    if not meeting:
        raise _refuse(workload, rpo, rto, catalog)
    if prices is None:
        from advisor.pricing.catalog import load_catalog as bundled

        prices = bundled
    made: dict[str, Architecture] = {}
    options: list[DrOption] = []
    warnings: tuple[str, ...] = ()
    unpriced = None
    for strategy in catalog.dr_strategies:
        arch = made[strategy.id] = recommend(workload, rules, catalog, prices=prices, dr_strategy=strategy.id)
        assert arch.dr is not None
        # Backup and restore priced already, by the method it keeps.
        total = dict(arch.dr.backup_options).get(arch.dr.backup_method or "")
        if unpriced is None and total is None:
            try:
                total = estimate(workload, arch, prices(workload.region)).total
            except PriceNotFound as exc:
                unpriced = exc.message
        assert arch.dr is not None
        options.append(DrOption(strategy.id, strategy.title, arch.dr.achieved_rpo_minutes,
                                arch.dr.achieved_rto_minutes, strategy in meeting, total))
    if unpriced is None:
        best = min((o for o in options if o.meets), key=lambda o: o.monthly_usd)  # min keeps the first of equals
        chosen, how = best.strategy, "price"
    else:
        chosen, how = meeting[0].id, "order"
        options = [o._replace(monthly_usd=None) for o in options]
        warnings = (f"the disaster-recovery strategies could not be priced ({unpriced}): {meeting[0].title.lower()} "
                    "is the first that meets the objectives in the framework's order of cost",)
    arch = made[chosen]
    assert arch.dr is not None
    methods = next((a.dr.backup_options for a in made.values() if a.dr is not None and a.dr.backup_options), ())
    return arch._replace(dr=arch.dr._replace(options=tuple(options), chosen_by=how, backup_options=methods),
                         warnings=arch.warnings + warnings)


def _backup_choice(workload: Workload, rules: tuple[Rule, ...], catalog: Catalog,
                   prices: Callable[[str], Any] | None) -> Architecture:
    """Backup and restore by each method of keeping the data in the recovery Region, priced, and the cheaper kept:
    every DynamoDB backup is a full copy, so copying backups costs the table's size each time, where incremental
    exports cost what changed. A method that cannot be priced here is passed over; ties, and a Region where none
    can, keep the catalog's first."""
    from advisor.costing import estimate
    from advisor.pricing.errors import PriceNotFound

    if prices is None:
        from advisor.pricing.catalog import load_catalog as bundled

        prices = bundled
    made: list[tuple[str, Architecture, Any]] = []  # (method, architecture, its monthly estimate or None)
    for method in catalog.backup_methods:
        arch = recommend(workload, rules, catalog, dr_strategy=BACKUP_RESTORE, backup_method=method)
        try:
            total = estimate(workload, arch, prices(workload.region)).total
        except PriceNotFound:
            total = None
        made.append((method, arch, total))
    priced = [m for m in made if m[2] is not None]
    method, arch, _ = min(priced, key=lambda m: m[2]) if priced else made[0]  # min keeps the first of equals
    assert arch.dr is not None
    return arch._replace(dr=arch.dr._replace(backup_options=tuple((m, total) for m, _, total in made)))


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


def _substitute(value: Any, workload: Workload, item: str | None, holders: frozenset[int]) -> Any:
    """Fill {item}, {traffic.x}, {data.x}, {workload.region} and {req.param} placeholders; `holders`,
    the ids of the containers that hold one, lets every other container through as it is."""
    if isinstance(value, dict):
        if id(value) not in holders:
            return value
        return {k: _substitute(v, workload, item, holders) if isinstance(v, (dict, list, str)) else v
                for k, v in value.items()}
    if isinstance(value, list):
        if id(value) not in holders:
            return value
        return [_substitute(v, workload, item, holders) if isinstance(v, (dict, list, str)) else v for v in value]
    if not isinstance(value, str) or "{" not in value:
        return value
    whole = PLACEHOLDER.fullmatch(value)
    if whole:
        return _lookup(whole.group(1), whole.group(2), workload, item)
    return PLACEHOLDER.sub(lambda m: str(_lookup(m.group(1), m.group(2), workload, item)), value)


def _lookup(name: str, default: str | None, workload: Workload, item: Any) -> Any:
    """The value of one placeholder for a workload (and a for_each item)."""
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
        return _lookup(default, None, workload, item)
    return _typed(default) if default is not None else None


def _exact(value: Any) -> Hashable:
    """A key equal for two values only where they fill a placeholder alike: 1, 1.0 and True differ."""
    kind = type(value)
    if kind in SCALAR_TYPES:  # what a workload's values mostly are; the ABC test below is slow
        return (kind.__name__, value)
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_exact(v) for v in value))
    if isinstance(value, Mapping):
        return ("mapping", tuple((_exact(k), _exact(v)) for k, v in value.items()))
    hash(value)  # anything else unhashable ends the caching (TypeError)
    return (type(value).__name__, value)


@lru_cache(maxsize=256)  # a rule's few fallback texts, read for every workload that lacks the value
def _typed(text: str) -> Any:
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"true": True, "false": False, "": None}.get(text, text)


Clash = tuple[str, str, str, Any, Any]  # settings path, the rule whose value is kept, the other rule, both values


def _merge(target: dict[str, Any], extra: Mapping[str, Any], where: str, rule: str,
           owners: dict[str, str], clashes: list[Clash], owned: set[int]) -> None:
    """Deep-merge settings; lists union, a scalar conflict keeps the first value and is recorded.

    Rule data is shared by every recommendation, so it is taken by reference and a dict of it is
    copied only when something merges into it: `owned` holds the ids of the dicts this
    recommendation made, which alone may change. A list is never changed in place."""
    for key, value in extra.items():
        path = f"{where}.{key}"
        if key not in target:
            target[key] = value
            owners[path] = rule
            continue
        have = target[key]
        if isinstance(have, dict) and isinstance(value, Mapping):
            if id(have) not in owned:
                have = target[key] = dict(have)
                owned.add(id(have))
            _merge(have, value, path, rule, owners, clashes, owned)
        elif isinstance(have, list) and isinstance(value, (list, tuple)):
            union = target[key] = have + [v for v in value if v not in have]
            owned.add(id(union))
        elif have != value:
            clashes.append((path, _owner(owners, path), rule, have, value))


def _owner(owners: dict[str, str], path: str) -> str:
    """The rule that set a settings path: its own entry, or the rule that brought the dict holding it."""
    while path:
        where = path.rpartition(".")[0]
        found = owners.get(path) or (owners.get(f"{where}.*") if where else None)
        if found:
            return found
        path = where
    return "?"


def _settle(table: dict[Any, Mapping[str, Any]], key: Any, extra: Mapping[str, Any], where: str, rule: str,
            owners: dict[str, str], clashes: list[Clash], owned: set[int]) -> None:
    """Merge a rule's settings into table[key]. The first settings a component or edge gets are the
    rule's own, by reference, and owned (copied) only when a second rule merges into them: most are
    set by one rule, and their frozen form is then the rule set's, made once (see `_freeze`)."""
    have = table[key]
    if not have:
        table[key] = extra
        owners[f"{where}.*"] = rule  # the owner of every key it brought
        return
    if id(have) not in owned:
        have = table[key] = dict(have)
        owned.add(id(have))
    _merge(have, extra, where, rule, owners, clashes, owned)  # type: ignore[arg-type]


# Settings of a component or edge no rule has set: never changed, as `_settle` replaces it.
_NO_SETTINGS: dict[str, Any] = {}
_NO_REASONS: frozenset[str] = frozenset()


class _Facts:
    """What conditions read: the workload, the strategy chosen, and the components added so far."""

    __slots__ = ("workload", "problems", "requirements", "dr", "backup_method", "by_service", "because_of", "_why")

    def __init__(self, workload: Workload, dr: DrStrategy | None, backup_method: str | None = None) -> None:
        self.workload = workload
        self.problems = workload.problems
        self.requirements = workload.requirements
        self.dr = dr.id if dr is not None else None
        self.backup_method = backup_method
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
    if kind == "backup_method":
        method = cond.value
        return lambda facts: facts.why("disaster-recovery") if facts.backup_method == method else None
    if kind == "payload_over_quota":
        # The service's own quota, the one the estimate caps its messages at; a fact of the workload, so
        # it may stand under `not`.
        quota, over = service(cond.value).message_kb or 0, frozenset({"traffic:request_kb"})
        return lambda facts: over if facts.workload.traffic.get("request_kb", 0) > quota else None
    if kind == "service":
        # What makes such a rule fire is the service's presence, not why its components are there.
        wanted, present = cond.value, frozenset({f"service:{cond.value}"})
        return lambda facts: present if facts.by_service.get(wanted) else None
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

    __slots__ = ("rule", "id", "test", "dynamic", "decision", "holders", "blocks", "names", "filled")

    def __init__(self, rule: Rule) -> None:
        self.rule = rule
        self.id = rule.id
        self.test = _compile(rule.when)
        self.dynamic = _mentions_service(rule.when)
        # A Decision's fields that come from the rule alone, before and after the ones a firing fills in.
        self.decision = ((rule.id, rule.title, rule.pillars, rule.best_practices),
                         (rule.rationale, rule.tradeoffs, rule.source))
        # The rest is worked out when the rule first fires: the seed examples fire 4 to 18 of the 36 bundled rules.
        self.blocks: tuple[Block, ...] | None = None
        self.holders: frozenset[int] | None = None
        self.names: tuple[tuple[str, str | None], ...] = ()
        self.filled: dict[Hashable, tuple[Block, ...]] = {}

    def _prepare(self) -> None:
        rule = self.rule
        self.holders = _holders(rule.adds)
        if not self.holders and not rule.for_each:
            self.blocks = (_block(rule.adds),)
            return
        # The placeholders the blocks read from the workload ({item} aside): their values, with the
        # for_each items, decide the blocks, so workloads that agree on them share one expansion.
        self.names = tuple(sorted({(m.group(1), m.group(2)) for m in PLACEHOLDER.finditer(repr(rule.adds))
                                   if m.group(1) != "item"}, key=repr))

    def expand(self, workload: Workload) -> tuple[tuple[Block, ...], Hashable | None]:
        """The rule's adds block once, or once per item of its for_each list, placeholders filled; with the
        values that filled them, as a key (None when a value cannot be one)."""
        if self.blocks is not None:
            return self.blocks, ()
        if self.holders is None:
            self._prepare()
            if self.blocks is not None:
                return self.blocks, ()
        rule, holders = self.rule, self.holders
        assert holders is not None  # set by _prepare
        items = _param(workload, rule.for_each)[1] if rule.for_each else None
        try:
            key: Hashable | None = (_exact(items), tuple(_exact(_lookup(n, d, workload, None)) for n, d in self.names))
            found = self.filled.get(key)
        except TypeError:  # a value that cannot be a key: expanded every time
            key = found = None
        if found is not None:
            return found, key
        if not rule.for_each:
            found = (_block(_substitute(rule.adds, workload, None, holders)),)
        else:
            found = tuple(_block(_substitute(rule.adds, workload, item, holders)) for item in (items or ()))
        if key is not None:
            if len(self.filled) >= 256:
                self.filled.clear()
            self.filled[key] = found
        return found, key


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
# With them, the frozen forms of the rule data's settings (see `_freeze`).
_PLANS: dict[int, tuple[tuple[Rule, ...], tuple[_Plan, ...], dict[int, tuple[Any, Any]], dict[Any, Any]]] = {}


def _plans(rules: tuple[Rule, ...]) -> tuple[tuple[_Plan, ...], dict[int, tuple[Any, Any]], dict[Any, Any]]:
    known = _PLANS.get(id(rules))
    if known is None or known[0] is not rules:
        if len(_PLANS) >= 8:
            _PLANS.clear()
        known = _PLANS[id(rules)] = (rules, tuple(_Plan(rule) for rule in rules), {}, {})
    return known[1], known[2], known[3]


def recommend(workload: Workload, rules: tuple[Rule, ...] | None = None, catalog: Catalog | None = None, *,
              prices: Callable[[str], Any] | None = None, dr_strategy: str | None = None,
              backup_method: str | None = None) -> Architecture:
    """Fire the rules against a workload and compose the architecture. With a disaster-recovery requirement, the
    architecture with each strategy is priced (`prices(region)` gives a Region's price catalog, the bundled ones
    by default) and the cheapest that meets the RPO and RTO is kept; `dr_strategy` composes one strategy's
    architecture without choosing among strategies, and for backup and restore `backup_method` names how the data
    reaches the recovery Region (else each method is priced and the cheaper kept)."""
    catalog = catalog or load_catalog()
    rules = rules if rules is not None else load_rules(catalog=catalog)
    rules = rules if isinstance(rules, tuple) else tuple(rules)
    dr_req = workload.requirements.get("disaster-recovery")
    if dr_req and dr_strategy is None:
        return _dr_choice(workload, rules, catalog, dr_req, prices)
    if dr_req and dr_strategy == BACKUP_RESTORE and backup_method is None:
        if not dr_req.get("backup_method"):
            return _backup_choice(workload, rules, catalog, prices)
        backup_method = str(dr_req["backup_method"])  # the workload's own statement wins over the price
    plans, frozen, composed = _plans(rules)
    strategy = next(s for s in catalog.dr_strategies if s.id == dr_strategy) if dr_req else None
    facts = _Facts(workload, strategy, backup_method if strategy is not None and strategy.id == BACKUP_RESTORE
                   else None)
    by_service, because_of = facts.by_service, facts.because_of
    services: dict[str, str] = {}  # component -> service, as first declared
    warnings: list[str] = []
    fired: dict[str, tuple[Block, ...]] = {}
    keys: list[tuple[str, Hashable | None]] = []  # each fired rule with the values that filled its blocks
    added: dict[str, set[str]] = {}  # component -> rules that added it
    reasons: dict[str, Any] = {}  # rule -> why it fired; service-conditioned rules' reasons grow below

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
            blocks, filled_by = plan.expand(workload)
            fired[rid] = blocks
            keys.append((rid, filled_by))
            reasons[rid] = why
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

    fired_plans = [plan for plan in plans if plan.id in fired]
    # What the fired blocks compose depends on the rules that fired, in order, and the values that filled
    # their placeholders: workloads that agree on those share one composition (settings are resolved
    # per workload below, on copies).
    key = tuple(keys) if all(k is not None for _, k in keys) else None
    made = composed.get(key) if key is not None else None
    if made is None:
        made = _compose(fired, fired_plans, services, by_service, added, warnings, frozen)
        if key is not None:
            if len(composed) >= 1024:  # the oldest goes first
                del composed[next(iter(composed))]
            composed[key] = made
    settings_of, edge_list, flows, touched, added_by, warnings_made, owners, clashes = made
    _check_overrides(clashes, {plan.id: plan.rule for plan in fired_plans})

    # Every component's settings resolved once: the rules', then the workload's usage keys, then the
    # service's defaults. The estimate and the template read nothing else.
    present = set(by_service)
    resolving = Resolving(workload, present)
    overridden: dict[str, list[str]] = {}
    components = {}
    for cid in sorted(services):
        whole = owners.get(f"{cid}.*")  # the rule whose settings the component took first, as they were
        resolved = resolve(cid, services[cid], settings_of[cid],
                           lambda key, cid=cid, whole=whole: owners.get(f"{cid}.{key}") or whole or "?",
                           resolving, overridden)
        # The values are frozen already (the composition's and the workload's); the mapping is the new part.
        components[cid] = Component(cid, services[cid], MappingProxyType(resolved.settings), added_by[cid],
                                    tuple(sorted(because_of[cid])), MappingProxyType(resolved.sources))
    _check_needs(components, edge_list, {plan.id: plan.rule for plan in fired_plans})
    # A decision is direct when the workload's own asks are among its reasons: a rule that also needs a
    # service (tracing needs something to trace) still answers the requirement that asked for it.
    decisions = tuple(
        Decision._make(plan.decision[0] + (tuple(sorted(reasons[plan.id])),) + touched[plan.id]
                       + plan.decision[1][:3]
                       + (not plan.dynamic or any(not r.startswith("service:") for r in reasons[plan.id]),))
        for plan in fired_plans
    )
    dr = None
    if strategy is not None and dr_req is not None:
        reached = strategy.rpo_minutes
        for backup in (c for c in components.values() if c.service in BACKUP_SERVICES
                       and c.settings.get("interval_hours")):
            # Backups and exports reach what their interval allows (the interval plus an hour), never better than
            # the strategy's tightest.
            reached = max(reached, worst_rpo_minutes(int(backup.settings["interval_hours"])))
        dr = DrPlan(
            strategy=strategy.id, title=strategy.title, rpo_minutes=dr_req["rpo_minutes"],
            rto_minutes=dr_req["rto_minutes"], primary_region=workload.region,
            secondary_region=dr_req.get("secondary_region") or catalog.regions[workload.region],
            recovery_region_runs=strategy.recovery_region, achieved_rpo_minutes=reached,
            achieved_rto_minutes=strategy.rto_minutes, backup_method=facts.backup_method,
        )
    return Architecture(
        workload=workload.name, region=workload.region, components=components, edges=edge_list, flows=flows,
        decisions=decisions, dr=dr, warnings=tuple(workload.warnings) + warnings_made
        + tuple(f"{text} for {', '.join(cids)}" for text, cids in overridden.items()),
    )


BUNDLED = BUNDLED_PREFIX + "-"


def _check_overrides(clashes: tuple[Clash, ...], rules: Mapping[str, Rule]) -> None:
    """An organisation's rule changes a bundled rule's setting only by replacing the rule (`replaces:`):
    a disagreement between the two is an error naming both, never a quiet win for whichever fired first."""
    problems = []
    for path, kept, other, have, value in clashes:
        pair = [rules[r] for r in (kept, other) if r in rules]
        if len(pair) != 2 or pair[0].id.startswith(BUNDLED) == pair[1].id.startswith(BUNDLED):
            continue
        own, bundled = (pair[1], pair[0]) if pair[0].id.startswith(BUNDLED) else pair
        mine, theirs = (value, have) if own.id == other else (have, value)
        problems.append(Diagnostic(own.path, own.line, 1, f"{own.id} sets {path} to {mine!r}, which bundled rule "
                                   f"{bundled.id} sets to {theirs!r}",
                                   f"to change {bundled.id}'s choice, list it under replaces: in {own.id}"))
    if problems:
        raise RuleError(problems)


def _check_needs(components: Mapping[str, Component], edges: tuple[Edge, ...], rules: Mapping[str, Rule]) -> None:
    """Every edge is one its source's service can build, and every component has the edges its service cannot
    be deployed without; else the rules that added them are at fault, and are named."""
    problems = []
    for e in edges:
        source, target = components[e.source], components[e.target]
        known = service(source.service).edges
        if (e.kind, target.service) not in known and (e.kind, source.service) not in service(target.service).accepts:
            rule = rules[e.added_by[0]]
            problems.append(Diagnostic(rule.path, rule.line, 1, f"{e.source} {e.kind} {e.target}: no {source.service} component "
                                       f"starts a {e.kind} edge to a {target.service} component",
                                       f"{source.service} components start: "
                                       + (", ".join(f"{k} {t}" for k, t in known) or "no edges")))
    for c in components.values():
        for need in service(c.service).needs:
            if not any(e.source == c.id and (e.kind, components[e.target].service) in need.edges for e in edges):
                rule = rules[c.added_by[0]]
                problems.append(Diagnostic(rule.path, rule.line, 1, f"{c.id} ({c.service}) needs {need.text()}: "
                                           f"{need.why}", f"add the component and the edge in {', '.join(c.added_by)}"))
    if problems:
        raise RuleError(problems)


def _compose(fired: dict[str, tuple[Block, ...]], fired_plans: list[_Plan], services: dict[str, str],
             by_service: dict[str, list[str]], added: dict[str, set[str]], warnings: list[str],
             frozen: dict[int, tuple[Any, Any]]) -> tuple[Any, ...]:
    """The settings, edges and flows the fired rules' blocks make, with what each rule touched, every
    warning so far and the rule that set each settings path."""
    warnings = list(warnings)
    owners: dict[str, str] = {}
    clashes: list[Clash] = []
    settings_of: dict[str, Mapping[str, Any]] = dict.fromkeys(services, _NO_SETTINGS)
    owned: set[int] = set()
    edge_settings: dict[tuple[str, str, str], Mapping[str, Any]] = {}
    edge_rules: dict[tuple[str, str, str], set[str]] = {}
    flow_state: dict[str, tuple[str, str, tuple[str, ...]]] = {}
    in_order = {service: sorted(ids) for service, ids in by_service.items()}
    touched: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for plan in fired_plans:
        rid = plan.id
        touch: set[str] = set()
        for comps, edges, flows, settings, notes in fired[rid]:
            for cid, _, extra in comps:
                if extra:
                    _settle(settings_of, cid, extra, cid, rid, owners, clashes, owned)
                touch.add(cid)
            for key, extra in edges:
                by = edge_rules.get(key)
                if by is None:
                    by = edge_rules[key] = set()
                    edge_settings[key] = _NO_SETTINGS
                by.add(rid)
                if extra:
                    _settle(edge_settings, key, extra, f"{key[0]}->{key[1]}", rid, owners, clashes, owned)
            for fid, title, steps in flows:
                if fid not in flow_state:
                    flow_state[fid] = (title, rid, steps)
            for service, pattern, extra in settings:
                for cid in in_order.get(service, ()):
                    if pattern == "*" or _matches(cid, pattern):
                        _settle(settings_of, cid, extra, cid, rid, owners, clashes, owned)
                        touch.add(cid)
            for note in notes:
                if note not in warnings:
                    warnings.append(f"{rid}: {note}")
        touched[rid] = (tuple(sorted({services[c] for c in touch})), tuple(sorted(touch)))

    frozen_settings = {cid: _freeze(settings_of[cid], owned, frozen) for cid in services}
    edge_list = tuple(
        Edge(src, dst, kind, _freeze(edge_settings[key], owned, frozen), tuple(sorted(by)))
        for key, by in sorted(edge_rules.items()) for src, dst, kind in (key,)
    )
    # Flow steps read components' ids and services alone, which the blocks decide.
    shapes = {cid: Component._make((cid, services[cid], frozen_settings[cid], (), (), {})) for cid in services}
    flows = tuple(_flow(fid, title, rule, steps, shapes, edge_list)
                  for fid, (title, rule, steps) in flow_state.items())
    flows = tuple(sorted(flows, key=lambda f: FLOW_IDS.index(f.id)))
    added_by = {cid: tuple(sorted(by)) for cid, by in added.items()}
    for path, kept, other, have, value in clashes:
        warnings.append(f"rules {kept} and {other} disagree on {path}: kept {have!r}, not {value!r}")
    return frozen_settings, edge_list, flows, touched, added_by, tuple(warnings), owners, tuple(clashes)


def _matches(name: str, pattern: str) -> bool:
    """Whether a component id matches a rule's glob (its only wildcard is `*`: component ids allow no other)."""
    return fnmatchcase(name, pattern)


def _mentions_service(cond: Condition) -> bool:
    return cond.kind == "service" or any(_mentions_service(c) for c in cond.children)


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


def _freeze(value: Any, owned: set[int], frozen: dict[int, tuple[Any, Any]]) -> Any:
    """Dicts as read-only mappings in key order and lists as tuples; the rule data's own containers
    are frozen once per rule set (`frozen`, by id, each entry keeping its object alive)."""
    shared = id(value) not in owned
    if shared:
        known = frozen.get(id(value))
        if known is not None and known[0] is value:
            return known[1]
    if isinstance(value, dict):
        out: Any = MappingProxyType({k: _freeze(v, owned, frozen) if isinstance(v, (dict, list)) else v
                                     for k, v in sorted(value.items())})
    else:
        out = tuple(_freeze(v, owned, frozen) if isinstance(v, (dict, list)) else v for v in value)
    if shared:
        if len(frozen) >= 4096:
            frozen.clear()
        frozen[id(value)] = (value, out)
    return out
