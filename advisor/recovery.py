"""The recovery Region's stack: what a disaster-recovery strategy, or a replica kept for availability, runs in
the second Region, worked out from the primary's architecture. The template (`advisor render` writes it as
`template.<region>.yaml`), the estimate and the report's deploy steps all read this one value.

Whatever the strategy, the recovery Region holds a customer managed key of its own, made before the primary stack:
the global table's replica there is encrypted with it, and backup copies land in a vault it encrypts. The rest of
the stack is the primary's, run against the table that is already there (the global table's replica, or a table
restored from the latest backup copy), and is deployed once that table's name is given: at once for a warm standby
or a second active Region, when failing over for pilot light and backup and restore.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import NamedTuple

from advisor.architecture import Architecture, Component, Flow, FlowStep
from advisor.services import service

# Strategies whose recovery stack serves (or stands ready to serve) from the start; the others deploy it on
# failover. "replica" is a replica kept for availability without a disaster-recovery requirement.
SERVING = ("warm-standby", "multi-site-active-active")
# The strategy a replica's `standby_stack` is set by (ADV-R012, ADV-R013).
STANDBY_MODES = {"scaled-down": "warm-standby", "full": "multi-site-active-active"}


class Recovery(NamedTuple):
    """The recovery Region's stack: its Region, why it exists, its architecture and what of it runs when."""

    region: str
    mode: str                      # the strategy id, or "replica"
    arch: Architecture             # every component the recovery template declares
    always_on: frozenset[str]      # deployed from the first step, before the primary stack
    tables: tuple[str, ...]        # the tables it refers to rather than creates (replica or restored table)
    serves: bool                   # the rest is deployed at once (True) or when failing over (False)

    @property
    def scaled_down(self) -> bool:
        """A warm standby runs at a fraction of the primary's capacity until it is scaled up."""
        return self.mode == "warm-standby"

    @property
    def stack(self) -> tuple[str, ...]:
        """The components deployed once a table is given: all but the always-on ones and the tables referred to."""
        return tuple(c for c in self.arch.components if c not in self.always_on and c not in self.tables)

    def deployed(self) -> Architecture:
        """The part that runs every month, whatever happens: what the estimate prices in the recovery Region."""
        keep = set(self.always_on) | (set(self.stack) if self.serves else set())
        return _restricted(self.arch, keep | set(self.tables))


def recovery_stack(arch: Architecture) -> Recovery | None:
    """The recovery Region's stack for an architecture, or None when it uses one Region only. What each component
    becomes there is its service's to say (`Service.recovery`): a copy, nothing, made first, or referred to."""
    roles = {cid: (service(c.service).recovery or _keep)(arch, c) for cid, c in arch.components.items()}
    tables = tuple(sorted(cid for cid, (role, _) in roles.items() if role == "refer"))
    if not tables:
        return None
    replicas = [c for c in arch.components.values() if c.settings.get("replica_of")]
    if arch.dr is not None:
        region, mode = arch.dr.secondary_region, arch.dr.strategy
    elif replicas:  # a replica kept for availability, or (a reviewed template) one that says what runs beside it
        region = str(replicas[0].settings["region"])
        mode = STANDBY_MODES.get(str(replicas[0].settings.get("standby_stack")), "replica")
    else:  # a reviewed template's backups copied, or exports sent, to another Region: backup and restore
        copies = sorted(str(c.settings.get("copy_to_region") or c.settings.get("to_region"))
                        for c in arch.components.values()
                        if c.settings.get("copy_to_region") or c.settings.get("to_region"))
        region, mode = copies[0], "backup-restore"
    dropped = {cid for cid, (role, _) in roles.items() if role == "drop"}
    # ...and what only they fed (a trail's bucket).
    for c in arch.components.values():
        feeding = [e.source for e in arch.edges if e.target == c.id]
        if feeding and all(f in dropped for f in feeding):
            dropped.add(c.id)
    components = {cid: c if settings is None else c._replace(settings=MappingProxyType(dict(settings)))
                  for cid, c in arch.components.items() if cid not in dropped
                  for settings in (roles[cid][1],)}
    always_on = frozenset(cid for cid in components if roles[cid][0] == "always")
    recovery = _restricted(arch._replace(components=components), set(components))
    recovery = recovery._replace(region=region, warnings=())
    return Recovery(region, mode, recovery, always_on, tables, mode in SERVING)


def _keep(arch: Architecture, c: Component) -> tuple[str, None]:
    return "keep", None


def _restricted(arch: Architecture, keep: set[str]) -> Architecture:
    """The architecture with only the components in `keep`, and the edges and flow steps among them; the
    disaster-recovery flow, which spans both Regions, is left out."""
    components = {cid: c for cid, c in arch.components.items() if cid in keep}
    edges = tuple(e for e in arch.edges if e.source in keep and e.target in keep
                  and e.kind not in ("replicates-to", "backs-up", "exports"))
    flows = []
    for f in arch.flows:
        if f.id == "disaster-recovery":
            continue
        steps = tuple(FlowStep(s.label, tuple(c for c in s.components if c in keep)) for s in f.steps
                      if not s.components or any(c in keep for c in s.components))
        if any(s.components for s in steps):
            flows.append(Flow(f.id, f.title, steps, f.rule))
    return arch._replace(components=components, edges=edges, flows=tuple(flows))
