"""The rule files in a check mode: what a CloudFormation template lacks that a rule would give it.

A rule file's `review:` block names a check kind (advisor.review.kinds declares them), the seed problem its
findings signal, a severity, a message and a fix (advisor/rules.py validates it); the logic of each kind is
code here, registered by kind with `@logic(...)`, and never names a rule: which rule reports a kind, and in
which words, is the rule files' data. `check(template)` runs every rule that has a `review:` block over a
template evaluated by `advisor.review.template` (parameters at their defaults, conditions decided) and
returns the findings and the questions:

- a finding names the rule, its problem and severity, the resources (logical ids as written in the
  template, a SAM resource for what it generates), the property path, the line and column where that path
  (or its nearest written parent) is, the message and the fix, with the kind's placeholders filled in;
- a kind that needs traffic to judge (a synchronous chain under a high peak) gives a finding only when
  `traffic` is given, else a question saying what it needs;
- a resource's `Metadata: {advisor: {ignore: [{rule: ID, reason: "..."}]}}` suppresses that rule's
  findings there; a suppression without a reason does not (the finding stays in force, carrying it), and
  it, one naming a rule that does not exist or one that is malformed, is reported by the rule whose
  check kind is `unjustified-suppression`.

Each check flags only what the template really lacks: a queue that is itself a dead-letter queue, or a
function only invoked synchronously, is never asked for a dead-letter queue.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Callable, Iterable, Iterator, Mapping, NamedTuple, Sequence

from advisor.findings import Finding, Suppression, ordered
from advisor.review.kinds import KINDS, SUPPRESSION_KIND, Kind
from advisor.review.template import Fn, GetAtt, Ref, Resource, Template, Text, references
from advisor.rules import Review, Rule

# --- the logic of each kind ---------------------------------------------------------------------------------

# A kind's logic: the template's index and the traffic (None without a workload) -> what it found.
Logic = Callable[["_Index", Mapping[str, Any] | None], Iterable["Hit | Ask"]]
LOGIC: dict[str, Logic] = {}


def logic(name: str) -> Callable[[Logic], Logic]:
    """Register the logic of a check kind declared in advisor.review.kinds."""
    def register(run: Logic) -> Logic:
        if name not in KINDS or name in LOGIC:  # pragma: no cover - a programming error caught on import
            raise ValueError(f"check kind {name!r} is not declared, or has logic already")
        LOGIC[name] = run
        return run
    return register


class Hit(NamedTuple):
    """What a check found: the resources (the first is where it sits), the property path under the first,
    and the values of the kind's own placeholders."""

    resources: tuple[Resource, ...]
    path: tuple[Any, ...]
    values: Mapping[str, str] = {}


class Ask(NamedTuple):
    """What a check cannot judge without traffic: where, and what it would judge."""

    resources: tuple[Resource, ...]
    path: tuple[Any, ...]
    what: str


class Question(NamedTuple):
    """A finding the review could not judge without the workload's traffic, and what it needs."""

    rule: str
    kind: str
    resources: tuple[str, ...]
    path: str
    line: int
    column: int
    text: str

    def as_json(self) -> dict[str, Any]:
        """The question as JSON."""
        return {"rule": self.rule, "kind": self.kind, "resources": list(self.resources), "path": self.path,
                "line": self.line, "column": self.column, "question": self.text}


class Checked(NamedTuple):
    """Everything a check run gives: the findings in template order, each finding's kind, the questions."""

    findings: tuple[Finding, ...]
    kinds: Mapping[Finding, str]
    questions: tuple[Question, ...]


def check(template: Template, traffic: Mapping[str, Any] | None = None,
          rules: Sequence[Rule] | None = None) -> tuple[tuple[Finding, ...], tuple[Question, ...]]:
    """The findings (in template order) and the questions of every rule with a `review:` block on a template.

    `traffic` is the workload's (`peak_requests_per_second`, and `request_duration_ms`, a function's average
    duration); `rules` default to the bundled ones."""
    done = run_checks(template, traffic, rules)
    return done.findings, done.questions


def run_checks(template: Template, traffic: Mapping[str, Any] | None = None,
               rules: Sequence[Rule] | None = None) -> Checked:
    """`check`, with the kind of each finding."""
    if rules is None:
        from advisor.rules import load_rules

        rules = load_rules()
    index = _Index(template)
    known = {rule.id for rule in rules}
    suppressions, bad = _suppressions(index, known)
    kinds: dict[Finding, str] = {}
    questions: list[Question] = []
    for rule in sorted(rules, key=lambda r: r.id):
        review = rule.review
        if review is None:
            continue
        spec = KINDS[review.check]
        if spec.name == SUPPRESSION_KIND:
            for resource, path, values in bad:
                hit = Hit((resource,), path, values)
                kinds[_finding(rule, review, spec, hit, hit.resources, None)] = spec.name
            continue
        for found in LOGIC[spec.name](index, traffic):
            if isinstance(found, Ask):
                first = found.resources[0]
                line, column = first.where(*found.path)
                questions.append(Question(rule.id, spec.name, _origins(found.resources), _path(first, found.path),
                                          line, column, found.what))
                continue
            finding = _suppressed(rule, review, spec, found, suppressions)
            kinds[finding] = spec.name
    findings = ordered(kinds)
    return Checked(findings, {f: kinds[f] for f in findings},
                   tuple(sorted(questions, key=lambda q: (q.line, q.column, q.rule, q.resources))))


