"""From an architecture and a workload's traffic to priced cost lines.

The usage model, in the order quantities flow through the architecture (R is
`traffic.requests_per_month`, times the sweep's scale):

- **Entries**: traffic arrives where a flow begins. An API receives R requests of `request_kb`
  and sends `response_kb` back to the internet; a topic or bus whose producer is outside the
  architecture gets one event per written request; a table that only the workload's own
  application writes gets R × `writes_per_request` writes.
- **Write and read paths**: when an API both sends to a queue and invokes a function, requests
  split by the traffic's mix: the share `writes / (writes + reads)` goes to the queue, the rest
  to the synchronous function.
- **Queues** receive what is sent to them (API requests, or one message per publish of a topic
  that fans out to them). Each message costs one SendMessage; a Lambda event source mapping
  receives and deletes in batches of the edge's `batch_size` (default 10) and its five idle
  long-polling pollers add empty receives all month.
- **Functions** run once per batch from a queue, once per synchronous API request, once per
  message a topic delivers to them, and at most once per request they authorise. A function
  publishes one event per record it processes.
- **Tables** take one conditional put per record their writer functions process and one read
  per invocation of their reader functions (1 KB write units, 4 KB read units at the table's
  resolved read consistency); storage is `data.storage_gb`; point-in-time recovery bills the
  table's size; a replica bills its own storage and recovery in its Region, one replicated
  write per write, and the data it receives.
- **Topics** publish what their sources produce, and each publish is delivered once per
  subscription; a stream publishes one change record per write of its table.
- **Keys, logs, alarms, traces, trails and backups** follow from the components they serve;
  each line's basis says how.

Every setting that decides a price (memory, architecture, API type, capacity mode, read
consistency, retention...) is the component's resolved setting, the one the template deploys.
Count keys under `usage.<service>` (`monthly_requests`...) are the service's total and are shared
among its components in proportion to the derived counts. Volume tiers climb once per account and
Region across all components (the `FreeTier` ledger). Every line's `basis` names where its
quantity came from.
"""

from decimal import Context, Decimal, localcontext
from typing import Any, Callable, Mapping

from advisor.architecture import Architecture, Component
from advisor.pricing.base import (
    DEFAULT_MONTH, KB_PER_GB, ZERO, CostLine, FreeTier, Month, ceil, fmt_number, to_decimal,
)
from advisor.pricing.catalog import Catalog
from advisor.records import Record
from advisor.services import service
from advisor.workload import Workload

ONE = Decimal(1)
# Sums of lines in a context wide enough to hold them without rounding: a line has at most 28 significant
# digits, and an estimate's few hundred lines add at most a few more.
EXACT = Context(prec=120)
_new_line = tuple.__new__  # a CostLine from its fields, as Record._make without the length check; component is last
_MODULES: dict[str, Any] = {}


def _pricing(name: str) -> Any:
    """A service's pricing module, imported the first time an architecture needs it."""
    module = _MODULES.get(name)
    if module is None:
        import importlib

        package = "advisor.pricing.datatransfer" if name == "datatransfer" else f"advisor.services.{name}.pricing"
        module = _MODULES[name] = importlib.import_module(package)
    return module
DEFAULT_BATCH = 10
DEFAULT_DURATION_MS = 100
# "Exceeding the limit of 10 messages per second (TPS) for an email or email-json endpoint will trigger an automatic
# suspension of the subscription" (docs.aws.amazon.com/sns/latest/dg/sns-email-notifications.html).
EMAIL_PER_SECOND = Decimal(10)
# A function logs START, END and REPORT lines plus one JSON line of its own per invocation;
# API Gateway writes one access-log line per request. About 1 KB each.
LOG_KB_PER_EVENT = Decimal(1)
# SQS reuses a data key for KmsDataKeyReusePeriodSeconds (default 300 s); DynamoDB and CloudWatch Logs
# cache theirs for a few minutes too. One KMS request per principal per 5 minutes is the model.
KMS_REUSE_SECONDS = Decimal(300)
# CloudTrail delivers a log file to S3 about every 5 minutes; an event is about 1.5 KB before compression.
TRAIL_FILES_PER_HOUR = Decimal(12)
TRAIL_EVENT_KB = Decimal("1.5")
PIPE_CHUNK_KB = Decimal(64)


class Estimate(Record):
    """A priced month for one workload."""

    __slots__ = ()

    workload: str
    region: str
    currency: str
    free_tier: bool
    prices_source: str
    prices_as_of: str
    lines: tuple[CostLine, ...]
    warnings: tuple[str, ...]
    # Components with no cost line: (component, service, why), so that every resource is priced or accounted for.
    unbilled: tuple[tuple[str, str, str], ...] = ()

    @property
    def total(self) -> Decimal:
        """The exact sum of every line."""
        with localcontext(EXACT):
            return +sum((line.monthly_usd for line in self.lines), ZERO)

    def by_service(self) -> dict[str, Decimal]:
        """Monthly amount per service, sorted by service id, each the exact sum of its lines."""
        out: dict[str, Decimal] = {}
        with localcontext(EXACT):
            for line in self.lines:
                out[line.service] = out.get(line.service, ZERO) + line.monthly_usd
        return dict(sorted(out.items()))


class Graph:
    """The architecture indexed by service and by edge ends: priced many times over in a sweep."""

    def __init__(self, arch: Architecture) -> None:
        self.arch = arch
        self.components = arch.components
        self.edges = arch.edges
        self._by_service: dict[str, tuple[Component, ...]] = {}
        for component in arch.components.values():
            self._by_service[component.service] = self._by_service.get(component.service, ()) + (component,)
        self._from: dict[str, tuple[Any, ...]] = {}
        self._to: dict[str, tuple[Any, ...]] = {}
        self.memo: dict[str, Any] = {}  # the `fact`s worked out so far
        for edge in arch.edges:
            self._from[edge.source] = self._from.get(edge.source, ()) + (edge,)
            self._to[edge.target] = self._to.get(edge.target, ()) + (edge,)

    def of_service(self, service: str) -> tuple[Component, ...]:
        """Components of one service, in id order."""
        return self._by_service.get(service, ())

    def edges_from(self, component: str) -> tuple[Any, ...]:
        """Edges leaving a component."""
        return self._from.get(component, ())

    def edges_to(self, component: str) -> tuple[Any, ...]:
        """Edges arriving at a component."""
        return self._to.get(component, ())

    # What the pricing steps read of the shape alone (no traffic), worked out once per graph: a sweep
    # prices one graph at a thousand points.

    def fact(self, name: str, make: Callable[["Graph"], Any]) -> Any:
        """A fact of the graph's shape, made by `make(graph)` the first time it is asked for."""
        found = self.memo.get(name, _NOTHING)
        if found is _NOTHING:
            found = self.memo[name] = make(self)
        return found


_NOTHING = object()


def graph_of(arch: Architecture | Graph) -> Graph:
    """The graph of an architecture (a graph is its own)."""
    return arch if isinstance(arch, Graph) else Graph(arch)


