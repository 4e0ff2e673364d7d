"""`advisor prices update` from AWS's Price List bulk files: mapping, conversion, checks and atomic writes.

The files under `bulk/` are recorded in the bulk format (offer index, Region indexes, Region offer files)
and trimmed to the products advisor maps; `bulk/README.md` says where their values come from.
"""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from advisor.pricing.bulk import PriceSourceError, Source
from advisor.pricing.catalog import find_catalog, load_catalog, parse_catalog
from advisor.pricing.errors import PriceNotFound
from advisor.pricing.update import (
    QUERIES,
    QUERY_BY_KEY,
    BulkReader,
    FetchResult,
    Offer,
    PriceQuery,
    PricesRefused,
    PriceUpdateError,
    build_catalog,
    fetch_prices,
    implausible,
    read_offer,
    refresh,
    select_prices,
    services_for,
    usagetype_matches,
    write_catalog,
)

BULK = Path(__file__).parent / "bulk"
TODAY = "2026-12-01"
EU_KEYS = (
    "lambda.requests", "lambda.duration-x86_64", "lambda.duration-arm64", "sqs.standard-requests", "sqs.fifo-requests",
    "dynamodb.write-request-units", "dynamodb.read-request-units", "dynamodb.storage",
)
# The recorded offer files' publication dates, by service code; every price is dated by its term instead.
PUBLISHED = {
    "AWSLambda": "2026-11-18", "AmazonApiGateway": "2026-11-12", "AWSQueueService": "2026-11-06", "AmazonSNS": "2026-11-10",
    "AmazonDynamoDB": "2026-11-19", "AmazonCloudWatch": "2026-11-17", "AWSCloudTrail": "2026-10-29", "awskms": "2026-11-04",
    "AWSEvents": "2026-11-13", "AmazonStates": "2026-11-07", "AmazonS3": "2026-11-20", "AWSBackup": "2026-11-03",
    "AmazonECS": "2026-11-14", "AWSDataTransfer": "2026-11-20", "AWSELB": "2026-11-11",
}


def fetch_recorded(region: str, keys=None) -> FetchResult:
    return fetch_prices(BulkReader(Source(str(BULK))), region, keys=keys, reference=load_catalog(region), today=TODAY)


@pytest.fixture(scope="module")
def use1_fetched() -> FetchResult:
    return fetch_recorded("us-east-1")


def _bundled(region: str) -> str:
    from importlib.resources import files

    return (files("advisor.pricing") / "prices" / f"{region}.json").read_text(encoding="utf-8")


def tiers(entry: dict) -> list[tuple[Decimal, Decimal | None, Decimal]]:
    return [(Decimal(t["begin"]), None if t["end"] is None else Decimal(t["end"]), Decimal(t["usd"]))
            for t in entry["tiers"]]


# --- the mapping table ------------------------------------------------------------------------------


def test_every_mapped_key_exists_in_the_bundled_catalog_with_the_same_unit(use1) -> None:
    for query in QUERIES:
        assert use1.has(query.key), query.key
        assert use1.price(query.key).unit == query.unit, query.key


def test_each_service_file_is_read_once_per_region() -> None:
    services = services_for(None)
    assert len(services) == len(set(services)) == len({q.service for q in QUERIES})
    assert services_for(["apigateway.rest-requests", "apigateway.http-requests"]) == ["AmazonApiGateway"]


def test_products_match_on_the_region_and_attributes() -> None:
    query = QUERY_BY_KEY["lambda.duration-arm64"]
    product = {"productFamily": "Serverless", "attributes": {"regionCode": "eu-west-1", "group": "AWS-Lambda-Duration-ARM",
                                                             "usagetype": "EU-Lambda-GB-Second-ARM"}}
    assert query.matches(product, "eu-west-1")
    assert not query.matches(product, "us-east-1")
    assert not query.matches({**product, "productFamily": "Compute"}, "eu-west-1")
    assert not query.matches({"productFamily": "Serverless", "attributes": "not an object"}, "eu-west-1")
    transfer = {"productFamily": "Data Transfer", "attributes": {"fromRegionCode": "us-east-1", "transferType": "AWS Outbound",
                                                                 "usagetype": "DataTransfer-Out-Bytes"}}
    assert QUERY_BY_KEY["data-transfer.internet-out"].matches(transfer, "us-east-1")


