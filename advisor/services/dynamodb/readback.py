"""table:* and replica:* (dynamodb) read back from a template: a table, or a global table and its replicas in
other Regions (the inverse of blueprint.py); the read consistency its readers' handlers use."""

from __future__ import annotations

from typing import Any

from advisor.review.infer import Reading, flag, number
from advisor.review.template import Resource
from advisor.services.dynamodb import STANDBY_STACKS, STANDBY_TAG

TYPES = ("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable", "AWS::ApplicationAutoScaling::ScalableTarget",
         "AWS::ApplicationAutoScaling::ScalingPolicy")
# A key in the replica's own Region, which the template names by ARN (the rules' name for it).
REPLICA_KEY = "replica-region-key"


def components(r: Reading) -> None:
    """One table component per table; a global table adds one replica component per other Region."""
    for table in r.of_type("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable"):
        cid = r.component(r.name(table.logical_id, "table"), "dynamodb", table)
        props = table.props
        provisioned = str(props.get("BillingMode", "PROVISIONED")) == "PROVISIONED"
        r.set(cid, "capacity_mode", "provisioned" if provisioned else "on-demand", table, "BillingMode")
        stream = props.get("StreamSpecification")
        if isinstance(stream, dict) and stream.get("StreamViewType"):
            r.set(cid, "stream_view_type", str(stream["StreamViewType"]), table, "StreamSpecification")
        if table.type == "AWS::DynamoDB::Table":
            _table(r, cid, table, provisioned)
        else:
            _global(r, cid, table, provisioned)
        for target in r.referrers(table.logical_id):
            if target.type == "AWS::ApplicationAutoScaling::ScalableTarget":
                r.claim(target.logical_id, cid, "auto scaling")
                for policy in r.referrers(target.logical_id):
                    if policy.type == "AWS::ApplicationAutoScaling::ScalingPolicy":
                        r.claim(policy.logical_id, cid, "auto scaling")


def _table(r: Reading, cid: str, table: Resource, provisioned: bool) -> None:
    props = table.props
    if provisioned:
        throughput = props.get("ProvisionedThroughput") or {}
        r.set(cid, "write_capacity_units", _units(throughput, "WriteCapacityUnits"), table, "ProvisionedThroughput",
              "WriteCapacityUnits")
        r.set(cid, "read_capacity_units", _units(throughput, "ReadCapacityUnits"), table, "ProvisionedThroughput",
              "ReadCapacityUnits")
    pitr = props.get("PointInTimeRecoverySpecification") or {}
    r.set(cid, "point_in_time_recovery", flag(pitr.get("PointInTimeRecoveryEnabled") if isinstance(pitr, dict)
                                              else False), table, "PointInTimeRecoverySpecification")
    r.set(cid, "deletion_protection", flag(props.get("DeletionProtectionEnabled")), table, "DeletionProtectionEnabled")
    sse = props.get("SSESpecification") or {}
    if isinstance(sse, dict):
        r.set(cid, "kms_key", r.key_of(sse.get("KMSMasterKeyId")), table, "SSESpecification")


def _units(spec: Any, key: str) -> int | None:
    value = number(spec.get(key)) if isinstance(spec, dict) else None
    return int(value) if value is not None else None


def _global(r: Reading, cid: str, table: Resource, provisioned: bool) -> None:
    """A global table: its row in the template's Region is the table, each other row a replica."""
    props = table.props
    rows = [row for row in props.get("Replicas") or [] if isinstance(row, dict)]
    here = next((row for row in rows if row.get("Region") == r.template.region), rows[0] if rows else {})
    r.set(cid, "global_table", True, table, "Replicas")
    if provisioned:
        writes = ((props.get("WriteProvisionedThroughputSettings") or {}).get("WriteCapacityAutoScalingSettings") or {})
        r.set(cid, "write_capacity_units", _units(writes, "MinCapacity"), table, "WriteProvisionedThroughputSettings")
        r.set(cid, "read_capacity_units", _units(here.get("ReadProvisionedThroughputSettings"), "ReadCapacityUnits"),
              table, "Replicas")
    _row(r, cid, table, here, rows.index(here) if here in rows else 0)
    others = [(index, row) for index, row in enumerate(rows) if row is not here and isinstance(row.get("Region"), str)]
    for index, row in others:
        name = cid.partition(":")[2]
        rid = r.component(f"replica:{name}" if len(others) == 1 else f"replica:{name}-{row['Region']}", "dynamodb",
                          table, shared=True)
        r.set(rid, "replica_of", cid, table, "Replicas")
        r.set(rid, "region", row["Region"], table, "Replicas", index, "Region")
        r.set(rid, "capacity_mode", r.settings[cid]["capacity_mode"], table, "BillingMode")
        if "stream_view_type" in r.settings[cid]:
            r.set(rid, "stream_view_type", r.settings[cid]["stream_view_type"], table, "StreamSpecification")
        _row(r, rid, table, row, index)
        sse = row.get("SSESpecification")
        key = sse.get("KMSMasterKeyId") if isinstance(sse, dict) else None
        if key is not None:
            r.set(rid, "kms_key", r.key_of(key) or REPLICA_KEY, table, "Replicas", index, "SSESpecification")
        for tag in row.get("Tags") or []:
            if isinstance(tag, dict) and tag.get("Key") == STANDBY_TAG and tag.get("Value") in STANDBY_STACKS:
                r.set(rid, "standby_stack", tag["Value"], table, "Replicas", index, "Tags")
        r.edge(cid, rid, "replicates-to")


def _row(r: Reading, cid: str, table: Resource, row: dict[str, Any], index: int) -> None:
    pitr = row.get("PointInTimeRecoverySpecification") or {}
    r.set(cid, "point_in_time_recovery", flag(pitr.get("PointInTimeRecoveryEnabled") if isinstance(pitr, dict)
                                              else False), table, "Replicas", index, "PointInTimeRecoverySpecification")
    r.set(cid, "deletion_protection", flag(row.get("DeletionProtectionEnabled")), table, "Replicas", index,
          "DeletionProtectionEnabled")
    if not r.settings[cid].get("replica_of"):
        sse = row.get("SSESpecification") or {}
        if isinstance(sse, dict):
            r.set(cid, "kms_key", r.key_of(sse.get("KMSMasterKeyId")), table, "Replicas", index, "SSESpecification")


def edges(r: Reading) -> None:
    """A table's read consistency is what its readers' handlers ask for (`READ_CONSISTENCY`), else eventual."""
    for cid in r.components_of("dynamodb"):
        readers = [s for (s, t, k) in r.edges if t == cid and k == "reads"]
        asked = {str(r.main(fn).props.get("Environment", {}).get("Variables", {}).get("READ_CONSISTENCY"))
                 for fn in readers}
        asked.discard("None")
        consistency = asked.pop() if len(asked) == 1 else "eventual"
        if readers and consistency != "eventual":
            r.set(cid, "read_consistency", consistency, r.main(readers[0]), "Environment")
        else:
            r.set(cid, "read_consistency", consistency)
