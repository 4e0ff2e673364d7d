"""bucket:* (s3): a KMS-encrypted, versioned, non-public bucket with a TLS-only policy, logging to a separate
access-log bucket (SSE-S3, since S3 server access logging cannot write to SSE-KMS buckets)."""

from __future__ import annotations

from typing import Any

from advisor.architecture import Component
from advisor.render.cfn.context import Builder, Statement, deny_insecure
from advisor.render.cfn.intrinsics import Ref, Sub, arn

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


def build(b: Builder, c: Component) -> None:
    lid = b.lid(c.id)
    logs = _bucket(b, b.lid(c.id, "AccessLogs"),
                   {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}},
                   {"LifecycleConfiguration": {"Rules": [{"Id": "expire-access-logs", "Status": "Enabled",
                                                          "ExpirationInDays": 365,
                                                          "NoncurrentVersionExpiration": {"NoncurrentDays": 30}}]}})
    b.skip_checkov(logs, "CKV_AWS_18", LOG_BUCKET_SELF)
    encryption: dict[str, Any] = {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms",
                                                                   "KMSMasterKeyID": b.key_arn()},
                                  "BucketKeyEnabled": True} if b.has_key() else \
        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
    _bucket(b, lid, encryption, {"LoggingConfiguration": {"DestinationBucketName": Ref(logs),
                                                          "LogFilePrefix": "s3-access/"}})
    b.bucket_statements[logs].append(Statement(
        "S3ServerAccessLogs", "Allow", ("s3:PutObject",), (Sub("${%s.Arn}/s3-access/*" % logs),),
        {"Service": "logging.s3.amazonaws.com"},
        {"ArnLike": {"aws:SourceArn": arn(lid)}, "StringEquals": {"aws:SourceAccount": Ref("AWS::AccountId")}}))
