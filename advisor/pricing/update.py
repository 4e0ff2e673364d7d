"""Refresh a region's price catalog from the AWS Price List Query API (`advisor prices update`).

The mapping from catalog keys to Price List products is data (`QUERIES`): a service code, TERM_MATCH
filters on the region and product attributes, and an optional usagetype suffix. Usage types carry a
region prefix that differs by service and region (`USE1-ApiGatewayRequest`, `EU-Request`, plain `Request`
for Lambda in us-east-1, `us-east-1-KMS-Requests`), so the suffix is matched after any region prefix and
never as a hard-coded prefix. Prices the Price List cannot supply stay as bundled, with their own source.

boto3 and botocore are imported only inside the functions that talk to AWS, so importing this module
(and every other `advisor` command) stays cheap.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation, localcontext
from pathlib import Path
from typing import Any, Iterable, Mapping, NamedTuple

from advisor.errors import AdvisorError

from .catalog import Catalog, clear_catalog_cache, load_catalog, parse_catalog
from .errors import PriceNotFound

PRICE_LIST_REGIONS = ("us-east-1", "eu-central-1", "ap-south-1")
FORMAT_VERSION = "aws_v1"
PAGE_SIZE = 100
SOURCE_NAME = "AWS Price List Query API"

_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Region prefixes of usage types: `USE1`, `EUC1`, `APS3`, `UGW1` ..., the bare `EU` of eu-west-1, or a
# whole region code (`us-east-1-KMS-Keys`). Anything else before the suffix (`IA-`, `Edge-`) is a
# different product, not a region.
_USAGETYPE_PREFIX = re.compile(r"(?:[A-Z]{3,4}\d|EU|[a-z]{2}(?:-[a-z]+)+-\d{1,2})")
_CREDENTIAL_HINT = (
    "configure credentials with `aws configure` or choose a profile with AWS_PROFILE; "
    "the Price List API is free to call but still needs signed requests"
)
_OFFLINE_HINT = "check the network; the bundled catalog keeps working offline"


class PriceUpdateError(AdvisorError):
    """Fetching prices failed for a reason the user can fix (credentials, network, permissions)."""

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        Exception.__init__(self, f"{message} ({hint})" if hint else message)

    def lines(self) -> list[str]:
        """The lines to print on stderr."""
        return [f"error: {self.message}"] + ([f"hint: {self.hint}"] if self.hint else [])


@dataclass(frozen=True)
class PriceQuery:
    """How one catalog key is found in the Price List and converted to the catalog's unit."""

    key: str
    service: str
    unit: str
    # Price List units accepted for this key, each with how many catalog units one of it holds.
    units: Mapping[str, str]
    filters: tuple[tuple[str, str], ...] = ()
    usagetype: str | None = None
    # AWSDataTransfer products have a source and a destination instead of a regionCode.
    region_field: str = "regionCode"

    def request_filters(self, region: str) -> list[dict[str, str]]:
        """The GetProducts `Filters` for this query in a region."""
        pairs = ((self.region_field, region),) + self.filters
        return [{"Type": "TERM_MATCH", "Field": name, "Value": value} for name, value in pairs]

    def signature(self) -> tuple[str, str, tuple[tuple[str, str], ...]]:
        """What identifies the API request, so keys sharing a request fetch it once."""
        return (self.service, self.region_field, self.filters)


def _q(key: str, service: str, unit: str, units: Mapping[str, str] | tuple[str, ...], *filters: tuple[str, str],
       usagetype: str | None = None, region_field: str = "regionCode") -> PriceQuery:
    mapping = dict(units) if isinstance(units, Mapping) else {name: "1" for name in units}
    return PriceQuery(key, service, unit, mapping, tuple(filters), usagetype, region_field)


_LAMBDA = ("productFamily", "Serverless")
_GB_SECONDS = ("Lambda-GB-Second", "GB-Seconds", "Second")

