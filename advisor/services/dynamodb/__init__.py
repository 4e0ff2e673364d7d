"""Amazon DynamoDB: tables, and replica tables of a global table."""

import math
from typing import Any, Mapping

from advisor.services.base import Service, Setting
from advisor.spec import Field, count_spec, gb_spec

QUOTAS = "DynamoDB quotas, docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html"
# A write request unit covers 1 KB; a strongly consistent read 4 KB, an eventually consistent one half of
# that, a transactional one twice (docs.aws.amazon.com/amazondynamodb/latest/developerguide/
# provisioned-capacity-mode.html#read-write-capacity-units).
READ_UNITS = {"eventual": 0.5, "strong": 1, "transactional": 2}


def write_units(item_kb: float) -> int:
    """Write units one write of an item takes."""
    return max(1, math.ceil(item_kb))


def read_units(item_kb: float, consistency: str) -> float:
    """Read units one read of an item takes."""
    return max(1, math.ceil(item_kb / 4)) * READ_UNITS[consistency]


def _peak_capacity(which: str) -> Any:
    """Provisioned capacity for the peak: peak requests per second × per-request operations × units each."""
    def default(ctx: Any, cid: str, settings: Mapping[str, Any]) -> Any:
        if settings.get("capacity_mode") != "provisioned":
            return None
        traffic, item_kb = ctx.workload.traffic, float(ctx.workload.data["item_kb"])
        if which == "write":
            per = float(traffic["writes_per_request"]) * write_units(item_kb)
        else:
            per = float(traffic["reads_per_request"]) * read_units(item_kb, settings.get("read_consistency", "eventual"))
        return max(1, math.ceil(float(traffic["peak_requests_per_second"]) * per))
    return default


# Usage keys that apply in one capacity mode only.
# The tag a replica carries with its `standby_stack`: what the recovery Region runs beside it.
STANDBY_TAG = "advisor:standby-stack"
STANDBY_STACKS = ("full", "scaled-down")
PROVISIONED_ONLY = ("write_capacity_units", "read_capacity_units")
ON_DEMAND_ONLY = ("monthly_write_request_units", "monthly_read_request_units")


def _usage_check(usage: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """Usage keys of the other capacity mode than the one `usage.dynamodb.capacity_mode` names."""
    mode = usage.get("capacity_mode", "on-demand")
    wrong, other = (PROVISIONED_ONLY, "provisioned") if mode == "on-demand" else (ON_DEMAND_ONLY, "on-demand")
    return [(key, f"does not apply in {mode} capacity mode", f"set usage.dynamodb.capacity_mode: {other}")
            for key in wrong if key in usage]


def _recovery(arch: Any, c: Any) -> tuple[str, Mapping[str, Any] | None]:
    """A replica is the recovery Region's copy of its table, made by the primary stack's global table: the
    recovery stack refers to the table by name, as it does to a table restored from a copied backup or from
    exports."""
    if c.settings.get("replica_of"):
        return "drop", None
    replicated = any(r.settings.get("replica_of") == c.id for r in arch.components.values())
    copied = any(e.target == c.id and ((e.kind == "backs-up" and arch.components[e.source].settings.get("copy_to_region"))
                                       or (e.kind == "exports" and arch.components[e.source].settings.get("to_region")))
                 for e in arch.edges)
    if replicated or copied:
        return "refer", {**c.settings, "existing": True}
    return "keep", None


SERVICE = Service(
    id="dynamodb", name="Amazon DynamoDB",
    recovery=_recovery,
    settings=(
        Setting("capacity_mode", "str", "Capacity mode", default="on-demand", choices=("on-demand", "provisioned"),
                usage="capacity_mode"),
        Setting("read_consistency", "str", "How the handler reads items", default="eventual",
                choices=("eventual", "strong", "transactional"), usage="read_consistency"),
        Setting("write_capacity_units", "int", "Provisioned write capacity units", default=_peak_capacity("write"),
                minimum=1, maximum=40_000,
                usage="write_capacity_units", source=QUOTAS),
        Setting("read_capacity_units", "int", "Provisioned read capacity units", default=_peak_capacity("read"),
                minimum=1, maximum=40_000,
                usage="read_capacity_units", source=QUOTAS),
        Setting("point_in_time_recovery", "bool", "Continuous backups for point-in-time recovery", default=True),
        Setting("deletion_protection", "bool", "Deletion protection", default=True),
        Setting("global_table", "bool", "A global table"),
        Setting("kms_key", "ref", "The key that encrypts it"),
        Setting("region", "str", "The Region a replica runs in"),
        Setting("replica_of", "ref", "The table a replica copies"),
        Setting("standby_stack", "str", "What runs beside the replica", choices=STANDBY_STACKS),
        Setting("existing", "bool", "A table the stack refers to by name rather than creates: in the recovery "
                "Region, the global table's replica or a table restored from a backup copy"),
        Setting("stream_view_type", "str", "What the stream carries", default="NEW_AND_OLD_IMAGES",
                choices=("NEW_AND_OLD_IMAGES", "NEW_IMAGE", "OLD_IMAGE", "KEYS_ONLY")),
    ),
    edges=(("replicates-to", "dynamodb"), ("streams-to", "dynamodb-streams"),),
    kms_principals=1,
    usage={
        "monthly_write_request_units": Field(count_spec("Write request units per month")),
        "monthly_read_request_units": Field(count_spec("Read request units per month")),
        "storage_gb": Field(gb_spec("Table storage")),
        "pitr_backup_storage_gb": Field(gb_spec("Point-in-time recovery storage")),
        "on_demand_backup_storage_gb": Field(gb_spec("On-demand backup storage")),
        "monthly_data_restored_gb": Field(gb_spec("Data restored per month")),
        "monthly_streams_read_request_units": Field(count_spec("Stream read request units per month")),
    },
    usage_check=_usage_check,
)
