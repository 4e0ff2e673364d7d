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

from advisor.pricing.base import (
    DEFAULT_MONTH,
    ZERO,
    Basis,
    CostLine,
    FreeTier,
    Month,
    UsageFields,
    ceil,
    chunks,
    fmt_number,
    metered,
    to_decimal,
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
