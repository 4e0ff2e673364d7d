"""What a service package declares: its settings, with defaults, limits and the usage keys that set them."""

from __future__ import annotations

from typing import Any, Callable, Mapping, NamedTuple

# A setting's kinds, as rule files and workloads write them.
KINDS = ("int", "number", "str", "bool", "list", "map", "ref")


class Setting(NamedTuple):
    """One setting of a service's components: what it is, its default and its limits.

    `usage` names the key under `usage.<service>` that sets it for every component of the service (the
    workload's own statement wins over a rule's choice); `default` may be a function of the resolution
    context (`Resolving`) when it follows from the rest of the architecture or the workload."""

    name: str
    kind: str
    doc: str
    default: Any = None
    choices: tuple[Any, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    usage: str | None = None
    source: str = ""  # where the limit is published
    unit: str = ""
    # A map's keys, each checked as a setting is: without them any value under the map would reach the
    # template unchecked (a throttling rate of 1e308, say).
    fields: tuple[Setting, ...] = ()

    def check(self, value: Any) -> str | None:
        """Why a value cannot be this setting, or None when it can."""
        kind = self.kind
        if kind == "bool" and not isinstance(value, bool):
            return "expected true or false"
        if kind in ("int", "number"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return "expected a number"
            if kind == "int" and not float(value).is_integer():
                return "expected a whole number"
            if self.minimum is not None and value < self.minimum:
                return f"{value} is below the minimum of {self.minimum:g}" + _cited(self.source)
            if self.maximum is not None and value > self.maximum:
                return f"{value} is above the maximum of {self.maximum:g}" + _cited(self.source)
        if kind in ("str", "ref") and not isinstance(value, str):
            return "expected text"
        if kind == "list" and not isinstance(value, (list, tuple)):
            return "expected a list"
        if kind == "map" and not isinstance(value, Mapping):
            return "expected a mapping"
        if kind == "map" and self.fields:
            return self._check_fields(value)
        if self.choices and value not in self.choices:
            return f"{value!r} is not one of " + ", ".join(str(c) for c in self.choices)
        return None

    def _check_fields(self, value: Mapping[str, Any]) -> str | None:
        names = [f.name for f in self.fields]
        for key, item in value.items():
            field = next((f for f in self.fields if f.name == key), None)
            if field is None:
                return f"{self.name} has no key {key!r} (keys: {', '.join(names)})"
            if item is None or (isinstance(item, str) and "{" in item):
                continue  # a placeholder, filled per workload from checked workload values
            problem = field.check(item)
            if problem:
                return f"{key}: {problem}"
        return None


def _cited(source: str) -> str:
    return f" ({source})" if source else ""


class Need(NamedTuple):
    """Edges a component needs: one of `edges` (edge kind, target service) leaving it, and why."""

    edges: tuple[tuple[str, str], ...]
    why: str

    def text(self) -> str:
        """The need in words."""
        return " or ".join(f"a {kind} edge to a {target} component" for kind, target in self.edges)


class Service(NamedTuple):
    """A service package's declaration: its id, name and settings."""

    id: str
    name: str
    settings: tuple[Setting, ...] = ()
    # Usage keys that change what is deployed but that advisor cannot deploy as asked: key -> (bad value test,
    # message, hint). Checked when the workload is loaded.
    undeployable: Mapping[str, tuple[Callable[[Any], bool], str, str]] = {}
    # KMS requests per data-key reuse period for one component that uses the architecture's key: a number, or
    # a function of (graph, component) where it follows AWS's formula from the component's edges; `kms_logs`
    # when its log group uses the key whenever there is one, whatever its settings.
    kms_principals: int | Callable[[Any, Any], int] = 0
    kms_logs: bool = False
    # Usage keys that are quantities, not settings (`usage.<service>.<key>`: key -> spec Field); the keys that set
    # a setting come from the settings themselves.
    usage: Mapping[str, Any] = {}
    # Whether its usage keys also apply where it has no component (CloudWatch Logs: every log group).
    usage_everywhere: bool = False
    # Why its components have no cost lines of their own, when they never do.
    free: str = ""
    # The largest message or event it carries, in KB, and where that quota is published.
    message_kb: int | None = None
    message_quota: str = ""
    # The edges its components may start: (edge kind, target service); its blueprint connects them.
    edges: tuple[tuple[str, str], ...] = ()
    # Edges a component of this service cannot be deployed without: each need is met by any one of its
    # (edge kind, target service) pairs.
    needs: tuple[Need, ...] = ()
    # Edges from another service that its blueprint connects (edge kind, source service): a service added later
    # brings the connectors of the edges that reach it, so the packages it joins stay as they are.
    accepts: tuple[tuple[str, str], ...] = ()
    # Usage keys that only make sense together: a function of the workload's `usage.<service>` mapping that
    # returns (key, problem, hint) for each key the others contradict, so that the estimate does not price
    # one key and ignore another. Checked when the workload is loaded; the error points at the key.
    usage_check: Callable[[Mapping[str, Any]], list[tuple[str, str, str]]] | None = None
    # Its component is the architecture's customer managed key: the one every encrypted resource uses.
    customer_key: bool = False
    # What a component becomes in the recovery Region's stack, a function of (architecture, component) returning
    # (role, settings): "keep" (a copy, the default), "drop" (the primary stack's covers that Region too, or it
    # belongs to the account), "always" (made first, before the primary stack, which needs it) or "refer"
    # (another stack made it: the stack refers to it by name); settings None keeps the component's own.
    recovery: Callable[[Any, Any], tuple[str, Mapping[str, Any] | None]] | None = None

    def setting(self, name: str) -> Setting | None:
        """The declared setting of that name, if any."""
        for s in self.settings:
            if s.name == name:
                return s
        return None

    @property
    def names(self) -> tuple[str, ...]:
        """The declared setting names."""
        return tuple(s.name for s in self.settings)
