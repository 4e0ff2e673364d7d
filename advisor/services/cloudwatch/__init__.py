"""Amazon CloudWatch: standard alarms, a dashboard, and the log groups of functions and APIs."""

from advisor.services.base import Need, Service, Setting
from advisor.spec import Field, count_spec, gb_spec

ALARMS = ("dlq-depth", "oldest-message-age", "function-errors", "function-throttles", "api-5xx", "api-latency-p99")

SERVICE = Service(
    id="cloudwatch", name="Amazon CloudWatch",
    settings=(
        Setting("alarms", "list", "Standard alarms: " + ", ".join(ALARMS), default=ALARMS),
        Setting("dashboard", "bool", "One dashboard of the architecture", default=False),
    ),
    needs=(Need((("alarms-to", "sns"),), "alarms notify through an SNS topic"),),
    edges=(("alarms-to", "sns"), ("monitors", "lambda"), ("monitors", "sqs"), ("monitors", "apigateway"),),
    usage={
        "monthly_data_ingested_gb": Field(gb_spec("Log data ingested per month")),
        "storage_gb": Field(gb_spec("Log data stored")),
        "monthly_data_scanned_gb": Field(gb_spec("Logs Insights data scanned per month")),
        "metrics": Field(count_spec("Custom metrics", 10_000_000)),
        "standard_alarms": Field(count_spec("Standard-resolution alarms of your own, beyond the template's", 1_000_000)),
        "high_resolution_alarms": Field(count_spec("High-resolution alarms", 1_000_000)),
    },
    usage_everywhere=True,
)