class _Flows:
    """The monthly quantities that move along the architecture's edges."""

    def __init__(self, workload: Workload, arch: Graph, scale: Decimal) -> None:
        t = workload.traffic
        self.arch = arch
        self.requests = ceil(to_decimal(t["requests_per_month"]) * scale)  # requests are whole
        self.writes_per_request = to_decimal(t["writes_per_request"])
        self.reads_per_request = to_decimal(t["reads_per_request"])
        writes, reads = self.writes_per_request, self.reads_per_request
        self.write_share = writes / (writes + reads) if writes + reads > 0 else ONE
        self.messages: dict[str, Decimal] = {}
        self.invocations: dict[str, Decimal] = {}
        self.publishes: dict[str, Decimal] = {}
        self.table_writes: dict[str, Decimal] = {}
        self.table_reads: dict[str, Decimal] = {}
        self.why: dict[str, str] = {}
        # Requests that write: all of them, unless an API splits them between a write and a read path.
        self.written = self.requests
        self._derive()

    def _api_split(self, api: str) -> tuple[Decimal, Decimal, str]:
        sends = [e for e in self.arch.edges_from(api) if e.kind == "sends"]
        invokes = [e for e in self.arch.edges_from(api) if e.kind == "invokes"]
        if sends and invokes:
            share = self.write_share
            text = f"{_pct(share)} of requests write (traffic writes:reads per request)"
            to_queue = ceil(self.requests * share)
            return to_queue, self.requests - to_queue, text
        return self.requests, self.requests, "every API request"

    def _derive(self) -> None:
        r = fmt_number(self.requests)
        for api in self.arch.of_service("apigateway"):
            to_queue, to_function, text = self._api_split(api.id)
            if to_queue != to_function:
                self.written = to_queue
            for edge in self.arch.edges_from(api.id):
                if edge.kind == "sends":
                    self._add(self.messages, edge.target, to_queue, f"{r} API requests to {api.id}, {text}")
                elif edge.kind == "invokes":
                    share = (f"{_pct(ONE - self.write_share)} of requests read (traffic writes:reads per request)"
                             if to_function != self.requests else text)
                    self._add(self.invocations, edge.target, to_function,
                              f"{r} API requests to {api.id}, {share}")
            for edge in self.arch.edges_to(api.id):
                if edge.kind == "authorizes" and self.arch.components[edge.source].service == "lambda":
                    # An upper bound: the authorizer's 300 s result cache spares the calls a token repeats.
                    self._add(self.invocations, edge.source, self.requests,
                              f"at most one per request to {api.id} ({r}); its 300 s result cache per token "
                              "spares the repeats")
        # Queues feed functions; functions publish; topics fan out to queues and functions. The graph
        # is acyclic, so repeating the passes in a fixed order settles every quantity.
        for _ in range(len(self.arch.components) + 1):
            before = (dict(self.messages), dict(self.invocations), dict(self.publishes), dict(self.table_writes))
            self._propagate()
            if before == (self.messages, self.invocations, self.publishes, self.table_writes):
                break

    def _propagate(self) -> None:
        queues, functions, topics, streams, buses, tables = self.arch.fact("flows", _flow_plan)
        messages_of, invocations, publishes_of, why = self.messages, self.invocations, self.publishes, self.why
        for queue, triggers in queues:
            messages = messages_of.get(queue, ZERO)
            for target, batch in triggers:
                invocations[target] = ceil(messages / batch)
                why[target] = f"{fmt_number(messages)} messages from {queue} in batches of {fmt_number(batch)}"
        processed: dict[str, Decimal] = {}  # records each function handles: queued messages, else invocations
        for function, feeding, _ in functions:
            if feeding:
                processed[function] = sum((messages_of.get(source, ZERO) for source in feeding), ZERO)
            else:
                processed[function] = invocations.get(function, ZERO)
        for function, _, targets in functions:
            for target in targets:
                publishes_of[target] = processed[function]
                why[target] = f"one event per message {function} processes"
        # Each record a writer processes is one conditional put; each invocation of a reader reads one item.
        writes: dict[str, Decimal] = {}
        reads: dict[str, Decimal] = {}
        for table, writers, readers, entry in tables:
            if writers:
                writes[table] = sum((processed[f] for f in writers), ZERO)
                why[f"{table}#writes"] = "one conditional put per record " + ", ".join(writers) + " processes"
            elif entry:
                writes[table] = self.requests * self.writes_per_request
                why[f"{table}#writes"] = ("written by the workload's application outside the architecture: requests × "
                                          f"traffic.writes_per_request ({fmt_number(self.writes_per_request)})")
            if readers:
                reads[table] = sum((invocations.get(f, ZERO) for f in readers), ZERO)
                why[f"{table}#reads"] = "one read per invocation of " + ", ".join(readers)
        self.table_writes, self.table_reads = writes, reads
        for topic, outside, deliveries in topics:
            if outside and topic not in publishes_of:
                publishes_of[topic] = self.written
                why[topic] = "one event per written request (the producer is outside the architecture)"
            publishes = publishes_of.get(topic, ZERO)
            for kind, target in deliveries:
                if kind == "fans-out":
                    messages_of[target] = publishes
                    why[target] = f"one message per publish to {topic}"
                else:
                    invocations[target] = publishes
                    why[target] = f"one invocation per publish to {topic}"
        for table, target in streams:
            changes = writes.get(table, ZERO)
            publishes_of[target] = changes
            why[target] = f"one change record per write to {table}, {fmt_number(changes)} writes"
        for bus, target in buses:
            publishes_of[target] = self.written
            why[target] = f"integration events routed from {bus}, one per written request"

    def _add(self, table: dict[str, Decimal], key: str, value: Decimal, why: str) -> None:
        table[key] = table.get(key, ZERO) + value
        self.why[key] = why if key not in self.why else f"{self.why[key]}; {why}"


def _flow_plan(graph: Graph) -> tuple[tuple[Any, ...], ...]:
    """The edges `_Flows` moves quantities along, step by step: queue triggers with their batch sizes,
    what feeds and what each function publishes to, the topics' deliveries, streams and buses."""
    queues = tuple((q.id, tuple((e.target, Decimal(e.settings.get("batch_size", DEFAULT_BATCH)))
                                for e in graph.edges_from(q.id) if e.kind == "triggers"))
                   for q in graph.of_service("sqs"))
    functions = tuple((f.id, tuple(e.source for e in graph.edges_to(f.id) if e.kind == "triggers"),
                       tuple(e.target for e in graph.edges_from(f.id) if e.kind == "publishes"))
                      for f in graph.of_service("lambda"))
    topics = tuple((t.id, not any(e.kind in ("publishes", "routes-to") for e in graph.edges_to(t.id))
                    and not any(e.kind == "alarms-to" for e in graph.edges_to(t.id)),
                    tuple((e.kind, e.target) for e in graph.edges_from(t.id) if e.kind in ("fans-out", "delivers-to")))
                   for t in graph.of_service("sns"))
    streams = tuple((table.source, e.target) for s in graph.of_service("dynamodb-streams")
                    for table in graph.edges_to(s.id) if table.kind == "streams-to"
                    for e in graph.edges_from(s.id) if e.kind == "publishes")
    buses = tuple((b.id, e.target) for b in graph.of_service("eventbridge") for e in graph.edges_from(b.id)
                  if e.kind == "routes-to")
    entries = _entries(graph)
    tables = tuple((t.id, tuple(e.source for e in graph.edges_to(t.id) if e.kind == "writes"),
                    tuple(e.source for e in graph.edges_to(t.id) if e.kind == "reads"), t.id in entries)
                   for t in graph.of_service("dynamodb") if not t.settings.get("replica_of"))
    return queues, functions, topics, streams, buses, tables


