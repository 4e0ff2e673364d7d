"""function:* (lambda) read back from a template: a function with its role, log group, permissions and
invoke configuration; the edges its role's actions make (`writes` and `reads` a table, `publishes` to a topic)
and the authorizers it backs (the inverse of blueprint.py)."""

from __future__ import annotations

from advisor.review.infer import Reading, number
from advisor.review.template import Resource

TYPES = ("AWS::Lambda::Function", "AWS::Lambda::Permission", "AWS::Lambda::EventInvokeConfig",
         "AWS::Lambda::Version", "AWS::Lambda::Alias", "AWS::Lambda::Url", "AWS::Lambda::EventSourceMapping",
         "AWS::Logs::LogGroup", "AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy",
         "AWS::Events::Rule", "AWS::Scheduler::Schedule")
# Lambda's own defaults, for a property a template leaves out (Lambda API reference, CreateFunction).
MEMORY_MB, TIMEOUT_S, EPHEMERAL_MB = 128, 3, 512
# A function whose log group the template does not create logs to one Lambda creates, which never expires;
# the estimate prices it at the longest retention a log group takes.
NEVER_EXPIRES_DAYS = 3653
# DynamoDB actions that change items, and those that only read them.
WRITES = ("dynamodb:putitem", "dynamodb:updateitem", "dynamodb:deleteitem", "dynamodb:batchwriteitem",
          "dynamodb:partiqlinsert", "dynamodb:partiqlupdate", "dynamodb:partiqldelete")
READS = ("dynamodb:getitem", "dynamodb:batchgetitem", "dynamodb:query", "dynamodb:scan", "dynamodb:partiqlselect")
DESCRIPTION = "advisor "


def components(r: Reading) -> None:
    """One component per function, with what belongs to it."""
    for fn in r.of_type("AWS::Lambda::Function"):
        if fn.logical_id in r.parts:
            continue  # another package's (an exporter)
        cid = r.component(r.name(fn.logical_id, "function"), "lambda", fn)
        _settings(r, cid, fn)
    for resource in r.of_type("AWS::Lambda::Permission", "AWS::Lambda::EventInvokeConfig", "AWS::Lambda::Version",
                              "AWS::Lambda::Alias", "AWS::Lambda::Url"):
        owner = r.component_of(r.target(resource.props.get("FunctionName") or resource.props.get("TargetFunctionArn"),
                                         "AWS::Lambda::Function", "AWS::Lambda::Alias", "AWS::Lambda::Version"))
        if owner is not None:
            r.claim(resource.logical_id, owner, resource.type.rsplit("::", 1)[-1].lower())
    _triggers(r)


def _triggers(r: Reading) -> None:
    """Rules on the account's default bus and schedules that invoke a function belong to it: what starts it
    (a rule on a bus of the template is the bus's)."""
    buses = {b.logical_id for b in r.of_type("AWS::Events::EventBus")}
    for rule in r.of_type("AWS::Events::Rule"):
        if set(r.targets(rule.props.get("EventBusName"))) & buses:
            continue
        for target in rule.props.get("Targets") or []:
            owner = r.component_of(r.target(target.get("Arn") if isinstance(target, dict) else None,
                                            "AWS::Lambda::Function"))
            if owner is not None:
                r.claim(rule.logical_id, owner, "schedule" if rule.props.get("ScheduleExpression") else "event rule")
                break
    for schedule in r.of_type("AWS::Scheduler::Schedule"):
        target = schedule.props.get("Target")
        if not isinstance(target, dict):
            continue
        owner = r.component_of(r.target(target.get("Arn"), "AWS::Lambda::Function"))
        if owner is not None:
            r.claim(schedule.logical_id, owner, "schedule")
            r.claim(r.target(target.get("RoleArn"), "AWS::IAM::Role"), owner, "schedule role")


