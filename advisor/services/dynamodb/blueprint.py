"""table:* (dynamodb): on-demand, PITR, KMS, deletion protection, a stream when asked for;
a global table when a replica:* component replicates it. replica:* components are built here too."""

from __future__ import annotations

from typing import Any

from advisor.architecture import Component
from advisor.render.cfn.context import Builder
from advisor.render.cfn.intrinsics import REGION, GetAtt, Ref, Sub
from advisor.services.dynamodb import STANDBY_TAG

KEY_ATTRIBUTE = "pk"
# DynamoDB table names: 3 to 255 of these characters (DynamoDB Developer Guide, "Naming rules").
TABLE_NAME = r"[a-zA-Z0-9_.-]{3,255}"


def existing(b: Builder, c: Component) -> None:
    """A table this stack refers to and does not create (the recovery Region's replica, or a restored table):
    its name is a parameter, and references to it become that name, its ARN and its stream's ARN, each
    parameter declared only once something uses it."""
    lid = b.lid(c.id)

    def name() -> Ref:
        b.note("existing-parameters", b.lid(c.id, "Name"))
        b.note("from_primary", f"{b.lid(c.id, 'Name')}={b.lid(c.id, 'Name')}")  # the primary's table output
        return b.parameter(b.lid(c.id, "Name"), Type="String", Default="", AllowedPattern=f"^$|^{TABLE_NAME}$",
                           Description=f"Name of the {c.id} table in this Region (the global table's replica, or "
                                       "a table restored from a backup copy); leave empty to deploy only the key")

    def refer(attribute: str | None) -> tuple[Any, str]:
        if attribute is None:
            return name(), "${%s}" % name().value
        if attribute == "Arn":
            text = "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${%s}" % name().value
            return Sub(text), text
        if attribute == "StreamArn":
            b.note("existing-parameters", b.lid(c.id, "StreamArn"))
            b.note("from_table", f"{b.lid(c.id, 'StreamArn')}={b.lid(c.id, 'Name')}")  # that table's LatestStreamArn
            stream = b.parameter(
                b.lid(c.id, "StreamArn"), Type="String", Default="",
                AllowedPattern=r"^$|^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table/" + TABLE_NAME
                               + r"/stream/[0-9TZ:.-]+$",
                Description=f"ARN of the {c.id} table's stream in this Region (its LatestStreamArn)")
            return stream, "${%s}" % stream.value
        raise ValueError(f"{c.id} is another stack's table: no {attribute} attribute is known here")

    b.external[lid] = refer


def build(b: Builder, c: Component) -> None:
    if c.settings.get("existing"):
        existing(b, c)
        return
    if c.settings.get("replica_of"):
        return  # a replica is part of its table's AWS::DynamoDB::GlobalTable
    lid = b.lid(c.id)
    replicas = [b.components[e.target] for e in b.edges_from(c.id, "replicates-to") if e.target in b.components]
    view = c.settings["stream_view_type"]
    stream = bool(b.edges_from(c.id, "streams-to")) or bool(replicas)
    pitr = {"PointInTimeRecoveryEnabled": bool(c.settings["point_in_time_recovery"])}
    protect = bool(c.settings["deletion_protection"])
    provisioned = c.settings["capacity_mode"] == "provisioned"
    base: dict[str, Any] = {
        "AttributeDefinitions": [{"AttributeName": KEY_ATTRIBUTE, "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": KEY_ATTRIBUTE, "KeyType": "HASH"}],
        "BillingMode": "PROVISIONED" if provisioned else "PAY_PER_REQUEST",
    }
    wcu, rcu = c.settings.get("write_capacity_units", 0), c.settings.get("read_capacity_units", 0)
    if not replicas:
        if provisioned:
            base["ProvisionedThroughput"] = {"ReadCapacityUnits": int(rcu), "WriteCapacityUnits": int(wcu)}
        props = {**base, "PointInTimeRecoverySpecification": pitr,
                 "SSESpecification": {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": b.key_arn()},
                 "DeletionProtectionEnabled": protect}
        if stream:
            props["StreamSpecification"] = {"StreamViewType": view}
        b.add(lid, "AWS::DynamoDB::Table", props, DeletionPolicy="Retain", UpdateReplacePolicy="Retain")
    else:
        if provisioned:
            # A provisioned global table scales writes; the bounds hold it at the capacity the estimate prices.
            base["WriteProvisionedThroughputSettings"] = {"WriteCapacityAutoScalingSettings": {
                "MinCapacity": int(wcu), "MaxCapacity": int(wcu),
                "TargetTrackingScalingPolicyConfiguration": {"TargetValue": 70}}}
        reads: dict[str, Any] = {"ReadProvisionedThroughputSettings": {"ReadCapacityUnits": int(rcu)}} if provisioned else {}
        rows: list[dict[str, Any]] = [{"Region": REGION, "PointInTimeRecoverySpecification": pitr,
                 "SSESpecification": {"KMSMasterKeyId": b.key_arn()}, "DeletionProtectionEnabled": protect,
                 **reads}]
        for r in sorted(replicas, key=lambda r: r.id):
            region = r.settings.get("region") or (b.arch.dr.secondary_region if b.arch.dr else None)
            key = b.parameter(
                b.lid(r.id, "KmsKeyArn"), Type="String",
                Description=f"ARN of a customer managed KMS key in {region} that encrypts the {r.id} replica",
                AllowedPattern=r"^arn:aws[a-z-]*:kms:" + str(region) + r":\d{12}:key/[a-zA-Z0-9-]+$",
                ConstraintDescription=f"a KMS key ARN in {region}")
            if b.key is not None:
                b.note("from_recovery", f"{key.value}={b.lid(b.key, 'Arn')}")  # the recovery stack's own key
            # What runs beside the replica is the recovery template's; the replica says so in a tag, so the
            # primary template alone tells a warm standby or a second active Region from a pilot light.
            tags = ({"Tags": [{"Key": STANDBY_TAG, "Value": str(r.settings["standby_stack"])}]}
                    if r.settings.get("standby_stack") else {})
            rows.append({"Region": region, "PointInTimeRecoverySpecification": pitr,
                         "SSESpecification": {"KMSMasterKeyId": key}, "DeletionProtectionEnabled": protect, **reads,
                         **tags})
            b.note("dr", f"{r.id}: a replica of {c.id} in {region}, encrypted with the key given as {key.value}")
        props = {**base, "StreamSpecification": {"StreamViewType": view},
                 "SSESpecification": {"SSEEnabled": True, "SSEType": "KMS"}, "Replicas": rows}
        b.add(lid, "AWS::DynamoDB::GlobalTable", props, DeletionPolicy="Retain", UpdateReplacePolicy="Retain")
    b.output(b.lid(c.id, "Name"), Ref(lid), f"Name of the {c.id} table")
    b.output(b.lid(c.id, "Arn"), GetAtt(lid, "Arn"), f"ARN of the {c.id} table")


# --- the report: what its components contribute to ARCHITECTURE.md ---------------------------------


def controls(components: tuple[Component, ...]) -> list[str]:
    """The security controls the tables carry: point-in-time recovery and deletion protection."""
    tables = [c.id for c in components if c.settings.get("point_in_time_recovery")]
    if not tables:
        return []
    return ["Point-in-time recovery and deletion protection on " + ", ".join(f"`{t}`" for t in tables) + "."]
