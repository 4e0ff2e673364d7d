"""AWS Backup for DynamoDB: warm backup storage per GB-month and copies to another region per GB transferred.

A cross-region copy is also stored in the destination region; price that storage with a second usage against
the destination region's catalog.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Mapping

from advisor.costing import ONE, Pricer
from advisor.pricing.base import (
    DEFAULT_MONTH, ZERO, Basis, CostLine, FreeTier, Month, UsageFields, fmt_number, metered, to_decimal
)
from advisor.pricing.catalog import Catalog
from advisor.services import pricing_of

SERVICE = "backup"


@dataclass(init=False, eq=False, repr=False)  # frozen, with its methods, by UsageFields
class BackupUsage(UsageFields):
    """Monthly AWS Backup usage for DynamoDB tables."""

    warm_storage_gb: Decimal = ZERO
    monthly_cross_region_copy_gb: Decimal = ZERO

    _numbers: ClassVar[tuple[str, ...]] = ("warm_storage_gb", "monthly_cross_region_copy_gb")


def price(
    usage: BackupUsage,
    catalog: Catalog,
    *,
    free_tier: FreeTier | None = None,
    month: Month = DEFAULT_MONTH,
    basis: Mapping[str, str] | None = None,
) -> list[CostLine]:
    """Cost lines for a month of backup storage and cross-region copies."""
    b = Basis(SERVICE, usage, basis or {})
    lines = metered(
        service=SERVICE,
        item="DynamoDB backup storage (warm)",
        quantity=usage.warm_storage_gb,
        catalog=catalog,
        key="backup.dynamodb-warm-storage",
        basis=f"{fmt_number(usage.warm_storage_gb)} GB ({b.of('warm_storage_gb')})",
    )
    lines += metered(
        service=SERVICE,
        item="Cross-region copy transfer",
        quantity=usage.monthly_cross_region_copy_gb,
        catalog=catalog,
        key="backup.cross-region-transfer",
        basis=f"{fmt_number(usage.monthly_cross_region_copy_gb)} GB ({b.of('monthly_cross_region_copy_gb')})",
    )
    return lines


# --- the estimate: quantities along the architecture, priced ----------------------------------------


def cost(p: Pricer) -> None:
    """This service's cost lines in an estimate."""
    dynamodb = pricing_of("dynamodb")

    storage = to_decimal(p.w.data["storage_gb"])
    for plan in p.arch.of_service("backup"):
        u = p.usage.get("backup", {})
        kept = Decimal(plan.settings.get("retention_days", 35))
        per_month = p.month.days if plan.settings.get("schedule") == "daily" else ONE
        warm = to_decimal(u["storage_gb"]) if u.get("storage_gb") is not None else storage * kept
        copied = (to_decimal(u["monthly_cross_region_copy_gb"]) if u.get("monthly_cross_region_copy_gb")
                  is not None else storage * per_month) if plan.settings.get("copy_to_region") else ZERO
        usage = BackupUsage(warm_storage_gb=warm, monthly_cross_region_copy_gb=copied)
        basis = {"warm_storage_gb": "usage.backup.storage_gb" if u.get("storage_gb") is not None else
                 f"{fmt_number(kept)} retained full backups of {fmt_number(storage)} GB (data.storage_gb)",
                 "monthly_cross_region_copy_gb": f"a {fmt_number(storage)} GB copy {plan.settings.get('schedule')}"
                 f" to {plan.settings.get('copy_to_region')}"}
        p.emit(plan.id, price(usage, p.catalog, free_tier=p.free, month=p.month, basis=basis))
        target = plan.settings.get("copy_to_region")
        if target:
            # The copies are DynamoDB backups held in the recovery Region; that Region's DynamoDB
            # backup-storage price applies (in us-east-1 it equals AWS Backup's warm-storage price).
            kept_copies = Decimal(plan.settings.get("copy_retention_days", kept))
            copies = dynamodb.DynamoDbUsage(on_demand_backup_storage_gb=storage * kept_copies)
            p.emit(plan.id, dynamodb.price(
                copies, p.catalog.for_region(str(target)), month=p.month,
                basis={"on_demand_backup_storage_gb": f"{fmt_number(kept_copies)} daily copies of "
                       f"{fmt_number(storage)} GB kept in {target}"}))
