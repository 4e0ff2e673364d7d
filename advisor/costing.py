"""From an architecture and a workload's traffic to priced cost lines.

The usage model, in the order quantities flow through the architecture (R is
`traffic.requests_per_month`, times the sweep's scale):

- **API**: every API component receives R requests of `request_kb`, and sends `response_kb`
  back to the internet (data transfer out).
- **Write and read paths**: when an API both sends to a queue and invokes a function, requests
  split by the traffic's mix: the share `writes / (writes + reads)` goes to the queue, the rest
  to the synchronous function.
- **Queues** receive what is sent to them (API requests, or one message per publish of a topic
  that fans out to them). Each message costs one SendMessage; a Lambda event source mapping
  receives and deletes in batches of the edge's `batch_size` (default 10) and its five idle
  long-polling pollers add empty receives all month.
- **Functions** run once per batch from a queue, once per synchronous API request, and once
  per message a topic delivers to them. A function that processes queued writes publishes one
  event per message to the topics it publishes to.
- **Topics** publish what their sources produce: the writer function's messages, one change
  per table write through the stream, or R when the producer is outside the architecture;
  each publish is delivered once per subscription.
- **Tables** take `R × writes_per_request` writes and `R × reads_per_request` reads of
  `item_kb` (1 KB write units, 4 KB read units, eventually consistent unless
  `usage.dynamodb.read_consistency` says otherwise); storage is `data.storage_gb`; point-in-time
  recovery bills the table's size; a replica bills one replicated write per write in its
  Region plus the data it receives.
- **Keys, logs, alarms, traces, trails and backups** follow from the components they serve;
  each line's basis says how.

A key under `usage.<service>` wins over the derivation.  Settings keys (memory, duration,
architecture...) apply to every component of the service; count keys (`monthly_requests`...)
are the service's total and are shared among its components in proportion to the derived
counts.  Every line's `basis` names where its quantity came from.
"""

from decimal import Decimal
from typing import Any, Callable, Mapping

from advisor.architecture import Architecture, Component
from advisor.pricing.base import (
    DEFAULT_MONTH, KB_PER_GB, ZERO, CostLine, FreeTier, Month, ceil, fmt_number, to_decimal,
)
from advisor.pricing.catalog import Catalog
from advisor.records import Record
from advisor.workload import Workload

ONE = Decimal(1)
_new_line = tuple.__new__  # a CostLine from its fields, as Record._make without the length check; component is last
# SQS, SNS and EventBridge carry at most 256 KB a message; larger payloads travel as a pointer to
# S3 (the extended client libraries' claim check), so the message itself is priced at the cap.
MESSAGE_CAP_KB = Decimal(256)
_MODULES: dict[str, Any] = {}


def _pricing(name: str) -> Any:
    """A service's pricing module, imported the first time an architecture needs it."""
    module = _MODULES.get(name)
    if module is None:
        import importlib

        module = _MODULES[name] = importlib.import_module(f"advisor.pricing.{name}")
    return module
DEFAULT_BATCH = 10
DEFAULT_MEMORY_MB = 512
DEFAULT_DURATION_MS = 100
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

    @property
    def total(self) -> Decimal:
        """The sum of every line."""
        return sum((line.monthly_usd for line in self.lines), ZERO)

    def by_service(self) -> dict[str, Decimal]:
        """Monthly amount per service, sorted by service id."""
        out: dict[str, Decimal] = {}
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
        self.memo: dict[Any, Any] = {}  # what pricing keeps of this shape: `fact`s and `_Pricer.run`'s lines
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
    # prices one graph at a thousand points, a portfolio's workloads share a few graphs (`graph_of`).

    def fact(self, name: str, make: Callable[["Graph"], Any]) -> Any:
        """A fact of the graph's shape, made by `make(graph)` the first time it is asked for."""
        found = self.memo.get(name, _NOTHING)
        if found is _NOTHING:
            found = self.memo[name] = make(self)
        return found


