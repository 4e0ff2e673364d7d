"""DynamoDB exports to S3: the table's changes exported to a bucket in the recovery Region as often as the RPO
needs, with a full export now and then to restore from; backup and restore's cheaper method when a table takes
fewer changes than AWS Backup's full copies would send (ADV-R021)."""

from typing import Any, Mapping

from advisor.services.backup import INTERVALS, START_WINDOW_MINUTES, interval_for
from advisor.services.base import Service, Setting

# A restore applies every change since the full export it starts from. A new on-demand table takes up to 4,000
# writes a second at once (DynamoDB Developer Guide, "Initial throughput for on-demand capacity mode"); the
# restore script is held to a quarter of that, so that the changes of a period between full exports apply
# within half the RTO.
APPLY_WRITES_PER_SECOND = 1000
# Full exports as rarely as that allows, and at least every 30 days: an incremental export reads the table's
# point-in-time recovery, which keeps 35 days.
FULL_EVERY = (30, 14, 7, 3, 1)
# An incremental export covers 15 minutes to 24 hours (DynamoDB service quotas, "Export period window").
WINDOW_MINUTES = (15, 24 * 60)
# DynamoDB bills an incremental export at least 10 MB (DynamoDB Developer Guide, "How export works").
MINIMUM_EXPORT_MB = 10


def _interval(ctx: Any, cid: str, settings: Mapping[str, Any]) -> int:
    """Exports follow the RPO as backups do: the interval plus an hour for the export itself stays within it."""
    dr = ctx.workload.requirements.get("disaster-recovery") or {}
    return interval_for(float(dr.get("rpo_minutes", 1440 + START_WINDOW_MINUTES)))


def monthly_writes(workload: Any) -> float:
    """The writes a month the workload states (requests × writes per request): what a restore replays."""
    traffic = workload.traffic
    return float(traffic.get("requests_per_month", 0)) * float(traffic.get("writes_per_request", 1))


def full_every_for(monthly: float, rto_minutes: float) -> int:
    """The longest period between full exports whose changes a restore applies within half the RTO."""
    for days in FULL_EVERY:
        if monthly * days / 30 / APPLY_WRITES_PER_SECOND <= rto_minutes * 60 / 2:
            return days
    return FULL_EVERY[-1]


def _full_every(ctx: Any, cid: str, settings: Mapping[str, Any]) -> int:
    dr = ctx.workload.requirements.get("disaster-recovery") or {}
    return full_every_for(monthly_writes(ctx.workload), float(dr.get("rto_minutes", 1440)))


def _retention(ctx: Any, cid: str, settings: Mapping[str, Any]) -> int:
    """Exports are kept until the next full export and its changes have surely arrived: two periods and a day."""
    return 2 * int(settings.get("full_every_days", FULL_EVERY[0])) + 1


def _recovery(arch: Any, c: Any) -> tuple[str, Mapping[str, Any] | None]:
    """The exports' bucket is the recovery Region's, made before the primary stack (whose exporter is given its
    name); the exporter itself stays at home."""
    if c.settings.get("to_region"):
        return "always", {"receives_from": arch.region, "retention_days": c.settings["retention_days"]}
    return "drop", None


SERVICE = Service(
    id="dynamodb-exports", name="Amazon DynamoDB exports to Amazon S3",
    recovery=_recovery,
    settings=(
        Setting("interval_hours", "int", "Hours between incremental exports, from the RPO", default=_interval,
                choices=INTERVALS, source="an incremental export covers 15 minutes to 24 hours"),
        Setting("full_every_days", "int", "Days between full exports, the base a restore starts from",
                default=_full_every, choices=FULL_EVERY,
                source="incremental exports read point-in-time recovery, which keeps 35 days"),
        Setting("retention_days", "int", "Days the bucket keeps each export", default=_retention, minimum=1,
                maximum=36_500),
        Setting("to_region", "str", "The Region of the bucket the exports go to"),
        Setting("receives_from", "str", "A bucket that receives the exports of a table in another Region"),
    ),
    edges=(("exports", "dynamodb"),),
)
