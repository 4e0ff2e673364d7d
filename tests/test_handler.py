"""The inline Lambda handler, run as a module against moto's DynamoDB (no network)."""

from __future__ import annotations

import io
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


# --- claim checks: an SQS body that is an S3 event notification names the payload to fetch -----------

BUCKET = "payloads"


def s3_notification(key: str, bucket: str = BUCKET) -> str:
    """The body S3 puts on a queue for a new object (S3 user guide, event message structure)."""
    return json.dumps({"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
                                    "s3": {"bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
                                           "object": {"key": key, "size": 1}}}]})


@pytest.fixture()
def payloads(aws, monkeypatch):
    monkeypatch.setenv("PAYLOAD_BUCKET", BUCKET)
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    return s3


def test_a_claim_checked_body_is_fetched_and_stored_like_a_direct_one(aws, payloads):
    payloads.put_object(Bucket=BUCKET, Key="req-1", Body=json.dumps({"id": "order-1", "lines": ["x"] * 3}))
    payloads.put_object(Bucket=BUCKET, Key="req-2", Body=json.dumps({"total": 5}))
    index = load_handler()
    batch = {"Records": [sqs_record("m-1", s3_notification("req-1")), sqs_record("m-2", s3_notification("req-2"))]}
    assert index.handler(batch, None) == {"batchItemFailures": []}
    # Keyed by the body's id, else by the object's key (the request id), never by the notification's message id.
    assert items(aws) == {"order-1": {"id": "order-1", "lines": ["x", "x", "x"]}, "req-2": {"total": 5}}


def test_a_repeated_notification_stores_its_object_once(aws, payloads):
    payloads.put_object(Bucket=BUCKET, Key="req-1", Body=json.dumps({"n": 1}))
    index = load_handler()
    # S3 may deliver an event more than once, each time as a new SQS message.
    batch = {"Records": [sqs_record("m-1", s3_notification("req-1")), sqs_record("m-2", s3_notification("req-1"))]}
    assert index.handler(batch, None) == {"batchItemFailures": []}
    assert index.handler(batch, None) == {"batchItemFailures": []}
    assert items(aws) == {"req-1": {"n": 1}}


def test_s3s_test_event_is_acknowledged_and_ignored(aws, payloads):
    test_event = json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent", "Time": "2025-01-01T00:00:00.000Z",
                             "Bucket": BUCKET, "RequestId": "r", "HostId": "h"})
    index = load_handler()
    assert index.handler({"Records": [sqs_record("m-1", test_event)]}, None) == {"batchItemFailures": []}
    assert items(aws) == {}


def test_a_missing_or_poison_payload_fails_only_its_record(aws, payloads):
    payloads.put_object(Bucket=BUCKET, Key="good", Body=json.dumps({"id": "g"}))
    payloads.put_object(Bucket=BUCKET, Key="poison", Body="not json")
    index = load_handler()
    batch = {"Records": [sqs_record("m-1", s3_notification("gone")), sqs_record("m-2", s3_notification("poison")),
                         sqs_record("m-3", s3_notification("good"))]}
    assert index.handler(batch, None) == {"batchItemFailures": [{"itemIdentifier": "m-1"},
                                                                {"itemIdentifier": "m-2"}]}
    assert items(aws) == {"g": {"id": "g"}}


def test_keys_are_url_decoded_and_read_from_the_payload_bucket_only(aws, payloads):
    from botocore.response import StreamingBody
    from botocore.stub import Stubber

    index = load_handler()
    s3 = boto3.client("s3")
    index._clients["s3"] = s3
    body = json.dumps({"id": "spaced"}).encode()
    with Stubber(s3) as stub:
        # S3 URL-encodes keys in notifications (a space becomes +); the bucket is always the function's own.
        stub.add_response("get_object", {"Body": StreamingBody(io.BytesIO(body), len(body))},
                          {"Bucket": BUCKET, "Key": "a b/c"})
        record = sqs_record("m-1", s3_notification("a+b%2Fc", bucket="someone-elses"))
        assert index.handler({"Records": [record]}, None) == {"batchItemFailures": []}
        stub.assert_no_pending_responses()
    assert items(aws) == {"spaced": {"id": "spaced"}}


def test_without_a_payload_bucket_a_body_with_records_is_a_direct_body(aws):
    index = load_handler()
    body = s3_notification("req-1")
    assert index.handler({"Records": [sqs_record("m-1", body)]}, None) == {"batchItemFailures": []}
    assert items(aws) == {"m-1": json.loads(body)}


@pytest.fixture()
def tapped(aws, monkeypatch):
    """A topic the handler publishes to, with a raw SQS subscription that shows every publish."""
    sns = boto3.client("sns")
    topic = sns.create_topic(Name="events")["TopicArn"]
    sqs = boto3.client("sqs")
    queue = sqs.create_queue(QueueName="tap")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    monkeypatch.setenv("TOPIC_ARN", topic)

    def published() -> list:
        got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(m["Body"]) for m in got]
    return published


def _fail_once(index, service: str, method: str):
    """Make one call of a client method raise once, as a throttled or failed AWS call would."""
    client = index._client(service)
    real = getattr(client, method)
    calls = {"n": 0}

    def flaky(**kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            from botocore.exceptions import ClientError
            raise ClientError({"Error": {"Code": "InternalError", "Message": "planted"}}, method)
        return real(**kwargs)
    setattr(client, method, flaky)
    return calls


def test_a_failed_publish_is_retried_and_never_lost(aws, tapped):
    # The store succeeds, the publish fails: the record is reported failed, and its redelivery finds the item
    # stored but not marked sent, so it publishes then. Before, the redelivery took the item for a duplicate and
    # acknowledged the message: the event was never published.
    index = load_handler()
    record = sqs_record("m-1", json.dumps({"id": "order-1"}))
    _fail_once(index, "sns", "publish")
    assert index.handler({"Records": [record]}, None) == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    assert tapped() == []
    assert index.handler({"Records": [record]}, None) == {"batchItemFailures": []}
    assert tapped() == [{"id": "order-1"}]
    assert aws.get_item(TableName=TABLE, Key={"pk": {"S": "order-1"}})["Item"]["sent"] == {"BOOL": True}
    # A third delivery of a sent event publishes nothing more.
    assert index.handler({"Records": [record]}, None) == {"batchItemFailures": []}
    assert tapped() == []


def test_a_failed_store_publishes_nothing_until_it_is_stored(aws, tapped):
    index = load_handler()
    record = sqs_record("m-1", json.dumps({"id": "order-2"}))
    _fail_once(index, "dynamodb", "put_item")
    assert index.handler({"Records": [record]}, None) == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    assert tapped() == [] and items(aws) == {}
    assert index.handler({"Records": [record]}, None) == {"batchItemFailures": []}
    assert tapped() == [{"id": "order-2"}] and items(aws) == {"order-2": {"id": "order-2"}}


def test_a_failed_mark_publishes_again_as_at_least_once_allows(aws, tapped):
    # Published, but the mark failed: the redelivery publishes a second time (the documented at-least-once
    # contract; consumers stay idempotent), and then the mark holds.
    index = load_handler()
    record = sqs_record("m-1", json.dumps({"id": "order-3"}))
    _fail_once(index, "dynamodb", "update_item")
    assert index.handler({"Records": [record]}, None) == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    assert index.handler({"Records": [record]}, None) == {"batchItemFailures": []}
    assert tapped() == [{"id": "order-3"}, {"id": "order-3"}]
    assert index.handler({"Records": [record]}, None) == {"batchItemFailures": []}
    assert tapped() == []
