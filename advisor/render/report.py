"""The prepared view behind ARCHITECTURE.md: every value the template shows, computed here."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from advisor.architecture import Architecture
from advisor.catalog import Catalog
from advisor.costing import Estimate
from advisor.costviews import crossing_text, money, prices_origin, scale_text, total_text
from advisor.pricing.base import fmt_number
from advisor.recovery import Recovery
from advisor.render import mermaid
from advisor.render.cfn import ACCOUNT_LEVEL_CONTROLS
from advisor.services import part, service
from advisor.sweep import ALWAYS_ON, HTTP_LINE, PAY_PER_USE, Crossing, Point, Sweep
from advisor.workload import Workload


def _decisions_for(reasons: set[str], arch: Architecture) -> list[str]:
    """The rules the workload's own asks fired directly (cross-cutting rules are listed per service)."""
    return [d.rule for d in arch.decisions if d.direct and reasons & set(d.because)]


def _flows_for(rules: list[str], arch: Architecture) -> list[str]:
    return [f.id for f in arch.flows if f.rule in rules]


def capacity(workload: Workload, arch: Architecture) -> list[str]:
    """What each service says of its capacity at the workload's peak (its blueprint's `capacity`)."""
    out: list[str] = []
    for sid in arch.services:
        said = getattr(part(sid, "blueprint"), "capacity", None)
        if said is not None:
            out.extend(said(workload, arch))
    return out


def security_controls(arch: Architecture) -> list[str]:
    """The controls the composed architecture carries, read from its component settings: encryption and
    TLS-only policies, which any service's components may carry, then each service's own, in service order
    (its blueprint's `controls(components)`)."""
    out = []
    keys = [c.id for c in arch.components.values() if service(c.service).customer_key]
    encrypted = sorted(c.id for c in arch.components.values() if c.settings.get("kms_key"))
    if keys and encrypted:
        out.append(f"Encryption at rest with the rotating customer managed key `{keys[0]}`: "
                   + ", ".join(f"`{c}`" for c in encrypted) + ".")
    tls = sorted(c.id for c in arch.components.values() if c.settings.get("deny_insecure_transport"))
    if tls:
        out.append("Resource policies refuse requests without TLS on " + ", ".join(f"`{c}`" for c in tls) + ".")
    for sid in arch.services:
        controls = getattr(part(sid, "blueprint"), "controls", None)
        if controls is not None:
            out.extend(controls(arch.of_service(sid)))
    return out


def deploy_view(workload: Workload, arch: Architecture, stacks: list[tuple[str, str, Any, int]],
                recovery: Recovery | None) -> dict[str, Any]:
    """The templates and the steps that deploy them in order, every parameter given."""
    from advisor.render.runbook import INLINE_TEMPLATE_BYTES, Stack, deploy_steps, recovery_stack_name, required

    made = [Stack(file, region, template, size, workload.name if i == 0 else recovery_stack_name(workload.name))
            for i, (file, region, template, size) in enumerate(stacks)]
    primary, rec = made[0], (made[1] if len(made) > 1 else None)
    steps = deploy_steps(primary, rec, recovery)
    return {
        "templates": [{"file": s.file, "region": s.region, "bytes": s.size, "inline": s.size <= INLINE_TEMPLATE_BYTES,
                       "stack": s.name} for s in made],
        "steps": [{"text": st.text, "commands": list(st.commands)} for st in steps],
        "required": sorted({name for s in made for name in required(s) + list(_advisor(s).get("GiveInEachRegion", []))}
                           - _wired(made)),
        "limit": INLINE_TEMPLATE_BYTES,
        "stacks": made,
    }


CHART_LINES = {PAY_PER_USE: "Pay-per-use, as deployed", HTTP_LINE: "Pay-per-use with HTTP APIs",
               ALWAYS_ON: "Always-on, ALB and Fargate"}
CROSSING_MARK = "Crossing"


