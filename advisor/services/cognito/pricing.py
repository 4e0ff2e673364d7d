"""Amazon Cognito: user pools billed per monthly active user (MAU) at the pool's feature plan.

Per https://aws.amazon.com/cognito/pricing/: a user who signs up, signs in, refreshes a token or changes a
password in a calendar month is one MAU. Lite is tiered ($0.0055 per MAU to 100,000, then $0.0046 to 1,000,000,
$0.00325 to 10,000,000, $0.0025 beyond); Essentials is $0.015 and Plus $0.020 per MAU. Lite and Essentials share a
free tier of 10,000 MAUs a month per account; Plus has none. Tiers climb per account, across the user pools.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Mapping

from advisor.costing import Pricer, scaled_count
from advisor.pricing.base import (
    DEFAULT_MONTH, ZERO, Basis, CostLine, FreeTier, Month, UsageFields, ceil, fmt_number, metered, to_decimal
)
from advisor.pricing.catalog import Catalog

SERVICE = "cognito"
# plan -> (catalog key, free-tier key or None)
PLANS = {
    "lite": ("cognito.mau-lite", "cognito.mau"),
    "essentials": ("cognito.mau-essentials", "cognito.mau"),
    "plus": ("cognito.mau-plus", None),
}
# Users are no function of requests; without `usage.cognito.monthly_active_users` the estimate assumes the
# size of the free tier, and says so.
DEFAULT_MAUS = Decimal(10_000)


@dataclass(init=False, eq=False, repr=False)  # frozen, with its methods, by UsageFields
class CognitoUsage(UsageFields):
    """Monthly active users of one user pool, and its feature plan."""

    monthly_active_users: Decimal = ZERO
    tier: str = "lite"

    _numbers: ClassVar[tuple[str, ...]] = ("monthly_active_users",)
    _wholes: ClassVar[tuple[str, ...]] = ("monthly_active_users",)
    _choices: ClassVar[tuple[tuple[str, tuple[str, ...]], ...]] = (("tier", tuple(PLANS)),)


def price(
    usage: CognitoUsage,
    catalog: Catalog,
    *,
    free_tier: FreeTier | None = None,
    month: Month = DEFAULT_MONTH,
    basis: Mapping[str, str] | None = None,
) -> list[CostLine]:
    """Cost lines for a month of one user pool's active users at its plan."""
    b = Basis(SERVICE, usage, basis or {})
    key, free_key = PLANS[usage.tier]
    return metered(service=SERVICE, item=f"Monthly active users ({usage.tier.capitalize()} plan)",
                   quantity=usage.monthly_active_users, catalog=catalog, key=key,
                   basis=f"{fmt_number(usage.monthly_active_users)} MAUs ({b.of('monthly_active_users')})",
                   free_tier=free_tier if free_key else None, free_key=free_key, unit="MAUs")


# --- the estimate: quantities along the architecture, priced ----------------------------------------


def cost(p: Pricer) -> None:
    """This service's cost lines in an estimate: each user pool's MAUs at its feature plan."""
    pools = p.arch.of_service("cognito")
    given = scaled_count(p.override("cognito", "monthly_active_users"), p.scale)
    if pools and given is None:
        p.warn(f"usage.cognito.monthly_active_users is not given: the estimate assumes {fmt_number(DEFAULT_MAUS)} "
               f"monthly active users a user pool ({', '.join(c.id for c in pools)}), the size of Cognito's free "
               "tier; state it for an estimate of this workload")
    for pool in pools:
        tier = str(pool.settings["tier"])
        sweep = f" × {fmt_number(p.scale)} (sweep)" if p.scale != 1 else ""
        if given is not None:
            users = given
            where = ("usage.cognito.monthly_active_users = "
                     f"{fmt_number(to_decimal(p.override('cognito', 'monthly_active_users')))}{sweep}")
        else:
            users = ceil(DEFAULT_MAUS * p.scale)
            where = f"assumed: the size of the free tier, which --free-tier applies{sweep}"
        plan = pool.sources.get("tier", "default")
        usage = CognitoUsage(monthly_active_users=users, tier=tier)
        p.emit(pool.id, price(usage, p.catalog, free_tier=p.free, month=p.month,
                              basis={"monthly_active_users": f"{where}; the pool deploys the {tier.capitalize()} "
                                     f"plan: {_plan_why(plan, pool.settings)}"}))


def _plan_why(source: str, settings: Mapping[str, object]) -> str:
    """Why the pool is on its plan, in words."""
    if source != "default":
        return source
    if settings.get("advanced_security", "OFF") != "OFF":
        return "threat protection needs Plus"
    return "Lite has every feature the pool uses"
