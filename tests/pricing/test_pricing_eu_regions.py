"""The bundled catalogs of the two EU Regions a serverless architecture is most often priced in: eu-west-1 and eu-central-1.

Each price carries a source for that Region (or, marked [derived], a documented rule applied to one). A price
without a citable source for the Region is left out, so pricing it raises `PriceNotFound` naming the key and the
Region; `advisor prices update` fills it. The free tiers are the same in every Region and are copied from
us-east-1 with their sources.
"""

from __future__ import annotations

import json
from decimal import Decimal
from importlib.resources import files

import pytest

from advisor.services.dynamodb import pricing as dynamodb
from advisor.services.kms import pricing as kms
from advisor.services.s3 import pricing as s3
from advisor.services.sqs import pricing as sqs
from advisor.pricing.catalog import load_catalog, parse_catalog
from advisor.pricing.errors import PriceNotFound

from .helpers import cents, line, usd

EU_REGIONS = ("eu-west-1", "eu-central-1")

# The keys each catalog must hold: the sourced prices of a serverless architecture in that Region.
EU_WEST_1_KEYS = (
    "dynamodb.write-request-units",
    "dynamodb.read-request-units",
    "dynamodb.replicated-write-request-units",
    "dynamodb.write-capacity-unit-hours",
    "dynamodb.read-capacity-unit-hours",
    "dynamodb.storage",
    "dynamodb.pitr-storage",
    "sqs.standard-requests",
    "sqs.fifo-requests",
    "sns.publishes",
    "sns.lambda-deliveries",
    "sns.sqs-deliveries",
    "lambda.requests",
    "lambda.duration-x86_64",
    "lambda.duration-arm64",
    "apigateway.rest-requests",
    "apigateway.http-requests",
    "kms.keys",
    "cloudwatch.logs-ingest",
    "cloudwatch.logs-storage",
    "cloudwatch.alarms-standard",
    "cloudwatch.metrics",
    "eventbridge.custom-events",
    "s3.standard-storage",
    "s3.put-requests",
    "s3.get-requests",
    "data-transfer.internet-out",
    "data-transfer.inter-region-out",
)
EU_CENTRAL_1_KEYS = (
    "dynamodb.write-request-units",
    "dynamodb.read-request-units",
    "dynamodb.replicated-write-request-units",
    "sns.lambda-deliveries",
    "sns.sqs-deliveries",
    "lambda.requests",
    "lambda.duration-x86_64",
    "lambda.duration-arm64",
    "apigateway.rest-requests",
    "kms.keys",
    "cloudwatch.logs-ingest",
    "s3.standard-storage",
    "s3.put-requests",
    "s3.get-requests",
    "data-transfer.internet-out",
    "data-transfer.inter-region-out",
)
REQUIRED = {"eu-west-1": EU_WEST_1_KEYS, "eu-central-1": EU_CENTRAL_1_KEYS}


@pytest.mark.parametrize("region", EU_REGIONS)
def test_eu_catalog_loads_and_parses(region: str) -> None:
    text = (files("advisor.pricing") / "prices" / f"{region}.json").read_text(encoding="utf-8")
    parsed = parse_catalog(json.loads(text))
    catalog = load_catalog(region)
    assert parsed.region == catalog.region == region
    assert catalog.currency == "USD"
    # The file's own keys, plus the prices AWS states once for every Region.
    uniform = json.loads((files("advisor.pricing") / "prices" / "uniform.json").read_text(encoding="utf-8"))
    assert set(catalog.prices) == set(parsed.prices) | set(uniform["prices"])
    for key, entry in catalog.prices.items():
        assert entry.source.strip() and entry.as_of, key
        assert all(t.price >= 0 for t in entry.tiers), key


@pytest.mark.parametrize("region", EU_REGIONS)
def test_eu_catalog_has_the_sourced_keys_with_us_east_1_units(region: str) -> None:
    catalog = load_catalog(region)
    use1 = load_catalog("us-east-1")
    missing = [key for key in REQUIRED[region] if not catalog.has(key)]
    assert not missing, missing
    for key, entry in catalog.prices.items():
        assert use1.has(key), f"{key} is not a us-east-1 key"
        assert entry.unit == use1.price(key).unit, key


@pytest.mark.parametrize("region", EU_REGIONS)
def test_eu_free_tier_is_us_east_1_s(region: str) -> None:
    catalog = load_catalog(region)
    use1 = load_catalog("us-east-1")
    assert dict(catalog.free_tier) == dict(use1.free_tier)


@pytest.mark.parametrize("region", EU_REGIONS)
def test_eu_replicated_writes_cost_what_the_region_s_writes_cost(region: str) -> None:
    # global-tables-billing.html: rWRUs are priced the same as single-Region WRUs.
    catalog = load_catalog(region)
    wru = catalog.price("dynamodb.write-request-units").unit_price
    assert catalog.price("dynamodb.replicated-write-request-units").unit_price == wru


