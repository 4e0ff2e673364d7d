"""`advisor prices update`: Price List queries against botocore's Stubber on recorded documents, no network."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError
from botocore.stub import Stubber

from advisor.pricing.catalog import find_catalog, load_catalog, parse_catalog
from advisor.pricing.errors import PriceNotFound
from advisor.pricing.update import (
    QUERIES,
    QUERY_BY_KEY,
    FetchResult,
    PriceQuery,
    PriceUpdateError,
    build_catalog,
    fetch_prices,
    make_client,
    plan_queries,
    usagetype_matches,
    write_catalog,
)

RECORDED = Path(__file__).parent / "recorded"
TODAY = "2026-12-01"
EU_KEYS = (
    "lambda.requests", "lambda.duration-x86_64", "lambda.duration-arm64", "sqs.standard-requests", "sqs.fifo-requests",
    "dynamodb.write-request-units", "dynamodb.read-request-units", "dynamodb.storage",
)
# Publication dates of the recorded documents, by service code.
PUBLISHED = {
    "AWSLambda": "2026-11-18", "AmazonApiGateway": "2026-11-12", "AWSQueueService": "2026-11-06", "AmazonSNS": "2026-11-10",
    "AmazonDynamoDB": "2026-11-19", "AmazonCloudWatch": "2026-11-17", "AWSCloudTrail": "2026-10-29", "awskms": "2026-11-04",
    "AWSEvents": "2026-11-13", "AmazonStates": "2026-11-07", "AmazonS3": "2026-11-20", "AWSBackup": "2026-11-03",
    "AmazonECS": "2026-11-14", "AWSDataTransfer": "2026-11-20", "AWSELB": "2026-11-11",
}


def pricing_client():
    return boto3.client("pricing", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")


def slug(group: tuple[PriceQuery, ...]) -> str:
    query = group[0]
    parts = [query.service] + [value for _, value in query.filters]
    return "__".join(re.sub(r"[^A-Za-z0-9.]+", "-", part).strip("-") for part in parts)


def params(query: PriceQuery, region: str, token: str | None = None) -> dict:
    expected = {"ServiceCode": query.service, "Filters": query.request_filters(region), "FormatVersion": "aws_v1",
                "MaxResults": 100}
    if token:
        expected["NextToken"] = token
    return expected


def stub_recorded(stubber: Stubber, region: str, keys=None) -> int:
    """Queue the recorded pages for every request the keys need, in the order fetch_prices makes them."""
    pages = 0
    for group in plan_queries(keys):
        name, token, number = slug(group), None, 1
        while True:
            path = RECORDED / region / (f"{name}.json" if number == 1 else f"{name}.page{number}.json")
            response = json.loads(path.read_text(encoding="utf-8"))
            stubber.add_response("get_products", response, params(group[0], region, token))
            pages += 1
            token = response.get("NextToken")
            if not token:
                break
            number += 1
    return pages


def fetch_recorded(region: str, keys=None) -> FetchResult:
    client = pricing_client()
    with Stubber(client) as stubber:
        stub_recorded(stubber, region, keys)
        result = fetch_prices(client, region, keys=keys, today=TODAY)
        stubber.assert_no_pending_responses()
    return result


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


def test_keys_sharing_a_request_are_fetched_once() -> None:
    groups = plan_queries(None)
    assert sum(len(group) for group in groups) == len(QUERIES)
    assert len({(g[0].service, g[0].region_field, g[0].filters) for g in groups}) == len(groups)
    api_calls = next(g for g in groups if g[0].key == "apigateway.rest-requests")
    assert [q.key for q in api_calls] == ["apigateway.rest-requests", "apigateway.http-requests"]


def test_request_filters_are_term_matches_on_the_region_and_attributes() -> None:
    assert QUERY_BY_KEY["lambda.duration-arm64"].request_filters("eu-west-1") == [
        {"Type": "TERM_MATCH", "Field": "regionCode", "Value": "eu-west-1"},
        {"Type": "TERM_MATCH", "Field": "productFamily", "Value": "Serverless"},
        {"Type": "TERM_MATCH", "Field": "group", "Value": "AWS-Lambda-Duration-ARM"},
    ]
    assert QUERY_BY_KEY["sqs.fifo-requests"].request_filters("us-east-1")[1:] == [
        {"Type": "TERM_MATCH", "Field": "productFamily", "Value": "API Request"},
        {"Type": "TERM_MATCH", "Field": "queueType", "Value": "FIFO (first-in, first-out)"},
    ]
    assert QUERY_BY_KEY["data-transfer.internet-out"].request_filters("us-east-1")[0]["Field"] == "fromRegionCode"
    # Usage type prefixes vary by region, so no request ever filters on a usagetype.
    assert all(f["Field"] != "usagetype" for q in QUERIES for f in q.request_filters("us-east-1"))


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


# --- fetching against recorded documents -------------------------------------------------------------


def test_us_east_1_every_mapped_key_is_fetched(use1_fetched: FetchResult) -> None:
    assert use1_fetched.missing == ()
    assert set(use1_fetched.prices) == set(QUERY_BY_KEY)
    assert use1_fetched.requests == len(plan_queries(None))


def test_fetched_prices_equal_the_bundled_ones(use1_fetched: FetchResult) -> None:
    bundled = json.loads(_bundled("us-east-1"))["prices"]
    for key, entry in use1_fetched.prices.items():
        if key.startswith("sqs."):
            continue  # recorded with all three volume tiers; checked below
        assert tiers(entry) == tiers(bundled[key]), key
        assert entry["unit"] == bundled[key]["unit"], key


def test_tiered_prices_keep_exact_decimal_strings(use1_fetched: FetchResult) -> None:
    duration = use1_fetched.prices["lambda.duration-x86_64"]["tiers"]
    assert duration == [
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
    assert use1_fetched.prices["lambda.ephemeral-storage"]["tiers"] == [{"begin": "0", "end": None, "usd": "0.0000000309"}]
    assert use1_fetched.prices["sqs.standard-requests"]["tiers"] == [
        {"begin": "0", "end": "100000000000", "usd": "0.0000004"},
        {"begin": "100000000000", "end": "200000000000", "usd": "0.0000003"},
        {"begin": "200000000000", "end": None, "usd": "0.00000024"},
    ]


def test_leading_free_tier_dimension_is_left_to_the_free_tier_allowance(use1_fetched: FetchResult) -> None:
    # The Price List carries SNS's first million publishes and DynamoDB's 25 GB as $0 tiers.
    assert use1_fetched.prices["sns.publishes"]["tiers"] == [{"begin": "0", "end": None, "usd": "0.0000005"}]
    assert use1_fetched.prices["dynamodb.storage"]["tiers"] == [{"begin": "0", "end": None, "usd": "0.25"}]
    assert use1_fetched.prices["cloudwatch.metrics"]["tiers"] == [
        {"begin": "0", "end": "10000", "usd": "0.3"}, {"begin": "10000", "end": "250000", "usd": "0.1"},
    ]


def test_only_on_demand_terms_and_the_keys_unit_are_used(use1_fetched: FetchResult) -> None:
    # The WCU document also has a Reserved term; the ALB document an "Upfront Fee" dimension in another unit.
    assert use1_fetched.prices["dynamodb.write-capacity-unit-hours"]["tiers"] == [
        {"begin": "0", "end": None, "usd": "0.00065"}]
    assert use1_fetched.prices["alb.hours"]["tiers"] == [{"begin": "0", "end": None, "usd": "0.0225"}]


def test_source_and_date_name_the_price_list_document(use1_fetched: FetchResult) -> None:
    for key, entry in use1_fetched.prices.items():
        service = QUERY_BY_KEY[key].service
        assert entry["as_of"] == PUBLISHED[service], key
        assert entry["source"].startswith(f"AWS Price List Query API: {service} sku "), key
        assert f"publication {PUBLISHED[service]}" in entry["source"] and "effective 2026-" in entry["source"], key
    assert "usagetype Lambda-GB-Second," in use1_fetched.prices["lambda.duration-x86_64"]["source"]


def test_pagination_follows_next_token(use1_fetched: FetchResult) -> None:
    # kms.asymmetric-requests and the data-key-pair price are only on the second page.
    assert use1_fetched.prices["kms.asymmetric-requests"]["tiers"][0]["usd"] == "0.000015"
    assert use1_fetched.prices["kms.generate-data-key-pair-requests"]["tiers"][0]["usd"] == "0.00001"
    assert use1_fetched.prices["kms.requests"]["tiers"] == [{"begin": "0", "end": None, "usd": "0.000003"}]


def test_eu_west_1_usage_types_carry_the_eu_prefix() -> None:
    result = fetch_recorded("eu-west-1", EU_KEYS)
    assert result.missing == ()
    bundled = json.loads(_bundled("eu-west-1"))["prices"]
    for key in EU_KEYS:
        assert tiers(result.prices[key]) == tiers(bundled[key]), key
    assert "usagetype EU-Lambda-GB-Second-ARM" in result.prices["lambda.duration-arm64"]["source"]
    assert result.prices["dynamodb.write-request-units"]["tiers"] == [{"begin": "0", "end": None, "usd": "0.000000705"}]


def _doc(usagetype: str, unit: str, dims: list[tuple[str, str, str]], *, sku: str = "TESTSKU0000000001") -> str:
    term = f"{sku}.JRTCKXETXF"
    return json.dumps({
        "product": {"productFamily": "API Request", "sku": sku, "attributes": {
            "servicecode": "AWSQueueService", "regionCode": "us-east-1", "usagetype": usagetype, "queueType": "Standard"}},
        "serviceCode": "AWSQueueService",
        "terms": {"OnDemand": {term: {"sku": sku, "effectiveDate": "2026-10-01T00:00:00Z", "priceDimensions": {
            f"{term}.{i}": {"unit": unit, "beginRange": b, "endRange": e, "pricePerUnit": {"USD": usd}}
            for i, (b, e, usd) in enumerate(dims)}}}},
        "publicationDate": "2026-10-02T00:00:00Z",
    })


def _fetch_one(key: str, price_list: list[str]) -> FetchResult:
    client = pricing_client()
    with Stubber(client) as stubber:
        stubber.add_response("get_products", {"FormatVersion": "aws_v1", "PriceList": price_list},
                             params(QUERY_BY_KEY[key], "us-east-1"))
        return fetch_prices(client, "us-east-1", keys=[key], today=TODAY)


def test_no_matching_product_is_reported_missing_with_a_reason() -> None:
    result = _fetch_one("sqs.standard-requests", [])
    assert result.prices == {}
    assert [m.key for m in result.missing] == ["sqs.standard-requests"]
    assert "no AWSQueueService product matched usagetype *Requests-Tier1" in result.missing[0].reason


def test_two_matching_products_are_ambiguous_not_guessed() -> None:
    docs = [_doc("USE1-Requests-Tier1", "Requests", [("0", "Inf", "0.0000004000")], sku=f"TESTSKU000000000{i}")
            for i in (1, 2)]
    result = _fetch_one("sqs.standard-requests", docs)
    assert result.prices == {} and "2 AWSQueueService products matched" in result.missing[0].reason


def test_a_price_in_an_unexpected_unit_is_not_used() -> None:
    result = _fetch_one("sqs.standard-requests", [_doc("USE1-Requests-Tier1", "GB", [("0", "Inf", "0.09")])])
    assert result.prices == {} and "no OnDemand price in Requests" in result.missing[0].reason


def test_gapped_tiers_are_refused() -> None:
    dims = [("0", "100", "0.0000004"), ("200", "Inf", "0.0000003")]
    result = _fetch_one("sqs.standard-requests", [_doc("USE1-Requests-Tier1", "Requests", dims)])
    assert result.prices == {} and "gapped" in result.missing[0].reason


def test_units_are_converted_when_the_price_list_quotes_a_multiple(monkeypatch: pytest.MonkeyPatch) -> None:
    query = QUERY_BY_KEY["sqs.standard-requests"]
    scaled = PriceQuery(query.key, query.service, query.unit, {"1K Requests": "1000"}, query.filters, query.usagetype)
    monkeypatch.setitem(QUERY_BY_KEY, query.key, scaled)
    monkeypatch.setattr("advisor.pricing.update.QUERIES", (scaled,))
    dims = [("0", "100000000", "0.0004"), ("100000000", "Inf", "0.0003")]
    result = _fetch_one(query.key, [_doc("USE1-Requests-Tier1", "1K Requests", dims)])
    assert result.prices[query.key]["tiers"] == [
        {"begin": "0", "end": "100000000000", "usd": "0.0000004"},
        {"begin": "100000000000", "end": None, "usd": "0.0000003"},
    ]


def test_unknown_keys_are_reported_not_queried() -> None:
    client = pricing_client()
    with Stubber(client):
        result = fetch_prices(client, "us-east-1", keys=["sns.lambda-deliveries"], today=TODAY)
    assert result.requests == 0 and result.missing[0].key == "sns.lambda-deliveries"


# --- building and writing the catalog ----------------------------------------------------------------


def test_built_catalog_passes_parse_catalog_and_keeps_bundled_prices(use1_fetched: FetchResult, use1) -> None:
    data = build_catalog("us-east-1", use1_fetched, use1, TODAY)
    catalog = parse_catalog(data)
    bundled = json.loads(_bundled("us-east-1"))
    assert data["as_of"] == TODAY and catalog.region == "us-east-1"
    assert data["source"].startswith("AWS Price List Query API")
    assert f"{len(QUERIES)} of {len(bundled['prices'])} prices refreshed" in data["source"]
    assert set(data["prices"]) == set(bundled["prices"])
    kept = set(bundled["prices"]) - set(QUERY_BY_KEY)
    assert kept >= {"sns.lambda-deliveries", "data-transfer.inter-region-out", "eventbridge.pipes-requests"}
    for key in kept:
        assert data["prices"][key] == bundled["prices"][key], key
    assert data["free_tier"] == bundled["free_tier"]
    assert catalog.price("lambda.duration-arm64").tiers[1].price == Decimal("0.0000120001")
    assert catalog.price("sqs.standard-requests").note is None and len(catalog.price("sqs.standard-requests").tiers) == 3


def test_missing_prices_stay_from_base_with_their_source() -> None:
    fetched = _fetch_one("sqs.standard-requests", [])
    data = build_catalog("us-east-1", fetched, load_catalog("us-east-1"), TODAY)
    bundled = json.loads(_bundled("us-east-1"))["prices"]["sqs.standard-requests"]
    assert data["prices"]["sqs.standard-requests"] == bundled
    assert f"0 of {len(data['prices'])} prices refreshed" in data["source"]


def test_build_without_base_holds_only_fetched_prices() -> None:
    result = fetch_recorded("eu-west-1", EU_KEYS)
    data = build_catalog("eu-west-1", result, None, TODAY)
    assert set(data["prices"]) == set(EU_KEYS) and data["free_tier"] == {}
    parse_catalog(data)


def test_write_is_deterministic_and_atomic(tmp_path: Path, use1_fetched: FetchResult, use1) -> None:
    data = build_catalog("us-east-1", use1_fetched, use1, TODAY)
    first, second = tmp_path / "a" / "us-east-1.json", tmp_path / "b" / "nested" / "us-east-1.json"
    write_catalog(data, first)
    write_catalog(json.loads(json.dumps(data)), second)
    assert first.read_bytes() == second.read_bytes()
    text = first.read_text(encoding="utf-8")
    assert text.endswith("}\n") and text.startswith('{\n  "as_of": ')
    write_catalog(data, first)
    assert first.read_bytes() == second.read_bytes()
    assert sorted(p.name for p in first.parent.iterdir()) == ["us-east-1.json"]  # no temp files left behind
    assert load_catalog("us-east-1", first).price("lambda.requests").unit_price == Decimal("0.0000002")


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
    with pytest.raises(PriceNotFound) as info:
        find_catalog("af-south-1", user_dir=tmp_path)
    assert "af-south-1" in str(info.value) and "advisor prices update --region af-south-1" in str(info.value)
    with pytest.raises(PriceNotFound, match="advisor prices update --region us-east-1"):
        find_catalog("us-east-1", catalog_path=tmp_path / "nowhere", user_dir=tmp_path)


# --- errors -----------------------------------------------------------------------------------------


def test_access_denied_needs_get_products() -> None:
    client = pricing_client()
    with Stubber(client) as stubber:
        stubber.add_client_error("get_products", service_error_code="AccessDeniedException",
                                 service_message="User is not authorized to perform: pricing:GetProducts",
                                 http_status_code=400)
        with pytest.raises(PriceUpdateError) as info:
            fetch_prices(client, "us-east-1", keys=["lambda.requests"], today=TODAY)
    assert "pricing:GetProducts" in info.value.message and info.value.exit_code == 2
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_other_client_errors_are_translated() -> None:
    client = pricing_client()
    with Stubber(client) as stubber:
        stubber.add_client_error("get_products", service_error_code="InternalErrorException",
                                 service_message="An internal error occurred", http_status_code=500)
        with pytest.raises(PriceUpdateError) as info:
            fetch_prices(client, "us-east-1", keys=["lambda.requests"], today=TODAY)
    assert info.value.message == ("the AWS Price List API refused the request "
                                  "(InternalErrorException: An internal error occurred)")
    assert info.value.hint


def test_endpoint_connection_error_is_translated() -> None:
    client = pricing_client()

    def unreachable(**_kwargs):
        raise EndpointConnectionError(endpoint_url="https://api.pricing.us-east-1.amazonaws.com/")

    # Raised where botocore would open the connection, so nothing leaves the machine.
    client.meta.events.register("before-send.pricing.GetProducts", unreachable)
    with pytest.raises(PriceUpdateError) as info:
        fetch_prices(client, "us-east-1", keys=["lambda.requests"], today=TODAY)
    assert info.value.message.startswith("cannot reach the AWS Price List API")
    assert info.value.hint == "check the network; the bundled catalog keeps working offline"


def test_no_credentials_fails_fast_without_network(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE",
                 "AWS_DEFAULT_PROFILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                 "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_CREDENTIAL_PROCESS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)  # a session made earlier may have cached credentials
    # Failing fast means looking nowhere else for credentials: no name lookup, no connection (to an
    # instance metadata endpoint, say) that could wait on the network. Counted, never timed.
    reached = []

    def no_network(*args, **kwargs):
        reached.append(args)
        raise OSError("the test allows no network")

    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket.socket, "connect_ex", no_network)
    client = make_client("us-east-1")
    sent = []
    client.meta.events.register("before-send.pricing.GetProducts", lambda **kw: sent.append(kw) or _refuse())
    with pytest.raises(PriceUpdateError) as info:
        fetch_prices(client, "us-east-1", keys=["lambda.requests"], today=TODAY)
    assert reached == []
    assert sent == []
    assert info.value.message == "no AWS credentials found for the Price List API"
    assert "aws configure" in info.value.hint and "AWS_PROFILE" in info.value.hint and "free" in info.value.hint


def _refuse():
    raise AssertionError("a request without credentials must not be sent")


def test_make_client_refuses_regions_without_a_price_list_endpoint() -> None:
    with pytest.raises(PriceUpdateError, match="no endpoint in eu-west-1"):
        make_client("eu-west-1")


def test_importing_update_does_not_import_boto() -> None:
    code = ("import sys, advisor.pricing.update, advisor.pricing.catalog; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