# Attribute names and values follow the Price List's product attributes (and Infracost's price filters);
# a key whose query finds no product keeps its bundled price and is reported as not refreshed.
QUERIES: tuple[PriceQuery, ...] = (
    # AWS Lambda
    _q("lambda.requests", "AWSLambda", "requests", ("Requests",), _LAMBDA, ("group", "AWS-Lambda-Requests"),
       usagetype="Request"),
    _q("lambda.duration-x86_64", "AWSLambda", "GB-seconds", _GB_SECONDS, _LAMBDA, ("group", "AWS-Lambda-Duration"),
       usagetype="Lambda-GB-Second"),
    _q("lambda.duration-arm64", "AWSLambda", "GB-seconds", _GB_SECONDS, _LAMBDA,
       ("group", "AWS-Lambda-Duration-ARM"), usagetype="Lambda-GB-Second-ARM"),
    _q("lambda.ephemeral-storage", "AWSLambda", "GB-seconds", _GB_SECONDS, _LAMBDA,
       ("group", "AWS-Lambda-Storage-Duration")),
    _q("lambda.provisioned-concurrency-x86_64", "AWSLambda", "GB-seconds", _GB_SECONDS, _LAMBDA,
       ("group", "AWS-Lambda-Provisioned-Concurrency")),
    _q("lambda.provisioned-concurrency-arm64", "AWSLambda", "GB-seconds", _GB_SECONDS, _LAMBDA,
       ("group", "AWS-Lambda-Provisioned-Concurrency-ARM")),
    _q("lambda.provisioned-duration-x86_64", "AWSLambda", "GB-seconds", _GB_SECONDS, _LAMBDA,
       ("group", "AWS-Lambda-Duration-Provisioned")),
    _q("lambda.provisioned-duration-arm64", "AWSLambda", "GB-seconds", _GB_SECONDS, _LAMBDA,
       ("group", "AWS-Lambda-Duration-Provisioned-ARM")),
    # Amazon API Gateway
    _q("apigateway.rest-requests", "AmazonApiGateway", "requests", ("Requests",), ("productFamily", "API Calls"),
       usagetype="ApiGatewayRequest"),
    _q("apigateway.http-requests", "AmazonApiGateway", "requests", ("Requests",), ("productFamily", "API Calls"),
       usagetype="ApiGatewayHttpRequest"),
    _q("apigateway.websocket-messages", "AmazonApiGateway", "messages", ("Messages", "Requests"),
       ("productFamily", "WebSocket"), usagetype="ApiGatewayMessage"),
    _q("apigateway.websocket-connection-minutes", "AmazonApiGateway", "minutes", ("Minutes",),
       ("productFamily", "WebSocket"), usagetype="ApiGatewayMinute"),
    _q("apigateway.cache-0.5gb", "AmazonApiGateway", "hours", ("Hrs", "Hours"),
       ("productFamily", "Amazon API Gateway Cache"), ("cacheMemorySizeGb", "0.5")),
    _q("apigateway.cache-1.6gb", "AmazonApiGateway", "hours", ("Hrs", "Hours"),
       ("productFamily", "Amazon API Gateway Cache"), ("cacheMemorySizeGb", "1.6")),
    # Amazon SQS
    _q("sqs.standard-requests", "AWSQueueService", "requests", ("Requests",), ("productFamily", "API Request"),
       ("queueType", "Standard"), usagetype="Requests-Tier1"),
    _q("sqs.fifo-requests", "AWSQueueService", "requests", ("Requests",), ("productFamily", "API Request"),
       ("queueType", "FIFO (first-in, first-out)"), usagetype="Requests-FIFO-Tier1"),
    # Amazon SNS
    _q("sns.publishes", "AmazonSNS", "requests", ("Requests",), ("productFamily", "API Request"),
       usagetype="Requests-Tier1"),
    _q("sns.http-deliveries", "AmazonSNS", "deliveries", ("Notifications",), ("productFamily", "Message Delivery"),
       usagetype="DeliveryAttempts-HTTP"),
    _q("sns.email-deliveries", "AmazonSNS", "deliveries", ("Notifications",), ("productFamily", "Message Delivery"),
       usagetype="DeliveryAttempts-SMTP"),
    _q("sns.mobile-push-deliveries", "AmazonSNS", "deliveries", ("Notifications",),
       ("productFamily", "Message Delivery"), usagetype="DeliveryAttempts-APNS"),
    _q("sns.firehose-deliveries", "AmazonSNS", "deliveries", ("Notifications",),
       ("productFamily", "Message Delivery"), usagetype="DeliveryAttempts-FIREHOSE"),
    # Amazon DynamoDB
    _q("dynamodb.write-request-units", "AmazonDynamoDB", "WRU", ("WriteRequestUnits",),
       ("productFamily", "Amazon DynamoDB PayPerRequest Throughput"), ("group", "DDB-WriteUnits"),
       usagetype="WriteRequestUnits"),
    _q("dynamodb.read-request-units", "AmazonDynamoDB", "RRU", ("ReadRequestUnits",),
       ("productFamily", "Amazon DynamoDB PayPerRequest Throughput"), ("group", "DDB-ReadUnits"),
       usagetype="ReadRequestUnits"),
    _q("dynamodb.replicated-write-request-units", "AmazonDynamoDB", "rWRU",
       ("ReplicatedWriteRequestUnits", "WriteRequestUnits"),
       ("productFamily", "Amazon DynamoDB PayPerRequest Throughput"), ("group", "DDB-ReplicatedWriteUnits"),
       usagetype="ReplWriteRequestUnits"),
    _q("dynamodb.write-capacity-unit-hours", "AmazonDynamoDB", "WCU-hours", ("WriteCapacityUnit-Hrs",),
       ("productFamily", "Provisioned IOPS"), ("group", "DDB-WriteUnits"), usagetype="WriteCapacityUnit-Hrs"),
    _q("dynamodb.read-capacity-unit-hours", "AmazonDynamoDB", "RCU-hours", ("ReadCapacityUnit-Hrs",),
       ("productFamily", "Provisioned IOPS"), ("group", "DDB-ReadUnits"), usagetype="ReadCapacityUnit-Hrs"),
    _q("dynamodb.storage", "AmazonDynamoDB", "GB-month", ("GB-Mo",), ("productFamily", "Database Storage"),
       usagetype="TimedStorage-ByteHrs"),
    _q("dynamodb.pitr-storage", "AmazonDynamoDB", "GB-month", ("GB-Mo",), ("productFamily", "Database Storage"),
       usagetype="TimedPITRStorage-ByteHrs"),
    _q("dynamodb.backup-storage", "AmazonDynamoDB", "GB-month", ("GB-Mo",),
       ("productFamily", "Amazon DynamoDB On-Demand Backup Storage"), usagetype="TimedBackupStorage-ByteHrs"),
    _q("dynamodb.restore", "AmazonDynamoDB", "GB", ("GB",), ("productFamily", "Amazon DynamoDB Restore Data Size"),
       usagetype="RestoreDataSize-Bytes"),
    _q("dynamodb.streams-read-request-units", "AmazonDynamoDB", "sRRU", ("Requests", "ReadRequestUnits"),
       ("productFamily", "API Request"), ("group", "DDB-StreamsReadRequests")),
    # Amazon CloudWatch
    _q("cloudwatch.logs-ingest", "AmazonCloudWatch", "GB", ("GB",), ("productFamily", "Data Payload"),
       usagetype="DataProcessing-Bytes"),
    _q("cloudwatch.logs-insights-scanned", "AmazonCloudWatch", "GB", ("GB",), ("productFamily", "Data Payload"),
       usagetype="DataScanned-Bytes"),
    _q("cloudwatch.logs-storage", "AmazonCloudWatch", "GB-month", ("GB-Mo",), ("productFamily", "Storage Snapshot"),
       usagetype="TimedStorage-ByteHrs"),
    _q("cloudwatch.metrics", "AmazonCloudWatch", "metrics", ("Metrics",), ("productFamily", "Metric"),
       usagetype="CW:MetricMonitorUsage"),
    _q("cloudwatch.alarms-standard", "AmazonCloudWatch", "alarm metrics", ("Alarms",), ("productFamily", "Alarm"),
       ("alarmType", "Standard"), usagetype="CW:AlarmMonitorUsage"),
    _q("cloudwatch.alarms-high-resolution", "AmazonCloudWatch", "alarm metrics", ("Alarms",),
       ("productFamily", "Alarm"), ("alarmType", "High Resolution")),
    # AWS CloudTrail
    _q("cloudtrail.management-events-additional", "AWSCloudTrail", "events", ("Events",),
       ("productFamily", "Management Tools - AWS CloudTrail Paid Events Recorded")),
    _q("cloudtrail.data-events", "AWSCloudTrail", "events", ("Events",),
       ("productFamily", "Management Tools - AWS CloudTrail Data Events Recorded")),
    _q("cloudtrail.insight-events", "AWSCloudTrail", "events", ("Events",),
       ("productFamily", "Management Tools - AWS CloudTrail Insights Events")),
    # AWS KMS: one region-wide query; the usage types tell the products apart.
    _q("kms.keys", "awskms", "key-months", ("Keys", "Months"), usagetype="KMS-Keys"),
    _q("kms.requests", "awskms", "requests", ("Requests",), usagetype="KMS-Requests"),
    _q("kms.asymmetric-requests", "awskms", "requests", ("Requests",), usagetype="KMS-Requests-Asymmetric"),
    _q("kms.generate-data-key-pair-requests", "awskms", "requests", ("Requests",),
       usagetype="KMS-Requests-GenerateDatakeyPair-RSA"),
    # Amazon EventBridge
    _q("eventbridge.custom-events", "AWSEvents", "events", ("Events",), ("productFamily", "EventBridge"),
       ("eventType", "Custom Event"), usagetype="Event-64K-Chunks"),
    _q("eventbridge.third-party-events", "AWSEvents", "events", ("Events",), ("productFamily", "EventBridge"),
       ("eventType", "Partner Event"), usagetype="Event-64K-Chunks"),
    _q("eventbridge.schema-discovery", "AWSEvents", "events", ("Events",), ("productFamily", "EventBridge"),
       ("eventType", "Discovery Event"), usagetype="Event-8K-Chunks"),
    _q("eventbridge.archive-processing", "AWSEvents", "GB", ("GB",), ("productFamily", "CloudWatch Events"),
       usagetype="ArchivedEvents-Bytes"),
    _q("eventbridge.archive-storage", "AWSEvents", "GB-month", ("GB-Mo",), ("productFamily", "CloudWatch Events"),
       usagetype="TimedStorage-ByteHrs"),
    # AWS Step Functions
    _q("stepfunctions.standard-transitions", "AmazonStates", "transitions", ("StateTransitions", "Transitions"),
       ("productFamily", "AWS Step Functions"), usagetype="StateTransition"),
    _q("stepfunctions.express-requests", "AmazonStates", "requests", ("Requests",),
       ("productFamily", "AWS Step Functions"), usagetype="StepFunctions-Request"),
    _q("stepfunctions.express-duration", "AmazonStates", "GB-seconds", ("GB-Second", "GB-Seconds"),
       usagetype="StepFunctions-GB-Second"),
    # Amazon S3
    _q("s3.standard-storage", "AmazonS3", "GB-month", ("GB-Mo",), ("productFamily", "Storage"),
       ("volumeType", "Standard"), usagetype="TimedStorage-ByteHrs"),
    _q("s3.put-requests", "AmazonS3", "requests", ("Requests",), ("productFamily", "API Request"),
       ("group", "S3-API-Tier1"), usagetype="Requests-Tier1"),
    _q("s3.get-requests", "AmazonS3", "requests", ("Requests",), ("productFamily", "API Request"),
       ("group", "S3-API-Tier2"), usagetype="Requests-Tier2"),
    # AWS Backup
    _q("backup.dynamodb-warm-storage", "AWSBackup", "GB-month", ("GB-Mo",), ("productFamily", "AWS Backup Storage"),
       usagetype="WarmStorage-ByteHrs-DynamoDB"),
    # AWS Fargate (priced under Amazon ECS)
    _q("fargate.vcpu-hours-x86_64", "AmazonECS", "vCPU-hours", ("hours", "Hrs"), ("productFamily", "Compute"),
       usagetype="Fargate-vCPU-Hours:perCPU"),
    _q("fargate.gb-hours-x86_64", "AmazonECS", "GB-hours", ("hours", "Hrs"), ("productFamily", "Compute"),
       usagetype="Fargate-GB-Hours"),
    _q("fargate.vcpu-hours-arm64", "AmazonECS", "vCPU-hours", ("hours", "Hrs"), ("productFamily", "Compute"),
       usagetype="Fargate-ARM-vCPU-Hours:perCPU"),
    _q("fargate.gb-hours-arm64", "AmazonECS", "GB-hours", ("hours", "Hrs"), ("productFamily", "Compute"),
       usagetype="Fargate-ARM-GB-Hours"),
    # Data transfer
    _q("data-transfer.internet-out", "AWSDataTransfer", "GB", ("GB",), ("transferType", "AWS Outbound"),
       usagetype="DataTransfer-Out-Bytes", region_field="fromRegionCode"),
    _q("data-transfer.intra-region", "AWSDataTransfer", "GB", ("GB",), ("transferType", "IntraRegion"),
       usagetype="DataTransfer-Regional-Bytes", region_field="fromRegionCode"),
    # Elastic Load Balancing (the always-on alternative of the break-even sweep)
    _q("alb.hours", "AWSELB", "hours", ("Hrs", "Hours"), ("productFamily", "Load Balancer-Application"),
       usagetype="LoadBalancerUsage"),
    _q("alb.lcu-hours", "AWSELB", "LCU-hours", ("LCU-Hrs",), ("productFamily", "Load Balancer-Application"),
       usagetype="LCUUsage"),
)
QUERY_BY_KEY: Mapping[str, PriceQuery] = {query.key: query for query in QUERIES}