@pytest.mark.parametrize(("usagetype", "suffix", "expected"), [
    ("Request", "Request", True),                                  # Lambda in us-east-1: no prefix
    ("EU-Request", "Request", True),                               # eu-west-1
    ("APS1-Lambda-GB-Second-ARM", "Lambda-GB-Second-ARM", True),
    ("USE1-ApiGatewayRequest", "ApiGatewayRequest", True),
    ("EUC1-ApiGatewayHttpRequest", "ApiGatewayHttpRequest", True),
    ("us-east-1-KMS-Requests", "KMS-Requests", True),              # KMS prefixes the whole region code
    ("EU-CW:AlarmMonitorUsage", "CW:AlarmMonitorUsage", True),
    ("USE1-ApiGatewayHttpRequest", "ApiGatewayRequest", False),
    ("IA-TimedStorage-ByteHrs", "TimedStorage-ByteHrs", False),    # Standard-IA table class, not a region
    ("USE1-IA-TimedStorage-ByteHrs", "TimedStorage-ByteHrs", False),
    ("EU-Request-ARM", "Request", False),
    ("us-east-1-KMS-Requests-Asymmetric", "KMS-Requests", False),
    ("Lambda-Edge-Request", "Request", False),
])
def test_usagetype_suffix_matching(usagetype: str, suffix: str, expected: bool) -> None:
    assert usagetype_matches(usagetype, suffix) is expected


# --- reading the recorded bulk files -----------------------------------------------------------------


def test_us_east_1_every_mapped_key_is_read(use1_fetched: FetchResult) -> None:
    assert use1_fetched.missing == () and use1_fetched.refused == ()
    assert set(use1_fetched.prices) == set(QUERY_BY_KEY)
    assert len(use1_fetched.files) == len(services_for(None))


def test_read_prices_equal_the_bundled_ones(use1_fetched: FetchResult) -> None:
    bundled = json.loads(_bundled("us-east-1"))["prices"]
    for key, entry in use1_fetched.prices.items():
        if key.startswith("sqs."):
            continue  # recorded with all three volume tiers; checked below
        assert tiers(entry) == tiers(bundled[key]), key
        assert entry["unit"] == bundled[key]["unit"], key


def test_tiered_prices_keep_exact_decimal_strings(use1_fetched: FetchResult) -> None:
    assert use1_fetched.prices["lambda.duration-x86_64"]["tiers"] == [
        {"begin": "0", "end": "6000000000", "usd": "0.0000166667"},
        {"begin": "6000000000", "end": "15000000000", "usd": "0.000015"},
        {"begin": "15000000000", "end": None, "usd": "0.0000133334"},
    ]
    assert use1_fetched.prices["apigateway.rest-requests"]["tiers"] == [
        {"begin": "0", "end": "333000000", "usd": "0.0000035"},
        {"begin": "333000000", "end": "1000000000", "usd": "0.0000028"},
        {"begin": "1000000000", "end": "20000000000", "usd": "0.00000238"},
        {"begin": "20000000000", "end": None, "usd": "0.00000151"},
    ]
    assert use1_fetched.prices["sqs.standard-requests"]["tiers"] == [
        {"begin": "0", "end": "100000000000", "usd": "0.0000004"},
        {"begin": "100000000000", "end": "200000000000", "usd": "0.0000003"},
        {"begin": "200000000000", "end": None, "usd": "0.00000024"},
    ]


def test_leading_free_tier_dimension_is_left_to_the_free_tier_allowance(use1_fetched: FetchResult) -> None:
    # The Price List carries SNS's first million publishes and DynamoDB's 25 GB as $0 tiers.
    assert use1_fetched.prices["sns.publishes"]["tiers"] == [{"begin": "0", "end": None, "usd": "0.0000005"}]
    assert use1_fetched.prices["dynamodb.storage"]["tiers"] == [{"begin": "0", "end": None, "usd": "0.25"}]


