"""Refresh Regions' price catalogs from AWS's public Price List bulk files (`advisor prices update`).

The bulk files need no account and no credentials: an offer index names each service's Region index, which
names the service's offer file for each Region (`bulk.py` fetches them, bounded in size and time). The
signed Price List Query API is not used: it needs AWS credentials, and the bulk files hold every SKU of
every Region, so they serve every Region the Query API would.

The mapping from catalog keys to products is data (`QUERIES`): a service code, product attributes that must
match, and an optional usagetype suffix. Usage types carry a Region prefix that differs by service and
Region (`USE1-ApiGatewayRequest`, `EU-Request`, plain `Request` for Lambda in us-east-1,
`us-east-1-KMS-Requests`), so the suffix is matched after any Region prefix and never as a hard-coded
prefix. Each price is dated with its OnDemand term's `effectiveDate`. Prices the files cannot supply stay
as the bundled catalog has them, with their own source. A price that cannot be right (not finite,
negative, zero where AWS charges, or off the bundled price by more than a factor of 100) stops the update:
every such key is named and nothing is written.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation, localcontext
from pathlib import Path
from typing import Any, Iterable, Mapping, NamedTuple

from advisor.errors import AdvisorError

from .bulk import MAX_INDEX_BYTES, MAX_OFFER_BYTES, OFFER_INDEX, PriceSourceError, Source
from .catalog import Catalog, PriceEntry, clear_catalog_cache, load_catalog, parse_catalog
from .errors import PriceNotFound

SOURCE_NAME = "AWS Price List bulk files"
# A fetched price this many times above, or below 1/this of, the bundled price is a damaged file or a
# unit mix-up, not a price change: AWS's dearest Regions are about twice us-east-1.
MAX_RATIO = Decimal(100)

_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Region prefixes of usage types: `USE1`, `EUC1`, `APS3`, `UGW1` ..., the bare `EU` of eu-west-1, or a
# whole region code (`us-east-1-KMS-Keys`). Anything else before the suffix (`IA-`, `Edge-`) is a
# different product, not a region.
_USAGETYPE_PREFIX = re.compile(r"(?:[A-Z]{3,4}\d|EU|[a-z]{2}(?:-[a-z]+)+-\d{1,2})")


class PriceUpdateError(AdvisorError):
    """Refreshing prices failed for a reason the user can act on; nothing was written."""

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        Exception.__init__(self, f"{message} ({hint})" if hint else message)

    def lines(self) -> list[str]:
        """The lines to print on stderr."""
        return [f"error: {self.message}"] + ([f"hint: {self.hint}"] if self.hint else [])


class Refusal(NamedTuple):
    """A price the files hold that cannot be right, and why."""

    region: str
    key: str
    reason: str


class PricesRefused(PriceUpdateError):
    """The bulk files hold prices that cannot be right; every one is named and nothing is written."""

    def __init__(self, refused: Iterable[Refusal]) -> None:
        self.refused = tuple(refused)
        super().__init__(f"refusing {len(self.refused)} price(s) from the bulk files, nothing written: "
                         + "; ".join(f"{r.region} {r.key}: {r.reason}" for r in self.refused),
                         hint="check the source (--source); the bundled and existing catalogs are unchanged")

    def lines(self) -> list[str]:
        """One line per refused price, then the hint."""
        head = f"error: refusing {len(self.refused)} price(s) from the bulk files; nothing was written"
        return [head] + [f"  {r.region} {r.key}: {r.reason}" for r in self.refused] + [f"hint: {self.hint}"]


@dataclass(frozen=True)
class PriceQuery:
    """How one catalog key is found among a service's products and converted to the catalog's unit."""

    key: str
    service: str
    unit: str
    # Price List units accepted for this key, each with how many catalog units one of it holds.
    units: Mapping[str, str]
    filters: tuple[tuple[str, str], ...] = ()
    usagetype: str | None = None
    # AWSDataTransfer products have a source and a destination instead of a regionCode.
    region_field: str = "regionCode"

    def matches(self, product: Mapping[str, Any], region: str) -> bool:
        """Whether a product of the offer file is this key's product in the Region."""
        attributes = product.get("attributes")
        if not isinstance(attributes, Mapping):
            return False
        if self.usagetype is not None and not usagetype_matches(str(attributes.get("usagetype", "")),
                                                                self.usagetype):
            return False
        for name, value in ((self.region_field, region),) + self.filters:
            actual = product.get("productFamily") if name == "productFamily" else attributes.get(name)
            if str(actual).lower() != value.lower():
                return False
        return True


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
    # Export to and import from S3, matched by usage type alone (DynamoDB Developer Guide, "Understanding
    # DynamoDB billing": ExportDataSize-Bytes, IncrementalExportDataSize-Bytes, ImportDataSize-Bytes).
    _q("dynamodb.export-full", "AmazonDynamoDB", "GB", ("GB",), usagetype="ExportDataSize-Bytes"),
    _q("dynamodb.export-incremental", "AmazonDynamoDB", "GB", ("GB",), usagetype="IncrementalExportDataSize-Bytes"),
    _q("dynamodb.import", "AmazonDynamoDB", "GB", ("GB",), usagetype="ImportDataSize-Bytes"),
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
    """A key the bulk files did not supply, and why; its price stays as it was."""

    key: str
    reason: str


