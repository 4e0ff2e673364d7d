"""The service packages: one module per AWS service, and the one place that lists them.

A service's module declares its settings (defaults, limits, the usage keys that set them). The engine
resolves every component's settings here, once: the rules' settings, then the workload's usage keys,
then the defaults. The estimate and the template both read only the resolved value, so what is priced
is what is deployed.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType
from typing import Any, Mapping

from advisor.services.base import Service, Setting

# Service id -> module under advisor.services.
MODULES = {
    "apigateway": "apigateway",
    "backup": "backup",
    "budgets": "budgets",
    "cloudtrail": "cloudtrail",
    "cloudwatch": "cloudwatch",
    "cognito": "cognito",
    "dynamodb": "dynamodb",
    "dynamodb-exports": "dynamodb_exports",
    "dynamodb-streams": "dynamodb_streams",
    "eventbridge": "eventbridge",
    "iam": "iam",
    "kms": "kms",
    "lambda": "awslambda",
    "route53": "route53",
    "s3": "s3",
    "sns": "sns",
    "sqs": "sqs",
    "stepfunctions": "stepfunctions",
    "xray": "xray",
}
_LOADED: dict[str, Service] = {}
_PARTS: dict[tuple[str, str], ModuleType | None] = {}
DEFAULT_LOG_RETENTION_DAYS = 30


def service(service_id: str) -> Service:
    """The declaration of a service (KeyError for an id no package declares)."""
    found = _LOADED.get(service_id)
    if found is None:
        module = importlib.import_module(f"{__name__}.{MODULES[service_id]}")
        found = _LOADED[service_id] = module.SERVICE
    return found


def part(service_id: str, name: str) -> ModuleType | None:
    """A service package's `pricing` or `blueprint` module, imported when first asked for; None when the
    service has none (a stream is its table's StreamSpecification, X-Ray the functions' tracing)."""
    key = (service_id, name)
    if key not in _PARTS:
        module = f"{__name__}.{MODULES[service_id]}.{name}"
        _PARTS[key] = importlib.import_module(module) if importlib.util.find_spec(module) else None
    return _PARTS[key]


def pricing_of(service_id: str) -> ModuleType:
    """A service's pricing module (every service that prices has one)."""
    module = part(service_id, "pricing")
    if module is None:
        raise KeyError(f"{service_id} has no pricing module")
    return module


# The order in which the services' `cost` steps price an estimate: the free tier and the volume tiers are
# consumed in this order. The request tier comes first: what an always-on design (the sweep's alternative)
# replaces, priced the same whether or not the rest follows. The steps that price what the others leave
# behind (the key's requests, log lines, traces, trail files, stored objects, backups, DNS) come last; a
# service listed in neither runs between them, in id order.
COST_FIRST = ("apigateway", "sqs", "lambda", "sns", "dynamodb", "eventbridge")
COST_LAST = ("kms", "cloudwatch", "xray", "cloudtrail", "s3", "dynamodb-exports", "backup", "route53")
REQUEST_TIER = frozenset(COST_FIRST[:3])
_COST_ORDER: list[tuple[str, ...]] = []


def cost_order() -> tuple[str, ...]:
    """Every priced service, in the order its `cost` step runs."""
    if not _COST_ORDER:
        between = tuple(s for s in sorted(MODULES) if s not in COST_FIRST + COST_LAST and priced(s))
        _COST_ORDER.append(COST_FIRST + between + COST_LAST)
    return _COST_ORDER[0]


def priced(service_id: str) -> bool:
    """Whether advisor prices the service's components (its package has a `cost` step)."""
    module = part(service_id, "pricing") if service_id in MODULES else None
    return module is not None and hasattr(module, "cost")


# Blueprints with a `late(builder, component)` step run it after every connector, in this order: API
# stages first, then alarms, then DNS (which reuses the API's alarm), then the exporter's alarm (sent to the
# alarm topic, once its connector has made it).
LATE_ORDER = ("apigateway", "cloudwatch", "route53", "dynamodb-exports")

# The order in which `advisor review` runs the packages' `readback` steps: the key first (every encrypted
# resource names it), the exporter before the functions and buckets (it claims its own), the workflow before the queues (it claims the queue it parks events in), the queues
# after every package that points at its dead-letter queues, and the components that stand for a practice
# across the others (alarms, roles, tracing) last.
READBACK_ORDER = ("kms", "dynamodb-exports", "stepfunctions", "apigateway", "lambda", "dynamodb", "dynamodb-streams", "sns",
                  "eventbridge", "s3", "cloudtrail", "backup", "budgets", "cognito", "route53", "sqs",
                  "cloudwatch", "iam", "xray")


