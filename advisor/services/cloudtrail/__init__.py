"""AWS CloudTrail: a trail with log file validation into its own bucket."""

from advisor.services.base import Need, Service, Setting

SERVICE = Service(
    id="cloudtrail", name="AWS CloudTrail",
    settings=(
        Setting("log_file_validation", "bool", "Digest files that prove the logs unchanged", default=True),
        Setting("multi_region", "bool", "Records every Region", default=True),
        Setting("compliance", "list", "Compliance regimes in scope"),
    ),
    needs=(Need((("writes", "s3"),), "CloudTrail delivers its log files to an S3 bucket"),),
    edges=(("audits", "dynamodb"), ("writes", "s3"),),
)
