"""One blueprint per service: `build(builder, component)` and, for some, `late(builder, component)`
which runs after every connector (API deployments, alarms and dashboards, DNS health checks)."""

from __future__ import annotations

import importlib
from types import ModuleType

# Service id -> blueprint module, imported the first time an architecture needs it (a small workload
# uses half of them). None: no resources of their own. The stream is the table's StreamSpecification;
# X-Ray is the functions' TracingConfig and the stage's TracingEnabled (default sampling); IAM is one
# role per function, written by the lambda blueprint from the edges; Step Functions is in the catalog
# but no rule adds it yet.
MODULES: dict[str, str | None] = {
    "kms": "kms",
    "sqs": "sqs",
    "lambda": "awslambda",
    "dynamodb": "dynamodb",
    "sns": "sns",
    "apigateway": "apigateway",
    "cloudwatch": "cloudwatch",
    "cloudtrail": "cloudtrail",
    "s3": "s3",
    "backup": "backup",
    "budgets": "budgets",
    "cognito": "cognito",
    "eventbridge": "eventbridge",
    "route53": "route53",
    "dynamodb-streams": None,
    "xray": None,
    "iam": None,
    "stepfunctions": None,
}
# Late blueprints run in this order: API stages first, then alarms, then DNS (which reuses the API alarm).
LATE_ORDER = ("apigateway", "cloudwatch", "route53")


def blueprint(service: str) -> ModuleType | None:
    """The blueprint module of a service, or None when the service has no resources of its own."""
    name = MODULES.get(service)
    return None if name is None else importlib.import_module(f"{__name__}.{name}")
