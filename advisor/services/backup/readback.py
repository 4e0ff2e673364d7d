"""backup:* (backup) read back from a template: a backup plan, its vault, selection and role; `backs-up` the
tables its selection names (the inverse of blueprint.py)."""

from __future__ import annotations

import re
from typing import Any

from advisor.review.infer import Reading, number
from advisor.review.template import Ref
from advisor.services.backup import INTERVALS

TYPES = ("AWS::Backup::BackupPlan", "AWS::Backup::BackupVault", "AWS::Backup::BackupSelection")
_REGION = re.compile(r"\b([a-z]{2}(?:-gov)?-[a-z]+-\d)\b")
# cron(minutes hours day-of-month month day-of-week year): the hours field of an hourly, every-N-hours or daily
# schedule, as blueprint.py writes them.
_CRON = re.compile(r"^cron\(\s*\S+\s+(\S+)\s+\S+\s+\*\s+\S+\s+\*\s*\)$")
_STEP = re.compile(r"^\d+/(\d+)$")


def _interval(expression: Any) -> int:
    """Hours between backups a schedule takes: hourly for `*`, N for `0/N`; daily for a fixed hour, and for a
    schedule that is not one of these (AWS Backup's default rule is daily)."""
    found = _CRON.match(expression) if isinstance(expression, str) else None
    hours = found.group(1) if found else ""
    if hours == "*":
        return 1
    step = _STEP.match(hours)
    if step and int(step.group(1)) in INTERVALS:
        return int(step.group(1))
    return 24


def components(r: Reading) -> None:
    """One component per plan, with its vaults, selections and their roles."""
    for plan in r.of_type("AWS::Backup::BackupPlan"):
        cid = r.component(r.name(plan.logical_id, "backup"), "backup", plan)
        body = plan.props.get("BackupPlan") or {}
        rules = [x for x in (body.get("BackupPlanRule") or []) if isinstance(x, dict)] if isinstance(body, dict) else []
        if rules:
            rule = rules[0]
            r.claim(r.target(rule.get("TargetBackupVault"), "AWS::Backup::BackupVault"), cid, "vault")
            r.set(cid, "interval_hours", _interval(rule.get("ScheduleExpression")), plan, "BackupPlan",
                  "BackupPlanRule", 0, "ScheduleExpression")
            kept = number((rule.get("Lifecycle") or {}).get("DeleteAfterDays")) if isinstance(
                rule.get("Lifecycle"), dict) else None
            r.set(cid, "retention_days", int(kept) if kept else None, plan, "BackupPlan", "BackupPlanRule", 0, "Lifecycle")
            for copy in [c for c in rule.get("CopyActions") or [] if isinstance(c, dict)][:1]:
                r.set(cid, "copy_to_region", _region(r, copy.get("DestinationBackupVaultArn")), plan, "BackupPlan",
                      "BackupPlanRule", 0, "CopyActions")
                copied = number((copy.get("Lifecycle") or {}).get("DeleteAfterDays")) if isinstance(
                    copy.get("Lifecycle"), dict) else None
                r.set(cid, "copy_retention_days", int(copied) if copied else None, plan, "BackupPlan",
                      "BackupPlanRule", 0, "CopyActions")
        for selection in r.referrers(plan.logical_id):
            if selection.type == "AWS::Backup::BackupSelection":
                r.claim(selection.logical_id, cid, "selection")
                spec = selection.props.get("BackupSelection") or {}
                r.claim(r.target(spec.get("IamRoleArn") if isinstance(spec, dict) else None, "AWS::IAM::Role"), cid,
                        "role")


def _region(r: Reading, arn: Any) -> str | None:
    """The Region of a vault ARN; for a parameter, the Region its pattern or description names."""
    if isinstance(arn, str):
        parts = arn.split(":")
        return parts[3] if len(parts) > 3 and parts[3] else None
    if isinstance(arn, Ref) and arn.target in r.template.parameters:
        declared = r.template.parameters[arn.target].declaration
        for key in ("AllowedPattern", "Description", "ConstraintDescription"):
            found = _REGION.search(str(declared.get(key, "")))
            if found:
                return found.group(1)
    return None


def edges(r: Reading) -> None:
    """The tables in each plan's selections."""
    for cid in r.components_of("backup"):
        for lid in r.owned[cid]:
            selection = r.resources[lid]
            if selection.type == "AWS::Backup::BackupSelection":
                spec = selection.props.get("BackupSelection") or {}
                for table in r.targets(spec.get("Resources") if isinstance(spec, dict) else None,
                                       "AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable"):
                    r.edge(cid, r.component_of(table), "backs-up")
