"""`advisor diff`: what changes between two versions of a design, and what the change costs.

Each version is a `Side`: its architecture (services, components, flows, decisions), its monthly estimate, and
its findings. A workload file gives a side through the one pipeline every command shares (`workload_side`);
a CloudFormation template gives one through `advisor review`, which yields the same three things (the
architecture it infers, the estimate of the template as it is, its findings), so comparing templates, or a
template with a workload, is one more constructor and not another comparison. A side without an estimate (a
template reviewed without traffic) compares everything but the cost.

Findings are matched by identity (rule, resources, property path), never by line, and only findings in force
count: one suppressed with a reason in the newer version is resolved there. Money is Decimal throughout, summed
and subtracted without rounding; the JSON carries it as unrounded decimal strings, as `cost` does.
"""

from __future__ import annotations

import re
from decimal import Context, Decimal, localcontext
from typing import TYPE_CHECKING, Any, Callable, Mapping, NamedTuple

from advisor.architecture import Architecture, Decision, Flow
from advisor.errors import UsageError
from advisor.findings import Finding, ordered

if TYPE_CHECKING:
    from advisor.costing import Estimate
    from advisor.pipeline import Outcome
    from advisor.workload import Workload

ZERO = Decimal(0)
HUNDRED = Decimal(100)
# Sums and differences of estimates, wide enough never to round (the estimate's own totals use the same width).
EXACT = Context(prec=120)
# A percentage is a ratio, not money: 28 significant digits, Python's default, and no more.
RATIO = Context(prec=28)
# As many decimals as an estimate's amounts carry, so that a limit can be any total `cost` prints.
_LIMIT = re.compile(r"\$?(\d{1,15}(?:\.\d{1,40})?)(%?)")
LIMIT_HINT = "a number of US dollars a month, such as 25 or 25.50, or a percentage of the old total, such as 10%"


class Side(NamedTuple):
    """One version of a design: where it came from, what it deploys, what it costs, what is wrong with it."""

    file: str
    kind: str  # "workload"; a reviewed template is "template"
    name: str
    arch: Architecture
    estimate: "Estimate | None"
    findings: tuple[Finding, ...] = ()
    warnings: tuple[str, ...] = ()


def workload_side(file: str, workload: "Workload", outcome: "Outcome") -> Side:
    """A workload file's side, from the pipeline's outcome (priced: `run(..., price=True)`)."""
    return Side(file, "workload", workload.name, outcome.arch, outcome.estimate, (), outcome.warnings)


def template_side(file: str, review: Any) -> Side:
    """A reviewed template's side (`advisor.review.report.run_review`): what it deploys, its cost with the
    traffic given (none without), and its findings."""
    arch = review.inferred.architecture
    return Side(file, "template", arch.workload or review.inferred.template.path, arch, review.current,
                tuple(review.findings), tuple(review.warnings))


class Limit(NamedTuple):
    """How much the monthly cost may rise: dollars, or a percentage of the old total."""

    amount: Decimal
    percent: bool
    text: str


def parse_limit(text: str) -> Limit:
    """Read a --max-increase value: `25`, `25.50`, `$25` (dollars a month) or `10%` (of the old total)."""
    match = _LIMIT.fullmatch(text.strip())
    if match is None:
        raise UsageError(f"--max-increase {text!r} is not an amount or a percentage", hint=LIMIT_HINT)
    return Limit(Decimal(match.group(1)), bool(match.group(2)), text.strip())


class CostRow(NamedTuple):
    """One service's monthly amount on each side."""

    service: str
    old: Decimal
    new: Decimal

    @property
    def delta(self) -> Decimal:
        """New minus old, exactly."""
        with localcontext(EXACT):
            return self.new - self.old


