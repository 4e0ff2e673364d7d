"""Amazon CloudWatch: standard alarms, a dashboard, and the log groups of functions and APIs."""

from advisor.services.base import Need, Service, Setting

ALARMS = ("dlq-depth", "oldest-message-age", "function-errors", "function-throttles", "api-5xx", "api-latency-p99")

SERVICE = Service(
    id="cloudwatch", name="Amazon CloudWatch",
    settings=(
        Setting("alarms", "list", "Standard alarms: " + ", ".join(ALARMS), default=ALARMS),
        Setting("dashboard", "bool", "One dashboard of the architecture", default=False),
    ),
    needs=(Need((("alarms-to", "sns"),), "alarms notify through an SNS topic"),),
    edges=(("alarms-to", "sns"), ("monitors", "lambda"), ("monitors", "sqs"), ("monitors", "apigateway"),),
)