def cost_comparison(sweep: Sweep) -> dict[str, Any]:
    """The report's cost chart (a logarithmic cost axis, one titled line per design, a bar at each crossing),
    the legend table under it and every crossing in words. The crossings join the sweep's points as categories
    of their own, so each is marked where it is."""
    at: dict[Decimal, tuple[Point, list[Crossing]]] = {p.scale: (p, []) for p in sweep.points}
    for c in sweep.crossings:
        at.setdefault(c.scale, (c.at, []))[1].append(c)
    ordered = sorted(at.items())
    categories = [f"{scale_text(scale)}x" + (" crossing" if crossings else "") for scale, (_, crossings) in ordered]
    series = [(PAY_PER_USE, [p.total for _, (p, _) in ordered])]
    if sweep.http is not None:
        series.append((HTTP_LINE, [p.http_total if p.http_total is not None else p.total for _, (p, _) in ordered]))
    series.append((ALWAYS_ON, [p.alternative_total for _, (p, _) in ordered]))
    marks = None
    if sweep.crossings:
        marks = (CROSSING_MARK, [max(c.monthly_usd for c in crossings) if crossings else None
                                 for _, (_, crossings) in ordered])
    chart = mermaid.cost_chart(categories, [(CHART_LINES[k], v) for k, v in series],
                               "Monthly cost against traffic, log scale", marks)
    alt = sweep.alternative
    day = ("the workload's hourly profile" if sweep.profile_stated
           else "a day whose busiest hour runs at the peak (no hourly profile stated)")
    what = {
        PAY_PER_USE: "this design as the template deploys it",
        HTTP_LINE: "the same design with HTTP APIs in place of REST APIs, giving up "
                   + " and ".join(sweep.http.gives_up if sweep.http else ()),
        ALWAYS_ON: (f"an Application Load Balancer in front of Fargate tasks ({fmt_number(alt.vcpu)} vCPU, "
                    f"{fmt_number(alt.memory_gb)} GB, {alt.architecture}) in two Availability Zones, scaled hour by "
                    f"hour to {day} at {fmt_number(alt.rps_per_task)} requests a second per task, with its load "
                    "balancer capacity units and public IPv4 addresses, in place of API Gateway, SQS and Lambda"),
    }
    legend = []
    for key, _ in series:
        mine = [c for c in sweep.crossings if c.line == key] if key != ALWAYS_ON else []
        legend.append({"name": CHART_LINES[key], "kind": "line", "what": what[key],
                       "crossings": ", ".join(f"{scale_text(c.scale)}×" for c in mine) or ("—" if key == ALWAYS_ON else "none")})
    if marks is not None:
        legend.append({"name": CROSSING_MARK, "kind": "bar", "what": "marks each crossing, as high as the cost there",
                       "crossings": ", ".join(f"{scale_text(c.scale)}×" for c in sweep.crossings)})
    return {
        "chart": chart, "legend": legend,
        "crossings": [crossing_text(c) for c in sweep.crossings],
        "points": [{"scale": f"{p.scale.normalize():f}", "total": money(p.total),
                    "alternative": money(p.alternative_total)} for p in sweep.points],
    }


def api_grounds(sweep: Sweep | None) -> dict[str, Any] | None:
    """Why the API is a REST API, what an HTTP API would give up, and its cost today where it can be had."""
    if sweep is None or sweep.api is None:
        return None
    today = next((p for p in sweep.points if p.scale == 1), None)
    http = None
    if sweep.http is not None and today is not None and today.http_total is not None:
        http = {"total": money(today.http_total), "saves": money(today.total - today.http_total)}
    return {"needed": list(sweep.api.needs), "given_up": list(sweep.api.gives_up), "http_also": sweep.api.also,
            "http": http}


def _advisor(stack: Any) -> dict[str, Any]:
    return dict(stack.template.get("Metadata", {}).get("Advisor", {}))


def _wired(stacks: list[Any]) -> set[str]:
    """Parameters the steps fill in from another stack's outputs."""
    out: set[str] = set()
    for s in stacks:
        out |= set(_advisor(s).get("FromRecoveryStack", {}))
    return out


