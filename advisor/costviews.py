"""Estimate and sweep as JSON, CSV, Markdown and terminal views: formatting only, no pricing."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from advisor.costing import Estimate
from advisor.pricing.base import CostLine, decimal_text, fmt_number, to_cents


if TYPE_CHECKING:
    from advisor.sweep import Crossing, Priced, Sweep


def display_context() -> Any:
    """A decimal context wide enough to round any amount for display (the default 28 digits refuse to round
    a sum above 10^26 to the cent); formatting only, the arithmetic keeps the default context."""
    from decimal import getcontext, localcontext

    wide = getcontext().copy()
    wide.prec = max(wide.prec, 400)
    return localcontext(wide)


def money(amount: Decimal) -> str:
    """Dollars to the cent for display, with thousands separators."""
    with display_context():
        return f"${to_cents(amount):,.2f}"


def unit_price_text(price: Decimal) -> str:
    """A unit price as AWS writes it: plain decimals, no exponent, no trailing zeros beyond the cent."""
    text = format(price.normalize(), "f")
    if "." not in text:
        return text + ".00"
    whole, frac = text.split(".")
    return f"{whole}.{frac.ljust(2, '0')}"


def estimate_json(est: Estimate, *, warnings: list[str], sweep: Sweep | None = None,
                  alternatives: "tuple[Priced, ...] | None" = None) -> dict[str, Any]:
    """The stable JSON contract of `cost --format json`; money as unrounded decimal strings. The alternatives,
    when given, sit in their own block: none of their lines is in `lines` or the total."""
    out: dict[str, Any] = {
        "workload": est.workload,
        "region": est.region,
        "currency": est.currency,
        "free_tier": est.free_tier,
        "prices": {"source": est.prices_source, "as_of": est.prices_as_of, "exact": est.exact},
        "lines": [_line_json(line, est.region) for line in est.lines],
        "by_service": {k: decimal_text(v) for k, v in est.by_service().items()},
        "total_monthly_usd": decimal_text(est.total),
        "warnings": warnings,
        "unbilled": [{"component": c, "service": svc, "reason": why} for c, svc, why in est.unbilled],
    }
    if alternatives is not None:
        out["alternatives"] = [alternative_json(a, est.region) for a in alternatives]
    if sweep is not None:
        out["sweep"] = sweep_json(sweep)
    return out


def alternative_json(alt: "Priced", region: str) -> dict[str, Any]:
    """One alternative design at today's traffic: its own lines, what of the estimate it replaces, its total."""
    return {
        "id": alt.id,
        "title": alt.title,
        "replaces": list(alt.replaces),
        "lines": [_line_json(line, region) for line in alt.lines],
        "monthly_usd": decimal_text(alt.monthly_usd),
        "replaced_monthly_usd": decimal_text(alt.replaced_usd),
        "total_monthly_usd": decimal_text(alt.total_usd),
        "notes": list(alt.notes),
    }


def _line_json(line: CostLine, region: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "service": line.service,
        "component": line.component,
        "item": line.item,
        "quantity": decimal_text(line.quantity),
        "unit": line.unit,
        "unit_price": decimal_text(line.unit_price),
        "monthly_usd": decimal_text(line.monthly_usd),
        "basis": line.basis,
        "price_region": line.price_region,
        "price_as_of": line.price_as_of,
    }
    if line.region is not None and line.region != region:  # a replica's, or a recovery Region's, resource
        out["region"] = line.region
    return out


def sweep_json(sweep: Sweep) -> dict[str, Any]:
    """The sweep's points, its first break-even point and every crossing as JSON."""
    alt = sweep.alternative
    return {
        "alternative": {
            "description": f"ALB + Fargate tasks ({alt.vcpu} vCPU, {alt.memory_gb} GB, {alt.architecture}; "
                           f"{alt.rps_per_task} requests/s each, at least 2, scaled hour by hour) replacing "
                           + ", ".join(sweep.replaced),
            "rps_per_task": decimal_text(alt.rps_per_task),
            "hourly_profile": "stated" if sweep.profile_stated else "assumed",
        },
        "http_api": None if sweep.http is None else {"gives_up": list(sweep.http.gives_up)},
        "points": [
            {
                "scale": decimal_text(p.scale),
                "requests_per_month": decimal_text(p.requests_per_month),
                "total_monthly_usd": decimal_text(p.total),
                "http_api_total_monthly_usd": None if p.http_total is None else decimal_text(p.http_total),
                "alternative_monthly_usd": decimal_text(p.alternative_total),
                "alternative_tasks": p.alternative_tasks,
                "alternative_task_hours": decimal_text(p.alternative_task_hours),
                "by_service": {k: decimal_text(v) for k, v in p.by_service.items()},
            }
            for p in sweep.points
        ],
        "break_even": None if sweep.break_even is None else {
            "scale": decimal_text(sweep.break_even.scale),
            "requests_per_month": decimal_text(sweep.break_even.requests_per_month),
            "monthly_usd": decimal_text(sweep.break_even.monthly_usd),
        },
        "crossings": [_crossing_json(c) for c in sweep.crossings],
    }


