"""topic:* (sns): an encrypted topic with a TLS-only topic policy and subscriptions per subscriber.

SQS and Lambda subscribers are edges (fans-out, delivers-to) and built by connectors; email, SMS and
HTTPS endpoints are parameters, each behind a condition so the stack deploys without them; mobile push
needs a platform application with the customer's credentials and is listed in the template metadata.
"""

from __future__ import annotations

from typing import Any

from advisor.architecture import Architecture, Component, Edge
from advisor.render.cfn.context import Builder, deny_insecure, service_source
from advisor.render.cfn.intrinsics import Equals, GetAtt, Not, Ref, arn

# protocol -> (subscriber id in the workload, parameter suffix, allowed pattern, description)
ENDPOINT_SUBSCRIBERS = {
    "email": ("email", "Email", r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$", "E-mail address"),
    "sms": ("sms", "SmsNumber", r"^$|^\+[1-9][0-9]{1,14}$", "Phone number in E.164 form (+15555550100)"),
    "https": ("http", "HttpsEndpoint", r"^$|^https://[^\s]+$", "HTTPS URL"),
}


def delivery_dlq(b: Builder, topic_cid: str) -> str:
    """The topic's dead-letter queue for messages SNS could not deliver to a subscriber."""
    lid = b.lid(topic_cid, "DeliveryDlq")
    if lid not in b.resources:
        b.dead_letter_queue(lid)
        topic = b.lid(topic_cid)
        b.queue_allow(lid, service_source("sns.amazonaws.com", "SnsDeadLetters", ("sqs:SendMessage",),
                                          arn(lid), Ref(topic)))
        b.key_allow_service("sns.amazonaws.com", "SnsToEncryptedQueues")
    return lid


def subscription(b: Builder, topic_cid: str, lid: str, protocol: str, endpoint: Any,
                 condition: str | None = None, raw: bool = False) -> str:
    props: dict[str, Any] = {"TopicArn": Ref(b.lid(topic_cid)), "Protocol": protocol, "Endpoint": endpoint,
                             "RedrivePolicy": {"deadLetterTargetArn": arn(delivery_dlq(b, topic_cid))}}
    if raw:
        props["RawMessageDelivery"] = True
    return b.add(lid, "AWS::SNS::Subscription", props, Condition=condition)


def build(b: Builder, c: Component) -> None:
    lid = b.lid(c.id)
    props: dict[str, Any] = {}
    if b.has_key():
        props["KmsMasterKeyId"] = b.key_ref()
    b.add(lid, "AWS::SNS::Topic", props)
    b.topic_allow(lid, deny_insecure(Ref(lid), "sns:Publish"))
    wanted = set(c.settings.get("subscribers") or ())
    if c.settings.get("purpose") == "alarm notifications":
        wanted.add("email")
    for protocol, (subscriber, suffix, pattern, what) in ENDPOINT_SUBSCRIBERS.items():
        if subscriber not in wanted:
            continue
        param = b.parameter(b.lid(c.id, suffix), Type="String", Default="", AllowedPattern=pattern,
                            Description=f"{what} subscribed to {c.id}; leave empty for none")
        cond = b.condition(b.lid(c.id, "Has" + suffix), Not(Equals(param, "")))
        subscription(b, c.id, b.lid(c.id, suffix + "Subscription"), protocol, param, condition=cond)
    if "mobile-push" in wanted:
        b.note("outside_template", f"{c.id}: mobile push needs an SNS platform application (APNs/FCM credentials) "
                                   "and one endpoint per device; subscribe the endpoints to this topic")
    b.output(b.lid(c.id, "Arn"), Ref(lid), f"ARN of the {c.id} topic")


# --- connectors: what an edge leaving this service's components adds ------------------------------


def fans_out(b: Builder, e: Edge) -> None:
    """topic -> queue: an SQS subscription (raw delivery, redrive) and the queue policy that admits the topic."""
    topic, queue = b.lid(e.source), b.lid(e.target)
    b.queue_allow(queue, service_source("sns.amazonaws.com", "TopicSends", ("sqs:SendMessage",), arn(queue),
                                        Ref(topic)))
    b.key_allow_service("sns.amazonaws.com", "SnsToEncryptedQueues")
    subscription(b, e.source, b.lid(e.target, topic + "Subscription"), "sqs", arn(queue),
                        raw=bool(e.settings.get("raw_message_delivery", True)))


# Lambda retries a failed asynchronous invocation twice (its default, stated so the template says it).
ASYNC_RETRIES = 2
ON_FAILURE_DESTINATION = ("Invoked asynchronously by SNS: an invocation that still fails after Lambda's retries goes "
                          "to an on-failure destination (AWS::Lambda::EventInvokeConfig, the queue {dlq}), which AWS "
                          "recommends over DeadLetterConfig since its record carries the error and the request; both "
                          "would deliver every failure twice")


def delivers_to(b: Builder, e: Edge) -> None:
    """topic -> function: a Lambda subscription, the invoke permission, and an on-failure destination (a
    dead-letter queue) for the asynchronous invocations that still fail after Lambda's retries."""
    topic, fn = b.lid(e.source), b.lid(e.target)
    subscription(b, e.source, b.lid(e.target, topic + "Subscription"), "lambda", GetAtt(fn, "Arn"))
    # The permission and the invoke config name the function alike, by its name.
    b.add(b.lid(e.target, topic + "Permission"), "AWS::Lambda::Permission", {
        "Action": "lambda:InvokeFunction", "FunctionName": Ref(fn), "Principal": "sns.amazonaws.com",
        "SourceArn": Ref(topic)})
    dlq = b.lid(e.target, "AsyncDlq")
    if dlq not in b.resources:
        b.dead_letter_queue(dlq)
        role = b.lid(e.target, "Role")
        # Lambda sends to a destination with the function's own role.
        b.allow(role, "DeadLetters", ["sqs:SendMessage"], [arn(dlq)])
        b.allow_key(role, "kms:Decrypt", "kms:GenerateDataKey")
        b.add(b.lid(e.target, "AsyncConfig"), "AWS::Lambda::EventInvokeConfig", {
            "FunctionName": Ref(fn), "Qualifier": "$LATEST", "MaximumRetryAttempts": ASYNC_RETRIES,
            "DestinationConfig": {"OnFailure": {"Destination": arn(dlq)}}})
        b.skip_checkov(fn, "CKV_AWS_116", ON_FAILURE_DESTINATION.format(dlq=dlq))


# (edge kind, target service) -> connector
CONNECTORS = {
    ("fans-out", "sqs"): fans_out,
    ("delivers-to", "lambda"): delivers_to,
}


# --- the report: what its components contribute to ARCHITECTURE.md ---------------------------------


# Subscription protocols whose subscribers are components of the architecture, drawn as its edges
# (fans-out to a queue, delivers-to a function); a topic's other subscribers are outside it.
COMPONENT_PROTOCOLS = ("sqs", "lambda")


def actors(arch: Architecture, components: tuple[Component, ...]) -> list[tuple[str, str, str]]:
    """Who outside the architecture meets the topics, for the diagram: a producer for each topic nothing in
    the architecture publishes to, then the subscribers of each protocol it does not hold as components."""
    out = [("producer", topic.id, "publishes") for topic in components if not arch.edges_to(topic.id)]
    for topic in components:
        for protocol in topic.settings.get("subscribers", ()):
            if protocol not in COMPONENT_PROTOCOLS:
                out.append((topic.id, f"{protocol} subscribers", "notifies"))
    return out
