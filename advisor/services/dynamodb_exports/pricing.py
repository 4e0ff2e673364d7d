"""DynamoDB exports to S3 for backup and restore: what the exports cost at home, what reaches the bucket in the
recovery Region and is kept there, and the restore test the DR plan runs once a month.

DynamoDB bills a full export on the table's size at the export's point in time, and an incremental export on
the data processed from point-in-time recovery for its period, at least 10 MB each (DynamoDB Developer Guide,
"How export works"). An import is billed on the uncompressed size of the source data ("Import from S3: how it
works"). The exports land in S3, which bills their storage and PUT requests; a bucket in another Region adds
inter-Region transfer. What changes in a month is the workload's writes times the item size: an incremental
export keeps an item's final state only, so what it writes is at most what it processed.
"""

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import ClassVar, Mapping

from advisor.costing import Pricer
from advisor.pricing import datatransfer
from advisor.pricing.base import (
    DEFAULT_MONTH, KB_PER_GB, ZERO, Basis, CostLine, FreeTier, Month, UsageFields, fmt_number, metered, to_decimal
)
from advisor.pricing.catalog import Catalog
from advisor.services.dynamodb.pricing import request_units
from advisor.services.dynamodb_exports import MINIMUM_EXPORT_MB
from advisor.services.s3 import pricing as s3

SERVICE = "dynamodb-exports"
HOURS_A_DAY = Decimal(24)
MB_PER_GB = Decimal(1024)
# Each export writes its data files (at least one per partition; a partition holds up to 10 GB), two manifests
# with their checksums and a `_started` marker (DynamoDB Developer Guide, "Export output format").
FILES_PER_EXPORT = 5
PARTITION_GB = Decimal(10)
# The exporter runs a few API calls and writes a small state file: about a second at 128 MB.
EXPORTER_MEMORY_MB = 128
EXPORTER_SECONDS = Decimal(1)


@dataclass(init=False, eq=False, repr=False)  # frozen, with its methods, by UsageFields
class ExportUsage(UsageFields):
    """A month of a table's exports and restores, in one Region."""

    monthly_full_export_gb: Decimal = ZERO
    monthly_incremental_export_gb: Decimal = ZERO
    monthly_imported_gb: Decimal = ZERO
    monthly_exporter_runs: Decimal = ZERO
    alarms: Decimal = ZERO

    _numbers: ClassVar[tuple[str, ...]] = ("monthly_full_export_gb", "monthly_incremental_export_gb",
                                           "monthly_imported_gb", "monthly_exporter_runs", "alarms")


def price(
    usage: ExportUsage,
    catalog: Catalog,
    *,
    free_tier: FreeTier | None = None,
    month: Month = DEFAULT_MONTH,
    basis: Mapping[str, str] | None = None,
) -> list[CostLine]:
    """Cost lines for a month of full and incremental exports, the exporter's runs and imports in one Region."""
    b = Basis(SERVICE, usage, basis or {})
    lines = metered(service=SERVICE, item="Full exports", quantity=usage.monthly_full_export_gb, catalog=catalog,
                    key="dynamodb.export-full",
                    basis=f"{fmt_number(usage.monthly_full_export_gb)} GB ({b.of('monthly_full_export_gb')})")
    lines += metered(service=SERVICE, item="Incremental exports", quantity=usage.monthly_incremental_export_gb,
                     catalog=catalog, key="dynamodb.export-incremental",
                     basis=f"{fmt_number(usage.monthly_incremental_export_gb)} GB "
                           f"({b.of('monthly_incremental_export_gb')})")
    runs = usage.monthly_exporter_runs
    lines += metered(service=SERVICE, item="Exporter requests", quantity=runs, catalog=catalog, key="lambda.requests",
                     free_tier=free_tier, free_key="lambda.requests",
                     basis=f"{fmt_number(runs)} runs ({b.of('monthly_exporter_runs')})")
    seconds = runs * EXPORTER_SECONDS * EXPORTER_MEMORY_MB / 1024
    lines += metered(service=SERVICE, item="Exporter duration (arm64)", quantity=seconds, catalog=catalog,
                     key="lambda.duration-arm64", free_tier=free_tier, free_key="lambda.duration",
                     basis=f"{fmt_number(runs)} runs × {fmt_number(EXPORTER_SECONDS)} s × {EXPORTER_MEMORY_MB} MB "
                           f"/ 1024 = {fmt_number(seconds)} GB-seconds")
    lines += metered(service=SERVICE, item="Standard-resolution alarm metrics (the exporter's errors)",
                     quantity=usage.alarms, catalog=catalog,
                     key="cloudwatch.alarms-standard", free_tier=free_tier, free_key="cloudwatch.alarms",
                     unit="alarm metrics", basis=f"{fmt_number(usage.alarms)} standard alarm ({b.of('alarms')})")
    lines += metered(service=SERVICE, item="Restore test import", quantity=usage.monthly_imported_gb,
                     catalog=catalog, key="dynamodb.import",
                     basis=f"{fmt_number(usage.monthly_imported_gb)} GB ({b.of('monthly_imported_gb')})")
    return lines


