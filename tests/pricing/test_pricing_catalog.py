"""The bundled price catalogs are well-formed, and missing regions or prices are errors, never zeros."""

from __future__ import annotations

import json
from decimal import Decimal
from importlib.resources import files
from pathlib import Path

import pytest

from advisor.services.apigateway import pricing as apigateway
from advisor.services.awslambda import pricing as awslambda
from advisor.services.sqs import pricing as sqs
from advisor.pricing.base import CostLine
from advisor.pricing.catalog import bundled_regions, load_catalog, parse_catalog
from advisor.pricing.errors import CatalogError, PriceNotFound

# uniform.json holds the prices AWS states for every Region; it is no Region's catalog.
BUNDLED = sorted(p.name for p in (files("advisor.pricing") / "prices").iterdir()
                 if p.name.endswith(".json") and p.name != "uniform.json")
REQUIRED_EVERYWHERE = ("data-transfer.internet-out",)
# Regions a workload runs in carry the request path's prices; recovery Regions may carry only what
# replicas and backup copies need.
PRIMARY_REGIONS = ("us-east-1", "eu-west-1", "eu-central-1", "ap-southeast-1")
REQUIRED_IN_PRIMARY = ("lambda.requests", "lambda.duration-x86_64")
US_EAST_1_SERVICES = (
    "lambda", "apigateway", "sqs", "sns", "dynamodb", "cloudwatch", "cloudtrail", "kms", "eventbridge",
    "stepfunctions", "s3", "backup", "data-transfer", "fargate", "alb", "xray", "route53", "cognito", "vpc",
)


def raw(name: str) -> dict:
    return json.loads((files("advisor.pricing") / "prices" / name).read_text(encoding="utf-8"))


def test_bundled_regions() -> None:
    assert BUNDLED == [f"{region}.json" for region in sorted((
        "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-west-1", "eu-west-2", "eu-central-1",
        "eu-north-1", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "ap-south-1", "sa-east-1"))]
    assert bundled_regions() == [name.removesuffix(".json") for name in BUNDLED]


@pytest.mark.parametrize("name", BUNDLED)
def test_catalog_file_is_well_formed(name: str) -> None:
    data = raw(name)
    assert data["region"] == name.removesuffix(".json")
    assert data["currency"] == "USD"
    assert data["source"] and data["as_of"]
    for key, price in data["prices"].items():
        assert set(price) <= {"unit", "tiers", "source", "as_of", "note"}, key
        assert price["unit"] and price["source"] and len(price["as_of"]) == 10, key
        begin = Decimal(0)
        for index, tier in enumerate(price["tiers"]):
            # Decimal numbers are strings so that no price passes through a float.
            assert all(isinstance(tier[k], str) for k in ("begin", "usd")), key
            assert Decimal(tier["begin"]) == begin, f"{key}: tiers must be contiguous and ascending"
            assert Decimal(tier["usd"]) >= 0, key
            if tier["end"] is None:
                assert index == len(price["tiers"]) - 1, f"{key}: only the top tier is open-ended"
            else:
                assert isinstance(tier["end"], str) and Decimal(tier["end"]) > begin, key
                begin = Decimal(tier["end"])
    for key, allowance in data["free_tier"].items():
        assert allowance["scope"] in ("always", "12-month"), key
        assert allowance["source"] and allowance["unit"] and Decimal(allowance["quantity"]) > 0, key
    catalog = load_catalog(data["region"])
    for key in REQUIRED_EVERYWHERE:
        assert catalog.has(key), key
    if data["region"] in PRIMARY_REGIONS:
        for key in REQUIRED_IN_PRIMARY:
            assert catalog.has(key), key


def test_us_east_1_covers_every_service() -> None:
    catalog = load_catalog("us-east-1")
    services = {key.split(".")[0] for key in catalog.prices}
    assert services == set(US_EAST_1_SERVICES)


