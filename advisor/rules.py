"""Rule files: one Well-Architected decision per YAML file, strictly validated on load.

A rule never holds code.  Its `when` is built from a fixed vocabulary:

    {problem: ID}                      the workload names the problem
    {requirement: ID}                  the requirement is in force (stated, or implied by a problem)
    {param: REQ.NAME, OP: VALUE}       a requirement parameter compared with OP, one of
                                       equals, at_most, at_least, below, above, contains, present
    {service: ID}                      the architecture so far has a component of the service
    {dr_strategy: ID}                  the disaster-recovery strategy chosen for the objectives
    {backup_method: ID}                how backup and restore keeps the data in the recovery Region
                                       (the catalog's backup_methods; advisor prices each)
    {payload_over_quota: ID}           the workload's request body (`traffic.request_kb`) is larger
                                       than the largest message the service carries (its
                                       declaration's `message_kb`)
    {all: [...]}, {any: [...]}, {not: {...}}

`service` conditions may not stand under `not`, so that firing is monotonic and
the engine's fixpoint does not depend on rule order.

A rule may also say what `advisor review` reports when a template lacks what the rule gives:

    review:
      check: queue-without-dlq         a check kind (advisor/review/checks.py holds each kind's logic)
      problem: single-point-of-failure the seed problem its findings signal
      severity: warning                error, warning or note
      message: "Queue {resource} ..."  what is wrong, and
      fix: "..."                       how to fix it; {placeholders} are the kind's (resource, resources,
                                       count, type, and the kind's own)

A rule with a `review:` block may leave out `when` and `adds`: it is a review-only rule, which checks
templates and never fires in `recommend`.
"""

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, NamedTuple

from advisor.architecture import EDGE_KINDS, FLOW_IDS, PSEUDO_STEPS
from advisor.catalog import Catalog, load_catalog
from advisor.errors import Diagnostic, RuleError
from advisor.resources import data_dir
from advisor.spec import INVALID, Ctx, Field, ListOf, Obj, Spec, Str, did_you_mean
from advisor.workload import requirement_specs
from advisor.yamlsafe import Node, YamlProblem, load_file

RULE_ID = r"[A-Z][A-Z0-9]{1,9}-[ORSPCU]\d{3}"
BUNDLED_PREFIX = "ADV"  # reserved for the rules that ship with advisor
PILLAR_LETTER = {
    "operational-excellence": "O", "security": "S", "reliability": "R",
    "performance-efficiency": "P", "cost-optimization": "C", "sustainability": "U",
}
COMPONENT_ID = r"[a-z][a-z0-9]*:[a-z0-9{}*-]+"
OPS = ("equals", "at_most", "at_least", "below", "above", "contains", "present")
CONDITION_KINDS = ("problem", "requirement", "param", "service", "dr_strategy", "backup_method", "payload_over_quota",
                   "all", "any", "not")
PLACEHOLDER = re.compile(r"\{([a-z0-9_.-]+)(?:\|([^}]*))?\}")


class Condition(NamedTuple):
    """One node of a rule's `when` tree."""

    kind: str  # one of CONDITION_KINDS
    value: Any = None
    op: str | None = None
    operand: Any = None
    children: tuple["Condition", ...] = ()


class Review(NamedTuple):
    """A rule's check mode: the check kind, the problem and severity of its findings, their message and fix."""

    check: str
    problem: str
    severity: str
    message: str
    fix: str


# The `when` of a review-only rule: an empty `any`, which a rule file cannot write, never holds.
NEVER = Condition("any")


class Rule(NamedTuple):
    """A validated rule file."""

    id: str
    title: str
    pillars: tuple[str, ...]
    best_practices: tuple[str, ...]
    when: Condition
    for_each: str | None
    adds: Mapping[str, Any]
    rationale: str
    tradeoffs: str
    source: str
    path: str
    replaces: tuple[str, ...] = ()
    line: int = 1
    review: Review | None = None

    @property
    def review_only(self) -> bool:
        """Whether the rule only checks templates (`advisor review`) and never fires in `recommend`."""
        return self.when == NEVER


