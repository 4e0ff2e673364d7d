"""Usage validation, billing-rule helpers (chunking, request units, pollers) and the shared free tier."""

from __future__ import annotations

from decimal import Decimal

import pytest

from advisor.services.apigateway import pricing as apigateway
from advisor.services.awslambda import pricing as awslambda
from advisor.services.cloudwatch import pricing as cloudwatch
from advisor.services.dynamodb import pricing as dynamodb
from advisor.services.eventbridge import pricing as eventbridge
from advisor.pricing import fargate
from advisor.services.sns import pricing as sns
from advisor.services.sqs import pricing as sqs
from advisor.services.stepfunctions import pricing as stepfunctions
from advisor.pricing.base import (
    DEFAULT_MONTH,
    CostLine,
    FreeTier,
    Month,
    Tier,
    chunks,
    fmt_number,
    tier_slices,
    to_cents,
    to_decimal,
)
from advisor.pricing.registry import SERVICES, lookup, price_usage

from .helpers import cents, line, usd

# --- validation ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (lambda: awslambda.LambdaUsage(memory_mb=64), "memory_mb must be between 128 and 10,240"),
        (lambda: awslambda.LambdaUsage(memory_mb=10241), "memory_mb must be between 128 and 10,240"),
        (lambda: awslambda.LambdaUsage(ephemeral_storage_mb=256), "ephemeral_storage_mb must be between 512 and 10,240"),
        (lambda: awslambda.LambdaUsage(ephemeral_storage_mb=20000), "ephemeral_storage_mb"),
        (lambda: awslambda.LambdaUsage(monthly_requests=-1), "monthly_requests must not be negative"),
        (lambda: awslambda.LambdaUsage(request_duration_ms=900001), "900 s"),
        (lambda: awslambda.LambdaUsage(architecture="ppc64"), "architecture must be one of x86_64, arm64"),
        (lambda: awslambda.LambdaUsage(monthly_requests=1.5), "monthly_requests must be a whole number"),
        (lambda: awslambda.LambdaUsage(monthly_requests=True), "must be a number"),
        (lambda: awslambda.LambdaUsage(monthly_requests="lots"), "must be a number"),
        (lambda: awslambda.LambdaUsage(monthly_requests=float("nan")), "finite"),
        (lambda: apigateway.ApiGatewayUsage(type="graphql"), "type must be one of rest, http, websocket"),
        (lambda: apigateway.ApiGatewayUsage(type="websocket", message_size_kb=200), "128 KB"),
        (lambda: apigateway.ApiGatewayUsage(type="http", cache_size_gb=Decimal("0.5")), "REST APIs only"),
        (lambda: apigateway.ApiGatewayUsage(type="rest", cache_size_gb=2), "cache_size_gb must be one of"),
        (lambda: apigateway.ApiGatewayUsage(type="rest", monthly_messages=5), "WebSocket APIs only"),
        (lambda: sqs.SqsUsage(request_size_kb=1100), "1 MiB"),
        (lambda: sqs.SqsUsage(fifo="yes"), "fifo must be true or false"),
        (lambda: sns.SnsUsage(http_subscriptions=-2), "must not be negative"),
        (lambda: dynamodb.DynamoDbUsage(capacity_mode="serverless"), "capacity_mode must be one of"),
        (lambda: dynamodb.DynamoDbUsage(write_capacity_units=5), "provisioned capacity mode only"),
        (lambda: dynamodb.DynamoDbUsage(replica_regions=("us-east-2", "us-east-2")), "distinct"),
        (lambda: stepfunctions.StepFunctionsUsage(type="express", monthly_transitions=5), "Express workflows"),
        (lambda: stepfunctions.StepFunctionsUsage(type="standard", monthly_requests=5), "Standard workflows"),
        (lambda: eventbridge.EventBridgeUsage(event_size_kb=1100), "1 MB"),
        (lambda: fargate.FargateUsage(vcpu=3), "vcpu must be one of"),
        (lambda: fargate.FargateUsage(vcpu=1, memory_gb=16), "memory_gb must be between 2 and 8"),
        (lambda: cloudwatch.CloudWatchUsage(standard_alarms=Decimal("0.5")), "whole number"),
        (lambda: Month(0), "month hours"),
    ],
)
def test_usage_validation(factory, message) -> None:
    with pytest.raises(ValueError, match=message):
        factory()


