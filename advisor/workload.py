"""Workload files, version 1: the schema, strict loading and the immutable Workload value."""

from functools import lru_cache
from types import MappingProxyType
from typing import Any, Callable, Mapping, NamedTuple

from advisor.catalog import Catalog, dr_refusal, load_catalog, region_hint
from advisor.errors import Diagnostic, InputError
from advisor.services import service
from advisor.spec import (
    INVALID, Bool, Ctx, Field, ListOf, Num, Obj, OneOfNum, Spec, Str, TrueOr, count_spec, gb_spec, kb_spec,
)
from advisor.yamlsafe import Node, YamlProblem, load_file, parse

SLUG = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
SLUG_HINT = "lowercase letters, digits and hyphens, at most 63 characters, e.g. order-intake"
# Limits with their sources: Lambda quotas (docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html),
# API Gateway quotas (docs.aws.amazon.com/apigateway/latest/developerguide/limits.html),
# DynamoDB item size (docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html).
API_PAYLOAD_KB = 10_240
DYNAMODB_ITEM_KB = 400
# CloudWatch Logs accepts only these retention periods (PutRetentionPolicy).
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
                      2557, 2922, 3288, 3653)
COMPLIANCE = ("pci-dss", "hipaa", "soc2", "gdpr", "iso-27001")
AUTH = ("iam", "cognito", "lambda-authorizer")
DEFAULT_REGION = "us-east-1"


@lru_cache(maxsize=4)
def requirement_specs(catalog: Catalog) -> dict[str, Obj]:
    """The parameters of each requirement, with defaults used when a problem implies it (shared: read only)."""
    regions = tuple(catalog.regions)
    return {
        "scalability": Obj({
            "peak_rps": Field(Num("Peak requests per second the design must absorb", minimum=0,
                                  exclusive_minimum=True, maximum=10_000_000)),
        }, what="parameter"),
        "high-availability": Obj({
            "availability_target": Field(Num("Availability target in percent", minimum=90, maximum=99.999, unit="%")),
        }, what="parameter"),
        "decoupling": Obj({
            "consumers": Field(ListOf(Str(pattern=SLUG, pattern_hint=SLUG_HINT, max_length=63),
                                      "Independent consumers, one queue each", min_items=1, max_items=20,
                                      unique=True), default=["worker"]),
        }, what="parameter"),
        "real-time-updates": Obj({
            "subscribers": Field(ListOf(Str(enum=tuple(catalog.protocols), what="subscriber"), "Who is notified of each change",
                                        min_items=1, max_items=len(catalog.protocols), unique=True),
                                 default=["lambda"]),
        }, what="parameter"),
        "cost-optimization": Obj({
            "monthly_budget_usd": Field(Num("Monthly budget in USD", minimum=0, exclusive_minimum=True,
                                            maximum=1e9, unit="USD")),
        }, what="parameter"),
        "disaster-recovery": Obj({
            "rpo_minutes": Field(Num("Recovery point objective in minutes", maximum=525_600, unit="minutes"),
                                 default=1440),
            "rto_minutes": Field(Num("Recovery time objective in minutes", maximum=525_600, unit="minutes"),
                                 default=1440),
            "secondary_region": Field(Str("Region to recover into (default: the region's usual pair)",
                                          enum=regions)),
            "backup_method": Field(Str("How backup and restore keeps the table's data in the recovery Region "
                                       "(default: the cheaper for the workload)",
                                       enum=tuple(catalog.backup_methods), what="backup method")),
        }, what="parameter"),
        "serverless-first": Obj({}, what="parameter"),
        "monitoring-governance": Obj({
            "audit": Field(Bool("Record API activity with CloudTrail"), default=True),
            "tracing": Field(Bool("Trace requests end to end with X-Ray"), default=True),
            "log_retention_days": Field(OneOfNum("Days CloudWatch Logs keeps log events", integer=True,
                                                 choices=LOG_RETENTION_DAYS), default=30),
        }, what="parameter"),
        "security": Obj({
            "auth": Field(Str("How API callers authenticate", enum=AUTH), default="iam"),
            "compliance": Field(ListOf(Str(enum=COMPLIANCE), "Compliance regimes in scope", unique=True),
                                default=[]),
        }, what="parameter"),
    }


