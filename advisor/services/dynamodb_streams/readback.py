"""stream:* (dynamodb-streams) read back from a template: a table's stream, when something reads it (a pipe, an
event source mapping), or a table that is not global declares one; a pipe to a topic is a `publishes` edge
(the inverse of blueprint.py)."""

from __future__ import annotations

from advisor.render.cfn.naming import camel
from advisor.review.infer import Reading, number
from advisor.review.template import Resource, references

TYPES = ("AWS::Pipes::Pipe",)


def _readers(r: Reading, table: str) -> list[Resource]:
    """Pipes and event source mappings that read a table's stream."""
    out = []
    for resource in r.referrers(table):
        source = resource.props.get("Source") if resource.type == "AWS::Pipes::Pipe" else (
            resource.props.get("EventSourceArn") if resource.type == "AWS::Lambda::EventSourceMapping" else None)
        if any(lid == table and attribute == "StreamArn" for lid, attribute in _refs(source)):
            out.append(resource)
    return out


def _refs(value: object) -> list[tuple[str, str | None]]:
    return list(references(value))


def components(r: Reading) -> None:
    """One stream component per table whose stream is read, or declared on a table that is not global."""
    for tid in r.components_of("dynamodb"):
        table = r.main(tid)
        if r.settings[tid].get("replica_of"):
            continue
        readers = _readers(r, table.logical_id)
        declared = table.type == "AWS::DynamoDB::Table" and isinstance(table.props.get("StreamSpecification"), dict)
        if not readers and not declared:
            continue
        name = tid.partition(":")[2]
        lead = readers[0] if readers else table
        # Named after its table (`table:main` -> `stream:main`), as the rules name it.
        cid = r.component(r.name(_lid("stream", name), "stream"), "dynamodb-streams", lead, shared=not readers)
        start = None
        for reader in readers:
            r.claim(reader.logical_id, cid, "pipe" if reader.type == "AWS::Pipes::Pipe" else "event source mapping")
            params = (reader.props.get("SourceParameters") or {}).get("DynamoDBStreamParameters") if (
                reader.type == "AWS::Pipes::Pipe") else reader.props
            if isinstance(params, dict) and params.get("StartingPosition") and start is None:
                start = str(params["StartingPosition"])
        r.set(cid, "starting_position", start or "LATEST", lead)
        r.edge(tid, cid, "streams-to")


def _lid(prefix: str, name: str) -> str:
    return camel(f"{prefix}:{name}")


def edges(r: Reading) -> None:
    """A pipe from the stream to a topic publishes every change (`via: eventbridge-pipes`); its role and
    dead-letter queue belong to the stream."""
    for cid in r.components_of("dynamodb-streams"):
        for lid in list(r.owned[cid]):
            pipe = r.resources[lid]
            if pipe.type != "AWS::Pipes::Pipe":
                continue
            r.claim(r.role_of(pipe, "RoleArn"), cid, "pipe role")
            params = (pipe.props.get("SourceParameters") or {}).get("DynamoDBStreamParameters") or {}
            dlq = params.get("DeadLetterConfig") if isinstance(params, dict) else None
            if isinstance(dlq, dict):
                r.claim(r.target(dlq.get("Arn"), "AWS::SQS::Queue"), cid, "dead-letter queue")
            for topic in r.targets(pipe.props.get("Target"), "AWS::SNS::Topic"):
                r.edge(cid, r.component_of(topic), "publishes", via="eventbridge-pipes",
                       batch_size=_int(params.get("BatchSize")),
                       maximum_retry_attempts=_int(params.get("MaximumRetryAttempts")),
                       on_partial_batch_item_failure=params.get("OnPartialBatchItemFailure"))
            for fn in r.targets(pipe.props.get("Target"), "AWS::Lambda::Function"):
                r.edge(cid, r.component_of(fn), "triggers", via="eventbridge-pipes")
        for lid in list(r.owned[cid]):
            mapping = r.resources[lid]
            if mapping.type == "AWS::Lambda::EventSourceMapping":
                r.edge(cid, r.component_of(r.target(mapping.props.get("FunctionName"), "AWS::Lambda::Function")),
                       "triggers", batch_size=_int(mapping.props.get("BatchSize")))


def _int(value: object) -> int | None:
    found = number(value)
    return int(found) if found is not None else None