# --- findings, messages and suppressions ---------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def fill(text: str, values: Mapping[str, str]) -> str:
    """A rule's message or fix with its placeholders replaced (rules.py has checked that each is known)."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def _origins(resources: Iterable[Resource]) -> tuple[str, ...]:
    """The logical ids as written: a SAM resource for what it generates, each once, in order."""
    return tuple(dict.fromkeys(r.origin for r in resources))


def _path(resource: Resource, path: tuple[Any, ...]) -> str:
    """The property path as written: an event source mapping SAM made of a function's event `E` sits at
    `Resources/<function>/Properties/Events/E/Properties/...`; anything else at its own logical id."""
    lid, origin = resource.logical_id, resource.origin
    if (origin != lid and lid.startswith(origin) and resource.type == "AWS::Lambda::EventSourceMapping"
            and path[:1] == ("Properties",)):
        return "/".join(["Resources", origin, "Properties", "Events", lid[len(origin):], *(str(p) for p in path)])
    return "/".join(["Resources", lid, *(str(p) for p in path)])


def _finding(rule: Rule, review: Review, spec: Kind, hit: Hit, shown: tuple[Resource, ...],
             suppression: Suppression | None) -> Finding:
    first = hit.resources[0]
    line, column = first.where(*hit.path)
    ids = _origins(shown)
    values = {"resource": ids[0], "resources": ", ".join(ids), "count": str(len(ids)), "type": first.type,
              **hit.values}
    # A finding that lists resources is the template's: its path is `Resources`, its position the first's.
    path = "Resources" if spec.listing else _path(first, hit.path)
    return Finding(rule=rule.id, problem=review.problem, severity=review.severity, resources=ids,
                   path=path, line=line, column=column, message=fill(review.message, values),
                   fix=fill(review.fix, values), suppressed_by=suppression)


def _suppressed(rule: Rule, review: Review, spec: Kind, hit: Hit,
                suppressions: Mapping[tuple[str, str], Suppression]) -> Finding:
    """The finding with the template's suppression of its rule, if any: at its resource, or for a listing
    kind at each resource it lists (those suppressed with a reason leave the list; all of them, the finding)."""
    if not spec.listing:
        return _finding(rule, review, spec, hit, hit.resources, suppressions.get((hit.resources[0].origin, rule.id)))
    held = [suppressions.get((r.origin, rule.id)) for r in hit.resources]
    left = tuple(r for r, s in zip(hit.resources, held) if s is None or not s.accepted)
    if left:
        rejected = next((s for r, s in zip(hit.resources, held) if r in left and s is not None), None)
        return _finding(rule, review, spec, hit._replace(resources=left), left, rejected)
    return _finding(rule, review, spec, hit, hit.resources, held[0])


Flaw = tuple[Resource, tuple[Any, ...], dict[str, str]]  # a bad suppression: where, and the placeholders


def _suppressions(index: "_Index", known: set[str]) -> tuple[dict[tuple[str, str], Suppression], list[Flaw]]:
    """Each resource's suppressions by (logical id as written, rule), and what is wrong with any of them."""
    from advisor.rules import RULE_ID
    from advisor.spec import did_you_mean

    found: dict[tuple[str, str], Suppression] = {}
    bad: list[Flaw] = []
    for resource in index.template.resources.values():
        if resource.origin != resource.logical_id or "advisor" not in resource.metadata:
            continue  # a SAM resource's metadata goes to the resource that keeps its name
        where: tuple[Any, ...] = ("Metadata", "advisor")
        block = resource.metadata["advisor"]
        if not isinstance(block, dict):
            bad.append((resource, where, {"rule": "", "why": "Metadata.advisor is not a mapping such as "
                                          "{ignore: [{rule: ADV-R007, reason: ...}]}"}))
            continue
        for key in block:
            if key != "ignore":
                hint = did_you_mean(str(key), ["ignore"])
                bad.append((resource, where + (key,), {"rule": "", "why": f"Metadata.advisor has an unknown key "
                                                       f"{key!r}" + (f" ({hint})" if hint else "; it holds ignore")}))
        items = block.get("ignore", [])
        if not isinstance(items, list):
            bad.append((resource, where + ("ignore",), {"rule": "", "why": "ignore is not a list of "
                                                        "{rule: ID, reason: ...}"}))
            continue
        for number, item in enumerate(items):
            at = where + ("ignore", number)
            if not isinstance(item, dict) or not isinstance(item.get("rule"), str):
                bad.append((resource, at, {"rule": "", "why": "an ignore item is a mapping {rule: ID, reason: ...}"}))
                continue
            rule_id = item["rule"]
            extra = sorted(set(item) - {"rule", "reason"})
            if extra:
                hint = did_you_mean(str(extra[0]), ["rule", "reason"])
                bad.append((resource, at + (extra[0],), {"rule": rule_id, "why": f"its item has an unknown key "
                                                         f"{extra[0]!r}" + (f" ({hint})" if hint else "")}))
            if rule_id not in known:
                hint = did_you_mean(rule_id, sorted(known))
                shape = "" if re.fullmatch(RULE_ID, rule_id) else " (rule ids look like ADV-R007)"
                bad.append((resource, at + ("rule",), {"rule": rule_id, "why": f"it names {rule_id!r}, which is no "
                                                       f"rule{shape}" + (f"; {hint}" if hint else "")}))
                continue
            reason = item.get("reason")
            reason = reason if isinstance(reason, str) else ""
            line, column = resource.where(*at)
            suppression = Suppression(rule_id, reason, _path(resource, at), line, column)
            if not suppression.accepted:
                bad.append((resource, at, {"rule": rule_id, "why": f"it gives no reason for setting {rule_id} aside"}))
            found.setdefault((resource.origin, rule_id), suppression)
    return found, bad


