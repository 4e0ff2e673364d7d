"""AWS's own published pricing examples, reproduced to the cent (US East (N. Virginia) prices).

Sources: the worked examples on https://aws.amazon.com/lambda/pricing/ (page text collected 2026-11) and
https://aws.amazon.com/api-gateway/pricing/ (page copy last_updated 2025-11-02). Each test quotes the example's
inputs and published figures. Where a case is marked "derived", the figure is arithmetic on the published
inputs with the free tier switched the other way, not a number printed on the page.
"""

from __future__ import annotations

from decimal import Decimal

from advisor.services.apigateway import pricing as apigateway
from advisor.services.awslambda import pricing as awslambda
from advisor.pricing.base import FreeTier, Month, to_cents, total

from .helpers import cents, line, usd

LAMBDA_PAGE = "https://aws.amazon.com/lambda/pricing/"
APIGW_PAGE = "https://aws.amazon.com/api-gateway/pricing/"


def lines_named(lines, prefix):
    return [x for x in lines if x.item.startswith(prefix)]


# --- Lambda pricing page -------------------------------------------------------------------------------------


def test_lambda_example_1_mobile_backend_free_tier_on(use1) -> None:
    # https://aws.amazon.com/lambda/pricing/ "Example 1: Mobile application backend": three million requests per
    # month, average duration 120 ms, 1536 MB, x86. "Total compute (GB-s) = 360,000 * 1536MB/1024 MB =
    # 540,000 GB-s"; "540,000 GB-s – 400,000 free tier GB-s = 140,000 GB-s"; "Monthly compute charges =
    # 140,000 * $0.0000166667 = $2.33"; "3 million requests – 1 million free tier requests = 2 million";
    # "Monthly request charges = 2M * $0.2/M = $0.40"; "Total charges = $2.33 + $0.40 = $2.73 per month".
    free = FreeTier.from_catalog(use1)
    usage = awslambda.LambdaUsage(monthly_requests=3000000, request_duration_ms=120, memory_mb=1536)
    lines = awslambda.price(usage, use1, free_tier=free)
    compute = line(lines, "Duration (x86_64, first 6B GB-seconds)")
    assert compute.quantity == Decimal(140000)
    assert cents(compute) == usd("2.33")
    assert line(lines, "Duration (x86_64, free tier)").quantity == Decimal(400000)
    requests = line(lines, "Requests")
    assert requests.quantity == Decimal(2000000)
    assert cents(requests) == usd("0.40")
    assert cents(lines) == usd("2.73")
    assert "free tier: 400,000 of 400,000 GB-seconds applied, gross 540,000 GB-seconds" in compute.basis


def test_lambda_example_1_mobile_backend_free_tier_off(use1) -> None:
    # Derived from the same example without the free tier: 540,000 GB-s × $0.0000166667 = $9.000018 -> $9.00;
    # 3M requests × $0.20/M = $0.60; total $9.60.
    usage = awslambda.LambdaUsage(monthly_requests=3000000, request_duration_ms=120, memory_mb=1536)
    lines = awslambda.price(usage, use1)
    assert cents(line(lines, "Duration (x86_64, first 6B GB-seconds)")) == usd("9.00")
    assert cents(line(lines, "Requests")) == usd("0.60")
    assert cents(lines) == usd("9.60")


def test_lambda_example_2_streaming_telemetry_no_free_tier(use1) -> None:
    # https://aws.amazon.com/lambda/pricing/ "Example 2: Enriching streaming telemetry": 10,000 vehicles emit once
    # an hour, "10,000 * 24 * 31 = 7,440,000 messages" (a 31-day month); 1 GB memory, two seconds, x86; no free
    # tier. "7.44M * $0.20/million = $1.488 ~= $1.49"; "14.88M GB-s * $0.0000166667 = $248.00";
    # "$1.49 + $248.00 = $249.49".
    month = Month.of_days(31)
    requests = Decimal(10000) * month.hours
    assert requests == Decimal(7440000)
    usage = awslambda.LambdaUsage(monthly_requests=requests, request_duration_ms=2000, memory_mb=1024)
    lines = awslambda.price(usage, use1, month=month)
    assert line(lines, "Requests").monthly_usd == Decimal("1.488")
    assert cents(line(lines, "Requests")) == usd("1.49")
    compute = line(lines, "Duration (x86_64, first 6B GB-seconds)")
    assert compute.quantity == Decimal(14880000)
    assert cents(compute) == usd("248.00")
    assert cents(lines) == usd("249.49")