class Missing(NamedTuple):
    """A key the Price List did not supply, and why."""

    key: str
    reason: str


@dataclass(frozen=True)
class FetchResult:
    """Prices fetched for one region: catalog-format entries by key, and the keys not found."""

    region: str
    prices: Mapping[str, dict[str, Any]]
    missing: tuple[Missing, ...] = ()
    requests: int = 0
    documents: int = 0


def usagetype_matches(usagetype: str, suffix: str) -> bool:
    """Whether a usage type is `suffix`, alone or after a region prefix (`USE1-`, `EU-`, `us-east-1-`)."""
    if usagetype == suffix:
        return True
    if not usagetype.endswith("-" + suffix):
        return False
    return _USAGETYPE_PREFIX.fullmatch(usagetype[: -len(suffix) - 1]) is not None


def plan_queries(keys: Iterable[str] | None = None) -> list[tuple[PriceQuery, ...]]:
    """The distinct API requests needed for the keys, in table order, each with the queries it serves."""
    wanted = set(QUERY_BY_KEY) if keys is None else set(keys)
    groups: dict[tuple[Any, ...], list[PriceQuery]] = {}
    for query in QUERIES:
        if query.key in wanted:
            groups.setdefault(query.signature(), []).append(query)
    return [tuple(group) for group in groups.values()]


