"""trail:* (cloudtrail): a multi-Region trail with log file validation, KMS-encrypted, into its bucket
(the writes edge); the audits connector adds data-event selectors for audited tables."""

from __future__ import annotations

from advisor.architecture import Component
from advisor.render.cfn.context import Builder
from advisor.render.cfn.intrinsics import Ref, Sub


def trail_name(lid: str) -> Sub:
    return Sub("${AWS::StackName}-" + lid)


def trail_arn(lid: str) -> Sub:
    return Sub("arn:${AWS::Partition}:cloudtrail:${AWS::Region}:${AWS::AccountId}:trail/${AWS::StackName}-" + lid)


def build(b: Builder, c: Component) -> None:
    lid = b.lid(c.id)
    bucket = next(e.target for e in b.edges_from(c.id, "writes") if b.service_of(e.target) == "s3")
    props = {
        "TrailName": trail_name(lid),
        "IsLogging": True,
        "S3BucketName": Ref(b.lid(bucket)),
        "S3KeyPrefix": "cloudtrail",
        "EnableLogFileValidation": bool(c.settings.get("log_file_validation", True)),
        "IsMultiRegionTrail": bool(c.settings.get("multi_region", True)),
        "IncludeGlobalServiceEvents": True,
    }
    if b.has_key():
        props["KMSKeyId"] = b.key_arn()
        b.key_allow_service("cloudtrail.amazonaws.com", "CloudTrailEncrypt", {
            "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn":
                           Sub("arn:${AWS::Partition}:cloudtrail:*:${AWS::AccountId}:trail/*")},
            "StringEquals": {"aws:SourceArn": trail_arn(lid)}}, actions=("kms:GenerateDataKey*",))
        b.key_allow_service("cloudtrail.amazonaws.com", "CloudTrailDescribe",
                            {"StringEquals": {"aws:SourceArn": trail_arn(lid)}}, actions=("kms:DescribeKey",))
    b.add(lid, "AWS::CloudTrail::Trail", props, DependsOn=[b.policy_id(b.lid(bucket))])
