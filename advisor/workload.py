"""Workload files, version 1: the schema, strict loading and the immutable Workload value."""

from functools import lru_cache
from types import MappingProxyType
from typing import Any, Callable, Mapping, NamedTuple

from advisor.catalog import Catalog, load_catalog, region_hint
from advisor.errors import Diagnostic, InputError
from advisor.services import service
from advisor.spec import INVALID, Bool, Ctx, Field, ListOf, Num, Obj, Spec, Str, TrueOr
from advisor.yamlsafe import Node, YamlProblem, load_file, parse

SLUG = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
SLUG_HINT = "lowercase letters, digits and hyphens, at most 63 characters, e.g. order-intake"
# Limits with their sources: Lambda quotas (docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html),
# API Gateway quotas (docs.aws.amazon.com/apigateway/latest/developerguide/limits.html),
# DynamoDB item size (docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html).
LAMBDA_MEMORY_MB = (128, 10_240)
LAMBDA_EPHEMERAL_MB = (512, 10_240)
LAMBDA_TIMEOUT_MS = 900_000
API_PAYLOAD_KB = 10_240
WEBSOCKET_FRAME_KB = 128
DYNAMODB_ITEM_KB = 400
# CloudWatch Logs accepts only these retention periods (PutRetentionPolicy).
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
                      2557, 2922, 3288, 3653)
COMPLIANCE = ("pci-dss", "hipaa", "soc2", "gdpr", "iso-27001")
AUTH = ("iam", "cognito", "lambda-authorizer")
DEFAULT_REGION = "us-east-1"


class OneOfNum(Num):
    """A number from a fixed set (CloudWatch retention periods and the like)."""

    def __init__(self, description: str = "", *, choices: tuple[float, ...], **kwargs: Any) -> None:
        super().__init__(description, **kwargs)
        self.choices = choices

    def check(self, node: Node, ctx: Ctx, path: str) -> Any:
        value = super().check(node, ctx, path)
        if value is not INVALID and value not in self.choices:
            near = min(self.choices, key=lambda c: abs(c - value))
            return ctx.error(node, path, f"{value} is not an allowed value", f"the nearest allowed is {near}")
        return value

    def schema(self) -> dict[str, Any]:
        return self._with_doc({"enum": list(self.choices)})


def _count(description: str, maximum: float = 1e15) -> Num:
    return Num(description, minimum=0, maximum=maximum, integer=True)


def _kb(description: str, maximum: float) -> Num:
    return Num(description, minimum=0, exclusive_minimum=True, maximum=maximum, unit="KB")