@dataclass(frozen=True)
class Offer:
    """The part of one service's Region offer file that advisor reads: its products and OnDemand terms."""

    service: str
    where: str
    version: str
    published: str
    products: Mapping[str, Mapping[str, Any]]
    on_demand: Mapping[str, Any]


@dataclass(frozen=True)
class FetchResult:
    """Prices read for one Region: catalog-format entries by key, the keys not found, the prices refused."""

    region: str
    prices: Mapping[str, dict[str, Any]]
    missing: tuple[Missing, ...] = ()
    refused: tuple[Refusal, ...] = ()
    files: tuple[str, ...] = field(default_factory=tuple)


def usagetype_matches(usagetype: str, suffix: str) -> bool:
    """Whether a usage type is `suffix`, alone or after a region prefix (`USE1-`, `EU-`, `us-east-1-`)."""
    if usagetype == suffix:
        return True
    if not usagetype.endswith("-" + suffix):
        return False
    return _USAGETYPE_PREFIX.fullmatch(usagetype[: -len(suffix) - 1]) is not None


def services_for(keys: Iterable[str] | None = None) -> list[str]:
    """The service codes whose offer files the keys need, in table order."""
    wanted = set(QUERY_BY_KEY) if keys is None else set(keys)
    return list(dict.fromkeys(query.service for query in QUERIES if query.key in wanted))


def read_offer(service: str, doc: Any, where: str, region: str) -> Offer:
    """Check a Region offer file's shape and keep only the products some key of the service could use."""
    if not isinstance(doc, dict) or not isinstance(doc.get("products"), dict) or not isinstance(doc.get("terms"), dict):
        raise PriceSourceError(f"{where} is not an AWS offer file (no 'products' and 'terms' objects)")
    code = doc.get("offerCode")
    if code is not None and code != service:
        raise PriceSourceError(f"{where} is the offer file of {code}, not {service}")
    on_demand = doc["terms"].get("OnDemand", {})
    if not isinstance(on_demand, dict):
        raise PriceSourceError(f"{where}: 'terms.OnDemand' is not an object")
    queries = [query for query in QUERIES if query.service == service]
    products: dict[str, Mapping[str, Any]] = {}
    for sku, product in doc["products"].items():
        if not isinstance(product, dict):
            raise PriceSourceError(f"{where}: product {str(sku)[:40]!r} is not an object")
        # Keeping only candidates lets the caller drop the tens of megabytes of the rest.
        if any(query.matches(product, region) for query in queries):
            products[str(sku)] = product
    return Offer(service, where, str(doc.get("version") or ""), str(doc.get("publicationDate") or ""),
                 products, {sku: on_demand.get(sku) for sku in products})


