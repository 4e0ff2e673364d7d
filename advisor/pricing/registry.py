"""Service id -> (usage dataclass, price function), spelled out so that every service is visible here."""

from __future__ import annotations

from typing import Any, Callable, Mapping

from advisor.records import Record

from . import (
    apigateway,
    awslambda,
    backup,
    cloudtrail,
    cloudwatch,
    datatransfer,
    dynamodb,
    eventbridge,
    fargate,
    kms,
    route53,
    s3,
    sns,
    sqs,
    stepfunctions,
    xray,
)
from .base import CostLine


class ServicePricing(Record):
    """How to price one service: its usage dataclass and its price function."""

    __slots__ = ()

    usage: type
    price: Callable[..., list[CostLine]]


SERVICES: Mapping[str, ServicePricing] = {
    "lambda": ServicePricing(awslambda.LambdaUsage, awslambda.price),
    "apigateway": ServicePricing(apigateway.ApiGatewayUsage, apigateway.price),
    "sqs": ServicePricing(sqs.SqsUsage, sqs.price),
    "sns": ServicePricing(sns.SnsUsage, sns.price),
    "dynamodb": ServicePricing(dynamodb.DynamoDbUsage, dynamodb.price),
    "cloudwatch": ServicePricing(cloudwatch.CloudWatchUsage, cloudwatch.price),
    "cloudtrail": ServicePricing(cloudtrail.CloudTrailUsage, cloudtrail.price),
    "kms": ServicePricing(kms.KmsUsage, kms.price),
    "eventbridge": ServicePricing(eventbridge.EventBridgeUsage, eventbridge.price),
    "stepfunctions": ServicePricing(stepfunctions.StepFunctionsUsage, stepfunctions.price),
    "s3": ServicePricing(s3.S3Usage, s3.price),
    "backup": ServicePricing(backup.BackupUsage, backup.price),
    "data-transfer": ServicePricing(datatransfer.DataTransferUsage, datatransfer.price),
    "fargate": ServicePricing(fargate.FargateUsage, fargate.price),
    "xray": ServicePricing(xray.XRayUsage, xray.price),
    "route53": ServicePricing(route53.Route53Usage, route53.price),
}


def lookup(service: str) -> ServicePricing:
    """The pricing entry for a service id (KeyError names the known ids)."""
    try:
        return SERVICES[service]
    except KeyError:
        raise KeyError(f"no pricing module for service {service!r}; known: {', '.join(sorted(SERVICES))}") from None


def price_usage(service: str, usage: Any, catalog: Any, **kwargs: Any) -> list[CostLine]:
    """Price a usage value with its service's price function, checking the usage type matches."""
    entry = lookup(service)
    if not isinstance(usage, entry.usage):
        raise TypeError(f"service {service!r} expects {entry.usage.__name__}, got {type(usage).__name__}")
    return entry.price(usage, catalog, **kwargs)
