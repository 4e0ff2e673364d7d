"""The recovery Region's template, `template.<region>.yaml`: the key (and backup vault) the primary stack needs
from that Region, and the rest of the stack, run against the table already there, behind the condition that the
table's name is given.

Why one template in two steps: the primary stack's global table cannot create its replica before the recovery
Region's key exists, and the recovery stack's functions cannot use the replica before it exists. So the recovery
stack is deployed first with no table name (the key and the vault alone), the primary stack next with the key's
ARN, and the recovery stack again with the replica's name: at once for a warm standby or a second active Region,
on failover for pilot light, and against a restored table for backup and restore.
"""

from __future__ import annotations

from typing import Any

from advisor.architecture import Architecture
from advisor.recovery import Recovery, recovery_stack
from advisor.render.cfn.context import Builder
from advisor.render.cfn.intrinsics import And, Condition, Equals, GetAtt, If, Intrinsic, Not, Ref, arn
from advisor.render.cfn.template import DESCRIPTION_BYTES, _cap_bytes, _metadata, assemble, build_parts
from advisor.services import service
from advisor.workload import Workload

DEPLOYED = "StackDeployed"      # the condition: a table name was given
CAPACITY = "Capacity"           # a warm standby's parameter: standby or full
FULL = "AtFullCapacity"
# A warm standby takes synthetic and test traffic until it is scaled up: each queue consumer at Lambda's
# least MaximumConcurrency (2, Lambda Developer Guide, "Configuring maximum concurrency for Amazon SQS event
# sources"), and the API stage at a tenth of the primary's throttling.
STANDBY_CONSUMERS = 2
STANDBY_SHARE = 10


def template_name(region: str) -> str:
    """The recovery template's file name."""
    return f"template.{region}.yaml"


def build_recovery_template(workload: Workload, arch: Architecture) -> tuple[Recovery, dict[str, Any]] | None:
    """The recovery Region's stack and its template, or None when the architecture uses one Region."""
    recovery = recovery_stack(arch)
    if recovery is None:
        return None
    rec = recovery.arch
    first = set(build_parts(workload, _only(rec, recovery.always_on)).resources)
    b = build_parts(workload, rec)
    keys = []
    for cid in sorted(recovery.always_on):
        c = rec.components[cid]
        if service(c.service).customer_key:
            keys.append(b.lid(cid, "Arn"))
            b.output(keys[-1], arn(b.lid(cid)),
                     f"ARN of {cid}, this Region's customer managed key (the primary stack's replica key)")
    if recovery.stack:
        _gate(b, recovery, first)
    if recovery.scaled_down and recovery.stack:
        _scale_down(b)
    meta = _metadata(b, workload, rec, "")
    del meta["WorkloadDescription"]
    meta["Role"] = f"recovery stack of {workload.name} ({recovery.mode}), primary in {arch.region}"
    meta["AlwaysOn"] = sorted(recovery.always_on)
    if keys:
        meta["KeyOutput"] = keys[0]
    description = _cap_bytes(f"advisor: {workload.name}, recovery stack in {recovery.region} ({recovery.mode})",
                             DESCRIPTION_BYTES)
    return recovery, assemble(b, description, meta)


def _only(arch: Architecture, keep: frozenset[str]) -> Architecture:
    return arch._replace(components={k: v for k, v in arch.components.items() if k in keep},
                         edges=tuple(e for e in arch.edges if e.source in keep and e.target in keep), flows=())


def _gate(b: Builder, recovery: Recovery, first: set[str]) -> None:
    """Everything but the key and the vault waits for the table's name: without it the stack is those alone."""
    for t in recovery.tables:
        b.external[b.lid(t)](None)  # declares each table's name parameter, which every case needs
    # Every parameter of a table (its name, its stream's ARN when something reads the stream) must be given.
    given = [Not(Equals(Ref(name), "")) for name in sorted(b.notes.get("existing-parameters", []))]
    b.condition(DEPLOYED, given[0] if len(given) == 1 else And(*given))
    combined: dict[str, str] = {}
    for lid, res in b.resources.items():
        if lid in first:
            continue
        own = res.get("Condition")
        res["Condition"] = _both(b, own, combined) if own else DEPLOYED
    for name, out in b.outputs.items():
        if _is_always_on_output(out, first):
            continue
        own = out.get("Condition")
        b.outputs[name] = {"Condition": _both(b, own, combined) if own else DEPLOYED,
                           **{k: v for k, v in out.items() if k != "Condition"}}


def _is_always_on_output(out: dict[str, Any], first: set[str]) -> bool:
    """An output of the key or the vault: it names only their resources."""
    found: list[str] = []
    _refs(out.get("Value"), found)
    return bool(found) and all(r in first for r in found)


def _refs(value: Any, found: list[str]) -> None:
    if isinstance(value, Ref):
        found.append(str(value.value))
    elif isinstance(value, GetAtt):
        found.append(str(value.value).partition(".")[0])
    elif isinstance(value, Intrinsic):
        _refs(value.value, found)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _refs(v, found)
    elif isinstance(value, dict):
        for v in value.values():
            _refs(v, found)


def _both(b: Builder, own: str, combined: dict[str, str]) -> str:
    if own not in combined:
        combined[own] = b.condition(f"{own}And{DEPLOYED}", And(Condition(own), Condition(DEPLOYED)))
    return combined[own]


def _scale_down(b: Builder) -> None:
    """A warm standby's capacity: a parameter, `standby` until the runbook scales it to `full` on failover."""
    b.parameter(CAPACITY, Type="String", Default="standby", AllowedValues=["standby", "full"],
                Description="standby: queue consumers and API throttling at a fraction of the primary's; full: the "
                            "primary's own (set on failover)")
    b.condition(FULL, Equals(Ref(CAPACITY), "full"))
    for res in b.resources.values():
        props = res.get("Properties", {})
        if res["Type"] == "AWS::Lambda::EventSourceMapping" and "ScalingConfig" in props:
            full = props["ScalingConfig"]["MaximumConcurrency"]
            props["ScalingConfig"]["MaximumConcurrency"] = If(FULL, full, min(full, STANDBY_CONSUMERS))
        if res["Type"] == "AWS::ApiGateway::Stage":
            for method in props.get("MethodSettings", []):
                for key, least in (("ThrottlingRateLimit", 1.0), ("ThrottlingBurstLimit", 1)):
                    if key in method:
                        full = method[key]
                        scaled = max(least, type(full)(full / STANDBY_SHARE))
                        method[key] = If(FULL, full, scaled)
