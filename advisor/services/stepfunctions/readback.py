"""workflow:* (stepfunctions) read back from a template: a state machine, its role, log group and the queue it
parks failed events in; the topics it publishes to (the inverse of blueprint.py)."""

from __future__ import annotations

import json
from typing import Any

from advisor.review.infer import Reading, flag, text_of
from advisor.review.template import Resource

TYPES = ("AWS::StepFunctions::StateMachine",)
_TYPES = {"STANDARD": "standard", "EXPRESS": "express"}


def definition(machine: Resource) -> dict[str, Any]:
    """The state machine's definition as data: `Definition`, or `DefinitionString` parsed (references kept
    as `${...}` text); {} when it cannot be read."""
    value = machine.props.get("Definition")
    if isinstance(value, dict):
        return value
    raw = machine.props.get("DefinitionString")
    if raw is None:
        return {}
    try:
        parsed = json.loads(text_of(raw))
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _parking_queues(r: Reading, machine: Resource, asl: dict[str, Any]) -> list[str]:
    """Queues the workflow sends to only from a state that leads to failure (a Catch handler's target, or a
    state whose next is a Fail state): where it parks what it could not deliver."""
    states: dict[str, Any] = asl["States"] if isinstance(asl.get("States"), dict) else {}
    caught = {c.get("Next") for s in states.values() if isinstance(s, dict)
              for c in (s.get("Catch") or []) if isinstance(c, dict)}
    substitutions = machine.props.get("DefinitionSubstitutions") or {}
    out = []
    for name, state in states.items():
        if not isinstance(state, dict) or "sqs:sendMessage" not in str(state.get("Resource", "")):
            continue
        following = states.get(state["Next"]) if isinstance(state.get("Next"), str) else None
        failing = isinstance(following, dict) and following.get("Type") == "Fail"
        if name not in caught and not failing:
            continue
        url = str((state.get("Parameters") or {}).get("QueueUrl", ""))
        value: Any = url
        if url.startswith("${") and url.endswith("}") and isinstance(substitutions, dict):
            value = substitutions.get(url[2:-1])
        out += r.targets(value, "AWS::SQS::Queue")
    return out


def components(r: Reading) -> None:
    """One component per state machine."""
    for machine in r.of_type("AWS::StepFunctions::StateMachine"):
        cid = r.component(r.name(machine.logical_id, "workflow"), "stepfunctions", machine)
        props = machine.props
        r.set(cid, "type", _TYPES.get(str(props.get("StateMachineType", "STANDARD")), "standard"), machine,
              "StateMachineType")
        role = r.role_of(machine, "RoleArn")
        r.claim(role, cid, "role")
        logging = props.get("LoggingConfiguration") or {}
        level = logging.get("Level") if isinstance(logging, dict) else None
        if level in ("ALL", "ERROR", "FATAL"):
            r.set(cid, "log_level", level, machine, "LoggingConfiguration", "Level")
        for destination in (logging.get("Destinations") or []) if isinstance(logging, dict) else []:
            group = r.target(destination, "AWS::Logs::LogGroup")
            r.claim(group, cid, "log group")
            days = r.log_retention(group)
            if group is not None and days is not None:
                r.set(cid, "log_retention_days", days, r.resources[group], "RetentionInDays")
        tracing = props.get("TracingConfiguration") or {}
        r.set(cid, "tracing", flag(tracing.get("Enabled") if isinstance(tracing, dict) else False), machine,
              "TracingConfiguration")
        asl = definition(machine)
        states: dict[str, Any] = asl["States"] if isinstance(asl.get("States"), dict) else {}
        attempts = [int(retry.get("MaxAttempts", 3)) + 1 for state in states.values()
                    if isinstance(state, dict) and "sns:publish" in str(state.get("Resource", ""))
                    for retry in (state.get("Retry") or []) if isinstance(retry, dict)]
        if attempts:
            r.set(cid, "delivery_attempts", max(attempts), machine, "Definition")
        for queue in _parking_queues(r, machine, asl):
            r.claim(queue, cid, "dead-letter queue")


def edges(r: Reading) -> None:
    """A workflow publishes to the topics its role may publish to."""
    for cid in r.components_of("stepfunctions"):
        machine = r.main(cid)
        for statement in r.statements(r.role_of(machine, "RoleArn")):
            if statement.allows("sns:publish"):
                for topic in r.targets(statement.resources, "AWS::SNS::Topic"):
                    r.edge(cid, r.component_of(topic), "publishes")