def test_other_regions_cover_the_core_services_they_source() -> None:
    euw1 = load_catalog("eu-west-1")
    for key in ("sqs.standard-requests", "apigateway.http-requests", "sns.publishes", "dynamodb.write-request-units",
                "cloudwatch.logs-ingest"):
        assert euw1.has(key), key
    assert load_catalog("eu-central-1").has("dynamodb.read-request-units")
    assert load_catalog("ap-southeast-1").has("cloudwatch.logs-ingest")


def test_a_commercial_region_without_a_catalog_is_priced_at_us_east_1_and_marked() -> None:
    # af-south-1 has no bundled catalog: every price is us-east-1's, each entry marked with the Region it
    # stands in for, so lines and totals can say the estimate is approximate.
    catalog = load_catalog("af-south-1")
    assert not catalog.prices
    entry = catalog.price("lambda.requests")
    assert (entry.region, entry.used_in) == ("us-east-1", "af-south-1")
    assert entry.unit_price == load_catalog("us-east-1").price("lambda.requests").unit_price


def test_another_partition_never_falls_back_and_names_the_remedy() -> None:
    # China prices are in another currency: no us-east-1 stand-in, an error with the remedy instead.
    with pytest.raises(PriceNotFound) as info:
        load_catalog("cn-north-1")
    error = info.value
    assert error.exit_code == 2
    assert "cn-north-1" in str(error)
    assert "advisor prices update --region cn-north-1" in error.hint


def test_not_a_region_code_is_rejected_without_touching_files() -> None:
    with pytest.raises(PriceNotFound) as info:
        load_catalog("../../etc/passwd")
    assert "not an AWS region code" in str(info.value)


def test_missing_price_names_key_region_and_remedy(use1) -> None:
    with pytest.raises(PriceNotFound) as info:
        use1.price("lambda.no-such-thing")
    message = str(info.value)
    assert "lambda.no-such-thing" in message and "us-east-1" in message and "advisor prices update" in message


def test_a_price_missing_in_a_region_is_us_east_1s_marked_never_zero(tmp_path: Path) -> None:
    # A catalog for eu-west-1 with one price of its own: a queue there is priced at us-east-1's SQS price, and
    # the line names both Regions; the key it has is its own.
    data = minimal()
    data["region"] = "eu-west-1"
    (tmp_path / "eu-west-1.json").write_text(json.dumps(data))
    catalog = load_catalog("eu-west-1", tmp_path)
    assert catalog.price("x.y").used_in is None and catalog.price("x.y").region == "eu-west-1"
    [line] = sqs.price(sqs.SqsUsage(monthly_requests=1000), catalog)
    assert (line.region, line.price_region, line.price_key) == ("eu-west-1", "us-east-1", "sqs.standard-requests")
    assert line.unit_price == load_catalog("us-east-1").price("sqs.standard-requests").tiers[0].price > 0


def test_unused_features_do_not_need_prices() -> None:
    # eu-west-1 has no WebSocket prices, but a REST API there prices fine.
    catalog = load_catalog("eu-west-1")
    lines = apigateway.price(apigateway.ApiGatewayUsage(type="rest", monthly_requests=1000000), catalog)
    assert [x.item for x in lines] == ["REST API requests (first 333M requests)"]


def test_quantity_above_the_top_bundled_tier_is_an_error() -> None:
    # eu-central-1 bundles only the first Lambda duration tier (6B GB-seconds).
    catalog = load_catalog("eu-central-1")
    usage = awslambda.LambdaUsage(monthly_requests=7000000000, request_duration_ms=1000, memory_mb=1024)
    with pytest.raises(PriceNotFound, match="no tier above 6,000,000,000 GB-seconds"):
        awslambda.price(usage, catalog)


def test_catalog_from_a_directory_and_from_a_file(tmp_path: Path) -> None:
    text = (files("advisor.pricing") / "prices" / "eu-west-1.json").read_text(encoding="utf-8")
    (tmp_path / "eu-west-1.json").write_text(text)
    from_dir = load_catalog("eu-west-1", tmp_path)
    from_file = load_catalog("eu-west-1", tmp_path / "eu-west-1.json")
    assert from_dir.prices == from_file.prices == load_catalog("eu-west-1").prices
    with pytest.raises(PriceNotFound, match="us-east-1"):
        load_catalog("us-east-1", tmp_path)
    with pytest.raises(CatalogError, match="declares region"):
        load_catalog("us-west-2", tmp_path / "eu-west-1.json")


