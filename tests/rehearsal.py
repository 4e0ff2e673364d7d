"""The deploy rehearsal: a rendered folder's deploy commands, run in the order its report gives them against
moto's CloudFormation in process (no network, no account).

The commands are those of the report's `Deploying` section when it has one (else of the whole report):
every `aws cloudformation deploy`, and every `NAME=$(...)` that reads a value a later command gives (a stack's
output through `describe-stacks --query`, a table's stream through `dynamodb describe-table`). For each
deploy, as the AWS CLI and CloudFormation would:
- every `template*.yaml` render wrote is deployed, and only those; a second deploy of a stack updates it,
  keeping the values of parameters it does not give;
- a template over 51,200 bytes needs `--s3-bucket` (the CLI refuses it otherwise) and goes through a bucket
  made in the stack's Region, by TemplateURL; one over 1 MB is refused as CloudFormation refuses it;
- `--parameter-overrides` are the report's, a placeholder (`VALUE`) replaced by a realistic value: a KMS
  key, backup vault or certificate made in the emulator in the Region the parameter names, a domain or
  an e-mail address its pattern accepts, an amount inside its limits. Every value must pass the parameter's constraints, every name must be declared and
  every parameter without a default must have a value (CloudFormation's checks; moto makes only the last);
- `--capabilities` must acknowledge IAM resources (CAPABILITY_NAMED_IAM for named ones) and transforms;
- the stack must reach CREATE_COMPLETE (UPDATE_COMPLETE) with no failed event, every resource the template
  creates listed, every output resolved and every role's policies valid in IAM's grammar.

moto does not model every resource type (tests/deploy_rehearsal.yaml lists the ones advisor's templates use,
with why and what covers them instead). A resource of such a type is created as a stand-in that holds no
state, so that `Ref` and `Fn::GetAtt` to it resolve as CloudFormation resolves them, with the attribute name
checked against the type's CloudFormation resource schema (the one cfn-lint ships); without it, moto rejects
any `Fn::GetAtt` to such a resource, which CloudFormation accepts.

`python -m tests.rehearsal DIR...` rehearses rendered folders from the command line.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import boto3
import yaml
from botocore.exceptions import ClientError
from cfnlint.decode import cfn_yaml
from cfnlint.schema import PROVIDER_SCHEMA_MANAGER
from moto import mock_aws
from moto.cloudformation import parsing
from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.cloudformation.models import cloudformation_backends
from moto.core import DEFAULT_ACCOUNT_ID
from moto.iam.models import iam_backends
from moto.iam.policy_validation import IAMPolicyDocumentValidator, IAMTrustPolicyDocumentValidator

GAPS = Path(__file__).with_name("deploy_rehearsal.yaml")

# "Template body size in a request: 51,200 bytes"; "Template body size in an Amazon S3 object: 1 MB"
# (AWS CloudFormation quotas, docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html).
INLINE_BYTES = 51_200
S3_BYTES = 1_048_576
# What the AWS CLI prints when a larger template is given without a bucket (awscli customizations/cloudformation/deploy.py).
CLI_TOO_LARGE = ("Templates with a size greater than 51,200 bytes must be deployed via an S3 Bucket. "
                 "Please add the --s3-bucket parameter to your command.")

# IAM resources need CAPABILITY_IAM or CAPABILITY_NAMED_IAM, named ones CAPABILITY_NAMED_IAM, a template with a
# Transform CAPABILITY_AUTO_EXPAND (CreateStack API reference, Capabilities).
IAM_NAMES = {"AWS::IAM::AccessKey": None, "AWS::IAM::Group": "GroupName",
             "AWS::IAM::InstanceProfile": "InstanceProfileName", "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
             "AWS::IAM::Policy": None, "AWS::IAM::Role": "RoleName", "AWS::IAM::User": "UserName",
             "AWS::IAM::UserToGroupAddition": None}

# The options of `aws cloudformation deploy` the rehearsal understands, with how many values each takes
# (None: one or more). Any other option fails the rehearsal rather than being ignored.
OPTIONS: dict[str, int | None] = {"--template-file": 1, "--stack-name": 1, "--region": 1, "--s3-bucket": 1,
                                  "--s3-prefix": 1, "--capabilities": None, "--parameter-overrides": None,
                                  "--tags": None, "--no-fail-on-empty-changeset": 0}
PLACEHOLDER = re.compile(r"^(VALUE|YOUR-[A-Za-z0-9-]+|<[^<>]+>)$")
REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d")
# A budget a small team would set; any amount inside the parameter's MinValue/MaxValue passes CloudFormation.
REALISTIC_NUMBER = 100


class RehearsalError(AssertionError):
    """What the AWS CLI or CloudFormation would refuse, said with the command it came from."""


@dataclass(frozen=True)
class Deploy:
    """One `aws cloudformation deploy` command of the report, taken apart."""

    command: str
    template_file: str
    stack_name: str
    region: str | None
    s3_bucket: str | None
    s3_prefix: str | None
    capabilities: tuple[str, ...]
    overrides: tuple[tuple[str, str], ...]
    substitutions: tuple[str, ...]


@dataclass
class Stack:
    """A stack the rehearsal created: what it was given and what the emulator holds for it."""

    deploy: Deploy
    region: str
    template: dict[str, Any]
    size: int
    via_s3: bool
    parameters: dict[str, str]
    status: str
    resources: dict[str, tuple[str, str]]  # logical id -> (type, physical id)
    outputs: dict[str, str]
    skipped: set[str] = field(default_factory=set)


def unmodelled_types() -> set[str]:
    """Every resource type of CloudFormation's schemas that moto's CloudFormation cannot create."""
    return set(PROVIDER_SCHEMA_MANAGER.get_resource_types("us-east-1")) - set(_MOTO_MODELS)


def gaps() -> dict[str, Any]:
    """The checked-in list of what the emulator does not do as CloudFormation does."""
    return yaml.safe_load(GAPS.read_text(encoding="utf-8"))


# --- the report's commands -------------------------------------------------------------------------


SHELL_FENCES = {"", "sh", "bash", "shell", "console"}
CODE = re.compile(r"^```(?P<info>[^\n`]*)\n(?P<fence>.*?)^```|`(?P<span>[^`\n]+)`", re.M | re.S)
ASSIGN = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)=\$\((?P<command>.*)\)$", re.S)


def deploy_section(report: str) -> tuple[str, bool]:
    """The report's `Deploying` section when it has one (a failover runbook elsewhere deploys only when failing
    over), else the whole report; and whether it was the section."""
    heading = re.search(r"^(#{1,6})\s+Deploying\b.*$", report, re.M)
    if heading is None:
        return report, False
    rest = report[heading.end():]
    after = re.search(rf"^#{{1,{len(heading.group(1))}}}\s", rest, re.M)
    return rest[:after.start()] if after else rest, True


def report_commands(report: str) -> list[str]:
    """The commands that deploy the report's stacks, in its order: every `aws cloudformation deploy` and every
    `NAME=$(...)` giving a later command a value, from code spans and shell blocks. Inside a `Deploying`
    section any other command in a shell block fails: the rehearsal must be taught it, never skip it."""
    text, strict = deploy_section(report)
    commands = []
    for match in CODE.finditer(text):
        if match.group("fence") is not None:
            if match.group("info").strip() not in SHELL_FENCES:
                continue  # a diagram, not commands
            body = re.sub(r"\\\n[ \t]*", " ", match.group("fence"))  # shell line continuations
            lines = [line.strip() for line in body.splitlines()]
            lines = [line for line in lines if line and not line.startswith("#")]
        else:
            lines = [match.group("span").strip()]
        for line in lines:
            if line.startswith("aws cloudformation deploy ") or ASSIGN.match(line):
                commands.append(line)
            elif strict and match.group("fence") is not None:
                raise RehearsalError(f"the rehearsal cannot run this deploy step: {line}")
    return commands


def _lift_substitutions(command: str) -> tuple[str, tuple[str, ...]]:
    """The command with each `$(...)` replaced by a token, and the commands inside them."""
    out, subs, i = [], [], 0
    while i < len(command):
        if command.startswith("$(", i):
            depth, j = 1, i + 2
            while j < len(command) and depth:
                depth += {"(": 1, ")": -1}.get(command[j], 0)
                j += 1
            if depth:
                raise RehearsalError(f"unbalanced $( in: {command}")
            out.append(f"__SUBSTITUTION_{len(subs)}__")
            subs.append(command[i + 2:j - 1].strip())
            i = j
        else:
            out.append(command[i])
            i += 1
    return "".join(out), tuple(subs)


def parse_deploy(command: str) -> Deploy:
    """The options of one `aws cloudformation deploy` command; an option the rehearsal does not know fails."""
    text, subs = _lift_substitutions(command)
    words = shlex.split(text)
    if words[:3] != ["aws", "cloudformation", "deploy"]:
        raise RehearsalError(f"not a deploy command: {command}")
    options: dict[str, list[str]] = {}
    current = None
    for word in words[3:]:
        if word.startswith("--"):
            if word not in OPTIONS:
                raise RehearsalError(f"the rehearsal does not know option {word} of: {command}")
            if word in options:
                raise RehearsalError(f"{word} given twice in: {command}")
            current = options.setdefault(word, [])
        elif current is None:
            raise RehearsalError(f"a value before any option in: {command}")
        else:
            current.append(word)
    for name, values in options.items():
        wanted = OPTIONS[name]
        if (wanted is None and not values) or (wanted is not None and len(values) != wanted):
            raise RehearsalError(f"{name} takes {wanted if wanted is not None else 'one or more'} value(s): {command}")
    for required in ("--template-file", "--stack-name"):
        if required not in options:
            raise RehearsalError(f"{required} missing from: {command}")
    overrides = []
    for pair in options.get("--parameter-overrides", []):
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise RehearsalError(f"--parameter-overrides takes Name=Value pairs, not {pair!r}: {command}")
        overrides.append((name, value))

    def one(name: str) -> str | None:
        return options[name][0] if name in options else None

    return Deploy(command=command, template_file=options["--template-file"][0],
                  stack_name=options["--stack-name"][0], region=one("--region"), s3_bucket=one("--s3-bucket"),
                  s3_prefix=one("--s3-prefix"), capabilities=tuple(options.get("--capabilities", [])),
                  overrides=tuple(overrides), substitutions=subs)


# --- moto, with stand-ins for the types it does not model --------------------------------------------

_MOTO_MODELS = dict(parsing.get_model_map())


# The resource part of an ARN where it is not the type's name in lower case (a global table's ARN is its
# table's, in each Region it has a replica).
ARN_KINDS = {"AWS::DynamoDB::GlobalTable": "table", "AWS::Backup::BackupVault": "backup-vault"}
# Resource types whose ARNs put a colon, not a slash, before the name.
COLON_ARNS = {"AWS::Backup::BackupVault"}
STREAM_LABEL = "/stream/2026-01-01T00:00:00.000"


def _arn(type_name: str, region: str, account: str, name: str) -> str:
    service, kind = type_name.split("::")[1:]
    sep = ":" if type_name in COLON_ARNS else "/"
    return f"arn:aws:{service.lower()}:{region}:{account}:{ARN_KINDS.get(type_name, kind.lower())}{sep}{name}"


# The stand-ins made since the emulator started, for commands that read them back (a replica's stream).
_MADE: list[StandIn] = []


class StandIn:
    """A resource of a type moto does not model: nothing is created; Ref and Fn::GetAtt resolve to values of
    the right shape, and an attribute the type's schema does not have is refused as CloudFormation refuses it."""

    type_name = ""

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.type_name

    @classmethod
    def _schema(cls) -> Any:
        return PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", cls.type_name)

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in dict(cls._schema().get_atts)

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str, **kwargs: Any) -> StandIn:
        made = cls(resource_name, cloudformation_json.get("Properties") or {}, account_id, region_name)
        _MADE.append(made)
        return made

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: StandIn, new_resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str) -> StandIn:
        _MADE.remove(original_resource)
        return cls.create_from_cloudformation_json(original_resource.name, cloudformation_json, account_id,
                                                   region_name)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str) -> None:
        return None

    def __init__(self, name: str, properties: dict[str, Any], account: str, region: str) -> None:
        self.name, self.properties, self.account, self.region = name, properties, account, region
        ids = [p.rsplit("/", 1)[-1] for p in self._schema().schema.get("primaryIdentifier", [])]
        # Ref gives the resource's own identifier (the last of its primary identifier; the ones before it name
        # its parent): the name the template set, else an ARN or a name CloudFormation makes.
        own = properties.get(ids[-1]) if ids else None
        self.physical_resource_id = (own if isinstance(own, str) else _arn(self.type_name, region, account, name)
                                     if ids == ["Arn"] else name)

    def is_created(self) -> bool:
        return True

    def get_cfn_attribute(self, attr: str) -> str:
        if not self.has_cfn_attr(attr):
            raise UnformattedGetAttTemplateException()
        arn = _arn(self.type_name, self.region, self.account, self.physical_resource_id)
        # An attribute that is the resource's ARN by another name (a vault's BackupVaultArn) is that ARN.
        return arn + STREAM_LABEL if attr == "StreamArn" else arn if attr.endswith("Arn") \
            else f"{self.physical_resource_id}-{attr}"