def dr_view(workload: Workload, arch: Architecture, catalog: Catalog, deploy: dict[str, Any],
            recovery: Recovery | None) -> dict[str, Any]:
    """The DR plan: the strategy beside the others' prices, the backup schedule, the runbook and the test."""
    from advisor.catalog import duration_text
    from advisor.render.runbook import failback, failover_steps, test_commands

    assert arch.dr is not None
    strategy = next(s for s in catalog.dr_strategies if s.id == arch.dr.strategy)
    chosen = next((o for o in arch.dr.options if o.strategy == arch.dr.strategy), None)
    options = []
    for o in arch.dr.options:
        amount = None if o.monthly_usd is None else money(o.monthly_usd)
        more = None
        if chosen is not None and o.monthly_usd is not None and chosen.monthly_usd is not None and o is not chosen:
            more = ("+" + money(o.monthly_usd - chosen.monthly_usd) if o.monthly_usd >= chosen.monthly_usd
                    else "−" + money(chosen.monthly_usd - o.monthly_usd))
        options.append({"title": o.title, "strategy": o.strategy, "rpo": duration_text(o.rpo_minutes),
                        "rto": duration_text(o.rto_minutes), "meets": o.meets, "monthly": amount,
                        "chosen": o.strategy == arch.dr.strategy, "difference": more})
    priced_methods = [t for _, t in arch.dr.backup_options if t is not None]
    cheaper = min(priced_methods) if priced_methods and len(priced_methods) == len(arch.dr.backup_options) else None
    methods = [{"name": catalog.backup_methods[m].title, "monthly": None if total is None else money(total),
                "chosen": m == arch.dr.backup_method or (arch.dr.backup_method is None and total == cheaper)}
               for m, total in arch.dr.backup_options]
    notes = []
    for sid in arch.services:
        said = getattr(part(sid, "blueprint"), "recovery_notes", None)
        if said is not None:
            notes.extend(said(arch))
    view: dict[str, Any] = {
        "title": arch.dr.title, "strategy": arch.dr.strategy, "rpo": f"{arch.dr.rpo_minutes:g}",
        "rto": f"{arch.dr.rto_minutes:g}", "primary": arch.dr.primary_region,
        "secondary": arch.dr.secondary_region, "runs": arch.dr.recovery_region_runs,
        "tests": list(strategy.how_to_test), "options": options, "chosen_by": arch.dr.chosen_by,
        "methods": methods,
        "stated_method": (catalog.backup_methods[stated].title
                          if (stated := (workload.requirements.get("disaster-recovery") or {}).get("backup_method"))
                          else None),
        "notes": notes, "failover": [], "failback": None, "test_commands": [], "recovery": None,
        "read_path": False,
    }
    priced = {o.strategy: o.monthly_usd for o in arch.dr.options if o.monthly_usd is not None}
    standby, active = (s.id for s in catalog.dr_strategies[-2:])  # the framework's last two: the serving ones
    if {standby, active} <= set(priced):
        view["read_path"] = priced[active] < priced[standby]
    stacks = deploy["stacks"]
    if recovery is not None and len(stacks) > 1:
        primary, rec = stacks[0], stacks[1]
        view["recovery"] = {"file": rec.file, "region": rec.region, "stack": rec.name,
                            "always_on": sorted(recovery.always_on), "serves": recovery.serves,
                            "scaled_down": recovery.scaled_down, "rest": len(recovery.stack)}
        view["failover"] = [{"text": st.text, "commands": list(st.commands)}
                            for st in failover_steps(arch, primary, rec, recovery)]
        view["failback"] = failback(recovery)
        view["test_commands"] = list(test_commands(primary, rec, recovery))
    return view