def _entries(graph: Graph) -> set[str]:
    """Components where a flow begins, directly or after its client or producer: where traffic from
    outside the architecture arrives."""
    found = set()
    for flow in graph.arch.flows:
        for step in flow.steps:
            if step.components:
                found.update(step.components)
                break
            if step.label not in ("client", "producer"):
                break
    return found


def _pct(share: Decimal) -> str:
    return f"{(share * 100).quantize(Decimal('0.1')).normalize():f}%"


class _Pricer:
    """Prices each component with its service module, sharing one free-tier ledger."""

    def __init__(self, workload: Workload, arch: Graph, catalog: Catalog, *, free_tier: bool,
                 scale: Decimal, month: Month) -> None:
        self.w = workload
        self.arch = arch
        self.catalog = catalog
        self.month = month
        self.scale = scale
        self.flows = _Flows(workload, arch, scale)
        # One ledger per estimate: the free allowances when asked for, and always the account's climb up the tiers.
        self.free = FreeTier.from_catalog(catalog) if free_tier else FreeTier(())
        self.lines: list[CostLine] = []
        self.warnings: list[str] = []
        self.unbilled: tuple[tuple[str, str, str], ...] = ()
        self.usage = workload.usage

    # -- helpers -----------------------------------------------------------------------------

    def _emit(self, component: str | None, lines: list[CostLine]) -> None:
        if component:
            # Built from the tuple: `_replace` costs more than the pricing itself in a sweep.
            self.lines += [_new_line(CostLine, line[:-1] + (component,)) for line in lines]
        else:
            self.lines += lines

    def _capped(self, service_id: str, size: Any, what: str) -> Decimal:
        """A message size within the service's limit, with a warning when the payload is larger."""
        spec = service(service_id)
        assert spec.message_kb is not None
        kb, cap = to_decimal(size), Decimal(spec.message_kb)
        if kb <= cap:
            return kb
        self._warn(f"{what} of {fmt_number(kb)} KB exceed the {spec.name} limit of {fmt_number(cap)} KB "
                   f"({spec.message_quota}): send them through S3 (the extended client library's claim check); the "
                   f"estimate prices the messages at {fmt_number(cap)} KB and leaves out the S3 requests")
        return cap

    def _override(self, service: str, key: str) -> Any:
        return self.usage.get(service, {}).get(key)

    def _counts(self, service: str, key: str, derived: Mapping[str, Decimal], what: str
                ) -> tuple[dict[str, Decimal], dict[str, str]]:
        """Derived counts per component, or the usage total shared in proportion to them."""
        given = self._override(service, key)
        if given is None:
            return dict(derived), {}
        total = ceil(to_decimal(given) * self.scale)  # counts stay whole at every sweep scale
        base = sum(derived.values(), ZERO)
        out: dict[str, Decimal] = {}
        notes: dict[str, str] = {}
        for cid, value in derived.items():
            share = value / base if base > 0 else ONE / len(derived)
            out[cid] = ceil(total * share) if share != 1 else total
            text = f"usage.{service}.{key} = {fmt_number(to_decimal(given))}"
            if self.scale != 1:
                text += f" × {fmt_number(self.scale)} (sweep)"
            if len(derived) > 1:
                text += f", {_pct(share)} of it to {cid} by derived {what}"
            notes[cid] = text
        return out, notes

    # -- services ------------------------------------------------------------------------------

    def api(self) -> None:
        apigateway = _pricing("apigateway")

        t = self.w.traffic
        apis = self.arch.of_service("apigateway")
        if not apis:
            return
        counts, notes = self._counts("apigateway", "monthly_requests", {a.id: self.flows.requests for a in apis},
                                     "requests")
        for api in apis:
            api_type = api.settings["type"]
            requests = counts[api.id]
            basis = {"monthly_requests": notes.get(api.id) or f"traffic.requests_per_month = "
                     f"{fmt_number(to_decimal(t['requests_per_month']))}" + _scaled(self.scale),
                     "type": _source(api.sources, "type")}
            size = self._override("apigateway", "request_size_kb") or t["request_kb"]
            cache = api.settings.get("cache_size_gb")
            usage = apigateway.ApiGatewayUsage(
                type=api_type, monthly_requests=requests, request_size_kb=size, response_size_kb=t["response_kb"],
                cache_size_gb=cache, cache_hours=self.month.hours if cache else None,
            )
            if cache:
                basis["cache_size_gb"] = _source(api.sources, "cache_size_gb")
            basis["request_size_kb"] = ("usage.apigateway.request_size_kb" if self._override("apigateway",
                                        "request_size_kb") else f"traffic.request_kb = {t['request_kb']}")
            basis["response_size_kb"] = f"traffic.response_kb = {t['response_kb']}"
            self._emit(api.id, apigateway.price(usage, self.catalog, free_tier=self.free, month=self.month,
                                                basis=basis))
            self._logs(api.id, requests, "access-log line per request")

    def queues(self) -> None:
        sqs = _pricing("sqs")

        queues = self.arch.of_service("sqs")
        if not queues:
            return
        derived = {q.id: self.flows.messages.get(q.id, ZERO) for q in queues}
        moved = {q.id: self._queue_requests(q, derived[q.id]) for q in queues}
        counts, notes = self._counts("sqs", "monthly_requests", {q.id: moved[q.id][0] for q in queues}, "requests")
        fifo = bool(self._override("sqs", "fifo"))
        for queue in queues:
            _, text = moved[queue.id]
            size = self._capped("sqs", self._override("sqs", "request_size_kb") or self._message_kb(queue),
                                "queue messages")
            basis = {"monthly_requests": notes.get(queue.id) or f"{text}; messages: {self.flows.why.get(queue.id, 'none')}",
                     "request_size_kb": "usage.sqs.request_size_kb" if self._override("sqs", "request_size_kb")
                     else f"message size {fmt_number(to_decimal(size))} KB"}
            usage = sqs.SqsUsage(monthly_requests=counts[queue.id], request_size_kb=size, fifo=fifo)
            self._emit(queue.id, sqs.price(usage, self.catalog, free_tier=self.free, month=self.month, basis=basis))

    def _queue_requests(self, queue: Component, messages: Decimal) -> tuple[Decimal, str]:
        sqs = _pricing("sqs")

        consumers = [e for e in self.arch.edges_from(queue.id) if e.kind == "triggers"]
        batch = int(consumers[0].settings.get("batch_size", DEFAULT_BATCH)) if consumers else DEFAULT_BATCH
        moved = sqs.message_requests(messages, send_batch=1, receive_batch=batch, delete_batch=batch)
        text = (f"{fmt_number(messages)} messages: 1 send each, receives and deletes in batches of {batch}"
                f" = {fmt_number(moved)}")
        if consumers:
            idle = sqs.idle_poller_receives(self.month)
            text += (f", plus {fmt_number(idle)} empty receives of the event source mapping's "
                     f"{sqs.ESM_IDLE_POLLERS} long-polling pollers")
            moved += idle
        return moved, text

    def _message_kb(self, queue: Component) -> Decimal:
        if any(e.kind == "sends" for e in self.arch.edges_to(queue.id)):
            return to_decimal(self.w.traffic["request_kb"])
        return to_decimal(self.w.data["item_kb"])

    def functions(self) -> None:
        awslambda = _pricing("awslambda")

        functions = self.arch.of_service("lambda")
        if not functions:
            return
        derived = {f.id: self.flows.invocations.get(f.id, ZERO) for f in functions}
        counts, notes = self._counts("lambda", "monthly_requests", derived, "invocations")
        u = self.usage.get("lambda", {})
        for fn in functions:
            settings, sources = fn.settings, fn.sources
            duration = u.get("request_duration_ms") or DEFAULT_DURATION_MS
            invocations = ceil(counts[fn.id])
            basis = {
                "monthly_requests": notes.get(fn.id) or (self.flows.why.get(fn.id) or "no traffic reaches it"),
                "memory_mb": _source(sources, "memory_mb"),
                "request_duration_ms": "usage.lambda.request_duration_ms" if u.get("request_duration_ms")
                else f"default {DEFAULT_DURATION_MS} ms",
                "architecture": _source(sources, "architecture"),
                "ephemeral_storage_mb": _source(sources, "ephemeral_storage_mb"),
            }
            usage = awslambda.LambdaUsage(
                monthly_requests=invocations, request_duration_ms=duration, memory_mb=settings["memory_mb"],
                architecture=settings["architecture"], ephemeral_storage_mb=settings["ephemeral_storage_mb"],
            )
            self._emit(fn.id, awslambda.price(usage, self.catalog, free_tier=self.free, month=self.month,
                                              basis=basis))
            self._logs(fn.id, invocations, "START, END, REPORT and one JSON line per invocation")

    def topics(self) -> None:
        sns = _pricing("sns")

        u = self.usage.get("sns", {})
        for topic in self.arch.of_service("sns"):
            publishes = self.flows.publishes.get(topic.id, ZERO)
            if u.get("monthly_requests") is not None:
                publishes = to_decimal(u["monthly_requests"]) * self.scale
            subs = {p: to_decimal(u[f"{p}_subscriptions"]) for p in
                    ("http", "email", "sms", "mobile_push", "sqs", "lambda") if u.get(f"{p}_subscriptions") is not None
                    } if u else {}
            derived = self.arch.fact("subscriptions", _subscriptions)[topic.id]
            if derived["mobile_push"] and "mobile_push" not in subs:
                # The template cannot create push endpoints (they need the customer's APNs or FCM credentials).
                derived = {**derived, "mobile_push": ZERO}
                self._warn(f"{topic.id}: mobile push endpoints are created outside the template (an SNS platform "
                           "application with APNs or FCM credentials), so their deliveries are not priced; give "
                           "usage.sns.mobile_push_subscriptions to price them")
            if derived["sms"] and "sms" not in subs and not self.catalog.has("sns.sms-deliveries"):
                derived = {**derived, "sms": ZERO}
                self._warn(f"{topic.id}: SMS prices depend on the destination country, so its SMS deliveries are not "
                           "priced; give usage.sns.sms_subscriptions and a catalog price for sns.sms-deliveries "
                           "(--catalog) to price them")
            if subs:
                derived = {**derived, **subs}
            email = derived.get("email", ZERO)
            if email and self.flows.requests:
                peak = (ceil(publishes) / self.flows.requests * to_decimal(self.w.traffic["peak_requests_per_second"])
                        * self.scale)
                if peak > EMAIL_PER_SECOND:
                    self._warn(f"{topic.id} would send about {fmt_number(ceil(peak))} e-mails a second at peak to each "
                               f"email subscription; SNS suspends an email subscription above "
                               f"{fmt_number(EMAIL_PER_SECOND)} messages a second (Amazon SNS developer guide, email "
                               "notifications): filter what reaches e-mail with a subscription filter policy, or "
                               "deliver through SQS or Lambda")
            size = self._capped("sns", u.get("request_size_kb") or self.w.data["item_kb"], "published events")
            basis = {"monthly_requests": "usage.sns.monthly_requests" if u.get("monthly_requests") is not None
                     else self.flows.why.get(topic.id, "no steady traffic"),
                     "request_size_kb": "usage.sns.request_size_kb" if u.get("request_size_kb")
                     else f"data.item_kb = {self.w.data['item_kb']}"}
            for protocol in derived:
                basis[f"{protocol}_subscriptions"] = (f"usage.sns.{protocol}_subscriptions" if protocol in subs
                                                       else f"{fmt_number(derived[protocol])} {protocol} subscriptions "
                                                       "in the architecture")
            usage = sns.SnsUsage(monthly_requests=ceil(publishes), request_size_kb=size, **{
                f"{p}_subscriptions": n for p, n in derived.items()})
            self._emit(topic.id, sns.price(usage, self.catalog, free_tier=self.free, month=self.month, basis=basis))

    def tables(self) -> None:
        datatransfer = _pricing("datatransfer")
        dynamodb = _pricing("dynamodb")

        u = self.usage.get("dynamodb", {})
        item_kb = self.w.data["item_kb"]
        storage_basis = "usage.dynamodb.storage_gb" if u.get("storage_gb") is not None else "data.storage_gb"
        storage = to_decimal(u.get("storage_gb") if u.get("storage_gb") is not None else self.w.data["storage_gb"])
        for table in self.arch.of_service("dynamodb"):
            if table.settings.get("replica_of"):
                continue  # priced with its source table
            settings, sources = table.settings, table.sources
            consistency = settings["read_consistency"]
            wru_each = dynamodb.request_units(item_kb, "write")
            rru_each = dynamodb.request_units(item_kb, f"{consistency}-read")
            mode = settings["capacity_mode"]
            writes = self.flows.table_writes.get(table.id, ZERO)
            reads = self.flows.table_reads.get(table.id, ZERO)
            wru = writes * wru_each
            rru = reads * rru_each
            why = self.flows.why
            basis = {
                "monthly_write_request_units": f"{fmt_number(writes)} writes "
                f"({why.get(table.id + '#writes', 'nothing writes to it')}) × {fmt_number(wru_each)} WRU for "
                f"{item_kb} KB items",
                "monthly_read_request_units": f"{fmt_number(reads)} reads "
                f"({why.get(table.id + '#reads', 'nothing in the architecture reads it')}) × {fmt_number(rru_each)} "
                f"RRU ({consistency} reads: {_source(sources, 'read_consistency')}, {item_kb} KB items)",
                "storage_gb": storage_basis,
            }
            if (not reads and self.flows.reads_per_request > 0 and u.get("monthly_read_request_units") is None
                    and "traffic" not in self.w.assumed):
                self._warn(f"traffic.reads_per_request is {fmt_number(self.flows.reads_per_request)} but nothing in "
                           f"the architecture reads {table.id}: reads by applications outside it are not priced "
                           "(give usage.dynamodb.monthly_read_request_units)")
            for key in ("monthly_write_request_units", "monthly_read_request_units"):
                if u.get(key) is not None:
                    basis[key] = f"usage.dynamodb.{key}" + _scaled(self.scale)
            wru = to_decimal(u["monthly_write_request_units"]) * self.scale if u.get(
                "monthly_write_request_units") is not None else wru
            rru = to_decimal(u["monthly_read_request_units"]) * self.scale if u.get(
                "monthly_read_request_units") is not None else rru
            fields: dict[str, Any] = {"capacity_mode": mode, "storage_gb": storage}
            if mode == "on-demand":
                fields.update(monthly_write_request_units=ceil(wru), monthly_read_request_units=ceil(rru))
            else:
                # The deployed capacity: the template provisions exactly these units.
                fields["write_capacity_units"] = settings["write_capacity_units"]
                fields["read_capacity_units"] = settings["read_capacity_units"]
                for key, what in (("write_capacity_units", "writes per request × WRU per item"),
                                  ("read_capacity_units", "reads per request × RRU per item")):
                    basis[key] = (f"peak requests per second × {what}" if sources.get(key) == "default"
                                  else _source(sources, key))
            pitr = u.get("pitr_backup_storage_gb", storage)
            pitr_basis = ("usage.dynamodb.pitr_backup_storage_gb" if u.get("pitr_backup_storage_gb") is not None
                          else "point-in-time recovery bills the table's size")
            if settings["point_in_time_recovery"]:
                fields["pitr_backup_storage_gb"] = to_decimal(pitr)
                basis["pitr_backup_storage_gb"] = pitr_basis
            for key in ("on_demand_backup_storage_gb", "monthly_data_restored_gb"):
                if u.get(key) is not None:
                    fields[key] = u[key]
            batch, replicas = self.arch.fact("tables", _tables)[table.id]
            if batch is not None:
                sru = u.get("monthly_streams_read_request_units")
                fields["monthly_streams_read_request_units"] = (
                    to_decimal(sru) * self.scale if sru is not None else ceil(writes / batch))
                fields["streams_consumed_by_lambda"] = False
                basis["monthly_streams_read_request_units"] = (
                    "usage.dynamodb.monthly_streams_read_request_units" if sru is not None else
                    f"one GetRecords per batch of {fmt_number(batch)} change records, read by an EventBridge pipe "
                    "(only Lambda readers are free)")
            if replicas:
                fields["replica_regions"] = tuple(str(c.settings["region"]) for c in replicas)
                basis["replica_regions"] = ", ".join(f"{c.id} in {c.settings['region']}" for c in replicas)
            usage = dynamodb.DynamoDbUsage(**fields)
            self._emit(table.id, dynamodb.price(usage, self.catalog, free_tier=self.free, month=self.month,
                                                basis=basis))
            for replica in replicas:
                region = str(replica.settings["region"])
                # A replica holds a full copy of the table, with point-in-time recovery of its own when enabled.
                held: dict[str, Any] = {"storage_gb": storage}
                held_basis = {"storage_gb": f"a full copy of {table.id} ({storage_basis})"}
                if replica.settings["point_in_time_recovery"]:
                    held["pitr_backup_storage_gb"] = to_decimal(pitr)
                    held_basis["pitr_backup_storage_gb"] = pitr_basis + f", in {region}"
                self._emit(replica.id, dynamodb.price(
                    dynamodb.DynamoDbUsage(capacity_mode=mode, **held), self.catalog.for_region(region),
                    month=self.month, basis=held_basis))
                gb = writes * to_decimal(item_kb) / KB_PER_GB
                transfer = datatransfer.DataTransferUsage(monthly_outbound_other_regions_gb=gb, destination_region=region)
                self._emit(replica.id, datatransfer.price(
                    transfer, self.catalog, free_tier=self.free, month=self.month,
                    basis={"monthly_outbound_other_regions_gb": f"{fmt_number(writes)} replicated writes × "
                           f"{item_kb} KB / 1024² to {region}"}))

    def _streamed_writes(self, stream: str) -> Decimal:
        """The writes of the table whose stream a component is."""
        return sum((self.flows.table_writes.get(e.source, ZERO) for e in self.arch.edges_to(stream)
                    if e.kind == "streams-to"), ZERO)

    def _warn(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)

    def pipes(self) -> None:
        eventbridge = _pricing("eventbridge")

        item_kb = to_decimal(self.w.data["item_kb"])
        requests = ZERO
        parts = []
        for edge, batch in self.arch.fact("pipes", _pipes):
            batches = ceil(self._streamed_writes(edge.source) / batch)
            per_batch = max(ONE, ceil(batch * item_kb / PIPE_CHUNK_KB))
            requests += batches * per_batch
            parts.append(f"{fmt_number(batches)} batches of {fmt_number(batch)} change records from {edge.source}, "
                         f"{fmt_number(per_batch)} request per batch (64 KB chunks)")
        buses = self.arch.of_service("eventbridge")
        events = self.flows.written * len(buses)
        if requests <= 0 and events <= 0:
            return
        u = self.usage.get("eventbridge", {})
        size = self._capped("eventbridge", item_kb, "integration events")
        custom = _scaled_count(u.get("monthly_custom_events"), self.scale) or ceil(events)
        # A bus's archive takes in every event it receives and keeps it for archive_days (EventBridge pricing:
        # $0.10 per GB processed into an archive, $0.023 per GB-month stored).
        archived = [b for b in buses if b.settings["archive_days"]]
        processed = custom * size / KB_PER_GB * len(archived) / max(len(buses), 1)
        stored = sum((processed / len(archived) * min(Decimal(b.settings["archive_days"]), self.month.days)
                      / self.month.days for b in archived), ZERO) if archived else ZERO
        usage = eventbridge.EventBridgeUsage(
            monthly_custom_events=custom,
            event_size_kb=size,
            monthly_pipes_requests=_scaled_count(u.get("monthly_pipes_requests"), self.scale) or requests,
            pipes_request_size_kb=ZERO,
            monthly_archive_processing_gb=to_decimal(u["monthly_archive_processing_gb"])
            if u.get("monthly_archive_processing_gb") is not None else processed,
            archive_storage_gb=to_decimal(u["archive_storage_gb"]) if u.get("archive_storage_gb") is not None
            else stored,
        )
        kept = ", ".join(f"{b.id} {b.settings['archive_days']} days" for b in archived)
        basis = {"monthly_pipes_requests": "; ".join(parts) or "none",
                 "monthly_custom_events": "one integration event per written API request",
                 "monthly_archive_processing_gb": "usage.eventbridge.monthly_archive_processing_gb"
                 if u.get("monthly_archive_processing_gb") is not None else
                 f"every event the archived buses receive ({kept}) × {fmt_number(size)} KB / 1024²",
                 "archive_storage_gb": "usage.eventbridge.archive_storage_gb" if u.get("archive_storage_gb")
                 is not None else f"the events of the last archive_days, at most a month's ({kept})"}
        component = buses[0].id if buses else (self.arch.of_service("dynamodb-streams")[0].id
                                               if self.arch.of_service("dynamodb-streams") else None)
        self._emit(component, eventbridge.price(usage, self.catalog, free_tier=self.free, month=self.month,
                                                basis=basis))

    def keys(self) -> None:
        kms = _pricing("kms")

        keys = self.arch.of_service("kms")
        self._kms_requests = ZERO
        if not keys:
            return
        per_period = self.month.seconds / KMS_REUSE_SECONDS
        principals, notes, replica_keys = self.arch.fact("kms", _encrypting)
        requests = ceil(principals * per_period)
        u = self.usage.get("kms", {})
        held = u.get("keys") or len(keys)
        rotating = sum(1 for k in keys if k.settings["rotation"]) if not u.get("keys") else (
            held if all(k.settings["rotation"] for k in keys) else 0)
        usage = kms.KmsUsage(keys=held, rotated_key_versions=2 * rotating, monthly_requests=_scaled_count(
            u.get("monthly_requests"), self.scale) or requests)
        basis = {"keys": "usage.kms.keys" if u.get("keys") else f"{len(keys)} key(s) in the architecture",
                 "rotated_key_versions": f"{rotating} key(s) with yearly automatic rotation, priced from their second "
                 "rotation on ($1 a month more in the second year, $2 from the third)",
                 "monthly_requests": "usage.kms.monthly_requests" if u.get("monthly_requests") else
                 f"one request per encrypting principal per {fmt_number(KMS_REUSE_SECONDS)} s data-key reuse "
                 f"period: {fmt_number(principals)} principals ({notes})"}
        self._kms_requests = usage.monthly_requests
        self._emit(keys[0].id, kms.price(usage, self.catalog, free_tier=self.free, month=self.month, basis=basis))
        for replica, region in replica_keys:
            # The replica's key is the customer's, given to the template as a parameter; it is a cost of the replica.
            usage = kms.KmsUsage(keys=1)
            self._emit(replica, kms.price(usage, self.catalog.for_region(region), month=self.month,
                                          basis={"keys": f"the customer managed key that encrypts {replica} in {region}"}))

    _log_events: dict[str, tuple[Decimal, str]]
    _kms_requests: Decimal = ZERO

    def _logs(self, component: str, events: Decimal, what: str) -> None:
        self._log_events[component] = (events, what)

    def logs_and_alarms(self) -> None:
        cloudwatch = _pricing("cloudwatch")

        u = self.usage.get("cloudwatch", {})
        # Each function's and API's log group: its own lines, at its own retention.
        derived = {c: events * LOG_KB_PER_EVENT / KB_PER_GB for c, (events, _) in sorted(self._log_events.items())}
        total = sum(derived.values(), ZERO)
        for component, gb in derived.items():
            events, what = self._log_events[component]
            retention = int(self.arch.components[component].settings["log_retention_days"])
            share = gb / total if total > 0 else ONE / len(derived)
            ingested_basis = f"{fmt_number(events)} × {fmt_number(LOG_KB_PER_EVENT)} KB ({what}) / 1024²"
            if u.get("monthly_data_ingested_gb") is not None:
                gb = to_decimal(u["monthly_data_ingested_gb"]) * self.scale * share
                ingested_basis = f"usage.cloudwatch.monthly_data_ingested_gb, {_pct(share)} of it by derived log lines"
            stored = cloudwatch.stored_log_gb(gb, retention, self.month)
            stored_basis = f"kept {retention} days ({_source(self.arch.components[component].sources, 'log_retention_days')})"
            if u.get("storage_gb") is not None:
                stored = to_decimal(u["storage_gb"]) * share
                stored_basis = f"usage.cloudwatch.storage_gb, {_pct(share)} of it by derived log lines"
            usage = cloudwatch.CloudWatchUsage(monthly_data_ingested_gb=gb, storage_gb=stored)
            self._emit(component, cloudwatch.price(usage, self.catalog, free_tier=self.free, month=self.month,
                                                   basis={"monthly_data_ingested_gb": ingested_basis,
                                                          "storage_gb": stored_basis}))
        alarm_count, alarm_parts, dashboards, component = self.arch.fact("alarms", _alarms)
        if component is None:
            return
        usage = cloudwatch.CloudWatchUsage(
            monthly_data_scanned_gb=u.get("monthly_data_scanned_gb") or ZERO,
            custom_metrics=u.get("metrics") or ZERO,
            standard_alarms=alarm_count + to_decimal(u.get("standard_alarms") or 0),
            high_resolution_alarms=u.get("high_resolution_alarms") or ZERO, dashboards=dashboards,
        )
        basis = {
            "standard_alarms": "the template's alarms: " + (", ".join(alarm_parts) or "none")
            + (f"; usage.cloudwatch.standard_alarms = {u['standard_alarms']} of your own"
               if u.get("standard_alarms") else ""),
            "dashboards": "one dashboard per alarms component that asks for one",
        }
        self._emit(component, cloudwatch.price(usage, self.catalog, free_tier=self.free, month=self.month,
                                               basis=basis))

    def tracing(self) -> None:
        xray = _pricing("xray")

        tracers = self.arch.of_service("xray")
        if not tracers:
            return
        traced = sum((self.flows.requests for _ in self.arch.of_service("apigateway")), ZERO) or self.flows.requests
        recorded = xray.sampled_traces(traced, self.month)
        usage = xray.XRayUsage(monthly_traces_recorded=ceil(recorded))
        basis = {"monthly_traces_recorded": f"default sampling of {fmt_number(traced)} requests: the first each "
                 "second, then 5%"}
        self._emit(tracers[0].id, xray.price(usage, self.catalog, free_tier=self.free, month=self.month,
                                             basis=basis))

    def trails(self) -> None:
        cloudtrail = _pricing("cloudtrail")
        s3 = _pricing("s3")

        u = self.usage.get("cloudtrail", {})
        for trail in self.arch.of_service("cloudtrail"):
            # The trail logs data events of the tables it audits: every item call, reads and writes (CloudTrail
            # pricing: "Data Events ... are charged at $0.10 per 100,000 events", the first delivery included).
            audited = [e.target for e in self.arch.edges_from(trail.id) if e.kind == "audits"]
            calls = {t: self.flows.table_writes.get(t, ZERO) + self.flows.table_reads.get(t, ZERO) for t in audited}
            data_events = _scaled_count(u.get("monthly_data_events"), self.scale)
            basis = {"monthly_data_events": "usage.cloudtrail.monthly_data_events" if data_events is not None else
                     "the item reads and writes of the audited tables: " + (", ".join(
                         f"{t} {fmt_number(n)}" for t, n in calls.items()) or "none")}
            if data_events is None:
                data_events = sum(calls.values(), ZERO)
            usage = cloudtrail.CloudTrailUsage(
                monthly_additional_management_events=_scaled_count(u.get("monthly_additional_management_events"),
                                                                   self.scale) or ZERO,
                monthly_data_events=data_events,
                monthly_insight_events=_scaled_count(u.get("monthly_insight_events"), self.scale) or ZERO,
            )
            self._emit(trail.id, cloudtrail.price(usage, self.catalog, free_tier=self.free, month=self.month,
                                                  basis=basis))
            for edge in self.arch.edges_from(trail.id):
                if edge.kind != "writes":
                    continue
                events = self._kms_requests + data_events
                gb = events * TRAIL_EVENT_KB / KB_PER_GB
                puts = TRAIL_FILES_PER_HOUR * self.month.hours
                usage_s3 = s3.S3Usage(storage_gb=gb, monthly_put_requests=ceil(puts))
                basis = {"storage_gb": f"{fmt_number(self._kms_requests)} management events (the KMS requests) and "
                         f"{fmt_number(data_events)} data events × {fmt_number(TRAIL_EVENT_KB)} KB / 1024², "
                         "one month's logs",
                         "monthly_put_requests": "one log file about every 5 minutes"}
                self._emit(edge.target, s3.price(usage_s3, self.catalog, free_tier=self.free, month=self.month,
                                                 basis=basis))

    def backups(self) -> None:
        backup = _pricing("backup")
        dynamodb = _pricing("dynamodb")

        storage = to_decimal(self.w.data["storage_gb"])
        for plan in self.arch.of_service("backup"):
            u = self.usage.get("backup", {})
            kept = Decimal(plan.settings.get("retention_days", 35))
            per_month = self.month.days if plan.settings.get("schedule") == "daily" else ONE
            warm = to_decimal(u["storage_gb"]) if u.get("storage_gb") is not None else storage * kept
            copied = (to_decimal(u["monthly_cross_region_copy_gb"]) if u.get("monthly_cross_region_copy_gb")
                      is not None else storage * per_month) if plan.settings.get("copy_to_region") else ZERO
            usage = backup.BackupUsage(warm_storage_gb=warm, monthly_cross_region_copy_gb=copied)
            basis = {"warm_storage_gb": "usage.backup.storage_gb" if u.get("storage_gb") is not None else
                     f"{fmt_number(kept)} retained full backups of {fmt_number(storage)} GB (data.storage_gb)",
                     "monthly_cross_region_copy_gb": f"a {fmt_number(storage)} GB copy {plan.settings.get('schedule')}"
                     f" to {plan.settings.get('copy_to_region')}"}
            self._emit(plan.id, backup.price(usage, self.catalog, free_tier=self.free, month=self.month, basis=basis))
            target = plan.settings.get("copy_to_region")
            if target:
                # The copies are DynamoDB backups held in the recovery Region; that Region's DynamoDB
                # backup-storage price applies (in us-east-1 it equals AWS Backup's warm-storage price).
                kept_copies = Decimal(plan.settings.get("copy_retention_days", kept))
                copies = dynamodb.DynamoDbUsage(on_demand_backup_storage_gb=storage * kept_copies)
                self._emit(plan.id, dynamodb.price(
                    copies, self.catalog.for_region(str(target)), month=self.month,
                    basis={"on_demand_backup_storage_gb": f"{fmt_number(kept_copies)} daily copies of "
                           f"{fmt_number(storage)} GB kept in {target}"}))

    def dns(self) -> None:
        route53 = _pricing("route53")

        cloudwatch = _pricing("cloudwatch")
        watched = any("api-5xx" in c.settings["alarms"] for c in self.arch.of_service("cloudwatch"))
        for record in self.arch.of_service("route53"):
            if not any(e.kind == "routes-to" for e in self.arch.edges_from(record.id)):
                continue
            usage = route53.Route53Usage(hosted_zones=1, monthly_latency_queries=ceil(self.flows.requests / 60),
                                         health_checks=1)
            basis = {"hosted_zones": "one zone for the API's name",
                     "monthly_latency_queries": "clients cache the answer for its 60 s TTL: about one query per "
                     "60 requests",
                     "health_checks": "this Region's health check on the API's 5XX alarm (each Region's stack "
                     "brings its own)"}
            self._emit(record.id, route53.price(usage, self.catalog, free_tier=self.free, month=self.month,
                                                basis=basis))
            if not watched:
                # The health check watches the API's 5XX alarm, which the template then creates for it alone.
                self._emit(record.id, cloudwatch.price(
                    cloudwatch.CloudWatchUsage(standard_alarms=1), self.catalog, free_tier=self.free,
                    month=self.month, basis={"standard_alarms": "the API's 5XX alarm its health check watches"}))

    def run(self, *, request_tier: bool = False) -> list[CostLine]:
        """Price every component, in a fixed order so the free tier is applied deterministically
        (`request_tier`: only the first steps, API Gateway, SQS and Lambda, and their lines)."""
        self._log_events = {}
        # The request tier is priced first, so its lines, free tier included, are the same whether or
        # not the rest of the architecture is priced after it.
        for step in (self.api, self.queues, self.functions):
            step()
        if request_tier:
            return [line for line in self.lines if line.service in REQUEST_TIER]
        for step in (self.topics, self.tables, self.pipes, self.keys, self.logs_and_alarms, self.tracing,
                     self.trails, self.backups, self.dns):
            step()
        if "traffic" in self.w.assumed:
            t = self.w.traffic
            self._warn(f"the workload gives no traffic: the estimate assumes {fmt_number(to_decimal(t['requests_per_month']))}"
                       f" requests a month ({fmt_number(to_decimal(t['peak_requests_per_second']))} a second at peak), "
                       "the schema's defaults; state traffic: for an estimate of this workload")
        for service_id in sorted(self.usage):
            if not self.arch.of_service(service_id):
                self._warn(f"usage.{service_id} is given but the architecture has no {service(service_id).name} "
                           "component: nothing is priced from it")
        self.warnings += self.arch.fact("unpriced", _unpriced)
        priced = {line.component for line in self.lines}
        self.unbilled = tuple((c.id, c.service, _why_no_lines(self.arch, c)) for c in self.arch.components.values()
                              if c.id not in priced)  # said out loud, never priced as a silent zero
        return self.lines


