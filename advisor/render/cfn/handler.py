"""The Lambda handler shipped inline (`Code.ZipFile`) in every function of the template.

One module serves every function; the event's shape says which path runs:
an SQS batch (idempotent conditional puts, partial batch failures), an SNS
delivery, an API Gateway proxy request (read one item by id), or an API
Gateway authorizer request (deny until the owner replaces the check).
It must stay under the 4096-character `ZipFile` limit.
"""

from __future__ import annotations

ZIPFILE_LIMIT = 4096

HANDLER_SOURCE = '''\
import json
import logging
import os

import boto3
from botocore.exceptions import ClientError

log = logging.getLogger()
log.setLevel(os.environ.get("LOG_LEVEL", "INFO"))
_clients = {}


def _client(name):
    if name not in _clients:
        _clients[name] = boto3.client(name)
    return _clients[name]


def parse(body):
    """A message body is a JSON object; anything else is a poison message."""
    doc = json.loads(body)
    if not isinstance(doc, dict):
        raise ValueError("message body is not a JSON object")
    return doc


def store(key, doc):
    """Conditional put keyed on the message id: a duplicate is not a failure."""
    table = os.environ.get("TABLE_NAME")
    if table:
        item = {"pk": {"S": key}, "doc": {"S": json.dumps(doc, sort_keys=True)}}
        try:
            _client("dynamodb").put_item(
                TableName=table, Item=item,
                ConditionExpression="attribute_not_exists(pk)")
        except ClientError as err:
            if err.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            log.info(json.dumps({"duplicate": key}))
            return
    topic = os.environ.get("TOPIC_ARN")
    if topic:
        _client("sns").publish(TopicArn=topic, Message=json.dumps(doc, sort_keys=True))


def sqs_batch(records):
    failures = []
    for record in records:
        try:
            doc = parse(record["body"])
            key = doc.get("id") if isinstance(doc.get("id"), str) and doc["id"] else record["messageId"]
            store(key, doc)
        except Exception:
            log.exception("record %s failed", record.get("messageId"))
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


def sns_delivery(records):
    # Raising makes Lambda retry the asynchronous event, then use the dead-letter queue.
    for record in records:
        message = record["Sns"]
        doc = parse(message["Message"])
        store(doc.get("id") if isinstance(doc.get("id"), str) and doc["id"] else message["MessageId"], doc)
    return {"processed": len(records)}


def api_read(event):
    table = os.environ.get("TABLE_NAME")
    key = (event.get("pathParameters") or {}).get("id")
    if not table or not key:
        return {"statusCode": 400, "body": json.dumps({"message": "missing id"})}
    db, k, mode = _client("dynamodb"), {"pk": {"S": key}}, os.environ.get("READ_CONSISTENCY", "eventual")
    if mode == "transactional":
        got = db.transact_get_items(TransactItems=[{"Get": {"TableName": table, "Key": k}}])["Responses"][0]
    else:
        got = db.get_item(TableName=table, Key=k, ConsistentRead=mode == "strong")
    if "Item" not in got:
        return {"statusCode": 404, "body": json.dumps({"message": "not found"})}
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": got["Item"]["doc"]["S"]}


def authorize(event):
    # Deny by default: replace this with your token or request validation.
    return {"principalId": "anonymous", "policyDocument": {"Version": "2012-10-17", "Statement": [
        {"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": event["methodArn"]}]}}


def handler(event, context):
    if event.get("type") in ("TOKEN", "REQUEST") and "methodArn" in event:
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
