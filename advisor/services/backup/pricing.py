"""AWS Backup for DynamoDB: backups kept in the table's Region, their copies to the recovery Region (the transfer
and the copies' storage there), and the restore test the DR plan runs once a month.

With AWS Backup's advanced DynamoDB features (which cross-Region copies need), AWS Backup bills DynamoDB backups:
warm storage per GB-month, cross-Region copy transfer per GB, restores per GB (AWS Backup Developer Guide,
"Metering, costs, and billing"). Every DynamoDB backup is a full copy of the table ("Each time you create an
on-demand backup, the entire table data is backed up", DynamoDB Developer Guide, "Backing up and restoring DynamoDB
tables with AWS Backup"), so each backup kept, and each copy sent, counts the table's whole size.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Mapping

from advisor.costing import Pricer
from advisor.pricing.base import (
    DEFAULT_MONTH, ZERO, Basis, CostLine, FreeTier, Month, UsageFields, fmt_number, metered, to_decimal
)
from advisor.pricing.catalog import Catalog

SERVICE = "backup"
HOURS_A_DAY = Decimal(24)


@dataclass(init=False, eq=False, repr=False)  # frozen, with its methods, by UsageFields
class BackupUsage(UsageFields):
    """Monthly AWS Backup usage for DynamoDB tables, in one Region."""

    warm_storage_gb: Decimal = ZERO
    monthly_cross_region_copy_gb: Decimal = ZERO
    copy_storage_gb: Decimal = ZERO
    monthly_restored_gb: Decimal = ZERO

    _numbers: ClassVar[tuple[str, ...]] = ("warm_storage_gb", "monthly_cross_region_copy_gb", "copy_storage_gb",
                                           "monthly_restored_gb")


def price(
    usage: BackupUsage,
    catalog: Catalog,
    *,
    free_tier: FreeTier | None = None,
    month: Month = DEFAULT_MONTH,
    basis: Mapping[str, str] | None = None,
) -> list[CostLine]:
    """Cost lines for a month of backup storage, cross-Region copies, copies held and restores in one Region."""
    b = Basis(SERVICE, usage, basis or {})
    lines = metered(
        service=SERVICE, item="DynamoDB backup storage (warm)", quantity=usage.warm_storage_gb, catalog=catalog,
        key="backup.dynamodb-warm-storage",
        basis=f"{fmt_number(usage.warm_storage_gb)} GB ({b.of('warm_storage_gb')})",
    )
    lines += metered(
        service=SERVICE, item="Cross-region copy transfer", quantity=usage.monthly_cross_region_copy_gb,
        catalog=catalog, key="backup.cross-region-transfer",
        basis=f"{fmt_number(usage.monthly_cross_region_copy_gb)} GB ({b.of('monthly_cross_region_copy_gb')})",
    )
    lines += metered(
        service=SERVICE, item="DynamoDB backup copies (warm)", quantity=usage.copy_storage_gb, catalog=catalog,
        key="backup.dynamodb-warm-storage",
        basis=f"{fmt_number(usage.copy_storage_gb)} GB ({b.of('copy_storage_gb')})",
    )
    # AWS Backup restores DynamoDB warm backups at DynamoDB's restore price ($0.15 per GB in us-east-1 on both
    # pricing pages), which the catalogs hold as dynamodb.restore.
    lines += metered(
        service=SERVICE, item="Restore test", quantity=usage.monthly_restored_gb, catalog=catalog,
        key="dynamodb.restore", basis=f"{fmt_number(usage.monthly_restored_gb)} GB ({b.of('monthly_restored_gb')})",
    )
    return lines


# --- the estimate: quantities along the architecture, priced ----------------------------------------


def per_month(interval_hours: int, month: Month) -> Decimal:
    """Backups a plan takes in a month: one every `interval_hours`."""
    return month.hours / Decimal(interval_hours)


def kept(interval_hours: int, days: int) -> Decimal:
    """Backups held at any time: those of the last `days` days."""
    return HOURS_A_DAY / Decimal(interval_hours) * Decimal(days)


def cost(p: Pricer) -> None:
    """This service's cost lines in an estimate: each plan's backups here, and its copies in the copy Region."""
    storage = to_decimal(p.w.data["storage_gb"])
    u = p.usage.get("backup", {})
    for plan in p.arch.of_service("backup"):
        if plan.settings.get("copies_from"):
            continue  # a vault that receives copies: they are priced on the plan that sends them
        hours, days = int(plan.settings["interval_hours"]), int(plan.settings["retention_days"])
        every = "daily" if hours == 24 else f"every {hours} hours"
        held = kept(hours, days)
        warm = to_decimal(u["storage_gb"]) if u.get("storage_gb") is not None else storage * held
        basis = {"warm_storage_gb": "usage.backup.storage_gb" if u.get("storage_gb") is not None else
                 f"{fmt_number(held)} full backups of {fmt_number(storage)} GB (data.storage_gb) kept: {every} "
                 f"for {days} day(s)"}
        target = plan.settings.get("copy_to_region")
        copied = ZERO
        if target:
            sent = per_month(hours, p.month)
            copied = (to_decimal(u["monthly_cross_region_copy_gb"]) if u.get("monthly_cross_region_copy_gb")
                      is not None else storage * sent)
            basis["monthly_cross_region_copy_gb"] = (
                "usage.backup.monthly_cross_region_copy_gb" if u.get("monthly_cross_region_copy_gb") is not None
                else f"{fmt_number(sent)} copies a month ({every}) of {fmt_number(storage)} GB to {target}")
        p.emit(plan.id, price(BackupUsage(warm_storage_gb=warm, monthly_cross_region_copy_gb=copied), p.catalog,
                              free_tier=p.free, month=p.month, basis=basis))
        if target:
            copy_days = int(plan.settings["copy_retention_days"])
            copies = kept(hours, copy_days)
            there = BackupUsage(copy_storage_gb=storage * copies, monthly_restored_gb=storage)
            p.emit(plan.id, price(there, p.catalog.for_region(str(target)), month=p.month, basis={
                "copy_storage_gb": f"{fmt_number(copies)} copies of {fmt_number(storage)} GB kept in {target}: "
                                   f"{every} for {copy_days} day(s)",
                "monthly_restored_gb": f"the DR test restores the latest copy, {fmt_number(storage)} GB, into a new "
                                       f"table in {target} once a month (REL09-BP04)"}))