def test_lambda_example_3_ephemeral_storage(use1) -> None:
    # https://aws.amazon.com/lambda/pricing/ "Example 3: Performing ML on customer support tickets": six million
    # requests, 280 ms, 4096 MB x86, 2048 MB ephemeral storage, free tier on. "6,720,000 GB-s – 400,000 free tier
    # GB-s = 6,320,000 GB-s"; "6,320,000 * $0.0000166667 = $105.33"; "5 million * $0.2/million = $1";
    # "Total billable ephemeral storage = 2048 MB – 512 MB = 1536 MB"; "1,680,000 * 1536 MB/1024 MB =
    # 2,520,000 GB-s"; "2,520,000 * $0.0000000309 = $0.08"; "$105.33 + $1 + $0.08 = $106.41 per month".
    free = FreeTier.from_catalog(use1)
    usage = awslambda.LambdaUsage(
        monthly_requests=6000000, request_duration_ms=280, memory_mb=4096, ephemeral_storage_mb=2048
    )
    lines = awslambda.price(usage, use1, free_tier=free)
    assert line(lines, "Duration (x86_64, first 6B GB-seconds)").quantity == Decimal(6320000)
    assert cents(line(lines, "Duration (x86_64, first 6B GB-seconds)")) == usd("105.33")
    assert cents(line(lines, "Requests")) == usd("1.00")
    storage = line(lines, "Ephemeral storage above 512 MB")
    assert storage.quantity == Decimal(2520000)
    assert cents(storage) == usd("0.08")
    assert cents(lines) == usd("106.41")


def test_lambda_ephemeral_storage_not_billed_at_512_mb(use1) -> None:
    # The same page: "512 MB of ephemeral storage is available to each Lambda function at no additional cost."
    usage = awslambda.LambdaUsage(monthly_requests=6000000, request_duration_ms=280, memory_mb=4096)
    assert not lines_named(awslambda.price(usage, use1), "Ephemeral")


def test_lambda_provisioned_concurrency_example_1_mobile_launch(use1) -> None:
    # https://aws.amazon.com/lambda/pricing/ Provisioned Concurrency "Example 1: Mobile application launch":
    # 3M requests a month, 1536 MB x86; provisioned concurrency 100 for 8 hours, during which 500,000 requests run
    # for 100 ms; the other 2.5M requests run for 120 ms without it. "150 GB * 28,800 seconds = 4,320,000 GB-s";
    # "4.32M GB-s * $0.0000041667 = $18"; "3,000,000 requests – 1M free tier requests = 2,000,000";
    # "2 * $0.20 = $0.40"; "75,000 GB-s * $0.0000097222 = $0.73"; "450,000 GB-s – 400,000 free tier GB-s =
    # 50,000 GB-s"; "50,000 * $0.0000166667 = $0.83"; "Total charges = $18 + $0.40 + $0.73 + $0.83 = $19.96".
    # Modelled as two usages sharing one free-tier ledger; the page notes the free tier does not apply to the
    # function while provisioned concurrency is enabled, and the request total is the same either way.
    free = FreeTier.from_catalog(use1)
    launch = awslambda.LambdaUsage(
        monthly_requests=500000,
        request_duration_ms=100,
        memory_mb=1536,
        provisioned_concurrency=100,
        provisioned_concurrency_hours=8,
    )
    rest = awslambda.LambdaUsage(monthly_requests=2500000, request_duration_ms=120, memory_mb=1536)
    lines = awslambda.price(launch, use1, free_tier=free) + awslambda.price(rest, use1, free_tier=free)
    pc = line(lines, "Provisioned concurrency (x86_64)")
    assert pc.quantity == Decimal(4320000)
    assert cents(pc) == usd("18.00")
    assert cents(lines_named(lines, "Requests")) == usd("0.40")
    assert sum(x.quantity for x in lines_named(lines, "Requests") if x.unit_price) == Decimal(2000000)
    under_pc = line(lines, "Duration under provisioned concurrency (x86_64)")
    assert under_pc.quantity == Decimal(75000)
    assert cents(under_pc) == usd("0.73")
    on_demand = line(lines, "Duration (x86_64, first 6B GB-seconds)")
    assert on_demand.quantity == Decimal(50000)
    assert cents(on_demand) == usd("0.83")
    assert cents(lines) == usd("19.96")