# --- what the template holds, indexed once ----------------------------------------------------------------

FUNCTION = "AWS::Lambda::Function"
QUEUE = "AWS::SQS::Queue"
TABLES = ("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable")
ALARMS = ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm")
COMPUTE = (FUNCTION, "AWS::EC2::Instance", "AWS::AutoScaling::AutoScalingGroup", "AWS::ECS::Service",
           "AWS::EKS::Nodegroup")
SERVERS = ("AWS::EC2::Instance", "AWS::AutoScaling::AutoScalingGroup")
# Lambda's default quota of concurrent executions per Region and account
# (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
ACCOUNT_CONCURRENCY = 1000
# A function's average duration when the workload does not give one: the estimate's own default
# (advisor.services.awslambda.pricing.DEFAULT_DURATION_MS).
DEFAULT_DURATION_MS = 100


def _walk(value: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], str, str | None]]:
    """Every reference in a resolved value with the path it sits at: (path, logical id, attribute)."""
    kind_ = type(value)
    if kind_ is dict:
        for key, item in value.items():
            yield from _walk(item, path + (key,))
    elif kind_ is list:
        for number, item in enumerate(value):
            yield from _walk(item, path + (number,))
    elif kind_ is Ref:
        yield path, value.target, None
    elif kind_ is GetAtt:
        yield path, value.resource, value.attribute
    elif kind_ is Text or kind_ is Fn:
        for target, attribute in references(value):
            yield path, target, attribute


def _truthy(value: Any) -> bool:
    """A CloudFormation boolean as the template wrote it: true, or the text "true" in any case."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _unknown(value: Any) -> bool:
    """Whether a value is known only when the stack is deployed (a parameter without a value, an import): a
    check does not judge what it cannot see."""
    return isinstance(value, (Ref, GetAtt, Text, Fn))


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


class _Index:
    """The template's resources, by type and by who refers to whom, worked out once for every check."""

    def __init__(self, template: Template) -> None:
        self.template = template
        self.resources = template.resources
        self.by_type: dict[str, list[Resource]] = {}
        # target logical id -> (the resource that refers to it, the path of the reference, the attribute)
        self.incoming: dict[str, list[tuple[Resource, tuple[Any, ...], str | None]]] = {}
        for resource in self.resources.values():
            self.by_type.setdefault(resource.type, []).append(resource)
            for path, target, attribute in _walk(resource.props, ()):
                if target in self.resources:
                    self.incoming.setdefault(target, []).append((resource, path, attribute))
        # The same for the resources a false condition leaves out: what the stack creates with other values.
        self.incoming_dropped: dict[str, list[tuple[Resource, tuple[Any, ...], str | None]]] = {}
        for resource in template.dropped.values():
            for path, target, attribute in _walk(resource.props, ()):
                self.incoming_dropped.setdefault(target, []).append((resource, path, attribute))
        self.names: dict[tuple[str, str], str] = {}
        for rtype, prop in ((FUNCTION, "FunctionName"), (QUEUE, "QueueName"), ("AWS::DynamoDB::Table", "TableName"),
                            ("AWS::DynamoDB::GlobalTable", "TableName"), ("AWS::SNS::Topic", "TopicName")):
            for resource in self.of(rtype):
                name = resource.props.get(prop)
                if isinstance(name, str):
                    self.names[(rtype, name)] = resource.logical_id
        self._parking: set[str] | None = None

    def of(self, *types: str) -> list[Resource]:
        """The resources of these types, in file order."""
        if len(types) == 1:
            return list(self.by_type.get(types[0], ()))
        return [r for r in self.resources.values() if r.type in types]

    def targets(self, value: Any, rtype: str) -> list[str]:
        """The resources of a type a value names: by reference, by name or by ARN text."""
        out = [target for target, _ in references(value) if self.resources.get(target) is not None
               and self.resources[target].type == rtype]
        stack = [value]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                name = item.rsplit(":", 1)[-1] if item.startswith("arn:") else item
                if rtype == FUNCTION and item.startswith("arn:") and ":function:" in item:
                    name = item.split(":function:", 1)[1].split(":", 1)[0]
                found = self.names.get((rtype, name))
                if found:
                    out.append(found)
            elif isinstance(item, dict):
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
        return list(dict.fromkeys(out))

    def functions(self, value: Any) -> list[str]:
        """The functions a value names: directly, or through an alias or a version of one."""
        out = self.targets(value, FUNCTION)
        for target, _ in references(value):
            resource = self.resources.get(target)
            if resource is not None and resource.type in ("AWS::Lambda::Alias", "AWS::Lambda::Version"):
                out += self.targets(resource.props.get("FunctionName"), FUNCTION)
        return list(dict.fromkeys(out))

    def referred_from(self, target: str, rtype: str, *prefix: Any, dropped: bool = False
                      ) -> list[tuple[Resource, tuple[Any, ...]]]:
        """Who of a type refers to a resource at a path starting with `prefix` (`int` matches any index,
        ANY_KEY any key); with `dropped`, also the resources a false condition leaves out."""
        out = []
        found = self.incoming.get(target, [])
        if dropped:
            found = found + self.incoming_dropped.get(target, [])
        for source, path, _ in found:
            if source.type == rtype and _starts(path, prefix):
                out.append((source, path))
        return out

    def parking_queues(self) -> set[str]:
        """The queues a Step Functions workflow sends to from a state its `Catch` leads to: where it parks what
        fails, a dead-letter queue by its use."""
        if self._parking is None:
            self._parking = set()
            for machine in self.of("AWS::StepFunctions::StateMachine"):
                self._parking |= _parking(self, machine)
        return self._parking

    def stream_of(self, value: Any) -> str | None:
        """The Kinesis stream or DynamoDB table whose records a value (an event source ARN) names."""
        for target, attribute in references(value):
            resource = self.resources.get(target)
            if resource is None:
                continue
            if resource.type in TABLES and attribute == "StreamArn":
                return target
            if resource.type in ("AWS::Kinesis::Stream", "AWS::Kinesis::StreamConsumer"):
                return target
        text = value if isinstance(value, str) else ""
        if text.startswith("arn:") and (":kinesis:" in text or (":dynamodb:" in text and "/stream/" in text)):
            return text
        return None