def report_view(workload: Workload, arch: Architecture, catalog: Catalog, *, estimate: Estimate | None,
                cost_note: str | None, sweep: Sweep | None, template_resources: dict[str, str],
                template: dict[str, Any] | None = None, template_bytes: int = 0,
                stacks: list[tuple[str, str, Any, int]] | None = None,
                recovery: Recovery | None = None) -> dict[str, Any]:
    """Everything ARCHITECTURE.md shows, as plain values; free text stays text for the template to escape."""
    names = {sid: entry.title for sid, entry in catalog.services.items()}
    bps = catalog.best_practices
    problems = []
    for pid in workload.problems:
        reasons = {f"problem:{pid}"} | {f"requirement:{r}" for r in catalog.problems[pid].implies}
        rules = _decisions_for(reasons, arch)
        problems.append({"id": pid, "title": catalog.problems[pid].title, "statement": catalog.problems[pid].statement,
                         "flows": _flows_for(rules, arch), "rules": rules})
    requirements = []
    for rid in workload.requirements:
        if rid in workload.implied_by:
            continue
        rules = _decisions_for({f"requirement:{rid}"}, arch)
        requirements.append({"id": rid, "title": catalog.requirements[rid].title,
                             "flows": _flows_for(rules, arch), "rules": rules})
    services = []
    for sid in arch.services:
        deciding = [d for d in arch.decisions if sid in d.adds]
        services.append({
            "id": sid, "name": names.get(sid, sid), "components": [c.id for c in arch.of_service(sid)],
            "rules": [d.rule for d in deciding],
            "best_practices": sorted({b for d in deciding for b in d.best_practices}),
            "pillars": sorted({catalog.pillars[p].title for d in deciding for p in d.pillars}),
        })
    pillars = []
    for pid, pillar in catalog.pillars.items():
        deciding = [d for d in arch.decisions if pid in d.pillars]
        pillars.append({
            "title": pillar.title,
            "rules": [d.rule for d in deciding],
            "best_practices": sorted({b for d in deciding for b in d.best_practices if b.startswith(pillar.prefix)}),
            "open": list(pillar.beyond_the_design),
        })
    view: dict[str, Any] = {
        "workload": workload.name, "description": workload.description, "region": workload.region,
        "problems": problems, "requirements": requirements,
        "diagram": mermaid.architecture_flowchart(arch, names),
        "flows": [{"id": f.id, "title": f.title, "diagram": mermaid.flow_flowchart(f, arch, names),
                   "steps": [s.label for s in f.steps]} for f in arch.flows],
        "services": services, "pillars": pillars,
        "decisions": [{"rule": d.rule, "title": d.title, "because": list(d.because), "tradeoffs": d.tradeoffs,
                       "best_practices": [{"id": b, "title": bps[b].title, "url": bps[b].url} for b in d.best_practices]}
                      for d in arch.decisions],
        "warnings": list(arch.warnings),
        "security": security_controls(arch),
        "capacity": capacity(workload, arch),
        "deploy": deploy_view(workload, arch, stacks or [("template.yaml", workload.region, template or {},
                                                          template_bytes)], recovery),
        "account_controls": [f"{c['control']}: {c['why']}." for c in ACCOUNT_LEVEL_CONTROLS],
        "account_parameters": [
            f"{s['Parameter']} (default {s['Default']}) creates {s['Creates']}; where the organisation already "
            f"has one, deploy with {s['Parameter']}=false: {s['WhenFalse']}."
            for s in (template or {}).get("Metadata", {}).get("Advisor", {}).get("AccountLevelParameters", [])],
        "resources": [{"logical_id": k, "type": v} for k, v in template_resources.items()],
        "cost": None, "cost_note": cost_note, "dr": None,
    }
    if estimate is not None:
        view["cost"] = {
            "total": total_text(estimate), "as_of": estimate.prices_as_of, "origin": prices_origin(estimate),
            "free_tier": estimate.free_tier,
            "services": [{"id": s, "amount": money(v)} for s, v in estimate.by_service().items()],
            "chart": None, "break_even": None, "no_comparison": None, "api": None,
        }
        view["cost"]["api"] = api_grounds(sweep)
        if sweep is not None and not any(arch.of_service(s) for s in sweep.replaced):
            named = [names.get(s, s) for s in sweep.replaced]
            view["cost"]["no_comparison"] = (f"the design has no {', '.join(named[:-1])} or {named[-1]} for an "
                                             "always-on fleet to replace")
        elif sweep is not None:
            view["cost"].update(cost_comparison(sweep))
            if sweep.break_even is not None:
                view["cost"]["break_even"] = {
                    "scale": scale_text(sweep.break_even.scale),
                    "requests": f"{sweep.break_even.requests_per_month.quantize(Decimal(1)):,}",
                    "monthly": money(sweep.break_even.monthly_usd),
                }
    if arch.dr is not None:
        view["dr"] = dr_view(workload, arch, catalog, view["deploy"], recovery)
    return view
