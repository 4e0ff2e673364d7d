"""Amazon S3 Standard: storage per GB-month (volume tiers), PUT/COPY/POST/LIST and GET requests."""

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Mapping

from advisor.costing import ONE, Pricer, pct
from advisor.pricing.base import (
    DEFAULT_MONTH, ZERO, Basis, CostLine, FreeTier, Month, UsageFields, ceil, field_lines, to_decimal
)
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


# --- the estimate: quantities along the architecture, priced ----------------------------------------


def cost(p: Pricer) -> None:
    """This service's cost lines in an estimate: what other components store in each bucket."""
    u = p.usage.get("s3", {})
    buckets = p.arch.of_service("s3")
    derived = {b.id: sum((gb for gb, _, _ in p.stored.get(b.id, ())), ZERO) for b in buckets}
    total = sum(derived.values(), ZERO)
    for bucket in buckets:
        stored = p.stored.get(bucket.id, ())
        if not stored and not u:
            continue
        share = derived[bucket.id] / total if total > 0 else ONE / len(buckets)
        why = "; ".join(text for _, _, text in stored) or "nothing in the architecture stores objects in it"
        usage = S3Usage(
            storage_gb=to_decimal(u["storage_gb"]) * share if u.get("storage_gb") is not None else derived[bucket.id],
            monthly_put_requests=ceil(to_decimal(u["monthly_tier_1_requests"]) * p.scale * share)
            if u.get("monthly_tier_1_requests") is not None else sum((n for _, n, _ in stored), ZERO),
            monthly_get_requests=ceil(to_decimal(u["monthly_tier_2_requests"]) * p.scale * share)
            if u.get("monthly_tier_2_requests") is not None else ZERO,
        )
        basis = {"storage_gb": f"usage.s3.storage_gb, {pct(share)} of it" if u.get("storage_gb") is not None else why,
                 "monthly_put_requests": "usage.s3.monthly_tier_1_requests" if u.get("monthly_tier_1_requests")
                 is not None else why,
                 "monthly_get_requests": "usage.s3.monthly_tier_2_requests"}
        p.emit(bucket.id, price(usage, p.catalog, free_tier=p.free, month=p.month, basis=basis))
