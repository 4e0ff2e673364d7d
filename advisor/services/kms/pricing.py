"""AWS KMS: customer managed keys per month and API requests (symmetric, asymmetric, GenerateDataKeyPair).

Per https://aws.amazon.com/kms/pricing/: $1 per key-month, $0.03 per 10,000 requests, 20,000 requests a month
free (shared across the account's regions). RSA 2048 requests are priced like symmetric ones (Infracost's
`aws_kms_key` golden), so count them in `monthly_requests`. The free tier here covers `monthly_requests` only.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Mapping

from advisor.costing import Graph, Pricer, scaled_count
from advisor.pricing.base import (
    DEFAULT_MONTH, ZERO, Basis, CostLine, FreeTier, Month, UsageFields, ceil, field_lines, fmt_number, metered
)
from advisor.pricing.catalog import Catalog
from advisor.services import service

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


# --- the estimate: quantities along the architecture, priced ----------------------------------------


# SQS reuses a data key for KmsDataKeyReusePeriodSeconds (default 300 s); DynamoDB and CloudWatch Logs
# cache theirs for a few minutes too. One KMS request per principal per 5 minutes is the model.
KMS_REUSE_SECONDS = Decimal(300)


def cost(p: Pricer) -> None:
    """This service's cost lines in an estimate."""
    keys = p.arch.of_service("kms")
    p.kms_requests = ZERO
    if not keys:
        return
    per_period = p.month.seconds / KMS_REUSE_SECONDS
    principals, notes = p.arch.fact("kms", _encrypting)
    requests = ceil(principals * per_period)
    u = p.usage.get("kms", {})
    held = u.get("keys") or len(keys)
    rotating = sum(1 for k in keys if k.settings["rotation"]) if not u.get("keys") else (
        held if all(k.settings["rotation"] for k in keys) else 0)
    usage = KmsUsage(keys=held, rotated_key_versions=2 * rotating, monthly_requests=scaled_count(
        u.get("monthly_requests"), p.scale) or requests)
    basis = {"keys": "usage.kms.keys" if u.get("keys") else f"{len(keys)} key(s) in the architecture",
             "rotated_key_versions": f"{rotating} key(s) with yearly automatic rotation, priced from their second "
             "rotation on ($1 a month more in the second year, $2 from the third)",
             "monthly_requests": "usage.kms.monthly_requests" if u.get("monthly_requests") else
             f"{fmt_number(principals)} requests per {fmt_number(KMS_REUSE_SECONDS)} s data-key reuse period, by the "
             f"services' formulas (SQS 2 × producers + consumers, SNS 2 × publishers, one per other principal): "
             f"{notes}"}
    p.kms_requests = usage.monthly_requests
    p.emit(keys[0].id, price(usage, p.catalog, free_tier=p.free, month=p.month, basis=basis))


def _encrypting(graph: Graph) -> tuple[Decimal, str]:
    """The principals that ask KMS for data keys, as a count and as text."""
    counts: dict[str, tuple[int, int]] = {}  # service -> (components, requests per period)
    for c in graph.components.values():
        if c.settings.get("replica_of"):
            continue  # a replica uses its own Region's key, priced with the recovery stack
        spec = service(c.service)
        if spec.kms_principals and (spec.kms_logs or c.settings.get("kms_key") or c.settings.get("log_group_kms_key")):
            each = spec.kms_principals(graph, c) if callable(spec.kms_principals) else spec.kms_principals
            n, total = counts.get(c.service, (0, 0))
            counts[c.service] = (n + 1, total + each)
    principals = Decimal(sum(total for _, total in counts.values()))
    notes = [f"{n} {service_id}: {total}" for service_id, (n, total) in sorted(counts.items())]
    return principals, ", ".join(notes)