def test_usage_values_become_decimals() -> None:
    usage = awslambda.LambdaUsage(monthly_requests="3_000_000", request_duration_ms=120.5, memory_mb=1536)
    assert usage.monthly_requests == Decimal(3000000)
    assert usage.request_duration_ms == Decimal("120.5")  # from the float's shortest repr, not its binary value
    assert all(isinstance(v, Decimal) for v in (usage.monthly_requests, usage.request_duration_ms, usage.memory_mb))
    with pytest.raises(Exception):
        usage.memory_mb = Decimal(256)  # frozen


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_every_usage_class_is_a_frozen_dataclass_with_value_semantics(service) -> None:
    """Equality, hashing, repr, replace and immutability behave as the dataclass decorator's own would."""
    import dataclasses

    usage_cls = lookup(service).usage
    assert dataclasses.is_dataclass(usage_cls)
    names = [f.name for f in dataclasses.fields(usage_cls)]
    assert names and all(not n.startswith("_") for n in names)  # ClassVars are not fields
    first, second = usage_cls(), usage_cls()
    assert first == second and hash(first) == hash(second) and first is not second
    assert first != object() and (first == object()) is False
    assert repr(first) == f"{usage_cls.__qualname__}(" + ", ".join(f"{n}={getattr(first, n)!r}" for n in names) + ")"
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(first, names[0], getattr(first, names[0]))
    with pytest.raises(dataclasses.FrozenInstanceError):
        delattr(first, names[0])
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        usage_cls(no_such_field=1)
    # Construction checks only the fields given, so every default must pass its own checks: the
    # numeric ones are finite, non-negative Decimals here, and all of them are given back (and
    # checked) positionally below.
    defaults = {f.name: f.default for f in dataclasses.fields(usage_cls)}
    for name in usage_cls._numbers:
        default = defaults[name]
        assert default is None or default is dataclasses.MISSING or (
            type(default) is Decimal and default.is_finite() and default >= 0), (name, default)
    values = [getattr(first, n) for n in names]
    assert usage_cls(*values) == first and usage_cls(*values[:1], **dict(zip(names[1:], values[1:]))) == first
    with pytest.raises(TypeError, match="positional arguments but"):
        usage_cls(*values, None)
    with pytest.raises(TypeError, match=f"multiple values for argument '{names[0]}'"):
        usage_cls(values[0], **{names[0]: values[0]})
    numeric = next((n for n in usage_cls._numbers if getattr(first, n) is not None), None)
    if numeric is not None:
        changed = dataclasses.replace(first, **{numeric: 7})
        assert getattr(changed, numeric) == Decimal(7) and isinstance(getattr(changed, numeric), Decimal)
        assert changed != first and getattr(first, numeric) != Decimal(7)


# --- billing-rule helpers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "chunk", "units"),
    [("0", "64", 1), ("63", "64", 1), ("64", "64", 1), ("64.001", "64", 2), ("128", "64", 2), ("256", "64", 4),
     ("513", "512", 2), ("33", "32", 2), ("4608", "512", 9)],
)
def test_chunks(size, chunk, units) -> None:
    assert chunks(Decimal(size), Decimal(chunk)) == units


