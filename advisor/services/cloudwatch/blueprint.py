"""alarms:* (cloudwatch): alarms on every queue, dead-letter queue, function and API, sent to the alarm
topic; and a dashboard. Runs late, once every other blueprint and connector has added its resources."""

from __future__ import annotations

import json
from typing import Any

from advisor.architecture import Component, Edge
from advisor.render.cfn.context import Builder, Statement
from advisor.render.cfn.intrinsics import GetAtt, Ref, Sub

OLDEST_MESSAGE_S = 300
LATENCY_P99_MS = 2000


def alarm(b: Builder, lid: str, description: str, namespace: str, metric: str, dimensions: list[dict[str, Any]],
          threshold: float, actions: list[Any], *, statistic: str = "Sum", period: int = 60, periods: int = 1,
          comparison: str = "GreaterThanOrEqualToThreshold") -> str:
    props: dict[str, Any] = {
        "AlarmDescription": description, "Namespace": namespace, "MetricName": metric,
        "Dimensions": dimensions, "Period": period, "EvaluationPeriods": periods,
        "DatapointsToAlarm": periods, "Threshold": threshold, "ComparisonOperator": comparison,
        "TreatMissingData": "notBreaching",
    }
    if statistic.startswith("p"):
        props["ExtendedStatistic"] = statistic
    else:
        props["Statistic"] = statistic
    if actions:
        props["AlarmActions"] = actions
        props["OKActions"] = actions
    return b.add(lid, "AWS::CloudWatch::Alarm", props)


def api_5xx_alarm(b: Builder, api: str, stage: str, name: Any, actions: list[Any]) -> str:
    """The API's 5XX alarm (shared with Route 53 health checks), created once."""
    if api not in b.api_5xx:
        b.api_5xx[api] = alarm(b, b.ids(api, "ServerErrorsAlarm"), "The API returned 5XX errors", "AWS/ApiGateway",
                               "5XXError", [{"Name": "ApiName", "Value": name}, {"Name": "Stage", "Value": Ref(stage)}],
                               1, actions)
    return b.api_5xx[api]


def build(b: Builder, c: Component) -> None:
    """Nothing before the late phase."""


def late(b: Builder, c: Component) -> None:
    wanted = set(c.settings["alarms"])
    topic = b.alarm_topic.get(c.id)
    actions = [Ref(topic)] if topic else []
    if "dlq-depth" in wanted:
        for q in sorted(b.dlqs):
            alarm(b, b.ids(q, "DepthAlarm"), "Messages reached a dead-letter queue", "AWS/SQS",
                  "ApproximateNumberOfMessagesVisible", [{"Name": "QueueName", "Value": GetAtt(q, "QueueName")}],
                  1, actions, statistic="Maximum")
    if "oldest-message-age" in wanted:
        for q in sorted(b.queues):
            alarm(b, b.ids(q, "AgeAlarm"), f"The oldest message waited over {OLDEST_MESSAGE_S} s", "AWS/SQS",
                  "ApproximateAgeOfOldestMessage", [{"Name": "QueueName", "Value": GetAtt(q, "QueueName")}],
                  OLDEST_MESSAGE_S, actions, statistic="Maximum", period=300, comparison="GreaterThanThreshold")
    for fn in sorted(b.functions):
        dims = [{"Name": "FunctionName", "Value": Ref(fn)}]
        if "function-errors" in wanted:
            alarm(b, b.ids(fn, "ErrorsAlarm"), "The function raised errors", "AWS/Lambda", "Errors", dims, 1, actions)
        if "function-throttles" in wanted:
            alarm(b, b.ids(fn, "ThrottlesAlarm"), "The function was throttled", "AWS/Lambda", "Throttles", dims, 1, actions)
    for api, stage, name in sorted(b.apis, key=lambda a: a[0]):
        dims = [{"Name": "ApiName", "Value": name}, {"Name": "Stage", "Value": Ref(stage)}]
        if "api-5xx" in wanted:
            api_5xx_alarm(b, api, stage, name, actions)
        if "api-latency-p99" in wanted:
            alarm(b, b.ids(api, "LatencyAlarm"), f"p99 latency above {LATENCY_P99_MS} ms", "AWS/ApiGateway", "Latency",
                  dims, LATENCY_P99_MS, actions, statistic="p99", period=300, periods=3,
                  comparison="GreaterThanThreshold")
    if c.settings.get("dashboard"):
        dashboard(b, c)


def dashboard(b: Builder, c: Component) -> None:
    widgets: list[dict[str, Any]] = []

    def widget(title: str, metrics: list[list[Any]], stat: str) -> None:
        widgets.append({"type": "metric", "width": 12, "height": 6,
                        "properties": {"title": title, "region": "${AWS::Region}", "stat": stat, "period": 60,
                                       "metrics": metrics}})

    for q in sorted(b.queues):
        widget(f"{q} messages", [["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", "${%s.QueueName}" % q],
                                 [".", "ApproximateAgeOfOldestMessage", ".", "."]], "Maximum")
    for fn in sorted(b.functions):
        widget(f"{fn} invocations", [["AWS/Lambda", "Invocations", "FunctionName", "${%s}" % fn],
                                     [".", "Errors", ".", "."], [".", "Throttles", ".", "."]], "Sum")
    for api, stage, _ in sorted(b.apis, key=lambda a: a[0]):
        widget(f"{api} requests", [["AWS/ApiGateway", "Count", "ApiName", "${AWS::StackName}-" + api,
                                    "Stage", "${%s}" % stage], [".", "5XXError", ".", ".", ".", "."],
                                   [".", "4XXError", ".", ".", ".", "."]], "Sum")
    if not widgets:
        widgets.append({"type": "text", "width": 12, "height": 3,
                        "properties": {"markdown": "No queues, functions or APIs in this stack."}})
    body = json.dumps({"widgets": widgets}, sort_keys=True, separators=(",", ":"))
    b.add(b.lid(c.id, "Dashboard"), "AWS::CloudWatch::Dashboard",
          {"DashboardBody": Sub(body) if "${" in body else body})


# --- connectors: what an edge leaving this service's components adds ------------------------------


def alarms_to(b: Builder, e: Edge) -> None:
    """alarms -> topic: alarm actions publish to the (encrypted) topic."""
    topic = b.lid(e.target)
    b.alarm_topic[e.source] = topic
    b.topic_allow(topic, Statement("CloudWatchPublish", "Allow", ("sns:Publish",), (Ref(topic),),
                                   {"Service": "cloudwatch.amazonaws.com"},
                                   {"ArnLike": {"aws:SourceArn": Sub(
                                       "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:*")}}))
    b.key_allow_service("cloudwatch.amazonaws.com", "CloudWatchToEncryptedTopic")


# (edge kind, target service) -> connector
CONNECTORS = {
    ("alarms-to", "sns"): alarms_to,
}
