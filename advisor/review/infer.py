"""The architecture a template deploys, read back by the service packages: the inverse of `render`.

Each service package may have a `readback` module (found through the one registry, `advisor.services.part`)
with up to two steps, run for every package in `READBACK_ORDER`:

- `components(r)`: the package's components, each from its main resource, and the resources that belong to
  them (a queue's dead-letter queue, a function's role and log group) claimed with `r.claim`;
- `edges(r)`: the edges its resources make (event source mappings, subscriptions, integrations, rule
  targets, pipes, streams, the actions its roles allow), and the settings that follow from them.

A resource no package claims is listed as not understood. Component ids are those `render` wrote when the
template says so (its `Metadata.Advisor.Components`, or a component id in a resource's Description), else
made from the logical id the way `render` makes logical ids, backwards (`QueueIngest` -> `queue:ingest`).

The API the findings build on: `infer(template) -> Inferred`, with the `Architecture` (components, edges),
`parts` (logical id -> the component it belongs to and as what: "" for its main resource, "dead-letter
queue", "role"...), `resources` (component id -> its logical ids, main first) and `not_understood`.
"""

from __future__ import annotations

import re
from typing import Any, Mapping, NamedTuple

from advisor.architecture import Architecture, Component, Edge
from advisor.render.cfn.naming import camel
from advisor.review.template import Fn, GetAtt, Ref, Resource, Template, Text, references

ADDED_BY = ("template",)
# A component id in a description render wrote ("advisor function:consumer-2: processes events").
_TOKEN = re.compile(r"(?<![A-Za-z0-9:/.])([a-z][a-z0-9]*:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)(?![A-Za-z0-9/-])")
_WORD = re.compile(r"(?<!^)(?=[A-Z])")


class Part(NamedTuple):
    """What a resource is to the component it belongs to: "" for its main resource, else its role there."""

    component: str
    role: str


class NotUnderstood(NamedTuple):
    """A resource of the template that no service package reads."""

    logical_id: str
    type: str
    line: int
    why: str


class Statement(NamedTuple):
    """One IAM policy statement: lowercased actions, and the resources as written (resolved)."""

    effect: str
    actions: frozenset[str]
    resources: tuple[Any, ...]
    principal: Any
    condition: Any

    def allows(self, *actions: str) -> bool:
        """Whether an Allow statement grants any of these actions (`sqs:sendmessage`), wildcards included."""
        if self.effect != "Allow":
            return False
        return any(_granted(granted, wanted) for granted in self.actions for wanted in actions)


def _granted(granted: str, wanted: str) -> bool:
    if granted == wanted or granted == "*":
        return True
    if "*" not in granted:
        return False
    return re.fullmatch(re.escape(granted).replace(r"\*", ".*"), wanted) is not None


class Inferred(NamedTuple):
    """What review reads from a template."""

    template: Template
    architecture: Architecture
    parts: Mapping[str, Part]
    resources: Mapping[str, tuple[str, ...]]
    not_understood: tuple[NotUnderstood, ...]
    warnings: tuple[str, ...]

    def line_of(self, component: str) -> int:
        """The line of a component's main resource."""
        lids = self.resources.get(component) or ()
        return self.template.resources[lids[0]].line if lids and lids[0] in self.template.resources else 1


