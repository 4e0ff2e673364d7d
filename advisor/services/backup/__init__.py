"""AWS Backup: a backup plan for the tables, copied to the recovery Region."""

from advisor.services.base import Service, Setting
from advisor.spec import Field, gb_spec

SERVICE = Service(
    id="backup", name="AWS Backup",
    settings=(
        Setting("schedule", "str", "How often a backup is taken", default="daily", choices=("daily", "hourly")),
        Setting("retention_days", "int", "Days a backup is kept", default=35, minimum=1, maximum=36_500),
        Setting("copy_to_region", "str", "The Region each backup is copied to"),
        Setting("copy_retention_days", "int", "Days a copy is kept", default=35, minimum=1, maximum=36_500),
    ),
    edges=(("backs-up", "dynamodb"),),
    usage={
        "storage_gb": Field(gb_spec("Warm backup storage")),
        "monthly_cross_region_copy_gb": Field(gb_spec("Data copied to another Region per month")),
    },
)