_NOTHING = object()
# Graphs by the shape they index: the edges tuple and each component's id, service and settings, by
# identity. Each graph keeps its architecture, so those ids stay theirs while it is here.
_GRAPHS: dict[tuple[Any, ...], Graph] = {}


def graph_of(arch: Architecture | Graph) -> Graph:
    """The graph of an architecture, shared with every architecture of the same shape."""
    if isinstance(arch, Graph):
        return arch
    key = (id(arch.edges),) + tuple([(cid, c.service, id(c.settings)) for cid, c in arch.components.items()])
    found = _GRAPHS.get(key)
    if found is None:
        if len(_GRAPHS) >= 1024:  # the oldest goes first
            del _GRAPHS[next(iter(_GRAPHS))]
        found = _GRAPHS[key] = Graph(arch)
    return found


class _Flows:
    """The monthly quantities that move along the architecture's edges."""

    def __init__(self, workload: Workload, arch: Graph, scale: Decimal) -> None:
        t = workload.traffic
        self.arch = arch
        self.requests = ceil(to_decimal(t["requests_per_month"]) * scale)  # requests are whole
        writes, reads = to_decimal(t["writes_per_request"]), to_decimal(t["reads_per_request"])
        self.write_share = writes / (writes + reads) if writes + reads > 0 else ONE
        self.written = self.requests * self.write_share  # requests that write: events and integrations
        self.writes = self.requests * writes
        self.reads = self.requests * reads
        self.messages: dict[str, Decimal] = {}
        self.invocations: dict[str, Decimal] = {}
        self.publishes: dict[str, Decimal] = {}
        self.why: dict[str, str] = {}
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
            for edge in self.arch.edges_from(api.id):
                if edge.kind == "sends":
                    self._add(self.messages, edge.target, to_queue, f"{r} API requests to {api.id}, {text}")
                elif edge.kind == "invokes":
                    share = text.replace("write", "read") if to_function != self.requests else text
                    self._add(self.invocations, edge.target, to_function,
                              f"{r} API requests to {api.id}, {share}")
        # Queues feed functions; functions publish; topics fan out to queues and functions. The graph
        # is acyclic, so repeating the passes in a fixed order settles every quantity.
        for _ in range(len(self.arch.components) + 1):
            before = (dict(self.messages), dict(self.invocations), dict(self.publishes))
            self._propagate()
            if before == (self.messages, self.invocations, self.publishes):
                break

    def _propagate(self) -> None:
        queues, functions, topics, streams, buses = self.arch.fact("flows", _flow_plan)
        messages_of, invocations, publishes_of, why = self.messages, self.invocations, self.publishes, self.why
        for queue, triggers in queues:
            messages = messages_of.get(queue, ZERO)
            for target, batch in triggers:
                invocations[target] = ceil(messages / batch)
                why[target] = f"{fmt_number(messages)} messages from {queue} in batches of {fmt_number(batch)}"
        for function, feeding, targets in functions:
            if feeding:
                processed = sum((messages_of.get(source, ZERO) for source in feeding), ZERO)
            else:
                processed = invocations.get(function, ZERO)
            for target in targets:
                publishes_of[target] = processed
                why[target] = f"one event per message {function} processes"
        for topic, outside, deliveries in topics:
            if outside and topic not in publishes_of:
                publishes_of[topic] = self.written
                why[topic] = "one event per written API request (the producer is outside the architecture)"
            publishes = publishes_of.get(topic, ZERO)
            for kind, target in deliveries:
                if kind == "fans-out":
                    messages_of[target] = publishes
                    why[target] = f"one message per publish to {topic}"
                else:
                    invocations[target] = publishes
                    why[target] = f"one invocation per publish to {topic}"
        for target in streams:
            publishes_of[target] = self.writes
            why[target] = f"one change record per table write, {fmt_number(self.writes)} writes"
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
    functions = tuple((f.id, tuple(e.source for e in graph.edges_to(f.id) if e.kind == "triggers"), targets)
                      for f in graph.of_service("lambda")
                      for targets in (tuple(e.target for e in graph.edges_from(f.id) if e.kind == "publishes"),)
                      if targets)
    topics = tuple((t.id, not any(e.kind in ("publishes", "routes-to") for e in graph.edges_to(t.id))
                    and t.id != "topic:alarms",
                    tuple((e.kind, e.target) for e in graph.edges_from(t.id) if e.kind in ("fans-out", "delivers-to")))
                   for t in graph.of_service("sns"))
    streams = tuple(e.target for s in graph.of_service("dynamodb-streams") for e in graph.edges_from(s.id)
                    if e.kind == "publishes")
    buses = tuple((b.id, e.target) for b in graph.of_service("eventbridge") for e in graph.edges_from(b.id)
                  if e.kind == "routes-to")
    return queues, functions, topics, streams, buses


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
        self.free = FreeTier.from_catalog(catalog) if free_tier else None
        self.lines: list[CostLine] = []
        self.warnings: list[str] = []
        self.usage = workload.usage

    # -- helpers -----------------------------------------------------------------------------

    def _emit(self, component: str | None, lines: list[CostLine]) -> None:
        if component:
            # Built from the tuple: `_replace` costs more than the pricing itself in a sweep.
            self.lines += [_new_line(CostLine, line[:-1] + (component,)) for line in lines]
        else:
            self.lines += lines

    def _capped(self, service: str, size: Any, what: str) -> Decimal:
        """A message size within the 256 KB limit, with a warning when the payload is larger."""
        kb = to_decimal(size)
        if kb <= MESSAGE_CAP_KB:
            return kb
        text = (f"{what} of {fmt_number(kb)} KB exceed the {service} limit of 256 KB: send them through S3 "
                "(the extended client library's claim check); the estimate prices the messages at 256 KB and "
                "leaves out the S3 requests")
        if text not in self.warnings:
            self.warnings.append(text)
        return MESSAGE_CAP_KB

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
        api_type = self._override("apigateway", "type") or "rest"
        for api in apis:
            requests = counts[api.id]
            basis = {"monthly_requests": notes.get(api.id) or f"traffic.requests_per_month = "
                     f"{fmt_number(to_decimal(t['requests_per_month']))}" + _scaled(self.scale),
                     "type": "usage.apigateway.type" if self._override("apigateway", "type") else
                     "REST API: IAM authorization and the direct SQS integration need it"}
            size = self._override("apigateway", "request_size_kb") or t["request_kb"]
            cache = self._override("apigateway", "cache_size_gb")
            websocket = api_type == "websocket"
            messages = _scaled_count(self._override("apigateway", "monthly_messages"), self.scale)
            minutes = _scaled_count(self._override("apigateway", "monthly_connection_mins"), self.scale)
            usage = apigateway.ApiGatewayUsage(
                type=api_type, monthly_requests=ZERO if websocket else requests,
                request_size_kb=ZERO if websocket else size,
                response_size_kb=ZERO if websocket else t["response_kb"],
                monthly_messages=(requests if messages is None else messages) if websocket else ZERO,
                message_size_kb=(self._override("apigateway", "message_size_kb") or size) if websocket else ZERO,
                monthly_connection_mins=(minutes or ZERO) if websocket else ZERO,
                cache_size_gb=cache, cache_hours=self.month.hours if cache else None,
            )
            if websocket:
                basis["monthly_messages"] = ("usage.apigateway.monthly_messages" if messages is not None
                                             else "one message per request (traffic.requests_per_month)")
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
            size = self._capped("SQS", self._override("sqs", "request_size_kb") or self._message_kb(queue),
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
            memory = u.get("memory_mb") or fn.settings.get("memory_mb") or DEFAULT_MEMORY_MB
            arch_ = u.get("architecture") or fn.settings.get("architecture") or "x86_64"
            duration = u.get("request_duration_ms") or DEFAULT_DURATION_MS
            invocations = ceil(counts[fn.id])
            basis = {
                "monthly_requests": notes.get(fn.id) or (self.flows.why.get(fn.id) or "no traffic reaches it"),
                "memory_mb": "usage.lambda.memory_mb" if u.get("memory_mb") else
                ("rule setting" if fn.settings.get("memory_mb") else f"default {DEFAULT_MEMORY_MB} MB"),
                "request_duration_ms": "usage.lambda.request_duration_ms" if u.get("request_duration_ms")
                else f"default {DEFAULT_DURATION_MS} ms",
                "architecture": "usage.lambda.architecture" if u.get("architecture") else "rule ADV-P002",
            }
            usage = awslambda.LambdaUsage(
                monthly_requests=invocations, request_duration_ms=duration, memory_mb=memory, architecture=arch_,
                ephemeral_storage_mb=u.get("ephemeral_storage_mb") or awslambda.FREE_EPHEMERAL_MB,
                provisioned_concurrency=u.get("provisioned_concurrency") or ZERO,
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
            if subs:
                derived = {**derived, **subs}
            size = self._capped("SNS", u.get("request_size_kb") or self.w.data["item_kb"], "published events")
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
        consistency = u.get("read_consistency") or "eventual"
        for table in self.arch.of_service("dynamodb"):
            if table.settings.get("replica_of"):
                continue  # billed with its source table
            wru_each = dynamodb.request_units(item_kb, "write")
            rru_each = dynamodb.request_units(item_kb, f"{consistency}-read" if consistency != "transactional"
                                              else "transactional-read")
            mode = u.get("capacity_mode") or table.settings.get("capacity_mode") or "on-demand"
            storage = to_decimal(u.get("storage_gb") if u.get("storage_gb") is not None else self.w.data["storage_gb"])
            wru = self.flows.writes * wru_each
            rru = self.flows.reads * rru_each
            basis = {
                "monthly_write_request_units": f"{fmt_number(self.flows.writes)} writes (requests × "
                f"traffic.writes_per_request) × {fmt_number(wru_each)} WRU for {item_kb} KB items",
                "monthly_read_request_units": f"{fmt_number(self.flows.reads)} reads (requests × "
                f"traffic.reads_per_request) × {fmt_number(rru_each)} RRU ({consistency}, {item_kb} KB items)",
                "storage_gb": "usage.dynamodb.storage_gb" if u.get("storage_gb") is not None else "data.storage_gb",
            }
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
                peak = to_decimal(self.w.traffic["peak_requests_per_second"]) * self.scale
                wcu = u.get("write_capacity_units")
                rcu = u.get("read_capacity_units")
                fields["write_capacity_units"] = ceil(to_decimal(wcu) if wcu is not None else peak * to_decimal(
                    self.w.traffic["writes_per_request"]) * wru_each)
                fields["read_capacity_units"] = ceil(to_decimal(rcu) if rcu is not None else peak * to_decimal(
                    self.w.traffic["reads_per_request"]) * rru_each)
                basis["write_capacity_units"] = ("usage.dynamodb.write_capacity_units" if wcu is not None else
                                                 "peak requests per second × writes per request × WRU per item")
                basis["read_capacity_units"] = ("usage.dynamodb.read_capacity_units" if rcu is not None else
                                                "peak requests per second × reads per request × RRU per item")
            if table.settings.get("point_in_time_recovery"):
                fields["pitr_backup_storage_gb"] = to_decimal(u.get("pitr_backup_storage_gb", storage))
                basis["pitr_backup_storage_gb"] = ("usage.dynamodb.pitr_backup_storage_gb" if u.get(
                    "pitr_backup_storage_gb") is not None else "point-in-time recovery bills the table's size")
            for key in ("on_demand_backup_storage_gb", "monthly_data_restored_gb"):
                if u.get(key) is not None:
                    fields[key] = u[key]
            batch, replicas = self.arch.fact("tables", _tables)[table.id]
            if batch is not None:
                sru = u.get("monthly_streams_read_request_units")
                fields["monthly_streams_read_request_units"] = (
                    to_decimal(sru) * self.scale if sru is not None else ceil(self.flows.writes / batch))
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
                gb = self.flows.writes * to_decimal(item_kb) / KB_PER_GB
                transfer = datatransfer.DataTransferUsage(monthly_outbound_other_regions_gb=gb)
                self._emit(replica.id, datatransfer.price(
                    transfer, self.catalog, free_tier=self.free, month=self.month,
                    basis={"monthly_outbound_other_regions_gb": f"{fmt_number(self.flows.writes)} replicated writes × "
                           f"{item_kb} KB / 1024² to {replica.settings['region']}"}))

    def pipes(self) -> None:
        eventbridge = _pricing("eventbridge")

        item_kb = to_decimal(self.w.data["item_kb"])
        requests = ZERO
        parts = []
        for edge, batch in self.arch.fact("pipes", _pipes):
            batches = ceil(self.flows.writes / batch)
            per_batch = max(ONE, ceil(batch * item_kb / PIPE_CHUNK_KB))
            requests += batches * per_batch
            parts.append(f"{fmt_number(batches)} batches of {fmt_number(batch)} change records from {edge.source}, "
                         f"{fmt_number(per_batch)} request per batch (64 KB chunks)")
        buses = self.arch.of_service("eventbridge")
        events = self.flows.written * len(buses)
        if requests <= 0 and events <= 0:
            return
        u = self.usage.get("eventbridge", {})
        usage = eventbridge.EventBridgeUsage(
            monthly_custom_events=_scaled_count(u.get("monthly_custom_events"), self.scale) or ceil(events),
            event_size_kb=self._capped("EventBridge", item_kb, "integration events"),
            monthly_pipes_requests=_scaled_count(u.get("monthly_pipes_requests"), self.scale) or requests,
            pipes_request_size_kb=ZERO,
            monthly_archive_processing_gb=u.get("monthly_archive_processing_gb") or ZERO,
            archive_storage_gb=u.get("archive_storage_gb") or ZERO,
        )
        basis = {"monthly_pipes_requests": "; ".join(parts) or "none",
                 "monthly_custom_events": "one integration event per written API request"}
        component = buses[0].id if buses else (self.arch.of_service("dynamodb-streams")[0].id
                                               if self.arch.of_service("dynamodb-streams") else None)
        self._emit(component, eventbridge.price(usage, self.catalog, free_tier=self.free, month=self.month,
                                                basis=basis))

    def keys(self) -> None:
        kms = _pricing("kms")

        keys = self.arch.of_service("kms")
        if not keys:
            return
        per_period = self.month.seconds / KMS_REUSE_SECONDS
        principals, notes, replica_keys = self.arch.fact("kms", _encrypting)
        requests = ceil(principals * per_period)
        u = self.usage.get("kms", {})
        usage = kms.KmsUsage(keys=u.get("keys") or len(keys), monthly_requests=_scaled_count(
            u.get("monthly_requests"), self.scale) or requests)
        basis = {"keys": "usage.kms.keys" if u.get("keys") else f"{len(keys)} key(s) in the architecture",
                 "monthly_requests": "usage.kms.monthly_requests" if u.get("monthly_requests") else
                 f"one request per encrypting principal per {fmt_number(KMS_REUSE_SECONDS)} s data-key reuse "
                 f"period: {fmt_number(principals)} principals ({notes})"}
        self._emit(keys[0].id, kms.price(usage, self.catalog, free_tier=self.free, month=self.month, basis=basis))
        for region in replica_keys:
            usage = kms.KmsUsage(keys=1)
            self._emit(f"key:{region}", kms.price(usage, self.catalog.for_region(region), month=self.month,
                                                  basis={"keys": f"the replica's key in {region}"}))

    _log_events: dict[str, tuple[Decimal, str]]

    def _logs(self, component: str, events: Decimal, what: str) -> None:
        self._log_events[component] = (events, what)

    def logs_and_alarms(self) -> None:
        cloudwatch = _pricing("cloudwatch")

        retention = self.w.requirements.get("monitoring-governance", {}).get("log_retention_days", 30)
        u = self.usage.get("cloudwatch", {})
        ingested = ZERO
        parts = []
        for component, (events, what) in sorted(self._log_events.items()):
            gb = events * LOG_KB_PER_EVENT / KB_PER_GB
            ingested += gb
            parts.append(f"{component}: {fmt_number(events)} × {fmt_number(LOG_KB_PER_EVENT)} KB ({what})")
        alarm_count, alarm_parts, dashboards, component = self.arch.fact("alarms", _alarms)
        if ingested <= 0 and alarm_count <= 0 and dashboards <= 0 and not u:
            return
        ingested_gb = to_decimal(u["monthly_data_ingested_gb"]) * self.scale if u.get(
            "monthly_data_ingested_gb") is not None else ingested
        stored = to_decimal(u["storage_gb"]) if u.get("storage_gb") is not None else cloudwatch.stored_log_gb(
            ingested_gb, int(retention), self.month)
        usage = cloudwatch.CloudWatchUsage(
            monthly_data_ingested_gb=ingested_gb, storage_gb=stored,
            monthly_data_scanned_gb=u.get("monthly_data_scanned_gb") or ZERO,
            custom_metrics=u.get("metrics") or ZERO,
            standard_alarms=u.get("standard_alarms") if u.get("standard_alarms") is not None else alarm_count,
            high_resolution_alarms=u.get("high_resolution_alarms") or ZERO, dashboards=dashboards,
        )
        basis = {
            "monthly_data_ingested_gb": "usage.cloudwatch.monthly_data_ingested_gb" if u.get(
                "monthly_data_ingested_gb") is not None else "log lines of " + "; ".join(parts) + " / 1024²",
            "storage_gb": "usage.cloudwatch.storage_gb" if u.get("storage_gb") is not None else
            f"logs kept {retention} days (monitoring-governance.log_retention_days)",
            "standard_alarms": "usage.cloudwatch.standard_alarms" if u.get("standard_alarms") is not None else
            "alarms per component: " + (", ".join(alarm_parts) or "none"),
            "dashboards": "one dashboard from rule ADV-O001",
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

        for trail in self.arch.of_service("cloudtrail"):
            u = self.usage.get("cloudtrail", {})
            usage = cloudtrail.CloudTrailUsage(
                monthly_additional_management_events=_scaled_count(u.get("monthly_additional_management_events"),
                                                                   self.scale) or ZERO,
                monthly_data_events=_scaled_count(u.get("monthly_data_events"), self.scale) or ZERO,
                monthly_insight_events=_scaled_count(u.get("monthly_insight_events"), self.scale) or ZERO,
            )
            self._emit(trail.id, cloudtrail.price(usage, self.catalog, free_tier=self.free, month=self.month))
            for edge in self.arch.edges_from(trail.id):
                if edge.kind != "writes":
                    continue
                kms_lines = [line for line in self.lines if line.service == "kms" and "equests" in line.item]
                events = sum((line.quantity for line in kms_lines), ZERO)
                gb = events * TRAIL_EVENT_KB / KB_PER_GB
                puts = TRAIL_FILES_PER_HOUR * self.month.hours
                usage_s3 = s3.S3Usage(storage_gb=gb, monthly_put_requests=ceil(puts))
                basis = {"storage_gb": f"{fmt_number(events)} management events (the KMS requests above) × "
                         f"{fmt_number(TRAIL_EVENT_KB)} KB / 1024², one month's logs",
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
                self._emit(f"{plan.id}@{target}", dynamodb.price(
                    copies, self.catalog.for_region(str(target)), month=self.month,
                    basis={"on_demand_backup_storage_gb": f"{fmt_number(kept_copies)} daily copies of "
                           f"{fmt_number(storage)} GB kept in {target}"}))

    def dns(self) -> None:
        route53 = _pricing("route53")

        for record in self.arch.of_service("route53"):
            usage = route53.Route53Usage(hosted_zones=1, monthly_latency_queries=ceil(self.flows.requests / 60),
                                         health_checks=2 if record.settings.get("health_checks") else 0)
            basis = {"hosted_zones": "one zone for the API's name",
                     "monthly_latency_queries": "clients cache the answer for its 60 s TTL: about one query per "
                     "60 requests",
                     "health_checks": "one health check per Region"}
            self._emit(record.id, route53.price(usage, self.catalog, free_tier=self.free, month=self.month,
                                                basis=basis))

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
            reads = _SHAPED.get(step.__name__)
            if reads is None or self.free is not None or any(service in self.usage for service in reads):
                step()
                continue
            # Lines of the shape alone: made once per graph, catalog, month and data sizes.
            key = (step.__name__, id(self.catalog), self.month, tuple(self.w.data.items()))
            kept = self.arch.memo.get(key)
            if kept is None or kept[0] is not self.catalog:
                start, warned = len(self.lines), len(self.warnings)
                step()
                if len(self.warnings) != warned:  # never the case today; a warning is not for sharing
                    continue
                kept = self.arch.memo[key] = (self.catalog, self.lines[start:])
                continue
            self.lines += kept[1]
        self.warnings += self.arch.fact("unpriced", _unpriced)  # said out loud, never priced as a silent zero
        return self.lines


# The steps whose lines follow from the architecture's shape, the data sizes, the catalog and the month
# alone, and the services whose usage keys they also read: without those keys and without a free-tier
# ledger, every workload of one shape gets the same lines from them.
_SHAPED = {"keys": ("kms",), "trails": ("cloudtrail", "kms"), "backups": ("backup",)}


def _encrypting(graph: Graph) -> tuple[Decimal, str, tuple[str, ...]]:
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
    replica_keys = {str(c.settings["region"]) for c in graph.of_service("dynamodb")
                    if c.settings.get("replica_of") and c.settings.get("kms_key")}
    return principals, ", ".join(notes), tuple(sorted(replica_keys))


def _alarms(graph: Graph) -> tuple[Decimal, tuple[str, ...], Decimal, str | None]:
    """The standard alarms the architecture's alarm components set, as a count and per service, its
    dashboards, and the component their lines go to."""
    alarm_count = ZERO
    alarm_parts = []
    dashboards = ZERO
    per = {"sqs": {"dlq-depth", "oldest-message-age"}, "lambda": {"function-errors", "function-throttles"},
           "apigateway": {"api-5xx", "api-latency-p99"}}
    for alarms in graph.of_service("cloudwatch"):
        kinds = set(alarms.settings.get("alarms", ()))
        for service, names in per.items():
            n = len(graph.of_service(service)) * len(kinds & names)
            if n:
                alarm_count += n
                alarm_parts.append(f"{n} on {service}")
        if alarms.settings.get("dashboard"):
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
    services = sorted({c.service for c in graph.components.values()} - PRICED - FREE_SERVICES)
    return tuple(f"{service} is not priced by advisor yet: the estimate leaves it out "
                 f"({', '.join(c.id for c in graph.of_service(service))})" for service in services)


def _scaled(scale: Decimal) -> str:
    return "" if scale == 1 else f" × {fmt_number(scale)} (sweep)"


def _scaled_count(value: Any, scale: Decimal) -> Decimal | None:
    return None if value is None else ceil(to_decimal(value) * scale)


# What an always-on design replaces: the services `run(request_tier=True)` prices.
REQUEST_TIER = frozenset({"apigateway", "sqs", "lambda"})
PRICED = frozenset({"apigateway", "sqs", "lambda", "sns", "dynamodb", "dynamodb-streams", "eventbridge", "kms",
                    "cloudwatch", "xray", "cloudtrail", "s3", "backup", "route53"})
# Services with no charge of their own: IAM; AWS Budgets (the first two budgets without actions are free,
# https://aws.amazon.com/aws-cost-management/aws-budgets/pricing/).
FREE_SERVICES = frozenset({"iam", "budgets"})


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
    )