# In a path prefix: any key at this step; `int`: any list index.
ANY_KEY = object()


def _parking(index: "_Index", machine: Resource) -> set[str]:
    definition = machine.props.get("Definition")
    text = machine.props.get("DefinitionString")
    if definition is None and isinstance(text, (str, Text)):
        import json

        try:
            definition = json.loads(text if isinstance(text, str) else text.pattern())
        except ValueError:
            return set()
    states = definition.get("States") if isinstance(definition, dict) else None
    if not isinstance(states, dict):
        return set()
    substitutions = machine.props.get("DefinitionSubstitutions") or {}
    caught = {c.get("Next") for state in states.values() if isinstance(state, dict)
              for c in state.get("Catch") or [] if isinstance(c, dict)}
    out: set[str] = set()
    for name in caught:
        state = states.get(name) if isinstance(name, str) else None
        if not isinstance(state, dict) or not str(state.get("Resource", "")).startswith("arn:aws:states:::sqs:send"):
            continue
        url = (state.get("Parameters") or {}).get("QueueUrl")
        match = re.fullmatch(r"\$\{([^}.]+)(?:\.[A-Za-z]+)?\}", url) if isinstance(url, str) else None
        value: Any = url
        if match:
            value = substitutions.get(match.group(1), Ref(match.group(1)))
        out.update(index.targets(value, QUEUE))
    return out


def _starts(path: tuple[Any, ...], prefix: tuple[Any, ...]) -> bool:
    if len(path) < len(prefix):
        return False
    return all(want is ANY_KEY or want == got or (want is int and isinstance(got, int))
               for want, got in zip(prefix, path))


def _is_dead_letter_queue(index: _Index, queue: Resource) -> bool:
    """Whether a queue is where something else's failures go: then it needs no dead-letter queue itself."""
    lid = queue.logical_id
    places = (
        (QUEUE, ("RedrivePolicy",)),
        (FUNCTION, ("DeadLetterConfig",)),
        ("AWS::Lambda::EventInvokeConfig", ("DestinationConfig", "OnFailure")),
        ("AWS::Lambda::EventSourceMapping", ("DestinationConfig", "OnFailure")),
        ("AWS::Events::Rule", ("Targets", int, "DeadLetterConfig")),
        ("AWS::Scheduler::Schedule", ("Target", "DeadLetterConfig")),
        ("AWS::Pipes::Pipe", ("SourceParameters", ANY_KEY, "DeadLetterConfig")),
        ("AWS::SNS::Subscription", ("RedrivePolicy",)),
    )
    # A dead-letter queue kept for a resource that other parameter values create (an e-mail subscription
    # once its address is given) is one all the same.
    if any(index.referred_from(lid, rtype, *prefix, dropped=True) for rtype, prefix in places):
        return True
    if lid in index.parking_queues():
        return True
    # A queue that states which queues may move messages to it is a dead-letter queue by its own word.
    allow = queue.props.get("RedriveAllowPolicy")
    if isinstance(allow, str):
        return '"allowAll"' in allow or '"byQueue"' in allow
    if isinstance(allow, dict):
        return allow.get("redrivePermission") in ("allowAll", "byQueue")
    # A RedrivePolicy written as JSON text with a literal ARN names its queue by name.
    name = queue.props.get("QueueName")
    if isinstance(name, str):
        arn = re.compile(r'"deadLetterTargetArn"\s*:\s*"arn:[^"]*:' + re.escape(name) + '"')
        for other in index.of(QUEUE):
            policy = other.props.get("RedrivePolicy")
            if isinstance(policy, str) and arn.search(policy):
                return True
    return False


# --- the kinds ---------------------------------------------------------------------------------------------


