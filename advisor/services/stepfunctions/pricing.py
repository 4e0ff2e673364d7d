"""AWS Step Functions: Standard workflows per state transition; Express workflows per request plus GB-seconds.

Express duration is rounded up to the next 100 ms and memory to the next 64 MB before GB-seconds are computed
(https://aws.amazon.com/step-functions/pricing/; Infracost's `aws_sfn_state_machine` golden: 801 ms bills as
900 ms and 1,200 MB as 1,216 MB). Standard workflows have 4,000 free state transitions a month.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Mapping

from advisor.architecture import Component
from advisor.costing import Flows, Graph, Pricer, scaled, source
from advisor.pricing.base import (DEFAULT_MONTH, MB_PER_GB, MS_PER_S, ZERO,
                                  Basis, CostLine, FreeTier, Month,
                                  UsageFields, ceil, fmt_number, metered,
                                  round_up_to, to_decimal)
from advisor.pricing.catalog import Catalog
from advisor.services.stepfunctions.workflow import (definition,
                                                     history_events,
                                                     success_path)

SERVICE = "stepfunctions"
TYPES = ("standard", "express")
DURATION_STEP_MS = Decimal(100)
MEMORY_STEP_MB = Decimal(64)


@dataclass(init=False, eq=False, repr=False)  # frozen, with its methods, by UsageFields
class StepFunctionsUsage(UsageFields):
    """Monthly usage of one state machine (Infracost's `aws_sfn_state_machine` keys)."""

    type: str = "standard"
    monthly_transitions: Decimal = ZERO
    monthly_requests: Decimal = ZERO
    workflow_duration_ms: Decimal = ZERO
    memory_mb: Decimal = Decimal(64)

    _numbers: ClassVar[tuple[str, ...]] = ("monthly_transitions", "monthly_requests", "workflow_duration_ms", "memory_mb")
    _wholes: ClassVar[tuple[str, ...]] = ("monthly_transitions", "monthly_requests")
    _choices: ClassVar[tuple[tuple[str, tuple[str, ...]], ...]] = (("type", TYPES),)
    _ranges: ClassVar[tuple[tuple[str, int, int, str], ...]] = (
        # Express workflows run for at most five minutes (Step Functions quotas).
        ("workflow_duration_ms", 0, 300000, "Express workflows run for at most 5 minutes"),
    )

    def __post_init__(self) -> None:
        if self.type == "standard" and (self.monthly_requests or self.workflow_duration_ms):
            raise ValueError("Standard workflows are billed by monthly_transitions only")
        if self.type == "express" and self.monthly_transitions:
            raise ValueError("Express workflows are billed by monthly_requests, workflow_duration_ms and memory_mb")


def price(
    usage: StepFunctionsUsage,
    catalog: Catalog,
    *,
    free_tier: FreeTier | None = None,
    month: Month = DEFAULT_MONTH,
    basis: Mapping[str, str] | None = None,
) -> list[CostLine]:
    """Cost lines for one state machine's monthly usage."""
    b = Basis(SERVICE, usage, basis or {})
    if usage.type == "standard":
        return metered(
            service=SERVICE,
            item="Standard state transitions",
            quantity=usage.monthly_transitions,
            catalog=catalog,
            key="stepfunctions.standard-transitions",
            basis=f"{fmt_number(usage.monthly_transitions)} transitions ({b.of('monthly_transitions')})",
            free_tier=free_tier,
            free_key="stepfunctions.state-transitions",
        )
    lines = metered(
        service=SERVICE,
        item="Express requests",
        quantity=usage.monthly_requests,
        catalog=catalog,
        key="stepfunctions.express-requests",
        basis=f"{fmt_number(usage.monthly_requests)} requests ({b.of('monthly_requests')})",
    )
    if usage.monthly_requests > 0 and usage.workflow_duration_ms > 0:
        billed_ms = round_up_to(usage.workflow_duration_ms, DURATION_STEP_MS)
        billed_mb = max(MEMORY_STEP_MB, round_up_to(usage.memory_mb, MEMORY_STEP_MB))
        gb_seconds = usage.monthly_requests * billed_ms / MS_PER_S * billed_mb / MB_PER_GB
        lines += metered(
            service=SERVICE,
            item="Express duration",
            quantity=gb_seconds,
            catalog=catalog,
            key="stepfunctions.express-duration",
            basis=(
                f"{fmt_number(usage.monthly_requests)} requests × {fmt_number(billed_ms)} ms (from "
                f"{fmt_number(usage.workflow_duration_ms)} ms, 100 ms steps) × {fmt_number(billed_mb)} MB (from "
                f"{fmt_number(usage.memory_mb)} MB, 64 MB steps) / 1024 = {fmt_number(gb_seconds)} GB-seconds "
                f"({b.join('monthly_requests', 'workflow_duration_ms', 'memory_mb')})"
            ),
        )
    return lines


# --- the estimate: quantities along the architecture, priced ----------------------------------------


# An execution that checks one event and publishes it to SNS takes well under 100 ms, the smallest billed step.
DEFAULT_DURATION_MS = Decimal(100)
# Express workflows bill memory in 64 MB steps from the definition's and the payload's size; a small workflow
# with events of a few KB uses the first step.
DEFAULT_MEMORY_MB = Decimal(64)


def flow(f: Flows, workflow: Component) -> None:
    """Each event routed to the workflow starts one execution, which publishes it once to each target."""
    executions = f.get("events", workflow.id)
    for edge in f.graph.edges_from(workflow.id):
        if edge.kind == "publishes":
            f.add("events", edge.target, executions, f"one event per execution of {workflow.id} that keeps the contract")


def watched(graph: Graph, workflow: Component) -> dict[str, int]:
    """The alarms watch the workflow's dead-letter queue, where it parks what it cannot deliver."""
    return {"dead-letter queues": 1}


def asl(graph: Graph, workflow: Component) -> dict:
    """The workflow's definition, as its blueprint deploys it."""
    targets = sum(1 for e in graph.edges_from(workflow.id) if e.kind == "publishes")
    return definition(targets, int(workflow.settings["delivery_attempts"]))


def cost(p: Pricer) -> None:
    """This service's cost lines in an estimate: executions from the events routed to each workflow, state
    transitions counted on the deployed definition's success path (retries and parked events add more)."""
    u = p.usage.get("stepfunctions", {})
    workflows = p.arch.of_service("stepfunctions")
    for workflow in workflows:
        settings, sources = workflow.settings, workflow.sources
        executions = p.flows.get("events", workflow.id)
        why = p.flows.why("events", workflow.id, "no events reach it")
        definition_ = asl(p.arch, workflow)
        path = success_path(definition_)
        share = Decimal(1) / len(workflows)
        kind = settings["type"]
        for key in (("monthly_requests", "workflow_duration_ms", "memory_mb") if kind == "standard"
                    else ("monthly_transitions",)):
            if u.get(key) is not None:
                p.warn(f"usage.stepfunctions.{key} does not apply to {kind} workflows ({workflow.id} is {kind}: "
                       f"{source(sources, 'type')}); it is left out")
        if kind == "standard":
            transitions = executions * len(path)
            basis = {"monthly_transitions": f"{fmt_number(executions)} executions ({why}) × {len(path)} states on the "
                     f"success path ({' → '.join(path)})"}
            if u.get("monthly_transitions") is not None:
                transitions = ceil(to_decimal(u["monthly_transitions"]) * p.scale * share)
                basis["monthly_transitions"] = "usage.stepfunctions.monthly_transitions" + scaled(p.scale)
            usage = StepFunctionsUsage(type=kind, monthly_transitions=ceil(transitions))
        else:
            requests = ceil(to_decimal(u["monthly_requests"]) * p.scale * share) \
                if u.get("monthly_requests") is not None else ceil(executions)
            duration = to_decimal(u.get("workflow_duration_ms") or DEFAULT_DURATION_MS)
            memory = to_decimal(u.get("memory_mb") or DEFAULT_MEMORY_MB)
            basis = {
                "monthly_requests": "usage.stepfunctions.monthly_requests" + scaled(p.scale)
                if u.get("monthly_requests") is not None else f"one execution per event ({why})",
                "workflow_duration_ms": "usage.stepfunctions.workflow_duration_ms" if u.get("workflow_duration_ms")
                else f"assumed {fmt_number(DEFAULT_DURATION_MS)} ms: {' → '.join(path)}, one SNS publish",
                "memory_mb": "usage.stepfunctions.memory_mb" if u.get("memory_mb")
                else f"assumed {fmt_number(DEFAULT_MEMORY_MB)} MB, the first step, for a small definition and event",
            }
            usage = StepFunctionsUsage(type=kind, monthly_requests=requests, workflow_duration_ms=duration,
                                       memory_mb=memory)
        p.emit(workflow.id, price(usage, p.catalog, free_tier=p.free, month=p.month, basis=basis))
        if settings["log_level"] == "ALL":
            per = history_events(definition_)
            p.logs(workflow.id, executions * per, f"{per} history events per successful execution, logged at ALL")