class Cost(NamedTuple):
    """The monthly cost of both sides, by service and in total."""

    currency: str
    rows: tuple[CostRow, ...]
    old: Decimal
    new: Decimal

    @property
    def delta(self) -> Decimal:
        """New total minus old total, exactly."""
        with localcontext(EXACT):
            return self.new - self.old

    @property
    def percent(self) -> Decimal | None:
        """The change as a percentage of the old total; None when the old total is zero."""
        if self.old == 0:
            return None
        with localcontext(RATIO):
            return self.delta * HUNDRED / self.old

    def exceeds(self, limit: Limit) -> bool:
        """Whether the rise is above the limit (at the limit is within it). A rise from nothing is above every
        percentage, since it is no percentage of anything."""
        if not limit.percent:
            return self.delta > limit.amount
        if self.old == 0:
            return self.delta > 0
        with localcontext(EXACT):  # compared without dividing, so no rounding decides it
            return self.delta * HUNDRED > limit.amount * self.old


class Changed(NamedTuple):
    """What was added, removed and changed in one kind of thing between the sides."""

    added: tuple[Any, ...] = ()
    removed: tuple[Any, ...] = ()
    changed: tuple[Any, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


class Diff(NamedTuple):
    """Everything that differs between two sides."""

    old: Side
    new: Side
    services: Changed
    components: Changed  # added/removed: Component; changed: (id, service, {setting: (old, new)})
    flows: Changed  # added/removed: Flow; changed: (old Flow, new Flow)
    decisions: Changed  # added/removed: Decision; changed: (old Decision, new Decision, fields that differ)
    findings: Changed  # added/removed: Finding
    cost: Cost | None

    @property
    def changed(self) -> bool:
        """Whether the design differs at all (the cost can only differ when something else does, or the prices)."""
        return any((self.services, self.components, self.flows, self.decisions, self.findings)) or (
            self.cost is not None and any(row.delta != 0 for row in self.cost.rows))


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in sorted(value.items())}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _by_key(items: Any, key: Callable[[Any], str]) -> dict[str, Any]:
    return {key(item): item for item in items}


def _components(old: Architecture, new: Architecture) -> Changed:
    added = tuple(new.components[c] for c in sorted(set(new.components) - set(old.components)))
    removed = tuple(old.components[c] for c in sorted(set(old.components) - set(new.components)))
    changed = []
    for cid in sorted(set(old.components) & set(new.components)):
        before, after = old.components[cid], new.components[cid]
        a, b = _plain(before.settings), _plain(after.settings)
        settings = {k: (a.get(k), b.get(k)) for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)}
        if before.service != after.service:
            settings = {"service": (before.service, after.service), **settings}
        if settings:
            changed.append((cid, after.service, settings))
    return Changed(added, removed, tuple(changed))


def _flow_shape(flow: Flow) -> tuple[Any, ...]:
    return (flow.title, tuple((s.label, s.components) for s in flow.steps))


def _flows(old: Architecture, new: Architecture) -> Changed:
    a, b = _by_key(old.flows, lambda f: f.id), _by_key(new.flows, lambda f: f.id)
    return Changed(
        tuple(b[k] for k in sorted(set(b) - set(a))),
        tuple(a[k] for k in sorted(set(a) - set(b))),
        tuple((a[k], b[k]) for k in sorted(set(a) & set(b)) if _flow_shape(a[k]) != _flow_shape(b[k])),
    )


DECISION_FIELDS = ("title", "pillars", "best_practices", "because", "adds", "components")


def _decisions(old: Architecture, new: Architecture) -> Changed:
    a, b = _by_key(old.decisions, lambda d: d.rule), _by_key(new.decisions, lambda d: d.rule)
    changed = []
    for rule in sorted(set(a) & set(b)):
        fields = tuple(f for f in DECISION_FIELDS if getattr(a[rule], f) != getattr(b[rule], f))
        if fields:
            changed.append((a[rule], b[rule], fields))
    return Changed(tuple(b[k] for k in sorted(set(b) - set(a))), tuple(a[k] for k in sorted(set(a) - set(b))),
                   tuple(changed))


def _findings(old: tuple[Finding, ...], new: tuple[Finding, ...]) -> Changed:
    before = {f.identity for f in old if f.in_force}
    after = {f.identity for f in new if f.in_force}
    return Changed(ordered(f for f in new if f.in_force and f.identity not in before),
                   ordered(f for f in old if f.in_force and f.identity not in after))


