"""bucket:* (s3): a KMS-encrypted, versioned, non-public bucket with a TLS-only policy, logging to a separate
access-log bucket (SSE-S3, since S3 server access logging cannot write to SSE-KMS buckets), and a lifecycle rule
when its objects expire. A claim check travels via a bucket (`VIA`): the API stores the request body in it and its
event notification puts a pointer on the queue; the function that reads the bucket fetches the body."""

from __future__ import annotations

from typing import Any

from advisor.architecture import Component, Edge
from advisor.render.cfn.context import Builder, Statement, deny_insecure
from advisor.render.cfn.intrinsics import Ref, Select, Split, Sub, arn
from advisor.services.apigateway.blueprint import method, model
from advisor.services.s3 import NONCURRENT_DAYS

PUBLIC_BLOCK = {"BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True}
LOG_BUCKET_SELF = "This is the access-log bucket; logging it to itself would loop, and another log bucket would need one too"


def _bucket(b: Builder, lid: str, encryption: dict[str, Any], extra: dict[str, Any]) -> str:
    props = {
        "BucketEncryption": {"ServerSideEncryptionConfiguration": [encryption]},
        "VersioningConfiguration": {"Status": "Enabled"},
        "PublicAccessBlockConfiguration": PUBLIC_BLOCK,
        "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
        **extra,
    }
    b.add(lid, "AWS::S3::Bucket", props, DeletionPolicy="Retain", UpdateReplacePolicy="Retain")
    b.bucket_statements.setdefault(lid, []).extend([
        deny_insecure(arn(lid), "s3:*"), deny_insecure(Sub("${%s.Arn}/*" % lid), "s3:*")])
    return lid


def logged_bucket(b: Builder, lid: str, logs: str, rules: list[dict[str, Any]]) -> str:
    """A bucket encrypted with the stack's key (SSE-S3 without one), with these lifecycle rules, logging its
    access to a bucket of its own, `logs`."""
    _bucket(b, logs, {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}},
            {"LifecycleConfiguration": {"Rules": [{"Id": "expire-access-logs", "Status": "Enabled",
                                                   "ExpirationInDays": 365,
                                                   "NoncurrentVersionExpiration": {"NoncurrentDays": 30}}]}})
    b.skip_checkov(logs, "CKV_AWS_18", LOG_BUCKET_SELF)
    encryption: dict[str, Any] = {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms",
                                                                   "KMSMasterKeyID": b.key_arn()},
                                  "BucketKeyEnabled": True} if b.has_key() else \
        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
    extra: dict[str, Any] = {"LoggingConfiguration": {"DestinationBucketName": Ref(logs), "LogFilePrefix": "s3-access/"}}
    if rules:
        extra["LifecycleConfiguration"] = {"Rules": rules}
    _bucket(b, lid, encryption, extra)
    b.bucket_statements[logs].append(Statement(
        "S3ServerAccessLogs", "Allow", ("s3:PutObject",), (Sub("${%s.Arn}/s3-access/*" % logs),),
        {"Service": "logging.s3.amazonaws.com"},
        {"ArnLike": {"aws:SourceArn": arn(lid)}, "StringEquals": {"aws:SourceAccount": Ref("AWS::AccountId")}}))
    return lid


def expiry(rule_id: str, days: int) -> dict[str, Any]:
    """A lifecycle rule that expires objects after `days`, their old versions soon after, and stale uploads."""
    return {"Id": rule_id, "Status": "Enabled", "ExpirationInDays": days,
            "NoncurrentVersionExpiration": {"NoncurrentDays": NONCURRENT_DAYS},
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}}


def build(b: Builder, c: Component) -> None:
    days = c.settings.get("expiration_days")
    logged_bucket(b, b.lid(c.id), b.lid(c.id, "AccessLogs"), [expiry("expire-objects", int(days))] if days else [])


# --- a claim check: a request body too large for a queue message goes to a bucket, a pointer on the queue ---


def _name(bucket: str, prefix: str) -> Sub:
    """A claim-check bucket's name (or, with `prefix`, its ARN), built from the stack rather than read from the
    bucket: the queue policy must name the bucket before the bucket exists, since S3 checks that it may send to
    the queue when the bucket is created. Lowercase and at most 63 characters: the component's name (at most
    10), the account and the stack's unique id."""
    short = bucket.partition(":")[2][:10].strip("-")
    return Sub(prefix + short + "-${AWS::AccountId}-${StackUuid}",
               {"StackUuid": Select(2, Split("/", Ref("AWS::StackId")))})


