"""AWS Budgets: a monthly cost budget with alerts to the alarm topic."""

from advisor.services.base import Need, Service, Setting

SERVICE = Service(
    id="budgets", name="AWS Budgets",
    settings=(
        Setting("limit_usd", "number", "Monthly limit in USD (none: asked at deploy time)", minimum=1),
        Setting("alerts_percent", "list", "Alert thresholds as percentages of the limit", default=(80, 100)),
    ),
    needs=(Need((("alarms-to", "sns"),), "a budget alerts through an SNS topic"),),
    free="the first two budgets of an account without actions are free (aws.amazon.com/aws-cost-management/"
         "aws-budgets/pricing/)",
    edges=(("alarms-to", "sns"),),
    # A budget watches the whole account's spend, every Region's: the primary stack's covers the recovery Region.
    recovery=lambda arch, c: ("drop", None),
)
