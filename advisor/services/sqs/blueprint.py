"""queue:* (sqs): an encrypted queue, its redrive dead-letter queue and TLS-only queue policies."""

from __future__ import annotations

from typing import Any

from advisor.architecture import Component, Edge
from advisor.render.cfn.context import Builder
from advisor.render.cfn.intrinsics import Ref, arn
from advisor.services.sqs import MAX_VISIBILITY_S
from advisor.services.sqs.consumers import consumer

# cfn-lint-serverless ES1001 asks every event source mapping for an on-failure destination, which Lambda supports
# for stream and Kafka sources only ("Lambda event source mappings: failure destinations").
QUEUE_REDRIVES = ("An SQS event source mapping takes no on-failure destination (Lambda supports one for stream and "
                  "Kafka sources only); a message that keeps failing goes to the queue's dead-letter queue {dlq} "
                  "through its redrive policy, and batch item failures retry only the failed messages")


def visibility_timeout(b: Builder, c: Component) -> int:
    """At least the factor (6) × the slowest consumer's timeout, plus its batching window."""
    factor = int((c.settings.get("consumer") or {}).get("visibility_timeout_factor", 6))
    consumers = b.edges_from(c.id, "triggers")
    timeout = max((int(b.components[e.target].settings["timeout_s"]) for e in consumers), default=30)
    window = max((int(e.settings.get("batching_window_s", 0)) for e in consumers), default=0)
    return min(MAX_VISIBILITY_S, factor * timeout + window)


def build(b: Builder, c: Component) -> None:
    settings = c.settings.get("dead_letter_queue") or {}
    dlq = b.queue(b.lid(c.id, "Dlq"), retention_s=int(settings.get("retention_days", 14)) * 86_400, is_dlq=True)
    lid = b.queue(b.lid(c.id), visibility=visibility_timeout(b, c), dlq=dlq,
                  max_receive=int(settings.get("max_receive_count", 5)))
    b.queues.append(lid)


# --- connectors: what an edge leaving this service's components adds ------------------------------


def triggers(b: Builder, e: Edge) -> None:
    """queue -> function: an event source mapping that reports partial batch failures."""
    queue, fn = b.lid(e.source), b.lid(e.target)
    role = b.lid(e.target, "Role")
    b.allow(role, "ConsumeQueue", ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
                                   "sqs:ReceiveMessage"], [arn(queue)])
    b.allow_key(role, "kms:Decrypt")
    from advisor.costing import graph_of

    sized = consumer(b.workload, graph_of(b.arch), b.components[e.source], e)
    props: dict[str, Any] = {
        "EventSourceArn": arn(queue), "FunctionName": Ref(fn), "Enabled": True,
        "BatchSize": int(e.settings.get("batch_size", 10)),
        "MaximumBatchingWindowInSeconds": int(e.settings.get("batching_window_s", 0)),
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
    }
    if sized.concurrency is not None:
        props["ScalingConfig"] = {"MaximumConcurrency": sized.concurrency}
    mapping = b.add(b.lid(e.target, "QueueMapping"), "AWS::Lambda::EventSourceMapping", props)
    b.skip_cfn_lint(mapping, "ES1001", QUEUE_REDRIVES.format(dlq=b.lid(e.source, "Dlq")))


# (edge kind, target service) -> connector
CONNECTORS = {
    ("triggers", "lambda"): triggers,
}


# --- the report: what its components contribute to ARCHITECTURE.md ---------------------------------


def capacity(workload: Any, arch: Any) -> list[str]:
    """Each queue consumer's capacity against the peak and how fast a peak minute's backlog drains."""
    from advisor.costing import graph_of

    graph = graph_of(arch)
    return [consumer(workload, graph, q, e).sentence() for q in arch.of_service("sqs")
            for e in arch.edges_from(q.id) if e.kind == "triggers"]


def controls(components: tuple[Component, ...]) -> list[str]:
    """The security controls the queues carry: their dead-letter queues."""
    queues = [c.id for c in components if c.settings.get("dead_letter_queue")]
    if not queues:
        return []
    return ["Dead-letter queues after five failed receives on " + ", ".join(f"`{q}`" for q in queues) + "."]