def _encrypting(graph: Graph) -> tuple[Decimal, str, tuple[tuple[str, str], ...]]:
    """The principals that ask KMS for data keys, as a count and as text, and the Regions of the
    replica tables that bring a key of their own."""
    principals = ZERO
    notes = []
    for service, count in (("sqs", 2), ("sns", 1), ("dynamodb", 1), ("lambda", 1), ("apigateway", 1)):
        encrypted = [c for c in graph.of_service(service) if c.settings.get("kms_key")
                     or c.settings.get("log_group_kms_key") or service == "apigateway"]
        if service in ("lambda", "apigateway"):
            encrypted = graph.of_service(service)  # their log groups use the key
        if encrypted:
            principals += Decimal(len(encrypted) * count)
            notes.append(f"{len(encrypted)} {service} × {count}")
    replica_keys = tuple((c.id, str(c.settings["region"])) for c in graph.of_service("dynamodb")
                         if c.settings.get("replica_of") and c.settings.get("kms_key"))
    return principals, ", ".join(notes), replica_keys


def _alarms(graph: Graph) -> tuple[Decimal, tuple[str, ...], Decimal, str | None]:
    """The standard alarms the architecture's alarm components set, as the template creates them: one per
    dead-letter queue (each queue's, and each subscribed topic's delivery queue), queue, function and API
    for each alarm kind asked for; as a count and in words, with the dashboards and the component their
    lines go to."""
    subscribed = sum(1 for t in graph.of_service("sns")
                     if any(e.kind in ("fans-out", "delivers-to") for e in graph.edges_from(t.id))
                     or set(t.settings.get("subscribers") or ()) & {"email", "sms", "http"}
                     or t.settings.get("purpose") == "alarm notifications")
    queues, functions, apis = (len(graph.of_service(s)) for s in ("sqs", "lambda", "apigateway"))
    # Dead-letter queues besides each queue's own: a bus rule's, a pipe's, and an SNS-invoked function's.
    others = sum(1 for e in graph.edges if e.kind == "routes-to" or e.settings.get("via") == "eventbridge-pipes")
    others += sum(1 for f in graph.of_service("lambda") if any(e.kind == "delivers-to" for e in graph.edges_to(f.id)))
    watched = {"dlq-depth": (queues + subscribed + others, "dead-letter queues"), "oldest-message-age": (queues, "queues"),
               "function-errors": (functions, "functions"), "function-throttles": (functions, "functions"),
               "api-5xx": (apis, "APIs"), "api-latency-p99": (apis, "APIs")}
    alarm_count = ZERO
    alarm_parts = []
    dashboards = ZERO
    for alarms in graph.of_service("cloudwatch"):
        for kind in alarms.settings["alarms"]:
            n, what = watched[kind]
            if n:
                alarm_count += n
                alarm_parts.append(f"{kind} on {n} {what}")
        if alarms.settings["dashboard"]:
            dashboards += 1
    component = graph.of_service("cloudwatch")[0].id if graph.of_service("cloudwatch") else None
    return alarm_count, tuple(alarm_parts), dashboards, component


