"""bucket:* (s3) read back from a template: a bucket, its policy and the bucket its access logs go to; a claim
check (an API that puts request bodies in a bucket whose notifications queue a pointer) as an API's `sends`
edge via the bucket; a function that reads the bucket's objects (the inverse of blueprint.py)."""

from __future__ import annotations

from advisor.review.infer import Reading, flag, number
from advisor.review.template import Resource

TYPES = ("AWS::S3::Bucket", "AWS::S3::BucketPolicy")
SERVICE = "s3"


def components(r: Reading) -> None:
    """One component per bucket, but for buckets that only receive another bucket's access logs."""
    buckets = r.of_type("AWS::S3::Bucket")
    log_buckets = {lid: b for b in buckets for lid in r.targets(
        (b.props.get("LoggingConfiguration") or {}).get("DestinationBucketName"), "AWS::S3::Bucket")}
    for bucket in buckets:
        if bucket.logical_id in log_buckets or bucket.logical_id in r.parts:
            continue  # an access-log bucket, or another package's (an exports bucket)
        cid = r.component(r.name(bucket.logical_id, "bucket"), "s3", bucket)
        _settings(r, cid, bucket)
    for lid, source in log_buckets.items():
        owner = r.component_of(source.logical_id)
        if owner is not None:
            r.claim(lid, owner, "access log bucket")
            for policy in r.resource_policy(lid, "AWS::S3::BucketPolicy", "Bucket")[1]:
                r.claim(policy, owner, "access log bucket policy")


def _settings(r: Reading, cid: str, bucket: Resource) -> None:
    props = bucket.props
    versioning = props.get("VersioningConfiguration")
    r.set(cid, "versioning", isinstance(versioning, dict) and versioning.get("Status") == "Enabled", bucket,
          "VersioningConfiguration")
    block = props.get("PublicAccessBlockConfiguration")
    r.set(cid, "block_public_access", isinstance(block, dict) and all(flag(block.get(k)) for k in (
        "BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")), bucket,
          "PublicAccessBlockConfiguration")
    statements, policies = r.resource_policy(bucket.logical_id, "AWS::S3::BucketPolicy", "Bucket")
    for policy in policies:
        r.claim(policy, cid, "bucket policy")
    r.set(cid, "deny_insecure_transport", any(s.effect == "Deny" and "aws:SecureTransport" in str(s.condition)
                                              for s in statements), bucket, "PolicyDocument")
    rules = (props.get("BucketEncryption") or {}).get("ServerSideEncryptionConfiguration") or []
    for rule in rules if isinstance(rules, list) else []:
        default = rule.get("ServerSideEncryptionByDefault") if isinstance(rule, dict) else None
        if isinstance(default, dict):
            r.set(cid, "kms_key", r.key_of(default.get("KMSMasterKeyID")), bucket, "BucketEncryption")
    lifecycle = (props.get("LifecycleConfiguration") or {}).get("Rules") or []
    for rule in lifecycle if isinstance(lifecycle, list) else []:
        if isinstance(rule, dict) and rule.get("Status") == "Enabled" and not rule.get("Prefix") and not rule.get(
                "Filter") and number(rule.get("ExpirationInDays")):
            r.set(cid, "expiration_days", int(number(rule["ExpirationInDays"]) or 0), bucket, "LifecycleConfiguration")


def edges(r: Reading) -> None:
    """An API method that puts bodies in a bucket whose notifications go to a queue: the API sends to the queue
    via the bucket. A function allowed to get the bucket's objects reads it."""
    from advisor.services.apigateway.readback import integration_target, methods

    for api in r.components_of("apigateway"):
        for method in methods(r, api):
            for lid in integration_target(r, method, SERVICE):
                bucket = r.component_of(lid)
                if bucket is None or r.services.get(bucket) != "s3":
                    continue
                notifications = (r.resources[lid].props.get("NotificationConfiguration") or {}).get(
                    "QueueConfigurations") or []
                for notification in notifications:
                    queue = r.target(notification.get("Queue") if isinstance(notification, dict) else None,
                                     "AWS::SQS::Queue")
                    r.edge(api, r.component_of(queue), "sends", via=SERVICE, bucket=bucket)
    for fn in r.components_of("lambda"):
        for statement in r.statements(r.role_of(r.main(fn))):
            if statement.allows("s3:getobject"):
                for lid in r.targets(statement.resources, "AWS::S3::Bucket"):
                    target = r.component_of(lid)
                    if target is not None and r.services[target] == "s3":
                        r.edge(fn, target, "reads")