def test_only_on_demand_terms_and_the_keys_unit_are_used(use1_fetched: FetchResult) -> None:
    # The WCU product also has a Reserved term; the ALB product an "Upfront Fee" dimension in another unit.
    assert use1_fetched.prices["dynamodb.write-capacity-unit-hours"]["tiers"] == [
        {"begin": "0", "end": None, "usd": "0.00065"}]
    assert use1_fetched.prices["alb.hours"]["tiers"] == [{"begin": "0", "end": None, "usd": "0.0225"}]


def test_each_price_is_dated_by_its_terms_effective_date(use1_fetched: FetchResult) -> None:
    for key, entry in use1_fetched.prices.items():
        service = QUERY_BY_KEY[key].service
        expected = "2026-10-01" if service == "AWSCloudTrail" else "2026-11-01"
        assert entry["as_of"] == expected, key
        assert entry["source"].startswith(f"AWS Price List bulk files: {service} sku "), key
        assert f"effective {expected}" in entry["source"] and f"publication {PUBLISHED[service]}" in entry["source"]
    assert "usagetype Lambda-GB-Second," in use1_fetched.prices["lambda.duration-x86_64"]["source"]


def test_kms_products_are_told_apart_by_usage_type(use1_fetched: FetchResult) -> None:
    assert use1_fetched.prices["kms.asymmetric-requests"]["tiers"][0]["usd"] == "0.000015"
    assert use1_fetched.prices["kms.generate-data-key-pair-requests"]["tiers"][0]["usd"] == "0.00001"
    assert use1_fetched.prices["kms.requests"]["tiers"] == [{"begin": "0", "end": None, "usd": "0.000003"}]


def test_eu_west_1_usage_types_carry_the_eu_prefix() -> None:
    result = fetch_recorded("eu-west-1", EU_KEYS)
    assert result.missing == () and result.refused == ()
    bundled = json.loads(_bundled("eu-west-1"))["prices"]
    for key in EU_KEYS:
        assert tiers(result.prices[key]) == tiers(bundled[key]), key
    assert "usagetype EU-Lambda-GB-Second-ARM" in result.prices["lambda.duration-arm64"]["source"]
    assert result.prices["dynamodb.write-request-units"]["tiers"] == [{"begin": "0", "end": None, "usd": "0.000000705"}]


def test_a_service_without_a_file_for_the_region_keeps_its_keys() -> None:
    result = fetch_recorded("eu-west-1", ["lambda.requests", "kms.keys"])
    assert set(result.prices) == {"lambda.requests"}
    assert result.missing[0].key == "kms.keys" and "no offer file for eu-west-1" in result.missing[0].reason


# --- one offer, built by hand -----------------------------------------------------------------------


def _offer(products: list[tuple[str, str, str, list[tuple[str, str, str]]]], *, family: str = "API Request") -> Offer:
    doc: dict = {"formatVersion": "v1.0", "offerCode": "AWSQueueService", "version": "20261002000000",
                 "publicationDate": "2026-10-02T00:00:00Z", "products": {}, "terms": {"OnDemand": {}}}
    for sku, usagetype, unit, dims in products:
        doc["products"][sku] = {"sku": sku, "productFamily": family, "attributes": {
            "servicecode": "AWSQueueService", "regionCode": "us-east-1", "location": "US East (N. Virginia)",
            "usagetype": usagetype, "queueType": "Standard"}}
        term = f"{sku}.JRTCKXETXF"
        doc["terms"]["OnDemand"][sku] = {term: {"sku": sku, "offerTermCode": "JRTCKXETXF",
                                                "effectiveDate": "2026-10-01T00:00:00Z", "termAttributes": {},
                                                "priceDimensions": {
            f"{term}.{i}": {"rateCode": f"{term}.{i}", "unit": unit, "beginRange": b, "endRange": e,
                            "pricePerUnit": {"USD": usd}, "appliesTo": []}
            for i, (b, e, usd) in enumerate(dims)}}}
    return read_offer("AWSQueueService", doc, "test offer", "us-east-1")