class _CondSpec(Spec):
    """Validates a condition mapping into a Condition."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.params = {rid: spec.fields for rid, spec in requirement_specs(catalog).items()}

    def check(self, node: Node, ctx: Ctx, path: str, *, negated: bool = False) -> Any:
        if node.kind != "map" or not node.value:
            return ctx.error(node, path, "a condition is a mapping such as {problem: scalability-issues}")
        kinds = [k for k in node.value if k in CONDITION_KINDS]
        if len(kinds) != 1:
            key = next(iter(node.value))
            hint = ctx.suggest(key, CONDITION_KINDS)
            return ctx.error(node.keys[key] if not kinds else node, path,
                             "a condition needs exactly one of " + ", ".join(CONDITION_KINDS), hint)
        kind = kinds[0]
        child = node.value[kind]
        extra = [k for k in node.value if k != kind]
        if kind != "param" and extra:
            return ctx.error(node.keys[extra[0]], f"{path}.{extra[0]}", f"unexpected key {extra[0]!r} in a {kind} condition")
        if kind in ("all", "any"):
            if child.kind != "seq" or not child.value:
                return ctx.error(child, f"{path}.{kind}", "expected a non-empty list of conditions")
            parts = [self.check(c, ctx, f"{path}.{kind}[{i}]", negated=negated) for i, c in enumerate(child.value)]
            if any(p is INVALID for p in parts):
                return INVALID
            return Condition(kind, children=tuple(parts))
        if kind == "not":
            inner = self.check(child, ctx, f"{path}.not", negated=True)
            return INVALID if inner is INVALID else Condition("not", children=(inner,))
        vocab: dict[str, Mapping[str, Any]] = {
            "problem": self.catalog.problems, "requirement": self.catalog.requirements,
            "service": self.catalog.services, "dr_strategy": {d.id: d for d in self.catalog.dr_strategies},
            "backup_method": self.catalog.backup_methods,
        }
        if kind in vocab:
            value = Str(enum=tuple(vocab[kind]), what=kind.replace("_", " ")).check(child, ctx, f"{path}.{kind}")
            if value is INVALID:
                return INVALID
            if kind == "service" and negated:
                return ctx.error(child, f"{path}.{kind}", "a service condition cannot stand under `not`",
                                 "firing must stay monotonic; test a problem or requirement instead")
            return Condition(kind, value)
        if kind == "payload_over_quota":
            return self._quota(child, ctx, f"{path}.{kind}")
        # param
        name = Str().check(child, ctx, f"{path}.param")
        if name is INVALID:
            return INVALID
        req, _, param = name.partition(".")
        if req not in self.params:
            return ctx.error(child, f"{path}.param", f"unknown requirement {req!r}", ctx.suggest(req, list(self.params)))
        if param not in self.params[req]:
            return ctx.error(child, f"{path}.param", f"requirement {req!r} has no parameter {param!r}",
                             ctx.suggest(param, list(self.params[req])) or
                             ("parameters: " + ", ".join(self.params[req]) if self.params[req] else "it has no parameters"))
        ops = [k for k in extra]
        if len(ops) != 1 or ops[0] not in OPS:
            bad = ops[0] if ops else "param"
            return ctx.error(node.keys[bad], path, "a param condition needs exactly one operator: " + ", ".join(OPS),
                             ctx.suggest(bad, OPS) if ops else None)
        operand = node.value[ops[0]].plain()
        if ops[0] in ("at_most", "at_least", "below", "above") and (isinstance(operand, bool) or not isinstance(operand, (int, float))):
            return ctx.error(node.value[ops[0]], f"{path}.{ops[0]}", "expected a number")
        return Condition("param", name, ops[0], operand)

    def _quota(self, child: Node, ctx: Ctx, path: str) -> Any:
        """A service whose declaration states a message quota: the threshold is that quota, never a number in
        the rule, so the rule and the estimate's limit cannot drift apart."""
        from advisor.services import MODULES, service

        quoted = tuple(s for s in self.catalog.services if s in MODULES and service(s).message_kb is not None)
        value = Str(enum=quoted, what="service with a message quota").check(child, ctx, path)
        return INVALID if value is INVALID else Condition("payload_over_quota", value)

    def schema(self) -> dict[str, Any]:
        return {"type": "object"}


_REVIEW_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


