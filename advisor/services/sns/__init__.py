"""Amazon SNS: topics that fan events out, and the alarm topic."""

from advisor.services.base import Service, Setting

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
    message_kb=256, message_quota="SNS default MaximumMessageSize, 256 KiB",
    edges=(("delivers-to", "lambda"), ("fans-out", "sqs"),),
    kms_principals=1,
)
