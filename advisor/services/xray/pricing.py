"""AWS X-Ray: traces recorded and traces retrieved or scanned.

Per https://aws.amazon.com/xray/pricing/: $5.00 per million traces recorded and $0.50 per million traces
retrieved or scanned, after 100,000 recorded and 1,000,000 retrieved traces free each month.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Mapping

from advisor.costing import Pricer
from advisor.pricing.base import (
    DEFAULT_MONTH, ZERO, Basis, CostLine, FreeTier, Month, UsageFields, ceil, field_lines, fmt_number
)
from advisor.pricing.catalog import Catalog

SERVICE = "xray"
# The default sampling rule records the first request each second and 5% of the rest
# (X-Ray developer guide, "Configuring sampling rules").
DEFAULT_RESERVOIR_PER_SECOND = Decimal(1)
DEFAULT_FIXED_RATE = Decimal("0.05")


@dataclass(init=False, eq=False, repr=False)  # frozen, with its methods, by UsageFields
class XRayUsage(UsageFields):
    """Monthly X-Ray usage: traces recorded and traces retrieved or scanned."""

    monthly_traces_recorded: Decimal = ZERO
    monthly_traces_retrieved: Decimal = ZERO

    _numbers: ClassVar[tuple[str, ...]] = ("monthly_traces_recorded", "monthly_traces_retrieved")


def sampled_traces(requests: Decimal, month: Month = DEFAULT_MONTH) -> Decimal:
    """Traces the default sampling rule records for a month's requests: 1 a second, then 5% of the rest."""
    reservoir = min(requests, DEFAULT_RESERVOIR_PER_SECOND * month.seconds)
    return reservoir + (requests - reservoir) * DEFAULT_FIXED_RATE


def price(
    usage: XRayUsage,
    catalog: Catalog,
    *,
    free_tier: FreeTier | None = None,
    month: Month = DEFAULT_MONTH,
    basis: Mapping[str, str] | None = None,
) -> list[CostLine]:
    """Cost lines for a month of X-Ray traces."""
    b = Basis(SERVICE, usage, basis or {})
    return field_lines(b, catalog, (
        ("monthly_traces_recorded", "Traces recorded", "xray.traces-recorded", "xray.traces-recorded", "traces"),
        ("monthly_traces_retrieved", "Traces retrieved or scanned", "xray.traces-retrieved", "xray.traces-retrieved",
         "traces"),
    ), free_tier=free_tier)


# --- the estimate: quantities along the architecture, priced ----------------------------------------


def cost(p: Pricer) -> None:
    """This service's cost lines in an estimate."""
    tracers = p.arch.of_service("xray")
    if not tracers:
        return
    traced = sum((p.flows.requests for _ in p.arch.of_service("apigateway")), ZERO) or p.flows.requests
    recorded = sampled_traces(traced, p.month)
    usage = XRayUsage(monthly_traces_recorded=ceil(recorded))
    basis = {"monthly_traces_recorded": f"default sampling of {fmt_number(traced)} requests: the first each "
             "second, then 5%"}
    p.emit(tracers[0].id, price(usage, p.catalog, free_tier=p.free, month=p.month,
                                         basis=basis))
