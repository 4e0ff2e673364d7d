"""export:* (dynamodb-exports): in the primary stack, the exporter (a function run on a schedule, its role,
encrypted log group and errors alarm) that exports the table's changes to the bucket in the recovery Region,
whose name is a parameter (the recovery stack's output); in the recovery stack, that bucket, encrypted with the
Region's key, versioned, private and TLS-only, logging its access, expiring exports once a later full export
and its changes have arrived."""

from __future__ import annotations

from typing import Any

from advisor.architecture import Architecture, Component, Edge
from advisor.render.cfn.context import Builder
from advisor.render.cfn.intrinsics import GetAtt, Ref, Sub, arn
from advisor.services.awslambda.blueprint import NO_VPC
from advisor.services.dynamodb_exports.exporter import EXPORTER_SOURCE
from advisor.services.dynamodb_exports.pricing import EXPORTER_MEMORY_MB
from advisor.services.dynamodb_exports.restore import RESTORE_FILE, RESTORE_SOURCE
from advisor.services.s3.blueprint import expiry, logged_bucket

EXPIRY_RULE = "expire-exports"  # readback knows the exports' bucket by this rule
RUNTIME = "python3.13"
TIMEOUT_S = 60
ONE_AT_A_TIME = ("The schedule starts one run every few hours and a run takes about a second; a reservation would "
                 "take capacity from the account's other functions for nothing")
RETRIED_BY_THE_NEXT_RUN = ("Invoked by a schedule: Lambda retries a failed run twice, and the next scheduled run "
                           "exports from where the last completed export ended, so nothing is lost by dropping the "
                           "event; the errors alarm reports the failure")
NO_RULE_DLQ = ("A scheduled event carries nothing to keep: when one cannot be delivered, the next scheduled run "
               "exports from where the last completed export ended, and a dead-letter queue would only collect "
               "empty schedule events")
NOT_TRACED = ("A scheduled run of a few API calls: its log line names the export it started, and X-Ray would add "
              "cost for no path worth tracing")


def schedule(hours: int) -> str:
    """EventBridge's rate expression for one run every `hours` hours."""
    return "rate(1 hour)" if hours == 1 else f"rate({hours} hours)"


