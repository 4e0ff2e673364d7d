"""One connector per edge kind: what an edge between two built components adds to the template."""

from __future__ import annotations

from typing import Callable

from advisor.architecture import Edge
from advisor.render.cfn.context import Builder, Statement, service_source
from advisor.render.cfn.intrinsics import GetAtt, Ref, Sub, arn
from advisor.services.apigateway import blueprint as api_bp
from advisor.services.cloudtrail.blueprint import trail_arn
from advisor.services.sns import blueprint as sns_bp

POST_TEMPLATE = "Action=SendMessage&MessageBody=$util.urlEncode($input.body)"


def _env(b: Builder, function: str, name: str, value: object) -> None:
    b.resources[function]["Properties"]["Environment"]["Variables"][name] = value


def sends(b: Builder, e: Edge) -> None:
    """api -> queue: POST /items sends the body to SQS directly (no function), answering 202."""
    if b.service_of(e.source) != "apigateway" or b.service_of(e.target) != "sqs":
        return
    queue = b.lid(e.target)
    role = b.role(b.lid(e.source, "SqsRole"), "apigateway.amazonaws.com")
    b.allow(role, "SendToQueue", ["sqs:SendMessage"], [arn(queue)])
    b.allow_key(role, "kms:Decrypt", "kms:GenerateDataKey")
    api_bp.method(b, e.source, b.lid(e.source, "PostMethod"), {
        "ResourceId": Ref(b.lid(e.source, "ItemsResource")),
        "HttpMethod": "POST",
        "RequestModels": {"application/json": Ref(api_bp.model(b, e.source))},
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
    if b.service_of(e.source) != "apigateway" or b.service_of(e.target) != "lambda":
        return
    fn, api = b.lid(e.target), b.lid(e.source)
    api_bp.method(b, e.source, b.lid(e.source, "GetMethod"), {
        "ResourceId": Ref(api_bp.item_resource(b, e.source)),
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
                         % (api, api_bp.PATH))})


def triggers(b: Builder, e: Edge) -> None:
    """queue -> function: an event source mapping that reports partial batch failures."""
    if b.service_of(e.source) != "sqs" or b.service_of(e.target) != "lambda":
        return
    queue, fn = b.lid(e.source), b.lid(e.target)
    role = b.lid(e.target, "Role")
    b.allow(role, "ConsumeQueue", ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
                                   "sqs:ReceiveMessage"], [arn(queue)])
    b.allow_key(role, "kms:Decrypt")
    consumer = b.components[e.source].settings.get("consumer") or {}
    props = {
        "EventSourceArn": arn(queue), "FunctionName": Ref(fn), "Enabled": True,
        "BatchSize": int(e.settings.get("batch_size", 10)),
        "MaximumBatchingWindowInSeconds": int(e.settings.get("batching_window_s", 0)),
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
        "ScalingConfig": {"MaximumConcurrency": int(consumer.get("maximum_concurrency", 5))},
    }
    b.add(b.lid(e.target, "QueueMapping"), "AWS::Lambda::EventSourceMapping", props)


def writes(b: Builder, e: Edge) -> None:
    """function -> table: conditional puts; trail -> bucket: the bucket policy CloudTrail needs."""
    source, target = b.service_of(e.source), b.service_of(e.target)
    if source == "lambda" and target == "dynamodb":
        b.allow(b.lid(e.source, "Role"), "WriteTable", ["dynamodb:PutItem"], [GetAtt(b.lid(e.target), "Arn")])
        _env(b, b.lid(e.source), "TABLE_NAME", Ref(b.lid(e.target)))
    elif source == "cloudtrail" and target == "s3":
        bucket, trail = b.lid(e.target), arn_of_trail(b, e.source)
        b.bucket_statements.setdefault(bucket, []).extend([
            Statement("CloudTrailAclCheck", "Allow", ("s3:GetBucketAcl",), (arn(bucket),),
                      {"Service": "cloudtrail.amazonaws.com"}, {"StringEquals": {"aws:SourceArn": trail}}),
            Statement("CloudTrailWrite", "Allow", ("s3:PutObject",),
                      (Sub("${%s.Arn}/cloudtrail/AWSLogs/${AWS::AccountId}/*" % bucket),),
                      {"Service": "cloudtrail.amazonaws.com"},
                      {"StringEquals": {"aws:SourceArn": trail, "s3:x-amz-acl": "bucket-owner-full-control"}}),
        ])


def arn_of_trail(b: Builder, cid: str) -> Sub:
    return trail_arn(b.lid(cid))


def reads(b: Builder, e: Edge) -> None:
    """function -> table: GetItem by key."""
    if b.service_of(e.source) == "lambda" and b.service_of(e.target) == "dynamodb":
        b.allow(b.lid(e.source, "Role"), "ReadTable", ["dynamodb:GetItem"], [GetAtt(b.lid(e.target), "Arn")])
        _env(b, b.lid(e.source), "TABLE_NAME", Ref(b.lid(e.target)))
        _env(b, b.lid(e.source), "READ_CONSISTENCY", b.components[e.target].settings["read_consistency"])


