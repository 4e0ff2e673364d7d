"""The inline Lambda handler, run as a module against moto's DynamoDB (no network)."""

from __future__ import annotations

import json
import types

import pytest

from advisor.render.cfn import HANDLER_SOURCE, handler_source

moto = pytest.importorskip("moto")
boto3 = pytest.importorskip("boto3")

TABLE = "items"


@pytest.fixture(autouse=True)
def aws_env(monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("TOPIC_ARN", raising=False)
    monkeypatch.setenv("TABLE_NAME", TABLE)


@pytest.fixture()
def aws():
    with moto.mock_aws():
        ddb = boto3.client("dynamodb")
        ddb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
        yield ddb


def load_handler() -> types.ModuleType:
    """Exec the shipped source as a fresh module, as Lambda would import index.py."""
    module = types.ModuleType("index")
    exec(compile(HANDLER_SOURCE, "index.py", "exec"), module.__dict__)  # noqa: S102 - our own source
    return module


def sqs_record(message_id: str, body: str) -> dict:
    return {"messageId": message_id, "receiptHandle": "rh-" + message_id, "body": body,
            "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q",
            "attributes": {}, "messageAttributes": {}}


def items(ddb) -> dict[str, dict]:
    return {i["pk"]["S"]: json.loads(i["doc"]["S"]) for i in ddb.scan(TableName=TABLE)["Items"]}


def test_source_fits_the_zipfile_limit_and_compiles():
    assert handler_source() == HANDLER_SOURCE
    assert len(HANDLER_SOURCE) <= 4096
    compile(HANDLER_SOURCE, "index.py", "exec")


def test_batch_with_good_duplicate_and_failing_records(aws):
    index = load_handler()
    batch = {"Records": [
        sqs_record("m-1", json.dumps({"id": "order-1", "total": 10})),
        sqs_record("m-2", json.dumps({"id": "order-1", "total": 99})),   # duplicate id: not a failure
        sqs_record("m-3", "not json"),                                   # poison message: reported
        sqs_record("m-4", json.dumps(["a", "list"])),                    # not an object: reported
        sqs_record("m-5", json.dumps({"total": 5})),                     # no id: keyed on the message id
    ]}
    result = index.handler(batch, None)
    assert result == {"batchItemFailures": [{"itemIdentifier": "m-3"}, {"itemIdentifier": "m-4"}]}
    stored = items(aws)
    assert stored == {"order-1": {"id": "order-1", "total": 10}, "m-5": {"total": 5}}


def test_redelivered_batch_is_idempotent(aws):
    index = load_handler()
    batch = {"Records": [sqs_record("m-1", json.dumps({"id": "a", "n": 1})),
                         sqs_record("m-2", json.dumps({"id": "b", "n": 2}))]}
    assert index.handler(batch, None) == {"batchItemFailures": []}
    assert index.handler(batch, None) == {"batchItemFailures": []}
    assert items(aws) == {"a": {"id": "a", "n": 1}, "b": {"id": "b", "n": 2}}


def test_a_dynamodb_error_fails_only_its_records(aws, monkeypatch):
    index = load_handler()
    monkeypatch.setenv("TABLE_NAME", "missing-table")
    batch = {"Records": [sqs_record("m-1", json.dumps({"id": "a"})), sqs_record("m-2", "{}")]}
    assert index.handler(batch, None) == {"batchItemFailures": [{"itemIdentifier": "m-1"},
                                                                {"itemIdentifier": "m-2"}]}


def test_empty_batch(aws):
    assert load_handler().handler({"Records": []}, None) == {"batchItemFailures": []}


def test_sns_delivery_writes_and_raises_on_poison(aws):
    index = load_handler()
    event = {"Records": [{"EventSource": "aws:sns", "Sns": {"MessageId": "s-1", "Message": json.dumps({"v": 1})}}]}
    assert index.handler(event, None) == {"processed": 1}
    assert index.handler(event, None) == {"processed": 1}  # duplicate delivery
    assert items(aws) == {"s-1": {"v": 1}}
    bad = {"Records": [{"EventSource": "aws:sns", "Sns": {"MessageId": "s-2", "Message": "nope"}}]}
    with pytest.raises(ValueError):
        index.handler(bad, None)


def test_api_read(aws):
    index = load_handler()
    index.handler({"Records": [sqs_record("m-1", json.dumps({"id": "x1", "n": 3}))]}, None)
    found = index.handler({"httpMethod": "GET", "pathParameters": {"id": "x1"}}, None)
    assert found["statusCode"] == 200 and json.loads(found["body"]) == {"id": "x1", "n": 3}
    assert index.handler({"httpMethod": "GET", "pathParameters": {"id": "nope"}}, None)["statusCode"] == 404
    assert index.handler({"httpMethod": "GET", "pathParameters": None}, None)["statusCode"] == 400


def test_publishes_after_storing_when_a_topic_is_configured(aws, monkeypatch):
    sns = boto3.client("sns")
    topic = sns.create_topic(Name="events")["TopicArn"]
    sqs = boto3.client("sqs")
    queue = sqs.create_queue(QueueName="tap")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    monkeypatch.setenv("TOPIC_ARN", topic)
    index = load_handler()
    assert index.handler({"Records": [sqs_record("m-1", json.dumps({"id": "p"}))]}, None) == {"batchItemFailures": []}
    got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(m["Body"]) for m in got] == [{"id": "p"}]


def test_authorizer_denies_by_default():
    index = load_handler()
    out = index.handler({"type": "TOKEN", "methodArn": "arn:aws:execute-api:us-east-1:1:api/v1/GET/items",
                         "authorizationToken": "x"}, None)
    assert out["policyDocument"]["Statement"][0]["Effect"] == "Deny"