def minimal(**price) -> dict:
    entry = {"unit": "requests", "tiers": [{"begin": "0", "end": None, "usd": "0.1"}], "source": "s", "as_of": "2026-01-01"}
    entry.update(price)
    return {"region": "us-east-1", "currency": "USD", "as_of": "2026-01-01", "source": "test", "prices": {"x.y": entry}}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"tiers": [{"begin": "0", "end": None, "usd": 0.1}]}, "decimal string"),
        ({"tiers": [{"begin": "0", "end": "10", "usd": "1"}, {"begin": "20", "end": None, "usd": "1"}]}, "contiguous"),
        ({"tiers": [{"begin": "0", "end": None, "usd": "1"}, {"begin": "10", "end": None, "usd": "1"}]}, "open-ended"),
        ({"tiers": [{"begin": "0", "end": "0", "usd": "1"}]}, "must be above"),
        ({"tiers": []}, "non-empty"),
        ({"source": ""}, "source"),
        ({"as_of": "yesterday"}, "YYYY-MM-DD"),
        ({"unit": None}, "unit"),
    ],
)
def test_malformed_catalogs_are_rejected(change: dict, message: str) -> None:
    with pytest.raises(CatalogError, match=message):
        parse_catalog(minimal(**change))


def test_catalog_dates_are_recorded(use1) -> None:
    assert use1.as_of == "2026-11-28"
    entry = use1.price("lambda.duration-arm64")
    assert entry.as_of and "lambda_function_test" in entry.source
    assert [t.price for t in entry.tiers] == [Decimal("0.0000133334"), Decimal("0.0000120001"), Decimal("0.0000106667")]


def test_every_line_is_quantity_times_unit_price(use1) -> None:
    from advisor.pricing.registry import SERVICES

    samples = {
        "lambda": {"monthly_requests": 5000000, "request_duration_ms": 250, "memory_mb": 1024, "ephemeral_storage_mb": 1024},
        "apigateway": {"type": "http", "monthly_requests": 400000000, "request_size_kb": 600, "response_size_kb": 2},
        "sqs": {"monthly_requests": 3000000, "request_size_kb": 100},
        "sns": {"monthly_requests": 2000000, "http_subscriptions": 2, "sqs_subscriptions": 3, "lambda_subscriptions": 1},
        "dynamodb": {"monthly_write_request_units": 10, "monthly_read_request_units": 20, "storage_gb": 30,
                     "monthly_streams_read_request_units": 5, "streams_consumed_by_lambda": True},
        "cloudwatch": {"monthly_data_ingested_gb": 6, "storage_gb": 7, "custom_metrics": 12000, "standard_alarms": 12,
                       "composite_alarms": 1, "dashboards": 4},
        "cloudtrail": {"monthly_data_events": 1},
        "kms": {"keys": 2, "monthly_requests": 30000},
        "eventbridge": {"monthly_custom_events": 10, "event_size_kb": 100, "monthly_pipes_requests": 5,
                        "monthly_scheduler_invocations": 15000000},
        "stepfunctions": {"type": "standard", "monthly_transitions": 5000},
        "s3": {"storage_gb": 60000, "monthly_put_requests": 10, "monthly_get_requests": 10},
        "backup": {"warm_storage_gb": 5, "monthly_cross_region_copy_gb": 5},
        "dynamodb-exports": {"monthly_full_export_gb": 10, "monthly_incremental_export_gb": "0.5",
                             "monthly_imported_gb": 10, "monthly_exporter_runs": "91.25", "alarms": 1},
        "data-transfer": {"monthly_outbound_internet_gb": 200},
        "fargate": {"tasks": 2, "vcpu": "0.5", "memory_gb": 1, "load_balancer_lcu": 1},
        "xray": {"monthly_traces_recorded": 2000000, "monthly_traces_retrieved": 3000000},
        "route53": {"hosted_zones": 1, "monthly_latency_queries": 5000000, "health_checks": 60},
        "cognito": {"monthly_active_users": 2000000, "tier": "lite"},
    }
    from advisor.pricing.base import FreeTier

    free = FreeTier.from_catalog(use1)
    for service, entry in SERVICES.items():
        lines = entry.price(entry.usage(**samples[service]), use1, free_tier=free)
        assert lines, service
        for item in lines:
            assert isinstance(item, CostLine)
            assert item.monthly_usd == item.quantity * item.unit_price, (service, item.item)
            assert item.basis and item.unit, (service, item.item)
            assert all(isinstance(v, Decimal) for v in (item.quantity, item.unit_price, item.monthly_usd))


