"""The report's deploy steps, failover runbook and DR test: shell commands in the order they must run, with a
value for every parameter, read from the templates `advisor render` writes.

Every name in a command is a Region code, the workload's name (a checked slug), a template file name or a
logical id: never free text from the workload.
"""

from __future__ import annotations

from typing import Any, Mapping, NamedTuple

from advisor.architecture import Architecture
from advisor.recovery import Recovery

# CloudFormation takes a template of at most 51,200 bytes inline; a larger one must come from S3, and the
# AWS CLI's `deploy` uploads it there when given a bucket (CloudFormation quotas; AWS CLI `deploy`).
INLINE_TEMPLATE_BYTES = 51_200


class Stack(NamedTuple):
    """A template `render` writes, and the stack it deploys."""

    file: str
    region: str
    template: Mapping[str, Any]
    size: int
    name: str


class Step(NamedTuple):
    """One step of a procedure: what it does, then its commands (none for a step done by hand)."""

    text: str
    commands: tuple[str, ...] = ()


def recovery_stack_name(workload_name: str) -> str:
    """The recovery Region's stack name (a stack name is per Region, but one name per role reads better)."""
    return f"{workload_name}-recovery"


def shell_name(logical_id: str) -> str:
    """A shell variable for a logical id: `KeyMainArn` -> `KEY_MAIN_ARN`."""
    out = []
    for i, ch in enumerate(logical_id):
        if ch.isupper() and i and (not logical_id[i - 1].isupper() or
                                   (i + 1 < len(logical_id) and logical_id[i + 1].islower())):
            out.append("_")
        out.append(ch.upper())
    return "".join(out)


def output_of(stack: Stack, key: str) -> str:
    """The command that prints one output of a deployed stack."""
    return (f"aws cloudformation describe-stacks --region {stack.region} --stack-name {stack.name} "
            f"--query \"Stacks[0].Outputs[?OutputKey=='{key}'].OutputValue\" --output text")


def _advisor(stack: Stack, key: str) -> dict[str, str]:
    found = stack.template.get("Metadata", {}).get("Advisor", {}).get(key, {})
    return dict(found) if isinstance(found, Mapping) else {}


def required(stack: Stack) -> list[str]:
    """The template's parameters without a default."""
    return sorted(k for k, v in stack.template.get("Parameters", {}).items() if "Default" not in v)


def deploy(stack: Stack, values: Mapping[str, str]) -> str:
    """`aws cloudformation deploy` for one stack: through an S3 bucket when the template is too large to pass
    inline, with `values` and a VALUE for every other parameter without a default."""
    command = (f"aws cloudformation deploy --region {stack.region} --template-file {stack.file} "
               f"--stack-name {stack.name} --capabilities CAPABILITY_IAM")
    if stack.size > INLINE_TEMPLATE_BYTES:
        command += f" --s3-bucket YOUR-ARTIFACT-BUCKET-{stack.region}"
    given = dict(values)
    for name in stack.template.get("Metadata", {}).get("Advisor", {}).get("GiveInEachRegion", []):
        given.setdefault(name, "VALUE")  # DNS that fails over needs the domain in every Region's stack
    for name in required(stack):
        given.setdefault(name, "VALUE")
    if given:
        command += " --parameter-overrides " + " ".join(f"{k}={v}" for k, v in sorted(given.items()))
    return command


def _table_values(rec: Stack, name_of: Mapping[str, str]) -> tuple[list[str], dict[str, str]]:
    """The commands that find the recovery stack's table parameters, and the values they give: each table's
    name (recorded at deploy time, or a restored table's), its stream's ARN read from DynamoDB there."""
    commands, values = [], {}
    for param in sorted(_advisor(rec, "FromPrimaryStack")):
        values[param] = f'"${name_of.get(param, shell_name(param))}"'
    for param, table_param in sorted(_advisor(rec, "FromTableStream").items()):
        var = shell_name(param)
        commands.append(f"{var}=$(aws dynamodb describe-table --region {rec.region} --table-name "
                        f"\"${name_of.get(table_param, shell_name(table_param))}\" --query Table.LatestStreamArn "
                        "--output text)")
        values[param] = f'"${var}"'
    return commands, values


def _table_outputs(primary: Stack, recovery: Recovery) -> list[str]:
    """The primary stack's outputs that name the tables the recovery stack refers to (the same name in both
    Regions for a global table)."""
    from advisor.render.cfn.naming import camel

    outputs = primary.template.get("Outputs", {})
    return [name for name in (camel(t) + "Name" for t in recovery.tables) if name in outputs]


def deploy_steps(primary: Stack, rec: Stack | None, recovery: Recovery | None) -> list[Step]:
    """Every stack deployed in order: the recovery Region's key (and vault) first, the primary stack with their
    ARNs, then, for a warm standby or a second active Region, the recovery stack against the replica."""
    if rec is None or recovery is None:
        return [Step(f"Deploy `{primary.file}` in `{primary.region}`.", (deploy(primary, {}),))]
    first = ", ".join(f"`{c}`" for c in sorted(recovery.always_on))
    steps = [Step(f"In `{rec.region}`, deploy `{rec.file}` with no table name: it creates {first} alone, which the "
                  "primary stack needs first.", (deploy(rec, {}),))]
    wired = _advisor(primary, "FromRecoveryStack")
    lookups = [f"{shell_name(output)}=$({output_of(rec, output)})" for output in sorted(set(wired.values()))]
    values = {param: f'"${shell_name(output)}"' for param, output in wired.items()}
    replicated = recovery.mode != "backup-restore"
    arns = [output.endswith("Arn") for output in wired.values()]
    what = "ARNs" if all(arns) else "names" if not any(arns) else "ARNs and names"
    steps.append(Step(f"In `{primary.region}`, deploy `{primary.file}` with the {what} the recovery stack output"
                      + (f" (its global table creates the replica in `{rec.region}` with that key)" if replicated
                         else "") + ".",
                      tuple(lookups) + (deploy(primary, values),)))
    tables = _table_outputs(primary, recovery)
    if tables:
        steps.append(Step("Record the table's name with this runbook: failing over must not depend on reading it "
                          f"from `{primary.region}`.",
                          tuple(f"{shell_name(t)}=$({output_of(primary, t)})" for t in tables)))
    if recovery.serves and recovery.stack and recovery.mode != "backup-restore":
        commands, table_values = _table_values(rec, {})
        what = "the scaled-down standby" if recovery.scaled_down else "the second active Region's stack"
        steps.append(Step(f"In `{rec.region}`, deploy `{rec.file}` again with the replica's name: {what}.",
                          tuple(commands) + (deploy(rec, table_values),)))
    return steps


