"""bus:* (eventbridge): a custom event bus with an archive; routes-to connectors add rules."""

from __future__ import annotations

from advisor.architecture import Component, Edge
from advisor.render.cfn.context import Builder, service_source
from advisor.render.cfn.intrinsics import GetAtt, Ref, Sub, arn


def build(b: Builder, c: Component) -> None:
    lid = b.lid(c.id)
    b.add(lid, "AWS::Events::EventBus", {"Name": Sub("${AWS::StackName}-" + lid)})
    days = int(c.settings.get("archive_days") or 0)
    if days:
        b.add(b.lid(c.id, "Archive"), "AWS::Events::Archive", {
            "SourceArn": GetAtt(lid, "Arn"), "RetentionDays": days,
            "Description": "Replayable copy of every event on the bus"})
    b.output(b.lid(c.id, "Name"), GetAtt(lid, "Name"), f"Name of the {c.id} event bus")


# --- connectors: what an edge leaving this service's components adds ------------------------------


def routes_to(b: Builder, e: Edge) -> None:
    """bus -> topic: a rule forwarding the bus's events (DLQ, retries)."""
    bus, topic = b.lid(e.source), b.lid(e.target)
    rule = b.lid(e.source, "To" + b.lid(e.target) + "Rule")
    dlq = b.dead_letter_queue(b.lid(e.source, "To" + b.lid(e.target) + "Dlq"))
    b.add(rule, "AWS::Events::Rule", {
        "Description": f"advisor: forward {e.source} events to {e.target}",
        "EventBusName": GetAtt(bus, "Name"),
        "EventPattern": {"account": [Ref("AWS::AccountId")]},
        "State": "ENABLED",
        "Targets": [{"Id": "topic", "Arn": Ref(topic),
                     "RetryPolicy": {"MaximumRetryAttempts": 10, "MaximumEventAgeInSeconds": 3600},
                     "DeadLetterConfig": {"Arn": arn(dlq)}}],
    })
    b.topic_allow(topic, service_source("events.amazonaws.com", "EventsPublish", ("sns:Publish",), Ref(topic),
                                        GetAtt(rule, "Arn")))
    b.queue_allow(dlq, service_source("events.amazonaws.com", "EventsDeadLetters", ("sqs:SendMessage",), arn(dlq),
                                      GetAtt(rule, "Arn")))
    b.key_allow_service("events.amazonaws.com", "EventsToEncryptedTargets")


# (edge kind, target service) -> connector
CONNECTORS = {
    ("routes-to", "sns"): routes_to,
}