class Reading:
    """What the readbacks share while they read one template: its resources, what is claimed, the components
    and edges found so far, and the lookups most of them need."""

    def __init__(self, template: Template) -> None:
        self.template = template
        self.resources = template.resources
        self.parts: dict[str, Part] = {}
        self.services: dict[str, str] = {}                 # component id -> service
        self.settings: dict[str, dict[str, Any]] = {}
        self.sources: dict[str, dict[str, str]] = {}
        self.owned: dict[str, list[str]] = {}              # component id -> logical ids, main first
        self.edges: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.warnings: list[str] = []
        self._referrers: dict[str, list[Resource]] | None = None
        self._names = _hints(template)

    # -- lookups ---------------------------------------------------------------------------------------------

    def of_type(self, *types: str) -> list[Resource]:
        """Deployed resources of these types, in file order."""
        return [r for r in self.resources.values() if r.type in types]

    def targets(self, value: Any, *types: str) -> list[str]:
        """The deployed resources a value refers to (of these types, when given), in order, once each."""
        out: list[str] = []
        for lid, _ in references(value):
            resource = self.resources.get(lid)
            if resource is not None and (not types or resource.type in types) and lid not in out:
                out.append(lid)
        return out

    def target(self, value: Any, *types: str) -> str | None:
        """The first deployed resource a value refers to, or None."""
        found = self.targets(value, *types)
        return found[0] if found else None

    def referrers(self, lid: str) -> list[Resource]:
        """The deployed resources whose properties refer to a logical id."""
        if self._referrers is None:
            index: dict[str, list[Resource]] = {}
            for resource in self.resources.values():
                for target, _ in set(references(resource.props)):
                    index.setdefault(target, []).append(resource)
            self._referrers = index
        return self._referrers.get(lid, [])

    def component_of(self, lid: str | None) -> str | None:
        """The component a resource belongs to, once claimed."""
        part = self.parts.get(lid) if lid else None
        return part.component if part else None

    def component_at(self, value: Any, service: str | None = None) -> str | None:
        """The component of the first resource a value refers to that belongs to one (of this service)."""
        for lid in self.targets(value):
            cid = self.component_of(lid)
            if cid is not None and (service is None or self.services[cid] == service):
                return cid
        return None

    def main(self, cid: str) -> Resource:
        """A component's main resource."""
        return self.resources[self.owned[cid][0]]

    def components_of(self, service: str) -> list[str]:
        """The components of a service found so far, in id order."""
        return sorted(c for c, s in self.services.items() if s == service)

    def role_of(self, resource: Resource, key: str = "Role") -> str | None:
        """The IAM role a resource runs as (`Role: !GetAtt FnRole.Arn`)."""
        return self.target(resource.props.get(key), "AWS::IAM::Role")

    def statements(self, role: str | None) -> list[Statement]:
        """Every statement a role's policies hold: inline, and AWS::IAM::Policy or ManagedPolicy resources
        attached to it."""
        if role is None or role not in self.resources:
            return []
        out: list[Statement] = []
        for policy in self.resources[role].props.get("Policies") or []:
            if isinstance(policy, dict):
                out += _statements(policy.get("PolicyDocument"))
        for resource in self.referrers(role):
            if resource.type in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy") and role in self.targets(
                    resource.props.get("Roles")):
                out += _statements(resource.props.get("PolicyDocument"))
        return out

    def resource_policy(self, lid: str, policy_type: str, key: str) -> tuple[list[Statement], list[str]]:
        """The statements of the resource policies (`AWS::SQS::QueuePolicy`, by `key: Queues`) that name a
        resource, and those policies' logical ids."""
        statements: list[Statement] = []
        policies: list[str] = []
        for resource in self.referrers(lid):
            if resource.type == policy_type and lid in self.targets(resource.props.get(key)):
                statements += _statements(resource.props.get("PolicyDocument"))
                policies.append(resource.logical_id)
        return statements, policies

    def key_of(self, value: Any) -> str | None:
        """The component id of the KMS key a value names (the key, or an alias of it)."""
        for lid in self.targets(value):
            resource = self.resources[lid]
            if resource.type == "AWS::KMS::Alias":
                lid = self.target(resource.props.get("TargetKeyId"), "AWS::KMS::Key") or lid
            cid = self.component_of(lid)
            if cid is not None and self.services.get(cid) == "kms":
                return cid
        return None

    def log_retention(self, log_group: str | None) -> int | None:
        """A log group's retention in days (None: kept forever)."""
        if log_group is None or log_group not in self.resources:
            return None
        days = self.resources[log_group].props.get("RetentionInDays")
        return int(days) if isinstance(days, (int, float)) else None

    # -- naming ----------------------------------------------------------------------------------------------

    def name(self, lid: str, prefix: str, suffix: str = "") -> str:
        """The component id of a resource: the one render wrote (by the template's metadata or a resource's
        description), else `prefix:` and the logical id in words, less the prefix and `suffix`
        (`QueueIngest` -> `queue:ingest`, `DnsApiHealthCheck` with suffix `HealthCheck` -> `dns:api`)."""
        base = lid[: -len(suffix)] if suffix and lid.endswith(suffix) and lid != suffix else lid
        head = camel(prefix)
        found = self._names.get((prefix, base))
        if found is None:
            rest = base[len(head):] if base.startswith(head) and len(base) > len(head) else base
            found = f"{prefix}:{self._names.get(('', rest)) or _words(rest)}"
        cid, n = found, 1
        while cid in self.services:
            n += 1
            cid = f"{found}-{n}"
        return cid

    def named(self, prefix: str, default: str) -> str:
        """The id of a component that stands for a practice rather than one resource (`alarms:main`): the one
        render wrote with that prefix, else `prefix:default`."""
        found = next((cid for (p, _), cid in sorted(self._names.items()) if p == prefix), None)
        return found or f"{prefix}:{default}"

    # -- writing ---------------------------------------------------------------------------------------------

    def component(self, cid: str, service: str, main: Resource, *, shared: bool = False) -> str:
        """Add a component with its main resource; `shared` when that resource is another component's too (a
        global table holds its replicas), which keeps it."""
        self.services[cid] = service
        self.settings[cid] = {}
        self.sources[cid] = {}
        self.owned[cid] = []
        if shared:
            self.owned[cid].append(main.logical_id)
        else:
            self.claim(main.logical_id, cid, "")
        return cid

    def claim(self, lid: str | None, cid: str, role: str) -> None:
        """Say that a resource belongs to a component (first claim wins)."""
        if lid is None or lid not in self.resources or lid in self.parts:
            return
        self.parts[lid] = Part(cid, role)
        self.owned[cid].append(lid)

    def set(self, cid: str, name: str, value: Any, resource: Resource | None = None, *path: Any) -> None:
        """Set a component's setting, read from a resource's property (its line is the setting's source)."""
        if value is None:
            return
        self.settings[cid][name] = value
        if resource is not None:
            line = resource.where("Properties", *path)[0] if path else resource.line
            self.sources[cid][name] = f"template line {line} ({resource.logical_id})"
        else:
            self.sources[cid][name] = "template"

    def edge(self, source: str | None, target: str | None, kind: str, **settings: Any) -> None:
        """Add an edge between two components (settings merge when it is found twice)."""
        if source is None or target is None or source == target:
            return
        self.edges.setdefault((source, target, kind), {}).update({k: v for k, v in settings.items() if v is not None})


