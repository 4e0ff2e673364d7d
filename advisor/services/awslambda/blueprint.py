"""function:* (lambda): a function with its own role, encrypted JSON log group and the inline handler."""

from __future__ import annotations

import math

from advisor.architecture import Component, Edge
from advisor.render.cfn.context import Builder
from advisor.render.cfn.handler import HANDLER_SOURCE
from advisor.render.cfn.intrinsics import GetAtt, Ref, Sub, arn
from advisor.services import part

NO_VPC = ("Calls only AWS public endpoints (SQS, DynamoDB, SNS, KMS, Logs, X-Ray); a VPC would add "
          "interface endpoints or NAT at about $7-8 a month each per AZ with no data-path benefit")
SYNC_DLQ = ("Invoked synchronously ({how}); DeadLetterConfig only covers asynchronous invocations, "
            "so failures are handled by {where}")


def concurrency(b: Builder, c: Component) -> int:
    """Reserved concurrency: twice the event source's maximum concurrency, or the sync path's peak."""
    values = [10]
    for e in b.edges_to(c.id, "triggers"):
        queue = b.components.get(e.source)
        maximum = ((queue.settings.get("consumer") or {}).get("maximum_concurrency") if queue else None) or 5
        values.append(2 * int(maximum))
    if b.edges_to(c.id, "invokes") or b.edges_from(c.id, "authorizes"):
        values.append(sync_concurrency(b, c))
    return max(values)


def sync_concurrency(b: Builder, c: Component) -> int:
    """Concurrency for a function called synchronously: its busiest caller's peak rate × its duration,
    doubled, within [10, 900].

    A caller's blueprint may say the rate it lets through (`peak_rps(b, caller)`: an API's stage
    throttling); a caller that does not is taken at the workload's peak."""
    callers = {e.source for e in b.edges_to(c.id, "invokes")} | {e.target for e in b.edges_from(c.id, "authorizes")}
    rate = max((_caller_rps(b, b.components[cid]) for cid in callers), default=b.peak_rps())
    usage = b.workload.usage.get("lambda", {})
    duration_s = float(usage.get("request_duration_ms") or 100) / 1000
    return max(10, min(900, math.ceil(rate * duration_s * 2)))


def _caller_rps(b: Builder, caller: Component) -> float:
    hook = getattr(part(caller.service, "blueprint"), "peak_rps", None)
    return float(hook(b, caller)) if hook is not None else b.peak_rps()


def build(b: Builder, c: Component) -> None:
    lid = b.lid(c.id)
    role = b.role(b.lid(c.id, "Role"), "lambda.amazonaws.com")
    logs = b.log_group(b.lid(c.id, "Logs"), b.log_retention(c))
    b.allow(role, "WriteLogs", ["logs:CreateLogStream", "logs:PutLogEvents"], [arn(logs)])
    tracing = c.settings["tracing"]
    if tracing == "Active":
        # X-Ray trace APIs have no resource-level permissions; "*" is the only valid resource.
        b.allow(role, "WriteTraces", ["xray:PutTelemetryRecords", "xray:PutTraceSegments"], ["*"])
    props = {
        "Description": f"advisor {c.id}: " + str(c.settings.get("role") or "processes events"),
        "Runtime": c.settings["runtime"],
        "Architectures": [c.settings["architecture"]],
        "Handler": "index.handler",
        "Code": {"ZipFile": HANDLER_SOURCE},
        "MemorySize": int(c.settings["memory_mb"]),
        "EphemeralStorage": {"Size": int(c.settings["ephemeral_storage_mb"])},
        "Timeout": int(c.settings["timeout_s"]),
        "Role": arn(role),
        "ReservedConcurrentExecutions": concurrency(b, c),
        "LoggingConfig": {"LogFormat": c.settings["log_format"], "LogGroup": Ref(logs),
                          **({"ApplicationLogLevel": "INFO", "SystemLogLevel": "WARN"}
                             if c.settings["log_format"] == "JSON" else {})},
        "TracingConfig": {"Mode": tracing},
        "Environment": {"Variables": {"LOG_LEVEL": "INFO"}},
    }
    if b.has_key():
        props["KmsKeyArn"] = b.key_arn()
        b.allow_key(role, "kms:Decrypt")
    b.add(lid, "AWS::Lambda::Function", props)
    b.functions.append(lid)
    b.skip_checkov(lid, "CKV_AWS_117", NO_VPC)
    if not b.edges_to(c.id, "delivers-to"):
        if b.edges_to(c.id, "triggers"):
            reason = SYNC_DLQ.format(how="by the SQS event source mapping",
                                     where="the queue's redrive policy and dead-letter queue")
        elif b.edges_from(c.id, "authorizes"):
            reason = SYNC_DLQ.format(how="by API Gateway as an authorizer", where="API Gateway, which denies the call")
        else:
            reason = SYNC_DLQ.format(how="by API Gateway", where="the caller, which receives the error response")
        b.skip_checkov(lid, "CKV_AWS_116", reason)