@lru_cache(maxsize=1)
def usage_specs() -> dict[str, Obj]:
    """Per-service usage keys, Infracost's names where it has them: each service package's settings that a
    usage key sets (checked as the setting is) and the quantities it takes as usage."""
    from advisor.services import MODULES, usage_fields

    out = {}
    for service_id in MODULES:
        fields = usage_fields(service_id)
        if fields:
            out[service_id] = Obj(fields, what="usage key")
    return out


TRAFFIC_DEFAULTS: Mapping[str, Any] = MappingProxyType({
    "requests_per_month": 1_000_000, "peak_requests_per_second": 10, "request_kb": 1, "response_kb": 1,
    "writes_per_request": 1, "reads_per_request": 1,
})
HOURS_PER_DAY = 24
DATA_DEFAULTS: Mapping[str, Any] = MappingProxyType({"item_kb": 1, "storage_gb": 1})


@lru_cache(maxsize=4)
def workload_spec(catalog: Catalog) -> Obj:
    """The whole workload file's schema."""
    reqs = requirement_specs(catalog)
    usages = usage_specs()
    return Obj({
        "version": Field(Num("Workload file format version", minimum=1, maximum=1, integer=True), True),
        "name": Field(Str("Workload name, used for file and resource names", pattern=SLUG,
                          pattern_hint=SLUG_HINT, max_length=63), True),
        "description": Field(Str("Free text shown in reports", max_length=4000)),
        "region": Field(Str("AWS Region code", enum=tuple(catalog.regions), what="region",
                            enum_hint=lambda value, ctx: region_hint(str(value), catalog.regions)),
                        default=DEFAULT_REGION),
        "problems": Field(ListOf(Str(enum=tuple(catalog.problems), what="problem", enum_hint=_problem_hint(catalog)),
                                 "Customer problems to solve", unique=True,
                                 max_items=len(catalog.problems))),
        "requirements": Field(Obj({rid: Field(TrueOr(spec, catalog.requirements[rid].title))
                                   for rid, spec in reqs.items()}, "Requirements: id: true or id: {parameters}",
                                  what="requirement")),
        "traffic": Field(Obj({
            "requests_per_month": Field(count_spec("API requests per month"), default=TRAFFIC_DEFAULTS["requests_per_month"]),
            "peak_requests_per_second": Field(Num("Peak API requests per second", maximum=10_000_000),
                                              default=TRAFFIC_DEFAULTS["peak_requests_per_second"]),
            "request_kb": Field(kb_spec("Average request payload", API_PAYLOAD_KB), default=TRAFFIC_DEFAULTS["request_kb"]),
            "response_kb": Field(Num("Average response payload", maximum=API_PAYLOAD_KB, unit="KB"),
                                 default=TRAFFIC_DEFAULTS["response_kb"]),
            "writes_per_request": Field(Num("Item writes per API request", maximum=100),
                                        default=TRAFFIC_DEFAULTS["writes_per_request"]),
            "reads_per_request": Field(Num("Item reads per API request", maximum=100),
                                       default=TRAFFIC_DEFAULTS["reads_per_request"]),
            "hourly_profile": Field(ListOf(Num("Relative requests in this hour", maximum=1e15),
                                           "Requests in each hour of a typical day, as 24 relative weights from "
                                           "00:00 to 23:00 (say, percent of the day's requests): the always-on "
                                           "alternative scales its tasks to it", min_items=HOURS_PER_DAY,
                                           max_items=HOURS_PER_DAY)),
        }, "Traffic that drives the estimate", what="traffic key"), default=dict(TRAFFIC_DEFAULTS)),
        "data": Field(Obj({
            "item_kb": Field(kb_spec("Average item size", DYNAMODB_ITEM_KB), default=DATA_DEFAULTS["item_kb"]),
            "storage_gb": Field(gb_spec("Data stored"), default=DATA_DEFAULTS["storage_gb"]),
        }, "Data volume", what="data key"), default=dict(DATA_DEFAULTS)),
        "usage": Field(Obj(dict(sorted((k, Field(v)) for k, v in usages.items())),
                           "Per-service overrides of the derived usage", what="service",
                           unknown_hint=_usage_hint(catalog))),
    }, "advisor workload file, version 1", what="key")


