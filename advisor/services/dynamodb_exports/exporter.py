"""The exporter: the function that exports a table's changes to the bucket in the recovery Region, shipped inline
(`Code.ZipFile`, under its 4096-character limit).

Each scheduled run looks at the export the last run started, kept in a small state object in the bucket:
still running, it waits for the next run; failed, it starts that export again; done, it starts the next one.
The next one is a full export when none has been made, when the last is `FULL_EVERY_DAYS` old, or when the
changes since the last export span more than the 24 hours an incremental export may cover (once point-in-time
recovery reaches back to its time: a new table's first run waits for it rather than fail); otherwise an
incremental export of the changes since the last export's end (NEW_IMAGE: each changed item's final state, a
deleted item as its keys alone), up to 10 minutes ago, since point-in-time recovery trails the table by
minutes. Prefixes name the time each export reaches, so the restore script applies them in order and finds a
gap. A run that fails is retried by Lambda, then by the next run, which exports from where the last good
export ended.
"""

EXPORTER_SOURCE = '''\
import json
import os
import time

import boto3
from botocore.exceptions import ClientError

env = os.environ
DAY = 86400
ddb = boto3.client("dynamodb")
s3 = boto3.client("s3", region_name=env["BUCKET_REGION"])

def _state():
    try:
        body = s3.get_object(Bucket=env["BUCKET"], Key="state.json")["Body"].read()
    except ClientError as e:
        if e.response["Error"]["Code"] in ("NoSuchKey", "404"):
            return {}
        raise
    return json.loads(body)

def handler(event, context, now=None):
    now = int(now or time.time())
    state = _state()
    if state.get("arn"):
        status = ddb.describe_export(ExportArn=state["arn"])["ExportDescription"]["ExportStatus"]
        if status == "IN_PROGRESS":
            return {"waiting": state["arn"]}
        if status == "FAILED":
            state = state.get("prev") or {}
    prev = {k: v for k, v in state.items() if k != "prev"}
    end = now - 600
    start = state.get("to")
    every = int(env["FULL_EVERY_DAYS"]) * DAY
    args = {"TableArn": env["TABLE_ARN"], "S3Bucket": env["BUCKET"], "ExportFormat": "DYNAMODB_JSON"}
    if start is None or end - state.get("full", 0) >= every or end - start > DAY:
        backups = ddb.describe_continuous_backups(TableName=env["TABLE_ARN"])["ContinuousBackupsDescription"]
        earliest = backups.get("PointInTimeRecoveryDescription", {}).get("EarliestRestorableDateTime")
        if earliest is None or earliest.timestamp() > end:
            return {"waiting": "point-in-time recovery to reach back to the export time"}
        kind, start = "FULL_EXPORT", None
        args.update(ExportTime=end, S3Prefix="full/%012d" % end)
    elif end - start < 900:
        return {"waiting": "a window of 15 minutes"}
    else:
        kind = "INCREMENTAL_EXPORT"
        args.update(S3Prefix="incremental/%012d-%012d" % (start, end), IncrementalExportSpecification={
            "ExportFromTime": start, "ExportToTime": end, "ExportViewType": "NEW_IMAGE"})
    token = "%s-%s-%d" % (kind, start, end)
    arn = ddb.export_table_to_point_in_time(ExportType=kind, ClientToken=token, **args)[
        "ExportDescription"]["ExportArn"]
    new = {"arn": arn, "type": kind, "to": end, "full": end if start is None else state["full"], "prev": prev}
    s3.put_object(Bucket=env["BUCKET"], Key="state.json", Body=json.dumps(new).encode())
    print(json.dumps({"started": kind, "export": arn, "to": end}))
    return new
'''