# --- the estimate: quantities along the architecture, priced ----------------------------------------


def runs_a_month(interval_hours: int, month: Month) -> Decimal:
    """Exporter runs in a month: one every `interval_hours`."""
    return month.hours / Decimal(interval_hours)


def full_exports_a_month(full_every_days: int, month: Month) -> Decimal:
    """Full exports in a month: one every `full_every_days`."""
    return month.hours / HOURS_A_DAY / Decimal(full_every_days)


def cost(p: Pricer) -> None:
    """Each table's exports here, what reaches the bucket in the recovery Region, and the monthly restore test."""
    item_kb = to_decimal(p.w.data["item_kb"])
    storage = to_decimal(p.w.data["storage_gb"])
    for export in p.arch.of_service(SERVICE):
        if export.settings.get("receives_from"):
            continue  # the recovery Region's bucket: priced with the exports it receives
        target = str(export.settings["to_region"])
        hours, every = int(export.settings["interval_hours"]), int(export.settings["full_every_days"])
        kept = int(export.settings["retention_days"])
        tables = [e.target for e in p.arch.edges_from(export.id) if e.kind == "exports"]
        writes = sum((p.flows.get("writes", t) for t in tables), ZERO)
        runs = runs_a_month(hours, p.month)
        fulls = full_exports_a_month(every, p.month)
        incrementals = runs - fulls
        changed = writes * item_kb / KB_PER_GB
        floor = incrementals * MINIMUM_EXPORT_MB / MB_PER_GB
        processed = max(changed, floor)
        full_gb = fulls * storage
        what = ", ".join(p.flows.why("writes", t, "nothing writes to it") for t in tables) or "no table"
        p.emit(export.id, price(ExportUsage(
            monthly_full_export_gb=full_gb, monthly_incremental_export_gb=processed, monthly_exporter_runs=runs,
            alarms=Decimal(1)),
            p.catalog, free_tier=p.free, month=p.month, basis={
                "monthly_full_export_gb": f"{fmt_number(fulls)} full exports a month (every {every} days) of "
                                          f"{fmt_number(storage)} GB (data.storage_gb)",
                "monthly_incremental_export_gb": (
                    f"{fmt_number(writes)} writes ({what}) × {fmt_number(item_kb)} KB / 1024² = "
                    f"{fmt_number(changed)} GB processed"
                    + (f", below the {MINIMUM_EXPORT_MB} MB minimum of each of {fmt_number(incrementals)} exports "
                       f"(every {hours} hours): {fmt_number(floor)} GB" if floor > changed else "")),
                "monthly_exporter_runs": f"one every {hours} hours",
                "alarms": "the template's alarm on the exporter's errors"}))
        sent = full_gb + processed
        p.emit(export.id, datatransfer.price(
            datatransfer.DataTransferUsage(monthly_outbound_other_regions_gb=sent, destination_region=target),
            p.catalog, free_tier=p.free, month=p.month,
            basis={"monthly_outbound_other_regions_gb": f"the exports, {fmt_number(full_gb)} GB full and at most "
                   f"{fmt_number(processed)} GB of changes, written to the bucket in {target}"}))
        there = p.catalog.for_region(target)
        held = sent * Decimal(kept) / (p.month.hours / HOURS_A_DAY)
        files = runs * (FILES_PER_EXPORT + ((storage / PARTITION_GB).to_integral_value(ROUND_CEILING) or 1))
        p.emit(export.id, s3.price(s3.S3Usage(storage_gb=held, monthly_put_requests=files.to_integral_value(
            ROUND_CEILING)), there, month=p.month, basis={
                "storage_gb": f"{fmt_number(sent)} GB exported a month, each export kept {kept} days",
                "monthly_put_requests": f"{fmt_number(runs)} exports a month × ({FILES_PER_EXPORT} manifest, "
                                        "checksum and marker files + a data file per 10 GB partition)"}))
        # The DR test imports the latest full export and replays the changes since: half a period's on average.
        replayed = (writes * Decimal(every) / 2 / (p.month.hours / HOURS_A_DAY)).to_integral_value(ROUND_CEILING)
        wru_each = request_units(item_kb, "write")
        p.emit(export.id, price(ExportUsage(monthly_imported_gb=storage), there, month=p.month, basis={
            "monthly_imported_gb": f"the DR test imports the latest full export, {fmt_number(storage)} GB, into a "
                                   f"new table in {target} once a month (REL09-BP04)"}))
        p.emit(export.id, metered(
            service=SERVICE, item="Restore test: changes replayed", quantity=replayed * wru_each, catalog=there,
            key="dynamodb.write-request-units", unit="WRU",
            basis=f"{fmt_number(replayed)} writes (half of the {every} days' writes since a full export, on average) "
                  f"× {fmt_number(wru_each)} WRU for {fmt_number(item_kb)} KB items"))
