"""key:* (kms): one rotating customer managed key and its alias; the key policy is written at the end."""

from __future__ import annotations

from advisor.architecture import Component
from advisor.render.cfn.context import Builder
from advisor.render.cfn.intrinsics import Ref, Sub


def build(b: Builder, c: Component) -> None:
    lid = b.lid(c.id)
    b.add(lid, "AWS::KMS::Key", {
        "Description": "Encrypts this stack's queues, topics, table, logs and trail",
        "EnableKeyRotation": bool(c.settings.get("rotation", True)),
        "KeySpec": c.settings.get("key_spec", "SYMMETRIC_DEFAULT"),
        "KeyUsage": "ENCRYPT_DECRYPT",
        "PendingWindowInDays": 30,
        "KeyPolicy": {},
    }, DeletionPolicy="Retain", UpdateReplacePolicy="Retain")
    suffix = c.id.split(":", 1)[-1]
    b.add(b.lid(c.id, "Alias"), "AWS::KMS::Alias", {
        "AliasName": Sub("alias/${AWS::StackName}/" + "".join(ch for ch in suffix if ch.isalnum() or ch == "-")),
        "TargetKeyId": Ref(lid),
    })
    # CloudWatch Logs encrypts log groups in this Region only, and only for this account's log groups.
    b.key_allow_service(
        Sub("logs.${AWS::Region}.amazonaws.com"), "CloudWatchLogs",
        {"ArnLike": {"kms:EncryptionContext:aws:logs:arn":
                     Sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*")}},
        actions=("kms:Decrypt*", "kms:Describe*", "kms:Encrypt*", "kms:GenerateDataKey*", "kms:ReEncrypt*"))