def _cost(old: "Estimate | None", new: "Estimate | None") -> Cost | None:
    if old is None or new is None:
        return None
    if old.currency != new.currency:
        raise UsageError(f"the estimates are in {old.currency} and {new.currency}: they cannot be compared",
                         hint="price both sides from catalogs of the same currency")
    a, b = old.by_service(), new.by_service()
    rows = tuple(CostRow(s, a.get(s, ZERO), b.get(s, ZERO)) for s in sorted(set(a) | set(b)))
    return Cost(new.currency, rows, old.total, new.total)


def compare(old: Side, new: Side) -> Diff:
    """What differs between two sides: services, components, flows, decisions, findings, and the monthly cost."""
    return Diff(
        old=old, new=new,
        services=Changed(tuple(sorted(set(new.arch.services) - set(old.arch.services))),
                         tuple(sorted(set(old.arch.services) - set(new.arch.services)))),
        components=_components(old.arch, new.arch),
        flows=_flows(old.arch, new.arch),
        decisions=_decisions(old.arch, new.arch),
        findings=_findings(old.findings, new.findings),
        cost=_cost(old.estimate, new.estimate),
    )


def check_limit(diff: Diff, limit: Limit) -> str | None:
    """Why the change breaks the limit, or None when it keeps within it. Without both estimates there is no cost
    to check: a usage error, since the check was asked for."""
    if diff.cost is None:
        raise UsageError("--max-increase needs the monthly cost of both sides",
                         hint="a template has a cost only when its traffic is known")
    if not diff.cost.exceeds(limit):
        return None
    from advisor.costviews import money

    return (f"the monthly cost rises by {money(diff.cost.delta)} ({percent_text(diff.cost.percent)}), from "
            f"{money(diff.cost.old)} to {money(diff.cost.new)}: above --max-increase {limit.text}")


# -- output -------------------------------------------------------------------------------------------------


def percent_text(value: Decimal | None) -> str:
    """A change in percent for reading: signed, two decimals; `new` when there was nothing before."""
    if value is None:
        return "new"
    from advisor.costviews import display_context

    with display_context():
        return f"{value.quantize(Decimal('0.01')):+f}%"


def signed_money(amount: Decimal) -> str:
    """A change in dollars for reading: +$1.50, -$0.25, $0.00."""
    from advisor.costviews import money

    text = money(abs(amount))
    if text == "$0.00":
        return text
    return ("+" if amount > 0 else "-") + text


def _change_text(value: Decimal) -> str:
    """A difference as unrounded decimal text; no difference is `0`, whatever the operands' exponents."""
    from advisor.pricing.base import decimal_text

    return "0" if value == 0 else decimal_text(value)


def _side_json(side: Side) -> dict[str, Any]:
    from advisor.pricing.base import decimal_text

    est = side.estimate
    return {
        "file": side.file, "kind": side.kind, "name": side.name, "region": side.arch.region,
        "services": list(side.arch.services),
        "total_monthly_usd": None if est is None else decimal_text(est.total),
        "prices": None if est is None else {"as_of": est.prices_as_of, "exact": est.exact},
        "findings": sum(1 for f in side.findings if f.in_force),
        "warnings": list(side.warnings),
    }


def _flow_json(flow: Flow) -> dict[str, Any]:
    return {"id": flow.id, "title": flow.title, "steps": [s.label for s in flow.steps],
            "components": [list(s.components) for s in flow.steps]}


def _decision_json(decision: Decision) -> dict[str, Any]:
    return {"rule": decision.rule, "title": decision.title, "because": list(decision.because),
            "components": list(decision.components)}


