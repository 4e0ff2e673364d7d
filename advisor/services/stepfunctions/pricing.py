"""AWS Step Functions: Standard workflows per state transition; Express workflows per request plus GB-seconds.

Express duration is rounded up to the next 100 ms and memory to the next 64 MB before GB-seconds are computed
(https://aws.amazon.com/step-functions/pricing/; Infracost's `aws_sfn_state_machine` golden: 801 ms bills as
900 ms and 1,200 MB as 1,216 MB). Standard workflows have 4,000 free state transitions a month.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Mapping

from advisor.pricing.base import (
    DEFAULT_MONTH, MB_PER_GB, MS_PER_S, ZERO, Basis, CostLine, FreeTier, Month, UsageFields, fmt_number, metered,
    round_up_to
)
from advisor.pricing.catalog import Catalog

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
