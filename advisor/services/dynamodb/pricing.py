"""Amazon DynamoDB: on-demand request units or provisioned capacity, storage, PITR, backups, restores,
streams, and replicated writes for global tables.

Units (https://aws.amazon.com/dynamodb/pricing/): a write request unit (WRU) writes up to 1 KB; a read request
unit (RRU) is one strongly consistent read of up to 4 KB, an eventually consistent read takes half of one and a
transactional request takes two. Callers turn item sizes into units with `request_units`. Streams reads by Lambda
triggers are free ("Read requests made by AWS Lambda-based consumers of DynamoDB Streams are free", DynamoDB
developer guide, CostOptimization_StreamsUsage). Replicated writes are billed in each replica's region at that
region's price, so the replica regions' catalogs must hold `dynamodb.replicated-write-*` prices.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, Mapping

from advisor.architecture import Component
from advisor.costing import DEFAULT_BATCH, ONE, Flows, Graph, Pricer, scaled, source
from advisor.pricing import datatransfer
from advisor.pricing.base import (
    DEFAULT_MONTH, KB_PER_GB, ZERO, Basis, CostLine, FreeTier, Month, UsageFields, ceil, field_lines, fmt_number,
    metered, priced_lines, to_decimal
)
from advisor.pricing.catalog import Catalog
from advisor.services import pricing_of

SERVICE = "dynamodb"
STREAMS_SERVICE = "dynamodb-streams"
CAPACITY_MODES = ("on-demand", "provisioned")
WRITE_UNIT_KB = Decimal(1)
READ_UNIT_KB = Decimal(4)
_REQUEST_KINDS = {
    "write": (WRITE_UNIT_KB, Decimal(1)),
    "transactional-write": (WRITE_UNIT_KB, Decimal(2)),
    "read": (READ_UNIT_KB, Decimal(1)),
    "strong-read": (READ_UNIT_KB, Decimal(1)),
    "eventual-read": (READ_UNIT_KB, Decimal("0.5")),
    "transactional-read": (READ_UNIT_KB, Decimal(2)),
}


def request_units(item_kb: Decimal | int | str, kind: str) -> Decimal:
    """Request (or capacity) units one request for an item of `item_kb` consumes: write 1 KB, read 4 KB units."""
    try:
        unit_kb, factor = _REQUEST_KINDS[kind]
    except KeyError:
        raise ValueError(f"kind must be one of {', '.join(_REQUEST_KINDS)}, got {kind!r}") from None
    size = to_decimal(item_kb, "item_kb")
    if size < 0 or size > 400:
        # DynamoDB items are at most 400 KB (DynamoDB quotas).
        raise ValueError(f"item_kb must be between 0 and 400 KB, got {size}")
    units = max(Decimal(1), ceil(size / unit_kb))
    return units * factor


@dataclass(init=False, eq=False, repr=False)  # frozen, with its methods, by UsageFields
class DynamoDbUsage(UsageFields):
    """Monthly usage of one table (Infracost's `aws_dynamodb_table` usage keys)."""

    capacity_mode: str = "on-demand"
    monthly_write_request_units: Decimal = ZERO
    monthly_read_request_units: Decimal = ZERO
    write_capacity_units: Decimal = ZERO
    read_capacity_units: Decimal = ZERO
    storage_gb: Decimal = ZERO
    pitr_backup_storage_gb: Decimal = ZERO
    on_demand_backup_storage_gb: Decimal = ZERO
    monthly_data_restored_gb: Decimal = ZERO
    monthly_streams_read_request_units: Decimal = ZERO
    streams_consumed_by_lambda: bool = False
    replica_regions: tuple[str, ...] = ()
    monthly_replicated_write_request_units: Decimal | None = None
    replicated_write_capacity_units: Decimal | None = None

    _numbers: ClassVar[tuple[str, ...]] = (
        "monthly_write_request_units",
        "monthly_read_request_units",
        "write_capacity_units",
        "read_capacity_units",
        "storage_gb",
        "pitr_backup_storage_gb",
        "on_demand_backup_storage_gb",
        "monthly_data_restored_gb",
        "monthly_streams_read_request_units",
        "monthly_replicated_write_request_units",
        "replicated_write_capacity_units",
    )
    _wholes: ClassVar[tuple[str, ...]] = (
        "write_capacity_units",
        "read_capacity_units",
        "replicated_write_capacity_units",
    )
    _choices: ClassVar[tuple[tuple[str, tuple[str, ...]], ...]] = (("capacity_mode", CAPACITY_MODES),)

    def __post_init__(self) -> None:
        if not isinstance(self.streams_consumed_by_lambda, bool):
            raise ValueError("streams_consumed_by_lambda must be true or false")
        regions = tuple(self.replica_regions)
        if any(not isinstance(r, str) or not r for r in regions) or len(set(regions)) != len(regions):
            raise ValueError("replica_regions must be distinct region codes")
        object.__setattr__(self, "replica_regions", regions)
        if self.capacity_mode == "on-demand" and (self.write_capacity_units or self.read_capacity_units):
            raise ValueError("write/read_capacity_units apply to provisioned capacity mode only")
        if self.capacity_mode == "provisioned" and (
            self.monthly_write_request_units or self.monthly_read_request_units
        ):
            raise ValueError("monthly write/read request units apply to on-demand capacity mode only")


def price(
    usage: DynamoDbUsage,
    catalog: Catalog,
    *,
    free_tier: FreeTier | None = None,
    month: Month = DEFAULT_MONTH,
    basis: Mapping[str, str] | None = None,
) -> list[CostLine]:
    """Cost lines for one table's monthly usage (streams lines carry service `dynamodb-streams`)."""
    b = Basis(SERVICE, usage, basis or {})
    lines: list[CostLine] = []
    if usage.capacity_mode == "on-demand":
        lines += metered(
            service=SERVICE,
            item="Write request units",
            quantity=usage.monthly_write_request_units,
            catalog=catalog,
            key="dynamodb.write-request-units",
            basis=f"{fmt_number(usage.monthly_write_request_units)} WRU ({b.of('monthly_write_request_units')})",
        )
        lines += metered(
            service=SERVICE,
            item="Read request units",
            quantity=usage.monthly_read_request_units,
            catalog=catalog,
            key="dynamodb.read-request-units",
            basis=f"{fmt_number(usage.monthly_read_request_units)} RRU ({b.of('monthly_read_request_units')})",
        )
    else:
        for field_name, item, key, free_key in (
            ("write_capacity_units", "Write capacity", "dynamodb.write-capacity-unit-hours",
             "dynamodb.write-capacity-units"),
            ("read_capacity_units", "Read capacity", "dynamodb.read-capacity-unit-hours",
             "dynamodb.read-capacity-units"),
        ):
            units = getattr(usage, field_name)
            lines += _capacity_lines(units, item, key, free_key, catalog, free_tier, month, b.of(field_name))

    lines += field_lines(b, catalog, (
        ("storage_gb", "Data storage", "dynamodb.storage", "dynamodb.storage", "GB"),
        ("pitr_backup_storage_gb", "Point-in-time recovery backup storage", "dynamodb.pitr-storage", None, "GB"),
        ("on_demand_backup_storage_gb", "On-demand backup storage", "dynamodb.backup-storage", None, "GB"),
        ("monthly_data_restored_gb", "Table data restored", "dynamodb.restore", None, "GB"),
    ), free_tier=free_tier)

    streams = usage.monthly_streams_read_request_units
    if streams > 0:
        text = f"{fmt_number(streams)} sRRU ({b.of('monthly_streams_read_request_units')})"
        if usage.streams_consumed_by_lambda:
            lines.append(
                CostLine(
                    STREAMS_SERVICE,
                    "Streams read request units (Lambda trigger, no charge)",
                    streams,
                    catalog.price("dynamodb.streams-read-request-units").unit,
                    ZERO,
                    ZERO,
                    text + "; reads by Lambda triggers are free (DynamoDB developer guide, CostOptimization_StreamsUsage)",
                )._replace(region=catalog.region)
            )
        else:
            lines += metered(
                service=STREAMS_SERVICE,
                item="Streams read request units",
                quantity=streams,
                catalog=catalog,
                key="dynamodb.streams-read-request-units",
                basis=text,
                free_tier=free_tier,
                free_key="dynamodb.streams-read-request-units",
            )

    for region in usage.replica_regions:
        replica = catalog.for_region(region)
        if usage.capacity_mode == "on-demand":
            units = (
                usage.monthly_write_request_units
                if usage.monthly_replicated_write_request_units is None
                else usage.monthly_replicated_write_request_units
            )
            source = (
                b.of("monthly_write_request_units")
                if usage.monthly_replicated_write_request_units is None
                else b.of("monthly_replicated_write_request_units")
            )
            lines += metered(
                service=SERVICE,
                item=f"Replicated write request units ({region})",
                quantity=units,
                catalog=replica,
                key="dynamodb.replicated-write-request-units",
                basis=f"{fmt_number(units)} rWRU replicated to {region} ({source}; usage.{SERVICE}.replica_regions)",
            )
        else:
            units = (
                usage.write_capacity_units
                if usage.replicated_write_capacity_units is None
                else usage.replicated_write_capacity_units
            )
            source = (
                b.of("write_capacity_units")
                if usage.replicated_write_capacity_units is None
                else b.of("replicated_write_capacity_units")
            )
            lines += _capacity_lines(
                units,
                f"Replicated write capacity ({region})",
                "dynamodb.replicated-write-capacity-unit-hours",
                None,
                replica,
                None,
                month,
                f"{source}; usage.{SERVICE}.replica_regions",
            )
    return lines


def _capacity_lines(
    units: Decimal,
    item: str,
    key: str,
    free_key: str | None,
    catalog: Catalog,
    free_tier: FreeTier | None,
    month: Month,
    source: str,
) -> list[CostLine]:
    """Provisioned capacity as unit-hours; the free tier grants whole units for the whole month."""
    if units <= 0:
        return []
    entry = catalog.price(key)
    unit_hours = units * month.hours
    text = f"{fmt_number(units)} units × {fmt_number(month.hours)} hours ({source})"
    lines: list[CostLine] = []
    grant = free_tier.take(free_key, units) if (free_tier is not None and free_key) else None
    billable_units = units
    if grant:
        free_hours = grant.granted * month.hours
        billable_units = units - grant.granted
        text += f"; {grant.describe(units)}"
        lines.append(CostLine(SERVICE, f"{item} (free tier)", free_hours, entry.unit, ZERO, ZERO, text, entry.key,
                              entry.used_in or entry.region, entry.region, entry.as_of))
    lines += priced_lines(
        service=SERVICE,
        item=item,
        quantity=billable_units * month.hours,
        entry=entry,
        basis=text if grant else f"{text} = {fmt_number(unit_hours)} unit-hours",
    )
    return lines


# --- the estimate: quantities along the architecture, priced ----------------------------------------


def flow(f: Flows, table: Component) -> None:
    """A table that no function of the architecture writes is written by the workload's own application,
    `writes_per_request` per request, whichever flow it is in: what the template deploys is the same either
    way; its stream carries one change record per write. A replica's quantities are its main table's,
    priced with it."""
    if table.settings.get("replica_of"):
        return
    edges_in = f.graph.edges_to(table.id)
    if not any(e.kind == "writes" for e in edges_in):
        f.add("writes", table.id, f.requests * f.writes_per_request,
              "written by the workload's application outside the architecture: requests × "
              f"traffic.writes_per_request ({fmt_number(f.writes_per_request)})")
    writes = f.get("writes", table.id)
    for edge in f.graph.edges_from(table.id):
        if edge.kind == "streams-to":
            f.add("changes", edge.target, writes,
                  f"one change record per write to {table.id}, {fmt_number(writes)} writes")


def cost(p: Pricer) -> None:
    """This service's cost lines in an estimate."""
    u = p.usage.get("dynamodb", {})
    item_kb = p.w.data["item_kb"]
    storage_basis = "usage.dynamodb.storage_gb" if u.get("storage_gb") is not None else "data.storage_gb"
    storage = to_decimal(u.get("storage_gb") if u.get("storage_gb") is not None else p.w.data["storage_gb"])
    for table in p.arch.of_service("dynamodb"):
        if table.settings.get("replica_of"):
            continue  # priced with its source table
        settings, sources = table.settings, table.sources
        consistency = settings["read_consistency"]
        wru_each = request_units(item_kb, "write")
        rru_each = request_units(item_kb, f"{consistency}-read")
        mode = settings["capacity_mode"]
        writes = p.flows.get("writes", table.id)
        reads = p.flows.get("reads", table.id)
        wru = writes * wru_each
        rru = reads * rru_each
        why = p.flows.why
        basis = {
            "monthly_write_request_units": f"{fmt_number(writes)} writes "
            f"({why('writes', table.id, 'nothing writes to it')}) × {fmt_number(wru_each)} WRU for "
            f"{item_kb} KB items",
            "monthly_read_request_units": f"{fmt_number(reads)} reads "
            f"({why('reads', table.id, 'nothing in the architecture reads it')}) × {fmt_number(rru_each)} "
            f"RRU ({consistency} reads: {source(sources, 'read_consistency')}, {item_kb} KB items)",
            "storage_gb": storage_basis,
        }
        if (not reads and p.flows.reads_per_request > 0 and u.get("monthly_read_request_units") is None
                and "traffic" not in p.w.assumed):
            p.warn(f"traffic.reads_per_request is {fmt_number(p.flows.reads_per_request)} but nothing in "
                       f"the architecture reads {table.id}: reads by applications outside it are not priced "
                       "(give usage.dynamodb.monthly_read_request_units)")
        for key in ("monthly_write_request_units", "monthly_read_request_units"):
            if u.get(key) is not None:
                basis[key] = f"usage.dynamodb.{key}" + scaled(p.scale)
        wru = to_decimal(u["monthly_write_request_units"]) * p.scale if u.get(
            "monthly_write_request_units") is not None else wru
        rru = to_decimal(u["monthly_read_request_units"]) * p.scale if u.get(
            "monthly_read_request_units") is not None else rru
        fields: dict[str, Any] = {"capacity_mode": mode, "storage_gb": storage}
        if mode == "on-demand":
            fields.update(monthly_write_request_units=ceil(wru), monthly_read_request_units=ceil(rru))
        else:
            # The deployed capacity: the template provisions exactly these units.
            fields["write_capacity_units"] = settings["write_capacity_units"]
            fields["read_capacity_units"] = settings["read_capacity_units"]
            for key, what in (("write_capacity_units", "writes per request × WRU per item"),
                              ("read_capacity_units", "reads per request × RRU per item")):
                basis[key] = (f"peak requests per second × {what}" if sources.get(key) == "default"
                              else source(sources, key))
        pitr = u.get("pitr_backup_storage_gb", storage)
        pitr_basis = ("usage.dynamodb.pitr_backup_storage_gb" if u.get("pitr_backup_storage_gb") is not None
                      else "point-in-time recovery bills the table's size")
        if settings["point_in_time_recovery"]:
            fields["pitr_backup_storage_gb"] = to_decimal(pitr)
            basis["pitr_backup_storage_gb"] = pitr_basis
        for key in ("on_demand_backup_storage_gb", "monthly_data_restored_gb"):
            if u.get(key) is not None:
                fields[key] = u[key]
        batch, replicas = p.arch.fact("tables", _tables)[table.id]
        if batch is not None:
            sru = u.get("monthly_streams_read_request_units")
            fields["monthly_streams_read_request_units"] = (
                to_decimal(sru) * p.scale if sru is not None else ceil(writes / batch))
            fields["streams_consumed_by_lambda"] = False
            basis["monthly_streams_read_request_units"] = (
                "usage.dynamodb.monthly_streams_read_request_units" if sru is not None else
                f"one GetRecords per batch of {fmt_number(batch)} change records, read by an EventBridge pipe "
                "(only Lambda readers are free)")
        if replicas:
            fields["replica_regions"] = tuple(str(c.settings["region"]) for c in replicas)
            basis["replica_regions"] = ", ".join(f"{c.id} in {c.settings['region']}" for c in replicas)
        usage = DynamoDbUsage(**fields)
        p.emit(table.id, price(usage, p.catalog, free_tier=p.free, month=p.month,
                                            basis=basis))
        for replica in replicas:
            region = str(replica.settings["region"])
            # A replica holds a full copy of the table, with point-in-time recovery of its own when enabled.
            held: dict[str, Any] = {"storage_gb": storage}
            held_basis = {"storage_gb": f"a full copy of {table.id} ({storage_basis})"}
            if replica.settings["point_in_time_recovery"]:
                held["pitr_backup_storage_gb"] = to_decimal(pitr)
                held_basis["pitr_backup_storage_gb"] = pitr_basis + f", in {region}"
            p.emit(replica.id, price(
                DynamoDbUsage(capacity_mode=mode, **held), p.catalog.for_region(region),
                month=p.month, basis=held_basis))
            if replica.settings.get("kms_key"):
                # The replica's key is the customer's, given to the template as a parameter: a cost of the replica.
                kms = pricing_of("kms")
                p.emit(replica.id, kms.price(kms.KmsUsage(keys=1), p.catalog.for_region(region), month=p.month,
                                             basis={"keys": f"the customer managed key that encrypts {replica.id} "
                                                            f"in {region}"}))
            gb = writes * to_decimal(item_kb) / KB_PER_GB
            transfer = datatransfer.DataTransferUsage(monthly_outbound_other_regions_gb=gb, destination_region=region)
            p.emit(replica.id, datatransfer.price(
                transfer, p.catalog, free_tier=p.free, month=p.month,
                basis={"monthly_outbound_other_regions_gb": f"{fmt_number(writes)} replicated writes × "
                       f"{item_kb} KB / 1024² to {region}"}))


def _tables(graph: Graph) -> dict[str, tuple[Decimal | None, tuple[Component, ...]]]:
    """Each table's stream reader's batch size (None without a stream, one without a reader) and
    its replica tables."""
    out: dict[str, tuple[Decimal | None, tuple[Component, ...]]] = {}
    for table in graph.of_service("dynamodb"):
        streams = [e for e in graph.edges_from(table.id) if e.kind == "streams-to"]
        batch = None
        if streams:
            reader = graph.edges_from(streams[0].target)
            batch = Decimal(reader[0].settings.get("batch_size", DEFAULT_BATCH)) if reader else ONE
        out[table.id] = (batch, tuple(c for c in graph.of_service("dynamodb")
                                      if c.settings.get("replica_of") == table.id))
    return out
