"""The builder that blueprints and connectors fill in, and the plan they read.

Blueprints add resources for one component; connectors add what one edge
needs (IAM statements, mappings, policies, subscriptions). Statements that
several parts contribute to one policy (a role, a queue policy, a topic
policy, the key policy) are collected here and written once at the end,
de-duplicated and sorted, so the result does not depend on call order.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable, Iterable, Mapping, NamedTuple

from advisor.architecture import Architecture, Component, Edge
from advisor.render.cfn.intrinsics import ACCOUNT, PARTITION, REGION, GetAtt, Intrinsic, Ref, Sub, arn
from advisor.render.cfn.naming import LogicalIds
from advisor.services import service
from advisor.workload import Workload

DLQ_RETENTION_S = 14 * 24 * 3600
# cfn-lint-serverless ES6000 asks every queue for a redrive policy and exempts a queue another queue's
# RedrivePolicy names only when that policy is written as an intrinsic; it flags every dead-letter queue here.
DLQ_NEEDS_NO_REDRIVE = ("This is a dead-letter queue, where failed messages end: a redrive policy on it would move "
                        "them on again. Its depth alarm says when one arrives; redrive them after a fix")


# Connectors run in this order of edge kinds (authorizers before the methods that use them), then by kind and ends.
_EDGE_ORDER = {k: i for i, k in enumerate(("authorizes", "sends", "invokes"))}


class Statement(NamedTuple):
    """One policy statement before it is written."""

    sid: str
    effect: str
    actions: tuple[str, ...]
    resources: tuple[Any, ...]
    principal: Any = None
    condition: Any = None

    def render(self) -> dict[str, Any]:
        out: dict[str, Any] = {"Sid": self.sid, "Effect": self.effect}
        if self.principal is not None:
            out["Principal"] = self.principal
        out["Action"] = list(self.actions) if len(self.actions) > 1 else self.actions[0]
        out["Resource"] = list(self.resources) if len(self.resources) > 1 else self.resources[0]
        if self.condition is not None:
            out["Condition"] = self.condition
        return out


def _canonical(value: Any) -> str:
    """`json.dumps(to_json(value), sort_keys=True, default=str)`, with intrinsics turned long-form by the C
    encoder as it meets them rather than by a walk over the whole value first."""
    return json.dumps(value, sort_keys=True, default=_long_form)


def _long_form(value: Any) -> Any:
    return value.long_form() if isinstance(value, Intrinsic) else str(value)


def _sort_key(st: Statement) -> tuple[str, str]:
    return st.sid, _canonical(st.render())


class Builder:
    """Collects the template while blueprints and connectors run."""

    def __init__(self, workload: Workload, arch: Architecture) -> None:
        self.workload = workload
        self.arch = arch
        self.components = dict(sorted(arch.components.items()))
        self.edges = tuple(sorted(arch.edges, key=lambda e: (_EDGE_ORDER.get(e.kind, 9), e.kind, e.source, e.target)))
        # The architecture's customer managed key, which every encrypted resource uses.
        self.key = next((c.id for c in self.components.values() if service(c.service).customer_key), None)
        self.ids = LogicalIds()
        self.resources: dict[str, dict[str, Any]] = {}
        self.parameters: dict[str, dict[str, Any]] = {}
        self.conditions: dict[str, Any] = {}
        self.outputs: dict[str, dict[str, Any]] = {}
        self.notes: dict[str, list[str]] = {}
        # Resources a component's blueprint made (logical id -> component), and the components created only under
        # a condition (component -> condition name): `finish` gives each of their resources that Condition.
        self.building: str | None = None
        self.owners: dict[str, str] = {}
        self.component_conditions: dict[str, str] = {}
        # Account-level controls the stack creates only while a parameter says so, for the report.
        self.account_switches: list[dict[str, str]] = []
        self.role_statements: dict[str, list[Statement]] = {}
        self.queue_statements: dict[str, list[Statement]] = {}
        self.topic_statements: dict[str, list[Statement]] = {}
        self.key_statements: list[Statement] = []
        self.bucket_statements: dict[str, list[Statement]] = {}
        self.alarm_topic: dict[str, str] = {}     # alarms component -> topic logical id
        self.api_auth: dict[str, tuple[str, str | None]] = {}  # api component -> (type, authorizer)
        self.api_5xx: dict[str, str] = {}          # rest api -> its 5XX alarm
        # What alarms and dashboards watch, filled in by blueprints.
        self.queues: list[str] = []          # consumed queues (logical ids)
        self.dlqs: list[str] = []            # every dead-letter queue
        self.functions: list[str] = []
        self.apis: list[tuple[str, str, Any]] = []   # (rest api, stage, api name)
        self.api_methods: dict[str, list[str]] = {}  # rest api -> method logical ids
        # Resources another stack made, by the logical id they would have here: attribute (None for Ref) ->
        # (the value to use instead, the same as text inside Fn::Sub). Filled by blueprints of existing resources.
        self.external: dict[str, Callable[[str | None], tuple[Any, str]]] = {}
        # Reserve the fixed names used for parameters and conditions.

    # ---------------------------------------------------------------- lookups
    def lid(self, component: str, suffix: str = "") -> str:
        return self.ids(component, suffix)

    def policy_id(self, lid: str) -> str:
        """The resource policy of a queue, topic or bucket (by its logical id)."""
        return self.ids(lid, "Policy")

    def of(self, service: str) -> list[Component]:
        return [c for c in self.components.values() if c.service == service]

    def edges_from(self, cid: str, kind: str | None = None) -> list[Edge]:
        return [e for e in self.edges if e.source == cid and (kind is None or e.kind == kind)]

    def edges_to(self, cid: str, kind: str | None = None) -> list[Edge]:
        return [e for e in self.edges if e.target == cid and (kind is None or e.kind == kind)]

    def service_of(self, cid: str) -> str | None:
        c = self.components.get(cid)
        return c.service if c else None

    def has_key(self) -> bool:
        return self.key is not None

    def key_arn(self) -> GetAtt:
        assert self.key is not None
        return arn(self.lid(self.key))

    def key_ref(self) -> Ref:
        assert self.key is not None
        return Ref(self.lid(self.key))

    def requirement(self, rid: str) -> Mapping[str, Any] | None:
        return self.workload.requirements.get(rid)

    def log_retention(self, c: Component) -> int:
        return int(c.settings["log_retention_days"])

    def peak_rps(self) -> float:
        """The workload's peak requests per second (10 when it states none)."""
        return float(self.workload.traffic.get("peak_requests_per_second") or 10)

    def env(self, function: str, name: str, value: object) -> None:
        """Set an environment variable of a function (by its logical id)."""
        self.resources[function]["Properties"]["Environment"]["Variables"][name] = value

    # ---------------------------------------------------------------- writing
    def add(self, lid: str, rtype: str, props: dict[str, Any], **attrs: Any) -> str:
        if lid in self.resources:
            raise ValueError(f"duplicate logical id {lid}")
        res: dict[str, Any] = {"Type": rtype}
        res.update({k: v for k, v in attrs.items() if v is not None})
        res["Properties"] = props
        self.resources[lid] = res
        if self.building is not None:
            self.owners[lid] = self.building
        return lid

    def only_if(self, component: str, condition: str) -> None:
        """Create every resource of a component (its blueprint's and their policies) only under a condition."""
        self.component_conditions[component] = condition

    def skip_checkov(self, lid: str, check: str, reason: str) -> None:
        meta = self.resources[lid].setdefault("Metadata", {})
        skips = meta.setdefault("checkov", {}).setdefault("skip", [])
        if not any(s["id"] == check for s in skips):
            skips.append({"id": check, "comment": reason})
            skips.sort(key=lambda s: s["id"])

    def skip_cfn_lint(self, lid: str, rule: str, reason: str) -> None:
        """Suppress a cfn-lint rule on one resource where it misfires or where the template makes a judgement call:
        the rule id in `Metadata.cfn-lint.config.ignore_checks` (where cfn-lint reads it) and the reason beside it
        under `Metadata.cfn-lint.reasons`."""
        meta = self.resources[lid].setdefault("Metadata", {}).setdefault("cfn-lint", {})
        checks = meta.setdefault("config", {}).setdefault("ignore_checks", [])
        if rule not in checks:
            checks.append(rule)
            checks.sort()
        meta.setdefault("reasons", {})[rule] = reason
        meta["reasons"] = dict(sorted(meta["reasons"].items()))

    def note(self, section: str, text: str) -> None:
        items = self.notes.setdefault(section, [])
        if text not in items:
            items.append(text)

    def parameter(self, name: str, **spec: Any) -> Ref:
        self.ids.reserve(name)
        self.parameters[name] = spec
        return Ref(name)

    def condition(self, name: str, expr: Any) -> str:
        self.ids.reserve(name)
        self.conditions[name] = expr
        return name

    def output(self, name: str, value: Any, description: str, condition: str | None = None) -> None:
        out: dict[str, Any] = {"Description": description, "Value": value}
        if condition:
            out = {"Condition": condition, **out}
        self.outputs[name] = out

    # ---------------------------------------------------------------- policies
    def allow(self, role: str, sid: str, actions: Iterable[str], resources: Iterable[Any]) -> None:
        self.role_statements.setdefault(role, []).append(
            Statement(sid, "Allow", tuple(sorted(set(actions))), tuple(resources)))

    def allow_key(self, role: str, *actions: str) -> None:
        if self.has_key():
            self.allow(role, "UseKey", actions, [self.key_arn()])

    def queue_allow(self, queue: str, statement: Statement) -> None:
        self.queue_statements.setdefault(queue, []).append(statement)

    def topic_allow(self, topic: str, statement: Statement) -> None:
        self.topic_statements.setdefault(topic, []).append(statement)

    def key_allow_service(self, principal: Any, sid: str, condition: Any = None,
                          actions: tuple[str, ...] = ("kms:Decrypt", "kms:GenerateDataKey*")) -> None:
        if self.has_key():
            self.key_statements.append(Statement(sid, "Allow", actions, ("*",), {"Service": principal}, condition))

    # ---------------------------------------------------------------- shared shapes
    def log_group(self, lid: str, retention: int) -> str:
        props: dict[str, Any] = {"RetentionInDays": retention}
        if self.has_key():
            props["KmsKeyId"] = self.key_arn()
        return self.add(lid, "AWS::Logs::LogGroup", props, DeletionPolicy="Retain", UpdateReplacePolicy="Retain")

    def queue(self, lid: str, *, visibility: int | None = None, dlq: str | None = None,
              max_receive: int = 5, retention_s: int | None = None, is_dlq: bool = False) -> str:
        props: dict[str, Any] = {}
        if self.has_key():
            props["KmsMasterKeyId"] = self.key_ref()
            props["KmsDataKeyReusePeriodSeconds"] = 300
        else:
            props["SqsManagedSseEnabled"] = True
        if visibility is not None:
            props["VisibilityTimeout"] = visibility
        if retention_s is not None:
            props["MessageRetentionPeriod"] = retention_s
        if dlq is not None:
            props["RedrivePolicy"] = {"deadLetterTargetArn": arn(dlq), "maxReceiveCount": max_receive}
        self.add(lid, "AWS::SQS::Queue", props, DeletionPolicy="Delete", UpdateReplacePolicy="Delete")
        self.queue_statements.setdefault(lid, []).append(deny_insecure(arn(lid), "sqs:*"))
        if is_dlq:
            self.dlqs.append(lid)
            self.skip_cfn_lint(lid, "ES6000", DLQ_NEEDS_NO_REDRIVE)
        return lid

    def dead_letter_queue(self, lid: str) -> str:
        return self.queue(lid, retention_s=DLQ_RETENTION_S, is_dlq=True)

    def role(self, lid: str, service: str, condition: Any = None, managed: list[Any] | None = None) -> str:
        trust: dict[str, Any] = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
        if condition is not None:
            trust["Condition"] = condition
        props: dict[str, Any] = {"AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [trust]}}
        if managed:
            props["ManagedPolicyArns"] = managed
        self.add(lid, "AWS::IAM::Role", props)
        self.role_statements.setdefault(lid, [])
        return lid

    # ---------------------------------------------------------------- finish
    def _policy(self, of: str, lid: str, rtype: str, props: dict[str, Any]) -> None:
        """A resource policy, owned by the component that owns the resource it is for."""
        self.add(lid, rtype, props)
        if of in self.owners:
            self.owners[lid] = self.owners[of]

    def finish(self) -> None:
        for role, statements in sorted(self.role_statements.items()):
            if not statements:
                continue
            doc = {"Version": "2012-10-17", "Statement": _merge(statements)}
            self.resources[role]["Properties"]["Policies"] = [{"PolicyName": "least-privilege", "PolicyDocument": doc}]
        for queue, statements in sorted(self.queue_statements.items()):
            self._policy(queue, self.policy_id(queue), "AWS::SQS::QueuePolicy", {
                "Queues": [Ref(queue)],
                "PolicyDocument": {"Version": "2012-10-17", "Statement": _merge(statements)},
            })
        for topic, statements in sorted(self.topic_statements.items()):
            self._policy(topic, self.policy_id(topic), "AWS::SNS::TopicPolicy", {
                "Topics": [Ref(topic)],
                "PolicyDocument": {"Version": "2012-10-17", "Statement": _merge(statements)},
            })
        for bucket, statements in sorted(self.bucket_statements.items()):
            self._policy(bucket, self.policy_id(bucket), "AWS::S3::BucketPolicy", {
                "Bucket": Ref(bucket),
                "PolicyDocument": {"Version": "2012-10-17", "Statement": _merge(statements)},
            })
        if self.has_key():
            key = self.resources[self.lid(str(self.key))]
            root = Statement("AccountRoot", "Allow", ("kms:*",), ("*",),
                             {"AWS": Sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")})
            key["Properties"]["KeyPolicy"] = {"Version": "2012-10-17",
                                              "Statement": _merge([root, *self.key_statements])}
        for lid, owner in sorted(self.owners.items()):
            condition = self.component_conditions.get(owner)
            if condition is not None:
                self.resources[lid]["Condition"] = condition
        if self.external:
            self.resources = {lid: _external(res, self.external) for lid, res in self.resources.items()}
            for res in self.resources.values():
                after = res.get("DependsOn")
                if after is not None:
                    kept = [d for d in ([after] if isinstance(after, str) else after) if d not in self.external]
                    if kept:
                        res["DependsOn"] = kept
                    else:
                        del res["DependsOn"]
            self.outputs = {name: _external(out, self.external) for name, out in self.outputs.items()}


_SUB_NAME = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.([A-Za-z0-9]+))?\}")


def _external(value: Any, external: Mapping[str, Callable[[str | None], tuple[Any, str]]]) -> Any:
    """A value with every reference to an existing resource (`Ref`, `GetAtt`, `${X}` and `${X.Y}` in `Sub`)
    replaced by what its blueprint gave for it."""
    if isinstance(value, dict):
        return {k: _external(v, external) for k, v in value.items()}
    if isinstance(value, list):
        return [_external(v, external) for v in value]
    if not isinstance(value, Intrinsic):
        return value
    if isinstance(value, Ref) and value.value in external:
        return external[value.value](None)[0]
    if isinstance(value, GetAtt):
        resource, _, attribute = value.value.partition(".")
        if resource in external:
            return external[resource](attribute)[0]
        return value
    if isinstance(value, Sub):
        text, variables = (value.value if isinstance(value.value, list) else [value.value, None])

        def replace(m: re.Match[str]) -> str:
            if m.group(1) not in external or (variables and m.group(1) in variables):
                return m.group(0)
            return external[m.group(1)](m.group(2))[1]
        return Sub(_SUB_NAME.sub(replace, text), _external(variables, external) if variables else None)
    copy = object.__new__(type(value))
    copy.value = _external(value.value, external)
    return copy


def _merge(statements: list[Statement]) -> list[dict[str, Any]]:
    """Statements that differ only in actions are merged; the rest sorted, repeated sids numbered."""
    groups: dict[str, Statement] = {}
    for st in statements:
        key = _canonical([st.sid, st.effect, list(st.resources), st.principal, st.condition])
        if key in groups:
            old = groups[key]
            st = old._replace(actions=tuple(sorted(set(old.actions) | set(st.actions))))
        groups[key] = st
    ordered = sorted(groups.values(), key=_sort_key)
    out: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for st in ordered:
        n = seen.get(st.sid, 0) + 1
        seen[st.sid] = n
        rendered = st.render()
        if n > 1:
            rendered["Sid"] = f"{st.sid}{n}"
        out.append(rendered)
    return out


def deny_insecure(resource: Any, action: str) -> Statement:
    """Deny every request that does not use TLS."""
    return Statement("DenyInsecureTransport", "Deny", (action,), (resource,), "*",
                     {"Bool": {"aws:SecureTransport": "false"}})


def service_source(principal: str, sid: str, actions: tuple[str, ...], resource: Any, source_arn: Any) -> Statement:
    """Allow a service principal to act on a resource on behalf of one source ARN."""
    return Statement(sid, "Allow", actions, (resource,), {"Service": principal},
                     {"ArnEquals": {"aws:SourceArn": source_arn}})


__all__ = ["ACCOUNT", "PARTITION", "REGION", "Builder", "Intrinsic", "Statement", "Sub", "deny_insecure",
           "service_source"]