def test_lambda_provisioned_concurrency_example_2_cyber_monday(use1) -> None:
    # https://aws.amazon.com/lambda/pricing/ Provisioned Concurrency "Example 2: ... Cyber Monday": two million
    # requests in 24 hours with provisioned concurrency 7, 280 ms, 4,096 MB x86. "28 GB * 86,400 seconds =
    # 2,419,200 GB-s"; "2,419,200 GB-s * $0.0000041667 = $10.08"; "2,240,000 GB-s * $0.0000097222 = $21.78";
    # "2M * $0.2/M = $0.40" (no free tier); "$10.08 + $21.78 + $0.40 = $32.26".
    usage = awslambda.LambdaUsage(
        monthly_requests=2000000,
        request_duration_ms=280,
        memory_mb=4096,
        provisioned_concurrency=7,
        provisioned_concurrency_hours=24,
    )
    # Passing a ledger shows the free tier is not applied to a function with provisioned concurrency.
    free = FreeTier.from_catalog(use1)
    lines = awslambda.price(usage, use1, free_tier=free)
    assert cents(line(lines, "Provisioned concurrency (x86_64)")) == usd("10.08")
    assert line(lines, "Duration under provisioned concurrency (x86_64)").quantity == Decimal(2240000)
    assert cents(line(lines, "Duration under provisioned concurrency (x86_64)")) == usd("21.78")
    assert cents(line(lines, "Requests")) == usd("0.40")
    assert cents(lines) == usd("32.26")
    assert free.used("lambda.requests") == 0


def test_lambda_durable_functions_example_compute_arm64(use1) -> None:
    # https://aws.amazon.com/lambda/pricing/ Durable Functions "Pricing Example" (insurance claims, 1 GB Arm):
    # 1,000,000 executions × 32 s = 32,000,000 GB-s in "2 invocations (initial + after wait)" each;
    # "32,000,000 - 400,000 free tier = 31,600,000 GB-s"; "31,600,000 × $0.0000133334 = $421.34";
    # "2,000,000 - 1M free tier = 1,000,000"; "1M × $0.20/M = $0.20". (The durable-operation charges are not
    # Lambda compute and are not modelled here.) As a usage: 2M invocations averaging 16 s.
    free = FreeTier.from_catalog(use1)
    usage = awslambda.LambdaUsage(
        monthly_requests=2000000, request_duration_ms=16000, memory_mb=1024, architecture="arm64"
    )
    lines = awslambda.price(usage, use1, free_tier=free)
    compute = line(lines, "Duration (arm64, first 7.5B GB-seconds)")
    assert compute.quantity == Decimal(31600000)
    assert cents(compute) == usd("421.34")
    assert cents(line(lines, "Requests")) == usd("0.20")


def test_lambda_response_streaming_example_compute_and_requests(use1) -> None:
    # https://aws.amazon.com/lambda/pricing/ HTTP Response Stream "Pricing Example": three million requests,
    # 500 ms, 1536 MB x86, free tier on. "2,250,000 GB-s – 400,000 free tier GB-s = 1,850,000 GB-s";
    # "1,850,000 * $0.0000166667 = $30.83"; "2M * $0.2/M = $0.40". (Bytes streamed are not modelled.)
    free = FreeTier.from_catalog(use1)
    usage = awslambda.LambdaUsage(monthly_requests=3000000, request_duration_ms=500, memory_mb=1536)
    lines = awslambda.price(usage, use1, free_tier=free)
    assert cents(line(lines, "Duration (x86_64, first 6B GB-seconds)")) == usd("30.83")
    assert cents(line(lines, "Requests")) == usd("0.40")