_MOTO_GETITEM = parsing.ResourceMap.__getitem__


def _in_dependency_order(self: Any, key: str) -> Any:
    """moto's ResourceMap lookup, creating what a resource's DependsOn names before the resource itself.
    moto creates a resource when another first refers to it, before its own DependsOn targets; CloudFormation
    never does (an API's deployment referred to by its stage would be made before the methods it depends on)."""
    if key not in self._parsed_resources:
        spec = self._resource_json_map.get(key)
        depends = spec.get("DependsOn", []) if isinstance(spec, dict) else []
        making = self.__dict__.setdefault("_rehearsal_making", set())
        if key in making:
            raise RehearsalError(f"circular dependency through {key}")
        making.add(key)
        try:
            for target in [depends] if isinstance(depends, str) else depends:
                if target not in self._resource_json_map:
                    # CloudFormation: "Unresolved resource dependencies [X] in the Resources block of the template".
                    raise RehearsalError(f"{key} DependsOn {target}, which the template does not define")
                self[target]
        finally:
            making.discard(key)
    return _MOTO_GETITEM(self, key)


@contextmanager
def emulator() -> Iterator[None]:
    """moto's AWS in process, with stand-ins for the resource types its CloudFormation does not model and
    DependsOn honoured when a reference creates a resource."""
    stand_ins = {t: type(f"StandIn_{t.replace('::', '_')}", (StandIn,), {"type_name": t})
                 for t in unmodelled_types()}
    models = {**_MOTO_MODELS, **stand_ins}
    _MADE.clear()
    with mock_aws(), mock.patch.object(parsing, "get_model_map", lambda: models), \
            mock.patch.object(parsing.ResourceMap, "__getitem__", _in_dependency_order):
        yield


