"""One blueprint per service: `build(builder, component)` and, for some, `late(builder, component)`
which runs after every connector (API deployments, alarms and dashboards, DNS health checks)."""

from __future__ import annotations

from types import ModuleType

from advisor.render.cfn.blueprints import (apigateway, awslambda, backup, budgets, cloudtrail, cloudwatch, cognito,
                                           dynamodb, eventbridge, kms, route53, s3, sns, sqs)

BLUEPRINTS: dict[str, ModuleType | None] = {
    "kms": kms,
    "sqs": sqs,
    "lambda": awslambda,
    "dynamodb": dynamodb,
    "sns": sns,
    "apigateway": apigateway,
    "cloudwatch": cloudwatch,
    "cloudtrail": cloudtrail,
    "s3": s3,
    "backup": backup,
    "budgets": budgets,
    "cognito": cognito,
    "eventbridge": eventbridge,
    "route53": route53,
    # No resources of their own: the stream is the table's StreamSpecification; X-Ray is the functions'
    # TracingConfig and the stage's TracingEnabled (default sampling); IAM is one role per function,
    # written by the lambda blueprint from the edges.
    "dynamodb-streams": None,
    "xray": None,
    "iam": None,
    # Step Functions is in the catalog but no rule adds it yet.
    "stepfunctions": None,
}
# Late blueprints run in this order: API stages first, then alarms, then DNS (which reuses the API alarm).
LATE_ORDER = ("apigateway", "cloudwatch", "route53")