@logic("queue-without-dlq")
def _queue_without_dlq(index: _Index, traffic: Mapping[str, Any] | None) -> Iterator[Hit]:
    for queue in index.of(QUEUE):
        policy = queue.props.get("RedrivePolicy")
        if policy or _is_dead_letter_queue(index, queue):
            continue
        yield Hit((queue,), ("Properties", "RedrivePolicy"))


# How something invokes a function asynchronously: (type, path prefix of its reference to the function, what).
ASYNC_INVOKERS = (
    ("AWS::SNS::Subscription", ("Endpoint",), "SNS subscription"),
    ("AWS::SNS::Topic", ("Subscription", int, "Endpoint"), "SNS topic"),
    ("AWS::Events::Rule", ("Targets", int, "Arn"), "EventBridge rule"),
    ("AWS::Scheduler::Schedule", ("Target", "Arn"), "EventBridge Scheduler schedule"),
    ("AWS::S3::Bucket", ("NotificationConfiguration", "LambdaConfigurations", int, "Function"),
     "event notifications of S3 bucket"),
    ("AWS::Lambda::EventInvokeConfig", ("DestinationConfig", ANY_KEY, "Destination"), "destination of function"),
    ("AWS::Logs::SubscriptionFilter", ("DestinationArn",), "log subscription filter"),
    ("AWS::IoT::TopicRule", ("TopicRulePayload", "Actions", int, "Lambda", "FunctionArn"), "IoT rule"),
    ("AWS::CloudWatch::Alarm", ("AlarmActions", int), "action of alarm"),
)
# Services that invoke a function asynchronously when a permission lets them (their triggers may live in
# another stack): S3, SNS, EventBridge, CloudWatch Logs, IoT, SES, CloudWatch alarms.
ASYNC_PRINCIPALS = ("s3.amazonaws.com", "sns.amazonaws.com", "events.amazonaws.com", "logs.amazonaws.com",
                    "iot.amazonaws.com", "ses.amazonaws.com", "lambda.alarms.cloudwatch.amazonaws.com")


def _async_invokers(index: _Index, function: Resource) -> list[str]:
    """What in the template invokes a function asynchronously, in words (empty if nothing does)."""
    found: list[str] = []
    ids = {function.logical_id} | {r.logical_id for r in index.of("AWS::Lambda::Alias", "AWS::Lambda::Version")
                                   if function.logical_id in index.functions(r.props.get("FunctionName"))}
    for target in sorted(ids):
        for rtype, prefix, what in ASYNC_INVOKERS:
            for source, path in index.referred_from(target, rtype, *prefix):
                if rtype == "AWS::SNS::Subscription" and str(source.props.get("Protocol", "")).lower() != "lambda":
                    continue
                if rtype == "AWS::SNS::Topic":
                    entry = source.get(*path[:2])
                    if not isinstance(entry, dict) or str(entry.get("Protocol", "")).lower() != "lambda":
                        continue
                if rtype == "AWS::Lambda::EventInvokeConfig" and index.functions(source.props.get("FunctionName")) == [
                        function.logical_id]:
                    continue  # its own destinations config names where its results go, not who calls it
                origin = source.origin
                if rtype == "AWS::Lambda::EventInvokeConfig":
                    callers = index.functions(source.props.get("FunctionName"))
                    origin = index.resources[callers[0]].origin if callers else origin
                if origin == function.origin and source.logical_id.startswith(origin):
                    # generated from one of the SAM function's own Events, named after it
                    found.append(f"{what} of its event {source.logical_id[len(origin):]}".rstrip())
                else:
                    found.append(f"{what} {origin}")
        for source, path in index.referred_from(target, "AWS::Lambda::Permission", "FunctionName"):
            principal = source.props.get("Principal")
            if isinstance(principal, str) and principal in ASYNC_PRINCIPALS:
                found.append(f"{principal.split('.')[0]} (permission {source.origin})")
        for source, path in index.referred_from(target, "AWS::Pipes::Pipe", "Target"):
            mode = source.get("TargetParameters", "LambdaFunctionParameters", "InvocationType")
            if mode == "FIRE_AND_FORGET":
                found.append(f"EventBridge pipe {source.origin}")
    # A permission restates a trigger the template already shows: name it only when it is the only sign.
    direct = [f for f in found if "(permission " not in f]
    return list(dict.fromkeys(direct or found))


def _handles_async_failures(index: _Index, function: Resource) -> bool:
    target = function.get("DeadLetterConfig", "TargetArn")
    if target:
        return True
    for config in index.of("AWS::Lambda::EventInvokeConfig"):
        if function.logical_id in index.functions(config.props.get("FunctionName")) and config.get(
                "DestinationConfig", "OnFailure", "Destination"):
            return True
    return False


@logic("async-function-without-dlq")
def _async_function_without_dlq(index: _Index, traffic: Mapping[str, Any] | None) -> Iterator[Hit]:
    for function in index.of(FUNCTION):
        invokers = _async_invokers(index, function)
        if invokers and not _handles_async_failures(index, function):
            yield Hit((function,), ("Properties", "DeadLetterConfig"), {"invokers": ", ".join(invokers)})


