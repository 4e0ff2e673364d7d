"""AWS Backup for DynamoDB: warm backup storage per GB-month and copies to another region per GB transferred.

A cross-region copy is also stored in the destination region; price that storage with a second usage against
the destination region's catalog.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Mapping

from advisor.pricing.base import DEFAULT_MONTH, ZERO, Basis, CostLine, FreeTier, Month, UsageFields, fmt_number, metered
from advisor.pricing.catalog import Catalog

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