@pytest.mark.parametrize(
    ("item_kb", "kind", "units"),
    [
        ("1", "write", "1"), ("3", "write", "3"), ("3", "transactional-write", "6"), ("0.5", "write", "1"),
        ("4", "read", "1"), ("8", "strong-read", "2"), ("8", "eventual-read", "1"), ("8", "transactional-read", "4"),
        ("1", "eventual-read", "0.5"), ("5", "eventual-read", "1"),
    ],
)
def test_dynamodb_request_units(item_kb, kind, units) -> None:
    # DynamoDB pricing: WRU writes up to 1 KB (transactional × 2); RRU reads up to 4 KB strongly consistent,
    # eventual × ½, transactional × 2 ("a strongly consistent read of an 8 KB item would require two RCUs, an
    # eventually consistent read of an 8 KB item would require one RCU, and a transactional read of an 8 KB item
    # would require four RCUs").
    assert dynamodb.request_units(item_kb, kind) == Decimal(units)


def test_dynamodb_request_units_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="kind must be one of"):
        dynamodb.request_units(1, "scan")
    with pytest.raises(ValueError, match="400 KB"):
        dynamodb.request_units(401, "write")


def test_sqs_idle_poller_receives() -> None:
    # Five long-poll connections, each returning at most every 20 s: 5 × 2,628,000 s / 20 = 657,000 empty
    # receives in a 730-hour month; 648,000 in a 30-day month.
    assert sqs.idle_poller_receives() == Decimal(657000)
    assert sqs.idle_poller_receives(Month.of_days(30)) == Decimal(648000)
    assert sqs.idle_poller_receives(pollers=2) == Decimal(262800)
    with pytest.raises(ValueError):
        sqs.idle_poller_receives(wait_seconds=30)


def test_idle_queue_costs_money_without_free_tier(use1) -> None:
    receives = sqs.idle_poller_receives()
    lines = sqs.price(sqs.SqsUsage(monthly_requests=receives), use1)
    assert cents(lines) == usd("0.26")  # 657,000 × $0.40/M = $0.2628


def test_sqs_message_requests_with_batching() -> None:
    # 1M messages sent one by one, received and deleted in batches of 10: 1M + 100k + 100k API calls.
    assert sqs.message_requests(1000000, receive_batch=10, delete_batch=10) == Decimal(1200000)
    assert sqs.message_requests(1000001, send_batch=10, receive_batch=10, delete_batch=10) == Decimal(300003)
    with pytest.raises(ValueError):
        sqs.message_requests(5, send_batch=11)


def test_sqs_256kb_is_four_requests(use1) -> None:
    # SQS pricing: "an API action with a 256 KB payload is billed as 4 requests".
    lines = sqs.price(sqs.SqsUsage(monthly_requests=1, request_size_kb=256), use1)
    assert line(lines, "Standard requests (first 100B requests)").quantity == 4


def test_sns_deliveries_to_sqs_and_lambda_are_free(use1) -> None:
    usage = sns.SnsUsage(monthly_requests=1000000, sqs_subscriptions=3, lambda_subscriptions=1, http_subscriptions=1)
    lines = sns.price(usage, use1)
    assert line(lines, "SQS deliveries").quantity == Decimal(3000000)
    assert line(lines, "SQS deliveries").monthly_usd == 0
    assert line(lines, "Lambda deliveries").monthly_usd == 0
    assert cents(line(lines, "HTTP/S deliveries")) == usd("0.60")


def test_sns_sms_without_a_price_is_an_error(use1) -> None:
    from advisor.pricing.errors import PriceNotFound

    with pytest.raises(PriceNotFound, match="sns.sms-deliveries"):
        sns.price(sns.SnsUsage(monthly_requests=10, sms_subscriptions=1), use1)


def test_dynamodb_streams_read_by_lambda_cost_nothing(use1) -> None:
    usage = dynamodb.DynamoDbUsage(monthly_streams_read_request_units=5000000, streams_consumed_by_lambda=True)
    (only,) = dynamodb.price(usage, use1)
    assert only.service == "dynamodb-streams"
    assert only.quantity == Decimal(5000000) and only.monthly_usd == 0
    assert "Lambda" in only.basis


