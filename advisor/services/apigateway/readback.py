"""api:* (apigateway) read back from a template: a REST API with its resources, methods, validator, models,
deployments, stage, access log group and integration roles; `sends` (a direct SQS integration) and `invokes`
(a Lambda integration) edges (the inverse of blueprint.py)."""

from __future__ import annotations

from typing import Any

from advisor.review.infer import Reading, flag, number, text_of
from advisor.review.template import Resource

TYPES = ("AWS::ApiGateway::RestApi", "AWS::ApiGateway::Resource", "AWS::ApiGateway::Method",
         "AWS::ApiGateway::Deployment", "AWS::ApiGateway::Stage", "AWS::ApiGateway::RequestValidator",
         "AWS::ApiGateway::Model", "AWS::ApiGateway::Authorizer", "AWS::ApiGateway::UsagePlan",
         "AWS::ApiGateway::UsagePlanKey", "AWS::ApiGateway::ApiKey", "AWS::ApiGateway::GatewayResponse",
         "AWS::ApiGatewayV2::Api", "AWS::ApiGatewayV2::Stage", "AWS::ApiGatewayV2::Route",
         "AWS::ApiGatewayV2::Integration", "AWS::ApiGatewayV2::Deployment", "AWS::ApiGatewayV2::Authorizer")
# The parts of an API that name it by `RestApiId` (or `ApiId`), and what they are to it.
_PARTS = {"AWS::ApiGateway::Resource": "resource", "AWS::ApiGateway::Method": "method",
          "AWS::ApiGateway::Deployment": "deployment", "AWS::ApiGateway::Stage": "stage",
          "AWS::ApiGateway::RequestValidator": "request validator", "AWS::ApiGateway::Model": "model",
          "AWS::ApiGateway::Authorizer": "authorizer", "AWS::ApiGateway::GatewayResponse": "gateway response",
          "AWS::ApiGatewayV2::Stage": "stage", "AWS::ApiGatewayV2::Route": "route",
          "AWS::ApiGatewayV2::Integration": "integration", "AWS::ApiGatewayV2::Deployment": "deployment",
          "AWS::ApiGatewayV2::Authorizer": "authorizer"}
_AUTH = {"AWS_IAM": "iam", "COGNITO_USER_POOLS": "cognito", "CUSTOM": "lambda-authorizer", "NONE": "none"}
_V2 = {"HTTP": "http", "WEBSOCKET": "websocket"}


def methods(r: Reading, api: str) -> list[Resource]:
    """The methods of an API component."""
    return [r.resources[lid] for lid in r.owned.get(api, ()) if r.resources[lid].type == "AWS::ApiGateway::Method"]


def integration_target(r: Reading, method: Resource, service: str) -> list[str]:
    """The resources a method's integration URI names when it integrates with a service (`:sqs:path/`,
    `:lambda:path/`, `:s3:path/`)."""
    integration = method.props.get("Integration") or {}
    uri = integration.get("Uri") if isinstance(integration, dict) else None
    if uri is None or f":{service}:" not in text_of(uri):
        return []
    return r.targets(uri)


def components(r: Reading) -> None:
    """One component per API, with the resources that name it."""
    for api in r.of_type("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api"):
        cid = r.component(r.name(api.logical_id, "api"), "apigateway", api)
        key = "RestApiId" if api.type == "AWS::ApiGateway::RestApi" else "ApiId"
        for part in r.referrers(api.logical_id):
            if part.type in _PARTS and api.logical_id in r.targets(part.props.get(key)):
                r.claim(part.logical_id, cid, _PARTS[part.type])
        if api.type == "AWS::ApiGatewayV2::Api":
            r.set(cid, "type", _V2.get(str(api.props.get("ProtocolType")), "http"), api, "ProtocolType")
            continue
        r.set(cid, "type", "rest", api)
        types = (api.props.get("EndpointConfiguration") or {}).get("Types") if isinstance(
            api.props.get("EndpointConfiguration"), dict) else None
        r.set(cid, "endpoint_type", str(types[0]) if isinstance(types, list) and types else "EDGE", api,
              "EndpointConfiguration")
        _read_methods(r, cid)
        _read_stage(r, cid)