def make_client(region_name: str = "us-east-1") -> Any:
    """A boto3 `pricing` client; the Price List endpoint exists only in us-east-1, eu-central-1 and ap-south-1."""
    if region_name not in PRICE_LIST_REGIONS:
        raise PriceUpdateError(
            f"the AWS Price List API has no endpoint in {region_name}",
            hint=f"use one of {', '.join(PRICE_LIST_REGIONS)}; any of them serves the prices of every region",
        )
    try:
        import boto3
    except ImportError:
        raise PriceUpdateError("boto3 is not installed", hint="install it with `pip install boto3`") from None
    try:
        return boto3.client("pricing", region_name=region_name)
    except Exception as exc:
        error = _translate(exc)
        if error is exc:
            raise
        raise error from None


def fetch_prices(client: Any, region: str, *, keys: Iterable[str] | None = None, today: str) -> FetchResult:
    """Query the Price List for the keys (all mapped keys by default) in a region and convert them."""
    if not _REGION.match(region):
        raise PriceUpdateError(f"{region!r} is not an AWS region code", hint="for example us-east-1 or eu-west-1")
    if not _DATE.match(today):
        raise ValueError(f"today must be a YYYY-MM-DD date, got {today!r}")
    if isinstance(keys, str):
        keys = [keys]
    wanted = list(dict.fromkeys(QUERY_BY_KEY if keys is None else keys))
    missing = [Missing(key, "the Price List query table has no mapping for this key")
               for key in wanted if key not in QUERY_BY_KEY]
    prices: dict[str, dict[str, Any]] = {}
    requests = documents = 0
    for group in plan_queries(k for k in wanted if k in QUERY_BY_KEY):
        products = _run_query(client, group[0], region)
        requests += 1
        documents += len(products)
        for query in group:
            entry, reason = _select(query, products, region, today)
            if entry is None:
                missing.append(Missing(query.key, reason))
            else:
                prices[query.key] = entry
    order = {key: index for index, key in enumerate(wanted)}
    missing.sort(key=lambda item: order.get(item.key, len(order)))
    return FetchResult(region=region, prices=prices, missing=tuple(missing), requests=requests, documents=documents)