class _ReviewSpec(Spec):
    """A rule's `review:` block: a registered check kind, a catalog problem, a severity, and a message and a fix
    whose placeholders are the kind's."""

    def __init__(self, catalog: Catalog) -> None:
        from advisor.review.kinds import KINDS, SEVERITIES

        self.kinds = KINDS
        text = Str(max_length=1000)
        self.obj = Obj({
            "check": Field(Str(enum=tuple(sorted(KINDS)), what="check kind",
                               enum_hint=lambda v, ctx: ctx.suggest(v, list(KINDS))
                               or "check kinds: " + ", ".join(sorted(KINDS))), True),
            "problem": Field(Str(enum=tuple(catalog.problems), what="problem"), True),
            "severity": Field(Str(enum=SEVERITIES, what="severity"), True),
            "message": Field(text, True),
            "fix": Field(text, True),
        }, what="review key")

    def check(self, node: Node, ctx: Ctx, path: str) -> Any:
        raw = self.obj.check(node, ctx, path)
        if raw is INVALID:
            return INVALID
        allowed = self.kinds[raw["check"]].placeholders
        before = len(ctx.diagnostics)
        for key in ("message", "fix"):
            text, where, at = raw[key], node.value[key], f"{path}.{key}"
            for name in _REVIEW_PLACEHOLDER.findall(text):
                if name not in allowed:
                    ctx.error(where, at, f"unknown placeholder {{{name}}} for check {raw['check']}",
                              ctx.suggest(name, allowed) or "placeholders: " + ", ".join("{%s}" % p for p in allowed))
            rest = _REVIEW_PLACEHOLDER.sub("", text)
            if "{" in rest or "}" in rest:
                ctx.error(where, at, "a brace that is not a {placeholder}",
                          "placeholders are lowercase names in braces, such as {resource}")
            if not text.strip():
                ctx.error(where, at, "empty text")
        ok = len(ctx.diagnostics) == before
        if not ok:
            return INVALID
        return Review(raw["check"], raw["problem"], raw["severity"], " ".join(raw["message"].split()),
                      " ".join(raw["fix"].split()))

    def schema(self) -> dict[str, Any]:
        return self.obj.schema()


class _FreeMap(Spec):
    """Settings: any mapping with slug keys and plain values."""

    def check(self, node: Node, ctx: Ctx, path: str) -> Any:
        if node.kind != "map":
            return ctx.error(node, path, "expected a mapping of settings")
        bad = [k for k in node.value if not re.fullmatch(r"[a-z][a-z0-9_]*", k)]
        for key in bad:
            ctx.error(node.keys[key], f"{path}.{key}", f"setting names are snake_case words, not {key!r}")
        return INVALID if bad else node.plain()

    def schema(self) -> dict[str, Any]:
        return {"type": "object"}


@lru_cache(maxsize=4)
def _rule_spec(catalog: Catalog) -> Obj:
    text = Str(max_length=2000)
    comp = Str(pattern=COMPONENT_ID, pattern_hint="component ids look like kind:name, e.g. queue:ingest")
    services = tuple(catalog.services)
    return Obj({
        "id": Field(Str(pattern=RULE_ID, pattern_hint="rule ids look like ADV-R001: a prefix, a pillar letter, "
                        "three digits"), True),
        "replaces": Field(ListOf(Str(pattern=RULE_ID, pattern_hint="the id of a bundled rule, e.g. ADV-R007"),
                                 min_items=1, unique=True)),
        "title": Field(Str(max_length=120), True),
        "pillars": Field(ListOf(Str(enum=tuple(catalog.pillars), what="pillar"), min_items=1, unique=True), True),
        "best_practices": Field(ListOf(Str(enum=tuple(catalog.best_practices), what="best practice",
                                           enum_hint=lambda v, ctx: ctx.suggest(v, list(catalog.best_practices))
                                           or "add it to rules/best-practices.yaml with its title and page"),
                                       min_items=1, unique=True), True),
        "when": Field(_CondSpec(catalog)),  # required unless the rule has a review: block
        "for_each": Field(Str(enum=("decoupling.consumers", "real-time-updates.subscribers"))),
        "adds": Field(Obj({
            "components": Field(ListOf(Obj({
                "id": Field(comp, True),
                "service": Field(Str(enum=services, what="service"), True),
                "settings": Field(_FreeMap()),
            }))),
            "edges": Field(ListOf(Obj({
                "from": Field(comp, True), "to": Field(comp, True),
                "kind": Field(Str(enum=EDGE_KINDS, what="edge kind"), True),
                "settings": Field(_FreeMap()),
            }))),
            "flows": Field(ListOf(Obj({
                "id": Field(Str(enum=FLOW_IDS, what="flow"), True),
                "title": Field(Str(max_length=120), True),
                "steps": Field(ListOf(Str(pattern=COMPONENT_ID + "|" + "|".join(PSEUDO_STEPS),
                                          pattern_hint="a component id, a glob such as queue:consumer-*, or one of "
                                          + ", ".join(PSEUDO_STEPS)), min_items=2), True),
            }))),
            "settings": Field(ListOf(Obj({
                "service": Field(Str(enum=services, what="service"), True),
                "components": Field(Str(pattern=COMPONENT_ID, pattern_hint="a component id or glob, e.g. table:*")),
                "set": Field(_FreeMap(), True),
            }))),
            "warnings": Field(ListOf(Str(max_length=500))),
        }, what="adds key")),  # required unless the rule has a review: block
        "rationale": Field(text, True),
        "tradeoffs": Field(text, True),
        "source": Field(Str(pattern=r"https://\S+", pattern_hint="a documentation URL starting with https://"), True),
        "review": Field(_ReviewSpec(catalog)),
    }, what="rule key")