def _subscriptions(graph: Graph) -> dict[str, dict[str, Decimal]]:
    """Each topic's subscriptions by protocol: its queues and functions, and the subscribers its
    settings name. Read-only: a usage that gives counts of its own changes a copy."""
    out: dict[str, dict[str, Decimal]] = {}
    for topic in graph.of_service("sns"):
        edges = graph.edges_from(topic.id)
        named = list(topic.settings.get("subscribers", ()))
        out[topic.id] = {
            "sqs": Decimal(sum(1 for e in edges if e.kind == "fans-out")),
            "lambda": Decimal(sum(1 for e in edges if e.kind == "delivers-to")),
            "email": Decimal(named.count("email")), "sms": Decimal(named.count("sms")),
            "http": Decimal(named.count("http")), "mobile_push": Decimal(named.count("mobile-push")),
        }
    return out


def _pipes(graph: Graph) -> tuple[tuple[Any, Decimal], ...]:
    """The edges an EventBridge pipe carries, with their batch sizes."""
    return tuple((edge, Decimal(edge.settings.get("batch_size", DEFAULT_BATCH))) for edge in graph.edges
                 if edge.settings.get("via") == "eventbridge-pipes")


def _tables(graph: Graph) -> dict[str, tuple[Decimal | None, tuple[Component, ...]]]:
    """Each table's stream reader's batch size (None without a stream, one without a reader) and
    its replica tables."""
    out: dict[str, tuple[Decimal | None, tuple[Component, ...]]] = {}
    for table in graph.of_service("dynamodb"):
        streams = [e for e in graph.edges_from(table.id) if e.kind == "streams-to"]
        batch = None
        if streams:
            reader = graph.edges_from(streams[0].target)
            batch = Decimal(reader[0].settings.get("batch_size", DEFAULT_BATCH)) if reader else ONE
        out[table.id] = (batch, tuple(c for c in graph.of_service("dynamodb")
                                      if c.settings.get("replica_of") == table.id))
    return out