def _settings(r: Reading, cid: str, fn: Resource) -> None:
    props = fn.props
    role = r.role_of(fn)
    r.claim(role, cid, "role")
    r.set(cid, "memory_mb", int(number(props.get("MemorySize")) or MEMORY_MB), fn, "MemorySize")
    architectures = props.get("Architectures")
    r.set(cid, "architecture", str(architectures[0]) if isinstance(architectures, list) and architectures
          else "x86_64", fn, "Architectures")
    storage = props.get("EphemeralStorage")
    r.set(cid, "ephemeral_storage_mb", int(number(storage.get("Size")) or EPHEMERAL_MB) if isinstance(storage, dict)
          else EPHEMERAL_MB, fn, "EphemeralStorage")
    r.set(cid, "timeout_s", int(number(props.get("Timeout")) or TIMEOUT_S), fn, "Timeout")
    if isinstance(props.get("Runtime"), str):
        r.set(cid, "runtime", props["Runtime"], fn, "Runtime")
    tracing = props.get("TracingConfig")
    r.set(cid, "tracing", str(tracing.get("Mode", "PassThrough")) if isinstance(tracing, dict) else "PassThrough",
          fn, "TracingConfig")
    logging = props["LoggingConfig"] if isinstance(props.get("LoggingConfig"), dict) else {}
    r.set(cid, "log_format", str(logging.get("LogFormat", "Text")), fn, "LoggingConfig")
    group = r.target(logging.get("LogGroup"), "AWS::Logs::LogGroup") or _named_log_group(r, fn)
    r.claim(group, cid, "log group")
    days = r.log_retention(group)
    if group is not None and days is not None:
        r.set(cid, "log_retention_days", days, r.resources[group], "RetentionInDays")
    else:
        r.set(cid, "log_retention_days", NEVER_EXPIRES_DAYS)
        r.sources[cid]["log_retention_days"] = ("template: no log group with a retention, so the one Lambda "
                                                "creates never expires (priced at the longest retention)")
    reserved = number(props.get("ReservedConcurrentExecutions"))
    if reserved is not None:
        r.set(cid, "reserved_concurrency", int(reserved), fn, "ReservedConcurrentExecutions")
    r.set(cid, "kms_key", r.key_of(props.get("KmsKeyArn")), fn, "KmsKeyArn")
    if group is not None:
        r.set(cid, "log_group_kms_key", r.key_of(r.resources[group].props.get("KmsKeyId")), r.resources[group],
              "KmsKeyId")
    description = props.get("Description")
    prefix = f"{DESCRIPTION}{cid}: "
    if isinstance(description, str) and description.startswith(prefix) and description != prefix + "processes events":
        r.set(cid, "role", description[len(prefix):], fn, "Description")
    dlq = props.get("DeadLetterConfig")
    if isinstance(dlq, dict):
        r.claim(r.target(dlq.get("TargetArn"), "AWS::SQS::Queue"), cid, "dead-letter queue")


def _named_log_group(r: Reading, fn: Resource) -> str | None:
    """A log group named as Lambda names a function's (`/aws/lambda/<function name>`)."""
    for group in r.referrers(fn.logical_id):
        if group.type == "AWS::Logs::LogGroup" and fn.logical_id in r.targets(group.props.get("LogGroupName")):
            return group.logical_id
    return None


def edges(r: Reading) -> None:
    """What each function's role allows on the template's tables and topics, and the authorizers it backs."""
    for cid in r.components_of("lambda"):
        fn = r.main(cid)
        for statement in r.statements(r.role_of(fn)):
            if statement.effect != "Allow":
                continue
            tables = [t for t in r.targets(statement.resources, "AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable")]
            for table in tables:
                if statement.allows(*WRITES):
                    r.edge(cid, r.component_of(table), "writes")
                elif statement.allows(*READS):
                    r.edge(cid, r.component_of(table), "reads")
            if statement.allows("sns:publish"):
                for topic in r.targets(statement.resources, "AWS::SNS::Topic"):
                    r.edge(cid, r.component_of(topic), "publishes")
    for authorizer in r.of_type("AWS::ApiGateway::Authorizer"):
        backing = r.target(authorizer.props.get("AuthorizerUri"), "AWS::Lambda::Function")
        api = r.component_of(r.target(authorizer.props.get("RestApiId"), "AWS::ApiGateway::RestApi"))
        r.edge(r.component_of(backing), api, "authorizes")