def _cross_checks(rule: dict[str, Any], node: Node, path: str, ctx: Ctx, catalog: Catalog, bundled: bool) -> None:
    """Checks that span fields: file placement, letters, self-contained edges and flows."""
    file = Path(path)
    primary = rule["pillars"][0]
    prefix, _, number = rule["id"].partition("-")
    if number[0] != PILLAR_LETTER[primary]:
        ctx.error(node.value["id"], "id", f"rule id letter {number[0]!r} does not match its first pillar {primary!r}",
                  f"use {prefix}-{PILLAR_LETTER[primary]}NNN")
    if bundled and prefix != BUNDLED_PREFIX:
        ctx.error(node.value["id"], "id", f"bundled rule ids start with {BUNDLED_PREFIX}-")
    if not bundled and prefix == BUNDLED_PREFIX:
        ctx.error(node.value["id"], "id", f"the {BUNDLED_PREFIX}- prefix is reserved for bundled rules",
                  f"use your organisation's prefix, e.g. ACME-{number}; to override {rule['id']}, "
                  f"list it under replaces:")
    if bundled and "replaces" in rule:
        ctx.error(node.keys["replaces"], "replaces", "bundled rules replace nothing")
    if file.stem != rule["id"]:
        ctx.error(node.value["id"], "id", f"file name {file.name!r} does not match the id {rule['id']!r}",
                  f"rename the file to {rule['id']}.yaml")
    if file.parent.name != primary:
        ctx.error(node.value["pillars"], "pillars", f"the rule sits in {file.parent.name}/ but its first pillar is {primary!r}",
                  f"move it to rules/{primary}/")
    if "adds" not in rule:  # a review-only rule
        if "for_each" in rule:
            ctx.error(node.keys["for_each"], "for_each", "a review-only rule adds nothing to repeat",
                      "remove for_each, or give the rule when and adds")
        return
    adds = rule["adds"]
    ids = {c["id"] for c in adds.get("components", [])}
    adds_node = node.value["adds"]
    for index, edge in enumerate(adds.get("edges", [])):
        for end in ("from", "to"):
            if edge[end] not in ids:
                ctx.error(adds_node.value["edges"].value[index].value[end], f"adds.edges[{index}].{end}",
                          f"edge end {edge[end]!r} is not among this rule's components",
                          "list every component an edge touches under adds.components")
    for index, flow in enumerate(adds.get("flows", [])):
        for step_index, step in enumerate(flow["steps"]):
            if step in PSEUDO_STEPS or "*" in step:
                continue
            if step not in ids:
                ctx.error(adds_node.value["flows"].value[index].value["steps"].value[step_index],
                          f"adds.flows[{index}].steps[{step_index}]", f"step {step!r} is not among this rule's components")
    _check_settings(adds, adds_node, ctx)
    has_item = "{item}" in repr(adds)
    if has_item and not rule.get("for_each"):
        ctx.error(adds_node, "adds", "{item} is used but the rule has no for_each")
    for match in PLACEHOLDER.finditer(repr(adds)):
        name = match.group(1)
        if name == "item":
            continue
        head, _, tail = name.partition(".")
        known = {"traffic", "data", "workload"} | set(catalog.requirements)
        if head not in known or not tail or (head == "workload" and tail not in ("region", "name", "secondary_region")):
            ctx.error(adds_node, "adds", f"unknown placeholder {{{name}}}",
                      "placeholders are {item}, {traffic.KEY}, {data.KEY}, {workload.region} or {REQUIREMENT.PARAM}")


