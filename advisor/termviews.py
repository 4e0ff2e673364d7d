"""Terminal views: rich tables and a progress bar for the prepared views, shown on a terminal.

Only the command line imports this module, so the core never loads rich.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table


def console(*, no_color: bool, stderr: bool = False) -> Console:
    """A console on stdout (or stderr) without highlighting; colourless when asked."""
    return Console(no_color=no_color or None, highlight=False, stderr=stderr)


def print_recommendation(out: Console, view: dict[str, Any]) -> None:
    """Services, flows, decisions, the DR plan and the warnings of a recommendation view."""
    out.print(f"[bold]{escape(view['workload'])}[/bold] in {view['region']}")
    services = Table(title="Services", title_justify="left")
    for column in ("service", "name", "components"):
        services.add_column(column, overflow="fold")
    for s in view["services"]:
        services.add_row(s["id"], s["name"], ", ".join(s["components"]))
    out.print(services)
    flows = Table(title="Flows", title_justify="left")
    flows.add_column("flow", overflow="fold")
    flows.add_column("steps", overflow="fold")
    for f in view["flows"]:
        flows.add_row(f["id"], " → ".join(escape(s) for s in f["steps"]))
    out.print(flows)
    decisions = Table(title="Decisions", title_justify="left")
    for column in ("rule", "title", "pillars", "best practices", "because"):
        decisions.add_column(column, overflow="fold")  # wrap long ids, never cut them
    for d in view["decisions"]:
        decisions.add_row(escape(d["rule"]), escape(d["title"]), ", ".join(d["pillars"]),
                          ", ".join(b["id"] for b in d["best_practices"]), escape(", ".join(d["because"])))
    out.print(decisions)
    if view["dr"]:
        dr = view["dr"]
        out.print(f"Disaster recovery: [bold]{dr['title']}[/bold] (RPO {dr['rpo_minutes']:g} min, "
                  f"RTO {dr['rto_minutes']:g} min, {dr['primary_region']} → {dr['secondary_region']})")
        others = [f"{o['title']} {o['monthly'] or 'not priced'}" + ("" if o["meets"] else " (does not meet both)")
                  for o in dr.get("options", []) if not o["chosen"]]
        if others:
            how = "the cheapest that meets both objectives" if dr.get("chosen_by") == "price" else \
                "the first in the framework's order (the strategies could not be priced)"
            out.print(f"  {how}; the others: " + escape(", ".join(others)))
    for warning in view["warnings"]:
        out.print(f"[yellow]warning:[/yellow] {escape(warning)}")


def print_estimate(out: Console, view: dict[str, Any], plot: str) -> None:
    """The estimate's lines grouped by service, the sweep's chart and break-even, and the warnings."""
    free = "free tier applied" if view["free_tier"] else "no free tier"
    table = Table(title=f"{escape(view['workload'])} in {view['region']}: prices as of {view['as_of']}, {free}",
                  title_justify="left", show_footer=True)
    table.add_column("service", footer="total")
    table.add_column("item")
    table.add_column("quantity", justify="right")
    table.add_column("unit")
    table.add_column("unit price", justify="right")
    table.add_column("monthly", justify="right", footer=view["total"])
    for group in view["groups"]:
        for row in group["rows"]:
            table.add_row(group["service"], escape(row["item"]), row["quantity"], row["unit"], row["unit_price"],
                          row["monthly"])
        table.add_row("", f"[bold]{group['service']} subtotal[/bold]", "", "", "", f"[bold]{group['subtotal']}[/bold]",
                      end_section=True)
    out.print(table)
    out.print(escape(view["origin"]))
    for alt in view["alternatives"]:
        out.print(f"alternative, {escape(alt['title'])}: {alt['total']} a month ({alt['monthly']} in place of "
                  f"{alt['replaced']} of {escape(alt['replaces'])}; its lines in --format json or markdown)")
    if view["sweep"]:
        out.print(plot, markup=False)
        be = view["sweep"]["break_even"]
        if be:
            out.print(f"break-even: at {be['scale']}× today's traffic ({be['requests']} requests a month, "
                      f"{be['monthly']}) the always-on alternative becomes cheaper")
        else:
            out.print("no break-even in this range: pay-per-use stays cheaper throughout")
        for crossing in view["sweep"]["crossings"]:
            out.print(f"crossing: {escape(crossing)}")
    for warning in view["warnings"]:
        out.print(f"[yellow]warning:[/yellow] {escape(warning)}")


def print_rules(out: Console, listed: list[dict[str, Any]]) -> None:
    """One row per rule: id, title, pillars, best practices."""
    table = Table()
    for column in ("id", "title", "pillars", "best practices"):
        table.add_column(column, overflow="fold")
    for r in listed:
        table.add_row(escape(r["id"]), escape(r["title"]), ", ".join(r["pillars"]), ", ".join(r["best_practices"]))
    out.print(table)


def print_prices(out: Console, rows: list[dict[str, Any]]) -> None:
    """One row per Region: the catalog's date, how many prices and where it comes from."""
    table = Table()
    for column in ("region", "as of", "own prices", "us-east-1 stands in", "price dates", "origin"):
        table.add_column(column, justify="right" if "prices" in column or "stands" in column else "left",
                         overflow="fold")
    for row in rows:
        first, last = row["price_dates"]
        dates = "—" if first is None else first if first == last else f"{first} to {last}"
        table.add_row(row["region"], str(row["as_of"]), str(row["prices"]), str(row["stand_in"]), dates,
                      escape(str(row["origin"])))
    out.print(table)


def progress(out: Console, total: int) -> tuple[Progress, Any]:
    """A started, transient progress bar over `total` workloads, and its task."""
    bar = Progress(console=out, transient=True)
    bar.start()
    return bar, bar.add_task("workloads", total=total)


def print_summary(out: Console, command: str, summary: Any) -> None:
    """A portfolio's totals: cost by service and by workload, or how many workloads use each service."""
    from advisor.costviews import money

    data = summary.as_json()
    if command == "cost" and summary.by_workload:
        by_service = Table(title="Portfolio cost by service", title_justify="left", show_footer=True)
        by_service.add_column("service", footer="total")
        by_service.add_column("monthly", justify="right", footer=money(summary.total))
        for service, amount in sorted(summary.by_service.items()):
            by_service.add_row(service, money(amount))
        out.print(by_service)
        by_workload = Table(title="Portfolio cost by workload", title_justify="left")
        for column in ("file", "workload", "monthly"):
            by_workload.add_column(column, justify="right" if column == "monthly" else "left")
        for file, name, amount in summary.by_workload:
            by_workload.add_row(escape(file), escape(name), money(amount))
        out.print(by_workload)
    else:
        table = Table(title="Workloads per service", title_justify="left")
        table.add_column("service")
        table.add_column("workloads", justify="right")
        for service, count in data.get("workloads_per_service", {}).items():
            table.add_row(service, str(count))
        out.print(table)
    out.print(f"{summary.files - len(summary.bad)} of {summary.files} workload files processed")