def _one(key: str, offer: Offer) -> FetchResult:
    return select_prices("us-east-1", {QUERY_BY_KEY[key].service: offer}, keys=[key],
                         reference=load_catalog("us-east-1"), today=TODAY)


def _sqs(*dims: tuple[str, str, str], unit: str = "Requests", sku: str = "TESTSKU000000001") -> Offer:
    return _offer([(sku, "USE1-Requests-Tier1", unit, list(dims))])


def test_no_matching_product_is_reported_missing_with_a_reason() -> None:
    result = _one("sqs.standard-requests", _offer([]))
    assert result.prices == {} and [m.key for m in result.missing] == ["sqs.standard-requests"]
    assert "no AWSQueueService product matched usagetype *Requests-Tier1" in result.missing[0].reason


def test_two_matching_products_are_ambiguous_not_guessed() -> None:
    offer = _offer([(f"TESTSKU00000000{i}", "USE1-Requests-Tier1", "Requests", [("0", "Inf", "0.0000004000")])
                    for i in (1, 2)])
    result = _one("sqs.standard-requests", offer)
    assert result.prices == {} and "2 AWSQueueService products matched" in result.missing[0].reason


def test_a_price_in_an_unexpected_unit_is_not_used() -> None:
    result = _one("sqs.standard-requests", _sqs(("0", "Inf", "0.09"), unit="GB"))
    assert result.prices == {} and "no OnDemand price in Requests" in result.missing[0].reason


def test_gapped_tiers_are_refused() -> None:
    result = _one("sqs.standard-requests", _sqs(("0", "100", "0.0000004"), ("200", "Inf", "0.0000003")))
    assert result.prices == {} and "gapped" in result.refused[0].reason


def test_ranges_may_use_the_documented_starting_and_ending_names() -> None:
    offer = _sqs(("0", "Inf", "0.0000004"))
    for terms in offer.on_demand.values():
        for term in terms.values():
            for dim in term["priceDimensions"].values():
                dim["startingRange"], dim["endingRange"] = dim.pop("beginRange"), ""
                dim.pop("endRange")
    assert _one("sqs.standard-requests", offer).prices["sqs.standard-requests"]["tiers"] == [
        {"begin": "0", "end": None, "usd": "0.0000004"}]


def test_units_are_converted_when_the_price_list_quotes_a_multiple(monkeypatch: pytest.MonkeyPatch) -> None:
    query = QUERY_BY_KEY["sqs.standard-requests"]
    scaled = PriceQuery(query.key, query.service, query.unit, {"1K Requests": "1000"}, query.filters, query.usagetype)
    monkeypatch.setitem(QUERY_BY_KEY, query.key, scaled)  # type: ignore[index]
    monkeypatch.setattr("advisor.pricing.update.QUERIES", (scaled,))
    result = _one(query.key, _sqs(("0", "100000000", "0.0004"), ("100000000", "Inf", "0.0003"), unit="1K Requests"))
    assert result.prices[query.key]["tiers"] == [
        {"begin": "0", "end": "100000000000", "usd": "0.0000004"},
        {"begin": "100000000000", "end": None, "usd": "0.0000003"},
    ]


@pytest.mark.parametrize(("usd", "why"), [
    ("NaN", "not a finite number"),
    ("Infinity", "not a finite number"),
    ("-0.0000004", "negative"),
    ("0.0000000000", "0 where the bundled price is 0.0000004 per requests"),
    ("1e30", "more than 100x the bundled 0.0000004"),
    ("0.00004001", "more than 100x"),
    ("0.000000002", "less than 1/100 of the bundled 0.00000024"),
    ("not a price", "not a number"),
])
def test_prices_that_cannot_be_right_are_refused_naming_why(usd: str, why: str) -> None:
    result = _one("sqs.standard-requests", _sqs(("0", "Inf", usd)))
    assert result.prices == {} and result.missing == ()
    assert result.refused[0].key == "sqs.standard-requests" and why in result.refused[0].reason


