"""Amazon CloudWatch: log ingestion, log storage, Logs Insights scans, custom metrics and alarms.

Alarms are billed per alarm metric: a standard-resolution alarm on one metric is one standard alarm metric, an
expression over two metrics is two, and an anomaly detection alarm is three (the metric plus the band's upper and
lower bounds), as Infracost's `aws_cloudwatch_metric_alarm` golden test shows. The always-free tier covers 10
custom metrics, 10 standard-resolution alarm metrics, 5 GB of log ingestion and 5 GB-month of log storage
(CloudWatch pricing page; the account's free-tier usage report lists DataProcessing-Bytes and TimedStorage-ByteHrs
as separate 5 GB allowances). Stored log volume follows from ingestion and retention: see `stored_log_gb`.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Mapping

from advisor.costing import ONE, Graph, Pricer, pct, source
from advisor.pricing.base import (
    DEFAULT_MONTH, KB_PER_GB, ZERO, Basis, CostLine, FreeTier, Month, UsageFields, field_lines, fmt_number, metered,
    to_decimal
)
from advisor.pricing.catalog import Catalog
from advisor.services import part

SERVICE = "cloudwatch"
ANOMALY_BAND_METRICS = Decimal(3)


@dataclass(init=False, eq=False, repr=False)  # frozen, with its methods, by UsageFields
class CloudWatchUsage(UsageFields):
    """Monthly CloudWatch usage (Infracost's log group and metric alarm keys plus metric and alarm counts)."""

    monthly_data_ingested_gb: Decimal = ZERO
    storage_gb: Decimal = ZERO
    monthly_data_scanned_gb: Decimal = ZERO
    custom_metrics: Decimal = ZERO
    standard_alarms: Decimal = ZERO
    high_resolution_alarms: Decimal = ZERO
    anomaly_detection_alarms: Decimal = ZERO
    high_resolution_anomaly_detection_alarms: Decimal = ZERO
    composite_alarms: Decimal = ZERO
    dashboards: Decimal = ZERO

    _numbers: ClassVar[tuple[str, ...]] = (
        "monthly_data_ingested_gb",
        "storage_gb",
        "monthly_data_scanned_gb",
        "custom_metrics",
        "standard_alarms",
        "high_resolution_alarms",
        "anomaly_detection_alarms",
        "high_resolution_anomaly_detection_alarms",
        "composite_alarms",
        "dashboards",
    )
    # Metrics and alarms are counted whole; GB quantities and the dashboard count are taken as given.
    _wholes: ClassVar[tuple[str, ...]] = tuple(
        n for n in _numbers if not n.endswith("_gb") and n != "dashboards")


def stored_log_gb(monthly_ingested_gb: Decimal | int | str, retention_days: int, month: Month = DEFAULT_MONTH) -> Decimal:
    """Steady-state stored log GB for a log group with a retention period (uncompressed, so an upper bound)."""
    ingested = to_decimal(monthly_ingested_gb, "monthly_ingested_gb")
    if ingested < 0:
        raise ValueError("monthly_ingested_gb must not be negative")
    if isinstance(retention_days, bool) or not isinstance(retention_days, int) or retention_days < 1:
        raise ValueError(f"retention_days must be a whole number of days, at least 1, got {retention_days!r}")
    return ingested / month.days * Decimal(retention_days)


def price(
    usage: CloudWatchUsage,
    catalog: Catalog,
    *,
    free_tier: FreeTier | None = None,
    month: Month = DEFAULT_MONTH,
    basis: Mapping[str, str] | None = None,
) -> list[CostLine]:
    """Cost lines for a month of logs, metrics and alarms."""
    b = Basis(SERVICE, usage, basis or {})
    lines = field_lines(b, catalog, (
        ("monthly_data_ingested_gb", "Logs data ingested", "cloudwatch.logs-ingest", "cloudwatch.logs-ingest", "GB"),
        ("storage_gb", "Logs storage", "cloudwatch.logs-storage", "cloudwatch.logs-storage", "GB"),
        ("monthly_data_scanned_gb", "Logs Insights data scanned", "cloudwatch.logs-insights-scanned", None, "GB"),
        ("custom_metrics", "Custom metrics", "cloudwatch.metrics", "cloudwatch.metrics", "metrics"),
    ), free_tier=free_tier)
    for item, key, free_key, plain, anomaly in (
        ("Standard-resolution alarm metrics", "cloudwatch.alarms-standard", "cloudwatch.alarms", "standard_alarms",
         "anomaly_detection_alarms"),
        ("High-resolution alarm metrics", "cloudwatch.alarms-high-resolution", None, "high_resolution_alarms",
         "high_resolution_anomaly_detection_alarms"),
    ):
        # An anomaly detection alarm watches three metrics: the metric and its band's two edges.
        quantity = getattr(usage, plain) + getattr(usage, anomaly) * ANOMALY_BAND_METRICS
        if quantity > 0:  # tested first: a line that is not there needs no basis text
            lines += metered(
                service=SERVICE,
                item=item,
                quantity=quantity,
                catalog=catalog,
                key=key,
                basis=_alarm_basis(b, plain, anomaly, quantity),
                free_tier=free_tier if free_key else None,
                free_key=free_key,
            )
    lines += field_lines(b, catalog, (
        ("composite_alarms", "Composite alarms", "cloudwatch.alarms-composite", None, "alarms"),
        ("dashboards", "Dashboards", "cloudwatch.dashboards", "cloudwatch.dashboards", "dashboards"),
    ), free_tier=free_tier)
    return lines


def _alarm_basis(b: Basis, plain: str, anomaly: str, total: Decimal) -> str:
    return (
        f"{fmt_number(getattr(b.usage, plain))} alarm metrics + {fmt_number(getattr(b.usage, anomaly))} anomaly "
        f"detection alarms × 3 metrics = {fmt_number(total)} ({b.join(plain, anomaly)})"
    )


# --- the estimate: quantities along the architecture, priced ----------------------------------------


# A function logs START, END and REPORT lines plus one JSON line of its own per invocation;
# API Gateway writes one access-log line per request. About 1 KB each.
LOG_KB_PER_EVENT = Decimal(1)


def cost(p: Pricer) -> None:
    """This service's cost lines in an estimate."""
    u = p.usage.get("cloudwatch", {})
    # Each function's and API's log group: its own lines, at its own retention.
    derived = {c: events * LOG_KB_PER_EVENT / KB_PER_GB for c, (events, _) in sorted(p.log_events.items())}
    total = sum(derived.values(), ZERO)
    for component, gb in derived.items():
        events, what = p.log_events[component]
        retention = int(p.arch.components[component].settings["log_retention_days"])
        share = gb / total if total > 0 else ONE / len(derived)
        ingested_basis = f"{fmt_number(events)} × {fmt_number(LOG_KB_PER_EVENT)} KB ({what}) / 1024²"
        if u.get("monthly_data_ingested_gb") is not None:
            gb = to_decimal(u["monthly_data_ingested_gb"]) * p.scale * share
            ingested_basis = f"usage.cloudwatch.monthly_data_ingested_gb, {pct(share)} of it by derived log lines"
        stored = stored_log_gb(gb, retention, p.month)
        stored_basis = f"kept {retention} days ({source(p.arch.components[component].sources, 'log_retention_days')})"
        if u.get("storage_gb") is not None:
            stored = to_decimal(u["storage_gb"]) * share
            stored_basis = f"usage.cloudwatch.storage_gb, {pct(share)} of it by derived log lines"
        usage = CloudWatchUsage(monthly_data_ingested_gb=gb, storage_gb=stored)
        p.emit(component, price(usage, p.catalog, free_tier=p.free, month=p.month,
                                               basis={"monthly_data_ingested_gb": ingested_basis,
                                                      "storage_gb": stored_basis}))
    alarm_count, alarm_parts, dashboards, component = p.arch.fact("alarms", _alarms)
    if component is None:
        given = sorted(k for k in ("monthly_data_scanned_gb", "metrics", "standard_alarms", "high_resolution_alarms")
                       if u.get(k))
        if given:
            p.warn(f"usage.cloudwatch gives {', '.join(given)} but the architecture has no alarms component to price "
                   "them on: they are left out")
        return
    usage = CloudWatchUsage(
        monthly_data_scanned_gb=u.get("monthly_data_scanned_gb") or ZERO,
        custom_metrics=u.get("metrics") or ZERO,
        standard_alarms=alarm_count + to_decimal(u.get("standard_alarms") or 0),
        high_resolution_alarms=u.get("high_resolution_alarms") or ZERO, dashboards=dashboards,
    )
    basis = {
        "standard_alarms": "the template's alarms: " + (", ".join(alarm_parts) or "none")
        + (f"; usage.cloudwatch.standard_alarms = {u['standard_alarms']} of your own"
           if u.get("standard_alarms") else ""),
        "dashboards": "one dashboard per alarms component that asks for one",
    }
    p.emit(component, price(usage, p.catalog, free_tier=p.free, month=p.month,
                                           basis=basis))


# What each alarm kind watches: the subjects the services' `watched` steps count.
WATCHES = {"dlq-depth": "dead-letter queues", "oldest-message-age": "queues", "function-errors": "functions",
           "function-throttles": "functions", "api-5xx": "APIs", "api-latency-p99": "APIs"}


def _alarms(graph: Graph) -> tuple[Decimal, tuple[str, ...], Decimal, str | None]:
    """The standard alarms the architecture's alarm components set, as the template creates them: one per
    watched subject (each service's pricing module counts its own: its dead-letter queues, queues,
    functions, APIs) for each alarm kind asked for; as a count and in words, with the dashboards and the
    component their lines go to."""
    subjects: dict[str, int] = {}
    for c in graph.components.values():
        module = part(c.service, "pricing")
        watched = getattr(module, "watched", None) if module is not None else None
        for subject, n in (watched(graph, c) if watched is not None else {}).items():
            subjects[subject] = subjects.get(subject, 0) + n
    alarm_count = ZERO
    alarm_parts = []
    dashboards = ZERO
    for alarms in graph.of_service("cloudwatch"):
        for kind in alarms.settings["alarms"]:
            what = WATCHES[kind]
            n = subjects.get(what, 0)
            if n:
                alarm_count += n
                alarm_parts.append(f"{kind} on {n} {what}")
        if alarms.settings["dashboard"]:
            dashboards += 1
    component = graph.of_service("cloudwatch")[0].id if graph.of_service("cloudwatch") else None
    return alarm_count, tuple(alarm_parts), dashboards, component