def _unpriced(graph: Graph) -> tuple[str, ...]:
    """A warning for each service of the architecture that no pricing module prices."""
    services = sorted(s for s in {c.service for c in graph.components.values()} - PRICED if not service(s).free)
    return tuple(f"{service} is not priced by advisor yet: the estimate leaves it out "
                 f"({', '.join(c.id for c in graph.of_service(service))})" for service in services)


def _source(sources: Mapping[str, str], key: str) -> str:
    """Where a resolved setting came from, as a basis text."""
    return sources.get(key, "default")


def _why_no_lines(graph: Graph, c: Component) -> str:
    """Why a component of the template has no cost line."""
    free = service(c.service).free
    if free:
        return free
    if c.service not in PRICED:
        return "not priced by advisor yet (see the warnings)"
    if c.service == "sns" and all(e.kind == "alarms-to" for e in graph.edges_to(c.id)):
        return "carries alarm and budget notifications only: a handful of publishes a month, within SNS's free tier"
    return "no traffic reaches it: it bills only when used"


def _scaled(scale: Decimal) -> str:
    return "" if scale == 1 else f" × {fmt_number(scale)} (sweep)"


def _scaled_count(value: Any, scale: Decimal) -> Decimal | None:
    return None if value is None else ceil(to_decimal(value) * scale)