class BulkReader:
    """Reads the offer index once, each service's Region index once, and the Regions' offer files."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self._index: dict[str, Any] | None = None
        self._regions: dict[str, Mapping[str, Any] | str] = {}

    def offer(self, service: str, region: str) -> Offer | str:
        """The service's offer for the Region, or why there is none."""
        regions = self._region_index(service)
        if isinstance(regions, str):
            return regions
        entry = regions.get(region)
        if entry is None:
            return f"the {service} Region index has no offer file for {region}"
        path = entry.get("currentVersionUrl") if isinstance(entry, dict) else None
        if not isinstance(path, str):
            raise PriceSourceError(f"{self.source.describe(self._region_path(service))}: {region} has no "
                                   "'currentVersionUrl'")
        return read_offer(service, self.source.load(path, max_bytes=MAX_OFFER_BYTES), self.source.describe(path),
                          region)

    def _offer_index(self) -> dict[str, Any]:
        if self._index is None:
            doc = self.source.load(OFFER_INDEX, max_bytes=MAX_INDEX_BYTES)
            if not isinstance(doc, dict) or not isinstance(doc.get("offers"), dict):
                raise PriceSourceError(f"{self.source.describe(OFFER_INDEX)} is not the AWS offer index "
                                       "(no 'offers' object)")
            self._index = doc["offers"]
        return self._index

    def _region_path(self, service: str) -> str:
        entry = self._offer_index().get(service)
        path = entry.get("currentRegionIndexUrl") if isinstance(entry, dict) else None
        return path if isinstance(path, str) else ""

    def _region_index(self, service: str) -> Mapping[str, Any] | str:
        if service not in self._regions:
            path = self._region_path(service)
            if not path:
                self._regions[service] = f"the offer index has no Region index for {service}"
                return self._regions[service]
            doc = self.source.load(path, max_bytes=MAX_INDEX_BYTES)
            regions = doc.get("regions") if isinstance(doc, dict) else None
            if isinstance(regions, list):  # the Savings Plans variant lists Regions instead of mapping them
                regions = {str(r.get("regionCode")): r for r in regions if isinstance(r, dict)}
            if not isinstance(regions, dict):
                raise PriceSourceError(f"{self.source.describe(path)} is not a Region index (no 'regions')")
            self._regions[service] = regions
        return self._regions[service]


def fetch_prices(reader: BulkReader, region: str, *, keys: Iterable[str] | None = None,
                 reference: Catalog | None = None, today: str) -> FetchResult:
    """Read the Region's offer files for the keys (all mapped keys by default) and convert their prices."""
    if not _REGION.match(region):
        raise PriceUpdateError(f"{region!r} is not an AWS Region code", hint="for example us-east-1 or eu-west-1")
    wanted = list(dict.fromkeys(QUERY_BY_KEY if keys is None else keys))
    offers: dict[str, Offer | str] = {}
    for service in services_for(k for k in wanted if k in QUERY_BY_KEY):
        offers[service] = reader.offer(service, region)
    return select_prices(region, offers, keys=wanted, reference=reference, today=today)


def select_prices(region: str, offers: Mapping[str, Offer | str], *, keys: Iterable[str] | None = None,
                  reference: Catalog | None = None, today: str) -> FetchResult:
    """Map every key to its product in the Region's offers and convert, check and date its price."""
    if not _DATE.match(today):
        raise ValueError(f"today must be a YYYY-MM-DD date, got {today!r}")
    wanted = list(dict.fromkeys(QUERY_BY_KEY if keys is None else keys))
    prices: dict[str, dict[str, Any]] = {}
    missing: list[Missing] = []
    refused: list[Refusal] = []
    for key in wanted:
        query = QUERY_BY_KEY.get(key)
        if query is None:
            missing.append(Missing(key, "no product of the Price List is mapped to this key"))
            continue
        offer = offers.get(query.service, f"{query.service} was not read")
        if isinstance(offer, str):
            missing.append(Missing(key, offer))
            continue
        skus = sorted(sku for sku, product in offer.products.items() if query.matches(product, region))
        if not skus:
            what = f"usagetype *{query.usagetype}" if query.usagetype else "the product attributes"
            missing.append(Missing(key, f"no {query.service} product matched {what}"))
            continue
        if len(skus) > 1:
            missing.append(Missing(key, f"{len(skus)} {query.service} products matched ({', '.join(skus)}); "
                                        "refusing to guess"))
            continue
        try:
            entry = _convert(query, skus[0], offer, today)
        except _Unusable as exc:
            missing.append(Missing(key, str(exc)))
            continue
        except _Refused as exc:
            refused.append(Refusal(region, key, str(exc)))
            continue
        bundled = reference.price(key) if reference is not None and reference.has(key) else None
        why = implausible([Decimal(t["usd"]) for t in entry["tiers"]], bundled)
        if why:
            refused.append(Refusal(region, key, why))
        else:
            prices[key] = entry
    files = tuple(o.where for o in offers.values() if isinstance(o, Offer))
    return FetchResult(region, prices, tuple(missing), tuple(refused), files)


