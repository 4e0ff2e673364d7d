"""workflow:* (stepfunctions): a state machine that checks each integration event against its contract and
delivers it with retries, parking what fails in its dead-letter queue; its own role, log group and tracing.
`ACCEPTS` connects the bus rules that start it."""

from __future__ import annotations

from typing import Any

from advisor.architecture import Component, Edge
from advisor.render.cfn.context import Builder, service_source
from advisor.render.cfn.intrinsics import GetAtt, Ref, arn
from advisor.services.awslambda.blueprint import TRACING_OFF
from advisor.services.stepfunctions.workflow import (DEAD_LETTERS, definition,
                                                     target)

# Log delivery to CloudWatch Logs is configured through these actions, which take no resource-level
# permissions (Step Functions developer guide, "IAM policies for logging to CloudWatch Logs").
LOG_DELIVERY = ("logs:CreateLogDelivery", "logs:DeleteLogDelivery", "logs:DescribeLogGroups",
                "logs:DescribeResourcePolicies", "logs:GetLogDelivery", "logs:ListLogDeliveries",
                "logs:PutResourcePolicy", "logs:UpdateLogDelivery")
TYPES = {"standard": "STANDARD", "express": "EXPRESS"}


def build(b: Builder, c: Component) -> None:
    lid = b.lid(c.id)
    role = b.role(b.lid(c.id, "Role"), "states.amazonaws.com",
                  {"StringEquals": {"aws:SourceAccount": Ref("AWS::AccountId")}})
    logs = b.log_group(b.lid(c.id, "Logs"), b.log_retention(c))
    b.allow(role, "DeliverLogs", LOG_DELIVERY, ["*"])
    dlq = b.dead_letter_queue(b.lid(c.id, "Dlq"))
    b.allow(role, "ParkEvents", ["sqs:SendMessage"], [arn(dlq)])
    targets = [e.target for e in b.edges_from(c.id, "publishes")]
    substitutions: dict[str, Any] = {DEAD_LETTERS: Ref(dlq)}
    for index, topic in enumerate(targets):
        substitutions[target(index)] = Ref(b.lid(topic))
    # The topics and the dead-letter queue are encrypted with the architecture's key.
    b.allow_key(role, "kms:Decrypt", "kms:GenerateDataKey")
    props: dict[str, Any] = {
        "StateMachineType": TYPES[c.settings["type"]],
        "RoleArn": arn(role),
        "Definition": definition(len(targets), int(c.settings["delivery_attempts"])),
        "DefinitionSubstitutions": substitutions,
        "LoggingConfiguration": {"Level": c.settings["log_level"], "IncludeExecutionData": False,
                                 "Destinations": [{"CloudWatchLogsLogGroup": {"LogGroupArn": arn(logs)}}]},
        "TracingConfiguration": {"Enabled": bool(c.settings["tracing"])},
    }
    if c.settings["tracing"]:
        # X-Ray trace APIs have no resource-level permissions; "*" is the only valid resource.
        b.allow(role, "WriteTraces", ["xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:PutTelemetryRecords",
                                      "xray:PutTraceSegments"], ["*"])
    b.add(lid, "AWS::StepFunctions::StateMachine", props)
    if not c.settings["tracing"]:
        b.skip_cfn_lint(lid, "WS5000", TRACING_OFF.format())
    b.output(b.lid(c.id, "Arn"), Ref(lid), f"ARN of the {c.id} state machine")


# --- connectors -------------------------------------------------------------------------------------


def publishes(b: Builder, e: Edge) -> None:
    """workflow -> topic: its role may publish there (the definition's Deliver state names the topic)."""
    b.allow(b.lid(e.source, "Role"), "DeliverEvents", ["sns:Publish"], [Ref(b.lid(e.target))])


# (edge kind, target service) -> connector
CONNECTORS = {
    ("publishes", "sns"): publishes,
}



def routed_from_bus(b: Builder, e: Edge) -> None:
    """bus -> workflow: a rule that starts one execution per event (retries, DLQ), with a role to start it."""
    bus, workflow = b.lid(e.source), b.lid(e.target)
    rule = b.lid(e.source, "To" + workflow + "Rule")
    dlq = b.dead_letter_queue(b.lid(e.source, "To" + workflow + "Dlq"))
    role = b.role(b.lid(e.source, "To" + workflow + "Role"), "events.amazonaws.com",
                  {"StringEquals": {"aws:SourceAccount": Ref("AWS::AccountId")}})
    b.allow(role, "StartWorkflow", ["states:StartExecution"], [Ref(workflow)])
    b.add(rule, "AWS::Events::Rule", {
        "Description": f"advisor: start {e.target} for each {e.source} event",
        "EventBusName": GetAtt(bus, "Name"),
        "EventPattern": {"account": [Ref("AWS::AccountId")]},
        "State": "ENABLED",
        "Targets": [{"Id": "workflow", "Arn": Ref(workflow), "RoleArn": arn(role),
                     "RetryPolicy": {"MaximumRetryAttempts": 10, "MaximumEventAgeInSeconds": 3600},
                     "DeadLetterConfig": {"Arn": arn(dlq)}}],
    })
    b.queue_allow(dlq, service_source("events.amazonaws.com", "EventsDeadLetters", ("sqs:SendMessage",), arn(dlq),
                                      GetAtt(rule, "Arn")))
    b.key_allow_service("events.amazonaws.com", "EventsToEncryptedTargets")


# (edge kind, source service) -> connector
ACCEPTS = {
    ("routes-to", "eventbridge"): routed_from_bus,
}