def _statements(document: Any) -> list[Statement]:
    if not isinstance(document, dict):
        return []
    raw = document.get("Statement")
    items = raw if isinstance(raw, list) else [raw] if isinstance(raw, dict) else []
    out = []
    for item in items:
        if not isinstance(item, dict):
            continue
        actions = item.get("Action") or []
        actions = actions if isinstance(actions, list) else [actions]
        resources = item.get("Resource", [])
        resources = resources if isinstance(resources, list) else [resources]
        out.append(Statement(str(item.get("Effect", "")),
                             frozenset(a.lower() for a in actions if isinstance(a, str)),
                             tuple(resources), item.get("Principal"), item.get("Condition")))
    return out


def _words(text: str) -> str:
    """`ConsumerBilling` -> `consumer-billing`; anything but letters and digits dropped."""
    cleaned = "".join(ch for ch in text if ch.isascii() and ch.isalnum()) or "main"
    return _WORD.sub("-", cleaned).lower()


def _hints(template: Template) -> dict[tuple[str, str], str]:
    """The component ids render wrote, by (prefix, logical id) and by ("", the id's name in camel case): from
    the template's `Metadata.Advisor.Components` and from component ids in resources' descriptions."""
    ids: set[str] = set()
    advisor = template.metadata.get("Advisor") if isinstance(template.metadata, dict) else None
    if isinstance(advisor, dict) and isinstance(advisor.get("Components"), dict):
        ids.update(k for k in advisor["Components"] if isinstance(k, str))
    for resource in template.resources.values():
        text = resource.props.get("Description")
        if isinstance(text, str) and text.startswith("advisor"):
            ids.update(_TOKEN.findall(text))
    out: dict[tuple[str, str], str] = {}
    for cid in sorted(ids):
        prefix, _, rest = cid.partition(":")
        out[(prefix, camel(cid))] = cid
        out.setdefault(("", camel(rest)), rest)
    return out


