"""The integration workflow as Amazon States Language: the one definition that the template deploys and the
estimate counts (state transitions, history events), so the two cannot drift apart.

Each event is checked against the integration contract (a `source`, a `detail-type` and a `detail`), then
delivered to each target in turn with retries and exponential backoff; an event that breaks the contract or
whose delivery keeps failing is parked in the workflow's dead-letter queue, and the execution fails so the
failure is counted and alarmed on.
"""

from __future__ import annotations

from typing import Any

CHECK, PARK, FAILED = "CheckContract", "Park", "Failed"
# History events per state on the success path, as Step Functions records them: a Choice state enters and
# exits; a Task state enters, is scheduled, starts, succeeds and exits (Step Functions API reference,
# HistoryEvent types). An execution adds ExecutionStarted and ExecutionSucceeded.
HISTORY_EVENTS = {"Choice": 2, "Task": 5}
EXECUTION_EVENTS = 2
CONTRACT = ("$.source", "$.detail-type", "$.detail")


def target(index: int) -> str:
    """The DefinitionSubstitutions key of a delivery target's ARN."""
    return f"Target{index}"


DEAD_LETTERS = "DeadLetters"


def definition(targets: int, attempts: int) -> dict[str, Any]:
    """The workflow for `targets` topics, each delivery tried `attempts` times in all."""
    deliveries = [f"Deliver{i + 1}" if targets > 1 else "Deliver" for i in range(targets)]
    states: dict[str, Any] = {
        CHECK: {
            "Type": "Choice",
            "Comment": "Events without the contract's fields are parked, not delivered",
            "Choices": [{"Not": {"And": [{"Variable": v, "IsPresent": True} for v in CONTRACT]}, "Next": PARK}],
            "Default": deliveries[0] if deliveries else PARK,
        },
        PARK: {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage",
            "Parameters": {"QueueUrl": "${%s}" % DEAD_LETTERS, "MessageBody.$": "$"},
            "Next": FAILED,
        },
        FAILED: {"Type": "Fail", "Error": "IntegrationEventParked",
                 "Cause": "The event broke the contract or could not be delivered; it is in the dead-letter queue"},
    }
    for index, name in enumerate(deliveries):
        state: dict[str, Any] = {
            "Type": "Task",
            "Resource": "arn:aws:states:::sns:publish",
            "Parameters": {"TopicArn": "${%s}" % target(index), "Message.$": "States.JsonToString($.detail)",
                           "MessageAttributes": {
                               "source": {"DataType": "String", "StringValue.$": "$.source"},
                               "detail-type": {"DataType": "String", "StringValue.$": "$.detail-type"}}},
            "ResultPath": None,
            "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "BackoffRate": 2,
                       "MaxAttempts": attempts - 1, "JitterStrategy": "FULL"}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": PARK}],
        }
        if index + 1 < len(deliveries):
            state["Next"] = deliveries[index + 1]
        else:
            state["End"] = True
        states[name] = state
    return {"Comment": "advisor: check each integration event against its contract, deliver it with retries, "
                       "park what fails", "StartAt": CHECK, "States": states}


def success_path(asl: dict[str, Any]) -> list[str]:
    """The states an execution passes through when its event keeps the contract and every delivery succeeds."""
    path, name = [], asl["StartAt"]
    while name is not None:
        path.append(name)
        state = asl["States"][name]
        name = state.get("Default") if state["Type"] == "Choice" else (None if state.get("End") else state.get("Next"))
    return path


def history_events(asl: dict[str, Any]) -> int:
    """The execution history events of one successful execution: what ALL-level logging writes."""
    return EXECUTION_EVENTS + sum(HISTORY_EVENTS[asl["States"][name]["Type"]] for name in success_path(asl))