class Failover(NamedTuple):
    """What a service's failover hook reads: the architecture, both stacks and the recovery stack's plan."""

    arch: Architecture
    primary: Stack
    rec: Stack
    recovery: Recovery

    def output(self, stack: Stack, key: str) -> str:
        """The command that prints one of a stack's outputs."""
        return output_of(stack, key)

    def key_output(self) -> str:
        """The recovery stack's output that holds its key's ARN."""
        return str(self.rec.template.get("Metadata", {}).get("Advisor", {}).get("KeyOutput", ""))


def _hooks(f: Failover, name: str) -> list[Any]:
    """The failover hooks (`failover_before` or `failover_after`) of the services in either stack, in service order."""
    from advisor.services import part

    services = sorted({c.service for c in f.arch.components.values()} | {c.service for c in f.recovery.arch.components.values()})
    return [hook for sid in services if (hook := getattr(part(sid, "blueprint"), name, None)) is not None]


def failover_steps(arch: Architecture, primary: Stack, rec: Stack, recovery: Recovery) -> list[Step]:
    """What to run when the primary Region is lost: the services' own steps first (a restore), the recovery
    stack deployed or scaled up, then the services' steps that move clients (DNS), else a generic one."""
    f = Failover(arch, primary, rec, recovery)
    steps: list[Step] = []
    name_of: dict[str, str] = {}
    for hook in _hooks(f, "failover_before"):
        more, names = hook(f)
        steps += more
        name_of.update(names)
    if recovery.stack and not recovery.serves:
        commands, values = _table_values(rec, name_of)
        against = "the restored table" if name_of else "the replica, already up to date"
        steps.append(Step(f"Deploy the rest of the stack in `{rec.region}` against {against}.",
                          tuple(commands) + (deploy(rec, values),)))
    elif recovery.scaled_down and recovery.stack:
        commands, values = _table_values(rec, name_of)
        values["Capacity"] = "full"
        steps.append(Step(f"Scale the standby in `{rec.region}` up to the primary's capacity.",
                          tuple(commands) + (deploy(rec, values),)))
    after = [step for hook in _hooks(f, "failover_after") for step in hook(f)]
    if after:
        steps += after
    elif recovery.stack:
        api = next((k for k in rec.template.get("Outputs", {}) if k.endswith("Url")), None)
        steps.append(Step(f"Send clients to `{rec.region}`: point your API's DNS name (or the clients' endpoint) at "
                          f"the recovery stack's API" + (f" (output `{api}`)" if api else "") + ".",
                          (output_of(rec, api),) if api else ()))
    else:
        steps.append(Step(f"Point the application at the table in `{rec.region}`; it has the same name there."))
    return steps


def failback(recovery: Recovery) -> str:
    """How to return to the primary Region once it is back."""
    if recovery.mode == "backup-restore":
        return ("When the primary Region is back, its table holds the data up to the outage: copy what was written "
                "in the recovery Region since (an AWS Backup copy back, or an export and import), move clients back, "
                "then delete the recovery stack's functions by deploying it with the table name empty.")
    if recovery.mode == "multi-site-active-active":
        return ("When the Region is back, the global table catches its replica up; revert an inverted health check "
                "and Route 53 sends its users back.")
    back = "scale the standby down again (Capacity=standby)" if recovery.scaled_down else (
        "remove the recovery stack's functions by deploying it with the table name empty")
    if not recovery.stack:
        return ("When the primary Region is back, the global table replicates the writes made meanwhile to it; "
                "point the application back.")
    return ("When the primary Region is back, the global table replicates the writes made meanwhile to it; move "
            f"clients back, then {back}.")


def test_commands(primary: Stack, rec: Stack, recovery: Recovery) -> tuple[str, ...]:
    """Commands the DR test reads its evidence with: the replica's lag, or a restored table's item count."""
    tables = _table_outputs(primary, recovery)
    if not tables:
        return ()
    table = f"\"${shell_name(tables[0])}\""
    if recovery.mode == "backup-restore":
        # DynamoDB refreshes ItemCount about every six hours: compare counts taken after the same backup.
        return tuple(f"aws dynamodb describe-table --region {region} --table-name {name} --query Table.ItemCount"
                     for region, name in ((primary.region, table), (rec.region, '"$RESTORED_TABLE"')))
    return (f"aws cloudwatch get-metric-statistics --region {primary.region} --namespace AWS/DynamoDB "
            f"--metric-name ReplicationLatency --dimensions Name=TableName,Value={table} "
            f"Name=ReceivingRegion,Value={rec.region} --statistics Maximum --period 300 "
            "--start-time \"$(date -u -d '-1 hour' +%FT%TZ)\" --end-time \"$(date -u +%FT%TZ)\"",)