def publishes(b: Builder, e: Edge) -> None:
    """function -> topic: sns:Publish; stream -> topic: an EventBridge pipe."""
    source = b.service_of(e.source)
    topic = b.lid(e.target)
    if source == "lambda" and b.service_of(e.target) == "sns":
        role = b.lid(e.source, "Role")
        b.allow(role, "PublishTopic", ["sns:Publish"], [Ref(topic)])
        b.allow_key(role, "kms:Decrypt", "kms:GenerateDataKey")
        _env(b, b.lid(e.source), "TOPIC_ARN", Ref(topic))
    elif source == "dynamodb-streams" and b.service_of(e.target) == "sns":
        pipe(b, e)


def pipe(b: Builder, e: Edge) -> None:
    """DynamoDB stream -> SNS through EventBridge Pipes, with retries, bisection and a dead-letter queue."""
    table_cid = next(x.source for x in b.edges_to(e.source, "streams-to"))
    table, topic = b.lid(table_cid), b.lid(e.target)
    stream_arn = GetAtt(table, "StreamArn")
    lid = b.lid(e.source, "Pipe")
    dlq = b.dead_letter_queue(b.lid(e.source, "PipeDlq"))
    role = b.role(b.lid(e.source, "PipeRole"), "pipes.amazonaws.com",
                  condition={"StringEquals": {"aws:SourceAccount": Ref("AWS::AccountId")}})
    b.allow(role, "ReadStream", ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
            [stream_arn])
    b.allow(role, "PublishTopic", ["sns:Publish"], [Ref(topic)])
    b.allow(role, "DeadLetters", ["sqs:SendMessage"], [arn(dlq)])
    b.allow_key(role, "kms:Decrypt", "kms:GenerateDataKey")
    start = b.components[e.source].settings.get("starting_position", "LATEST")
    b.add(lid, "AWS::Pipes::Pipe", {
        "Description": f"advisor: {e.source} to {e.target}",
        "RoleArn": arn(role),
        "DesiredState": "RUNNING",
        "Source": stream_arn,
        "SourceParameters": {"DynamoDBStreamParameters": {
            "StartingPosition": start,
            "BatchSize": int(e.settings.get("batch_size", 10)),
            "MaximumRetryAttempts": int(e.settings.get("maximum_retry_attempts", 3)),
            "OnPartialBatchItemFailure": e.settings.get("on_partial_batch_item_failure", "AUTOMATIC_BISECT"),
            "MaximumRecordAgeInSeconds": 3600,
            "DeadLetterConfig": {"Arn": arn(dlq)},
        }},
        "Target": Ref(topic),
    })


def fans_out(b: Builder, e: Edge) -> None:
    """topic -> queue: an SQS subscription (raw delivery, redrive) and the queue policy that admits the topic."""
    if b.service_of(e.target) != "sqs":
        return
    topic, queue = b.lid(e.source), b.lid(e.target)
    b.queue_allow(queue, service_source("sns.amazonaws.com", "TopicSends", ("sqs:SendMessage",), arn(queue),
                                        Ref(topic)))
    b.key_allow_service("sns.amazonaws.com", "SnsToEncryptedQueues")
    sns_bp.subscription(b, e.source, b.lid(e.target, topic + "Subscription"), "sqs", arn(queue),
                        raw=bool(e.settings.get("raw_message_delivery", True)))


def delivers_to(b: Builder, e: Edge) -> None:
    """topic -> function: a Lambda subscription, the invoke permission, and a dead-letter queue for the
    asynchronous invocations that still fail after Lambda's retries."""
    if b.service_of(e.target) != "lambda":
        return
    topic, fn = b.lid(e.source), b.lid(e.target)
    sns_bp.subscription(b, e.source, b.lid(e.target, topic + "Subscription"), "lambda", GetAtt(fn, "Arn"))
    b.add(b.lid(e.target, topic + "Permission"), "AWS::Lambda::Permission", {
        "Action": "lambda:InvokeFunction", "FunctionName": GetAtt(fn, "Arn"), "Principal": "sns.amazonaws.com",
        "SourceArn": Ref(topic)})
    dlq = b.lid(e.target, "AsyncDlq")
    if dlq not in b.resources:
        b.dead_letter_queue(dlq)
        role = b.lid(e.target, "Role")
        b.allow(role, "DeadLetters", ["sqs:SendMessage"], [arn(dlq)])
        b.allow_key(role, "kms:Decrypt", "kms:GenerateDataKey")
        b.resources[fn]["Properties"]["DeadLetterConfig"] = {"TargetArn": arn(dlq)}


