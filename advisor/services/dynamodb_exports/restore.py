"""The restore script `advisor render` writes beside the templates when backup and restore runs on exports:
it finds the latest full export in the bucket and the incremental exports after it, and replays those changes,
in order, into the table imported from that full export. It needs Python 3 and boto3 (AWS CloudShell has both).
"""

RESTORE_FILE = "restore-exports.py"

RESTORE_SOURCE = '''\
#!/usr/bin/env python3
"""Restore a DynamoDB table from its exports in an S3 bucket (written by advisor's exporter).

  restore-exports.py --region REGION BUCKET full-export
      prints the S3 key prefix of the latest full export's data files, for `aws dynamodb import-table`
  restore-exports.py --region REGION BUCKET apply TABLE
      replays, oldest first, every incremental export after that full export into TABLE

Exports are found by their completed manifests; prefixes name the times they reach (full/T,
incremental/FROM-TO). A gap in the chain stops the replay before any write, naming it.
"""
import argparse
import gzip
import json
import sys
import time

import boto3


def completed(s3, bucket, kind):
    """Every completed export of a kind ("full" or "incremental"): (prefix name, export folder), oldest first."""
    found = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=kind + "/"):
        for obj in page.get("Contents", []):
            key = obj["Key"]
            if key.endswith("/manifest-summary.json"):
                found.append((key.split("/")[1], key.rsplit("/", 1)[0]))
    return sorted(found)


def chain(s3, bucket):
    """The latest full export's folder and the incremental folders that follow it without a gap."""
    fulls = completed(s3, bucket, "full")
    if not fulls:
        raise SystemExit("no completed full export in s3://%s/full/" % bucket)
    name, folder = fulls[-1]
    at, reach, steps = int(name), {}, []
    for window, where in completed(s3, bucket, "incremental"):
        start, end = (int(t) for t in window.split("-"))
        if end > reach.get(start, (0, ""))[0]:
            reach[start] = (end, where)
    while at in reach:
        end, where = reach[at]
        steps.append(where)
        at = end
    later = sorted(s for s in reach if s > at)
    if later:
        raise SystemExit("the exports stop at %d and resume at %d: the changes between are missing" % (at, later[0]))
    return folder, steps, at


def lines(s3, bucket, folder):
    """Each changed item of one export, as its manifest lists the data files."""
    summary = json.loads(s3.get_object(Bucket=bucket, Key=folder + "/manifest-summary.json")["Body"].read())
    listing = s3.get_object(Bucket=bucket, Key=summary["manifestFilesS3Key"])["Body"].read().decode()
    for entry in filter(None, listing.splitlines()):
        data = s3.get_object(Bucket=bucket, Key=json.loads(entry)["dataFileS3Key"])["Body"].read()
        for line in filter(None, gzip.decompress(data).decode().splitlines()):
            yield json.loads(line)


def apply(ddb, table, records):
    """Each record as a put (its new image) or a delete (its keys alone), 25 a batch, retrying what is left."""
    done, batch = 0, []
    for record in records:
        image = record.get("NewImage")
        batch.append({"PutRequest": {"Item": image}} if image else {"DeleteRequest": {"Key": record["Keys"]}})
        if len(batch) == 25:
            done += _write(ddb, table, batch)
            batch = []
    return done + (_write(ddb, table, batch) if batch else 0)


def _write(ddb, table, batch):
    pending, wait = {table: batch}, 0.05
    while pending:
        pending = ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
        if pending:
            time.sleep(wait)
            wait = min(wait * 2, 5)
    return len(batch)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--region", required=True, help="the Region of the bucket and the restored table")
    parser.add_argument("bucket")
    parser.add_argument("command", choices=("full-export", "apply"))
    parser.add_argument("table", nargs="?")
    args = parser.parse_args(argv)
    s3 = boto3.client("s3", region_name=args.region)
    folder, steps, reached = chain(s3, args.bucket)
    if args.command == "full-export":
        print(folder + "/data/")
        return 0
    if not args.table:
        parser.error("apply needs the table to replay into")
    ddb = boto3.client("dynamodb", region_name=args.region)
    total = 0
    for where in steps:
        total += apply(ddb, args.table, lines(s3, args.bucket, where))
    print("replayed %d changes from %d incremental exports; the table is as of %s UTC" % (
        total, len(steps), time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(reached))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''
