"""The bundled catalogs of the 14 Regions, and the uniform prices every one of them takes.

A Region's file holds the prices sourced for that Region; `uniform.json` holds the few prices AWS states once
for every Region. Loading a Region adds the uniform ones it does not give itself, as its own; nothing else
comes from another Region, so a key with no source for the Region stays missing.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from importlib.resources import files
from pathlib import Path

import pytest

from advisor.pricing.catalog import bundled_regions, clear_catalog_cache, load_catalog
from advisor.pricing.errors import PriceNotFound

REGIONS = (
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-west-1", "eu-west-2", "eu-central-1",
    "eu-north-1", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "ap-south-1", "sa-east-1",
)
# The one key a Region has and us-east-1 does not (no us-east-1 source found), in the unit of its kind.
NOT_IN_US_EAST_1 = {"dynamodb.replicated-write-capacity-unit-hours": "rWCU-hours"}
# What the sources price in every one of the 14 Regions: a serverless request path, its storage, data transfer.
EVERYWHERE = (
    "alb.hours", "apigateway.http-requests", "data-transfer.inter-region-out", "data-transfer.internet-out",
    "data-transfer.intra-region", "fargate.gb-hours-x86_64", "fargate.vcpu-hours-x86_64", "lambda.duration-arm64",
    "lambda.duration-x86_64", "lambda.requests", "s3.get-requests", "s3.put-requests", "s3.standard-storage",
    "sqs.fifo-requests", "sqs.standard-requests", "stepfunctions.standard-transitions",
)


def raw(name: str) -> dict:
    return json.loads((files("advisor.pricing") / "prices" / name).read_text(encoding="utf-8"))


UNIFORM = raw("uniform.json")


def test_the_bundle_covers_the_14_regions_and_uniform_json_is_no_region() -> None:
    assert bundled_regions() == sorted(REGIONS)


@pytest.mark.parametrize("region", REGIONS)
def test_region_loads(region: str) -> None:
    catalog = load_catalog(region)
    assert catalog.region == region and catalog.currency == "USD"
    assert all(entry.region == region for entry in catalog.prices.values())


@pytest.mark.parametrize("region", REGIONS)
def test_units_agree_with_us_east_1(region: str) -> None:
    use1 = load_catalog("us-east-1")
    for key, entry in load_catalog(region).prices.items():
        if key in NOT_IN_US_EAST_1:
            assert entry.unit == NOT_IN_US_EAST_1[key], f"{region}: {key}"
            continue
        # A Region-pair transfer price (`data-transfer.inter-region-out.<to>`) is in its parent key's unit.
        base = "data-transfer.inter-region-out" if key.startswith("data-transfer.inter-region-out.") else key
        assert use1.has(base), f"{region}: {key} is not a us-east-1 key"
        assert entry.unit == use1.price(base).unit, f"{region}: {key}"


@pytest.mark.parametrize("region", REGIONS)
def test_every_price_has_a_source_and_a_date(region: str) -> None:
    for key, entry in load_catalog(region).prices.items():
        assert entry.source.strip(), f"{region}: {key}"
        datetime.date.fromisoformat(entry.as_of)  # a calendar date, as the loader checked
        assert all(t.price >= 0 for t in entry.tiers), f"{region}: {key}"


@pytest.mark.parametrize("region", REGIONS)
def test_a_region_holds_its_own_keys_and_the_uniform_ones_nothing_else(region: str) -> None:
    own = set(raw(f"{region}.json")["prices"])
    assert set(load_catalog(region).prices) == own | set(UNIFORM["prices"])


@pytest.mark.parametrize("region", REGIONS)
def test_uniform_keys_resolve_to_the_uniform_entry_in_the_region_s_name(region: str) -> None:
    catalog = load_catalog(region)
    own = raw(f"{region}.json")["prices"]
    for key, given in UNIFORM["prices"].items():
        entry = catalog.price(key)
        assert entry.region == region
        if key in own:
            continue
        assert (entry.unit, entry.source, entry.as_of) == (given["unit"], given["source"], given["as_of"])
        assert [t.price for t in entry.tiers] == [Decimal(t["usd"]) for t in given["tiers"]]


def test_uniform_prices_are_us_east_1_keys_each_with_its_statement() -> None:
    use1 = load_catalog("us-east-1")
    assert "region" not in UNIFORM
    assert set(UNIFORM["prices"]) == {
        "cloudwatch.dashboards", "kms.keys", "route53.health-checks", "route53.hosted-zones", "route53.latency-queries",
        "sns.lambda-deliveries", "sns.sqs-deliveries", "vpc.public-ipv4-address-hours",
    }
    for key, given in UNIFORM["prices"].items():
        assert given["unit"] == use1.price(key).unit, key
        assert given["source"].startswith("https://aws.amazon.com/"), key
        datetime.date.fromisoformat(given["as_of"])


def test_no_region_file_copies_a_uniform_price_it_could_take() -> None:
    # us-east-1 keeps its entries with their own sources; elsewhere a uniform price is written once.
    for region in REGIONS:
        if region == "us-east-1":
            continue
        copied = set(raw(f"{region}.json")["prices"]) & set(UNIFORM["prices"])
        assert not copied, f"{region}: {sorted(copied)}"


def test_the_region_s_own_price_wins_over_the_uniform_one(tmp_path: Path) -> None:
    # us-east-1 gives kms.keys itself, sourced with Infracost's golden: that entry, not the uniform one.
    use1 = load_catalog("us-east-1")
    assert "kms_key_test" in use1.price("kms.keys").source
    assert use1.price("kms.keys").source != UNIFORM["prices"]["kms.keys"]["source"]
    # A user's eu-west-2 catalog with its own hosted-zone price keeps it; the other uniform keys still come.
    data = raw("eu-west-2.json")
    data["prices"]["route53.hosted-zones"] = {
        "unit": "hosted zones", "tiers": [{"begin": "0", "end": None, "usd": "0.75"}],
        "source": "a negotiated rate", "as_of": "2026-12-01",
    }
    (tmp_path / "eu-west-2.json").write_text(json.dumps(data), encoding="utf-8")
    clear_catalog_cache()
    mine = load_catalog("eu-west-2", tmp_path)
    assert mine.price("route53.hosted-zones").unit_price == Decimal("0.75")
    assert mine.price("route53.hosted-zones").source == "a negotiated rate"
    assert mine.price("kms.keys").source == UNIFORM["prices"]["kms.keys"]["source"]
    assert mine.price("kms.keys").region == "eu-west-2"


@pytest.mark.parametrize("region", REGIONS)
def test_a_key_without_a_price_for_the_region_is_us_east_1s_marked(region: str) -> None:
    # A key the Region's catalog lacks is never a silent zero and never passed off as the Region's own:
    # us-east-1's entry stands in, marked with the Region it stands in for.
    catalog = load_catalog(region)
    use1 = load_catalog("us-east-1")
    missing = [key for key in use1.prices if key not in catalog.prices]
    for key in missing:
        entry = catalog.price(key)
        assert (entry.region, entry.used_in) == ("us-east-1", region), key
        assert entry.tiers == use1.price(key).tiers
    if region != "us-east-1":
        # No Region has a sourced CloudTrail price but us-east-1: it is not copied from there.
        assert "cloudtrail.data-events" in missing


def test_kms_requests_stay_us_east_1s_where_no_source_gives_them() -> None:
    # The KMS page states the key price for every key, but gives no such statement for requests, and the
    # per-Region request prices found are unconfirmed transcriptions: eu-west-1 has none of its own.
    assert "kms.requests" not in load_catalog("eu-west-1").prices
    entry = load_catalog("eu-west-1").price("kms.requests")
    assert (entry.region, entry.used_in) == ("us-east-1", "eu-west-1")


@pytest.mark.parametrize("region", REGIONS)
def test_the_prices_sourced_everywhere_are_there(region: str) -> None:
    catalog = load_catalog(region)
    assert [key for key in EVERYWHERE if not catalog.has(key)] == []


@pytest.mark.parametrize("region, key, tiers", [
    # Spot checks against the sources, where Regions differ from us-east-1.
    ("sa-east-1", "s3.standard-storage", ["0.0405"]),
    ("ap-northeast-1", "s3.get-requests", ["0.00000037"]),
    ("ap-south-1", "stepfunctions.standard-transitions", ["0.0000285"]),
    ("us-west-1", "stepfunctions.standard-transitions", ["0.0000279"]),
    ("ap-southeast-2", "data-transfer.internet-out", ["0.114", "0.098", "0.094", "0.092"]),
    ("eu-north-1", "alb.hours", ["0.02394"]),
    ("eu-west-2", "sqs.standard-requests", ["0.0000004", "0.00000035", "0.00000032"]),
    ("eu-west-2", "lambda.provisioned-concurrency-x86_64", ["0.0000048304"]),
    ("ca-central-1", "fargate.vcpu-hours-x86_64", ["0.04456"]),
    ("us-west-1", "backup.dynamodb-warm-storage", ["0.11"]),
    ("eu-west-1", "sns.fifo-publishes", ["0.00000033"]),
])
def test_regional_prices_match_their_sources(region: str, key: str, tiers: list[str]) -> None:
    assert [t.price for t in load_catalog(region).price(key).tiers] == [Decimal(v) for v in tiers]


@pytest.mark.parametrize("region, key, top", [
    ("sa-east-1", "apigateway.http-requests", "300000000"),
    ("us-east-2", "apigateway.rest-requests", "20000000000"),
    ("eu-north-1", "lambda.duration-x86_64", "6000000000"),
    ("ap-south-1", "lambda.duration-arm64", "7500000000"),
    ("ca-central-1", "sqs.standard-requests", "100000000000"),
    ("ap-northeast-1", "s3.standard-storage", "51200"),
])
def test_partial_tiers_end_where_the_known_ones_end(region: str, key: str, top: str) -> None:
    # Only the first tiers are known there: the top one is bounded, so more volume is an error, not a guess.
    entry = load_catalog(region).price(key)
    assert entry.tiers[-1].end == Decimal(top)
    assert entry.note and "not bundled" in entry.note