# --- connectors: what an edge leaving this service's components adds ------------------------------


def writes(b: Builder, e: Edge) -> None:
    """function -> table: conditional puts."""
    b.allow(b.lid(e.source, "Role"), "WriteTable", ["dynamodb:PutItem"], [GetAtt(b.lid(e.target), "Arn")])
    b.env(b.lid(e.source), "TABLE_NAME", Ref(b.lid(e.target)))


def reads(b: Builder, e: Edge) -> None:
    """function -> table: GetItem by key."""
    b.allow(b.lid(e.source, "Role"), "ReadTable", ["dynamodb:GetItem"], [GetAtt(b.lid(e.target), "Arn")])
    b.env(b.lid(e.source), "TABLE_NAME", Ref(b.lid(e.target)))
    b.env(b.lid(e.source), "READ_CONSISTENCY", b.components[e.target].settings["read_consistency"])


def publishes(b: Builder, e: Edge) -> None:
    """function -> topic: sns:Publish."""
    topic = b.lid(e.target)
    role = b.lid(e.source, "Role")
    b.allow(role, "PublishTopic", ["sns:Publish"], [Ref(topic)])
    b.allow_key(role, "kms:Decrypt", "kms:GenerateDataKey")
    b.env(b.lid(e.source), "TOPIC_ARN", Ref(topic))


def authorizes(b: Builder, e: Edge) -> None:
    """authorizer function -> api: a token authorizer."""
    api = b.lid(e.target)
    api_cid = e.target
    fn = b.lid(e.source)
    lid = b.lid(e.target, "LambdaAuthorizer")
    b.add(lid, "AWS::ApiGateway::Authorizer", {
        "RestApiId": Ref(api), "Name": "token", "Type": "TOKEN",
        "IdentitySource": "method.request.header.Authorization",
        "AuthorizerResultTtlInSeconds": 300,
        "AuthorizerUri": Sub("arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
                             "${%s.Arn}/invocations" % fn)})
    b.add(b.lid(e.source, "ApiPermission"), "AWS::Lambda::Permission", {
        "Action": "lambda:InvokeFunction", "FunctionName": GetAtt(fn, "Arn"),
        "Principal": "apigateway.amazonaws.com",
        "SourceArn": Sub("arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${%s}/authorizers/${%s}"
                         % (api, lid))})
    b.api_auth[api_cid] = ("CUSTOM", lid)
    b.note("outside_template", f"{e.source}: the inline authorizer denies every request; replace it with "
                               "your token validation before use")


# (edge kind, target service) -> connector
CONNECTORS = {
    ("writes", "dynamodb"): writes,
    ("reads", "dynamodb"): reads,
    ("publishes", "sns"): publishes,
    ("authorizes", "apigateway"): authorizes,
}


# --- the report: what its components contribute to ARCHITECTURE.md ---------------------------------


def controls(components: tuple[Component, ...]) -> list[str]:
    """The security controls the functions carry: one role each, scoped to its edges."""
    return [f"{len(components)} function role(s), each allowed only the actions its connections need "
            "on those resources."]
