"""The one path from a loaded workload to what the commands show: its recommendation and, when asked, its
estimate, each with every warning that belongs to it. `recommend`, `cost`, `render` and portfolio runs all
go through `run`, so a workload gets the same answer whichever command asks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, NamedTuple

from advisor.architecture import Architecture
from advisor.engine import recommend
from advisor.workload import Workload

if TYPE_CHECKING:
    from advisor.costing import Estimate
    from advisor.pricing.catalog import Catalog


class Outcome(NamedTuple):
    """A workload's recommendation, its estimate when one was asked for, and the warnings to show."""

    arch: Architecture
    estimate: "Estimate | None"
    warnings: tuple[str, ...]


def run(workload: Workload, rule_set: Any, catalog: Any, find_prices: "Callable[[str], Catalog]", *,
        price: bool, free_tier: bool = False) -> Outcome:
    """Recommend for the workload; with `price`, estimate it too (PriceNotFound when its Region has no prices).
    Without `price`, a stated monthly budget is still checked, since `recommend` promises to say when the
    design exceeds it; the pricing modules are imported only then, so plain recommendations stay fast."""
    arch = recommend(workload, rule_set, catalog, prices=find_prices)
    if not price:
        if "monthly_budget_usd" not in workload.requirements.get("cost-optimization", {}):
            return Outcome(arch, None, arch.warnings)
        from advisor.costing import budget_check

        return Outcome(arch, None, arch.warnings + tuple(budget_check(workload, arch, find_prices)))
    from advisor.costing import budget_warnings, estimate

    est = estimate(workload, arch, find_prices(workload.region), free_tier=free_tier)
    return Outcome(arch, est, arch.warnings + tuple(budget_warnings(workload, est)))