# --- the rehearsal -----------------------------------------------------------------------------------


def load_template(path: Path) -> dict[str, Any]:
    """A rendered template as data, short-form intrinsics in their long form."""
    return cfn_yaml.loads(path.read_text(encoding="utf-8"))


class Shell:
    """What the report's commands share as they run: its shell variables and the stacks deployed so far."""

    def __init__(self, folder: Path, home: str) -> None:
        self.folder, self.home = folder, home
        self.variables: dict[str, str] = {}
        self.stacks: dict[tuple[str, str], Stack] = {}  # (Region, stack name) -> its latest state

    def run(self, command: str) -> None:
        """One command of the report."""
        assign = ASSIGN.match(command)
        if assign:
            self.variables[assign.group("name")] = self.evaluate(assign.group("command"), self.home)
        else:
            stack = _deploy(self, parse_deploy(command))
            self.stacks[stack.region, stack.deploy.stack_name] = stack

    def expand(self, text: str) -> str:
        """`$NAME` and `${NAME}` replaced by the variables an earlier command set; an unset one fails."""
        def one(match: re.Match[str]) -> str:
            name = match.group(1) or match.group(2)
            if name not in self.variables:
                raise RehearsalError(f"${name} is used before a command sets it")
            return self.variables[name]
        return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)", one, text)

    def evaluate(self, command: str, region: str) -> str:
        """What a command inside `$(...)` prints: a stack's output, or a table's latest stream."""
        words = shlex.split(self.expand(command))
        opts = dict(zip(words[3::2], words[4::2]))
        where = opts.get("--region", region)
        if words[:3] == ["aws", "cloudformation", "describe-stacks"]:
            return _output_of(command, opts, where, self)
        if words[:3] == ["aws", "dynamodb", "describe-table"] and opts.get("--query") == "Table.LatestStreamArn" \
                and opts.get("--output") == "text" and "--table-name" in opts:
            return _latest_stream(opts["--table-name"], where)
        raise RehearsalError(f"the rehearsal cannot evaluate $({command})")