class Resolving:
    """What a setting's default may read: the workload and which services the architecture uses."""

    def __init__(self, workload: Any, services: set[str]) -> None:
        self.workload = workload
        self.services = services

    def has(self, service_id: str) -> bool:
        """Whether the architecture has a component of that service."""
        return service_id in self.services

    def log_retention_days(self) -> int:
        """The workload's log retention, else advisor's default."""
        governance = self.workload.requirements.get("monitoring-governance") or {}
        return int(governance.get("log_retention_days", DEFAULT_LOG_RETENTION_DAYS))


class Resolved:
    """A component's resolved settings and, for each, where its value came from."""

    __slots__ = ("settings", "sources")

    def __init__(self, settings: dict[str, Any], sources: dict[str, str]) -> None:
        self.settings = settings
        self.sources = sources


def resolve(cid: str, service_id: str, given: Mapping[str, Any], owner: Any, ctx: Resolving,
            overridden: dict[str, list[str]]) -> Resolved:
    """One component's settings: the rules' (`owner(key)` names the rule that set a key), replaced by the
    workload's usage keys, then completed with the service's defaults; a usage key that replaces a rule's
    value is noted in `overridden` (text -> component ids)."""
    spec = service(service_id)
    settings = {k: v for k, v in given.items() if v is not None}
    sources = {k: f"rule {owner(k)}" for k in settings}
    usage = ctx.workload.usage.get(service_id) or {}
    for s in spec.settings:
        if s.usage is None or usage.get(s.usage) is None:
            continue
        value = usage[s.usage]
        if s.name in settings and settings[s.name] != value:
            text = (f"usage.{service_id}.{s.usage} = {_text(value)} replaces {sources[s.name]}'s "
                    f"{_text(settings[s.name])}")
            overridden.setdefault(text, []).append(cid)
        settings[s.name] = value
        sources[s.name] = f"usage.{service_id}.{s.usage}"
    for s in spec.settings:
        if s.name in settings or s.default is None:
            continue
        value = s.default(ctx, cid, settings) if callable(s.default) else s.default
        if value is not None:
            settings[s.name] = value
            sources[s.name] = "default"
    return Resolved(dict(sorted(settings.items())), dict(sorted(sources.items())))


def usage_fields(service_id: str) -> dict[str, Any]:
    """The `usage.<service>` keys of a service as schema fields: its settings that a usage key sets, checked
    as the setting is, then the quantities it takes."""
    from advisor.spec import Bool, Field, Num, OneOfNum, Str

    spec = service(service_id)
    out: dict[str, Any] = {}
    for s in spec.settings:
        if s.usage is None:
            continue
        kind: Any
        if s.kind == "bool":
            kind = Bool(s.doc)
        elif s.kind in ("int", "number") and s.choices:
            kind = OneOfNum(s.doc, choices=tuple(s.choices), minimum=0, unit=s.unit)
        elif s.kind in ("int", "number"):
            kind = Num(s.doc, minimum=s.minimum, maximum=s.maximum, integer=s.kind == "int", unit=s.unit)
        else:
            kind = Str(s.doc, enum=tuple(s.choices) or None)
        out[s.usage] = Field(kind)
    out.update(spec.usage)
    return out


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def check_settings(service_id: str, settings: Mapping[str, Any]) -> list[tuple[str, bool, str, str | None]]:
    """(key, whether the key is unknown, problem, hint) for each setting a service does not declare or cannot take; placeholders
    (`{...}` text, filled per workload) are checked once filled."""
    from advisor.spec import did_you_mean

    spec = service(service_id)
    out: list[tuple[str, bool, str, str | None]] = []
    for key, value in settings.items():
        declared = spec.setting(key)
        if declared is None:
            out.append((key, True, f"{spec.name} has no setting {key!r}",
                        did_you_mean(key, spec.names) or "settings: " + ", ".join(spec.names)))
            continue
        if value is None or (isinstance(value, str) and "{" in value):
            continue
        problem = declared.check(value)
        if problem:
            out.append((key, False, problem, declared.doc))
    return out


__all__ = ["COST_FIRST", "COST_LAST", "LATE_ORDER", "MODULES", "READBACK_ORDER", "REQUEST_TIER", "Resolved", "Resolving", "Service", "Setting", "check_settings", "cost_order", "part", "priced", "pricing_of", "usage_fields", "resolve", "service"]