def test_a_price_within_the_bounds_is_taken() -> None:
    assert _one("sqs.standard-requests", _sqs(("0", "Inf", "0.00004"))).prices
    assert implausible([Decimal("0")], None) is None  # nothing to compare with: only sign and finiteness count


def test_wrong_shapes_are_source_errors() -> None:
    with pytest.raises(PriceSourceError, match="not an AWS offer file"):
        read_offer("AWSQueueService", {"products": [], "terms": {}}, "test offer", "us-east-1")
    with pytest.raises(PriceSourceError, match="offer file of AmazonSNS, not AWSQueueService"):
        read_offer("AWSQueueService", {"offerCode": "AmazonSNS", "products": {}, "terms": {}}, "test offer", "us-east-1")
    with pytest.raises(PriceSourceError, match="is not an object"):
        read_offer("AWSQueueService", {"products": {"X": 1}, "terms": {}}, "test offer", "us-east-1")


# --- building and writing the catalog ----------------------------------------------------------------


def test_built_catalog_passes_parse_catalog_and_keeps_bundled_prices(use1_fetched: FetchResult, use1) -> None:
    data = build_catalog("us-east-1", use1_fetched, use1, TODAY)
    catalog = parse_catalog(data)
    bundled = json.loads(_bundled("us-east-1"))
    assert data["as_of"] == TODAY and catalog.region == "us-east-1"
    assert data["source"].startswith("AWS Price List bulk files")
    assert f"{len(QUERIES)} of {len(bundled['prices'])} prices read" in data["source"]
    assert set(data["prices"]) == set(bundled["prices"])
    kept = set(bundled["prices"]) - set(QUERY_BY_KEY)
    assert kept >= {"sns.lambda-deliveries", "data-transfer.inter-region-out", "eventbridge.pipes-requests"}
    for key in kept:
        assert data["prices"][key] == bundled["prices"][key], key
    assert data["free_tier"] == bundled["free_tier"]
    assert catalog.price("lambda.duration-arm64").tiers[1].price == Decimal("0.0000120001")


def test_build_without_base_holds_only_read_prices() -> None:
    result = fetch_recorded("eu-west-1", EU_KEYS)
    data = build_catalog("eu-west-1", result, None, TODAY)
    assert set(data["prices"]) == set(EU_KEYS) and data["free_tier"] == {}
    parse_catalog(data)


def test_build_with_nothing_is_an_error() -> None:
    with pytest.raises(PriceUpdateError, match="no price advisor uses in eu-west-1"):
        build_catalog("eu-west-1", {}, None, TODAY)


def test_write_is_deterministic_and_atomic(tmp_path: Path, use1_fetched: FetchResult, use1) -> None:
    data = build_catalog("us-east-1", use1_fetched, use1, TODAY)
    first, second = tmp_path / "a" / "us-east-1.json", tmp_path / "b" / "nested" / "us-east-1.json"
    write_catalog(data, first)
    write_catalog(json.loads(json.dumps(data)), second)
    assert first.read_bytes() == second.read_bytes()
    text = first.read_text(encoding="utf-8")
    assert text.endswith("}\n") and text.startswith('{\n  "as_of": ')
    write_catalog(data, first)
    assert sorted(p.name for p in first.parent.iterdir()) == ["us-east-1.json"]  # no temp files left behind
    assert load_catalog("us-east-1", first).price("lambda.requests").unit_price == Decimal("0.0000002")


