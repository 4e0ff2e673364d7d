"""bus:* (eventbridge) read back from a template: a custom event bus, its archive and schema discoverer, and
its rules with their roles and dead-letter queues; a rule that targets a topic `routes-to` it (the inverse of
blueprint.py; rules that start a workflow are read by that package's readback)."""

from __future__ import annotations

from typing import Any

from advisor.review.infer import Reading, number
from advisor.review.template import Resource

TYPES = ("AWS::Events::EventBus", "AWS::Events::Archive", "AWS::Events::Rule", "AWS::EventSchemas::Discoverer")


def rules_of(r: Reading, bus: Resource) -> list[Resource]:
    """The rules on a bus (`EventBusName: !GetAtt Bus.Name`, `!Ref Bus` or its ARN)."""
    return [rule for rule in r.referrers(bus.logical_id)
            if rule.type == "AWS::Events::Rule" and bus.logical_id in r.targets(rule.props.get("EventBusName"))]


def targets(rule: Resource) -> list[dict[str, Any]]:
    """A rule's targets."""
    return [t for t in rule.props.get("Targets") or [] if isinstance(t, dict)]


def components(r: Reading) -> None:
    """One component per bus, with its archive, discoverer and rules (and their roles and dead-letter queues)."""
    for bus in r.of_type("AWS::Events::EventBus"):
        cid = r.component(r.name(bus.logical_id, "bus"), "eventbridge", bus)
        days = 0
        for part in r.referrers(bus.logical_id):
            if part.type == "AWS::Events::Archive" and bus.logical_id in r.targets(part.props.get("SourceArn")):
                r.claim(part.logical_id, cid, "archive")
                found = number(part.props.get("RetentionDays"))
                days = int(found) if found else 0
                r.set(cid, "archive_days", days, part, "RetentionDays")
            elif part.type == "AWS::EventSchemas::Discoverer":
                r.claim(part.logical_id, cid, "schema discoverer")
                r.set(cid, "schema_discovery", True, part)
        r.settings[cid].setdefault("archive_days", 0)
        r.settings[cid].setdefault("schema_discovery", False)
        for rule in rules_of(r, bus):
            r.claim(rule.logical_id, cid, "rule")
            for target in targets(rule):
                r.claim(r.target(target.get("RoleArn"), "AWS::IAM::Role"), cid, "rule role")
                dlq = target.get("DeadLetterConfig")
                if isinstance(dlq, dict):
                    r.claim(r.target(dlq.get("Arn"), "AWS::SQS::Queue"), cid, "dead-letter queue")


def edges(r: Reading) -> None:
    """Each rule routes the bus's events to its targets: topics (and workflows, queues and functions, which
    the estimate does not follow)."""
    for cid in r.components_of("eventbridge"):
        for rule in rules_of(r, r.main(cid)):
            for target in targets(rule):
                for lid in r.targets(target.get("Arn"), "AWS::SNS::Topic", "AWS::StepFunctions::StateMachine",
                                     "AWS::SQS::Queue", "AWS::Lambda::Function"):
                    r.edge(cid, r.component_of(lid), "routes-to")