@logic("stream-source-without-on-failure")
def _stream_without_on_failure(index: _Index, traffic: Mapping[str, Any] | None) -> Iterator[Hit]:
    for mapping in index.of("AWS::Lambda::EventSourceMapping"):
        stream = index.stream_of(mapping.props.get("EventSourceArn"))
        if stream is None or mapping.get("DestinationConfig", "OnFailure", "Destination"):
            continue
        functions = index.functions(mapping.props.get("FunctionName"))
        function = index.resources[functions[0]].origin if functions else "its function"
        yield Hit((mapping,), ("Properties", "DestinationConfig"), {"stream": _shown(index, stream),
                                                                    "consumer": f"function {function}"})
    for pipe in index.of("AWS::Pipes::Pipe"):
        stream = index.stream_of(pipe.props.get("Source"))
        if stream is None:
            continue
        parameters = pipe.get("SourceParameters") or {}
        held = [parameters.get(key) for key in ("KinesisStreamParameters", "DynamoDBStreamParameters")]
        if any(isinstance(p, dict) and (p.get("DeadLetterConfig") or {}).get("Arn") for p in held):
            continue
        key = "DynamoDBStreamParameters" if stream in index.resources and index.resources[stream].type in TABLES \
            else "KinesisStreamParameters"
        targets = [t for t, _ in references(pipe.props.get("Target")) if t in index.resources]
        target = f" {index.resources[targets[0]].origin}" if targets else ""
        yield Hit((pipe,), ("Properties", "SourceParameters", key, "DeadLetterConfig"),
                  {"stream": _shown(index, stream), "consumer": f"the pipe's target{target}"})


def _shown(index: _Index, lid: str) -> str:
    resource = index.resources.get(lid)
    return resource.origin if resource is not None else lid


@logic("table-without-pitr")
def _table_without_pitr(index: _Index, traffic: Mapping[str, Any] | None) -> Iterator[Hit]:
    for table in index.of(*TABLES):
        if table.type == "AWS::DynamoDB::GlobalTable":
            replicas = table.props.get("Replicas") or []
            if any(isinstance(r, dict) and _truthy((r.get("PointInTimeRecoverySpecification") or {}).get(
                    "PointInTimeRecoveryEnabled")) for r in replicas):
                continue
            yield Hit((table,), ("Properties", "Replicas"))
            continue
        enabled = table.get("PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled")
        if _truthy(enabled) or _unknown(enabled):
            continue
        yield Hit((table,), ("Properties", "PointInTimeRecoverySpecification"))


def _scaled(index: _Index, table: Resource) -> bool:
    """Whether Application Auto Scaling scales the table's (or its indexes') capacity."""
    name = table.props.get("TableName")
    for target in index.of("AWS::ApplicationAutoScaling::ScalableTarget"):
        if target.props.get("ServiceNamespace") != "dynamodb":
            continue
        resource_id = target.props.get("ResourceId")
        if table.logical_id in {t for t, _ in references(resource_id)}:
            return True
        if isinstance(name, str) and isinstance(resource_id, str) and (
                resource_id == f"table/{name}" or resource_id.startswith(f"table/{name}/index/")):
            return True
    return False


@logic("table-fixed-capacity")
def _table_fixed_capacity(index: _Index, traffic: Mapping[str, Any] | None) -> Iterator[Hit]:
    for table in index.of(*TABLES):
        mode = table.props.get("BillingMode") or "PROVISIONED"
        if _unknown(mode) or str(mode).upper() != "PROVISIONED":
            continue
        if table.type == "AWS::DynamoDB::GlobalTable":
            write = table.get("WriteProvisionedThroughputSettings", "WriteCapacityAutoScalingSettings")
            fixed_reads = [r for r in table.props.get("Replicas") or [] if isinstance(r, dict)
                           and not (r.get("ReadProvisionedThroughputSettings") or {}).get(
                               "ReadCapacityAutoScalingSettings")]
            if write and not fixed_reads:
                continue
            units = [(r.get("ReadProvisionedThroughputSettings") or {}).get("ReadCapacityUnits") for r in fixed_reads]
            shown = [str(u) for u in units if _number(u) is not None]
            capacity = (f"{'/'.join(shown)} read units" if shown else "fixed read capacity") + (
                "" if write else " and writes without auto scaling")
            yield Hit((table,), ("Properties", "WriteProvisionedThroughputSettings" if not write else "Replicas"),
                      {"capacity": capacity})
            continue
        if _scaled(index, table):
            continue
        throughput = table.get("ProvisionedThroughput") or {}
        read, write = throughput.get("ReadCapacityUnits"), throughput.get("WriteCapacityUnits")
        if read is None and write is None and not table.props.get("GlobalSecondaryIndexes"):
            continue  # nothing provisioned: CloudFormation would refuse it; not this check's to say
        capacity = f"{_units(read)} read and {_units(write)} write units"
        yield Hit((table,), ("Properties", "ProvisionedThroughput"), {"capacity": capacity})


def _units(value: Any) -> str:
    number = _number(value)
    if number is None:
        return "unknown"
    return str(int(number)) if number.is_integer() else str(number)


@logic("compute-without-alarm")
def _compute_without_alarm(index: _Index, traffic: Mapping[str, Any] | None) -> Iterator[Hit]:
    if index.of(*ALARMS):
        return
    compute = index.of(*COMPUTE)
    if compute:
        yield Hit(tuple(compute), ())


@logic("servers-where-managed-would-do")
def _servers(index: _Index, traffic: Mapping[str, Any] | None) -> Iterator[Hit]:
    for server in index.of(*SERVERS):
        what = "an EC2 instance" if server.type == "AWS::EC2::Instance" else "an Auto Scaling group of EC2 instances"
        yield Hit((server,), ("Type",), {"what": what})


