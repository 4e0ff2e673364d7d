"""The review of one template: what it deploys (the inferred architecture), what advisor could not read, the
proposal for the workload, and the monthly cost of both when the traffic is known.

`run_review` is the one path `advisor review` takes; `review_json` is its JSON contract (see the README),
`review_text` and `review_markdown` its other views. The core stays pure: the command line reads the files
and the environment, and prints.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Callable, Mapping, NamedTuple, Sequence

from advisor.architecture import Architecture
from advisor.review.infer import Inferred, infer
from advisor.review.template import load_template, parse_template, plain

if TYPE_CHECKING:
    from advisor.costing import Estimate
    from advisor.rules import Rule
    from advisor.workload import Workload

NO_TRAFFIC = "no traffic given: pass --workload or --usage to price the template"


class Review(NamedTuple):
    """Everything `advisor review` found for one template."""

    inferred: Inferred
    workload: "Workload | None"        # the traffic the template is priced with, when given
    proposal: Architecture | None      # the recommendation for the workload, when one is given
    current: "Estimate | None"
    proposed: "Estimate | None"
    findings: tuple[Any, ...] = ()
    warnings: tuple[str, ...] = ()
    questions: tuple[Any, ...] = ()  # what the checks could judge only with traffic, when none was given

    @property
    def in_force(self) -> tuple[Any, ...]:
        """The findings that count: not suppressed with a reason."""
        return tuple(f for f in self.findings if f.in_force)


def run_review(path: str, *, workload: "Workload | None", proposal: Architecture | None,
               find_prices: "Callable[[str], Any]", parameters: Mapping[str, Any] | None = None,
               free_tier: bool = False, data: bytes | None = None, template_region: bool = False,
               rules: "Sequence[Rule] | None" = None) -> Review:
    """Read a template (the file at `path`, or `data` read elsewhere and named `path`), infer its architecture
    and, with traffic, price it as it is and the proposal. The workload's Region is the template's when
    `template_region` (traffic that names none). The rules with a `review:` block (`rules`, else the bundled
    set) check the template; those that need traffic to judge only ask, unless the workload gives it."""
    region = workload.region if workload is not None and not template_region else None
    template = (load_template(path, parameters=parameters, region=region) if data is None else
                parse_template(data, path, parameters=parameters, region=region))
    if workload is not None and template_region:
        workload = workload._replace(region=template.region)
    inferred = infer(template)
    warnings = list(inferred.warnings)
    current = proposed = None
    if workload is not None:
        from advisor.costing import estimate
        from advisor.pricing.errors import PriceNotFound

        arch = inferred.architecture._replace(workload=workload.name, region=workload.region)
        try:
            prices = find_prices(workload.region)
            current = estimate(workload, arch, prices, free_tier=free_tier)
            if proposal is not None:
                proposed = estimate(workload, proposal, prices, free_tier=free_tier)
        except PriceNotFound as exc:  # a Region, or a price, the catalog lacks: the review stands without a cost
            current = proposed = None
            warnings.append(f"not priced: {exc.message}")
        else:
            warnings += [w for w in current.warnings if w not in warnings]
    from advisor.review.checks import run_checks

    checked = run_checks(template, dict(workload.traffic) if workload is not None else None, rules)
    return Review(inferred, workload, proposal, current, proposed, checked.findings, tuple(dict.fromkeys(warnings)),
                  checked.questions)


# --- JSON ----------------------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in sorted(value.items())}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _money(value: Decimal | None) -> str | None:
    from advisor.pricing.base import decimal_text

    return None if value is None else decimal_text(value)


def review_json(review: Review) -> dict[str, Any]:
    """The stable JSON contract of `review --format json`."""
    inferred = review.inferred
    template = inferred.template
    arch = inferred.architecture
    resources = template.resources
    return {
        "template": template.path,
        "read": {
            "format": template.format,
            "sam": template.sam,
            "region": template.region,
            "resources": len(resources),
            "parameters": {p.name: {"value": plain(p.value), "source": p.source}
                           for p in template.parameters.values()},
            "conditions": dict(sorted(template.conditions.items())),
            "not_deployed": [{"logical_id": lid, "type": r.type, "line": r.line, "condition": r.condition}
                             for lid, r in template.dropped.items()],
        },
        "architecture": {
            "components": [
                {"id": c.id, "service": c.service, "settings": _plain(c.settings), "sources": _plain(c.sources),
                 "line": inferred.line_of(c.id),
                 "resources": [{"logical_id": lid, "type": resources[lid].type, "line": resources[lid].line,
                                "part": inferred.parts[lid].role if lid in inferred.parts else ""}
                               for lid in inferred.resources.get(c.id, ())]}
                for c in arch.components.values()],
            "edges": [{"from": e.source, "to": e.target, "kind": e.kind, "settings": _plain(e.settings)}
                      for e in arch.edges],
        },
        "findings": [f.as_json() for f in review.findings],
        "questions": [q.as_json() for q in review.questions],
        "not_understood": [{"logical_id": n.logical_id, "type": n.type, "line": n.line, "why": n.why}
                           for n in inferred.not_understood],
        "proposal": _proposal_json(review.proposal),
        "cost": cost_json(review),
        "warnings": list(review.warnings),
    }


def _proposal_json(arch: Architecture | None) -> dict[str, Any]:
    if arch is None:
        return {"services": [], "flows": [], "decisions": []}
    from advisor.architecture import to_json

    out = to_json(arch)
    return {"services": out["services"], "flows": out["flows"], "decisions": out["decisions"]}


def cost_lines(review: Review) -> list[dict[str, Any]]:
    """The template's cost lines against the proposal's, by service, component and item, with the delta."""
    from decimal import localcontext

    from advisor.costing import EXACT

    rows: dict[tuple[str, str, str], list[Decimal | None]] = {}
    for index, estimate in enumerate((review.current, review.proposed)):
        for line in estimate.lines if estimate is not None else ():
            key = (line.service, line.component or "", line.item)
            row = rows.setdefault(key, [None, None])
            with localcontext(EXACT):
                row[index] = (row[index] or Decimal(0)) + line.monthly_usd
    out = []
    for (service, component, item), (current, proposed) in sorted(rows.items()):
        with localcontext(EXACT):
            delta = (proposed or Decimal(0)) - (current or Decimal(0)) if review.proposed is not None else None
        out.append({"service": service, "component": component, "item": item, "current_usd": _money(current),
                    "proposed_usd": _money(proposed), "delta_usd": _money(delta)})
    return out


def cost_json(review: Review) -> dict[str, Any]:
    """The `cost` section: totals, lines side by side, and both estimates as `advisor cost` writes them."""
    current, proposed = review.current, review.proposed
    if current is None and proposed is None:
        return {"current_monthly_usd": None, "proposed_monthly_usd": None, "delta_monthly_usd": None, "lines": [],
                "current": None, "proposed": None}
    from advisor.costviews import estimate_json

    delta = None
    if current is not None and proposed is not None:
        from decimal import localcontext

        from advisor.costing import EXACT

        with localcontext(EXACT):
            delta = proposed.total - current.total
    return {
        "current_monthly_usd": _money(current.total) if current else None,
        "proposed_monthly_usd": _money(proposed.total) if proposed else None,
        "delta_monthly_usd": _money(delta),
        "lines": cost_lines(review),
        "current": estimate_json(current, warnings=list(current.warnings)) if current else None,
        "proposed": estimate_json(proposed, warnings=list(proposed.warnings)) if proposed else None,
    }


# --- text and Markdown ---------------------------------------------------------------------------------------


def _usd(text: str | None) -> str:
    if text is None:
        return "—"
    from advisor.pricing.base import to_cents

    return f"${to_cents(Decimal(text)):,}"


def review_text(review: Review) -> str:
    """The review as plain text, for a terminal or a log."""
    doc = review_json(review)
    read = doc["read"]
    arch = doc["architecture"]
    out = [f"{doc['template']}: {read['resources']} resources ({read['format'].upper()}"
           f"{', SAM expanded' if read['sam'] else ''}, {read['region']}): {len(arch['components'])} components, "
           f"{len(arch['edges'])} edges, {len(doc['not_understood'])} not understood", "", "Components:"]
    for c in arch["components"]:
        out.append(f"  {c['id']} ({c['service']}), line {c['line']}")
    out += ["", "Edges:"] + ([f"  {e['from']} {e['kind']} {e['to']}" for e in arch["edges"]] or ["  none"])
    if doc["not_understood"]:
        out += ["", "Not understood:"] + [f"  {n['logical_id']} ({n['type']}), line {n['line']}: {n['why']}"
                                          for n in doc["not_understood"]]
    out += ["", "Findings:"] + ([f"  {f['rule']} {f['severity']} line {f['line']}, column {f['column']}"
                                  f" ({', '.join(f['resources'])}): {f['message']}"
                                  + (f" [suppressed: {f['suppressed_by']['reason']}]"
                                     if f.get("suppressed_by", {}).get("accepted") else "")
                                  + f"\n    fix: {f['fix']}" for f in doc["findings"]] or ["  none"])
    if doc["questions"]:
        out += ["", "Questions (give --workload for the traffic to judge them):"] + [
            f"  {q['rule']} line {q['line']}: {q['question']}"
            for q in doc["questions"]]
    cost = doc["cost"]
    out += ["", "Cost:"]
    if cost["current_monthly_usd"] is None:
        out.append(f"  {NO_TRAFFIC}")
    else:
        out.append(f"  the template as it is: {_usd(cost['current_monthly_usd'])} a month")
        if cost["proposed_monthly_usd"] is not None:
            out.append(f"  the proposal: {_usd(cost['proposed_monthly_usd'])} a month "
                       f"({'+' if Decimal(cost['delta_monthly_usd']) >= 0 else '-'}"
                       f"{_usd(str(abs(Decimal(cost['delta_monthly_usd']))))})")
    if doc["proposal"]["services"]:
        out += ["", "Proposal: " + ", ".join(doc["proposal"]["services"])]
    if doc["warnings"]:
        out += ["", "Warnings:"] + [f"  {w}" for w in doc["warnings"]]
    return "\n".join(out) + "\n"


def review_markdown(review: Review) -> str:
    """The review as Markdown, for a pull-request comment."""
    from advisor.templating import render_template

    return render_template("review.md.j2", d=review_json(review), usd=_usd)