def _crossing_json(c: "Crossing") -> dict[str, Any]:
    return {
        "line": c.line,
        "scale": decimal_text(c.scale),
        "requests_per_month": decimal_text(c.requests_per_month),
        "monthly_usd": decimal_text(c.monthly_usd),
        "alternative_monthly_usd": decimal_text(c.alternative_monthly_usd),
        "cheaper_above": c.cheaper_above,
    }


def scale_text(scale: Decimal) -> str:
    """A scale factor to three significant figures, written plainly (1000, not 1e+3)."""
    return format(Decimal(f"{scale:.3g}").normalize(), "f")


LINE_NAMES = {"pay-per-use": "pay-per-use (as deployed)", "pay-per-use-http-api": "pay-per-use with HTTP APIs",
              "always-on": "always-on alternative"}


def crossing_text(c: "Crossing") -> str:
    """One crossing in words, for the Markdown, the terminal and the report."""
    above = LINE_NAMES[c.cheaper_above]
    return (f"{LINE_NAMES[c.line]} and the always-on alternative cross at {scale_text(c.scale)}× today's traffic "
            f"({fmt_number(c.requests_per_month.quantize(1))} requests a month, {money(c.monthly_usd)}); "
            f"above it the {above} is cheaper")


_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: one starting like a formula gets a leading single quote (OWASP)."""
    text = str(value)
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def estimate_csv(est: Estimate, *, sweep: Sweep | None = None) -> str:
    """One row per line, with unrounded decimals; RFC 4180 quoting.

    With a sweep, a blank row and a second section follow, one row per point, then a third section with
    the break-even point (only its header when there is none in the range) and a fourth with every crossing.
    """
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")

    def writerow(row: list[object]) -> None:
        writer.writerow([csv_cell(cell) for cell in row])  # no cell can start a spreadsheet formula

    writerow(["service", "component", "item", "quantity", "unit", "unit_price", "monthly_usd", "basis"])
    for line in est.lines:
        writerow([line.service, line.component or "", line.item, decimal_text(line.quantity), line.unit,
                         decimal_text(line.unit_price), decimal_text(line.monthly_usd), line.basis])
    writerow(["total", "", "", "", "", "", decimal_text(est.total), ""])
    if sweep is not None:
        writerow([])
        writerow(["scale", "requests_per_month", "total_monthly_usd", "alternative_monthly_usd",
                         "alternative_tasks", "cheaper", "alternative_task_hours", "http_api_total_monthly_usd"])
        for p in sweep.points:
            writerow([decimal_text(p.scale), decimal_text(p.requests_per_month), decimal_text(p.total),
                             decimal_text(p.alternative_total), p.alternative_tasks,
                             "pay-per-use" if p.total <= p.alternative_total else "always-on",
                             decimal_text(p.alternative_task_hours),
                             "" if p.http_total is None else decimal_text(p.http_total)])
        be = sweep.break_even
        writerow([])
        writerow(["break_even_scale", "break_even_requests_per_month", "break_even_monthly_usd"])
        if be is not None:
            writerow([decimal_text(be.scale), decimal_text(be.requests_per_month),
                             decimal_text(be.monthly_usd)])
        writerow([])
        writerow(["crossing_line", "crossing_scale", "crossing_requests_per_month", "crossing_monthly_usd",
                  "crossing_alternative_monthly_usd", "cheaper_above"])
        for c in sweep.crossings:
            writerow([c.line, decimal_text(c.scale), decimal_text(c.requests_per_month), decimal_text(c.monthly_usd),
                      decimal_text(c.alternative_monthly_usd), c.cheaper_above])
    return buffer.getvalue()


def estimate_view(est: Estimate, *, warnings: list[str], sweep: Sweep | None = None,
                  alternatives: "tuple[Priced, ...] | None" = None) -> dict[str, Any]:
    """Rows for the terminal table and the Markdown template, rounded for reading."""
    with display_context():
        return _estimate_view(est, warnings=warnings, sweep=sweep, alternatives=alternatives)


def total_text(est: Estimate) -> str:
    """The total in dollars, marked when another Region's prices stood in for some lines."""
    return money(est.total) + ("" if est.exact else " (approximate)")


def prices_origin(est: Estimate) -> str:
    """Where the estimate's prices came from, in one sentence: its own Region's, and any other's."""
    priced = [line for line in est.lines if line.price_region]
    regions: dict[str, list[CostLine]] = {}
    for line in priced:
        regions.setdefault(line.price_region or "", []).append(line)
    parts = []
    for region, lines in sorted(regions.items(), key=lambda kv: (kv[0] != est.region, kv[0])):
        dates = sorted({line.price_as_of for line in lines if line.price_as_of})
        when = f"dated {dates[0]}" if len(dates) == 1 else f"dated {dates[0]} to {dates[-1]}" if dates else "undated"
        whose = f"{region}'s own" if region == est.region else f"{region}'s"
        parts.append(f"{len(lines)} at {whose} prices ({when})")
    head = f"Of {len(priced)} priced lines, " + "; ".join(parts) + "." if priced else "No line needed a price."
    if est.exact:
        return head
    borrowed = "; ".join(f"{region} has no price for {', '.join(keys)}" for region, (_, keys) in est.borrowed().items())
    return f"{head} The total is approximate: {borrowed}."