def _balanced_instances(index: _Index) -> set[str]:
    """EC2 instances that are one of two or more behind the same load balancer or target group."""
    out: set[str] = set()
    groups = [(t, ("Targets",)) for t in index.of("AWS::ElasticLoadBalancingV2::TargetGroup")]
    groups += [(b, ("Instances",)) for b in index.of("AWS::ElasticLoadBalancing::LoadBalancer")]
    for group, path in groups:
        members = [t for t, _ in references(group.get(*path)) if t in index.resources
                   and index.resources[t].type == "AWS::EC2::Instance"]
        if len(set(members)) >= 2:
            out.update(members)
    return out


@logic("single-instance-or-single-az-db")
def _single_instance(index: _Index, traffic: Mapping[str, Any] | None) -> Iterator[Hit]:
    balanced = _balanced_instances(index)
    for resource in index.of("AWS::EC2::Instance", "AWS::AutoScaling::AutoScalingGroup", "AWS::RDS::DBInstance",
                             "AWS::RDS::DBCluster"):
        props = resource.props
        if resource.type == "AWS::EC2::Instance":
            if resource.logical_id not in balanced:
                yield Hit((resource,), ("Type",), {"what": "an EC2 instance",
                                                   "why": "no Auto Scaling group or second instance replaces it"})
        elif resource.type == "AWS::AutoScaling::AutoScalingGroup":
            low = _number(props.get("MinSize"))
            zones = props.get("VPCZoneIdentifier") or props.get("AvailabilityZones")
            if low is not None and low < 2:
                yield Hit((resource,), ("Properties", "MinSize"),
                          {"what": "an Auto Scaling group",
                           "why": f"MinSize {_units(low)} leaves one instance or none"})
            elif isinstance(zones, list) and len(zones) == 1:
                key = "VPCZoneIdentifier" if "VPCZoneIdentifier" in props else "AvailabilityZones"
                yield Hit((resource,), ("Properties", key),
                          {"what": "an Auto Scaling group", "why": "it launches in one Availability Zone"})
        elif resource.type == "AWS::RDS::DBInstance":
            if props.get("SourceDBInstanceIdentifier") or props.get("SourceDBClusterIdentifier") or props.get(
                    "DBClusterIdentifier"):
                continue  # a read replica adds a copy, and a cluster's member is judged with its cluster
            if not _truthy(props.get("MultiAZ")) and not _unknown(props.get("MultiAZ")):
                yield Hit((resource,), ("Properties", "MultiAZ"),
                          {"what": "an RDS database instance", "why": "MultiAZ is not true"})
        else:
            if props.get("DBClusterInstanceClass") or str(props.get("EngineMode", "")).lower() == "serverless":
                continue  # a Multi-AZ DB cluster, and Aurora Serverless v1, run across zones by themselves
            members = [r for r in index.of("AWS::RDS::DBInstance")
                       if resource.logical_id in {t for t, _ in references(r.props.get("DBClusterIdentifier"))}]
            if len(members) < 2:
                yield Hit((resource,), ("Type",), {
                    "what": "an Aurora cluster",
                    "why": f"it has {'one DB instance' if members else 'no DB instance'}, so no reader in another "
                           "Availability Zone to fail over to"})


# --- synchronous chains (judged with traffic) ----------------------------------------------------------------

INVOKE_ACTIONS = ("lambda:invokefunction", "lambda:invoke*", "lambda:*", "*")
SYNC_EXECUTION_ACTIONS = ("states:startsyncexecution", "states:*", "*")


def _entries(index: _Index) -> list[tuple[Resource, str]]:
    """(API resource, function) for each synchronous front door to a function: REST and HTTP API
    integrations, function URLs, AppSync data sources."""
    out: list[tuple[Resource, str]] = []
    for method in index.of("AWS::ApiGateway::Method"):
        integration = method.props.get("Integration") or {}
        if not isinstance(integration, dict) or str(integration.get("Type", "")).upper() not in ("AWS", "AWS_PROXY"):
            continue
        header = (integration.get("RequestParameters") or {}).get("integration.request.header.X-Amz-Invocation-Type")
        if isinstance(header, str) and "event" in header.lower():
            continue  # API Gateway invokes it asynchronously
        api = next((index.resources[t] for t, _ in references(method.props.get("RestApiId")) if t in index.resources),
                   method)
        out += [(api, f) for f in index.functions(integration.get("Uri"))]
    for api in index.of("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api"):
        for integration in _openapi_integrations(api.props.get("Body")):
            if str(integration.get("type", "")).lower() in ("aws", "aws_proxy"):
                out += [(api, f) for f in index.functions(integration.get("uri"))]
    for integration in index.of("AWS::ApiGatewayV2::Integration"):
        api = next((index.resources[t] for t, _ in references(integration.props.get("ApiId"))
                    if t in index.resources), integration)
        out += [(api, f) for f in index.functions(integration.props.get("IntegrationUri"))]
    for url in index.of("AWS::Lambda::Url"):
        out += [(url, f) for f in index.functions(url.props.get("TargetFunctionArn"))]
    for source in index.of("AWS::AppSync::DataSource"):
        out += [(source, f) for f in index.functions(source.get("LambdaConfig", "LambdaFunctionArn"))]
    return list(dict.fromkeys(out))