def test_refresh_writes_every_region_or_none(tmp_path: Path) -> None:
    done = refresh(str(BULK), ["us-east-1", "eu-west-1"], tmp_path, today=TODAY)
    assert [d.region for d in done] == ["us-east-1", "eu-west-1"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["eu-west-1.json", "us-east-1.json"]
    assert done[1].refreshed == len(EU_KEYS) and done[1].dates == ("2026-11-01",)


def test_a_refused_price_in_one_region_writes_no_region(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = BulkReader.offer

    def damaged(self, service, region):
        offer = original(self, service, region)
        if region == "eu-west-1" and isinstance(offer, Offer) and service == "AWSLambda":
            for terms in offer.on_demand.values():
                for term in terms.values():
                    for dim in term["priceDimensions"].values():
                        dim["pricePerUnit"]["USD"] = "0"
        return offer

    monkeypatch.setattr(BulkReader, "offer", damaged)
    with pytest.raises(PricesRefused) as info:
        refresh(str(BULK), ["us-east-1", "eu-west-1"], tmp_path / "out", today=TODAY)
    assert {r.key for r in info.value.refused} == {"lambda.requests", "lambda.duration-x86_64", "lambda.duration-arm64"}
    assert all(r.region == "eu-west-1" for r in info.value.refused) and info.value.exit_code == 2
    assert not (tmp_path / "out").exists()


def test_bad_region_codes_are_refused_before_any_read(tmp_path: Path) -> None:
    with pytest.raises(PriceUpdateError, match="not an AWS Region code"):
        refresh(str(tmp_path / "nowhere"), ["eu-west-1", "Ireland"], tmp_path, today=TODAY)


# --- lookup order -----------------------------------------------------------------------------------


def _user_catalog(folder: Path, marker: str) -> Path:
    data = json.loads(_bundled("us-east-1"))
    data["source"] = marker
    write_catalog(data, folder / "us-east-1.json")
    return folder / "us-east-1.json"


def test_find_catalog_order(tmp_path: Path) -> None:
    user = tmp_path / "user"
    explicit = tmp_path / "explicit"
    assert find_catalog("us-east-1", user_dir=user).origin is None  # nothing there yet: bundled
    _user_catalog(user, "user catalog")
    assert find_catalog("us-east-1", user_dir=user).source == "user catalog"
    path = _user_catalog(explicit, "explicit catalog")
    assert find_catalog("us-east-1", catalog_path=path, user_dir=user).source == "explicit catalog"
    assert find_catalog("us-east-1", catalog_path=explicit, user_dir=user).source == "explicit catalog"
    assert find_catalog("eu-west-1", user_dir=user).origin is None  # other regions still bundled
    assert find_catalog("us-east-1").origin is None


def test_find_catalog_missing_region_names_the_update_command(tmp_path: Path) -> None:
    # A commercial Region with no catalog anywhere stands on us-east-1's prices (marked); another partition's
    # Region has no stand-in and names the remedy.
    stand_in = find_catalog("af-south-1", user_dir=tmp_path)
    assert not stand_in.prices and stand_in.fallback is not None and stand_in.fallback.region == "us-east-1"
    with pytest.raises(PriceNotFound) as info:
        find_catalog("cn-north-1", user_dir=tmp_path)
    assert "cn-north-1" in str(info.value) and "advisor prices update --region cn-north-1" in str(info.value)
    with pytest.raises(PriceNotFound, match="advisor prices update --region us-east-1"):
        find_catalog("us-east-1", catalog_path=tmp_path / "nowhere", user_dir=tmp_path)


# --- sources ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["http://pricing.us-east-1.amazonaws.com", "ftp://example.com", "http://10.0.0.1:8080"])
def test_only_https_or_local_http_sources(url: str) -> None:
    with pytest.raises(PriceSourceError, match="only https URLs"):
        Source(url)


def test_a_missing_folder_or_file_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(PriceSourceError, match="does not exist"):
        Source(str(tmp_path / "nowhere"))
    with pytest.raises(PriceSourceError, match="index.json does not exist"):
        Source(str(tmp_path)).load("/offers/v1.0/aws/index.json", max_bytes=1000)


def test_paths_named_by_the_indexes_stay_inside_the_source(tmp_path: Path) -> None:
    for path in ("/../secret.json", "relative.json", "/offers/x.txt", "https://elsewhere.example/index.json"):
        with pytest.raises(PriceSourceError, match="not a path to a JSON price file"):
            Source(str(tmp_path)).load(path, max_bytes=1000)


def test_importing_update_stays_cheap() -> None:
    code = ("import sys, advisor.pricing.update, advisor.pricing.catalog; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore', 'typer', 'rich')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
