"""Amazon SQS: standard and FIFO requests, 64 KB chunks, per-message API calls with batching, and the
empty receives of a Lambda event source mapping's idle pollers.

Rules (https://aws.amazon.com/sqs/pricing/): "Every Amazon SQS action counts as a request", a request carries
1 to 10 messages, and "each 64 KB chunk of a payload is billed as 1 request (for example, an API action with a
256 KB payload is billed as 4 requests)". Every ReceiveMessage is billed, including empty ones. The always-free
1 million requests a month is shared by standard and FIFO queues of the account.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Mapping

from advisor.architecture import Component
from advisor.costing import DEFAULT_BATCH, Flows, Graph, Pricer, carried_kb
from advisor.pricing.base import (
    DEFAULT_MONTH, ZERO, Basis, CostLine, FreeTier, Month, UsageFields, ceil, chunks, fmt_number, metered, to_decimal
)
from advisor.pricing.catalog import Catalog

SERVICE = "sqs"
CHUNK_KB = Decimal(64)
MAX_BATCH = 10

# Lambda's SQS event source mapping scales back to five concurrent pollers at low traffic ("When traffic is low,
# Lambda scales back the processing to five concurrent batches", docs.aws.amazon.com/lambda/latest/dg/
# services-sqs-scaling.html); each long poll waits at most 20 seconds ("The maximum long polling wait time is
# 20 seconds", docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/
# best-practices-setting-up-long-polling.html). Lambda can go as low as 2 pollers, so 5 is the conservative case.
ESM_IDLE_POLLERS = 5
LONG_POLL_WAIT_SECONDS = 20


@dataclass(init=False, eq=False, repr=False)  # frozen, with its methods, by UsageFields
class SqsUsage(UsageFields):
    """Monthly usage of one queue (Infracost's `aws_sqs_queue` usage keys): API requests before chunking."""

    monthly_requests: Decimal = ZERO
    request_size_kb: Decimal = ZERO
    fifo: bool = False

    _numbers: ClassVar[tuple[str, ...]] = ("monthly_requests", "request_size_kb")
    _wholes: ClassVar[tuple[str, ...]] = ("monthly_requests",)
    _ranges: ClassVar[tuple[tuple[str, int, int, str], ...]] = (
        # SendMessage: "The maximum size is 1 MiB or 1,048,576 bytes" (raised from 256 KiB on 2025-08-04).
        ("request_size_kb", 0, 1024, "SQS messages are at most 1 MiB"),
    )

    def __post_init__(self) -> None:
        if not isinstance(self.fifo, bool):
            raise ValueError(f"fifo must be true or false, got {self.fifo!r}")


def message_requests(
    messages: Decimal | int,
    *,
    send_batch: int = 1,
    receive_batch: int = 1,
    delete_batch: int = 1,
) -> Decimal:
    """API requests to move messages through a queue: one send, one receive and one delete call per batch."""
    count = to_decimal(messages, "messages")
    if count < 0:
        raise ValueError("messages must not be negative")
    total = ZERO
    for name, batch in (("send_batch", send_batch), ("receive_batch", receive_batch), ("delete_batch", delete_batch)):
        if isinstance(batch, bool) or not isinstance(batch, int) or not 1 <= batch <= MAX_BATCH:
            raise ValueError(f"{name} must be a whole number from 1 to {MAX_BATCH}, got {batch!r}")
        total += ceil(count / batch)
    return total


def idle_poller_receives(
    month: Month = DEFAULT_MONTH,
    *,
    pollers: int = ESM_IDLE_POLLERS,
    wait_seconds: int = LONG_POLL_WAIT_SECONDS,
) -> Decimal:
    """Empty ReceiveMessage calls a Lambda event source mapping makes on an idle queue in a month."""
    if not 1 <= pollers <= 1000:
        raise ValueError(f"pollers must be from 1 to 1000, got {pollers}")
    if not 1 <= wait_seconds <= LONG_POLL_WAIT_SECONDS:
        raise ValueError(f"wait_seconds must be from 1 to 20, got {wait_seconds}")
    return Decimal(pollers) * month.seconds / Decimal(wait_seconds)


def price(
    usage: SqsUsage,
    catalog: Catalog,
    *,
    free_tier: FreeTier | None = None,
    month: Month = DEFAULT_MONTH,
    basis: Mapping[str, str] | None = None,
) -> list[CostLine]:
    """Cost lines for one queue's monthly requests."""
    b = Basis(SERVICE, usage, basis or {})
    per_request = chunks(usage.request_size_kb, CHUNK_KB)
    kind = "fifo" if usage.fifo else "standard"
    return metered(
        service=SERVICE,
        item="FIFO requests" if usage.fifo else "Standard requests",
        quantity=usage.monthly_requests * per_request,
        catalog=catalog,
        key=f"sqs.{kind}-requests",
        basis=(
            f"{fmt_number(usage.monthly_requests)} requests × {fmt_number(per_request)} "
            f"(64 KB chunks of {fmt_number(usage.request_size_kb)} KB) ({b.join('monthly_requests', 'request_size_kb')})"
        ),
        free_tier=free_tier,
        free_key="sqs.requests",
    )


# --- the estimate: quantities along the architecture, priced ----------------------------------------


def watched(graph: Graph, queue: Component) -> dict[str, int]:
    """What the alarms watch of a queue: its age, and the depth of its dead-letter queue."""
    return {"queues": 1, "dead-letter queues": 1}


def flow(f: Flows, queue: Component) -> None:
    """A Lambda event source mapping hands a queue's messages to its function in batches: one invocation
    per batch of the edge's `batch_size`, each message one record."""
    messages = f.get("messages", queue.id)
    for edge in f.graph.edges_from(queue.id):
        if edge.kind == "triggers":
            batch = Decimal(edge.settings.get("batch_size", DEFAULT_BATCH))
            why = f"{fmt_number(messages)} messages from {queue.id} in batches of {fmt_number(batch)}"
            f.add("invocations", edge.target, ceil(messages / batch), why)
            f.add("records", edge.target, messages, why)



def cost(p: Pricer) -> None:
    """This service's cost lines in an estimate."""
    queues = p.arch.of_service("sqs")
    if not queues:
        return
    derived = {q.id: p.flows.get("messages", q.id) for q in queues}
    moved = {q.id: _queue_requests(p, q, derived[q.id]) for q in queues}
    counts, notes = p.counts("sqs", "monthly_requests", {q.id: moved[q.id][0] for q in queues}, "requests")
    fifo = bool(p.override("sqs", "fifo"))
    for queue in queues:
        _, text = moved[queue.id]
        kb, carried = _message_kb(p, queue)
        size = p.capped("sqs", p.override("sqs", "request_size_kb") or kb, "queue messages")
        basis = {"monthly_requests": notes.get(queue.id) or f"{text}; messages: {p.flows.why('messages', queue.id, 'none')}",
                 "request_size_kb": "usage.sqs.request_size_kb" if p.override("sqs", "request_size_kb")
                 else f"message size {fmt_number(to_decimal(size))} KB" + (f" ({carried})" if carried else "")}
        usage = SqsUsage(monthly_requests=counts[queue.id], request_size_kb=size, fifo=fifo)
        p.emit(queue.id, price(usage, p.catalog, free_tier=p.free, month=p.month, basis=basis))


def _queue_requests(p: Pricer, queue: Component, messages: Decimal) -> tuple[Decimal, str]:
    consumers = [e for e in p.arch.edges_from(queue.id) if e.kind == "triggers"]
    batch = int(consumers[0].settings.get("batch_size", DEFAULT_BATCH)) if consumers else DEFAULT_BATCH
    moved = message_requests(messages, send_batch=1, receive_batch=batch, delete_batch=batch)
    text = (f"{fmt_number(messages)} messages: 1 send each, receives and deletes in batches of {batch}"
            f" = {fmt_number(moved)}")
    if consumers:
        idle = idle_poller_receives(p.month)
        text += (f", plus {fmt_number(idle)} empty receives of the event source mapping's "
                 f"{ESM_IDLE_POLLERS} long-polling pollers")
        moved += idle
    return moved, text


def _message_kb(p: Pricer, queue: Component) -> tuple[Decimal, str]:
    """A queue's message size and, when an edge carries something in the payload's place, what it is."""
    sends = [e for e in p.arch.edges_to(queue.id) if e.kind == "sends"]
    if not sends:
        return to_decimal(p.w.data["item_kb"]), ""
    sizes = [carried_kb(e, to_decimal(p.w.traffic["request_kb"])) for e in sends]
    return max(sizes, key=lambda size: size[0])