def rehearse(folder: Path) -> list[Stack]:
    """Run the folder's deploy commands in the report's order against the emulator (call inside emulator());
    every template render wrote must be deployed, and only those. The stacks, in the order first deployed."""
    report = (folder / "ARCHITECTURE.md").read_text(encoding="utf-8")
    commands = report_commands(report)
    home = str(load_template(folder / "template.yaml")["Metadata"]["Advisor"]["Region"])
    written = sorted(p.name for p in folder.glob("template*.yaml"))
    given = sorted({parse_deploy(c).template_file for c in commands if not ASSIGN.match(c)})
    if given != written:
        raise RehearsalError(f"the report's deploy commands take {given}, render wrote {written}")
    shell = Shell(folder, home)
    for command in commands:
        shell.run(command)
    return list(shell.stacks.values())


def _deploy(shell: Shell, deploy: Deploy) -> Stack:
    path = shell.folder / deploy.template_file
    body = path.read_bytes()
    template = load_template(path)
    # Without --region the CLI deploys to the configured Region: the one the report names for the workload.
    region = deploy.region or shell.home
    meant = template.get("Metadata", {}).get("Advisor", {}).get("Region")
    if meant is not None and meant != region:
        raise RehearsalError(f"{deploy.template_file} is for {meant} but its command deploys it to {region}")
    previous = shell.stacks.get((region, deploy.stack_name))
    parameters = _parameters(deploy, template, region, shell, previous)
    _check_capabilities(deploy, template)

    cfn = boto3.client("cloudformation", region_name=region)
    source: dict[str, str]
    if len(body) > S3_BYTES:
        raise RehearsalError(f"{deploy.template_file} is {len(body):,} bytes, over CloudFormation's 1 MB from S3")
    if deploy.s3_bucket:
        source = {"TemplateURL": _upload(deploy, body, region)}
    elif len(body) > INLINE_BYTES:
        raise RehearsalError(f"{deploy.template_file} is {len(body):,} bytes: {CLI_TOO_LARGE}")
    else:
        source = {"TemplateBody": body.decode("utf-8")}
    try:
        # CreateStack (UpdateStack for a stack deployed before) rather than the CLI's change set: both create the
        # same resources, and moto's change-set path skips the output validation and DependsOn order its
        # CreateStack has.
        call = cfn.update_stack if previous else cfn.create_stack
        call(StackName=deploy.stack_name, Parameters=[{"ParameterKey": k, "ParameterValue": v}
                                                      for k, v in parameters.items()],
             Capabilities=list(deploy.capabilities), **source)
        described = cfn.describe_stacks(StackName=deploy.stack_name)["Stacks"][0]
        events = cfn.describe_stack_events(StackName=deploy.stack_name)["StackEvents"]
        listed = cfn.list_stack_resources(StackName=deploy.stack_name)["StackResourceSummaries"]
    except RehearsalError:
        raise
    except Exception as exc:  # moto refuses through ClientError, or raises out of its models (KeyError, ...)
        raise RehearsalError(f"the emulator rejected {deploy.template_file} ({deploy.stack_name}, {region}): "
                             f"{type(exc).__name__}: {exc}") from exc
    status = described["StackStatus"]
    failed = [f"{e['LogicalResourceId']}: {e['ResourceStatus']} {e.get('ResourceStatusReason', '')}"
              for e in events if e["ResourceStatus"].endswith("FAILED")]
    if status != ("UPDATE_COMPLETE" if previous else "CREATE_COMPLETE") or failed:
        raise RehearsalError(f"{deploy.stack_name} in {region}: {status}; {failed}")
    # moto lists a resource whose condition is false as an empty entry.
    resources = {r["LogicalResourceId"]: (r["ResourceType"], r["PhysicalResourceId"]) for r in listed
                 if r["LogicalResourceId"]}
    holds = _conditions(deploy.stack_name, region)
    made = set(_created(template, holds))
    if set(resources) != made:
        raise RehearsalError(f"{deploy.stack_name}: the template creates {sorted(made - set(resources))} "
                             f"that the emulator does not list (and lists {sorted(set(resources) - made)})")
    outputs = {o["OutputKey"]: o.get("OutputValue") for o in described.get("Outputs") or []}
    for key in _created(template, holds, "Outputs"):
        value = outputs.get(key)
        if not value or "${" in str(value) or value == "None":
            raise RehearsalError(f"{deploy.stack_name}: output {key} did not resolve ({value!r})")
    _check_policies(deploy, resources)
    skipped = {r["Type"] for lid, r in template["Resources"].items() if lid in made} - set(_MOTO_MODELS)
    return Stack(deploy=deploy, region=region, template=template, size=len(body), via_s3="TemplateURL" in source,
                 parameters=parameters, status=status, resources=resources, outputs=outputs, skipped=skipped)