def _openapi_integrations(body: Any) -> list[dict[str, Any]]:
    """The `x-amazon-apigateway-integration` objects of an OpenAPI body (as SAM writes its APIs' routes)."""
    paths = body.get("paths") if isinstance(body, dict) else None
    out = []
    for operations in paths.values() if isinstance(paths, dict) else ():
        for operation in operations.values() if isinstance(operations, dict) else ():
            integration = operation.get("x-amazon-apigateway-integration") if isinstance(operation, dict) else None
            if isinstance(integration, dict):
                out.append(integration)
    return out


def _statements(index: _Index, role_id: str) -> list[dict[str, Any]]:
    """The policy statements of a role: inline, and of the policies attached to it in the template."""
    role = index.resources.get(role_id)
    if role is None:
        return []
    documents = [p.get("PolicyDocument") for p in role.props.get("Policies") or [] if isinstance(p, dict)]
    for policy in index.of("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        if role_id in {t for t, _ in references(policy.props.get("Roles"))}:
            documents.append(policy.props.get("PolicyDocument"))
    for target, _ in references(role.props.get("ManagedPolicyArns")):
        managed = index.resources.get(target)
        if managed is not None and managed.type == "AWS::IAM::ManagedPolicy":
            documents.append(managed.props.get("PolicyDocument"))
    out = []
    for document in documents:
        statements = document.get("Statement") if isinstance(document, dict) else None
        for statement in statements if isinstance(statements, list) else [statements]:
            if isinstance(statement, dict) and statement.get("Effect") == "Allow":
                out.append(statement)
    return out


def _calls(index: _Index, function: Resource) -> list[str]:
    """What a function's role lets it call and wait for: other functions, Step Functions sync executions."""
    roles = [t for t, _ in references(function.props.get("Role")) if t in index.resources]
    out: list[str] = []
    for role in roles:
        for statement in _statements(index, role):
            actions = statement.get("Action")
            actions = [a.lower() for a in (actions if isinstance(actions, list) else [actions]) if isinstance(a, str)]
            resources = statement.get("Resource")
            if any(a in INVOKE_ACTIONS for a in actions):
                out += [f for f in index.functions(resources) if f != function.logical_id]
            if any(a in SYNC_EXECUTION_ACTIONS for a in actions):
                out += [t for t, _ in references(resources) if t in index.resources
                        and index.resources[t].type == "AWS::StepFunctions::StateMachine"]
    return list(dict.fromkeys(out))


def _chains(index: _Index) -> list[tuple[Resource, list[str]]]:
    """Each API's longest synchronous paths through two or more steps after it: API -> function -> ..."""
    out: list[tuple[Resource, list[str]]] = []
    for api, first in _entries(index):
        stack = [[first]]
        while stack:
            path = stack.pop()
            last = index.resources[path[-1]]
            nexts = [c for c in _calls(index, last) if c not in path] if last.type == FUNCTION else []
            if not nexts and len(path) >= 2:
                out.append((api, path))
            stack += [path + [c] for c in reversed(nexts) if len(path) < 8]
    return out


@logic("synchronous-chain")
def _synchronous_chain(index: _Index, traffic: Mapping[str, Any] | None) -> Iterator[Hit | Ask]:
    for api, path in _chains(index):
        steps = [index.resources[p] for p in path]
        chain = " → ".join([api.origin] + [s.origin for s in steps])
        if traffic is None:
            yield Ask((steps[0], *steps[1:]), ("Properties", "Role"),
                      f"{chain} is a synchronous chain (each function may call the next and wait for it): at what "
                      "peak of requests per second? Give the workload (traffic.peak_requests_per_second) to judge "
                      "whether it holds more concurrent executions than Lambda allows")
            continue
        peak = Decimal(str(traffic.get("peak_requests_per_second") or 0))
        duration = Decimal(str(traffic.get("request_duration_ms") or DEFAULT_DURATION_MS)) / 1000
        functions = [s for s in steps if s.type == FUNCTION]
        # Each function stays busy for its own work and for everything after it that it waits on.
        busy = [peak * duration * (len(steps) - i) for i, s in enumerate(steps) if s.type == FUNCTION]
        total = sum(busy, Decimal(0))
        over = [(f, b, _number(f.props.get("ReservedConcurrentExecutions"))) for f, b in zip(functions, busy)]
        capped = [(f, b, r) for f, b, r in over if r is not None and b > Decimal(str(r))]
        if capped:
            limit = f"{capped[0][0].origin}'s reserved concurrency of {_units(capped[0][2])}"
        elif total > ACCOUNT_CONCURRENCY:
            limit = f"the account's default {ACCOUNT_CONCURRENCY:,} concurrent executions"
        else:
            continue
        yield Hit((steps[0], *steps[1:]), ("Properties", "Role"),
                  {"chain": chain, "peak": _units(float(peak)), "concurrency": f"{total:,.0f}", "limit": limit})


@logic(SUPPRESSION_KIND)
def _unjustified(index: _Index, traffic: Mapping[str, Any] | None) -> Iterator[Hit]:
    return iter(())  # run_checks reports these from the suppressions it reads


__all__ = ["ACCOUNT_CONCURRENCY", "Checked", "LOGIC", "Question", "check", "fill", "logic", "run_checks"]
