"""api:* (apigateway): a REST API with request validation, an encrypted access log and a traced,
throttled stage. Methods come from connectors (sends: POST to SQS, invokes: GET to a function);
the deployment and stage are written once every method exists."""

from __future__ import annotations

import json
from hashlib import sha256
from typing import Any

from advisor.architecture import Architecture, Component, Edge
from advisor.render.cfn.context import Builder
from advisor.render.cfn.intrinsics import GetAtt, Ref, Sub, arn, to_json

STAGE = "v1"
PATH = "items"
MODEL = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "title": "Item",
    "type": "object",
    "required": ["id"],
    "properties": {"id": {"type": "string", "minLength": 1, "maxLength": 128}},
}
ACCESS_LOG_FORMAT = json.dumps({
    "requestId": "$context.requestId", "extendedRequestId": "$context.extendedRequestId",
    "ip": "$context.identity.sourceIp", "caller": "$context.identity.caller", "user": "$context.identity.user",
    "requestTime": "$context.requestTime", "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath", "status": "$context.status", "protocol": "$context.protocol",
    "responseLength": "$context.responseLength", "integrationStatus": "$context.integration.status",
    "integrationLatency": "$context.integration.latency", "xrayTraceId": "$context.xrayTraceId",
}, sort_keys=True)
NO_CACHE_POST = ("POST-only ingest API that hands requests to SQS; API Gateway caches only GET responses, so a "
                 "cache cluster (0.5 GB, about $14 a month) would never be hit")
NO_CACHE_GET = ("Reads return the latest write of an item by id; a cache would serve stale items and costs at least "
                "$14 a month. Enable CacheClusterEnabled with CacheDataEncrypted when reads tolerate staleness")


def api_name(lid: str) -> Sub:
    return Sub("${AWS::StackName}-" + lid)


def build(b: Builder, c: Component) -> None:
    lid = b.lid(c.id)
    b.add(lid, "AWS::ApiGateway::RestApi", {
        "Name": api_name(lid),
        "Description": f"advisor {c.id}",
        "EndpointConfiguration": {"Types": [c.settings.get("endpoint_type", "REGIONAL")]},
        "DisableExecuteApiEndpoint": False,
    })
    b.add(b.lid(c.id, "ItemsResource"), "AWS::ApiGateway::Resource", {
        "RestApiId": Ref(lid), "ParentId": GetAtt(lid, "RootResourceId"), "PathPart": PATH})
    b.add(b.lid(c.id, "Validator"), "AWS::ApiGateway::RequestValidator", {
        "RestApiId": Ref(lid), "ValidateRequestBody": True, "ValidateRequestParameters": True})
    b.log_group(b.lid(c.id, "AccessLogs"), b.log_retention(c))
    b.api_methods[lid] = []


def item_resource(b: Builder, api_cid: str) -> str:
    """`/items/{id}`, created on first use."""
    lid = b.lid(api_cid, "ItemResource")
    if lid not in b.resources:
        b.add(lid, "AWS::ApiGateway::Resource", {
            "RestApiId": Ref(b.lid(api_cid)), "ParentId": Ref(b.lid(api_cid, "ItemsResource")), "PathPart": "{id}"})
    return lid


def model(b: Builder, api_cid: str) -> str:
    lid = b.lid(api_cid, "ItemModel")
    if lid not in b.resources:
        b.add(lid, "AWS::ApiGateway::Model", {
            "RestApiId": Ref(b.lid(api_cid)), "ContentType": "application/json",
            "Description": "A JSON object with a string id; the id makes retries idempotent",
            "Schema": MODEL})
    return lid


def method(b: Builder, api_cid: str, lid: str, props: dict[str, Any]) -> str:
    """Add a method with the API's authorization (IAM, Cognito or a Lambda authorizer)."""
    kind, authorizer = b.api_auth.get(api_cid, ("AWS_IAM", None))
    out = {"RestApiId": Ref(b.lid(api_cid)), "AuthorizationType": kind}
    if authorizer:
        out["AuthorizerId"] = Ref(authorizer)
    out.update(props)
    out["RequestValidatorId"] = Ref(b.lid(api_cid, "Validator"))
    b.add(lid, "AWS::ApiGateway::Method", out)
    b.api_methods[b.lid(api_cid)].append(lid)
    return lid


def peak_rps(b: Builder, c: Component) -> float:
    """The requests per second the API lets through: its stage's rate limit, else the workload's peak."""
    throttling = c.settings.get("throttling") or {}
    if throttling.get("rate_limit_rps"):
        return float(throttling["rate_limit_rps"])
    return b.peak_rps()