def test_lambda_sqs_provisioned_mode_example_compute_and_requests(use1) -> None:
    # https://aws.amazon.com/lambda/pricing/ Provisioned Mode for ESM "Pricing Example 2" (SQS): 1M invocations a
    # day for 30 days, 1 s, 1,024 MB x86, no free tier: "30,000,000 * $0.0000166667 = $500";
    # "30M requests * $0.20 = $6". (The $74 of event poller units is not modelled.)
    month = Month.of_days(30)
    usage = awslambda.LambdaUsage(monthly_requests=1000000 * month.days, request_duration_ms=1000, memory_mb=1024)
    lines = awslambda.price(usage, use1, month=month)
    assert cents(line(lines, "Duration (x86_64, first 6B GB-seconds)")) == usd("500.00")
    assert cents(line(lines, "Requests")) == usd("6.00")


# --- API Gateway pricing page --------------------------------------------------------------------------------


def test_apigateway_http_example_1_tiers(use1) -> None:
    # https://aws.amazon.com/api-gateway/pricing/ HTTP APIs "Pricing Example 1": 10,000 page loads per minute,
    # requests of 12 KB; "10,000 page loads/minute * 60 minutes/hour * 24 hours/day * 30 days/month / 1,000,000 =
    # 432 million requests per month"; "300 million * $1.00/million = $300"; "132 million * $0.90/million =
    # $118.8"; "Total = $418.8 ($0.97 per million)". Free tier off.
    month = Month.of_days(30)
    requests = Decimal(10000) * month.minutes
    assert requests == Decimal(432000000)
    usage = apigateway.ApiGatewayUsage(type="http", monthly_requests=requests, request_size_kb=12)
    lines = apigateway.price(usage, use1, month=month)
    assert cents(line(lines, "HTTP API requests (first 300M requests)")) == usd("300.00")
    over = line(lines, "HTTP API requests (over 300M requests)")
    assert over.quantity == Decimal(132000000)
    assert cents(over) == usd("118.80")
    assert cents(lines) == usd("418.80")


def test_apigateway_http_example_1_with_12_month_free_tier(use1) -> None:
    # Derived: the 12-month free tier's 1M HTTP API calls come off the first tier: 299M × $1.00 + $118.80.
    free = FreeTier.from_catalog(use1, include_12_month=True)
    usage = apigateway.ApiGatewayUsage(type="http", monthly_requests=432000000, request_size_kb=12)
    lines = apigateway.price(usage, use1, free_tier=free)
    assert line(lines, "HTTP API requests (free tier)").quantity == Decimal(1000000)
    assert cents(line(lines, "HTTP API requests (first 300M requests)")) == usd("299.00")
    assert cents(lines) == usd("417.80")
    # The always-free ledger (the default) does not hold API Gateway's 12-month offer.
    always = FreeTier.from_catalog(use1)
    assert cents(apigateway.price(usage, use1, free_tier=always)) == usd("418.80")


def test_apigateway_http_example_2_512kb_metering(use1) -> None:
    # https://aws.amazon.com/api-gateway/pricing/ HTTP APIs "Pricing Example 2": 25 calls per minute uploading
    # 4.5 MB documents; "25 call/minute * 60 minutes/hour * 24 hours/day * 30 days/month * 4.5 MB/512 KB/request =
    # 9,720,000 requests per month * $1/million = $9.72".
    month = Month.of_days(30)
    usage = apigateway.ApiGatewayUsage(
        type="http", monthly_requests=Decimal(25) * month.minutes, request_size_kb=Decimal("4.5") * 1024
    )
    lines = apigateway.price(usage, use1, month=month)
    assert line(lines, "HTTP API requests (first 300M requests)").quantity == Decimal(9720000)
    assert cents(lines) == usd("9.72")


def test_apigateway_rest_example_5_million_calls_with_data_transfer(use1) -> None:
    # https://aws.amazon.com/api-gateway/pricing/ REST APIs, Edge Optimized and Regional: "five million API calls
    # per month, with each API call returning responses of 3 kilobytes (KB) in size with no caching";
    # "5 million * $3.50/million = $17.50"; "3 KB * 5 million = 15 million/KB = 14.3 GB"; "14.3 GB * $0.09 =
    # $1.29"; "Total Amazon API Gateway charges = $17.50 + $1.29 = $18.79". Free tier off.
    usage = apigateway.ApiGatewayUsage(type="rest", monthly_requests=5000000, response_size_kb=3)
    lines = apigateway.price(usage, use1)
    assert cents(line(lines, "REST API requests (first 333M requests)")) == usd("17.50")
    transfer = line(lines, "Data transfer out to the internet (first 10,240 GB)")
    assert transfer.service == "data-transfer"
    assert to_cents(transfer.quantity) == usd("14.31")  # 15,000,000 KB / 1024² GB; the page shows 14.3
    assert cents(transfer) == usd("1.29")
    assert cents(lines) == usd("18.79")