def implausible(prices: list[Decimal], bundled: PriceEntry | None) -> str | None:
    """Why a fetched price's tiers cannot be right next to the bundled price, or None."""
    for usd in prices:
        if not usd.is_finite():
            return f"price {usd} is not a finite number"
        if usd < 0:
            return f"price {usd} is negative"
    if bundled is None:
        return None
    known = [tier.price for tier in bundled.tiers]
    charged = [p for p in known if p > 0]
    if not charged:
        return None
    for usd in prices:
        if usd == 0 and 0 not in known:
            return f"price is 0 where the bundled price is {_text(charged[0])} per {bundled.unit}"
        if usd > max(charged) * MAX_RATIO:
            return f"price {_text(usd)} is more than {MAX_RATIO}x the bundled {_text(max(charged))}"
        if 0 < usd < min(charged) / MAX_RATIO:
            return f"price {_text(usd)} is less than 1/{MAX_RATIO} of the bundled {_text(min(charged))}"
    return None


class _Unusable(Exception):
    """The product holds no price for the key: it stays as it was."""


class _Refused(Exception):
    """The product's price is unreadable or inconsistent: the update stops."""


def _convert(query: PriceQuery, sku: str, offer: Offer, today: str) -> dict[str, Any]:
    terms = offer.on_demand.get(sku)
    if not terms:
        raise _Unusable(f"{query.service} sku {sku} has no OnDemand terms")
    if not isinstance(terms, dict):
        raise _Refused(f"{query.service} sku {sku}: OnDemand terms are not an object")
    accepted = {unit.lower(): Decimal(factor) for unit, factor in query.units.items()}
    chosen: list[tuple[Any, list[tuple[Decimal, Decimal | None, Decimal]]]] = []
    for term in terms.values():
        dimensions = term.get("priceDimensions") if isinstance(term, dict) else None
        if not isinstance(dimensions, dict):
            raise _Refused(f"{query.service} sku {sku}: an OnDemand term has no 'priceDimensions' object")
        dims = []
        for dim in dimensions.values():
            if not isinstance(dim, dict):
                raise _Refused(f"{query.service} sku {sku}: a price dimension is not an object")
            factor = accepted.get(str(dim.get("unit", "")).lower())
            if factor is None:
                # Another unit is another charge of the same product (an upfront fee, say), not this price.
                continue
            dims.append(_dimension(query, sku, dim, factor))
        if dims:
            chosen.append((term, dims))
    if not chosen:
        raise _Unusable(f"{query.service} sku {sku} has no OnDemand price in {', '.join(sorted(query.units))}")
    if len(chosen) > 1:
        raise _Unusable(f"{query.service} sku {sku} has {len(chosen)} OnDemand terms; refusing to guess")
    term, dims = chosen[0]
    dims.sort(key=lambda dim: dim[0])
    # A leading $0 tier is the free tier, which the catalog keeps as a separate allowance.
    if len(dims) > 1 and dims[0][2] == 0:
        dims = [(Decimal(0), dims[1][1], dims[1][2])] + dims[2:]
    tiers = []
    expected = Decimal(0)
    for index, (begin, end, usd) in enumerate(dims):
        if begin != expected or (end is None and index != len(dims) - 1) or (end is not None and end <= begin):
            raise _Refused(f"{query.service} sku {sku} has overlapping or gapped tiers")
        tiers.append({"begin": _text(begin), "end": None if end is None else _text(end), "usd": _text(usd)})
        expected = end if end is not None else expected
    effective = str(term.get("effectiveDate") or "")[:10]
    published = offer.published[:10]
    as_of = next((d for d in (effective, published) if _DATE.match(d)), today)
    parts = [f"{SOURCE_NAME}: {query.service} sku {sku}"]
    usagetype = offer.products[sku].get("attributes", {}).get("usagetype")
    if usagetype:
        parts.append(f"usagetype {usagetype}")
    if _DATE.match(effective):
        parts.append(f"effective {effective}")
    if _DATE.match(published):
        parts.append(f"publication {published}")
    if offer.version:
        parts.append(f"version {offer.version}")
    return {"unit": query.unit, "tiers": tiers, "source": ", ".join(parts), "as_of": as_of}