def build_catalog(region: str, fetched: FetchResult | Mapping[str, Mapping[str, Any]],
                  base: Catalog | Mapping[str, Any] | None, today: str) -> dict[str, Any]:
    """A complete catalog document: fetched prices override, the rest and the free tier come from `base`."""
    if not _DATE.match(today):
        raise ValueError(f"today must be a YYYY-MM-DD date, got {today!r}")
    fresh = fetched.prices if isinstance(fetched, FetchResult) else fetched
    raw_base = _base_document(base)
    if raw_base is not None and raw_base.get("region") != region:
        raise ValueError(f"base catalog is for {raw_base.get('region')!r}, not {region!r}")
    prices: dict[str, Any] = {}
    for key, entry in (raw_base or {}).get("prices", {}).items():
        prices[key] = json.loads(json.dumps(entry))
    for key, entry in fresh.items():
        prices[key] = json.loads(json.dumps(entry))
    kept = len(prices) - len(fresh)
    source = f"{SOURCE_NAME} (pricing:GetProducts), {len(fresh)} of {len(prices)} prices refreshed on {today}"
    if kept:
        source += f"; the other {kept} kept from the bundled catalog with their own sources"
    data: dict[str, Any] = {
        "region": region,
        "currency": "USD",
        "as_of": today,
        "source": source,
        "prices": dict(sorted(prices.items())),
        "free_tier": json.loads(json.dumps((raw_base or {}).get("free_tier", {}))),
    }
    # Refuse to hand back a document that later runs would reject.
    parse_catalog(data)
    return data