# What an always-on design replaces: the services `run(request_tier=True)` prices.
REQUEST_TIER = frozenset({"apigateway", "sqs", "lambda"})
PRICED = frozenset({"apigateway", "sqs", "lambda", "sns", "dynamodb", "dynamodb-streams", "eventbridge", "kms",
                    "cloudwatch", "xray", "cloudtrail", "s3", "backup", "route53"})


def budget_warnings(workload: Workload, est: Estimate) -> list[str]:
    """The estimate's own warnings, and one when it exceeds the workload's monthly budget."""
    budget = workload.requirements.get("cost-optimization", {}).get("monthly_budget_usd")
    if budget is None:
        return list(est.warnings)
    limit = to_decimal(budget)
    if est.total <= limit:
        return list(est.warnings)
    return list(est.warnings) + [f"the estimate of ${est.total.quantize(Decimal('0.01')):,} a month is above the monthly budget of "
            f"${limit.quantize(Decimal('0.01')):,} (cost-optimization.monthly_budget_usd); the largest items are "
            + ", ".join(f"{s} ${v.quantize(Decimal('0.01')):,}" for s, v in sorted(
                est.by_service().items(), key=lambda kv: (-kv[1], kv[0]))[:3])]


def budget_check(workload: Workload, arch: Architecture, find_prices: Callable[[str], Catalog]) -> list[str]:
    """What `recommend` says about a stated budget: price the design only then, and never fail for it."""
    if "monthly_budget_usd" not in workload.requirements.get("cost-optimization", {}):
        return []
    from advisor.pricing.errors import PriceNotFound

    try:
        return budget_warnings(workload, estimate(workload, arch, find_prices(workload.region)))
    except PriceNotFound as exc:
        return [f"the budget could not be checked: {exc.message}"]


