"""AWS CloudTrail: a trail with log file validation into its own bucket."""

from advisor.services.base import Need, Service, Setting
from advisor.spec import Field, count_spec

SERVICE = Service(
    id="cloudtrail", name="AWS CloudTrail",
    settings=(
        Setting("log_file_validation", "bool", "Digest files that prove the logs unchanged", default=True),
        Setting("multi_region", "bool", "Records every Region", default=True),
        Setting("compliance", "list", "Compliance regimes in scope"),
    ),
    needs=(Need((("writes", "s3"),), "CloudTrail delivers its log files to an S3 bucket"),),
    edges=(("audits", "dynamodb"), ("writes", "s3"),),
    # A multi-Region trail in the primary stack records the recovery Region too; a second one would bill a second
    # copy of every management event.
    recovery=lambda arch, c: ("drop" if c.settings.get("multi_region", True) else "keep", None),
    usage={
        "monthly_additional_management_events": Field(count_spec("Management events beyond the free copy")),
        "monthly_data_events": Field(count_spec("Data events per month")),
        "monthly_insight_events": Field(count_spec("Insights events analysed per month")),
    },
)
