"""stream:* (dynamodb-streams): the table's stream is its StreamSpecification; an edge to a topic is an
EventBridge pipe."""

from __future__ import annotations

from advisor.architecture import Component, Edge
from advisor.render.cfn.context import Builder
from advisor.render.cfn.intrinsics import GetAtt, Ref, arn


def build(b: Builder, c: Component) -> None:
    """Nothing of its own: the table's blueprint writes its StreamSpecification."""


# --- connectors: what an edge leaving this service's components adds ------------------------------


def publishes(b: Builder, e: Edge) -> None:
    """DynamoDB stream -> SNS through EventBridge Pipes, with retries, bisection and a dead-letter queue."""
    table_cid = next(x.source for x in b.edges_to(e.source, "streams-to"))
    table, topic = b.lid(table_cid), b.lid(e.target)
    stream_arn = GetAtt(table, "StreamArn")
    lid = b.lid(e.source, "Pipe")
    dlq = b.dead_letter_queue(b.lid(e.source, "PipeDlq"))
    role = b.role(b.lid(e.source, "PipeRole"), "pipes.amazonaws.com",
                  condition={"StringEquals": {"aws:SourceAccount": Ref("AWS::AccountId")}})
    b.allow(role, "ReadStream", ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
            [stream_arn])
    b.allow(role, "PublishTopic", ["sns:Publish"], [Ref(topic)])
    b.allow(role, "DeadLetters", ["sqs:SendMessage"], [arn(dlq)])
    b.allow_key(role, "kms:Decrypt", "kms:GenerateDataKey")
    start = b.components[e.source].settings.get("starting_position", "LATEST")
    b.add(lid, "AWS::Pipes::Pipe", {
        "Description": f"advisor: {e.source} to {e.target}",
        "RoleArn": arn(role),
        "DesiredState": "RUNNING",
        "Source": stream_arn,
        "SourceParameters": {"DynamoDBStreamParameters": {
            "StartingPosition": start,
            "BatchSize": int(e.settings.get("batch_size", 10)),
            "MaximumRetryAttempts": int(e.settings.get("maximum_retry_attempts", 3)),
            "OnPartialBatchItemFailure": e.settings.get("on_partial_batch_item_failure", "AUTOMATIC_BISECT"),
            "MaximumRecordAgeInSeconds": 3600,
            "DeadLetterConfig": {"Arn": arn(dlq)},
        }},
        "Target": Ref(topic),
    })


# (edge kind, target service) -> connector
CONNECTORS = {
    ("publishes", "sns"): publishes,
}
