"""Amazon S3 Standard: storage per GB-month (volume tiers), PUT/COPY/POST/LIST and GET requests.

Rules (https://aws.amazon.com/s3/pricing/): storage is billed per GB-month, prorated by the hours an object is
held. Data transferred in, and out to AWS services in the bucket's own Region, is free (the page's data transfer
section), so a claim check's PUT from API Gateway and GET from Lambda bill requests alone; API Gateway's PUT is an
ordinary PUT request. DELETE requests are free, and so is a lifecycle rule's expiration (S3 user guide, lifecycle
and billing), so expiring the bodies adds no line.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Mapping

from advisor.architecture import Component, Edge
from advisor.costing import ONE, Flows, Graph, Pricer, pct
from advisor.pricing.base import (
    DEFAULT_MONTH, ZERO, Basis, CostLine, FreeTier, Month, UsageFields, ceil, field_lines, fmt_number, to_decimal
)
from advisor.pricing.catalog import Catalog
from advisor.services.s3 import NONCURRENT_DAYS

SERVICE = "s3"
KB_PER_GB = Decimal(1024 * 1024)
# What a claim check puts on the queue in the body's place: S3's event notification, a JSON record naming the
# bucket and the key (S3 user guide, event message structure), well under 2 KB and so one 64 KB SQS chunk.
POINTER_KB = Decimal(2)


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


def carried_kb(edge: Edge, kb: Decimal) -> tuple[Decimal, str]:
    """What an edge that travels via a bucket puts on its target: the pointer, not the body."""
    return POINTER_KB, (f"the S3 event notification that points to the {fmt_number(kb)} KB body in "
                        f"{edge.settings.get('bucket')}, under {fmt_number(POINTER_KB)} KB")


def _claim_checks(graph: Graph) -> dict[str, tuple[Edge, ...]]:
    """bucket -> the edges that travel via it."""
    out: dict[str, tuple[Edge, ...]] = {}
    for edge in graph.edges:
        if edge.settings.get("via") == SERVICE and edge.settings.get("bucket"):
            out[edge.settings["bucket"]] = out.get(edge.settings["bucket"], ()) + (edge,)
    return out


def flow(f: Flows, bucket: Component) -> None:
    """A claim check stores one object per message it carries (the object's notification is that message); a
    function that reads the bucket makes one GET per record it processes."""
    for edge in f.graph.fact("claim-checks", _claim_checks).get(bucket.id, ()):
        bodies = f.get("messages", edge.target)
        f.add("puts", bucket.id, bodies, f"one PUT per request body {edge.source} stores for {edge.target} "
              f"({fmt_number(bodies)})")
    for edge in f.graph.edges_to(bucket.id):
        if edge.kind == "reads":
            records = f.get("records", edge.source)
            f.add("gets", bucket.id, records, f"one GET per record {edge.source} processes ({fmt_number(records)})")


def _held(p: Pricer, bucket: Component) -> tuple[Decimal, str]:
    """The share of the month an object stays in the bucket, and why."""
    days = bucket.settings.get("expiration_days")
    if not days:
        return ONE, "kept: a month's objects"
    held = Decimal(int(days) + NONCURRENT_DAYS)
    share = min(ONE, held * 24 / p.month.hours)
    return share, (f"each held {fmt_number(held)} days (expires after {days}, its noncurrent version "
                   f"{NONCURRENT_DAYS} day later) of a {fmt_number(p.month.hours)}-hour month")


def _bodies(p: Pricer, bucket: Component) -> tuple[Decimal, str]:
    """GB-months of the request bodies a claim check keeps in the bucket, and why."""
    puts = p.flows.get("puts", bucket.id)
    if not puts:
        return ZERO, ""
    kb = to_decimal(p.w.traffic["request_kb"])
    share, held = _held(p, bucket)
    return puts * kb / KB_PER_GB * share, (f"{fmt_number(puts)} request bodies × {fmt_number(kb)} KB "
                                           f"(traffic.request_kb) / 1024², {held}")


def cost(p: Pricer) -> None:
    """This service's cost lines in an estimate: what other components store in each bucket, and the PUTs, GETs
    and storage of the claim checks that travel via it."""
    u = p.usage.get("s3", {})
    buckets = p.arch.of_service("s3")
    bodies = {b.id: _bodies(p, b) for b in buckets}
    derived = {b.id: sum((gb for gb, _, _ in p.stored.get(b.id, ())), ZERO) + bodies[b.id][0] for b in buckets}
    total = sum(derived.values(), ZERO)
    for bucket in buckets:
        stored = p.stored.get(bucket.id, ())
        puts, gets = p.flows.get("puts", bucket.id), p.flows.get("gets", bucket.id)
        if not stored and not u and not puts and not gets:
            continue
        share = derived[bucket.id] / total if total > 0 else ONE / len(buckets)
        kept, written = [text for _, _, text in stored], [text for _, _, text in stored]
        if puts:
            kept.append(bodies[bucket.id][1])
            written.append(p.flows.why("puts", bucket.id))
        nothing = "nothing in the architecture stores objects in it"
        why, put_why = "; ".join(kept) or nothing, "; ".join(written) or nothing
        usage = S3Usage(
            storage_gb=to_decimal(u["storage_gb"]) * share if u.get("storage_gb") is not None else derived[bucket.id],
            monthly_put_requests=ceil(to_decimal(u["monthly_tier_1_requests"]) * p.scale * share)
            if u.get("monthly_tier_1_requests") is not None else sum((n for _, n, _ in stored), ZERO) + puts,
            monthly_get_requests=ceil(to_decimal(u["monthly_tier_2_requests"]) * p.scale * share)
            if u.get("monthly_tier_2_requests") is not None else gets,
        )
        basis = {"storage_gb": f"usage.s3.storage_gb, {pct(share)} of it" if u.get("storage_gb") is not None else why,
                 "monthly_put_requests": "usage.s3.monthly_tier_1_requests" if u.get("monthly_tier_1_requests")
                 is not None else put_why,
                 "monthly_get_requests": "usage.s3.monthly_tier_2_requests" if u.get("monthly_tier_2_requests")
                 is not None else p.flows.why("gets", bucket.id, "nothing reads it")}
        p.emit(bucket.id, price(usage, p.catalog, free_tier=p.free, month=p.month, basis=basis))
