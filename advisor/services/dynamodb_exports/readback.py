"""export:* (dynamodb-exports) read back from a template: in a primary template, the exporter (a function whose
environment names the exports' bucket and its Region, run by a schedule) with its role, log group, schedule,
permission, invoke configuration and alarm, `exports` the table its role may export; in a recovery template,
the bucket that keeps the exports, known by its expiry rule (the inverse of blueprint.py)."""

from __future__ import annotations

import re
from typing import Any

from advisor.review.infer import Reading, number
from advisor.services.backup import INTERVALS
from advisor.services.dynamodb_exports.blueprint import EXPIRY_RULE

TYPES = ("AWS::Lambda::Function", "AWS::S3::Bucket")
_RATE = re.compile(r"^rate\(\s*(\d+)\s+hours?\s*\)$")
_PRIMARY = re.compile(r"primary in ([a-z]{2}(?:-gov)?-[a-z]+-\d)\b")


def _variables(fn: Any) -> dict[str, Any]:
    environment = fn.props.get("Environment")
    variables = environment.get("Variables") if isinstance(environment, dict) else None
    return variables if isinstance(variables, dict) else {}


def components(r: Reading) -> None:
    """One component per exporter, and one per bucket that keeps exports."""
    for fn in r.of_type("AWS::Lambda::Function"):
        env = _variables(fn)
        if not {"BUCKET", "BUCKET_REGION", "FULL_EVERY_DAYS"} <= set(env) or fn.logical_id in r.parts:
            continue
        cid = r.component(r.name(fn.logical_id, "export", "Function"), "dynamodb-exports", fn)
        r.claim(r.role_of(fn), cid, "role")
        logging = fn.props.get("LoggingConfig")
        r.claim(r.target(logging.get("LogGroup") if isinstance(logging, dict) else None, "AWS::Logs::LogGroup"),
                cid, "log group")
        if isinstance(env.get("BUCKET_REGION"), str):
            r.set(cid, "to_region", env["BUCKET_REGION"], fn, "Environment")
        every = number(env.get("FULL_EVERY_DAYS"))
        if every:
            r.set(cid, "full_every_days", int(every), fn, "Environment")
            # The bucket, and its lifecycle, are the recovery Region's template's: this one prices the exports as
            # render keeps them there.
            r.set(cid, "retention_days", 2 * int(every) + 1)
            r.sources[cid]["retention_days"] = ("the recovery Region's bucket, not in this template: kept as render "
                                                "keeps exports, two full-export periods and a day")
        for resource in r.referrers(fn.logical_id):
            if resource.type == "AWS::Events::Rule":
                found = _RATE.match(str(resource.props.get("ScheduleExpression", "")).strip())
                if found and int(found.group(1)) in INTERVALS:
                    r.set(cid, "interval_hours", int(found.group(1)), resource, "ScheduleExpression")
                r.claim(resource.logical_id, cid, "schedule")
            elif resource.type in ("AWS::Lambda::Permission", "AWS::Lambda::EventInvokeConfig"):
                r.claim(resource.logical_id, cid, resource.type.rsplit("::", 1)[-1].lower())
            elif resource.type == "AWS::CloudWatch::Alarm" and resource.props.get("MetricName") == "Errors":
                r.claim(resource.logical_id, cid, "alarm")
    for bucket in r.of_type("AWS::S3::Bucket"):
        rules = (bucket.props.get("LifecycleConfiguration") or {}).get("Rules") if isinstance(
            bucket.props.get("LifecycleConfiguration"), dict) else None
        rule = next((x for x in rules or [] if isinstance(x, dict) and x.get("Id") == EXPIRY_RULE), None)
        if rule is None or bucket.logical_id in r.parts:
            continue
        cid = r.component(r.name(bucket.logical_id, "export", "Bucket"), "dynamodb-exports", bucket)
        days = number(rule.get("ExpirationInDays"))
        if days:
            r.set(cid, "retention_days", int(days), bucket, "LifecycleConfiguration")
        for policy in r.resource_policy(bucket.logical_id, "AWS::S3::BucketPolicy", "Bucket")[1]:
            r.claim(policy, cid, "bucket policy")
        logging = bucket.props.get("LoggingConfiguration")
        logs = r.target(logging.get("DestinationBucketName") if isinstance(logging, dict) else None, "AWS::S3::Bucket")
        r.claim(logs, cid, "access log bucket")
        if logs is not None:
            for policy in r.resource_policy(logs, "AWS::S3::BucketPolicy", "Bucket")[1]:
                r.claim(policy, cid, "access log bucket policy")
        # A recovery template says which Region it recovers (render writes "..., primary in <region>").
        role = (r.template.metadata.get("Advisor") or {}).get("Role") if isinstance(
            r.template.metadata.get("Advisor"), dict) else None
        found = _PRIMARY.search(role) if isinstance(role, str) else None
        if found:
            r.set(cid, "receives_from", found.group(1))


def edges(r: Reading) -> None:
    """The table each exporter's role may export."""
    for cid in r.components_of("dynamodb-exports"):
        main = r.main(cid)
        if main.type != "AWS::Lambda::Function":
            continue
        for statement in r.statements(r.role_of(main)):
            if statement.effect == "Allow" and statement.allows("dynamodb:exporttabletopointintime"):
                for table in r.targets(statement.resources, "AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable"):
                    r.edge(cid, r.component_of(table), "exports")