def _read_methods(r: Reading, cid: str) -> None:
    found = methods(r, cid)
    auth = sorted({_AUTH.get(str(m.props.get("AuthorizationType", "NONE")), "none") for m in found
                   if m.props.get("HttpMethod") != "OPTIONS"})
    if auth:
        r.set(cid, "authorization", auth[0] if len(auth) == 1 else ",".join(auth), found[0], "AuthorizationType")
    validators = {lid for m in found for lid in r.targets(m.props.get("RequestValidatorId"))}
    if found:
        r.set(cid, "request_validation", bool(validators) and all(
            flag(r.resources[v].props.get("ValidateRequestBody")) for v in validators), found[0], "RequestValidatorId")
    for method in found:
        integration = method.props.get("Integration") or {}
        if not isinstance(integration, dict):
            continue
        r.claim(r.target(integration.get("Credentials"), "AWS::IAM::Role"), cid, "integration role")
        if integration_target(r, method, "sqs"):
            templates = integration.get("RequestTemplates") or {}
            if any("Action=SendMessage" in text_of(t) for t in (templates.values() if isinstance(templates, dict) else ())):
                r.set(cid, "integration", "sqs-send-message", method, "Integration", "RequestTemplates")
            accepted = [int(x["StatusCode"]) for x in integration.get("IntegrationResponses") or []
                        if isinstance(x, dict) and str(x.get("StatusCode", "")).startswith("2")]
            if accepted:
                r.set(cid, "response_status", accepted[0], method, "Integration", "IntegrationResponses")


def _read_stage(r: Reading, cid: str) -> None:
    stages = [r.resources[lid] for lid in r.owned[cid] if r.resources[lid].type == "AWS::ApiGateway::Stage"]
    if not stages:
        return
    stage = stages[0]
    props = stage.props
    r.set(cid, "tracing", flag(props.get("TracingEnabled")), stage, "TracingEnabled")
    access = props.get("AccessLogSetting")
    r.set(cid, "access_logs", isinstance(access, dict) and bool(access.get("DestinationArn")), stage, "AccessLogSetting")
    if isinstance(access, dict):
        group = r.target(access.get("DestinationArn"), "AWS::Logs::LogGroup")
        r.claim(group, cid, "access log group")
        days = r.log_retention(group)
        if group is not None and days is not None:
            r.set(cid, "log_retention_days", days, r.resources[group], "RetentionInDays")
    if flag(props.get("CacheClusterEnabled")):
        size = number(props.get("CacheClusterSize", "0.5"))
        r.set(cid, "cache_size_gb", size, stage, "CacheClusterSize")
    settings: Any = [s for s in props.get("MethodSettings") or [] if isinstance(s, dict)
                     and s.get("ResourcePath") == "/*" and s.get("HttpMethod") == "*"]
    if settings:
        rate, burst = number(settings[0].get("ThrottlingRateLimit")), number(settings[0].get("ThrottlingBurstLimit"))
        throttling = {k: v for k, v in (("rate_limit_rps", rate), ("burst_limit", burst)) if v is not None}
        if throttling:
            r.set(cid, "throttling", throttling, stage, "MethodSettings")


def edges(r: Reading) -> None:
    """Each method's integration: POST to a queue (`sends`), a Lambda proxy (`invokes`)."""
    for cid in r.components_of("apigateway"):
        for method in methods(r, cid):
            for queue in integration_target(r, method, "sqs"):
                templates = (method.props.get("Integration") or {}).get("RequestTemplates") or {}
                action = "SendMessage" if any("Action=SendMessage" in text_of(t) for t in templates.values()) else None
                r.edge(cid, r.component_of(queue), "sends", action=action)
            for fn in integration_target(r, method, "lambda"):
                if r.resources[fn].type == "AWS::Lambda::Function":
                    r.edge(cid, r.component_of(fn), "invokes")
        for integration in (r.resources[lid] for lid in r.owned[cid]
                            if r.resources[lid].type == "AWS::ApiGatewayV2::Integration"):
            for fn in r.targets(integration.props.get("IntegrationUri"), "AWS::Lambda::Function"):
                r.edge(cid, r.component_of(fn), "invokes")