def write_catalog(data: Mapping[str, Any], path: Path) -> None:
    """Write a catalog as deterministic JSON (sorted keys, indent 2), atomically, creating the folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        # mkstemp makes the file private; a price catalog is not a secret.
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _run_query(client: Any, query: PriceQuery, region: str) -> list[dict[str, Any]]:
    try:
        paginator = client.get_paginator("get_products")
        pages = paginator.paginate(
            ServiceCode=query.service,
            Filters=query.request_filters(region),
            FormatVersion=FORMAT_VERSION,
            PaginationConfig={"PageSize": PAGE_SIZE},
        )
        raw_items = [item for page in pages for item in page.get("PriceList", [])]
    except PriceUpdateError:
        raise
    except Exception as exc:
        error = _translate(exc)
        if error is exc:
            raise
        raise error from None
    products = []
    for raw in raw_items:
        try:
            # PriceList items arrive as JSON strings, one product document each.
            products.append(json.loads(raw) if isinstance(raw, str) else raw)
        except json.JSONDecodeError as exc:
            raise PriceUpdateError(f"the Price List returned a malformed {query.service} document: {exc}") from None
    return products


def _select(query: PriceQuery, products: list[dict[str, Any]], region: str,
            today: str) -> tuple[dict[str, Any] | None, str]:
    matches = [doc for doc in products if _product_matches(query, doc, region)]
    if not matches:
        what = f"usagetype *{query.usagetype}" if query.usagetype else "the filters"
        return None, f"no {query.service} product matched {what}"
    if len(matches) > 1:
        skus = ", ".join(sorted(str(doc.get("product", {}).get("sku")) for doc in matches))
        return None, f"{len(matches)} {query.service} products matched ({skus}); refusing to guess"
    try:
        return _convert(query, matches[0], today), ""
    except _Unusable as exc:
        return None, str(exc)


def _product_matches(query: PriceQuery, doc: Mapping[str, Any], region: str) -> bool:
    product = doc.get("product", {})
    attributes = product.get("attributes", {})
    if query.usagetype is not None and not usagetype_matches(str(attributes.get("usagetype", "")), query.usagetype):
        return False
    # The API already filtered on these; checking again keeps recorded or hand-fed documents honest.
    for name, value in ((query.region_field, region),) + query.filters:
        actual = product.get("productFamily") if name == "productFamily" else attributes.get(name)
        if str(actual).lower() != value.lower():
            return False
    return True


class _Unusable(Exception):
    pass


def _convert(query: PriceQuery, doc: Mapping[str, Any], today: str) -> dict[str, Any]:
    sku = str(doc.get("product", {}).get("sku") or "?")
    on_demand = doc.get("terms", {}).get("OnDemand") or {}
    if not on_demand:
        raise _Unusable(f"{query.service} sku {sku} has no OnDemand terms")
    accepted = {unit.lower(): Decimal(factor) for unit, factor in query.units.items()}
    dims: list[tuple[Decimal, Decimal | None, Decimal]] = []
    effective: list[str] = []
    for term in on_demand.values():
        if term.get("effectiveDate"):
            effective.append(str(term["effectiveDate"]))
        for dim in (term.get("priceDimensions") or {}).values():
            factor = accepted.get(str(dim.get("unit", "")).lower())
            if factor is None:
                # Another unit is another charge of the same product (an upfront fee, say), not this price.
                continue
            try:
                usd = Decimal(str(dim["pricePerUnit"]["USD"]))
                begin = Decimal(str(dim.get("beginRange", "0")))
                end_raw = str(dim.get("endRange", "Inf"))
                end = None if end_raw in ("Inf", "") else Decimal(end_raw)
            except (KeyError, TypeError, InvalidOperation):
                raise _Unusable(f"{query.service} sku {sku} has an unreadable price dimension") from None
            dims.append(_scale(begin, end, usd, factor))
    if not dims:
        units = ", ".join(sorted(query.units))
        raise _Unusable(f"{query.service} sku {sku} has no OnDemand price in {units}")
    dims.sort(key=lambda dim: dim[0])
    # A leading $0 tier is the free tier, which the catalog keeps as a separate allowance.
    if len(dims) > 1 and dims[0][2] == 0:
        dims = [(Decimal(0), dims[1][1], dims[1][2])] + dims[2:]
    tiers = []
    expected = Decimal(0)
    for index, (begin, end, usd) in enumerate(dims):
        if begin != expected or (end is None and index != len(dims) - 1) or (end is not None and end <= begin):
            raise _Unusable(f"{query.service} sku {sku} has overlapping or gapped tiers")
        tiers.append({"begin": _text(begin), "end": None if end is None else _text(end), "usd": _text(usd)})
        expected = end if end is not None else expected
    published = str(doc.get("publicationDate") or "")[:10]
    effective_date = min(effective)[:10] if effective else ""
    as_of = next((d for d in (published, effective_date) if _DATE.match(d)), today)
    parts = [f"{SOURCE_NAME}: {query.service} sku {sku}"]
    usagetype = doc.get("product", {}).get("attributes", {}).get("usagetype")
    if usagetype:
        parts.append(f"usagetype {usagetype}")
    if effective_date:
        parts.append(f"effective {effective_date}")
    if published:
        parts.append(f"publication {published}")
    if doc.get("version"):
        parts.append(f"version {doc['version']}")
    return {"unit": query.unit, "tiers": tiers, "source": ", ".join(parts), "as_of": as_of}


def _scale(begin: Decimal, end: Decimal | None, usd: Decimal,
           factor: Decimal) -> tuple[Decimal, Decimal | None, Decimal]:
    if factor == 1:
        return begin, end, usd
    with localcontext() as ctx:
        ctx.prec = 60
        price = usd / factor
        if price * factor != usd:
            raise _Unusable(f"price {usd} does not divide exactly by {factor}")
        return begin * factor, None if end is None else end * factor, price


def _text(value: Decimal) -> str:
    # Plain notation without trailing zeros: "0.0000035000" -> "0.0000035", "3.33E+8" -> "333000000".
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def _base_document(base: Catalog | Mapping[str, Any] | None) -> dict[str, Any] | None:
    if base is None:
        return None
    if isinstance(base, Mapping):
        return dict(base)
    # The parsed catalog drops the free tier's dates, so keep entries verbatim from the file it came from.
    text = None
    try:
        if base.origin:
            text = Path(base.origin).read_text(encoding="utf-8")
        else:
            from importlib.resources import files

            resource = files("advisor.pricing") / "prices" / f"{base.region}.json"
            if resource.is_file():
                text = resource.read_text(encoding="utf-8")
    except OSError:
        text = None
    if text is not None:
        raw = json.loads(text)
        if isinstance(raw, dict) and raw.get("region") == base.region:
            return raw
    return _document_from_catalog(base)


def _document_from_catalog(base: Catalog) -> dict[str, Any]:
    prices = {}
    for key, entry in base.prices.items():
        item: dict[str, Any] = {
            "unit": entry.unit,
            "tiers": [{"begin": str(t.begin), "end": None if t.end is None else str(t.end), "usd": str(t.price)}
                      for t in entry.tiers],
            "source": entry.source,
            "as_of": entry.as_of,
        }
        if entry.note:
            item["note"] = entry.note
        prices[key] = item
    free = {key: {"quantity": str(a.quantity), "unit": a.unit, "scope": a.scope, "source": a.source,
                  "as_of": base.as_of} for key, a in base.free_tier.items()}
    return {"region": base.region, "currency": base.currency, "as_of": base.as_of, "source": base.source,
            "prices": prices, "free_tier": free}


def _translate(exc: BaseException) -> BaseException:
    # Anything that is not a botocore failure is returned unchanged, for the caller to re-raise.
    try:
        from botocore import exceptions as bx
    except ImportError:
        return exc
    if isinstance(exc, (bx.NoCredentialsError, bx.PartialCredentialsError)):
        return PriceUpdateError("no AWS credentials found for the Price List API", hint=_CREDENTIAL_HINT)
    if isinstance(exc, bx.ProfileNotFound):
        return PriceUpdateError(f"AWS profile not found: {exc}",
                                hint="check AWS_PROFILE against `aws configure list-profiles`")
    # ConnectionError covers EndpointConnectionError, ConnectTimeoutError, proxy and TLS failures;
    # HTTPClientError covers read timeouts and dropped connections.
    if isinstance(exc, (bx.ConnectionError, bx.HTTPClientError)):
        return PriceUpdateError(f"cannot reach the AWS Price List API: {exc}", hint=_OFFLINE_HINT)
    if isinstance(exc, bx.ClientError):
        error = exc.response.get("Error", {}) if isinstance(exc.response, dict) else {}
        code = str(error.get("Code") or "Unknown")
        detail = str(error.get("Message") or "").strip()
        if code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation"):
            return PriceUpdateError(
                "access denied by the AWS Price List API: the credentials need pricing:GetProducts",
                hint="attach a policy that allows pricing:GetProducts (AWSPriceListServiceFullAccess has it)",
            )
        if code in ("UnrecognizedClientException", "InvalidClientTokenId", "InvalidSignatureException",
                    "ExpiredTokenException", "ExpiredToken"):
            return PriceUpdateError(f"the AWS credentials were rejected ({code})", hint=_CREDENTIAL_HINT)
        if code in ("ThrottlingException", "Throttling"):
            return PriceUpdateError("the AWS Price List API is throttling requests", hint="wait a minute and retry")
        return PriceUpdateError(
            f"the AWS Price List API refused the request ({code}{': ' + detail if detail else ''})",
            hint="retry later; the bundled catalog keeps working meanwhile",
        )
    if isinstance(exc, bx.BotoCoreError):
        return PriceUpdateError(f"AWS SDK error while fetching prices: {exc}", hint=_OFFLINE_HINT)
    return exc


class Refreshed(NamedTuple):
    """What one region's refresh wrote."""

    region: str
    path: Path
    refreshed: int
    kept: int
    missing: tuple[Missing, ...]


def refresh(client: Any, regions: Iterable[str], out_dir: Path, *, today: str,
            bundled_dir: Path | None = None) -> list[Refreshed]:
    """Fetch each region's prices, merge them over its bundled catalog and write `out_dir/<region>.json`."""
    written: list[Refreshed] = []
    for region in regions:
        if not _REGION.match(region):
            raise PriceUpdateError(f"{region!r} is not an AWS Region code", hint="for example us-east-1")
        try:
            base: Catalog | None = load_catalog(region, bundled_dir)
        except PriceNotFound:
            base = None  # a Region with no bundled catalog gets what the Price List has
        result = fetch_prices(client, region, today=today)
        data = build_catalog(region, result, base, today)
        path = out_dir / f"{region}.json"
        write_catalog(data, path)
        kept = len(data["prices"]) - len(result.prices)
        written.append(Refreshed(region, path, len(result.prices), kept, result.missing))
    clear_catalog_cache()
    return written