def _gb(description: str) -> Num:
    return Num(description, minimum=0, maximum=1e9, unit="GB")


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
    """Per-service usage overrides, with Infracost's key names where it has them."""
    return {
        "lambda": Obj({
            "monthly_requests": Field(_count("Invocations per month")),
            "request_duration_ms": Field(Num("Average duration per invocation", minimum=0, exclusive_minimum=True,
                                             maximum=LAMBDA_TIMEOUT_MS, unit="ms")),
            "memory_mb": Field(Num("Memory per function", minimum=LAMBDA_MEMORY_MB[0],
                                   maximum=LAMBDA_MEMORY_MB[1], integer=True, unit="MB")),
            "architecture": Field(Str("Instruction set", enum=("x86_64", "arm64"))),
            "ephemeral_storage_mb": Field(Num("Ephemeral /tmp storage", minimum=LAMBDA_EPHEMERAL_MB[0],
                                              maximum=LAMBDA_EPHEMERAL_MB[1], integer=True, unit="MB")),
            "provisioned_concurrency": Field(_count("Provisioned concurrent executions", 100_000)),
        }, what="usage key"),
        "apigateway": Obj({
            "type": Field(Str("API type", enum=("rest", "http", "websocket"))),
            "monthly_requests": Field(_count("API requests per month")),
            "request_size_kb": Field(_kb("Average request size", API_PAYLOAD_KB)),
            "monthly_messages": Field(_count("WebSocket messages per month")),
            "message_size_kb": Field(_kb("Average WebSocket message size", WEBSOCKET_FRAME_KB)),
            "monthly_connection_mins": Field(_count("WebSocket connection minutes per month")),
            "cache_size_gb": Field(OneOfNum("REST API cache size", minimum=0, unit="GB",
                                            choices=(0.5, 1.6, 6.1, 13.5, 28.4, 58.2, 118, 237))),
        }, what="usage key"),
        "sqs": Obj({
            "monthly_requests": Field(_count("Queue requests per month")),
            "request_size_kb": Field(_kb("Average message size", service("sqs").message_kb or 0)),
            "fifo": Field(Bool("FIFO queues instead of standard")),
        }, what="usage key"),
        "sns": Obj({
            "monthly_requests": Field(_count("Publishes per month")),
            "request_size_kb": Field(_kb("Average message size", service("sns").message_kb or 0)),
            **{f"{p}_subscriptions": Field(_count(f"{p.upper()} subscriptions per topic", 12_500_000))
               for p in ("http", "email", "sms", "mobile_push", "sqs", "lambda")},
        }, what="usage key"),
        "dynamodb": Obj({
            "capacity_mode": Field(Str("Capacity mode", enum=("on-demand", "provisioned"))),
            "monthly_write_request_units": Field(_count("Write request units per month")),
            "monthly_read_request_units": Field(_count("Read request units per month")),
            "read_consistency": Field(Str("Read consistency", enum=("eventual", "strong", "transactional"))),
            "write_capacity_units": Field(_count("Provisioned write capacity units", 40_000_000)),
            "read_capacity_units": Field(_count("Provisioned read capacity units", 40_000_000)),
            "storage_gb": Field(_gb("Table storage")),
            "pitr_backup_storage_gb": Field(_gb("Point-in-time recovery storage")),
            "on_demand_backup_storage_gb": Field(_gb("On-demand backup storage")),
            "monthly_data_restored_gb": Field(_gb("Data restored per month")),
            "monthly_streams_read_request_units": Field(_count("Stream read request units per month")),
        }, what="usage key"),
        "cloudwatch": Obj({
            "monthly_data_ingested_gb": Field(_gb("Log data ingested per month")),
            "storage_gb": Field(_gb("Log data stored")),
            "monthly_data_scanned_gb": Field(_gb("Logs Insights data scanned per month")),
            "metrics": Field(_count("Custom metrics", 10_000_000)),
            "standard_alarms": Field(_count("Standard-resolution alarms of your own, beyond the template's", 1_000_000)),
            "high_resolution_alarms": Field(_count("High-resolution alarms", 1_000_000)),
        }, what="usage key"),
        "cloudtrail": Obj({
            "monthly_additional_management_events": Field(_count("Management events beyond the free copy")),
            "monthly_data_events": Field(_count("Data events per month")),
            "monthly_insight_events": Field(_count("Insights events analysed per month")),
        }, what="usage key"),
        "kms": Obj({
            "keys": Field(_count("Customer managed keys", 100_000)),
            "monthly_requests": Field(_count("Symmetric key requests per month")),
        }, what="usage key"),
        "eventbridge": Obj({
            "monthly_custom_events": Field(_count("Custom events published per month")),
            "monthly_pipes_requests": Field(_count("Pipes requests per month")),
            "monthly_archive_processing_gb": Field(_gb("Events archived per month")),
            "archive_storage_gb": Field(_gb("Archive storage")),
        }, what="usage key"),
        "stepfunctions": Obj({
            "type": Field(Str("Workflow type", enum=("standard", "express"))),
            "monthly_transitions": Field(_count("State transitions per month (standard)")),
            "monthly_requests": Field(_count("Executions per month (express)")),
            "workflow_duration_ms": Field(Num("Average execution duration (express)", minimum=0,
                                              exclusive_minimum=True, maximum=300_000, unit="ms")),
            "memory_mb": Field(Num("Memory per execution (express)", minimum=64, maximum=10_240, unit="MB")),
        }, what="usage key"),
        "s3": Obj({
            "storage_gb": Field(_gb("Standard storage")),
            "monthly_tier_1_requests": Field(_count("PUT, COPY, POST, LIST requests per month")),
            "monthly_tier_2_requests": Field(_count("GET and other requests per month")),
        }, what="usage key"),
        "backup": Obj({
            "storage_gb": Field(_gb("Warm backup storage")),
            "monthly_cross_region_copy_gb": Field(_gb("Data copied to another Region per month")),
        }, what="usage key"),
    }