def test_lambda_async_payload_chunks(use1) -> None:
    # Lambda pricing: an asynchronous event is one request for its first 256 KB, then one per 64 KB chunk.
    usage = awslambda.LambdaUsage(monthly_requests=1000, async_payload_kb=300)
    assert line(awslambda.price(usage, use1), "Requests").quantity == Decimal(2000)
    usage = awslambda.LambdaUsage(monthly_requests=1000, async_payload_kb=1024)
    assert line(awslambda.price(usage, use1), "Requests").quantity == Decimal(13000)


def test_stepfunctions_express_rounding() -> None:
    from advisor.pricing.catalog import load_catalog

    catalog = load_catalog("us-east-1")
    usage = stepfunctions.StepFunctionsUsage(type="express", monthly_requests=1000, workflow_duration_ms=1, memory_mb=1)
    (requests, duration) = stepfunctions.price(usage, catalog)
    # 1 ms bills as 100 ms and 1 MB as 64 MB: 1,000 × 0.1 s × 0.0625 GB = 6.25 GB-seconds.
    assert duration.quantity == Decimal("6.25")


def test_cloudwatch_stored_log_gb() -> None:
    # 30 GB a month kept 7 days in a 30-day month is 7 GB stored at steady state.
    assert cloudwatch.stored_log_gb(30, 7, Month.of_days(30)) == Decimal(7)
    with pytest.raises(ValueError):
        cloudwatch.stored_log_gb(30, 0)


def test_tier_slices_and_formatting() -> None:
    tiers = (Tier(Decimal(0), Decimal(10), Decimal(3)), Tier(Decimal(10), None, Decimal(1)))
    assert tier_slices(Decimal(25), tiers) == [(tiers[0], Decimal(10)), (tiers[1], Decimal(15))]
    assert tier_slices(Decimal(0), tiers) == []
    assert fmt_number(Decimal("3000000.000")) == "3,000,000"
    assert to_cents(Decimal("135001.125")) == Decimal("135001.13")  # half up, as Infracost and AWS display
    assert to_decimal(0.1) == Decimal("0.1")
    assert DEFAULT_MONTH.hours == 730 and Month.of_days(31).seconds == Decimal(2678400)


# --- free tier -----------------------------------------------------------------------------------------------


def test_free_tier_shared_across_two_queues(use1) -> None:
    # Two queues in one estimate share the account's one million free requests.
    free = FreeTier.from_catalog(use1)
    first = sqs.price(sqs.SqsUsage(monthly_requests=700000), use1, free_tier=free)
    second = sqs.price(sqs.SqsUsage(monthly_requests=700000), use1, free_tier=free)
    assert cents(first) == 0
    assert line(first, "Standard requests (free tier)").quantity == Decimal(700000)
    assert line(second, "Standard requests (free tier)").quantity == Decimal(300000)
    billable = line(second, "Standard requests (first 100B requests)")
    assert billable.quantity == Decimal(400000)
    assert cents(billable) == usd("0.16")
    assert "free tier: 300,000 of 1,000,000 requests applied (700,000 already used by earlier components)" in billable.basis
    assert free.remaining("sqs.requests") == 0
    # A fresh ledger starts over.
    assert cents(sqs.price(sqs.SqsUsage(monthly_requests=700000), use1, free_tier=free.fresh())) == 0


def test_lambda_free_tier_shared_across_architectures(use1) -> None:
    free = FreeTier.from_catalog(use1)
    x86 = awslambda.LambdaUsage(monthly_requests=1000000, request_duration_ms=300, memory_mb=1024)
    arm = awslambda.LambdaUsage(monthly_requests=1000000, request_duration_ms=300, memory_mb=1024, architecture="arm64")
    first = awslambda.price(x86, use1, free_tier=free)
    second = awslambda.price(arm, use1, free_tier=free)
    assert line(first, "Duration (x86_64, free tier)").quantity == Decimal(300000)
    assert line(second, "Duration (arm64, free tier)").quantity == Decimal(100000)
    assert line(second, "Duration (arm64, first 7.5B GB-seconds)").quantity == Decimal(200000)
    assert not [x for x in second if x.item == "Requests (free tier)"]  # the 1M requests went to the first