def _field_json(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def diff_json(diff: Diff, limit: Limit | None = None) -> dict[str, Any]:
    """The stable JSON contract of `diff --format json` (README: "Comparing two versions")."""
    from advisor.pricing.base import decimal_text

    cost = diff.cost
    out: dict[str, Any] = {
        "old": _side_json(diff.old),
        "new": _side_json(diff.new),
        "changed": diff.changed,
        "services": {"added": list(diff.services.added), "removed": list(diff.services.removed)},
        "components": {
            "added": [{"id": c.id, "service": c.service} for c in diff.components.added],
            "removed": [{"id": c.id, "service": c.service} for c in diff.components.removed],
            "changed": [{"id": cid, "service": service,
                         "settings": {k: {"old": a, "new": b} for k, (a, b) in settings.items()}}
                        for cid, service, settings in diff.components.changed],
        },
        "flows": {
            "added": [_flow_json(f) for f in diff.flows.added],
            "removed": [_flow_json(f) for f in diff.flows.removed],
            "changed": [{"id": b.id, "title": b.title, "old": _flow_json(a), "new": _flow_json(b)}
                        for a, b in diff.flows.changed],
        },
        "decisions": {
            "added": [_decision_json(d) for d in diff.decisions.added],
            "removed": [_decision_json(d) for d in diff.decisions.removed],
            "changed": [{"rule": b.rule, "title": b.title,
                         "fields": {f: {"old": _field_json(getattr(a, f)), "new": _field_json(getattr(b, f))}
                                    for f in fields}}
                        for a, b, fields in diff.decisions.changed],
        },
        "findings": {"added": [f.as_json() for f in diff.findings.added],
                     "removed": [f.as_json() for f in diff.findings.removed]},
        "cost": None if cost is None else {
            "currency": cost.currency,
            "old_monthly_usd": decimal_text(cost.old),
            "new_monthly_usd": decimal_text(cost.new),
            "delta_monthly_usd": _change_text(cost.delta),
            "delta_percent": None if cost.percent is None else _change_text(cost.percent),
            "by_service": [{"service": r.service, "old_monthly_usd": decimal_text(r.old),
                            "new_monthly_usd": decimal_text(r.new), "delta_monthly_usd": _change_text(r.delta)}
                           for r in cost.rows],
        },
        "max_increase": None,
    }
    if limit is not None:
        out["max_increase"] = {"limit": limit.text, "unit": "percent" if limit.percent else "usd",
                               "amount": decimal_text(limit.amount),
                               "exceeded": cost is not None and cost.exceeds(limit)}
    return out


def diff_view(diff: Diff, limit: Limit | None = None) -> dict[str, Any]:
    """Plain values for the text and Markdown outputs: what changed, in words, and money rounded for reading."""
    from advisor.costviews import money

    def side(s: Side) -> dict[str, Any]:
        est = s.estimate
        return {"file": "standard input" if s.file == "-" else s.file, "kind": s.kind, "name": s.name,
                "total": None if est is None else money(est.total) + ("" if est.exact else " (approximate)")}

    def steps(flow: Flow) -> str:
        return " → ".join(st.label + (f" ({', '.join(st.components)})" if st.components else "") for st in flow.steps)

    def value(v: Any) -> str:
        import json

        return "—" if v is None else json.dumps(v, ensure_ascii=False, sort_keys=True)

    cost = diff.cost
    return {
        "old": side(diff.old), "new": side(diff.new), "changed": diff.changed,
        "services_added": list(diff.services.added), "services_removed": list(diff.services.removed),
        "components_added": [f"{c.id} ({c.service})" for c in diff.components.added],
        "components_removed": [f"{c.id} ({c.service})" for c in diff.components.removed],
        "components_changed": [{"id": cid, "changes": [f"{k}: {value(a)} → {value(b)}" for k, (a, b) in s.items()]}
                               for cid, _, s in diff.components.changed],
        "flows_added": [{"id": f.id, "title": f.title, "steps": steps(f)} for f in diff.flows.added],
        "flows_removed": [{"id": f.id, "title": f.title, "steps": steps(f)} for f in diff.flows.removed],
        "flows_changed": [{"id": b.id, "title": b.title, "old": steps(a), "new": steps(b)} for a, b in diff.flows.changed],
        "decisions_added": [{"rule": d.rule, "title": d.title} for d in diff.decisions.added],
        "decisions_removed": [{"rule": d.rule, "title": d.title} for d in diff.decisions.removed],
        "decisions_changed": [{"rule": b.rule, "title": b.title, "fields": ", ".join(fields)}
                              for _, b, fields in diff.decisions.changed],
        "findings_added": [{"rule": f.rule, "resources": ", ".join(f.resources) or "template", "line": f.line,
                            "message": f.message} for f in diff.findings.added],
        "findings_removed": [{"rule": f.rule, "resources": ", ".join(f.resources) or "template", "line": f.line,
                              "message": f.message} for f in diff.findings.removed],
        "cost": None if cost is None else {
            "rows": [{"service": r.service, "old": money(r.old), "new": money(r.new), "delta": signed_money(r.delta)}
                     for r in cost.rows],
            "old": money(cost.old), "new": money(cost.new), "delta": signed_money(cost.delta),
            "percent": percent_text(cost.percent),
        },
        "limit": None if limit is None or cost is None else {
            "text": limit.text, "exceeded": cost.exceeds(limit)},
    }


def diff_text(view: Mapping[str, Any]) -> str:
    """The plain-text report of a diff, from its view: one section per kind of change, then the cost table."""
    old, new = view["old"], view["new"]
    out = [f"{old['file']} ({old['name']}) → {new['file']} ({new['name']})", ""]

    def section(title: str, lines: list[str]) -> None:
        if lines:
            out.extend([title] + [f"  {line}" for line in lines] + [""])

    section("Services", [f"+ {s}" for s in view["services_added"]] + [f"- {s}" for s in view["services_removed"]])
    section("Components", [f"+ {c}" for c in view["components_added"]] + [f"- {c}" for c in view["components_removed"]]
            + [f"~ {c['id']}: {change}" for c in view["components_changed"] for change in c["changes"]])
    section("Flows", [f"+ {f['id']}: {f['steps']}" for f in view["flows_added"]]
            + [f"- {f['id']}: {f['steps']}" for f in view["flows_removed"]]
            + [line for f in view["flows_changed"] for line in (f"~ {f['id']}: {f['old']}", f"  now: {f['new']}")])
    section("Decisions", [f"+ {d['rule']} {d['title']}" for d in view["decisions_added"]]
            + [f"- {d['rule']} {d['title']}" for d in view["decisions_removed"]]
            + [f"~ {d['rule']} {d['title']} ({d['fields']})" for d in view["decisions_changed"]])
    section("Findings", [f"+ {f['rule']} {f['resources']} (line {f['line']}): {f['message']}" for f in view["findings_added"]]
            + [f"- {f['rule']} {f['resources']} (line {f['line']}): {f['message']} (resolved)"
               for f in view["findings_removed"]])
    if not view["changed"]:
        out.extend(["No change in services, components, flows, decisions, findings or cost.", ""])
    cost = view["cost"]
    if cost is None:
        out.append("Cost: not compared (a side has no estimate).")
    else:
        table = [("service", "old", "new", "change")] + [(r["service"], r["old"], r["new"], r["delta"])
                                                         for r in cost["rows"]]
        table.append(("total", cost["old"], cost["new"], f"{cost['delta']} ({cost['percent']})"))
        widths = [max(len(row[i]) for row in table) for i in range(4)]
        out.append("Monthly cost (USD)")
        for i, row in enumerate(table):
            if i == len(table) - 1:
                out.append("  " + "  ".join("-" * w for w in widths))
            out.append("  " + "  ".join(cell.ljust(w) if j == 0 else cell.rjust(w) for j, (cell, w)
                                        in enumerate(zip(row, widths))).rstrip())
        for label, s in (("old", old), ("new", new)):
            if s["total"].endswith("(approximate)"):
                out.append(f"  the {label} total is approximate: some prices are another Region's")
    limit = view["limit"]
    if limit is not None:
        out.append(f"--max-increase {limit['text']}: " + ("exceeded" if limit["exceeded"] else "within the limit"))
    return "\n".join(out).rstrip("\n") + "\n"