def request_tier_cost(workload: Workload, arch: Architecture | Graph, catalog: Catalog, *, free_tier: bool = False,
                      scale: Decimal | int = 1, month: Month = DEFAULT_MONTH) -> Decimal:
    """The monthly amount of the API Gateway, SQS and Lambda lines alone, as `estimate` would price them."""
    pricer = _Pricer(workload, graph_of(arch), catalog, free_tier=free_tier, scale=to_decimal(scale), month=month)
    return sum((line.monthly_usd for line in pricer.run(request_tier=True)), ZERO)


def estimate(workload: Workload, arch: Architecture | Graph, catalog: Catalog, *, free_tier: bool = False,
             scale: Decimal | int = 1, month: Month = DEFAULT_MONTH) -> Estimate:
    """Price the architecture for the workload's traffic (times `scale`)."""
    pricer = _Pricer(workload, graph_of(arch), catalog, free_tier=free_tier, scale=to_decimal(scale), month=month)
    lines = tuple(pricer.run())
    return Estimate(
        workload=workload.name, region=catalog.region, currency=catalog.currency, free_tier=free_tier,
        prices_source=catalog.source, prices_as_of=catalog.as_of, lines=lines, warnings=tuple(pricer.warnings),
        unbilled=pricer.unbilled,
    )