def _check_policies(deploy: Deploy, resources: dict[str, tuple[str, str]]) -> None:
    """IAM's grammar on every role's trust and inline policies, as IAM checks them when CloudFormation creates
    the role; moto's CloudFormation model of a role stores them without that check."""
    iam = iam_backends[DEFAULT_ACCOUNT_ID]["aws"]
    for lid, (kind, physical) in sorted(resources.items()):
        if kind != "AWS::IAM::Role":
            continue
        role = iam.get_role(physical)
        documents = [("AssumeRolePolicyDocument", role.assume_role_policy_document, IAMTrustPolicyDocumentValidator)]
        documents += [(name, doc, IAMPolicyDocumentValidator) for name, doc in sorted(role.policies.items())]
        for name, doc, validator in documents:
            try:
                validator(doc if isinstance(doc, str) else json.dumps(doc)).validate()
            except Exception as exc:  # moto raises its MalformedPolicyDocument, not a public exception type
                raise RehearsalError(f"{deploy.stack_name}: IAM refuses {lid} {name}: {exc}") from exc


def _created(template: dict[str, Any], holds: dict[str, bool], section: str = "Resources") -> list[str]:
    """The resources (or outputs) the template creates: those without a condition or whose condition holds."""
    return [lid for lid, r in template.get(section, {}).items() if holds.get(r.get("Condition", ""), True)]


