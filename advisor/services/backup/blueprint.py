"""backup:* (backup): an encrypted vault, a daily plan that copies each recovery point to a vault in the
recovery Region (its ARN is a parameter), and a selection filled in by the backs-up connector."""

from __future__ import annotations

from typing import Any

from advisor.architecture import Component, Edge
from advisor.render.cfn.context import Builder
from advisor.render.cfn.intrinsics import GetAtt, Ref, Sub, arn

SCHEDULES = {"daily": "cron(0 5 ? * * *)", "hourly": "cron(0 * ? * * *)", "weekly": "cron(0 5 ? * 1 *)"}


def build(b: Builder, c: Component) -> None:
    vault = b.lid(c.id, "Vault")
    props: dict[str, Any] = {"BackupVaultName": Sub("${AWS::StackName}-" + vault)}
    if b.has_key():
        props["EncryptionKeyArn"] = b.key_arn()
    b.add(vault, "AWS::Backup::BackupVault", props, DeletionPolicy="Retain", UpdateReplacePolicy="Retain")
    rule = {
        "RuleName": "daily-with-copy",
        "TargetBackupVault": Ref(vault),
        "ScheduleExpression": SCHEDULES.get(str(c.settings.get("schedule", "daily")), SCHEDULES["daily"]),
        "StartWindowMinutes": 60,
        "CompletionWindowMinutes": 360,
        "Lifecycle": {"DeleteAfterDays": int(c.settings.get("retention_days", 35))},
    }
    region = c.settings.get("copy_to_region") or (b.arch.dr.secondary_region if b.arch.dr else None)
    if region:
        target = b.parameter(
            b.lid(c.id, "RecoveryVaultArn"), Type="String",
            Description=f"ARN of the backup vault in {region} that receives copies of every recovery point",
            AllowedPattern=r"^arn:aws[a-z-]*:backup:" + str(region) + r":\d{12}:backup-vault:[a-zA-Z0-9_.-]+$",
            ConstraintDescription=f"a backup vault ARN in {region}")
        rule["CopyActions"] = [{"DestinationBackupVaultArn": target,
                                "Lifecycle": {"DeleteAfterDays": int(c.settings.get("copy_retention_days", 35))}}]
        b.note("dr", f"{c.id}: daily backups copied to the vault given as {target.value} in {region}")
    b.add(b.lid(c.id), "AWS::Backup::BackupPlan", {"BackupPlan": {
        "BackupPlanName": Sub("${AWS::StackName}-" + b.lid(c.id)), "BackupPlanRule": [rule]}})
    role = b.role(b.lid(c.id, "Role"), "backup.amazonaws.com", managed=[
        Sub("arn:${AWS::Partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"),
        Sub("arn:${AWS::Partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores")])
    b.add(b.lid(c.id, "Selection"), "AWS::Backup::BackupSelection", {
        "BackupPlanId": Ref(b.lid(c.id)),
        "BackupSelection": {"SelectionName": "advisor-resources", "IamRoleArn": arn(role), "Resources": []},
    })
    b.output(b.lid(c.id, "VaultArn"), GetAtt(vault, "BackupVaultArn"), f"ARN of the {c.id} vault")


# --- connectors: what an edge leaving this service's components adds ------------------------------


def backs_up(b: Builder, e: Edge) -> None:
    """backup plan -> table: the table joins the plan's selection."""
    selection = b.resources[b.lid(e.source, "Selection")]["Properties"]["BackupSelection"]
    selection["Resources"].append(GetAtt(b.lid(e.target), "Arn"))
    selection["Resources"].sort(key=lambda r: r.value)


# (edge kind, target service) -> connector
CONNECTORS = {
    ("backs-up", "dynamodb"): backs_up,
}
