"""topic:* (sns) read back from a template: a topic, its policy, its subscriptions (queues and functions as
`fans-out` and `delivers-to` edges, e-mail, SMS, HTTPS and mobile endpoints as subscribers) and the
dead-letter queue of what it could not deliver (the inverse of blueprint.py)."""

from __future__ import annotations

from typing import Any

from advisor.review.infer import Reading, flag
from advisor.review.template import Resource

TYPES = ("AWS::SNS::Topic", "AWS::SNS::Subscription", "AWS::SNS::TopicPolicy")
# Subscription protocols whose endpoints are outside the architecture, as the workload names its subscribers.
SUBSCRIBERS = {"email": "email", "email-json": "email", "sms": "sms", "https": "http", "http": "http",
               "application": "mobile-push"}
ALARM_TOPIC = "alarm notifications"


def _subscriptions(r: Reading, topic: Resource, *, conditional: bool = False) -> list[tuple[dict[str, Any], Resource]]:
    """The topic's subscriptions (properties, and the resource that holds them): the topic's own `Subscription`
    list and `AWS::SNS::Subscription` resources; with `conditional`, those behind a false condition too (an
    e-mail subscription deployed once its address is given)."""
    out = [(dict(s), topic) for s in topic.props.get("Subscription") or [] if isinstance(s, dict)]
    candidates = list(r.resources.values()) + (list(r.template.dropped.values()) if conditional else [])
    for resource in candidates:
        if resource.type == "AWS::SNS::Subscription" and _names(resource, topic.logical_id):
            out.append((resource.props, resource))
    return out


def _names(subscription: Resource, topic: str) -> bool:
    from advisor.review.template import references

    return any(lid == topic for lid, _ in references(subscription.props.get("TopicArn")))


def components(r: Reading) -> None:
    """One component per topic, with its policy, subscriptions and delivery dead-letter queue."""
    for topic in r.of_type("AWS::SNS::Topic"):
        cid = r.component(r.name(topic.logical_id, "topic"), "sns", topic)
        r.set(cid, "kms_key", r.key_of(topic.props.get("KmsMasterKeyId")), topic, "KmsMasterKeyId")
        statements, policies = r.resource_policy(topic.logical_id, "AWS::SNS::TopicPolicy", "Topics")
        for policy in policies:
            r.claim(policy, cid, "topic policy")
        if any(s.effect == "Deny" and "aws:SecureTransport" in str(s.condition) for s in statements):
            r.set(cid, "deny_insecure_transport", True, r.resources[policies[0]], "PolicyDocument")
        subscribers = []
        for props, holder in _subscriptions(r, topic, conditional=True):
            r.claim(holder.logical_id, cid, "subscription")
            protocol = str(props.get("Protocol", "")).lower()
            if protocol in SUBSCRIBERS:
                subscribers.append(SUBSCRIBERS[protocol])
            redrive = props.get("RedrivePolicy")
            if isinstance(redrive, dict):
                r.claim(r.target(redrive.get("deadLetterTargetArn"), "AWS::SQS::Queue"), cid, "dead-letter queue")
        alarms = _alarm_topic(r, topic)
        if alarms:
            r.set(cid, "purpose", ALARM_TOPIC, alarms)
            # An alarm topic's e-mail subscription comes with its purpose (blueprint.py); others are subscribers.
            if "email" in subscribers:
                subscribers.remove("email")
        if subscribers:
            order = list(dict.fromkeys(SUBSCRIBERS.values()))
            r.set(cid, "subscribers", sorted(set(subscribers), key=order.index), topic, "Subscription")


def _alarm_topic(r: Reading, topic: Resource) -> Resource | None:
    """The first alarm or budget that notifies the topic, when one does."""
    for resource in r.referrers(topic.logical_id):
        if resource.type == "AWS::CloudWatch::Alarm" and topic.logical_id in r.targets(resource.props.get("AlarmActions")):
            return resource
        if resource.type == "AWS::Budgets::Budget":
            return resource
    return None


def edges(r: Reading) -> None:
    """Queue subscriptions fan out (`raw_message_delivery`), function subscriptions deliver."""
    for cid in r.components_of("sns"):
        for props, _ in _subscriptions(r, r.main(cid)):
            protocol = str(props.get("Protocol", "")).lower()
            if protocol == "sqs":
                for queue in r.targets(props.get("Endpoint"), "AWS::SQS::Queue"):
                    r.edge(cid, r.component_of(queue), "fans-out",
                           raw_message_delivery=flag(props.get("RawMessageDelivery")))
            elif protocol == "lambda":
                for fn in r.targets(props.get("Endpoint"), "AWS::Lambda::Function"):
                    r.edge(cid, r.component_of(fn), "delivers-to")
