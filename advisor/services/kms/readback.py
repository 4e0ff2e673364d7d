"""key:* (kms) read back from a template: a customer managed key and its aliases (the inverse of blueprint.py)."""

from __future__ import annotations

from advisor.review.infer import Reading, flag

TYPES = ("AWS::KMS::Key", "AWS::KMS::Alias")


def components(r: Reading) -> None:
    """One component per key, with its aliases."""
    for key in r.of_type("AWS::KMS::Key"):
        cid = r.component(r.name(key.logical_id, "key"), "kms", key)
        r.set(cid, "rotation", flag(key.props.get("EnableKeyRotation")), key, "EnableKeyRotation")
        r.set(cid, "key_spec", str(key.props.get("KeySpec", "SYMMETRIC_DEFAULT")), key, "KeySpec")
    for alias in r.of_type("AWS::KMS::Alias"):
        owner = r.component_of(r.target(alias.props.get("TargetKeyId"), "AWS::KMS::Key"))
        if owner is not None:
            r.claim(alias.logical_id, owner, "alias")