def _check_settings(adds: dict[str, Any], adds_node: Node, ctx: Ctx) -> None:
    """Every setting a rule gives is one its service declares, within the service's limits."""
    from advisor.services import check_settings

    places = [(f"adds.components[{i}].settings", c["service"], c.get("settings") or {},
               adds_node.value["components"].value[i]) for i, c in enumerate(adds.get("components", ()))]
    places += [(f"adds.settings[{i}].set", c["service"], c["set"], adds_node.value["settings"].value[i])
               for i, c in enumerate(adds.get("settings", ()))]
    for path, service_id, settings, node in places:
        if not settings:
            continue
        held = node.value["settings" if path.endswith(".settings") else "set"]
        for key, unknown, problem, hint in check_settings(service_id, settings):
            where = held.keys.get(key, held) if unknown else held.value.get(key, held)
            ctx.error(where, f"{path}.{key}", problem, hint)


def load_rule(path: Path, catalog: Catalog, *, bundled: bool = True) -> Rule:
    """Load and validate one rule file (bundled, or from an organisation's own folder)."""
    try:
        node = load_file(str(path), stdin_hint=False)
    except YamlProblem as problem:
        raise RuleError([problem.diagnostic]) from None
    ctx = Ctx(str(path))
    if node.kind == "map" and "review" not in node.value:
        for key in ("when", "adds"):
            if key not in node.value:
                ctx.error(node, "", f"missing required rule key {key!r}",
                          "only a review-only rule (one with a review: block) leaves out when and adds")
    elif node.kind == "map" and ("when" in node.value) != ("adds" in node.value):
        key = "adds" if "when" in node.value else "when"
        ctx.error(node, "", f"missing required rule key {key!r}",
                  "a rule that fires in recommend has both when and adds; a review-only rule has neither")
    raw = _rule_spec(catalog).check(node, ctx, "")
    if raw is not INVALID:
        _cross_checks(raw, node, str(path), ctx, catalog, bundled)
    if raw is INVALID or ctx.diagnostics:
        raise RuleError(ctx.diagnostics)
    return Rule(
        id=raw["id"], title=raw["title"], pillars=tuple(raw["pillars"]),
        best_practices=tuple(raw["best_practices"]), when=raw.get("when", NEVER), for_each=raw.get("for_each"),
        adds=raw.get("adds", {}), rationale=raw["rationale"].strip(), tradeoffs=raw["tradeoffs"].strip(),
        source=raw["source"], path=str(path), replaces=tuple(raw.get("replaces", ())),
        line=node.value["id"].line, review=raw.get("review"),
    )


def rule_files(root: Path) -> list[Path]:
    """Every rule file under a rules folder (one folder per pillar; other folders, such as tests/, are not rules).

    A pillar folder that cannot be listed (no permission, a symbolic link loop) is a RuleError naming it.
    """
    found = []
    for pillar in sorted(PILLAR_LETTER):
        try:  # listed rather than globbed: Path.glob compiles a pattern on every cold start
            names = os.listdir(root / pillar)
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError as exc:
            raise RuleError([_folder_problem(root / pillar, exc)]) from None
        found += [root / pillar / name for name in names if name.endswith(".yaml")]
    return sorted(found)


def _folder_problem(folder: Path, exc: OSError) -> Diagnostic:
    import errno

    if exc.errno == errno.ELOOP:
        return Diagnostic(str(folder), 1, 1, "symbolic link loop", "fix or remove the link")
    return Diagnostic(str(folder), 1, 1, f"cannot read the rules folder: {exc.strerror}",
                      "check the folder's permissions")


def _rules_folder(given: Path) -> Path | Diagnostic:
    """An organisation's rules folder, resolved, or the reason it cannot be used."""
    try:
        os.stat(given)
    except OSError as exc:
        if isinstance(exc, FileNotFoundError):
            return Diagnostic(str(given), 1, 1, "rules folder not found",
                              "--rules and ADVISOR_RULES name folders of <pillar>/<ID>.yaml files")
        return _folder_problem(given, exc)
    try:
        return Path(given).resolve()
    except (OSError, RuntimeError):  # Python 3.11 raises RuntimeError on a symbolic link loop
        return Diagnostic(str(given), 1, 1, "symbolic link loop", "fix or remove the link")


