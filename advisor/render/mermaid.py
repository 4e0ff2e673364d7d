"""Mermaid diagrams built from the architecture graph, with safe node ids and escaped labels.

Label rules (checked against Mermaid's own parser): every label is quoted; inside it `"`
becomes `#quot;` and `#` becomes `#35;` (otherwise `#word;` is read as an entity and vanishes);
node ids are generated, never taken from text, and carry a prefix so that none is `end`.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, localcontext
from typing import Iterable

from advisor.architecture import Architecture, Flow
from advisor.services import part

_ID = re.compile(r"[^A-Za-z0-9_]")
_EDGE_WORDS = {
    "sends": "sends", "triggers": "triggers", "writes": "writes", "reads": "reads", "invokes": "invokes",
    "publishes": "publishes", "fans-out": "fans out", "delivers-to": "delivers to", "streams-to": "streams to",
    "routes-to": "routes to", "replicates-to": "replicates to", "backs-up": "backs up", "exports": "exports", "encrypts": "encrypts",
    "audits": "audits", "monitors": "monitors", "authorizes": "authorizes", "alarms-to": "alarms to",
}


def node_id(name: str) -> str:
    """A Mermaid-safe node id for a component or pseudo-step."""
    return "n_" + _ID.sub("_", name)


def label(text: str) -> str:
    """A quoted Mermaid label with the characters Mermaid would misread escaped."""
    flat = " ".join(str(text).split())
    flat = flat.replace("#", "#35;").replace('"', "#quot;")
    return f'"{flat}"'


def _node(name: str, service: str | None, names: dict[str, str]) -> str:
    title = names.get(service or "", "") if service else ""
    text = f"{title}<br/>{name}" if title else name
    shape = ("([", "])") if service is None else ("[", "]")
    return f"    {node_id(name)}{shape[0]}{label(text)}{shape[1]}"


def architecture_flowchart(arch: Architecture, service_names: dict[str, str]) -> str:
    """The whole architecture: every component, every typed edge, and the actors outside it."""
    lines = ["flowchart LR"]
    external = _external_edges(arch)
    for name in _external_nodes(arch, external):
        lines.append(_node(name, None, service_names))
    for component in arch.components.values():
        lines.append(_node(component.id, component.service, service_names))
    for edge in arch.edges:
        lines.append(f"    {node_id(edge.source)} -->|{label(_EDGE_WORDS.get(edge.kind, edge.kind))}| {node_id(edge.target)}")
    for source, target, word in external:
        lines.append(f"    {node_id(source)} -->|{label(word)}| {node_id(target)}")
    return "\n".join(lines) + "\n"


def _external_edges(arch: Architecture) -> list[tuple[str, str, str]]:
    """The edges between components and actors outside the architecture, in service order, as each service's
    blueprint declares them: `actors(arch, components)` gives (source, target, words), one end a component id,
    the other the actor's name."""
    out = []
    for sid in arch.services:
        actors = getattr(part(sid, "blueprint"), "actors", None)
        if actors is not None:
            out.extend(actors(arch, arch.of_service(sid)))
    return out


def _external_nodes(arch: Architecture, edges: list[tuple[str, str, str]]) -> list[str]:
    """The outside actors' names, once each, in the order the edges first name them."""
    names: dict[str, None] = {}
    for source, target, _ in edges:
        for end in (source, target):
            if end not in arch.components:
                names.setdefault(end, None)
    return list(names)


def flow_flowchart(flow: Flow, arch: Architecture, service_names: dict[str, str]) -> str:
    """One flow as a left-to-right chain; between steps, the architecture's own edges where they exist."""
    lines = ["flowchart LR"]
    steps: list[list[str]] = []
    declared: set[str] = set()
    for index, step in enumerate(flow.steps):
        members = list(step.components) or [step.label]
        if not step.components:
            members = [f"{step.label}"]
        steps.append(members)
        for name in members:
            if name in declared:
                continue
            declared.add(name)
            component = arch.components.get(name)
            lines.append(_node(name, component.service if component else None, service_names))
    for before, after in zip(steps, steps[1:]):
        linked = [(e.source, e.target, e.kind) for e in arch.edges if e.source in before and e.target in after]
        if linked:
            for source, target, kind in linked:
                lines.append(f"    {node_id(source)} -->|{label(_EDGE_WORDS.get(kind, kind))}| {node_id(target)}")
        else:
            for source in before:
                for target in after:
                    lines.append(f"    {node_id(source)} --> {node_id(target)}")
    return "\n".join(lines) + "\n"


LOG_FLOOR = Decimal("0.01")  # a cent a month: the least a logarithmic cost axis shows
COST_AXIS = "USD per month, log scale: 0 = $1, 1 = $10, 2 = $100, 3 = $1,000"


def cost_chart(categories: Iterable[str], lines: Iterable[tuple[str, Iterable[Decimal]]], title: str,
               marks: tuple[str, Iterable[Decimal | None]] | None = None) -> str:
    """A Mermaid xychart of monthly cost against traffic on a logarithmic cost axis (log10 of USD, so that a
    few dollars and a few thousand both show), one titled line per series (Mermaid draws the titles as the
    legend) and, with `marks`, a titled bar at each category whose mark is not None (the crossings), drawn
    first so the lines stay on top."""
    names, rows = [], []
    for name, values in lines:
        names.append(name)
        rows.append([_log(v) for v in values])
    every = [x for row in rows for x in row] or [Decimal(0)]
    low, high = math.floor(min(every)), math.ceil(max(every))
    if high <= low:
        high = low + 1
    out = [
        "xychart-beta",
        f"    title {label(title)}",
        f"    x-axis {label('traffic, times today')} [{', '.join(label(c) for c in categories)}]",
        f"    y-axis {label(COST_AXIS)} {low} --> {high}",
    ]
    if marks is not None:
        bars = [Decimal(low) if v is None else _log(v) for v in marks[1]]
        out.append(f"    bar {label(marks[0])} [{', '.join(_decimal(x) for x in bars)}]")
    for name, row in zip(names, rows):
        out.append(f"    line {label(name)} [{', '.join(_decimal(x) for x in row)}]")
    return "\n".join(out) + "\n"


def _log(value: Decimal) -> Decimal:
    # Twelve digits are far more than the three the chart shows; an estimate's exact totals carry dozens, and
    # a logarithm to their full precision costs a millisecond each.
    with localcontext() as ctx:
        ctx.prec = 12
        return max(value, LOG_FLOOR).log10()


def _decimal(value: Decimal) -> str:
    """A plain decimal to three places, as Mermaid reads numbers (no exponent, no negative zero)."""
    shown = value.quantize(Decimal("0.001"))
    return "0" if shown == 0 else f"{shown:f}"


