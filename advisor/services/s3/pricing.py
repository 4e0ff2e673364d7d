"""Amazon S3 Standard: storage per GB-month (volume tiers), PUT/COPY/POST/LIST and GET requests."""

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Mapping

from advisor.pricing.base import DEFAULT_MONTH, ZERO, Basis, CostLine, FreeTier, Month, UsageFields, field_lines
from advisor.pricing.catalog import Catalog

SERVICE = "s3"


@dataclass(init=False, eq=False, repr=False)  # frozen, with its methods, by UsageFields
class S3Usage(UsageFields):
    """Monthly usage of one bucket in the S3 Standard storage class."""

    storage_gb: Decimal = ZERO
    monthly_put_requests: Decimal = ZERO
    monthly_get_requests: Decimal = ZERO

    _numbers: ClassVar[tuple[str, ...]] = ("storage_gb", "monthly_put_requests", "monthly_get_requests")
    _wholes: ClassVar[tuple[str, ...]] = ("monthly_put_requests", "monthly_get_requests")


def price(
    usage: S3Usage,
    catalog: Catalog,
    *,
    free_tier: FreeTier | None = None,
    month: Month = DEFAULT_MONTH,
    basis: Mapping[str, str] | None = None,
) -> list[CostLine]:
    """Cost lines for one bucket's storage and requests."""
    b = Basis(SERVICE, usage, basis or {})
    return field_lines(b, catalog, (
        ("storage_gb", "Standard storage", "s3.standard-storage", None, "GB"),
        ("monthly_put_requests", "PUT, COPY, POST, LIST requests", "s3.put-requests", None, "requests"),
        ("monthly_get_requests", "GET and other requests", "s3.get-requests", None, "requests"),
    ))