def _conditions(stack_name: str, region: str) -> dict[str, bool]:
    """The template's conditions as the emulator evaluated them on the stack's parameters."""
    backend = cloudformation_backends[DEFAULT_ACCOUNT_ID][region]
    stack = next(s for s in backend.stacks.values() if s.name == stack_name)
    return {name: bool(stack.resource_map.lazy_condition_map[name]) for name in stack.resource_map.lazy_condition_map}


def _upload(deploy: Deploy, body: bytes, region: str) -> str:
    """What `deploy --s3-bucket` does: put the template in the bucket as <md5>.template and return its
    path-style URL (awscli's S3Uploader)."""
    bucket = deploy.s3_bucket or ""
    if PLACEHOLDER.match(bucket):
        # The customer's own artifact bucket in the stack's Region, as the report asks.
        bucket = f"artifacts-{DEFAULT_ACCOUNT_ID}-{region}"
    s3 = boto3.client("s3", region_name=region)
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError:
        location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        s3.create_bucket(Bucket=bucket, **location)
    key = hashlib.md5(body, usedforsecurity=False).hexdigest() + ".template"
    if deploy.s3_prefix:
        key = f"{deploy.s3_prefix}/{key}"
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    return f"{s3.meta.endpoint_url}/{bucket}/{key}"


# --- parameters ------------------------------------------------------------------------------------


