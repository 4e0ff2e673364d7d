"""Amazon SQS: queues that buffer writes and fan-out copies, each with a dead-letter queue."""

from typing import Any

from advisor.services.base import Service, Setting
from advisor.spec import Field, count_spec, kb_spec

MESSAGE_KB = 1024
MAX_VISIBILITY_S = 43_200  # the longest visibility timeout, in seconds


def _kms_requests(graph: Any, queue: Any) -> int:
    """KMS requests per data-key reuse period: "R = B / D * (2 * P + C)", P producing and C consuming
    principals (Amazon SQS developer guide, estimating AWS KMS usage costs)."""
    producers = {e.source for e in graph.edges_to(queue.id) if e.kind in ("sends", "fans-out")}
    consumers = {e.target for e in graph.edges_from(queue.id) if e.kind == "triggers"}
    return 2 * len(producers) + len(consumers)


SERVICE = Service(
    id="sqs", name="Amazon SQS",
    settings=(
        Setting("purpose", "str", "What the queue is for"),
        Setting("consumer", "map", "How its event source mapping consumes it (maximum_concurrency, ...)", fields=(
            Setting("maximum_concurrency", "int", "Concurrent functions the mapping may invoke", minimum=2,
                    maximum=1000, source="Lambda API reference, ScalingConfig"),
            Setting("drain_within_s", "int", "Seconds in which a peak minute's backlog must drain: the mapping's "
                    "maximum concurrency is sized from it, the peak and the function's duration", minimum=1,
                    maximum=3600),
            Setting("report_batch_item_failures", "bool", "Return only the failed messages of a batch"),
            Setting("visibility_timeout_factor", "number", "Visibility timeout as a multiple of the function's",
                    minimum=1, maximum=MAX_VISIBILITY_S),
        )),
        Setting("consumer_name", "str", "The consumer it serves"),
        Setting("dead_letter_queue", "map", "Its dead-letter queue (max_receive_count, retention_days)", fields=(
            Setting("max_receive_count", "int", "Receives before a message moves to it", minimum=1, maximum=1000,
                    source="SQS developer guide, dead-letter queues"),
            Setting("retention_days", "int", "Days it keeps a message", minimum=1, maximum=14,
                    source="SQS quotas, message retention"),
        )),
        Setting("deny_insecure_transport", "bool", "Deny requests without TLS"),
        Setting("encryption", "str", "Server-side encryption", choices=("kms", "sqs-managed")),
        Setting("kms_key", "ref", "The key that encrypts it"),
        Setting("fifo", "bool", "A FIFO queue", default=False, usage="fifo"),
    ),
    undeployable={
        "fifo": (lambda v: bool(v),
                 "advisor's template deploys standard queues (a FIFO queue needs a FIFO topic, message group ids "
                 "and a FIFO dead-letter queue it does not configure)",
                 "remove usage.sqs.fifo"),
    },
    # "The maximum size is 1 MiB or 1,048,576 bytes" (SendMessage API reference; raised from 256 KiB on 2025-08-04,
    # aws.amazon.com/about-aws/whats-new/2025/08/amazon-sqs-max-payload-size-1mib/).
    message_kb=MESSAGE_KB, message_quota="SQS SendMessage quota, 1 MiB since 2025-08-04",
    edges=(("triggers", "lambda"),),
    kms_principals=_kms_requests,
    usage={
        "monthly_requests": Field(count_spec("Queue requests per month")),
        "request_size_kb": Field(kb_spec("Average message size", MESSAGE_KB)),
    },
)