def _dimension(query: PriceQuery, sku: str, dim: Mapping[str, Any],
               factor: Decimal) -> tuple[Decimal, Decimal | None, Decimal]:
    where = f"{query.service} sku {sku}"
    price = dim.get("pricePerUnit")
    raw = price.get("USD") if isinstance(price, dict) else None
    if isinstance(raw, bool) or not isinstance(raw, (str, int, Decimal)):
        raise _Refused(f"{where} has no USD price ({raw!r})")
    try:
        usd = Decimal(str(raw).strip())
        # The JSON offers say beginRange/endRange; AWS's documentation template says startingRange/endingRange.
        begin = Decimal(str(dim.get("beginRange", dim.get("startingRange", "0"))).strip() or "0")
        end_raw = str(dim.get("endRange", dim.get("endingRange", "Inf"))).strip()
        end = None if end_raw in ("Inf", "") else Decimal(end_raw)
    except InvalidOperation:
        raise _Refused(f"{where} has a price or range that is not a number") from None
    if not usd.is_finite():
        raise _Refused(f"price {raw} is not a finite number")
    if usd < 0:
        raise _Refused(f"price {raw} is negative")
    if not begin.is_finite() or begin < 0 or (end is not None and not end.is_finite()):
        raise _Refused(f"{where} has a range that is not a finite, non-negative number")
    return _scale(begin, end, usd, factor)


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


def build_catalog(region: str, fetched: FetchResult | Mapping[str, Mapping[str, Any]],
                  base: Catalog | Mapping[str, Any] | None, today: str, *, origin: str | None = None) -> dict[str, Any]:
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
    if not prices:
        raise PriceUpdateError(f"the bulk files hold no price advisor uses in {region}, and there is no bundled "
                               "catalog to keep", hint="check the Region code")
    kept = len(prices) - len(fresh)
    source = f"{SOURCE_NAME}{' at ' + origin if origin else ''}, {len(fresh)} of {len(prices)} prices read on {today}"
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


def write_catalogs(documents: Mapping[Path, Mapping[str, Any]]) -> None:
    """Write catalogs as deterministic JSON: every file is staged first, then all are renamed into place."""
    staged: list[tuple[str, Path]] = []
    try:
        for path, data in documents.items():
            path = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
            # The temporary file sits beside its target, so the rename cannot cross file systems.
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            staged.append((tmp, path))
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
            # mkstemp makes the file private; a price catalog is not a secret.
            os.chmod(tmp, 0o644)
    except OSError as exc:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        raise PriceUpdateError(f"cannot write the price catalog: {exc.strerror or exc} "
                               f"({exc.filename or ''})".replace(" ()", "")) from None
    except BaseException:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        raise
    for tmp, path in staged:
        os.replace(tmp, path)


def write_catalog(data: Mapping[str, Any], path: Path) -> None:
    """Write one catalog atomically (see `write_catalogs`)."""
    write_catalogs({Path(path): data})


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


class Refreshed(NamedTuple):
    """What one Region's refresh wrote."""

    region: str
    path: Path
    refreshed: int
    kept: int
    missing: tuple[Missing, ...]
    dates: tuple[str, ...]


def refresh(source: Source | str, regions: Iterable[str], out_dir: Path, *, today: str,
            bundled_dir: Path | None = None) -> list[Refreshed]:
    """Read each Region's prices from the bulk files, merge them over its bundled catalog, check them all,
    then write every `out_dir/<region>.json` (nothing at all when any Region fails)."""
    wanted = list(dict.fromkeys(regions))
    for region in wanted:
        if not _REGION.match(region):
            raise PriceUpdateError(f"{region!r} is not an AWS Region code", hint="for example us-east-1")
    reader = BulkReader(source if isinstance(source, Source) else Source(source))
    results: list[tuple[FetchResult, dict[str, Any]]] = []
    refused: list[Refusal] = []
    for region in wanted:
        try:
            base: Catalog | None = load_catalog(region, bundled_dir)
        except PriceNotFound:
            base = None  # another partition's Region with no bundled catalog: only what the files hold
        fetched = fetch_prices(reader, region, reference=base, today=today)
        refused.extend(fetched.refused)
        if not fetched.refused:
            results.append((fetched, build_catalog(region, fetched, base, today, origin=reader.source.where)))
    if refused:
        raise PricesRefused(refused)
    documents = {Path(out_dir) / f"{fetched.region}.json": data for fetched, data in results}
    write_catalogs(documents)
    clear_catalog_cache()
    done = []
    for (fetched, data), path in zip(results, documents):
        dates = tuple(sorted({entry["as_of"] for entry in fetched.prices.values()}))
        done.append(Refreshed(fetched.region, path, len(fetched.prices), len(data["prices"]) - len(fetched.prices),
                              fetched.missing, dates))
    return done
