"""The Lambda handler shipped inline (`Code.ZipFile`) in every function of the template.

One module serves every function; the event's shape says which path runs:
an SQS batch (idempotent conditional puts, partial batch failures), an SNS
delivery, an API Gateway proxy request (read one item by id), or an API
Gateway authorizer request (deny until the owner replaces the check).
A function that stores and publishes marks an item `sent` only after its
publish succeeded: a redelivered message whose item is stored but not sent
is published then, so no event is lost; one published but not yet marked is
published again, as the at-least-once contract allows.
A function that reads a payload bucket (`PAYLOAD_BUCKET`) takes an SQS body
that is an S3 event notification as a claim check: it fetches each object
and processes it as it would a body, keyed by the object's key when it has
no id; S3's test event is acknowledged and dropped. It reads from its own
bucket whatever bucket a notification names, so a forged notification cannot
point it elsewhere.
It must stay under the 4096-character `ZipFile` limit.
"""

from __future__ import annotations

ZIPFILE_LIMIT = 4096

HANDLER_SOURCE = '''\
import json
import logging
import os
from urllib.parse import unquote_plus

import boto3
from botocore.exceptions import ClientError

env = os.environ.get
log = logging.getLogger()
log.setLevel(env("LOG_LEVEL", "INFO"))
_clients = {}

def _client(name):
    return _clients.get(name) or _clients.setdefault(name, boto3.client(name))

def parse(body):
    doc = json.loads(body)
    if not isinstance(doc, dict):
        raise ValueError("not a JSON object")
    return doc

def store(key, doc):
    # put once, publish, mark it sent: a retry publishes what was not sent
    table, body = env("TABLE_NAME"), json.dumps(doc, sort_keys=True)
    topic, k = env("TOPIC_ARN"), {"pk": {"S": key}}
    if table:
        db = _client("dynamodb")
        try:
            db.put_item(TableName=table, Item={**k, "doc": {"S": body}},
                        ConditionExpression="attribute_not_exists(pk)")
        except ClientError as err:
            if err.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            got = db.get_item(TableName=table, Key=k, ConsistentRead=True)
            if not topic or "sent" in got.get("Item", {}):
                log.info(json.dumps({"duplicate": key}))
                return
    if topic:
        _client("sns").publish(TopicArn=topic, Message=body)
        if table:
            db.update_item(TableName=table, Key=k, UpdateExpression="SET sent = :t",
                           ExpressionAttributeValues={":t": {"BOOL": True}})

def key_of(doc, default):
    i = doc.get("id")
    return i if isinstance(i, str) and i else default

def bodies(record):
    doc, bucket = parse(record["body"]), env("PAYLOAD_BUCKET")
    if not bucket or "Records" not in doc and "Event" not in doc:  # s3:TestEvent
        return [(key_of(doc, record["messageId"]), doc)]
    out = []
    for r in doc.get("Records", []):
        key = unquote_plus(r["s3"]["object"]["key"])
        got = parse(_client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())
        out.append((key_of(got, key), got))
    return out

def sqs_batch(records):
    failures = []
    for record in records:
        try:
            for key, doc in bodies(record):
                store(key, doc)
        except Exception:
            log.exception("record %s failed", record.get("messageId"))
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}

def sns_delivery(records):
    for record in records:
        message = record["Sns"]
        doc = parse(message["Message"])
        store(key_of(doc, message["MessageId"]), doc)
    return {"processed": len(records)}

def reply(code, message):
    return {"statusCode": code, "body": json.dumps({"message": message})}

def api_read(event):
    table = env("TABLE_NAME")
    key = (event.get("pathParameters") or {}).get("id")
    if not table or not key:
        return reply(400, "missing id")
    db, k, mode = _client("dynamodb"), {"pk": {"S": key}}, env("READ_CONSISTENCY", "eventual")
    if mode == "transactional":
        got = db.transact_get_items(TransactItems=[{"Get": {"TableName": table, "Key": k}}])["Responses"][0]
    else:
        got = db.get_item(TableName=table, Key=k, ConsistentRead=mode == "strong")
    if "Item" not in got:
        return reply(404, "not found")
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": got["Item"]["doc"]["S"]}

def authorize(event):
    # Deny by default: replace this with your token or request validation.
    return {"principalId": "anonymous", "policyDocument": {"Version": "2012-10-17", "Statement": [
        {"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": event["methodArn"]}]}}

def handler(event, context):
    if "methodArn" in event:
        return authorize(event)
    if "httpMethod" in event:
        return api_read(event)
    records = event.get("Records") or []
    if records and records[0].get("EventSource") == "aws:sns":
        return sns_delivery(records)
    return sqs_batch(records)
'''


def handler_source() -> str:
    """The inline handler's source text."""
    return HANDLER_SOURCE


assert len(HANDLER_SOURCE) <= ZIPFILE_LIMIT, len(HANDLER_SOURCE)
