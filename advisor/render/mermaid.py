"""Mermaid diagrams built from the architecture graph, with safe node ids and escaped labels.

Label rules (checked against Mermaid's own parser): every label is quoted; inside it `"`
becomes `#quot;` and `#` becomes `#35;` (otherwise `#word;` is read as an entity and vanishes);
node ids are generated, never taken from text, and carry a prefix so that none is `end`.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Iterable

from advisor.architecture import Architecture, Flow
from advisor.pricing.base import to_cents
from advisor.services import part

_ID = re.compile(r"[^A-Za-z0-9_]")
_EDGE_WORDS = {
    "sends": "sends", "triggers": "triggers", "writes": "writes", "reads": "reads", "invokes": "invokes",
    "publishes": "publishes", "fans-out": "fans out", "delivers-to": "delivers to", "streams-to": "streams to",
    "routes-to": "routes to", "replicates-to": "replicates to", "backs-up": "backs up", "encrypts": "encrypts",
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


def cost_chart(scales: Iterable[Decimal], pay_per_use: Iterable[Decimal], always_on: Iterable[Decimal],
               title: str) -> str:
    """A Mermaid xychart of monthly cost against traffic; numbers as plain decimals."""
    scales, pay, alt = list(scales), list(pay_per_use), list(always_on)
    top = max(pay + alt) if pay or alt else Decimal(1)
    categories = ", ".join(label(f"{float(s):.3g}x") for s in scales)
    return (
        "xychart-beta\n"
        f"    title {label(title)}\n"
        f"    x-axis {label('traffic, times today')} [{categories}]\n"
        f"    y-axis {label('USD per month')} 0 --> {_plain(top * Decimal('1.05'))}\n"
        f"    line [{', '.join(_plain(v) for v in pay)}]\n"
        f"    line [{', '.join(_plain(v) for v in alt)}]\n"
    )


def _plain(value: Decimal) -> str:
    return f"{to_cents(value):f}"