def load_rules(root: Path | None = None, catalog: Catalog | None = None) -> tuple[Rule, ...]:
    """Load every rule under a folder; all problems across all files are reported together."""
    return _load_rules(root or data_dir("rules"), catalog or load_catalog())


@lru_cache(maxsize=8)
def _load_rules(root: Path, catalog: Catalog) -> tuple[Rule, ...]:
    return load_rules_uncached(root, catalog)


def load_rule_set(extra: tuple[Path, ...] = (), root: Path | None = None,
                  cache: Path | None = None) -> tuple[Catalog, tuple[Rule, ...]]:
    """The catalog and the rules: the bundled ones, plus any organisation folders in `extra`.

    With `cache`, a folder, the validated bundled set is read from and kept there (see `rulecache`).
    """
    root = root or data_dir("rules")
    if not extra and cache is not None:
        return _cached_rule_set(root, cache)
    catalog = load_catalog(root)
    if not extra:
        return catalog, load_rules(root, catalog)
    folders = [_rules_folder(Path(p)) for p in extra]
    problems = [f for f in folders if isinstance(f, Diagnostic)]
    if problems:
        raise RuleError(problems)
    return catalog, load_rules_uncached(root, catalog, tuple(f for f in folders if isinstance(f, Path)))


@lru_cache(maxsize=4)
def _cached_rule_set(root: Path, cache: Path) -> tuple[Catalog, tuple[Rule, ...]]:
    from advisor import rulecache

    entry = rulecache.key(root)
    found = rulecache.read(cache, root, entry)
    if found is not None:
        return found
    catalog = load_catalog(root)
    rules = load_rules(root, catalog)
    rulecache.write(cache, root, entry, catalog, rules)
    return catalog, rules


def load_rules_uncached(root: Path, catalog: Catalog, extra: tuple[Path, ...] = ()) -> tuple[Rule, ...]:
    """Load the bundled rules and any organisation folders, reading the files again.

    An organisation's rule joins the bundled ones; it takes a bundled rule's place only by
    naming it under `replaces:`.  Every problem across every file is reported together.
    """
    diagnostics: list[Diagnostic] = []
    rules: dict[str, Rule] = {}
    for folder, bundled in [(root, True)] + [(Path(p), False) for p in extra]:
        if not bundled and not folder.is_dir():
            diagnostics.append(Diagnostic(str(folder), 1, 1, "rules folder not found",
                                          "--rules and ADVISOR_RULES name folders of <pillar>/<ID>.yaml files"))
            continue
        try:
            paths = rule_files(folder)
        except RuleError as exc:
            diagnostics.extend(exc.diagnostics)
            continue
        for path in paths:
            try:
                rule = load_rule(path, catalog, bundled=bundled)
            except RuleError as exc:
                diagnostics.extend(exc.diagnostics)
                continue
            if rule.id in rules:
                diagnostics.append(Diagnostic(str(path), rule.line, 1, f"duplicate rule id {rule.id!r}",
                                              f"already used by {rules[rule.id].path}; ids are never reused"))
                continue
            rules[rule.id] = rule
    replaced: dict[str, Rule] = {}
    for rule in sorted(rules.values(), key=lambda r: r.id):
        for target in rule.replaces:
            other = rules.get(target)
            if other is None or not other.id.startswith(BUNDLED_PREFIX + "-"):
                bundled_ids = [r for r in rules if r.startswith(BUNDLED_PREFIX + "-")]
                diagnostics.append(Diagnostic(rule.path, rule.line, 1, f"replaces unknown bundled rule {target!r}",
                                              did_you_mean(target, bundled_ids)))
            elif target in replaced:
                diagnostics.append(Diagnostic(rule.path, rule.line, 1,
                                              f"{target} is already replaced by {replaced[target].id}",
                                              "one organisation rule per bundled rule"))
            else:
                replaced[target] = rule
    if diagnostics:
        raise RuleError(diagnostics)
    return tuple(sorted((r for r in rules.values() if r.id not in replaced), key=lambda r: r.id))
