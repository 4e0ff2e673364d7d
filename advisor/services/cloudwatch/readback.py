"""alarms:* (cloudwatch) read back from a template: its alarms and dashboard as one component, the standard
alarms it holds, `alarms-to` the topics they notify and `monitors` the functions, queues and APIs they watch
(the inverse of blueprint.py)."""

from __future__ import annotations

from advisor.review.infer import Reading, text_of
from advisor.review.template import Resource
from advisor.services.cloudwatch import ALARMS

TYPES = ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::Dashboard", "AWS::CloudWatch::CompositeAlarm")
# (namespace, metric) -> the standard alarm it is.
KINDS = {("AWS/SQS", "ApproximateNumberOfMessagesVisible"): "dlq-depth",
         ("AWS/SQS", "ApproximateAgeOfOldestMessage"): "oldest-message-age",
         ("AWS/Lambda", "Errors"): "function-errors", ("AWS/Lambda", "Throttles"): "function-throttles",
         ("AWS/ApiGateway", "5XXError"): "api-5xx", ("AWS/ApiGateway", "Latency"): "api-latency-p99"}
# What each standard alarm watches: a kind with nothing of that sort in the template cannot be told apart
# from one that is off, so it is taken as on, as advisor's alarms are.
SUBJECTS = {"dlq-depth": "dead-letter queue", "oldest-message-age": "sqs", "function-errors": "lambda",
            "function-throttles": "lambda", "api-5xx": "apigateway", "api-latency-p99": "apigateway"}


def kind_of(alarm: Resource) -> str | None:
    """The standard alarm an alarm is, if any."""
    return KINDS.get((str(alarm.props.get("Namespace")), str(alarm.props.get("MetricName"))))


def components(r: Reading) -> None:
    """One component for the template's alarms and dashboards, when it has any of its own."""
    alarms = r.of_type("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm")
    dashboards = r.of_type("AWS::CloudWatch::Dashboard")
    mine = [a for a in alarms if a.logical_id not in r.parts]
    if not mine and not dashboards:
        return
    main = dashboards[0] if dashboards else mine[0]
    cid = r.component(r.named("alarms", "main"), "cloudwatch", main)
    for resource in dashboards + mine:
        r.claim(resource.logical_id, cid, "dashboard" if resource.type.endswith("Dashboard") else "alarm")
    present = {kind_of(a) for a in alarms}
    watchable = {"dead-letter queue": any(p.role == "dead-letter queue" for p in r.parts.values()),
                 "sqs": any(r.services[c] == "sqs" for c in r.services),
                 "lambda": any(r.services[c] == "lambda" for c in r.services),
                 "apigateway": any(r.services[c] == "apigateway" for c in r.services)}
    # Only dead-letter alarms and no dashboard is advisor's minimum set (ADV-O006): the kinds with nothing to
    # watch are off. Anything beyond it is the full set, whose kinds with nothing to watch are on.
    # (A health check's 5XX alarm belongs to the health check, so only the component's own alarms tell.)
    own = {kind_of(a) for a in mine}
    if own <= {"dlq-depth"} and not dashboards:
        r.set(cid, "alarms", [k for k in ALARMS if k in own], main)
    else:
        r.set(cid, "alarms", [k for k in ALARMS if k in present or not watchable[SUBJECTS[k]]], main)
    r.set(cid, "dashboard", bool(dashboards), main)


def edges(r: Reading) -> None:
    """The topics the alarms notify and the components they watch."""
    for cid in r.components_of("cloudwatch"):
        for lid in r.owned[cid]:
            alarm = r.resources[lid]
            if alarm.type == "AWS::CloudWatch::Dashboard":
                continue
            for topic in r.targets([alarm.props.get("AlarmActions"), alarm.props.get("OKActions")], "AWS::SNS::Topic"):
                r.edge(cid, r.component_of(topic), "alarms-to")
            for watched in _watched(r, alarm):
                r.edge(cid, watched, "monitors")


def _watched(r: Reading, alarm: Resource) -> list[str]:
    """The functions, queues and APIs an alarm's dimensions name (a dead-letter queue's alarm watches the queue
    that owns it, when that is a queue)."""
    out = []
    for dimension in alarm.props.get("Dimensions") or []:
        if not isinstance(dimension, dict):
            continue
        for lid in r.targets(dimension.get("Value")):
            part = r.parts.get(lid)
            if part is None:
                continue
            service = r.services[part.component]
            if (part.role == "" and service in ("lambda", "sqs", "apigateway")) or (
                    part.role == "dead-letter queue" and service == "sqs"):
                out.append(part.component)
        if dimension.get("Name") == "ApiName":
            name = text_of(dimension.get("Value"))
            for api in r.of_type("AWS::ApiGateway::RestApi"):
                if text_of(api.props.get("Name")) == name and r.component_of(api.logical_id):
                    out.append(str(r.component_of(api.logical_id)))
    return out
