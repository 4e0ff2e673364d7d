"""AWS Backup: a backup plan for the tables, copied to the recovery Region as often as the RPO needs."""

from typing import Any, Mapping

from advisor.services.base import Service, Setting
from advisor.spec import Field, gb_spec

# AWS Backup runs a rule at most once an hour (its cron schedules), and a job may start as late as its start
# window allows; 60 minutes is the least AWS Backup accepts (AWS Backup Developer Guide, "Backup plan
# options": StartWindowMinutes "must be at least 60 minutes"). Intervals that divide the day keep the
# backups evenly spaced.
START_WINDOW_MINUTES = 60
INTERVALS = (24, 12, 8, 6, 4, 3, 2, 1)


def interval_for(rpo_minutes: float) -> int:
    """The longest interval, in hours, whose backups still meet the RPO when one starts a whole start window
    late: interval + start window <= RPO. Hourly when none does (a strategy that cannot meet it)."""
    for hours in INTERVALS:
        if hours * 60 + START_WINDOW_MINUTES <= rpo_minutes:
            return hours
    return INTERVALS[-1]


def worst_rpo_minutes(interval_hours: int) -> int:
    """The most writes, in minutes, a Region's loss can cost before the last copy: the interval plus a late start."""
    return interval_hours * 60 + START_WINDOW_MINUTES


def _interval(ctx: Any, cid: str, settings: Mapping[str, Any]) -> int:
    """Backups follow the workload's RPO; a daily backup without one."""
    dr = ctx.workload.requirements.get("disaster-recovery") or {}
    return interval_for(float(dr.get("rpo_minutes", 1440 + START_WINDOW_MINUTES)))


def _copy_retention(ctx: Any, cid: str, settings: Mapping[str, Any]) -> int:
    """Copies are kept until the next one has surely arrived: a day holds two or more of them when backups run
    every 12 hours or more often; a daily copy is kept two days, so a late or failed one leaves the last."""
    return 1 if int(settings.get("interval_hours", 24)) <= 12 else 2


def _recovery(arch: Any, c: Any) -> tuple[str, Mapping[str, Any] | None]:
    """A plan that copies to the recovery Region becomes the vault there that receives its copies, made before
    the primary stack (whose plan is given its ARN); the plan itself stays at home."""
    if c.settings.get("copy_to_region"):
        return "always", {"copies_from": arch.region}
    return "drop", None


SERVICE = Service(
    id="backup", name="AWS Backup",
    recovery=_recovery,
    settings=(
        Setting("interval_hours", "int", "Hours between backups, from the RPO", default=_interval, choices=INTERVALS,
                source="AWS Backup schedules: at most hourly"),
        Setting("retention_days", "int", "Days a backup is kept in the table's Region", default=35, minimum=1,
                maximum=36_500),
        Setting("copy_to_region", "str", "The Region each backup is copied to"),
        Setting("copy_retention_days", "int", "Days a copy is kept", default=_copy_retention, minimum=1,
                maximum=36_500),
        Setting("copies_from", "str", "A vault that receives the copies a plan in this Region sends"),
    ),
    edges=(("backs-up", "dynamodb"),),
    usage={
        "storage_gb": Field(gb_spec("Warm backup storage")),
        "monthly_cross_region_copy_gb": Field(gb_spec("Data copied to another Region per month")),
    },
)