def _row(line: CostLine) -> dict[str, Any]:
    return {
        "service": line.service,
        "component": line.component or "",
        "item": line.item,
        "quantity": fmt_number(line.quantity.quantize(Decimal("0.0001")) if line.quantity % 1 else line.quantity),
        "unit": line.unit,
        "unit_price": unit_price_text(line.unit_price),
        "monthly": money(line.monthly_usd),
        "basis": line.basis,
    }


def _estimate_view(est: Estimate, *, warnings: list[str], sweep: Sweep | None = None,
                   alternatives: "tuple[Priced, ...] | None" = None) -> dict[str, Any]:
    groups: list[dict[str, Any]] = []
    for service, amount in est.by_service().items():
        rows = [_row(line) for line in est.lines if line.service == service]
        groups.append({"service": service, "subtotal": money(amount), "rows": rows})
    view: dict[str, Any] = {
        "workload": est.workload, "region": est.region, "free_tier": est.free_tier, "as_of": est.prices_as_of,
        "source": est.prices_source, "groups": groups, "total": total_text(est), "warnings": warnings,
        "origin": prices_origin(est), "exact": est.exact,
        "sweep": None, "alternatives": [],
    }
    for alt in alternatives or ():
        view["alternatives"].append({
            "id": alt.id, "title": alt.title, "replaces": ", ".join(alt.replaces), "rows": [_row(x) for x in alt.lines],
            "monthly": money(alt.monthly_usd), "replaced": money(alt.replaced_usd), "total": money(alt.total_usd),
            "notes": list(alt.notes),
        })
    if sweep is not None:
        view["sweep"] = {
            "points": [{"scale": f"{p.scale.normalize():f}", "requests": fmt_number(p.requests_per_month.quantize(1)),
                        "total": money(p.total), "alternative": money(p.alternative_total),
                        "http": "" if p.http_total is None else money(p.http_total),
                        "tasks": p.alternative_tasks,
                        "cheaper": "pay-per-use" if p.total <= p.alternative_total else "always-on"}
                       for p in sweep.points],
            "http": sweep.http is not None,
            "http_gives_up": " and ".join(sweep.http.gives_up) if sweep.http else "",
            "profile": "stated" if sweep.profile_stated else "assumed",
            "break_even": None if sweep.break_even is None else {
                "scale": f"{sweep.break_even.scale:.4g}",
                "requests": fmt_number(sweep.break_even.requests_per_month.quantize(1)),
                "monthly": money(sweep.break_even.monthly_usd),
            },
            "crossings": [crossing_text(c) for c in sweep.crossings],
        }
    return view


def chart(sweep: Sweep, *, width: int = 60, height: int = 14) -> str:
    """A Unicode line chart of monthly cost against traffic, both axes logarithmic."""
    import math

    points = [p for p in sweep.points if p.total > 0 and p.alternative_total > 0
              and (p.http_total is None or p.http_total > 0)]
    if len(points) < 2:
        return ""
    xs = [math.log10(p.scale) for p in points]
    http = [float(p.http_total) for p in points if p.http_total is not None]
    values = [float(p.total) for p in points] + [float(p.alternative_total) for p in points] + http
    low, high = math.log10(min(values)), math.log10(max(values))
    if high - low < 1e-9:
        high = low + 1
    grid = [[" "] * width for _ in range(height)]

    def place(series: list[float], mark: str) -> None:
        for x, value in zip(xs, series):
            col = round((x - xs[0]) / (xs[-1] - xs[0]) * (width - 1))
            row = height - 1 - round((math.log10(value) - low) / (high - low) * (height - 1))
            grid[row][col] = "◆" if grid[row][col] not in (" ", mark) else mark

    place([float(p.alternative_total) for p in points], "─")
    if len(http) == len(points):
        place(http, "○")
    place([float(p.total) for p in points], "●")
    labels = [f"${10 ** (high - (high - low) * r / (height - 1)):>10,.2f} │" for r in range(height)]
    lines = [labels[r] + "".join(grid[r]) for r in range(height)]
    lines.append(" " * 12 + "└" + "─" * width)
    lines.append(" " * 13 + f"{points[0].scale.normalize():f}×".ljust(width - 8) + f"{points[-1].scale.normalize():f}×")
    legend = "● pay-per-use   " + ("○ with HTTP APIs   " if len(http) == len(points) else "")
    lines.append(" " * 13 + legend + "─ always-on alternative   ◆ both")
    return "\n".join(lines)