def test_free_tier_off_by_default_and_lines_keep_gross_quantity(use1) -> None:
    usage = dynamodb.DynamoDbUsage(storage_gb=30)
    assert cents(dynamodb.price(usage, use1)) == usd("7.50")
    lines = dynamodb.price(usage, use1, free_tier=FreeTier.from_catalog(use1))
    assert sum(x.quantity for x in lines) == Decimal(30)  # free 25 GB + billable 5 GB
    assert cents(lines) == usd("1.25")
    assert all("gross 30 GB-month" in x.basis for x in lines)


def test_provisioned_capacity_free_tier(use1) -> None:
    # 25 WCU and 25 RCU are free: 30 WCU bill 5 × 730 hours.
    usage = dynamodb.DynamoDbUsage(capacity_mode="provisioned", write_capacity_units=30, read_capacity_units=10)
    lines = dynamodb.price(usage, use1, free_tier=FreeTier.from_catalog(use1))
    assert line(lines, "Write capacity").quantity == Decimal(3650)
    assert cents(lines) == to_cents(Decimal(3650) * Decimal("0.00065"))


def test_twelve_month_offers_only_when_asked(use1) -> None:
    always = FreeTier.from_catalog(use1)
    both = FreeTier.from_catalog(use1, include_12_month=True)
    assert always.allowance("apigateway.rest-requests") == 0
    assert both.allowance("apigateway.rest-requests") == Decimal(1000000)
    assert always.allowance("lambda.duration") == Decimal(400000)


def test_caller_basis_is_carried_on_lines(use1) -> None:
    basis = {"monthly_requests": "traffic.requests_per_month 10,000,000 × 1 message per request"}
    lines = sqs.price(sqs.SqsUsage(monthly_requests=10000000), use1, basis=basis)
    assert "traffic.requests_per_month 10,000,000 × 1 message per request" in lines[0].basis
    assert "usage.sqs.request_size_kb = 0" in lines[0].basis


# --- registry ------------------------------------------------------------------------------------------------


def test_registry_is_explicit_and_typed(use1) -> None:
    assert set(SERVICES) == {
        "lambda", "apigateway", "sqs", "sns", "dynamodb", "cloudwatch", "cloudtrail", "kms", "eventbridge",
        "stepfunctions", "s3", "backup", "dynamodb-exports", "data-transfer", "fargate", "xray", "route53", "cognito",
    }
    assert lookup("sqs").usage is sqs.SqsUsage
    lines = price_usage("sqs", sqs.SqsUsage(monthly_requests=1000000), use1)
    assert isinstance(lines[0], CostLine)
    with pytest.raises(TypeError):
        price_usage("sqs", sns.SnsUsage(), use1)
    with pytest.raises(KeyError, match="known"):
        lookup("identitypool")


def test_component_attribution(use1) -> None:
    (only,) = sqs.price(sqs.SqsUsage(monthly_requests=10), use1)
    tagged = only.for_component("queue:orders")
    assert tagged.component == "queue:orders" and only.component is None


def test_fargate_break_even_alternative(use1) -> None:
    # Two 0.5 vCPU / 1 GB x86 tasks behind an ALB for 730 hours: 730 h × (2 × 0.5 × $0.04048 + 2 × 1 ×
    # $0.004445) = $36.0402 + ALB $16.425 = $52.4652.
    lines = fargate.price(fargate.FargateUsage(), use1)
    assert cents(lines) == usd("52.47")
    assert {x.service for x in lines} == {"fargate", "alb"}