# --- running the readbacks ----------------------------------------------------------------------------------


def infer(template: Template) -> Inferred:
    """Read the template back into the architecture it deploys (see the module's docstring)."""
    from advisor.services import READBACK_ORDER, part, service

    r = Reading(template)
    modules = [(sid, part(sid, "readback")) for sid in READBACK_ORDER]
    readers = [(sid, m) for sid, m in modules if m is not None]
    for _, module in readers:
        step = getattr(module, "components", None)
        if step is not None:
            step(r)
    for _, module in readers:
        step = getattr(module, "edges", None)
        if step is not None:
            step(r)
    known = {t for _, m in readers for t in getattr(m, "TYPES", ())}
    not_understood = [NotUnderstood(lid, res.type, res.line,
                                    "belongs to no component advisor reads" if res.type in known
                                    else f"advisor does not model {res.type}")
                      for lid, res in template.resources.items() if lid not in r.parts]
    not_understood += [NotUnderstood(lid, rtype, line, why) for lid, rtype, line, why in template.unexpanded]
    components = {cid: Component(cid, r.services[cid], dict(sorted(r.settings[cid].items())), ADDED_BY, (),
                                 dict(sorted(r.sources[cid].items())))
                  for cid in sorted(r.services)}
    edges = tuple(Edge(s, t, k, dict(sorted(v.items())), ADDED_BY)
                  for (s, t, k), v in sorted(r.edges.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2])))
    warnings = list(template.warnings) + r.warnings
    for e in edges:
        declared = (e.kind, components[e.target].service) in service(components[e.source].service).edges or (
            e.kind, components[e.source].service) in service(components[e.target].service).accepts
        if not declared:
            warnings.append(f"{e.source} {e.kind} {e.target}: a connection advisor's estimate does not follow, so "
                            "nothing it carries is priced")
    arch = Architecture(
        workload=_stack_name(template), region=template.region, components=components, edges=edges,
        flows=(), decisions=(), dr=None, warnings=tuple(dict.fromkeys(warnings)))
    return Inferred(template, arch, dict(r.parts), {cid: tuple(v) for cid, v in sorted(r.owned.items())},
                    tuple(sorted(not_understood, key=lambda n: (n.line, n.logical_id))),
                    tuple(dict.fromkeys(warnings)))


def _stack_name(template: Template) -> str:
    import os

    stem = os.path.splitext(os.path.basename(template.path))[0]
    return stem or "template"


# --- small readers the packages share -------------------------------------------------------------------------


def flag(value: Any, default: bool = False) -> bool:
    """A boolean property as CloudFormation reads it (`true`, `"true"`)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.lower() == "true"
    return default


def number(value: Any) -> int | float | None:
    """A numeric property (CloudFormation accepts numbers as text), or None when it is not known."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            try:
                return float(value)
            except ValueError:
                return None
    return None


def text_of(value: Any) -> str:
    """A value as text for matching: references as `${Id}` or `${Id.Attribute}`."""
    if isinstance(value, str):
        return value
    if isinstance(value, Text):
        return value.pattern()
    if isinstance(value, Ref):
        return "${%s}" % value.target
    if isinstance(value, GetAtt):
        return "${%s.%s}" % (value.resource, value.attribute)
    if isinstance(value, Fn):
        return "${%s}" % value.name
    return str(value)


__all__ = ["Inferred", "NotUnderstood", "Part", "Reading", "Statement", "flag", "infer", "number", "text_of"]