def test_eu_west_1_sqs_and_dynamodb_with_pitr() -> None:
    # 1,000,000 standard SQS requests (64 KB or less) and a 10 GB on-demand table with PITR, in eu-west-1,
    # no free tier applied:
    #   SQS      1,000,000 × $0.0000004 = $0.40
    #   storage  10 GB × $0.283         = $2.83
    #   PITR     10 GB × $0.22          = $2.20
    #   total                             $5.43
    catalog = load_catalog("eu-west-1")
    queue = sqs.price(sqs.SqsUsage(monthly_requests=1_000_000), catalog)
    assert cents(queue) == usd("0.40")
    table = dynamodb.price(dynamodb.DynamoDbUsage(storage_gb=10, pitr_backup_storage_gb=10), catalog)
    assert line(table, "Data storage").monthly_usd == Decimal("2.83")
    assert line(table, "Point-in-time recovery backup storage").monthly_usd == Decimal("2.20")
    assert cents(queue + table) == usd("5.43")


def test_eu_west_1_provisioned_table() -> None:
    # 10 WCU and 10 RCU provisioned for a 730-hour month, no free tier:
    #   10 × 730 × $0.000735 = $5.3655 → $5.37;  10 × 730 × $0.000147 = $1.0731 → $1.07
    catalog = load_catalog("eu-west-1")
    usage = dynamodb.DynamoDbUsage(capacity_mode="provisioned", write_capacity_units=10, read_capacity_units=10)
    lines = dynamodb.price(usage, catalog)
    assert cents(lines) == usd("6.44")


def test_eu_central_1_bucket_and_on_demand_table() -> None:
    # In eu-central-1: a bucket with 10 GB in S3 Standard, 10,000 PUTs and 100,000 GETs, and an on-demand
    # table doing 1,000,000 WRU and 4,000,000 RRU, no free tier applied:
    #   storage  10 GB × $0.0245              = $0.245
    #   PUT      10,000 × $0.0000054          = $0.054
    #   GET      100,000 × $0.00000043        = $0.043
    #   WRU      1,000,000 × $0.0000007625    = $0.7625
    #   RRU      4,000,000 × $0.0000001525    = $0.61
    #   total                                   $1.7145 → $1.71
    catalog = load_catalog("eu-central-1")
    bucket = s3.price(s3.S3Usage(storage_gb=10, monthly_put_requests=10_000, monthly_get_requests=100_000), catalog)
    assert line(bucket, "Standard storage").monthly_usd == Decimal("0.245")
    assert line(bucket, "PUT, COPY, POST, LIST requests").monthly_usd == Decimal("0.054")
    assert line(bucket, "GET and other requests").monthly_usd == Decimal("0.043")
    table = dynamodb.price(
        dynamodb.DynamoDbUsage(monthly_write_request_units=1_000_000, monthly_read_request_units=4_000_000), catalog
    )
    assert line(table, "Write request units").monthly_usd == Decimal("0.7625")
    assert line(table, "Read request units").monthly_usd == Decimal("0.61")
    assert cents(bucket + table) == usd("1.71")


def test_eu_west_1_table_replicated_into_eu_central_1() -> None:
    # An on-demand table in eu-west-1 writing 1,000,000 WRU, with a replica in eu-central-1:
    #   primary  1,000,000 × $0.000000705  = $0.705
    #   replica  1,000,000 × $0.0000007625 = $0.7625 (eu-central-1's WRU price, per global-tables-billing.html)
    usage = dynamodb.DynamoDbUsage(monthly_write_request_units=1_000_000, replica_regions=("eu-central-1",))
    lines = dynamodb.price(usage, load_catalog("eu-west-1"))
    assert line(lines, "Write request units").monthly_usd == Decimal("0.705")
    assert line(lines, "Replicated write request units (eu-central-1)").monthly_usd == Decimal("0.7625")


@pytest.mark.parametrize("region", EU_REGIONS)
def test_eu_kms_key_is_a_dollar_a_month_and_unsourced_requests_are_an_error(region: str) -> None:
    catalog = load_catalog(region)
    assert cents(kms.price(kms.KmsUsage(keys=2), catalog)) == usd("2.00")
    # Never a silent zero: requests are priced at the Region's own price, or at us-east-1's marked as such.
    lines = kms.price(kms.KmsUsage(keys=1, monthly_requests=100_000), catalog)
    requests = next(x for x in lines if x.price_key == "kms.requests")
    assert requests.unit_price > 0 and requests.region == region
    assert requests.price_region == (region if "kms.requests" in catalog.prices else "us-east-1")


def test_eu_central_1_dynamodb_storage_is_never_a_zero() -> None:
    # Storage is priced at eu-central-1's own price when the catalog has it, else at us-east-1's, marked.
    catalog = load_catalog("eu-central-1")
    usage = dynamodb.DynamoDbUsage(storage_gb=10, pitr_backup_storage_gb=10)
    for x in dynamodb.price(usage, catalog):
        assert x.unit_price > 0 and x.region == "eu-central-1"
        assert x.price_region == ("eu-central-1" if x.price_key in catalog.prices else "us-east-1")