def test_apigateway_rest_example_5_million_calls_free_tier_on(use1) -> None:
    # Derived: with the always-free 100 GB of data transfer out, the 14.3 GB cost nothing; the REST free tier is a
    # 12-month offer, so the always-free ledger leaves the $17.50 of calls.
    free = FreeTier.from_catalog(use1)
    usage = apigateway.ApiGatewayUsage(type="rest", monthly_requests=5000000, response_size_kb=3)
    lines = apigateway.price(usage, use1, free_tier=free)
    assert cents(lines) == usd("17.50")
    assert line(lines, "Data transfer out to the internet (free tier)").unit_price == 0


def test_apigateway_rest_example_15_billion_calls_tiers(use1) -> None:
    # https://aws.amazon.com/api-gateway/pricing/ REST APIs: "15 billion API calls per month, with each API call
    # returning responses of 4 kilobytes (KB)"; "333 million * $3.50/million = $1,165.50"; "667 million *
    # $2.80/million = $1,867.60"; "14 billion * $2.38/million = $33,320.00"; "Total Amazon API call charges =
    # ... $36,353.10"; "Total size of data transfers = 4 KB * 15 billion = 57,220.46 GB"; "57,220.46 GB * $0.09 =
    # $5,149.84".
    usage = apigateway.ApiGatewayUsage(type="rest", monthly_requests=15000000000, response_size_kb=4)
    lines = apigateway.price(usage, use1)
    api = [x for x in lines if x.service == "apigateway"]
    assert cents(line(api, "REST API requests (first 333M requests)")) == usd("1165.50")
    assert cents(line(api, "REST API requests (next 667M requests)")) == usd("1867.60")
    assert line(api, "REST API requests (next 19B requests)").quantity == Decimal(14000000000)
    assert cents(line(api, "REST API requests (next 19B requests)")) == usd("33320.00")
    assert cents(api) == usd("36353.10")
    transfer = [x for x in lines if x.service == "data-transfer"]
    gigabytes = sum(x.quantity for x in transfer)
    assert to_cents(gigabytes) == usd("57220.46")
    # The page prices all 57 TB at the first-tier $0.09; the EC2 data transfer tiers it links to bill the GB
    # above 10 TB at $0.085 and above 50 TB at $0.07, which is what the catalog does.
    assert to_cents(gigabytes * Decimal("0.09")) == usd("5149.84")
    assert cents(transfer) == usd("4824.63")
    assert to_cents(total(api)) + cents(transfer) == usd("41177.73")


def test_apigateway_cache_example(use1) -> None:
    # https://aws.amazon.com/api-gateway/pricing/ "Pricing Example with Caching Required (US East, US West,
    # EU (Ireland))": "If your API needs 1.5 GB of cache for its data, you can provision a 1.6 GB cache at
    # $0.038/hr. $0.038 * 24 = $0.912/day".
    usage = apigateway.ApiGatewayUsage(type="rest", cache_size_gb=Decimal("1.6"), cache_hours=24)
    lines = apigateway.price(usage, use1)
    assert line(lines, "Cache (1.6 GB)").monthly_usd == Decimal("0.912")
    # A 30-day month of the same cache: 720 hours × $0.038.
    month = Month.of_days(30)
    monthly = apigateway.price(apigateway.ApiGatewayUsage(type="rest", cache_size_gb="1.6"), use1, month=month)
    assert cents(monthly) == usd("27.36")