def claim_check(b: Builder, e: Edge) -> None:
    """api -> queue via a bucket: POST /items puts the body in the bucket (an API Gateway AWS integration PUT,
    keyed by the request id), and the bucket's event notification puts a pointer to it on the queue."""
    bucket, queue = b.lid(e.settings["bucket"]), b.lid(e.target)
    resource = b.resources[bucket]
    resource["Properties"]["BucketName"] = _name(e.settings["bucket"], "")
    resource["Properties"]["NotificationConfiguration"] = {
        "QueueConfigurations": [{"Event": "s3:ObjectCreated:*", "Queue": arn(queue)}]}
    # S3 tests that it may send to the queue when the notification is configured: the policy comes first.
    resource["DependsOn"] = [b.policy_id(queue)]
    b.queue_allow(queue, Statement(
        "S3ClaimCheckNotifications", "Allow", ("sqs:SendMessage",), (arn(queue),), {"Service": "s3.amazonaws.com"},
        {"ArnEquals": {"aws:SourceArn": _name(e.settings["bucket"], "arn:${AWS::Partition}:s3:::")},
         "StringEquals": {"aws:SourceAccount": Ref("AWS::AccountId")}}))
    # S3 encrypts the notification with the queue's key, so it may use the key (SQS developer guide, key policy
    # for AWS service event sources).
    b.key_allow_service("s3.amazonaws.com", "S3ToEncryptedQueue", actions=("kms:Decrypt", "kms:GenerateDataKey"))
    role = b.role(b.lid(e.source, "S3Role"), "apigateway.amazonaws.com")
    b.allow(role, "PutPayload", ["s3:PutObject"], [Sub("${%s.Arn}/*" % bucket)])
    b.allow_key(role, "kms:GenerateDataKey")
    method(b, e.source, b.lid(e.source, "PostMethod"), {
        "ResourceId": Ref(b.lid(e.source, "ItemsResource")),
        "HttpMethod": "POST",
        "RequestModels": {"application/json": Ref(model(b, e.source))},
        "Integration": {
            "Type": "AWS",
            "IntegrationHttpMethod": "PUT",
            "Credentials": arn(role),
            "Uri": Sub("arn:${AWS::Partition}:apigateway:${AWS::Region}:s3:path/${%s}/{key}" % bucket),
            "PassthroughBehavior": "NEVER",
            "RequestParameters": {"integration.request.path.key": "context.requestId",
                                  "integration.request.header.Content-Type": "'application/json'"},
            "RequestTemplates": {"application/json": "$input.body"},
            "IntegrationResponses": [
                {"StatusCode": "202", "SelectionPattern": "2\\d{2}",
                 "ResponseTemplates": {"application/json": '{"status": "accepted", "id": "$context.requestId"}'}},
                {"StatusCode": "500", "SelectionPattern": "[45]\\d{2}",
                 "ResponseTemplates": {"application/json": '{"message": "the request could not be stored"}'}},
            ],
        },
        "MethodResponses": [{"StatusCode": "202"}, {"StatusCode": "500"}],
    })


def reads(b: Builder, e: Edge) -> None:
    """function -> bucket: GetObject (and the key to decrypt), and the bucket's name in `PAYLOAD_BUCKET`, where
    the handler fetches the bodies the queue's notifications point to."""
    bucket, role = b.lid(e.target), b.lid(e.source, "Role")
    b.allow(role, "ReadPayloads", ["s3:GetObject"], [Sub("${%s.Arn}/*" % bucket)])
    b.allow_key(role, "kms:Decrypt")
    b.env(b.lid(e.source), "PAYLOAD_BUCKET", Ref(bucket))


# (edge kind, source service, target service) -> the connector of an edge that travels via a bucket
VIA = {
    ("sends", "apigateway", "sqs"): claim_check,
}

# (edge kind, source service) -> connector, for edges that reach a bucket from services that were there first
ACCEPTS = {
    ("reads", "lambda"): reads,
}