class Workload(NamedTuple):
    """A validated workload: what the customer has, needs, and how much traffic."""

    file: str
    name: str
    description: str
    region: str
    problems: tuple[str, ...]
    requirements: Mapping[str, Mapping[str, Any]]
    traffic: Mapping[str, Any]
    data: Mapping[str, Any]
    usage: Mapping[str, Mapping[str, Any]]
    implied_by: Mapping[str, tuple[str, ...]] = MappingProxyType({})
    warnings: tuple[str, ...] = ()
    assumed: tuple[str, ...] = ()  # sections the file leaves out, filled with the schema's defaults

    def because(self, requirement: str) -> tuple[str, ...]:
        """Why a requirement is in force: stated, or implied by which problems."""
        if requirement in self.implied_by:
            return tuple(f"problem:{p}" for p in self.implied_by[requirement])
        return (f"requirement:{requirement}",)


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return MappingProxyType({k: v if type(v) in SCALAR_TYPES else _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple([v if type(v) in SCALAR_TYPES else _freeze(v) for v in value])
    return value


# The scalar types validated data holds: let through as they are, without a call or an ABC test.
SCALAR_TYPES = frozenset({str, int, float, bool, type(None)})


def _problem_hint(catalog: Catalog) -> Callable[[str, Ctx], str | None]:
    def hint(value: str, ctx: Ctx) -> str | None:
        words = value.lower().replace("&", " ").replace("_", " ").split()
        guess = ctx.suggest("-".join(words), list(catalog.problems))
        if len(words) > 1 or " " in value:
            return "problems are ids, not free text; " + (guess or "run `advisor schema` for the list")
        return guess or "run `advisor schema` for the list"
    return hint


def _usage_hint(catalog: Catalog) -> Callable[[str, Ctx], str | None]:
    services = sorted(usage_specs())
    listing = "services with usage keys: " + ", ".join(services)

    def hint(key: str, ctx: Ctx) -> str | None:
        if key in catalog.services:
            return f"{key} has no usage keys; {listing}"
        return ctx.suggest(key, services) or listing
    return hint


def _usage_cross_checks(usage: dict[str, Any], node: Node, ctx: Ctx) -> None:
    """Usage keys that only make sense together, or values advisor cannot deploy, as each service declares
    them: say so rather than price one key and ignore the other."""
    for service_id, given in usage.items():
        keys = node.value["usage"].value[service_id]
        declared = service(service_id)
        if declared.usage_check is not None:
            for key, problem, hint in declared.usage_check(given):
                ctx.error(keys.keys[key], f"usage.{service_id}.{key}", problem, hint)
        for key, (bad, why, hint) in declared.undeployable.items():
            if key in given and bad(given[key]):
                ctx.error(keys.value[key], f"usage.{service_id}.{key}",
                          f"{str(given[key]).lower() if isinstance(given[key], bool) else given[key]} cannot be "
                          f"deployed: {why}", hint)


# The parameters of a requirement that only a problem implies: its defaults, the same for every
# workload, so worked out once per spec (by id, each entry keeping its spec alive). Never changed:
# a workload freezes them into its own values.
_DEFAULTS: dict[int, tuple[Spec, Any]] = {}


def _defaults(spec: Spec, node: Node, ctx: Ctx, path: str) -> Any:
    known = _DEFAULTS.get(id(spec))
    if known is not None and known[0] is spec:
        return known[1]
    before = len(ctx.diagnostics)
    value = spec.check(Node("map", {}, node.line, node.col), ctx, path)
    if value is not INVALID and len(ctx.diagnostics) == before:  # a spec whose defaults fail says so every time
        if len(_DEFAULTS) >= 64:
            _DEFAULTS.clear()
        _DEFAULTS[id(spec)] = (spec, value)
    return value


def validate_node(node: Node, filename: str, catalog: Catalog | None = None, *, moved: bool = False) -> Workload:
    """Validate a parsed workload and build the Workload, or raise InputError with every problem. `moved`: the
    Region was replaced from the command line (`--region`), so a recovery Region it now collides with moves to
    the new Region's usual pair, with a warning, instead of failing the file."""
    catalog = catalog or load_catalog()
    ctx = Ctx(filename)
    if node.kind != "map":
        raise InputError([Diagnostic(filename, node.line, node.col,
                                     f"the file must be a mapping of keys (version, name, ...), not {'a list' if node.kind == 'seq' else 'a single value'}",
                                     "start from `advisor init` or an example")])
    raw = workload_spec(catalog).check(node, ctx, "")
    if raw is not INVALID:
        _usage_cross_checks(raw.get("usage", {}), node, ctx)
    if raw is not INVALID and not raw.get("problems") and not raw.get("requirements"):
        ctx.error(node, "", "the workload names neither problems nor requirements",
                  "add at least one, e.g. problems: [scalability-issues]")
    if ctx.diagnostics or raw is INVALID:
        raise InputError(ctx.diagnostics)
    reqs = raw.get("requirements", {})
    implied: dict[str, list[str]] = {}
    for problem in raw.get("problems", []):
        for req in catalog.problems[problem].implies:
            if req not in reqs:
                implied.setdefault(req, []).append(problem)
    specs = requirement_specs(catalog)
    effective = dict(reqs)
    for req in implied:
        effective[req] = _defaults(specs[req], node, ctx, f"requirements.{req}")
    dr = effective.get("disaster-recovery")
    warnings = []
    if dr is not None:
        dr = dict(dr)
        if dr.get("secondary_region") == raw["region"] and moved:
            dr["secondary_region"] = catalog.regions[raw["region"]]
            warnings.append(f"--region {raw['region']} is the file's recovery Region: this run recovers into "
                            f"{dr['secondary_region']}, {raw['region']}'s usual pair, instead")
        elif dr.get("secondary_region") == raw["region"]:
            where = node.value["requirements"].value["disaster-recovery"] if "requirements" in node.value else node
            raise InputError([Diagnostic(filename, where.line, where.col,
                                         "requirements.disaster-recovery.secondary_region: must differ from the workload's region",
                                         f"for {raw['region']} the usual choice is {catalog.regions[raw['region']]}")])
        dr.setdefault("secondary_region", catalog.regions[raw["region"]])
        effective["disaster-recovery"] = dr
        refused = dr_refusal(catalog.dr_strategies, dr["rpo_minutes"], dr["rto_minutes"])
        if refused is not None:
            # Only stated objectives can be out of reach (a problem's defaults never are): blame the value.
            name, message, hint = refused
            params = node.value["requirements"].value["disaster-recovery"]
            where = params.value.get(name, params) if params.kind == "map" else params
            raise InputError([Diagnostic(filename, where.line, where.col,
                                         f"requirements.disaster-recovery.{name}: {message}", hint)])
    traffic = raw["traffic"]
    average = traffic["requests_per_month"] / (730 * 3600)
    if traffic["requests_per_month"] and traffic["peak_requests_per_second"] < average:
        warnings.append(
            f"traffic.peak_requests_per_second ({traffic['peak_requests_per_second']:g}) is below the monthly "
            f"average ({average:.1f} requests per second)"
        )
    warnings += _profile_checks(traffic, node, filename)
    return Workload(
        file=filename,
        name=raw["name"],
        description=raw.get("description", ""),
        region=raw["region"],
        problems=tuple(raw.get("problems", [])),
        requirements=_freeze(dict(sorted(effective.items()))),
        traffic=_freeze(raw["traffic"]),
        data=_freeze(raw["data"]),
        usage=_freeze(raw.get("usage", {})),
        implied_by=MappingProxyType({k: tuple(v) for k, v in sorted(implied.items())}),
        warnings=tuple(warnings),
        assumed=tuple(section for section in ("traffic", "data") if section not in node.value),
    )


def _profile_checks(traffic: Mapping[str, Any], node: Node, filename: str) -> list[str]:
    """An hourly profile must have traffic in some hour; one whose busiest hour averages more than the stated
    peak is kept, with a warning (the fleet is then sized for that hour's average)."""
    profile = traffic.get("hourly_profile")
    if profile is None:
        return []
    total = sum(profile)
    if total <= 0:
        where = node.value["traffic"].value["hourly_profile"]
        raise InputError([Diagnostic(filename, where.line, where.col,
                                     "traffic.hourly_profile: every hour is 0",
                                     "give each hour's share of a day's requests, e.g. percentages that add up to 100")])
    busiest = max(range(HOURS_PER_DAY), key=lambda h: (profile[h], -h))
    per_second = traffic["requests_per_month"] / (730 / HOURS_PER_DAY) * profile[busiest] / total / 3600
    if per_second > traffic["peak_requests_per_second"]:
        return [f"the busiest hour of traffic.hourly_profile ({busiest:02d}:00) averages {per_second:.1f} requests "
                f"per second, above traffic.peak_requests_per_second ({traffic['peak_requests_per_second']:g}): "
                "the always-on alternative is sized for that hour's average"]
    return []


def load_workload(path: str, catalog: Catalog | None = None, *, region: str | None = None) -> Workload:
    """Read, parse and validate a workload file; `region` replaces the file's region before validation."""
    try:
        node = load_file(path)
    except YamlProblem as problem:
        raise InputError([problem.diagnostic]) from None
    if region is not None and node.kind == "map":
        # Validated like the file's own value; errors point at the file's region line when it has one.
        where = node.value.get("region", node)
        replaced = Node("scalar", region, where.line, where.col)
        node.value["region"] = replaced
        node.keys.setdefault("region", replaced)
    return validate_node(node, path, catalog, moved=region is not None)


USAGE_SECTIONS = ("region", "traffic", "data", "usage")


def load_usage(path: str, catalog: Catalog | None = None) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Read a usage file: a workload file's `region`, `traffic`, `data` and `usage` sections alone, checked as
    a workload's are. Returns the sections (defaults filled in) and the names of those the file gives."""
    catalog = catalog or load_catalog()
    try:
        node = load_file(path)
    except YamlProblem as problem:
        raise InputError([problem.diagnostic], what="usage") from None
    ctx = Ctx(path)
    if node.kind != "map":
        raise InputError([Diagnostic(path, node.line, node.col, "a usage file is a mapping of region, traffic, data "
                                     "and usage, as in a workload file")], what="usage")
    whole = workload_spec(catalog)
    spec = Obj({k: whole.fields[k] for k in USAGE_SECTIONS}, "advisor usage file", what="key")
    raw = spec.check(node, ctx, "")
    if raw is not INVALID:
        _usage_cross_checks(raw.get("usage", {}), node, ctx)
    if ctx.diagnostics or raw is INVALID:
        raise InputError(ctx.diagnostics, what="usage")
    return raw, tuple(k for k in USAGE_SECTIONS if k in node.value)


def with_usage(workload: Workload, sections: Mapping[str, Any], given: tuple[str, ...]) -> Workload:
    """A workload whose region, traffic, data and usage are those a usage file gives."""
    return workload._replace(
        region=sections["region"] if "region" in given else workload.region,
        traffic=_freeze(sections["traffic"]) if "traffic" in given else workload.traffic,
        data=_freeze(sections["data"]) if "data" in given else workload.data,
        usage=_freeze(sections.get("usage", {})) if "usage" in given else workload.usage,
        assumed=tuple(s for s in workload.assumed if s not in given))


def usage_workload(name: str, path: str, sections: Mapping[str, Any], given: tuple[str, ...]) -> Workload:
    """A workload that is only traffic to price a template with: no problems, no requirements."""
    return Workload(file=path, name=name, description="", region=sections["region"], problems=(),
                    requirements=MappingProxyType({}), traffic=_freeze(dict(sections["traffic"])),
                    data=_freeze(dict(sections["data"])), usage=_freeze(dict(sections.get("usage", {}))),
                    assumed=tuple(s for s in ("traffic", "data") if s not in given))


def load_workload_text(text: str, filename: str = "<text>", catalog: Catalog | None = None) -> Workload:
    """Parse and validate workload text (tests, generated workloads)."""
    try:
        node = parse(text, filename)
    except YamlProblem as problem:
        raise InputError([problem.diagnostic]) from None
    return validate_node(node, filename, catalog)


def json_schema(catalog: Catalog | None = None) -> dict[str, Any]:
    """The JSON Schema (2020-12) of the workload file, for editors."""
    spec: Spec = workload_spec(catalog or load_catalog())
    out = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://advisor.invalid/schema/workload-v1.json",
        "title": "advisor workload file, version 1",
    }
    out.update(spec.schema())
    return out