def test_apigateway_websocket_chat_example(use1) -> None:
    # https://aws.amazon.com/api-gateway/pricing/ WebSocket APIs, "Chat Application: 1000 users are connected to
    # the chat application for 12 hours in a day. Each user sends 100 messages and receives 500 messages per day.
    # Each message size is 3KB." "(100 (sent msgs) + 500 (received msgs)) * 1000 (users) * 30 (days) = 18M";
    # "18,000,000/1,000,000 * $1.00 (per million) = $18"; "1000 (users) * 12 (hrs) * 60 (mins) * 30 (days) =
    # 21,600,000"; "21,600,000/1,000,000 * 0.25 (cost per million) = $5.40"; "Total Cost = $18 ... + $5.40 ... =
    # $23.40".
    days = Month.of_days(30).days
    usage = apigateway.ApiGatewayUsage(
        type="websocket",
        monthly_messages=(100 + 500) * 1000 * days,
        message_size_kb=3,
        monthly_connection_mins=1000 * 12 * 60 * days,
    )
    lines = apigateway.price(usage, use1)
    assert cents(line(lines, "WebSocket messages (first 1B messages)")) == usd("18.00")
    assert cents(line(lines, "WebSocket connection minutes")) == usd("5.40")
    assert cents(lines) == usd("23.40")


def test_apigateway_websocket_chat_example_with_12_month_free_tier(use1) -> None:
    # Derived: 1M messages and 750,000 connection minutes free: 17M × $1.00/M + 20.85M × $0.25/M = $22.2125.
    free = FreeTier.from_catalog(use1, include_12_month=True)
    usage = apigateway.ApiGatewayUsage(
        type="websocket", monthly_messages=18000000, message_size_kb=3, monthly_connection_mins=21600000
    )
    assert cents(apigateway.price(usage, use1, free_tier=free)) == usd("22.21")


def test_apigateway_websocket_33kb_message_is_two(use1) -> None:
    # https://aws.amazon.com/api-gateway/pricing/: "Messages are metered in 32 KB increments. So, a 33 KB message is
    # metered as two messages."
    usage = apigateway.ApiGatewayUsage(type="websocket", monthly_messages=1000000, message_size_kb=33)
    assert line(apigateway.price(usage, use1), "WebSocket messages (first 1B messages)").quantity == Decimal(2000000)


# X-Ray, Route 53 and CloudWatch dashboards, checked against the unit prices their pricing pages state.
def test_xray_traces_after_the_free_tier(use1) -> None:
    # https://aws.amazon.com/xray/pricing/: $5.00 per million traces recorded after 100,000 free;
    # $0.50 per million retrieved after 1,000,000 free. 2M recorded -> 1.9M billed = $9.50;
    # 3M retrieved -> 2M billed = $1.00.
    from decimal import Decimal

    from advisor.services.xray import pricing as xray
    from advisor.pricing.base import FreeTier, total

    lines = xray.price(xray.XRayUsage(monthly_traces_recorded=2_000_000, monthly_traces_retrieved=3_000_000), use1,
                       free_tier=FreeTier.from_catalog(use1))
    assert total(lines) == Decimal("10.50")
    assert xray.sampled_traces(Decimal(10_000_000)) == Decimal(2_628_000) + Decimal(7_372_000) * Decimal("0.05")


def test_route53_latency_records_with_health_checks(use1) -> None:
    # https://aws.amazon.com/route53/pricing/: one hosted zone $0.50, 5M latency queries at $0.60/M = $3.00,
    # 2 health checks of AWS endpoints at $0.50 = $1.00 (free tier off) -> $4.50.
    from decimal import Decimal

    from advisor.services.route53 import pricing as route53
    from advisor.pricing.base import total

    usage = route53.Route53Usage(hosted_zones=1, monthly_latency_queries=5_000_000, health_checks=2)
    assert total(route53.price(usage, use1)) == Decimal("4.50")


def test_cloudwatch_dashboards(use1) -> None:
    # https://aws.amazon.com/cloudwatch/pricing/: $3.00 per dashboard per month, 3 free -> 4 dashboards = $3.00.
    from decimal import Decimal

    from advisor.services.cloudwatch import pricing as cloudwatch
    from advisor.pricing.base import FreeTier, total

    lines = cloudwatch.price(cloudwatch.CloudWatchUsage(dashboards=4), use1, free_tier=FreeTier.from_catalog(use1))
    assert total(lines) == Decimal("3.00")
    assert total(cloudwatch.price(cloudwatch.CloudWatchUsage(dashboards=4), use1)) == Decimal("12.00")