def _parameters(deploy: Deploy, template: dict[str, Any], region: str, shell: Shell,
                previous: Stack | None) -> dict[str, str]:
    declared = template.get("Parameters", {})
    values: dict[str, str] = {}
    for name, given in deploy.overrides:
        if name not in declared:
            # CloudFormation: "Parameters: [X] do not exist in the template".
            raise RehearsalError(f"{deploy.stack_name}: parameter {name} does not exist in {deploy.template_file}")
        values[name] = _value(deploy, name, given, declared[name], region, shell)
    if previous is not None:
        # The CLI keeps a deployed stack's value for a parameter the command does not give.
        values = {**{k: v for k, v in previous.parameters.items() if k in declared}, **values}
    missing = sorted(n for n, d in declared.items() if "Default" not in d and n not in values)
    if missing:
        raise RehearsalError(f"{deploy.stack_name}: parameters {missing} have no default and no value in: "
                             f"{deploy.command}")
    for name, value in values.items():
        _check_value(deploy, name, value, declared[name])
    return values


def _value(deploy: Deploy, name: str, given: str, decl: dict[str, Any], region: str, shell: Shell) -> str:
    sub = re.fullmatch(r"__SUBSTITUTION_(\d+)__", given)
    if sub:
        return shell.evaluate(deploy.substitutions[int(sub.group(1))], region)
    if PLACEHOLDER.match(given):
        return realistic(name, decl, region)
    return shell.expand(given)


def _make_key(name: str, region: str) -> str:
    key = boto3.client("kms", region_name=region).create_key(Description=f"key for {name}")
    return str(key["KeyMetadata"]["Arn"])


def _make_vault(name: str, region: str) -> str:
    vault = boto3.client("backup", region_name=region).create_backup_vault(BackupVaultName=f"{name}-vault")
    return str(vault["BackupVaultArn"])


# The domain a customer serves the API on (example.com is reserved for examples, RFC 2606).
DOMAIN = "api.example.com"


def _make_certificate(name: str, region: str) -> str:
    made = boto3.client("acm", region_name=region).request_certificate(DomainName=DOMAIN, ValidationMethod="DNS")
    return str(made["CertificateArn"])


# A parameter whose AllowedPattern asks for the ARN of one of these gets a real one, made in the emulator in
# the Region the pattern names (else the stack's): the resource a customer makes for it before deploying.
MAKERS = {"kms": _make_key, "backup": _make_vault, "acm": _make_certificate}
# Values a customer would type, tried in order against a string parameter's AllowedPattern.
TYPED = (DOMAIN, "ops@example.com")


def realistic(name: str, decl: dict[str, Any], region: str) -> str:
    """The value a customer would give a parameter the report leaves to them."""
    kind = decl.get("Type", "String")
    pattern = str(decl.get("AllowedPattern", ""))
    arn = re.search(r"arn:aws[^:]*:([a-z0-9-]+):([^:]*):", pattern)
    if kind == "String" and arn and arn.group(1) in MAKERS:
        named = REGION.search(arn.group(2))
        return MAKERS[arn.group(1)](name, named.group(0) if named else region)
    if kind == "String" and pattern:
        for typed in TYPED:
            if re.fullmatch(pattern, typed):
                return typed
    if kind == "Number":
        low, high = float(decl.get("MinValue", REALISTIC_NUMBER)), float(decl.get("MaxValue", REALISTIC_NUMBER))
        return f"{min(max(REALISTIC_NUMBER, low), max(high, low)):g}"
    raise RehearsalError(f"no realistic value for parameter {name} ({kind}, pattern {pattern!r}): teach the "
                         "rehearsal one in tests/rehearsal.py")


def _output_of(command: str, opts: dict[str, str], region: str, shell: Shell) -> str:
    """`aws cloudformation describe-stacks --stack-name S [--region R] --query "Stacks[0].Outputs[?OutputKey=='K']
    .OutputValue" --output text`: the output K of a stack deployed earlier in the report's order."""
    key = re.search(r"OutputKey\s*==\s*[`']([^`']+)[`']", opts.get("--query", ""))
    if key is None or opts.get("--output") != "text" or "--stack-name" not in opts:
        raise RehearsalError(f"not a query for one output: {command}")
    stack = shell.stacks.get((region, opts["--stack-name"]))
    if stack is None:
        raise RehearsalError(f"{command} reads stack {opts['--stack-name']} in {region}, which the report deploys "
                             "later or never")
    if key.group(1) not in stack.outputs:
        raise RehearsalError(f"stack {stack.deploy.stack_name} in {region} has no output {key.group(1)}")
    return stack.outputs[key.group(1)]


