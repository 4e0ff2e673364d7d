"""Amazon SNS: publishes in 64 KB chunks and deliveries per protocol.

Rules (https://aws.amazon.com/sns/pricing/): "Each 64KB chunk of published data is billed as 1 request", and
deliveries chunk the same way ("a single notification with a 256KB payload will be billed as four deliveries").
HTTP/S, email, mobile push and Firehose deliveries are priced per protocol; deliveries to SQS queues and Lambda
functions are free (the target's own pricing applies). Subscription counts are deliveries per publish.
SMS prices vary by destination country, so SMS is priced only from `sms_notification_price` or a catalog entry.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Mapping

from advisor.architecture import Component
from advisor.costing import Flows, Graph, Pricer
from advisor.pricing.base import (
    DEFAULT_MONTH, KB_PER_GB, ZERO, Basis, CostLine, FreeTier, Month, UsageFields, ceil, chunks, fmt_number, metered,
    single_line, to_decimal
)
from advisor.pricing.catalog import Catalog

SERVICE = "sns"
CHUNK_KB = Decimal(64)

# (usage field, item label, price key, free-tier key)
_PROTOCOLS = (
    ("http_subscriptions", "HTTP/S deliveries", "sns.http-deliveries", "sns.http-deliveries"),
    ("email_subscriptions", "Email deliveries", "sns.email-deliveries", "sns.email-deliveries"),
    ("mobile_push_subscriptions", "Mobile push deliveries", "sns.mobile-push-deliveries", "sns.mobile-push-deliveries"),
    ("firehose_subscriptions", "Data Firehose deliveries", "sns.firehose-deliveries", None),
    ("sqs_subscriptions", "SQS deliveries", "sns.sqs-deliveries", None),
    ("lambda_subscriptions", "Lambda deliveries", "sns.lambda-deliveries", None),
)


@dataclass(init=False, eq=False, repr=False)  # frozen, with its methods, by UsageFields
class SnsUsage(UsageFields):
    """Monthly usage of one topic (Infracost's `aws_sns_topic` usage keys); subscriptions are per protocol."""

    monthly_requests: Decimal = ZERO
    request_size_kb: Decimal = ZERO
    fifo: bool = False
    http_subscriptions: Decimal = ZERO
    email_subscriptions: Decimal = ZERO
    sms_subscriptions: Decimal = ZERO
    mobile_push_subscriptions: Decimal = ZERO
    firehose_subscriptions: Decimal = ZERO
    sqs_subscriptions: Decimal = ZERO
    lambda_subscriptions: Decimal = ZERO
    sms_notification_price: Decimal | None = None

    _numbers: ClassVar[tuple[str, ...]] = (
        "monthly_requests",
        "request_size_kb",
        "http_subscriptions",
        "email_subscriptions",
        "sms_subscriptions",
        "mobile_push_subscriptions",
        "firehose_subscriptions",
        "sqs_subscriptions",
        "lambda_subscriptions",
        "sms_notification_price",
    )
    # Counts are whole; the message size and a price are not.
    _wholes: ClassVar[tuple[str, ...]] = tuple(
        n for n in _numbers if not n.endswith("_kb") and n != "sms_notification_price")
    _ranges: ClassVar[tuple[tuple[str, int, int, str], ...]] = (
        # SNS messages are at most 256 KB (SNS quotas).
        ("request_size_kb", 0, 256, "SNS messages are at most 256 KB"),
    )

    def __post_init__(self) -> None:
        if not isinstance(self.fifo, bool):
            raise ValueError(f"fifo must be true or false, got {self.fifo!r}")


def price(
    usage: SnsUsage,
    catalog: Catalog,
    *,
    free_tier: FreeTier | None = None,
    month: Month = DEFAULT_MONTH,
    basis: Mapping[str, str] | None = None,
) -> list[CostLine]:
    """Cost lines for one topic's publishes and deliveries."""
    b = Basis(SERVICE, usage, basis or {})
    per_message = chunks(usage.request_size_kb, CHUNK_KB)
    publishes = usage.monthly_requests * per_message
    publish_basis = (
        f"{fmt_number(usage.monthly_requests)} publishes × {fmt_number(per_message)} "
        f"(64 KB chunks of {fmt_number(usage.request_size_kb)} KB) ({b.join('monthly_requests', 'request_size_kb')})"
    )
    lines: list[CostLine] = []
    if usage.fifo:
        lines += metered(
            service=SERVICE,
            item="FIFO publish requests",
            quantity=publishes,
            catalog=catalog,
            key="sns.fifo-publishes",
            basis=publish_basis,
        )
        if usage.request_size_kb > 0 and usage.monthly_requests > 0:
            payload_gb = usage.monthly_requests * usage.request_size_kb / KB_PER_GB
            lines += metered(
                service=SERVICE,
                item="FIFO publish payload",
                quantity=payload_gb,
                catalog=catalog,
                key="sns.fifo-payload",
                basis=f"{fmt_number(usage.monthly_requests)} × {fmt_number(usage.request_size_kb)} KB / 1024² "
                f"({b.join('monthly_requests', 'request_size_kb')})",
            )
    else:
        lines += metered(
            service=SERVICE,
            item="Publish requests",
            quantity=publishes,
            catalog=catalog,
            key="sns.publishes",
            basis=publish_basis,
            free_tier=free_tier,
            free_key="sns.publishes",
        )

    for field_name, item, key, free_key in _PROTOCOLS:
        subscriptions = getattr(usage, field_name)
        deliveries = publishes * subscriptions
        if deliveries <= 0:
            continue
        lines += metered(
            service=SERVICE,
            item=item,
            quantity=deliveries,
            catalog=catalog,
            key=key,
            basis=_delivery_basis(publishes, subscriptions, b, field_name),
            free_tier=free_tier if free_key else None,
            free_key=free_key,
        )

    sms = publishes * usage.sms_subscriptions
    if sms > 0:
        text = _delivery_basis(publishes, usage.sms_subscriptions, b, "sms_subscriptions")
        if usage.sms_notification_price is not None:
            grant = free_tier.take("sns.sms-deliveries", sms) if free_tier is not None else None
            billable = sms - (grant.granted if grant else ZERO)
            text += f"; price per SMS from {b.of('sms_notification_price')}"
            if grant:
                text += f"; {grant.describe(sms)}"
                lines.append(single_line(service=SERVICE, item="SMS deliveries (free tier)", quantity=grant.granted,
                                         unit="deliveries", unit_price=ZERO, basis=text))
            if billable > 0:
                lines.append(single_line(service=SERVICE, item="SMS deliveries", quantity=billable,
                                         unit="deliveries", unit_price=usage.sms_notification_price, basis=text))
        else:
            lines += metered(
                service=SERVICE,
                item="SMS deliveries",
                quantity=sms,
                catalog=catalog,
                key="sns.sms-deliveries",
                basis=text,
                free_tier=free_tier,
                free_key="sns.sms-deliveries",
            )
    return lines


def _delivery_basis(publishes: Decimal, subscriptions: Decimal, b: Basis, field_name: str) -> str:
    return (
        f"{fmt_number(publishes)} billed publishes × {fmt_number(subscriptions)} subscriptions "
        f"({b.join('monthly_requests', field_name)})"
    )


# --- the estimate: quantities along the architecture, priced ----------------------------------------


# "Exceeding the limit of 10 messages per second (TPS) for an email or email-json endpoint will trigger an automatic
# suspension of the subscription" (docs.aws.amazon.com/sns/latest/dg/sns-email-notifications.html).
EMAIL_PER_SECOND = Decimal(10)


def flow(f: Flows, topic: Component) -> None:
    """A topic nothing in the architecture publishes to takes one event per written request from the
    workload's own producer; each publish is one delivery per subscription."""
    if not f.graph.edges_to(topic.id):
        f.add("events", topic.id, f.written, "one event per written request (the producer is outside the architecture)")
    events = f.get("events", topic.id)
    for edge in f.graph.edges_from(topic.id):
        if edge.kind == "fans-out":
            f.add("messages", edge.target, events, f"one message per publish to {topic.id}")
        elif edge.kind == "delivers-to":
            f.add("invocations", edge.target, events, f"one invocation per publish to {topic.id}")
            f.add("records", edge.target, events, f"one invocation per publish to {topic.id}")


def watched(graph: Graph, topic: Component) -> dict[str, int]:
    """A topic with subscribers has a dead-letter queue for what it cannot deliver; the alarms watch its depth."""
    subscribed = (any(e.kind in ("fans-out", "delivers-to") for e in graph.edges_from(topic.id))
                  or set(topic.settings.get("subscribers") or ()) & {"email", "sms", "http"}
                  or topic.settings.get("purpose") == "alarm notifications")
    return {"dead-letter queues": 1} if subscribed else {}


def why_free(graph: Graph, topic: Component) -> str | None:
    """Why a topic has no cost line, when that is by design."""
    if all(e.kind == "alarms-to" for e in graph.edges_to(topic.id)):
        return "carries alarm and budget notifications only: a handful of publishes a month, within SNS's free tier"
    return None


def cost(p: Pricer) -> None:
    """This service's cost lines in an estimate."""
    u = p.usage.get("sns", {})
    for topic in p.arch.of_service("sns"):
        publishes = p.flows.get("events", topic.id)
        if u.get("monthly_requests") is not None:
            publishes = to_decimal(u["monthly_requests"]) * p.scale
        subs = {p: to_decimal(u[f"{p}_subscriptions"]) for p in
                ("http", "email", "sms", "mobile_push", "sqs", "lambda") if u.get(f"{p}_subscriptions") is not None
                } if u else {}
        derived = p.arch.fact("subscriptions", _subscriptions)[topic.id]
        if derived["mobile_push"] and "mobile_push" not in subs:
            # The template cannot create push endpoints (they need the customer's APNs or FCM credentials).
            derived = {**derived, "mobile_push": ZERO}
            p.warn(f"{topic.id}: mobile push endpoints are created outside the template (an SNS platform "
                       "application with APNs or FCM credentials), so their deliveries are not priced; give "
                       "usage.sns.mobile_push_subscriptions to price them")
        if derived["sms"] and "sms" not in subs and not p.catalog.has("sms-deliveries"):
            derived = {**derived, "sms": ZERO}
            p.warn(f"{topic.id}: SMS prices depend on the destination country, so its SMS deliveries are not "
                       "priced; give usage.sns.sms_subscriptions and a catalog price for sms-deliveries "
                       "(--catalog) to price them")
        if subs:
            derived = {**derived, **subs}
        email = derived.get("email", ZERO)
        if email and p.flows.requests:
            peak = (ceil(publishes) / p.flows.requests * to_decimal(p.w.traffic["peak_requests_per_second"])
                    * p.scale)
            if peak > EMAIL_PER_SECOND:
                p.warn(f"{topic.id} would send about {fmt_number(ceil(peak))} e-mails a second at peak to each "
                           f"email subscription; SNS suspends an email subscription above "
                           f"{fmt_number(EMAIL_PER_SECOND)} messages a second (Amazon SNS developer guide, email "
                           "notifications): filter what reaches e-mail with a subscription filter policy, or "
                           "deliver through SQS or Lambda")
        size = p.capped("sns", u.get("request_size_kb") or p.w.data["item_kb"], "published events")
        basis = {"monthly_requests": "usage.sns.monthly_requests" if u.get("monthly_requests") is not None
                 else p.flows.why("events", topic.id, "no steady traffic"),
                 "request_size_kb": "usage.sns.request_size_kb" if u.get("request_size_kb")
                 else f"data.item_kb = {p.w.data['item_kb']}"}
        for protocol in derived:
            basis[f"{protocol}_subscriptions"] = (f"usage.sns.{protocol}_subscriptions" if protocol in subs
                                                   else f"{fmt_number(derived[protocol])} {protocol} subscriptions "
                                                   "in the architecture")
        usage = SnsUsage(monthly_requests=ceil(publishes), request_size_kb=size, **{
            f"{p}_subscriptions": n for p, n in derived.items()})
        p.emit(topic.id, price(usage, p.catalog, free_tier=p.free, month=p.month, basis=basis))


def _subscriptions(graph: Graph) -> dict[str, dict[str, Decimal]]:
    """Each topic's subscriptions by protocol: its queues and functions, and the subscribers its
    settings name. Read-only: a usage that gives counts of its own changes a copy."""
    out: dict[str, dict[str, Decimal]] = {}
    for topic in graph.of_service("sns"):
        edges = graph.edges_from(topic.id)
        named = list(topic.settings.get("subscribers", ()))
        out[topic.id] = {
            "sqs": Decimal(sum(1 for e in edges if e.kind == "fans-out")),
            "lambda": Decimal(sum(1 for e in edges if e.kind == "delivers-to")),
            "email": Decimal(named.count("email")), "sms": Decimal(named.count("sms")),
            "http": Decimal(named.count("http")), "mobile_push": Decimal(named.count("mobile-push")),
        }
    return out
