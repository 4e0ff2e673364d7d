"""function:* (lambda): a function with its own role, encrypted JSON log group and the inline handler."""

from __future__ import annotations

from typing import Any

from advisor.architecture import Component, Edge
from advisor.render.cfn.context import Builder
from advisor.render.cfn.handler import HANDLER_SOURCE
from advisor.render.cfn.intrinsics import GetAtt, Ref, Sub, arn

NO_VPC = ("Calls only AWS public endpoints (SQS, DynamoDB, SNS, KMS, Logs, X-Ray); a VPC would add "
          "interface endpoints or NAT at about $7-8 a month each per AZ with no data-path benefit")
SYNC_DLQ = ("Invoked synchronously ({how}); DeadLetterConfig only covers asynchronous invocations, "
            "so failures are handled by {where}")
# cfn-lint-serverless WS1004 looks for a log group whose LogGroupName refers to the function; this one names the
# function's log group in LoggingConfig instead, which needs no name and no reference back (a cycle).
OWN_LOG_GROUP = ("The function logs to its own log group {logs}, with RetentionInDays set, named in "
                 "LoggingConfig.LogGroup; the rule only recognises a log group whose LogGroupName refers to the "
                 "function, and that reference would form a cycle with LoggingConfig")
TRACING_OFF = ("X-Ray tracing is on only where the workload asks for it (monitoring-governance: {{tracing: true}}, "
               "ADV-O003): traces bill per million recorded beyond the free tier and this workload did not ask "
               "for them; the estimate prices what is deployed")


# AWS keeps 100 of an account's concurrent executions unreserved (Lambda quotas), so the reservations a
# stack makes at their defaults stay within 900 of the default quota of 1,000.
RESERVABLE = 900
NO_RESERVATION = ("Concurrency is bounded where it matters without reserving the account's pool: queue consumers by "
                  "their event source mapping's MaximumConcurrency, the API path by stage throttling; a "
                  "reservation would take capacity from the account's other functions, and reservations above the "
                  "account's unreserved minimum of 100 make the stack fail to create")


def reserved_concurrency(b: Builder, c: Component) -> Any:
    """A reservation only where a rule sets one: a parameter whose default is the rule's value, scaled down
    so that the stack's reservations at their defaults leave the account's 100 unreserved."""
    wanted = c.settings.get("reserved_concurrency")
    if not wanted:
        return None
    total = sum(int(f.settings.get("reserved_concurrency") or 0) for f in b.components.values()
                if f.service == c.service)
    default = int(wanted) if total <= RESERVABLE else max(1, int(wanted) * RESERVABLE // total)
    return b.parameter(b.lid(c.id, "ReservedConcurrency"), Type="Number", Default=default, MinValue=1,
                       MaxValue=RESERVABLE, Description=f"Concurrent executions reserved for {c.id}; keep the "
                       "stack's reservations within the account's quota less the 100 AWS keeps unreserved")


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
        "LoggingConfig": {"LogFormat": c.settings["log_format"], "LogGroup": Ref(logs),
                          **({"ApplicationLogLevel": "INFO", "SystemLogLevel": "WARN"}
                             if c.settings["log_format"] == "JSON" else {})},
        "TracingConfig": {"Mode": tracing},
        "Environment": {"Variables": {"LOG_LEVEL": "INFO"}},
    }
    reserved = reserved_concurrency(b, c)
    if reserved is not None:
        props["ReservedConcurrentExecutions"] = reserved
    if b.has_key():
        props["KmsKeyArn"] = b.key_arn()
        b.allow_key(role, "kms:Decrypt")
    b.add(lid, "AWS::Lambda::Function", props)
    b.functions.append(lid)
    b.skip_checkov(lid, "CKV_AWS_117", NO_VPC)
    b.skip_cfn_lint(lid, "WS1004", OWN_LOG_GROUP.format(logs=logs))
    if tracing != "Active":
        b.skip_cfn_lint(lid, "WS1000", TRACING_OFF.format())
    if reserved is None:
        b.skip_checkov(lid, "CKV_AWS_115", NO_RESERVATION)
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
    """function -> table: conditional puts; a function that also publishes reads its mark back and sets it
    once the event is sent, so a retry sends what was never sent."""
    actions = ["dynamodb:PutItem"]
    if b.edges_from(e.source, "publishes"):
        actions += ["dynamodb:GetItem", "dynamodb:UpdateItem"]
    b.allow(b.lid(e.source, "Role"), "WriteTable", actions, [GetAtt(b.lid(e.target), "Arn")])
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