def _latest_stream(table: str, region: str) -> str:
    """`aws dynamodb describe-table --table-name T --query Table.LatestStreamArn`: from moto's DynamoDB, or for
    a replica of a global table (a stand-in) in that Region, the stream ARN CloudFormation would give it."""
    try:
        found = boto3.client("dynamodb", region_name=region).describe_table(TableName=table)["Table"]
        return str(found["LatestStreamArn"])
    except (ClientError, KeyError):
        pass
    for made in _MADE:
        replicas = [r.get("Region") for r in made.properties.get("Replicas", [])]
        if made.type_name == "AWS::DynamoDB::GlobalTable" and made.physical_resource_id == table \
                and region in replicas and made.properties.get("StreamSpecification"):
            return _arn(made.type_name, region, made.account, table) + STREAM_LABEL
    raise RehearsalError(f"no table {table} with a stream in {region}")


def _check_value(deploy: Deploy, name: str, value: str, decl: dict[str, Any]) -> None:
    """CloudFormation's parameter checks, which moto does not make."""
    def refuse(why: str) -> None:
        detail = decl.get("ConstraintDescription") or why
        raise RehearsalError(f"{deploy.stack_name}: parameter {name}={value!r}: {detail}")

    if decl.get("Type", "String") == "Number":
        try:
            number = float(value)
        except ValueError:
            refuse("not a number")
        if "MinValue" in decl and number < float(decl["MinValue"]):
            refuse(f"below MinValue {decl['MinValue']}")
        if "MaxValue" in decl and number > float(decl["MaxValue"]):
            refuse(f"above MaxValue {decl['MaxValue']}")
    else:
        if "AllowedPattern" in decl and not re.fullmatch(str(decl["AllowedPattern"]), value):
            refuse(f"does not match {decl['AllowedPattern']}")
        if "MinLength" in decl and len(value) < int(decl["MinLength"]):
            refuse(f"shorter than {decl['MinLength']}")
        if "MaxLength" in decl and len(value) > int(decl["MaxLength"]):
            refuse(f"longer than {decl['MaxLength']}")
    if "AllowedValues" in decl and value not in [str(v) for v in decl["AllowedValues"]]:
        refuse(f"not one of {decl['AllowedValues']}")


def _check_capabilities(deploy: Deploy, template: dict[str, Any]) -> None:
    caps = set(deploy.capabilities)
    types = {r["Type"]: r.get("Properties", {}) for r in template["Resources"].values()}
    iam = [t for t in types if t in IAM_NAMES]
    named = [lid for lid, r in template["Resources"].items()
             if IAM_NAMES.get(r["Type"]) and IAM_NAMES[r["Type"]] in (r.get("Properties") or {})]
    if iam and not caps & {"CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"}:
        raise RehearsalError(f"{deploy.stack_name}: InsufficientCapabilities: Requires capabilities : "
                             f"[CAPABILITY_IAM] ({sorted(iam)})")
    if named and "CAPABILITY_NAMED_IAM" not in caps:
        raise RehearsalError(f"{deploy.stack_name}: InsufficientCapabilities: Requires capabilities : "
                             f"[CAPABILITY_NAMED_IAM] ({named})")
    if "Transform" in template and "CAPABILITY_AUTO_EXPAND" not in caps:
        raise RehearsalError(f"{deploy.stack_name}: Requires capabilities : [CAPABILITY_AUTO_EXPAND]")


def main(argv: list[str]) -> int:
    """`python -m tests.rehearsal DIR...`: rehearse each rendered folder in a fresh emulator; exit 1 on the
    first refusal, naming it."""
    for folder in argv:
        with emulator():
            try:
                stacks = rehearse(Path(folder))
            except RehearsalError as exc:
                print(f"{folder}: {exc}", file=sys.stderr)
                return 1
        for stack in stacks:
            print(f"{folder}: {stack.deploy.template_file} -> {stack.deploy.stack_name} in {stack.region}: "
                  f"{stack.status}, {len(stack.resources)} resources"
                  + (f", {len(stack.skipped)} types moto skips" if stack.skipped else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