def routes_to(b: Builder, e: Edge) -> None:
    """bus -> topic: a rule forwarding the bus's events (DLQ, retries); dns -> api: built by the route53 blueprint."""
    if b.service_of(e.source) != "eventbridge" or b.service_of(e.target) != "sns":
        return
    bus, topic = b.lid(e.source), b.lid(e.target)
    rule = b.lid(e.source, "To" + b.lid(e.target) + "Rule")
    dlq = b.dead_letter_queue(b.lid(e.source, "To" + b.lid(e.target) + "Dlq"))
    b.add(rule, "AWS::Events::Rule", {
        "Description": f"advisor: forward {e.source} events to {e.target}",
        "EventBusName": GetAtt(bus, "Name"),
        "EventPattern": {"account": [Ref("AWS::AccountId")]},
        "State": "ENABLED",
        "Targets": [{"Id": "topic", "Arn": Ref(topic),
                     "RetryPolicy": {"MaximumRetryAttempts": 10, "MaximumEventAgeInSeconds": 3600},
                     "DeadLetterConfig": {"Arn": arn(dlq)}}],
    })
    b.topic_allow(topic, service_source("events.amazonaws.com", "EventsPublish", ("sns:Publish",), Ref(topic),
                                        GetAtt(rule, "Arn")))
    b.queue_allow(dlq, service_source("events.amazonaws.com", "EventsDeadLetters", ("sqs:SendMessage",), arn(dlq),
                                      GetAtt(rule, "Arn")))
    b.key_allow_service("events.amazonaws.com", "EventsToEncryptedTargets")


def backs_up(b: Builder, e: Edge) -> None:
    """backup plan -> table: the table joins the plan's selection."""
    if b.service_of(e.source) != "backup":
        return
    selection = b.resources[b.lid(e.source, "Selection")]["Properties"]["BackupSelection"]
    selection["Resources"].append(GetAtt(b.lid(e.target), "Arn"))
    selection["Resources"].sort(key=lambda r: r.value)


def alarms_to(b: Builder, e: Edge) -> None:
    """alarms -> topic: alarm actions publish to the (encrypted) topic (a budget's own blueprint allows
    AWS Budgets to publish)."""
    if b.service_of(e.source) != "cloudwatch":
        return
    topic = b.lid(e.target)
    b.alarm_topic[e.source] = topic
    b.topic_allow(topic, Statement("CloudWatchPublish", "Allow", ("sns:Publish",), (Ref(topic),),
                                   {"Service": "cloudwatch.amazonaws.com"},
                                   {"ArnLike": {"aws:SourceArn": Sub(
                                       "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:*")}}))
    b.key_allow_service("cloudwatch.amazonaws.com", "CloudWatchToEncryptedTopic")


def authorizes(b: Builder, e: Edge) -> None:
    """user pool -> api: a Cognito authorizer; authorizer function -> api: a token authorizer."""
    api = b.lid(e.target)
    api_cid = e.target
    settings = b.components[api_cid].settings
    source = b.service_of(e.source)
    if source == "cognito" and settings.get("authorization", "cognito") == "cognito":
        lid = b.lid(e.target, "CognitoAuthorizer")
        b.add(lid, "AWS::ApiGateway::Authorizer", {
            "RestApiId": Ref(api), "Name": "cognito", "Type": "COGNITO_USER_POOLS",
            "IdentitySource": "method.request.header.Authorization",
            "ProviderARNs": [GetAtt(b.lid(e.source), "Arn")]})
        b.api_auth[api_cid] = ("COGNITO_USER_POOLS", lid)
    elif source == "lambda":
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


def audits(b: Builder, e: Edge) -> None:
    """trail -> table: record the table's data events (management events are always on)."""
    if b.service_of(e.source) != "cloudtrail" or b.service_of(e.target) != "dynamodb":
        return
    props = b.resources[b.lid(e.source)]["Properties"]
    selectors = props.setdefault("AdvancedEventSelectors", [
        {"Name": "management events", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]}])
    selectors.append({"Name": f"data events on {e.target}", "FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Data"]},
        {"Field": "resources.type", "Equals": ["AWS::DynamoDB::Table"]},
        {"Field": "resources.ARN", "Equals": [GetAtt(b.lid(e.target), "Arn")]}]})


def _nothing(b: Builder, e: Edge) -> None:
    """Built by a blueprint: the table's stream (streams-to), the global table (replicates-to),
    alarms on every function (monitors), the key on every resource (encrypts)."""


CONNECTORS: dict[str, Callable[[Builder, Edge], None]] = {
    "sends": sends,
    "invokes": invokes,
    "triggers": triggers,
    "writes": writes,
    "reads": reads,
    "publishes": publishes,
    "fans-out": fans_out,
    "delivers-to": delivers_to,
    "routes-to": routes_to,
    "backs-up": backs_up,
    "alarms-to": alarms_to,
    "authorizes": authorizes,
    "audits": audits,
    "streams-to": _nothing,
    "replicates-to": _nothing,
    "monitors": _nothing,
    "encrypts": _nothing,
}
