"""Amazon SNS: topics that fan events out, and the alarm topic."""

from typing import Any

from advisor.services.base import Service, Setting
from advisor.spec import Field, count_spec, kb_spec

MESSAGE_KB = 256


def _kms_requests(graph: Any, topic: Any) -> int:
    """KMS requests per data-key reuse period: "R = B / D * (2 * P)", P publishing principals (Amazon SNS
    developer guide, estimating AWS KMS costs); a topic nothing in the architecture publishes to has one
    publisher outside it."""
    publishers = {e.source for e in graph.edges_to(topic.id) if e.kind in ("publishes", "routes-to", "alarms-to")}
    return 2 * max(1, len(publishers))


SERVICE = Service(
    id="sns", name="Amazon SNS",
    settings=(
        Setting("purpose", "str", "What the topic is for"),
        Setting("kms_key", "ref", "The key that encrypts it"),
        Setting("deny_insecure_transport", "bool", "Deny requests without TLS"),
        Setting("raw_message_delivery", "bool", "Deliver the raw message to queues"),
        Setting("subscribers", "list", "Subscription protocols outside the architecture"),
    ),
    # "By default, topics accept messages up to 256 KiB" (docs.aws.amazon.com/sns/latest/dg/large-message-payloads.html).
    message_kb=MESSAGE_KB, message_quota="SNS default MaximumMessageSize, 256 KiB",
    edges=(("delivers-to", "lambda"), ("fans-out", "sqs"),),
    kms_principals=_kms_requests,
    usage={
        "monthly_requests": Field(count_spec("Publishes per month")),
        "request_size_kb": Field(kb_spec("Average message size", MESSAGE_KB)),
        **{f"{p}_subscriptions": Field(count_spec(f"{p.upper()} subscriptions per topic", 12_500_000))
           for p in ("http", "email", "sms", "mobile_push", "sqs", "lambda")},
    },
)
