"""Data transfer: out to the internet (volume tiers, 100 GB/month always free), to other regions, and
between Availability Zones in a region.

A GB here is 1024^3 bytes (AWS meters data transfer in binary gigabytes: API Gateway's pricing example turns
3 KB × 5 million responses into 14.3 GB). Tiers aggregate over every service of the account in the region, so
callers should sum all internet-bound traffic into one usage when the volume approaches a tier boundary.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Mapping

from .base import (
    DEFAULT_MONTH,
    KB_PER_GB,
    ZERO,
    Basis,
    CostLine,
    FreeTier,
    Month,
    UsageFields,
    fmt_number,
    metered,
)
from .catalog import Catalog

SERVICE = "data-transfer"


@dataclass(init=False, eq=False, repr=False)  # frozen, with its methods, by UsageFields
class DataTransferUsage(UsageFields):
    """Monthly data transfer volumes in GB (Infracost's `aws_data_transfer` usage keys)."""

    monthly_outbound_internet_gb: Decimal = ZERO
    monthly_outbound_other_regions_gb: Decimal = ZERO
    monthly_intra_region_gb: Decimal = ZERO
    destination_region: str | None = None  # where the inter-Region transfer goes, for a pair's own price

    _numbers: ClassVar[tuple[str, ...]] = (
        "monthly_outbound_internet_gb",
        "monthly_outbound_other_regions_gb",
        "monthly_intra_region_gb",
    )


def _inter_region_key(catalog: Catalog, destination: str | None) -> str:
    """The price of transfer to a Region: the pair's own where AWS prices it apart (us-east-1 and us-east-2
    at $0.01 a GB each way), else the general inter-Region price."""
    pair = f"data-transfer.inter-region-out.{destination}"
    return pair if destination and catalog.has(pair) else "data-transfer.inter-region-out"


def kb_to_gb(kilobytes: Decimal) -> Decimal:
    """Convert KB to GB with 1 GB = 1024 × 1024 KB."""
    return kilobytes / KB_PER_GB


def internet_out_lines(
    gigabytes: Decimal,
    catalog: Catalog,
    *,
    basis: str,
    free_tier: FreeTier | None = None,
) -> list[CostLine]:
    """Lines for data transferred out to the internet, tiered, with the shared 100 GB allowance."""
    return metered(
        service=SERVICE,
        item="Data transfer out to the internet",
        quantity=gigabytes,
        catalog=catalog,
        key="data-transfer.internet-out",
        basis=basis,
        free_tier=free_tier,
        free_key="data-transfer.internet-out",
    )


def price(
    usage: DataTransferUsage,
    catalog: Catalog,
    *,
    free_tier: FreeTier | None = None,
    month: Month = DEFAULT_MONTH,
    basis: Mapping[str, str] | None = None,
) -> list[CostLine]:
    """Cost lines for a month of data transfer."""
    b = Basis(SERVICE, usage, basis or {})
    lines = internet_out_lines(
        usage.monthly_outbound_internet_gb,
        catalog,
        basis=f"{fmt_number(usage.monthly_outbound_internet_gb)} GB ({b.of('monthly_outbound_internet_gb')})",
        free_tier=free_tier,
    )
    if usage.monthly_outbound_other_regions_gb > 0:
        lines += metered(
            service=SERVICE,
            item="Data transfer out to other regions",
            quantity=usage.monthly_outbound_other_regions_gb,
            catalog=catalog,
            key=_inter_region_key(catalog, usage.destination_region),
            basis=f"{fmt_number(usage.monthly_outbound_other_regions_gb)} GB "
            f"({b.of('monthly_outbound_other_regions_gb')})",
        )
    if usage.monthly_intra_region_gb > 0:
        # Cross-AZ traffic is billed on both sides: out of one AZ and into the other.
        both = usage.monthly_intra_region_gb * 2
        lines += metered(
            service=SERVICE,
            item="Data transfer between Availability Zones",
            quantity=both,
            catalog=catalog,
            key="data-transfer.intra-region",
            basis=f"{fmt_number(usage.monthly_intra_region_gb)} GB × 2 (billed in each direction) "
            f"({b.of('monthly_intra_region_gb')})",
        )
    return lines
