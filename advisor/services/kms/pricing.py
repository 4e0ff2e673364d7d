"""AWS KMS: customer managed keys per month and API requests (symmetric, asymmetric, GenerateDataKeyPair).

Per https://aws.amazon.com/kms/pricing/: $1 per key-month, $0.03 per 10,000 requests, 20,000 requests a month
free (shared across the account's regions). RSA 2048 requests are priced like symmetric ones (Infracost's
`aws_kms_key` golden), so count them in `monthly_requests`. The free tier here covers `monthly_requests` only.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Mapping

from advisor.pricing.base import DEFAULT_MONTH, ZERO, Basis, CostLine, FreeTier, Month, UsageFields, field_lines, fmt_number, metered
from advisor.pricing.catalog import Catalog

SERVICE = "kms"


@dataclass(init=False, eq=False, repr=False)  # frozen, with its methods, by UsageFields
class KmsUsage(UsageFields):
    """Monthly KMS usage: keys held and requests made."""

    keys: Decimal = ZERO
    rotated_key_versions: Decimal = ZERO  # billed rotations: at most two per key
    monthly_requests: Decimal = ZERO
    monthly_asymmetric_requests: Decimal = ZERO
    monthly_generate_data_key_pair_requests: Decimal = ZERO

    _numbers: ClassVar[tuple[str, ...]] = (
        "keys",
        "rotated_key_versions",
        "monthly_requests",
        "monthly_asymmetric_requests",
        "monthly_generate_data_key_pair_requests",
    )
    _wholes: ClassVar[tuple[str, ...]] = _numbers


def price(
    usage: KmsUsage,
    catalog: Catalog,
    *,
    free_tier: FreeTier | None = None,
    month: Month = DEFAULT_MONTH,
    basis: Mapping[str, str] | None = None,
) -> list[CostLine]:
    """Cost lines for a month of KMS keys and requests."""
    b = Basis(SERVICE, usage, basis or {})
    lines = metered(
        service=SERVICE,
        item="Customer managed keys",
        quantity=usage.keys,
        catalog=catalog,
        key="kms.keys",
        basis=f"{fmt_number(usage.keys)} keys held all month ({b.of('keys')})",
    )
    # "the first and second rotation of the key adds $1/month (prorated hourly) in cost. This price increase is
    # capped at the second rotation" (https://aws.amazon.com/kms/pricing/, and the KMS Developer Guide,
    # docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html).
    lines += metered(
        service=SERVICE,
        item="Rotated key material (first two rotations)",
        quantity=usage.rotated_key_versions,
        catalog=catalog,
        key="kms.keys",
        basis=f"{fmt_number(usage.rotated_key_versions)} rotations billed at $1 a month each, at most two per key "
              f"({b.of('rotated_key_versions')})",
    )
    lines += field_lines(b, catalog, (
        ("monthly_requests", "Requests", "kms.requests", "kms.requests", "requests"),
        ("monthly_asymmetric_requests", "Asymmetric requests", "kms.asymmetric-requests", None, "requests"),
        ("monthly_generate_data_key_pair_requests", "GenerateDataKeyPair requests",
         "kms.generate-data-key-pair-requests", None, "requests"),
    ), free_tier=free_tier)
    return lines