def test_a_replica_in_a_region_without_prices_is_marked(use1) -> None:
    # Replicated writes are billed at the replica Region's price; af-south-1 has no catalog, so the line is
    # priced at us-east-1's and says where the replica runs and whose price it used.
    from advisor.services.dynamodb import pricing as dynamodb

    usage = dynamodb.DynamoDbUsage(monthly_write_request_units=1000, replica_regions=("af-south-1",))
    replica = next(x for x in dynamodb.price(usage, use1) if "af-south-1" in x.item)
    assert (replica.region, replica.price_region) == ("af-south-1", "us-east-1")


def test_reloading_after_a_catalog_file_changes(tmp_path: Path) -> None:
    from advisor.pricing.catalog import clear_catalog_cache

    data = minimal()
    data["region"] = "us-west-2"
    (tmp_path / "us-west-2.json").write_text(json.dumps(data))
    assert load_catalog("us-west-2", tmp_path).price("x.y").unit_price == Decimal("0.1")
    data["prices"]["x.y"]["tiers"][0]["usd"] = "0.2"
    (tmp_path / "us-west-2.json").write_text(json.dumps(data))
    clear_catalog_cache()
    assert load_catalog("us-west-2", tmp_path).price("x.y").unit_price == Decimal("0.2")


def test_decimal_text_for_json() -> None:
    from advisor.pricing.base import decimal_text

    assert decimal_text(Decimal("2E-7")) == "0.0000002"
    assert decimal_text(Decimal("0.4000000")) == "0.4000000"
    assert decimal_text(Decimal("1E+3")) == "1000"


@pytest.mark.parametrize("tiers", [
    (("0", None, "0.0000004"),),
    (("0", "2000000", "0.0000004"), ("2000000", None, "0.0000002")),
    (("0", "1000000", "0.0000004"), ("1000000", None, "0.0000002")),  # 1E+6 fills the first tier exactly
], ids=["one tier", "within the first of two", "all of the first of two"])
def test_first_tier_lines_read_as_the_general_path_reads_them(tiers) -> None:
    # A quantity that the first tier holds takes a short path; it must come out as the tier loop
    # gives it, name included, and in plain form (`1000000`, not `1E+6`), or a sweep point's JSON
    # changes with the path taken.
    from advisor.pricing.base import FreeTier, Tier, decimal_text, priced_lines
    from advisor.pricing.catalog import PriceEntry

    entry = PriceEntry("x.requests", "us-east-1", "requests", tuple(
        Tier(Decimal(b), None if e is None else Decimal(e), Decimal(p)) for b, e, p in tiers), "s", "d")
    for qualifier in (None, "standard"):
        short = priced_lines(service="x", item="Requests", quantity=Decimal("1E+6"), entry=entry, basis="b",
                             qualifier=qualifier)
        # A ledger with no allowance for the key grants nothing, but sends the line through the tier loop.
        general = priced_lines(service="x", item="Requests", quantity=Decimal("1E+6"), entry=entry, basis="b",
                               qualifier=qualifier, free_tier=FreeTier({}), free_key="x.requests")
        assert [decimal_text(line.quantity) for line in short] == ["1000000"]
        assert short == general
        assert str(short[0].quantity) == str(general[0].quantity) == "1000000"
