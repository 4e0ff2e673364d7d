"""trail:* (cloudtrail): a multi-Region trail with log file validation, KMS-encrypted, into its bucket
(the writes edge); the audits connector adds data-event selectors for audited tables.

A trail of management events belongs to the account (AWS recommends one organisation trail), so the stack
creates it only while its `CreateAccountTrail` parameter is true, the default: an organisation that has one
deploys with false and reuses it. A trail that also records the data events of the workload's own tables keeps
those as the workload's: with false it stays, single-Region, recording them alone."""

from __future__ import annotations

from typing import Any

from advisor.architecture import Component, Edge
from advisor.render.cfn.context import Builder, Statement
from advisor.render.cfn.intrinsics import NO_VALUE, Equals, GetAtt, If, Ref, Sub, arn

PARAMETER = "CreateAccountTrail"
CONDITION = "CreatesAccountTrail"
# checkov CKV_AWS_67 reads IsMultiRegionTrail as a literal true only.
SINGLE_REGION_WHEN_REUSED = ("Multi-Region while the stack creates the account's trail (CreateAccountTrail=true, the "
                             "default); with false the organisation's trail covers every Region, and this one "
                             "records only the data events of the workload's own tables, in their Region, without "
                             "taking a trail slot (five a Region) in every other Region")


def management_events() -> dict[str, Any]:
    """The selector of every management event (a new dict for each template)."""
    return {"Name": "management events", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]}


def account_trail(b: Builder) -> str:
    """The parameter that says whether the stack creates the account's trail of management events, and its
    condition (made once)."""
    if CONDITION not in b.conditions:
        param = b.parameter(PARAMETER, Type="String", Default="true", AllowedValues=["true", "false"],
                            Description="Create this stack's multi-Region trail of management events; false where an "
                            "organisation or account trail already records them (a second copy of management "
                            "events bills per event)")
        b.condition(CONDITION, Equals(param, "true"))
    return CONDITION


def trail_name(lid: str) -> Sub:
    return Sub("${AWS::StackName}-" + lid)


def trail_arn(lid: str) -> Sub:
    return Sub("arn:${AWS::Partition}:cloudtrail:${AWS::Region}:${AWS::AccountId}:trail/${AWS::StackName}-" + lid)


def build(b: Builder, c: Component) -> None:
    lid = b.lid(c.id)
    bucket = next(e.target for e in b.edges_from(c.id, "writes") if b.service_of(e.target) == "s3")
    created = account_trail(b)
    audited = [e.target for e in b.edges_from(c.id, "audits")]
    props: dict[str, Any] = {
        "TrailName": trail_name(lid),
        "IsLogging": True,
        "S3BucketName": Ref(b.lid(bucket)),
        "S3KeyPrefix": "cloudtrail",
        "EnableLogFileValidation": bool(c.settings.get("log_file_validation", True)),
        "IsMultiRegionTrail": bool(c.settings.get("multi_region", True)),
        "IncludeGlobalServiceEvents": True,
    }
    if audited:
        # The workload's own data events stay when the account's trail is reused: this Region's, alone.
        props["IsMultiRegionTrail"] = If(created, props["IsMultiRegionTrail"], False)
        props["IncludeGlobalServiceEvents"] = If(created, True, False)
        props["AdvancedEventSelectors"] = [If(created, management_events(), NO_VALUE)]
        reused = (f"the trail stays, in this Region only, recording the data events of {', '.join(audited)} "
                  "(the workload's own); the management events are the organisation trail's")
    else:
        b.only_if(c.id, created)
        b.only_if(bucket, created)
        reused = f"neither the trail nor its bucket ({bucket}) is created"
    b.account_switches.append({"Parameter": PARAMETER, "Default": "true", "Creates": f"{c.id}, a multi-Region "
                               "trail of the account's management events", "WhenFalse": reused})
    if b.has_key():
        props["KMSKeyId"] = b.key_arn()
        b.key_allow_service("cloudtrail.amazonaws.com", "CloudTrailEncrypt", {
            "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn":
                           Sub("arn:${AWS::Partition}:cloudtrail:*:${AWS::AccountId}:trail/*")},
            "StringEquals": {"aws:SourceArn": trail_arn(lid)}}, actions=("kms:GenerateDataKey*",))
        b.key_allow_service("cloudtrail.amazonaws.com", "CloudTrailDescribe",
                            {"StringEquals": {"aws:SourceArn": trail_arn(lid)}}, actions=("kms:DescribeKey",))
    b.add(lid, "AWS::CloudTrail::Trail", props, DependsOn=[b.policy_id(b.lid(bucket))])
    if audited:
        b.skip_checkov(lid, "CKV_AWS_67", SINGLE_REGION_WHEN_REUSED)


# --- connectors: what an edge leaving this service's components adds ------------------------------


def writes(b: Builder, e: Edge) -> None:
    """trail -> bucket: the bucket policy CloudTrail needs."""
    bucket, trail = b.lid(e.target), trail_arn(b.lid(e.source))
    b.bucket_statements.setdefault(bucket, []).extend([
        Statement("CloudTrailAclCheck", "Allow", ("s3:GetBucketAcl",), (arn(bucket),),
                  {"Service": "cloudtrail.amazonaws.com"}, {"StringEquals": {"aws:SourceArn": trail}}),
        Statement("CloudTrailWrite", "Allow", ("s3:PutObject",),
                  (Sub("${%s.Arn}/cloudtrail/AWSLogs/${AWS::AccountId}/*" % bucket),),
                  {"Service": "cloudtrail.amazonaws.com"},
                  {"StringEquals": {"aws:SourceArn": trail, "s3:x-amz-acl": "bucket-owner-full-control"}}),
    ])


def audits(b: Builder, e: Edge) -> None:
    """trail -> table: record the table's data events (beside the management events, while the stack creates
    the account's trail)."""
    props = b.resources[b.lid(e.source)]["Properties"]
    selectors = props["AdvancedEventSelectors"]
    selectors.append({"Name": f"data events on {e.target}", "FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Data"]},
        {"Field": "resources.type", "Equals": ["AWS::DynamoDB::Table"]},
        {"Field": "resources.ARN", "Equals": [GetAtt(b.lid(e.target), "Arn")]}]})


# (edge kind, target service) -> connector
CONNECTORS = {
    ("writes", "s3"): writes,
    ("audits", "dynamodb"): audits,
}


# --- the report: what its components contribute to ARCHITECTURE.md ---------------------------------


def controls(components: tuple[Component, ...]) -> list[str]:
    """The security controls the trails carry, one sentence each."""
    return [f"`{trail.id}` records every API call, with log file validation, to a versioned private bucket."
            for trail in components]
