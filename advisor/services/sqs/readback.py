"""queue:* (sqs) read back from a template: a queue with its dead-letter queue, its policy and its event source
mappings; `triggers` the functions those mappings invoke (the inverse of blueprint.py). A queue another
resource sends its failures to (a redrive policy, a dead-letter config, an on-failure destination) is that
resource's dead-letter queue, not a component of its own."""

from __future__ import annotations

from typing import Any, Iterator

from advisor.review.infer import Reading, flag, number
from advisor.review.template import Resource
from advisor.services.sqs import MAX_VISIBILITY_S

TYPES = ("AWS::SQS::Queue", "AWS::SQS::QueuePolicy", "AWS::Lambda::EventSourceMapping")
DLQ = "dead-letter queue"
DEFAULT_RETENTION_S = 4 * 86_400  # SQS keeps a message four days unless told otherwise (SQS API reference)
DEFAULT_BATCH = 10


def _failure_targets(value: Any) -> Iterator[Any]:
    """The values under the keys that name where failures go: `deadLetterTargetArn` (redrive policies),
    `DeadLetterConfig` (functions, rules, pipes, schedules), `OnFailure` (destinations)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                if key == "deadLetterTargetArn":
                    yield child
                elif key in ("DeadLetterConfig", "OnFailure") and isinstance(child, dict):
                    yield child.get("TargetArn") or child.get("Arn") or child.get("Destination")
                else:
                    stack.append(child)
        elif isinstance(item, list):
            stack.extend(item)


def dead_letter_owners(r: Reading) -> dict[str, Resource]:
    """Queue -> the resource that sends it its failures."""
    out: dict[str, Resource] = {}
    for resource in r.resources.values():
        for value in _failure_targets(resource.props):
            for queue in r.targets(value, "AWS::SQS::Queue"):
                if queue != resource.logical_id:
                    out.setdefault(queue, resource)
    return out


def consumers(r: Reading, queue: str) -> list[Resource]:
    """The event source mappings that read a queue."""
    return [m for m in r.referrers(queue) if m.type == "AWS::Lambda::EventSourceMapping"
            and queue in r.targets(m.props.get("EventSourceArn"))]


def components(r: Reading) -> None:
    """One component per queue that is no one's dead-letter queue."""
    owners = dead_letter_owners(r)
    for queue in r.of_type("AWS::SQS::Queue"):
        # A workflow's parking queue or a function's dead-letter queue is claimed already; another resource's
        # dead-letter queue waits until its owner's component is known.
        if queue.logical_id not in r.parts and queue.logical_id not in owners:
            _settings(r, r.component(r.name(queue.logical_id, "queue"), "sqs", queue), queue)
    for queue in r.of_type("AWS::SQS::Queue"):
        owner = owners.get(queue.logical_id)
        if queue.logical_id in r.parts or owner is None:
            continue
        source = r.component_of(owner.logical_id)
        if source is not None:
            r.claim(queue.logical_id, source, DLQ)
        else:  # the dead-letter queue of something advisor does not read: a queue of its own
            _settings(r, r.component(r.name(queue.logical_id, "queue"), "sqs", queue), queue)
    for queue in r.of_type("AWS::SQS::Queue"):
        part = r.parts.get(queue.logical_id)
        if part is not None and part.role == DLQ:
            for policy in r.resource_policy(queue.logical_id, "AWS::SQS::QueuePolicy", "Queues")[1]:
                r.claim(policy, part.component, "dead-letter queue policy")


def _settings(r: Reading, cid: str, queue: Resource) -> None:
    props = queue.props
    r.set(cid, "fifo", flag(props.get("FifoQueue")), queue, "FifoQueue")
    key = r.key_of(props.get("KmsMasterKeyId"))
    r.set(cid, "encryption", "kms" if props.get("KmsMasterKeyId") is not None else "sqs-managed", queue,
          "KmsMasterKeyId" if props.get("KmsMasterKeyId") is not None else "SqsManagedSseEnabled")
    r.set(cid, "kms_key", key, queue, "KmsMasterKeyId")
    statements, policies = r.resource_policy(queue.logical_id, "AWS::SQS::QueuePolicy", "Queues")
    for policy in policies:
        r.claim(policy, cid, "queue policy")
    if any(s.effect == "Deny" and "aws:SecureTransport" in str(s.condition) for s in statements):
        r.set(cid, "deny_insecure_transport", True, r.resources[policies[0]], "PolicyDocument")
    redrive = props.get("RedrivePolicy")
    if isinstance(redrive, dict):
        dlq = r.target(redrive.get("deadLetterTargetArn"), "AWS::SQS::Queue")
        settings: dict[str, Any] = {}
        received = number(redrive.get("maxReceiveCount"))
        if received is not None:
            settings["max_receive_count"] = int(received)
        if dlq is not None:
            r.claim(dlq, cid, DLQ)
            retention = number(r.resources[dlq].props.get("MessageRetentionPeriod"))
            settings["retention_days"] = int((retention or DEFAULT_RETENTION_S) // 86_400)
        r.set(cid, "dead_letter_queue", settings, queue, "RedrivePolicy")
    for mapping in consumers(r, queue.logical_id):
        r.claim(mapping.logical_id, cid, "event source mapping")


def edges(r: Reading) -> None:
    """Each mapping triggers its function (`batch_size`, `batching_window_s`); the queue's consumer settings
    follow from the mappings and the functions' timeouts."""
    for cid in r.components_of("sqs"):
        queue = r.main(cid)
        mappings = consumers(r, queue.logical_id)
        timeouts, windows, partial = [], [], []
        for mapping in mappings:
            fn = r.target(mapping.props.get("FunctionName"), "AWS::Lambda::Function")
            target = r.component_of(fn)
            batch = number(mapping.props.get("BatchSize"))
            window = number(mapping.props.get("MaximumBatchingWindowInSeconds")) or 0
            r.edge(cid, target, "triggers", batch_size=int(batch) if batch is not None else DEFAULT_BATCH,
                   batching_window_s=int(window) if window else None)
            if target is not None:
                timeouts.append(int(r.settings[target].get("timeout_s", 3)))
            windows.append(int(window))
            partial.append("ReportBatchItemFailures" in (mapping.props.get("FunctionResponseTypes") or []))
        if not mappings:
            continue
        consumer: dict[str, Any] = {"report_batch_item_failures": all(partial)}
        visibility = number(queue.props.get("VisibilityTimeout"))
        if visibility is not None and visibility < MAX_VISIBILITY_S and timeouts:
            factor = (visibility - max(windows)) / max(timeouts)
            if factor >= 1 and float(factor).is_integer():
                consumer["visibility_timeout_factor"] = int(factor)
        r.set(cid, "consumer", consumer, mappings[0], "FunctionResponseTypes")