TRAFFIC_DEFAULTS: Mapping[str, Any] = MappingProxyType({
    "requests_per_month": 1_000_000, "peak_requests_per_second": 10, "request_kb": 1, "response_kb": 1,
    "writes_per_request": 1, "reads_per_request": 1,
})
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
            "requests_per_month": Field(_count("API requests per month"), default=TRAFFIC_DEFAULTS["requests_per_month"]),
            "peak_requests_per_second": Field(Num("Peak API requests per second", maximum=10_000_000),
                                              default=TRAFFIC_DEFAULTS["peak_requests_per_second"]),
            "request_kb": Field(_kb("Average request payload", API_PAYLOAD_KB), default=TRAFFIC_DEFAULTS["request_kb"]),
            "response_kb": Field(Num("Average response payload", maximum=API_PAYLOAD_KB, unit="KB"),
                                 default=TRAFFIC_DEFAULTS["response_kb"]),
            "writes_per_request": Field(Num("Item writes per API request", maximum=100),
                                        default=TRAFFIC_DEFAULTS["writes_per_request"]),
            "reads_per_request": Field(Num("Item reads per API request", maximum=100),
                                       default=TRAFFIC_DEFAULTS["reads_per_request"]),
        }, "Traffic that drives the estimate", what="traffic key"), default=dict(TRAFFIC_DEFAULTS)),
        "data": Field(Obj({
            "item_kb": Field(_kb("Average item size", DYNAMODB_ITEM_KB), default=DATA_DEFAULTS["item_kb"]),
            "storage_gb": Field(_gb("Data stored"), default=DATA_DEFAULTS["storage_gb"]),
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


_WEBSOCKET_ONLY = ("monthly_messages", "message_size_kb", "monthly_connection_mins")
_PROVISIONED_ONLY = ("write_capacity_units", "read_capacity_units")
_ON_DEMAND_ONLY = ("monthly_write_request_units", "monthly_read_request_units")


def _usage_cross_checks(usage: dict[str, Any], node: Node, ctx: Ctx) -> None:
    """Usage keys that only make sense together: say so rather than price one and ignore the other."""
    def where(service: str, key: str) -> Node:
        return node.value["usage"].value[service].keys[key]

    api = usage.get("apigateway", {})
    if api.get("type", "rest") != "websocket":
        for key in _WEBSOCKET_ONLY:
            if key in api:
                ctx.error(where("apigateway", key), f"usage.apigateway.{key}", "applies to WebSocket APIs only",
                          "set usage.apigateway.type: websocket, or remove the key")
    if api.get("type", "rest") != "rest" and "cache_size_gb" in api:
        ctx.error(where("apigateway", "cache_size_gb"), "usage.apigateway.cache_size_gb",
                  "applies to REST APIs only", "API caching is a REST API feature; set type: rest or remove the key")
    if api.get("type") == "websocket" and "request_size_kb" in api:
        ctx.error(where("apigateway", "request_size_kb"), "usage.apigateway.request_size_kb",
                  "applies to REST and HTTP APIs", "WebSocket APIs meter message_size_kb")
    for service_id, given in usage.items():
        for key, (bad, why, hint) in service(service_id).undeployable.items():
            if key in given and bad(given[key]):
                ctx.error(node.value["usage"].value[service_id].value[key], f"usage.{service_id}.{key}",
                          f"{str(given[key]).lower() if isinstance(given[key], bool) else given[key]} cannot be "
                          f"deployed: {why}", hint)
    table = usage.get("dynamodb", {})
    mode = table.get("capacity_mode", "on-demand")
    wrong = _PROVISIONED_ONLY if mode == "on-demand" else _ON_DEMAND_ONLY
    for key in wrong:
        if key in table:
            ctx.error(where("dynamodb", key), f"usage.dynamodb.{key}", f"does not apply in {mode} capacity mode",
                      "set usage.dynamodb.capacity_mode: " + ("provisioned" if mode == "on-demand" else "on-demand"))


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


def validate_node(node: Node, filename: str, catalog: Catalog | None = None) -> Workload:
    """Validate a parsed workload and build the Workload, or raise InputError with every problem."""
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
    if dr is not None:
        dr = dict(dr)
        if dr.get("secondary_region") == raw["region"]:
            where = node.value["requirements"].value["disaster-recovery"] if "requirements" in node.value else node
            raise InputError([Diagnostic(filename, where.line, where.col,
                                         "requirements.disaster-recovery.secondary_region: must differ from the workload's region",
                                         f"for {raw['region']} the usual choice is {catalog.regions[raw['region']]}")])
        dr.setdefault("secondary_region", catalog.regions[raw["region"]])
        effective["disaster-recovery"] = dr
    warnings = []
    traffic = raw["traffic"]
    average = traffic["requests_per_month"] / (730 * 3600)
    if traffic["requests_per_month"] and traffic["peak_requests_per_second"] < average:
        warnings.append(
            f"traffic.peak_requests_per_second ({traffic['peak_requests_per_second']:g}) is below the monthly "
            f"average ({average:.1f} requests per second)"
        )
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
    return validate_node(node, path, catalog)


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