def build(b: Builder, c: Component) -> None:
    if c.settings.get("receives_from"):
        _bucket_side(b, c)
        return
    region = str(c.settings.get("to_region") or (b.arch.dr.secondary_region if b.arch.dr else ""))
    bucket = b.parameter(
        b.lid(c.id, "BucketName"), Type="String",
        Description=f"Name of the bucket in {region} that receives the table's exports (the recovery stack's output)",
        AllowedPattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", ConstraintDescription="an S3 bucket name")
    b.note("from_recovery", f"{bucket.value}={b.lid(c.id, 'BucketName')}")
    role = b.role(b.lid(c.id, "Role"), "lambda.amazonaws.com")
    logs = b.log_group(b.lid(c.id, "Logs"), 30)
    b.allow(role, "WriteLogs", ["logs:CreateLogStream", "logs:PutLogEvents"], [arn(logs)])
    b.allow(role, "WriteExports", ["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"],
            [Sub("arn:${AWS::Partition}:s3:::${%s}/*" % bucket.value)])
    # Without ListBucket a missing state object reads as AccessDenied rather than NoSuchKey.
    b.allow(role, "ReadBucket", ["s3:ListBucket"], [Sub("arn:${AWS::Partition}:s3:::${%s}" % bucket.value)])
    # The bucket encrypts with the recovery Region's key, under the caller's permissions.
    b.allow(role, "UseRecoveryKey", ["kms:Decrypt", "kms:GenerateDataKey"],
            [Sub("arn:${AWS::Partition}:kms:%s:${AWS::AccountId}:key/*" % region)])
    lid = b.lid(c.id, "Function")
    props: dict[str, Any] = {
        "Description": f"advisor {c.id}: exports the table's changes to the bucket in {region}",
        "Runtime": RUNTIME, "Architectures": ["arm64"], "Handler": "index.handler",
        "Code": {"ZipFile": EXPORTER_SOURCE}, "MemorySize": EXPORTER_MEMORY_MB, "Timeout": TIMEOUT_S,
        "Role": arn(role),
        "LoggingConfig": {"LogFormat": "JSON", "LogGroup": Ref(logs), "ApplicationLogLevel": "INFO",
                          "SystemLogLevel": "WARN"},
        "TracingConfig": {"Mode": "PassThrough"},
        "Environment": {"Variables": {"BUCKET": bucket, "BUCKET_REGION": region,
                                      "FULL_EVERY_DAYS": str(int(c.settings["full_every_days"]))}},
    }
    if b.has_key():
        props["KmsKeyArn"] = b.key_arn()
        b.allow_key(role, "kms:Decrypt")
    b.add(lid, "AWS::Lambda::Function", props)
    b.skip_checkov(lid, "CKV_AWS_117", NO_VPC)
    b.skip_checkov(lid, "CKV_AWS_115", ONE_AT_A_TIME)
    b.skip_checkov(lid, "CKV_AWS_116", RETRIED_BY_THE_NEXT_RUN)
    # advisor's own check (ADV-R019) would say the same; the suppression says why, where review reads it.
    b.resources[lid].setdefault("Metadata", {})["advisor"] = {"ignore": [{"rule": "ADV-R019",
                                                                          "reason": RETRIED_BY_THE_NEXT_RUN}]}
    b.skip_cfn_lint(lid, "WS1000", NOT_TRACED)
    b.skip_cfn_lint(lid, "WS1004", f"The function logs to its own log group {logs}, with RetentionInDays set, "
                                   "named in LoggingConfig.LogGroup")
    hours = int(c.settings["interval_hours"])
    rule = b.add(b.lid(c.id, "Schedule"), "AWS::Events::Rule", {
        "Description": f"Runs {c.id}'s exporter every {hours} hour{'s' if hours != 1 else ''}",
        "ScheduleExpression": schedule(hours), "State": "ENABLED",
        "Targets": [{"Arn": arn(lid), "Id": "exporter"}]})
    b.skip_cfn_lint(rule, "ES4000", NO_RULE_DLQ)
    permission = b.add(b.lid(c.id, "Permission"), "AWS::Lambda::Permission", {
        "FunctionName": Ref(lid), "Action": "lambda:InvokeFunction", "Principal": "events.amazonaws.com",
        "SourceArn": arn(rule)})
    b.skip_cfn_lint(permission, "ES1007", RETRIED_BY_THE_NEXT_RUN)
    # A run retried hours late would only find the next run's work done: retry within the hour, then drop it.
    b.add(b.lid(c.id, "InvokeConfig"), "AWS::Lambda::EventInvokeConfig", {
        "FunctionName": Ref(lid), "Qualifier": "$LATEST", "MaximumRetryAttempts": 2,
        "MaximumEventAgeInSeconds": 3600})
    b.note("dr", f"{c.id}: the table's changes exported every {hours} hours (a full export every "
                 f"{c.settings['full_every_days']} days) to the bucket given as {bucket.value} in {region}")


def late(b: Builder, c: Component) -> None:
    """The exporter's errors alarm, sent to the alarm topic when there is one."""
    if c.settings.get("receives_from"):
        return
    from advisor.services.cloudwatch.blueprint import alarm

    topics = [t for t in b.alarm_topic.values() if t]
    alarm(b, b.lid(c.id, "ErrorsAlarm"), "The exporter failed: the recovery Region's copy of the table is falling "
          "behind", "AWS/Lambda", "Errors", [{"Name": "FunctionName", "Value": Ref(b.lid(c.id, "Function"))}], 1,
          [Ref(topics[0])] if topics else [], period=3600)


def _bucket_side(b: Builder, c: Component) -> None:
    """The recovery Region's bucket, with its access-log bucket."""
    lid = logged_bucket(b, b.lid(c.id, "Bucket"), b.lid(c.id, "AccessLogs"),
                        [expiry(EXPIRY_RULE, int(c.settings["retention_days"]))])
    b.output(b.lid(c.id, "BucketName"), Ref(lid),
             f"Name of the bucket that receives {c.id}'s exports from {c.settings['receives_from']}")


# --- connectors: what an edge leaving this service's components adds ------------------------------


def exports(b: Builder, e: Edge) -> None:
    """exporter -> table: starts exports of the table and reads how they went."""
    if b.components[e.source].settings.get("receives_from"):
        return
    table = GetAtt(b.lid(e.target), "Arn")
    role = b.lid(e.source, "Role")
    b.allow(role, "ExportTable", ["dynamodb:DescribeContinuousBackups", "dynamodb:ExportTableToPointInTime"], [table])
    b.allow(role, "DescribeExports", ["dynamodb:DescribeExport"], [Sub("${%s.Arn}/export/*" % b.lid(e.target))])
    b.env(b.lid(e.source, "Function"), "TABLE_ARN", table)


CONNECTORS = {
    ("exports", "dynamodb"): exports,
}


# --- rendered beside the templates ------------------------------------------------------------------


def files(arch: Architecture) -> dict[str, str]:
    """The restore script, where the architecture exports a table."""
    return {RESTORE_FILE: RESTORE_SOURCE} if arch.of_service("dynamodb-exports") else {}


# --- the report: what its components contribute to ARCHITECTURE.md ---------------------------------


def recovery_notes(arch: Architecture) -> list[str]:
    """The DR section's sentences on each exporter: how often, what a Region's loss can cost, how long exports are
    kept, and what a restore replays."""
    from advisor.catalog import duration_text
    from advisor.services.backup import worst_rpo_minutes

    out = []
    for c in arch.of_service("dynamodb-exports"):
        target = c.settings.get("to_region")
        if not target:
            continue
        hours, every, kept = (int(c.settings[k]) for k in ("interval_hours", "full_every_days", "retention_days"))
        out.append(f"`{c.id}` exports the table's changes every {hours} hour{'s' if hours != 1 else ''} to a bucket "
                   f"in `{target}`, with a full export every {every} day{'s' if every != 1 else ''}: a Region's loss "
                   f"costs at most {duration_text(worst_rpo_minutes(hours))} of writes (the interval plus an hour "
                   "for the export). A restore imports the latest full export into a new table and replays the "
                   f"changes since with `{RESTORE_FILE}`. Exports are kept {kept} days; point-in-time recovery, "
                   "which the exports read, keeps 35 days at home.")
    return out


def failover_before(f: Any) -> tuple[list[Any], dict[str, str]]:
    """The latest full export imported into a new table in the recovery Region and the changes since replayed;
    the table parameters of the recovery stack then name that table."""
    from advisor.render.runbook import Step
    from advisor.services.backup.blueprint import _camel, restored_table_step

    buckets = [c for c in f.recovery.arch.components.values()
               if c.service == "dynamodb-exports" and c.settings.get("receives_from")]
    if not buckets:
        return [], {}
    rec, bucket = f.rec, buckets[0]
    names = rec.template.get("Outputs", {})
    streams = bool(rec.template.get("Metadata", {}).get("Advisor", {}).get("FromTableStream"))
    tables = rec.template.get("Metadata", {}).get("Advisor", {}).get("FromPrimaryStack", {})
    creation = _creation(f)
    steps = [
        Step(f"Import the latest full export in `{rec.region}` into a new table encrypted with that Region's key, "
             "and wait until the import is COMPLETED.", (
                 f"BUCKET=$({f.output(rec, _camel(bucket.id, 'BucketName', names))})",
                 f"KEY_ARN=$({f.output(rec, f.key_output())})",
                 f"RESTORED_TABLE={f.arch.workload}-restored",
                 f"DATA=$(python3 {RESTORE_FILE} --region {rec.region} \"$BUCKET\" full-export)",
                 f"IMPORT=$(aws dynamodb import-table --region {rec.region} --s3-bucket-source "
                 "S3Bucket=\"$BUCKET\",S3KeyPrefix=\"$DATA\" --input-format DYNAMODB_JSON "
                 f"--input-compression-type GZIP --table-creation-parameters \"{creation}\" "
                 "--query ImportTableDescription.ImportArn --output text)",
                 f"aws dynamodb describe-import --region {rec.region} --import-arn \"$IMPORT\" "
                 "--query ImportTableDescription.ImportStatus --output text")),
        Step("Replay the changes exported since that full export, oldest first; the script stops, before any "
             "write, if an export is missing.", (
                 f"python3 {RESTORE_FILE} --region {rec.region} \"$BUCKET\" apply \"$RESTORED_TABLE\"",)),
        restored_table_step(rec.region, streams, "an import does not set"),
    ]
    return steps, {param: "RESTORED_TABLE" for param in tables}


def _creation(f: Any) -> str:
    """The restored table's definition for `import-table`, as the primary template declares the table: its keys,
    on-demand, encrypted with the recovery Region's key (the shell fills in $RESTORED_TABLE and $KEY_ARN)."""
    import json

    table: dict[str, Any] = next((r["Properties"] for r in f.primary.template.get("Resources", {}).values()
                  if r.get("Type") in ("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable")), {})
    spec: dict[str, Any] = {
        "TableName": "$RESTORED_TABLE",
        "AttributeDefinitions": table.get("AttributeDefinitions", []),
        "KeySchema": table.get("KeySchema", []),
        "BillingMode": "PAY_PER_REQUEST",
        "SSESpecification": {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": "$KEY_ARN"},
    }
    if table.get("GlobalSecondaryIndexes"):
        spec["GlobalSecondaryIndexes"] = [{k: v for k, v in g.items() if k in ("IndexName", "KeySchema", "Projection")}
                                          for g in table["GlobalSecondaryIndexes"]]
    return json.dumps(spec, sort_keys=True, separators=(",", ":")).replace('"', '\\"')
