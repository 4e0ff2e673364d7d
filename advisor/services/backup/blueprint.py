"""backup:* (backup): an encrypted vault, a plan that backs up as often as the RPO needs and copies each
recovery point to a vault in the recovery Region (its ARN is a parameter, the recovery stack's output), and a
selection filled in by the backs-up connector. In the recovery stack, the vault that receives those copies and the
role a restore from it runs as."""

from __future__ import annotations

from typing import Any

from advisor.architecture import Architecture, Component, Edge
from advisor.render.cfn.context import Builder
from advisor.render.cfn.intrinsics import GetAtt, Ref, Sub, arn

from advisor.services.backup import START_WINDOW_MINUTES


def schedule(hours: int) -> str:
    """AWS Backup's cron for one backup every `hours` hours (UTC): daily at 05:00, else on the hour."""
    if hours == 24:
        return "cron(0 5 ? * * *)"
    return "cron(0 * ? * * *)" if hours == 1 else f"cron(0 0/{hours} ? * * *)"


def _restore_role(b: Builder, c: Component) -> str:
    return b.role(b.lid(c.id, "RestoreRole"), "backup.amazonaws.com", managed=[
        Sub("arn:${AWS::Partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores")])


def build(b: Builder, c: Component) -> None:
    vault = b.lid(c.id, "Vault")
    props: dict[str, Any] = {"BackupVaultName": Sub("${AWS::StackName}-" + vault)}
    if b.has_key():
        props["EncryptionKeyArn"] = b.key_arn()
    b.add(vault, "AWS::Backup::BackupVault", props, DeletionPolicy="Retain", UpdateReplacePolicy="Retain")
    if c.settings.get("copies_from"):
        # The recovery Region's side: the vault the plan in the primary Region copies into, and the role a
        # restore from it runs as. Its ARN is what the primary stack's plan is given.
        b.output(b.lid(c.id, "VaultArn"), GetAtt(vault, "BackupVaultArn"),
                 f"ARN of the vault that receives {c.id}'s copies from {c.settings['copies_from']}")
        b.output(b.lid(c.id, "VaultName"), Ref(vault), f"Name of the vault that receives {c.id}'s copies")
        b.output(b.lid(c.id, "RestoreRoleArn"), arn(_restore_role(b, c)), "Role that restores a copy into a table")
        return
    hours = int(c.settings["interval_hours"])
    rule = {
        "RuleName": "daily-with-copy" if hours == 24 else f"every-{hours}-hours-with-copy",
        "TargetBackupVault": Ref(vault),
        "ScheduleExpression": schedule(hours),
        "StartWindowMinutes": START_WINDOW_MINUTES,
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
        b.note("from_recovery", f"{target.value}={b.lid(c.id, 'VaultArn')}")
        rule["CopyActions"] = [{"DestinationBackupVaultArn": target,
                                "Lifecycle": {"DeleteAfterDays": int(c.settings.get("copy_retention_days", 35))}}]
        every = "daily" if hours == 24 else f"every {hours} hours"
        b.note("dr", f"{c.id}: backups {every}, copied to the vault given as {target.value} in {region}")
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


# --- the report: what its components contribute to ARCHITECTURE.md ---------------------------------


def recovery_notes(arch: Architecture) -> list[str]:
    """The DR section's sentences on each plan that copies to the recovery Region: how often, what a Region's loss
    can cost, how long each copy is kept, and the account setting cross-Region copies need."""
    from advisor.catalog import duration_text
    from advisor.services.backup import worst_rpo_minutes

    out = []
    for c in arch.of_service("backup"):
        target = c.settings.get("copy_to_region")
        if not target:
            continue
        hours, kept, copies = (int(c.settings[k]) for k in ("interval_hours", "retention_days", "copy_retention_days"))
        every = "every 24 hours (daily)" if hours == 24 else f"every {hours} hours"
        out.append(f"`{c.id}` backs up {every}, starting within {START_WINDOW_MINUTES} minutes of the scheduled time, "
                   f"and copies each backup to `{target}`: a Region's loss costs at most "
                   f"{duration_text(worst_rpo_minutes(hours))} of writes, plus the copy's own time. Backups are kept "
                   f"{kept} day{'s' if kept != 1 else ''} at home (point-in-time recovery keeps 35 days there) and the "
                   f"copies {copies} day{'s' if copies != 1 else ''}. AWS Backup copies DynamoDB backups across Regions "
                   "only once its advanced DynamoDB features are turned on in the account (`aws backup "
                   "update-region-settings --resource-type-management-preference DynamoDB=true`, in both Regions).")
    return out


def failover_before(f: Any) -> tuple[list[Any], dict[str, str]]:
    """A copy restored into a new table in the recovery Region, with what a restore does not carry over; the
    table parameters of the recovery stack then name that table."""
    from advisor.render.runbook import Step

    vaults = [c for c in f.recovery.arch.components.values() if c.service == "backup" and c.settings.get("copies_from")]
    if not vaults:
        return [], {}
    rec, vault = f.rec, vaults[0]
    names = rec.template.get("Outputs", {})
    vault_name, role = _camel(vault.id, "VaultName", names), _camel(vault.id, "RestoreRoleArn", names)
    streams = bool(rec.template.get("Metadata", {}).get("Advisor", {}).get("FromTableStream"))
    tables = rec.template.get("Metadata", {}).get("Advisor", {}).get("FromPrimaryStack", {})
    steps = [
        Step(f"Find the latest recovery point copied to `{rec.region}` and restore it into a new table encrypted with "
             "that Region's key; wait until the restore job is COMPLETED.", (
                 f"VAULT=$({f.output(rec, vault_name)})",
                 f"RESTORE_ROLE=$({f.output(rec, role)})",
                 f"KEY_ARN=$({f.output(rec, f.key_output())})",
                 f"POINT=$(aws backup list-recovery-points-by-backup-vault --region {rec.region} --backup-vault-name "
                 "\"$VAULT\" --query \"sort_by(RecoveryPoints,&CreationDate)[-1].RecoveryPointArn\" --output text)",
                 f"RESTORED_TABLE={f.arch.workload}-restored",
                 f"JOB=$(aws backup start-restore-job --region {rec.region} --recovery-point-arn \"$POINT\" "
                 "--iam-role-arn \"$RESTORE_ROLE\" --metadata "
                 "targetTableName=$RESTORED_TABLE,encryptionType=KMS,kmsMasterKeyArn=$KEY_ARN --query RestoreJobId "
                 "--output text)",
                 f"aws backup describe-restore-job --region {rec.region} --restore-job-id \"$JOB\" --query Status "
                 "--output text")),
        restored_table_step(rec.region, streams, "a restore does not carry over"),
    ]
    return steps, {param: "RESTORED_TABLE" for param in tables}


def restored_table_step(region: str, streams: bool, why: str) -> Any:
    """The runbook step that gives a restored (or imported) table, `$RESTORED_TABLE`, what `why` leaves out:
    deletion protection, point-in-time recovery and, when the stack reads one, its stream."""
    from advisor.render.runbook import Step

    return Step(f"Give the restored table what {why}: deletion protection, point-in-time recovery"
                + (", and the stream the stack reads" if streams else "") + ".", (
                    f"aws dynamodb update-table --region {region} --table-name \"$RESTORED_TABLE\" "
                    "--deletion-protection-enabled"
                    + (" --stream-specification StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES" if streams
                       else ""),
                    f"aws dynamodb update-continuous-backups --region {region} --table-name \"$RESTORED_TABLE\" "
                    "--point-in-time-recovery-specification PointInTimeRecoveryEnabled=true"))


def _camel(component: str, suffix: str, names: Any) -> str:
    from advisor.render.cfn.naming import camel

    wanted = camel(component) + suffix
    return wanted if wanted in names else next((n for n in sorted(names) if n.startswith(camel(component))
                                                and n.endswith(suffix)), wanted)
