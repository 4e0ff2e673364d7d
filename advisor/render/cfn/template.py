"""build_template: the architecture graph to a CloudFormation template, as plain data."""

from __future__ import annotations

from typing import Any

from advisor.architecture import Architecture
from advisor.render.cfn.context import Builder
from advisor.services import LATE_ORDER, MODULES, part
from advisor.workload import Workload

DESCRIPTION_BYTES = 1024  # CloudFormation's limit on the template Description
METADATA_TEXT = 4000

# Controls that apply to a whole account and Region: a stack that creates them collides with any other
# stack (or landing zone) that does, so they are listed for the report instead.
ACCOUNT_LEVEL_CONTROLS = (
    {"control": "AWS Config recorder and delivery channel",
     "why": "one recorder per account and Region; conformance packs for the compliance regimes in scope"},
    {"control": "Amazon GuardDuty detector",
     "why": "one detector per account and Region; usually enabled organisation-wide"},
    {"control": "AWS Security Hub with the AWS Foundational Security Best Practices standard",
     "why": "one hub per account and Region; aggregates Config, GuardDuty and IAM Access Analyzer findings"},
    {"control": "API Gateway account CloudWatch Logs role (AWS::ApiGateway::Account)",
     "why": "one setting per account and Region (the last stack wins); the stage writes access logs only, "
            "and execution logging (MethodSettings LoggingLevel) fails to deploy until this role is set"},
    {"control": "IAM Access Analyzer",
     "why": "one analyzer per account or organisation; checks resource policies for unintended access"},
)


def _cap_bytes(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode("utf-8", "ignore") + "..."


def _clean(text: str) -> str:
    """Free text as one line of printable characters (it only ever lands in Description and Metadata).

    `${` becomes `$ {`: CloudFormation would not substitute there, but cfn-lint reports E1029 for a
    `${Name}` outside Fn::Sub, and a reader might take it for one."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split()).replace("${", "$ {")


def build_template(workload: Workload, arch: Architecture) -> dict[str, Any]:
    """The CloudFormation template for an architecture, deterministic and free of workload free text
    outside Description and Metadata."""
    b = build_parts(workload, arch)
    description = _clean(workload.description)
    head = f"advisor: {workload.name}"
    return assemble(b, _cap_bytes(f"{head}. {description}" if description else head, DESCRIPTION_BYTES),
                    _metadata(b, workload, arch, description))


def build_parts(workload: Workload, arch: Architecture) -> Builder:
    """Every blueprint, connector and late step run over the architecture, the policies written: the template's
    parts, before they are put together."""
    b = Builder(workload, arch)
    for c in b.components.values():
        module = part(c.service, "blueprint")
        if module is not None:
            b.building = c.id
            module.build(b, c)
            b.building = None
    for e in b.edges:
        # An edge that travels through another service (`via: <service>`) is connected by that service's
        # package when it knows the way (`VIA`); else the source's package connects it, else the target's
        # (`ACCEPTS`, for edges from services it joined later); pairs none lists are built by a blueprint (a
        # table's stream or replicas, the alarms on every function, a budget's alert topic).
        source, target = b.service_of(e.source) or "", b.service_of(e.target) or ""
        via = e.settings.get("via")
        connect = (getattr(part(via, "blueprint"), "VIA", {}).get((e.kind, source, target))
                   if isinstance(via, str) and via in MODULES
                   else None) or getattr(part(source, "blueprint"), "CONNECTORS", {}).get((e.kind, target)) or getattr(
            part(target, "blueprint"), "ACCEPTS", {}).get((e.kind, source))
        if connect is not None:
            connect(b, e)
    for service in LATE_ORDER:
        for c in b.of(service):
            late = getattr(part(service, "blueprint"), "late", None)
            if late is not None:
                late(b, c)
    b.finish()
    return b


def assemble(b: Builder, description: str, metadata: dict[str, Any]) -> dict[str, Any]:
    """The template from its parts, its sections in CloudFormation's order and each sorted."""
    template: dict[str, Any] = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": description,
        "Metadata": {"Advisor": metadata},
    }
    if b.parameters:
        template["Parameters"] = dict(sorted(b.parameters.items()))
    if b.conditions:
        template["Conditions"] = dict(sorted(b.conditions.items()))
    template["Resources"] = dict(sorted(b.resources.items()))
    if b.outputs:
        template["Outputs"] = dict(sorted(b.outputs.items()))
    return template


def _number(value: float) -> int | str:
    """A number for Metadata, where CloudFormation's schema takes whole numbers but no fractions (cfn-lint E4002)."""
    return int(value) if float(value).is_integer() else f"{value:g}"


def _metadata(b: Builder, workload: Workload, arch: Architecture, description: str) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "Workload": workload.name,
        "WorkloadDescription": description[:METADATA_TEXT],
        "Region": arch.region,
        "Components": {c.id: c.service for c in b.components.values()},
        "AccountLevelControls": [dict(c) for c in ACCOUNT_LEVEL_CONTROLS],
    }
    if arch.dr is not None:
        meta["DisasterRecovery"] = {
            "Strategy": arch.dr.strategy, "PrimaryRegion": arch.dr.primary_region,
            "SecondaryRegion": arch.dr.secondary_region, "RpoMinutes": _number(arch.dr.rpo_minutes),
            "RtoMinutes": _number(arch.dr.rto_minutes), "Notes": sorted(b.notes.get("dr", [])),
        }
    if b.account_switches:
        meta["AccountLevelParameters"] = list(b.account_switches)
    for note, key in (("from_recovery", "FromRecoveryStack"), ("from_primary", "FromPrimaryStack"),
                      ("from_table", "FromTableStream")):
        if b.notes.get(note):
            # Parameters another stack's outputs fill in (parameter -> output, or the table whose stream it is).
            meta[key] = dict(sorted(tuple(n.split("=", 1)) for n in b.notes[note]))  # type: ignore[misc]
    if b.notes.get("each_region"):
        meta["GiveInEachRegion"] = sorted(b.notes["each_region"])
    if b.notes.get("outside_template"):
        meta["OutsideTemplate"] = sorted(b.notes["outside_template"])
    required = sorted(k for k, v in b.parameters.items() if "Default" not in v)
    if required:
        meta["RequiredParameters"] = required
    return meta
