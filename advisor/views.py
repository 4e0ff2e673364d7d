"""Prepared views: plain data that templates and tables display without deciding anything."""

from __future__ import annotations

import re
from typing import Any

from advisor.architecture import Architecture
from advisor.catalog import Catalog
from advisor.rules import Rule
from advisor.workload import Workload

_MD_INLINE = re.compile(r"([\\`*_\[\]<>|~!&])")
_MD_LEADING = re.compile(r"^([#+\-=>])")
_MD_ORDERED = re.compile(r"^(\d+)([.)])")


def md_escape(text: Any) -> str:
    """Escape free text so it renders as literal text in a Markdown paragraph or table cell."""
    flat = " ".join(str(text).split())  # a newline could start a heading, list or fence
    flat = _MD_INLINE.sub(r"\\\1", flat)
    flat = _MD_ORDERED.sub(r"\1\\\2", flat)
    return _MD_LEADING.sub(r"\\\1", flat)


def safe_url(url: Any) -> str | None:
    """An http(s) link safe inside a Markdown link destination, or None for any other scheme.

    Characters that could close the link or start markup (parentheses, brackets, angle brackets, quotes,
    spaces, `!`) are percent-encoded, so a rule's `source` can add neither an image, nor another link, nor HTML.
    """
    from urllib.parse import quote, urlsplit

    text = str(url).strip()
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text):
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return quote(text, safe="/:?#=&%~+.-_,;@")


def recommendation_view(workload: Workload, arch: Architecture, catalog: Catalog) -> dict[str, Any]:
    """Everything the recommendation table and Markdown show, as plain values."""
    bps = catalog.best_practices
    return {
        "workload": workload.name,
        "description": workload.description,
        "region": arch.region,
        "problems": [{"id": p, "title": catalog.problems[p].title, "statement": catalog.problems[p].statement}
                     for p in workload.problems],
        "requirements": [{"id": r, "title": catalog.requirements[r].title,
                          "because": list(workload.because(r))} for r in workload.requirements],
        "services": [{"id": s, "name": catalog.services[s].title,
                      "components": [c.id for c in arch.of_service(s)]} for s in arch.services],
        "flows": [{"id": f.id, "title": f.title,
                   "steps": [s.label + (f" ({', '.join(s.components)})" if s.components else "") for s in f.steps]}
                  for f in arch.flows],
        "decisions": [{
            "rule": d.rule, "title": d.title,
            "pillars": [catalog.pillars[p].title for p in d.pillars],
            "best_practices": [{"id": b, "title": bps[b].title, "url": safe_url(bps[b].url)} for b in d.best_practices],
            "because": list(d.because), "adds": list(d.adds), "rationale": d.rationale,
            "tradeoffs": d.tradeoffs, "source": d.source, "source_url": safe_url(d.source),
        } for d in arch.decisions],
        "dr": None if arch.dr is None else {
            "strategy": arch.dr.strategy, "title": arch.dr.title, "rpo_minutes": arch.dr.rpo_minutes,
            "rto_minutes": arch.dr.rto_minutes, "primary_region": arch.dr.primary_region,
            "secondary_region": arch.dr.secondary_region, "runs": arch.dr.recovery_region_runs,
            "chosen_by": arch.dr.chosen_by,
            "options": [{"title": o.title, "meets": o.meets, "chosen": o.strategy == arch.dr.strategy,
                         "monthly": None if o.monthly_usd is None else f"${o.monthly_usd:,.2f}"}
                        for o in arch.dr.options],
        },
        "warnings": list(arch.warnings),
    }


def rules_view(rules: tuple[Rule, ...], catalog: Catalog) -> list[dict[str, Any]]:
    """The rule list for `advisor rules`."""
    return [{
        "id": r.id, "title": r.title, "pillars": list(r.pillars), "best_practices": list(r.best_practices),
        "source": r.source, "file": "/".join(r.path.replace("\\", "/").split("/")[-2:]),
    } for r in rules]