def late(b: Builder, c: Component) -> None:
    """Deployment and stage, after the connectors added the methods."""
    lid = b.lid(c.id)
    methods = sorted(b.api_methods.get(lid, []))
    if not methods:
        raise ValueError(f"{c.id} has no methods: it needs a sends or invokes edge")
    # The deployment's id carries a digest of the methods, so changing them redeploys the stage.
    digest = sha256(json.dumps(to_json({m: b.resources[m] for m in methods}), sort_keys=True,
                                default=str).encode()).hexdigest()[:10].upper()
    deployment = b.lid(c.id, "Deployment" + digest)
    b.add(deployment, "AWS::ApiGateway::Deployment", {"RestApiId": Ref(lid), "Description": "advisor deployment"},
          DependsOn=methods)
    throttling = c.settings.get("throttling") or {}
    rate = peak_rps(b, c)
    burst = throttling.get("burst_limit") or rate
    stage = b.lid(c.id, "Stage")
    cache = c.settings.get("cache_size_gb")
    b.add(stage, "AWS::ApiGateway::Stage", {
        "RestApiId": Ref(lid),
        "DeploymentId": Ref(deployment),
        "StageName": STAGE,
        "Description": "Access logs only: execution logging needs the account-level API Gateway CloudWatch role",
        # Always traced: default sampling (1 request a second plus 5%) costs little and CKV_AWS_73 asks for it.
        "TracingEnabled": True,
        "AccessLogSetting": {"DestinationArn": arn(b.lid(c.id, "AccessLogs")), "Format": ACCESS_LOG_FORMAT},
        "MethodSettings": [{
            "ResourcePath": "/*", "HttpMethod": "*", "MetricsEnabled": True, "DataTraceEnabled": False,
            "ThrottlingRateLimit": float(rate), "ThrottlingBurstLimit": int(burst),
            **({"CachingEnabled": True, "CacheDataEncrypted": True} if cache else {}),
        }],
        **({"CacheClusterEnabled": True, "CacheClusterSize": f"{cache:g}"} if cache else {}),
    })
    if not cache:
        has_get = any(b.resources[m]["Properties"]["HttpMethod"] == "GET" for m in methods)
        b.skip_checkov(stage, "CKV_AWS_120", NO_CACHE_GET if has_get else NO_CACHE_POST)
    b.apis.append((lid, stage, api_name(lid)))
    b.output(b.lid(c.id, "Url"), Sub("https://${" + lid + "}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${"
                                     + stage + "}/" + PATH), f"Base URL of the {c.id} items resource")


# --- connectors: what an edge leaving this service's components adds ------------------------------


POST_TEMPLATE = "Action=SendMessage&MessageBody=$util.urlEncode($input.body)"


def sends(b: Builder, e: Edge) -> None:
    """api -> queue: POST /items sends the body to SQS directly (no function), answering 202."""
    queue = b.lid(e.target)
    role = b.role(b.lid(e.source, "SqsRole"), "apigateway.amazonaws.com")
    b.allow(role, "SendToQueue", ["sqs:SendMessage"], [arn(queue)])
    b.allow_key(role, "kms:Decrypt", "kms:GenerateDataKey")
    method(b, e.source, b.lid(e.source, "PostMethod"), {
        "ResourceId": Ref(b.lid(e.source, "ItemsResource")),
        "HttpMethod": "POST",
        "RequestModels": {"application/json": Ref(model(b, e.source))},
        "Integration": {
            "Type": "AWS",
            "IntegrationHttpMethod": "POST",
            "Credentials": arn(role),
            "Uri": Sub("arn:${AWS::Partition}:apigateway:${AWS::Region}:sqs:path/${AWS::AccountId}/${%s.QueueName}"
                       % queue),
            "PassthroughBehavior": "NEVER",
            "RequestParameters": {"integration.request.header.Content-Type": "'application/x-www-form-urlencoded'"},
            "RequestTemplates": {"application/json": POST_TEMPLATE},
            "IntegrationResponses": [
                {"StatusCode": "202", "SelectionPattern": "2\\d{2}",
                 "ResponseTemplates": {"application/json": '{"status": "accepted"}'}},
                {"StatusCode": "500", "SelectionPattern": "[45]\\d{2}",
                 "ResponseTemplates": {"application/json": '{"message": "the request could not be queued"}'}},
            ],
        },
        "MethodResponses": [{"StatusCode": "202"}, {"StatusCode": "500"}],
    })


def invokes(b: Builder, e: Edge) -> None:
    """api -> function: GET /items/{id} through a Lambda proxy integration."""
    fn, api = b.lid(e.target), b.lid(e.source)
    method(b, e.source, b.lid(e.source, "GetMethod"), {
        "ResourceId": Ref(item_resource(b, e.source)),
        "HttpMethod": "GET",
        "RequestParameters": {"method.request.path.id": True},
        "Integration": {
            "Type": "AWS_PROXY", "IntegrationHttpMethod": "POST",
            "Uri": Sub("arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
                       "${%s.Arn}/invocations" % fn)},
    })
    b.add(b.lid(e.target, "ApiPermission"), "AWS::Lambda::Permission", {
        "Action": "lambda:InvokeFunction", "FunctionName": GetAtt(fn, "Arn"), "Principal": "apigateway.amazonaws.com",
        "SourceArn": Sub("arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${%s}/*/GET/%s/*"
                         % (api, PATH))})


# (edge kind, target service) -> connector
CONNECTORS = {
    ("sends", "sqs"): sends,
    ("invokes", "lambda"): invokes,
}


# --- the report: what its components contribute to ARCHITECTURE.md ---------------------------------


def actors(arch: Architecture, components: tuple[Component, ...]) -> list[tuple[str, str, str]]:
    """Who outside the architecture meets the APIs, for the diagram: the clients that call them."""
    return [("client", api.id, "HTTPS") for api in components]


def controls(components: tuple[Component, ...]) -> list[str]:
    """The security controls the APIs carry, one sentence each."""
    out = []
    for api in components:
        auth = api.settings.get("authorization", "iam")
        tls = api.settings.get("minimum_tls", "TLS_1_2").replace("_", " ").replace("TLS 1 2", "TLS 1.2")
        out.append(f"`{api.id}` requires {'IAM (SigV4) signed requests' if auth == 'iam' else auth + ' authorization'} "
                   f"over {tls}, with request validation and stage throttling.")
    return out
