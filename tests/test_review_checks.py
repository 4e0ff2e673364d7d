"""The rule files in a check mode: each kind fires where a template lacks the thing and only there; template
suppressions; SAM; traffic-judged chains; the `review:` block of the rule schema."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from advisor.errors import RuleError
from advisor.findings import SEVERITIES, problem_ids
from advisor.render.sarif import sarif_log
from advisor.resources import data_dir
from advisor.review.checks import ACCOUNT_CONCURRENCY, LOGIC, check, run_checks
from advisor.review.kinds import KINDS
from advisor.review.kinds import SEVERITIES as KIND_SEVERITIES
from advisor.review.template import parse_template
from advisor.rules import load_rules

RULES = load_rules()
RULE_OF = {r.review.check: r.id for r in RULES if r.review is not None}


def review(text: str, traffic=None, rules=RULES):
    return run_checks(parse_template(text.encode(), "t.yaml"), traffic, rules)


def found(text: str, traffic=None) -> list[tuple[str, tuple[str, ...]]]:
    """(kind, resources) of every finding in force, in template order."""
    done = review(text, traffic)
    return [(done.kinds[f], f.resources) for f in done.findings if f.in_force]


def kinds(text: str, traffic=None) -> set[str]:
    return {k for k, _ in found(text, traffic)}


# --- the registry and the rule files ---------------------------------------------------------------------


def test_every_declared_kind_has_logic_and_a_bundled_rule():
    assert set(LOGIC) == set(KINDS)
    checks = [r.review.check for r in RULES if r.review is not None]
    assert sorted(checks) == sorted(KINDS), "each kind is reported by exactly one bundled rule"


def test_review_blocks_use_the_findings_vocabulary():
    assert KIND_SEVERITIES == SEVERITIES
    for rule in RULES:
        if rule.review is not None:
            assert rule.review.problem in problem_ids() and rule.review.severity in SEVERITIES


def test_the_issues_kinds_signal_the_issues_problems():
    problem = {r.review.check: r.review.problem for r in RULES if r.review is not None}
    assert problem["queue-without-dlq"] == problem["stream-source-without-on-failure"] == "single-point-of-failure"
    assert problem["async-function-without-dlq"] == problem["single-instance-or-single-az-db"] == \
        "single-point-of-failure"
    assert problem["table-without-pitr"] == "disaster-recovery-gaps"
    assert problem["table-fixed-capacity"] in ("scalability-issues", "cost-inefficiency")
    assert problem["compute-without-alarm"] == "limited-monitoring-governance"
    assert problem["servers-where-managed-would-do"] == "operational-overhead"


def test_review_only_rules_never_fire_but_check():
    only = [r for r in RULES if r.review_only]
    assert {r.review.check for r in only} == {"async-function-without-dlq", "stream-source-without-on-failure",
                                              "unjustified-suppression"}
    assert all(r.adds == {} for r in only)


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "rules"
    shutil.copytree(data_dir("rules"), root)
    return root


def _errors(root: Path) -> list[str]:
    with pytest.raises(RuleError) as info:
        load_rules(root)
    return [d.render() for d in info.value.diagnostics]


@pytest.mark.parametrize("old, new, words", [
    ("  check: queue-without-dlq", "  check: queue-without-dql",
     "unknown check kind 'queue-without-dql' (did you mean 'queue-without-dlq'?)"),
    ("  severity: warning", "  severity: warnnig", "unknown severity 'warnnig' (did you mean 'warning'?)"),
    ("  problem: single-point-of-failure", "  problem: single-point-of-failur",
     "unknown problem 'single-point-of-failur' (did you mean 'single-point-of-failure'?)"),
    ("  severity: warning", "  severity: warning\n  sevrity: note", "unknown review key 'sevrity' (did you mean "
     "'severity'?)"),
    ("    Queue {resource} has", "    Queue {resorce} has", "unknown placeholder {resorce} for check "
     "queue-without-dlq (did you mean 'resource'?)"),
    ("    Queue {resource} has", "    Queue {invokers} has", "unknown placeholder {invokers}"),
    ("    Queue {resource} has", "    Queue {resource has", "a brace that is not a {placeholder}"),
    ("  fix: >", "  fxi: >", "missing required review key 'fix'"),
])
def test_a_bad_review_block_is_refused_with_a_hint(tmp_path, old, new, words):
    root = _copy(tmp_path)
    path = root / "reliability" / "ADV-R007.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    errors = _errors(root)
    assert any(f"{path}:" in e and words in e for e in errors), errors


def test_when_and_adds_are_required_unless_the_rule_is_review_only(tmp_path):
    root = _copy(tmp_path)
    plain = root / "reliability" / "ADV-R008.yaml"
    plain.write_text(plain.read_text().replace("when:", "whenn:", 1))
    only = root / "reliability" / "ADV-R019.yaml"
    only.write_text(only.read_text().replace("review:", "for_each: decoupling.consumers\nreview:", 1))
    errors = _errors(root)
    assert any(f"{plain}:" in e and "missing required rule key 'when'" in e for e in errors), errors
    assert any(f"{only}:" in e and "a review-only rule adds nothing to repeat" in e for e in errors), errors


def test_a_rule_without_review_and_without_adds_is_refused(tmp_path):
    root = _copy(tmp_path)
    path = root / "reliability" / "ADV-R020.yaml"
    text = path.read_text()
    path.write_text(text[:text.index("review:")])
    assert any("missing required rule key 'when'" in e for e in _errors(root))


# --- queues ------------------------------------------------------------------------------------------------

QUEUE = """\
Resources:
  Orders:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 60
"""


def test_a_queue_without_a_dlq_is_flagged_at_its_properties():
    done = review(QUEUE)
    (finding,) = done.findings
    assert done.kinds[finding] == "queue-without-dlq" and finding.rule == RULE_OF["queue-without-dlq"]
    assert finding.resources == ("Orders",) and finding.problem == "single-point-of-failure"
    assert finding.path == "Resources/Orders/Properties/RedrivePolicy"
    assert (finding.line, finding.column) == (4, 5)  # RedrivePolicy is not written: its parent, Properties
    assert "Orders" in finding.message and "RedrivePolicy" in finding.fix


def test_a_queue_with_a_dlq_and_the_dlq_itself_are_not_flagged():
    text = """\
Resources:
  Orders:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy: {deadLetterTargetArn: !GetAtt OrdersDlq.Arn, maxReceiveCount: 5}
  OrdersDlq:
    Type: AWS::SQS::Queue
"""
    assert found(text) == []


@pytest.mark.parametrize("holder", [
    "Fn: {Type: AWS::Lambda::Function, Properties: {DeadLetterConfig: {TargetArn: !GetAtt Dlq.Arn}}}",
    "Cfg: {Type: AWS::Lambda::EventInvokeConfig, Properties: {FunctionName: f, Qualifier: $LATEST, "
    "DestinationConfig: {OnFailure: {Destination: !GetAtt Dlq.Arn}}}}",
    "Map: {Type: AWS::Lambda::EventSourceMapping, Properties: {FunctionName: f, EventSourceArn: "
    "'arn:aws:kinesis:us-east-1:123456789012:stream/s', DestinationConfig: {OnFailure: {Destination: !GetAtt Dlq.Arn}}}}",
    "Rule: {Type: AWS::Events::Rule, Properties: {ScheduleExpression: rate(1 hour), Targets: [{Id: t, Arn: "
    "'arn:aws:sns:us-east-1:123456789012:t', DeadLetterConfig: {Arn: !GetAtt Dlq.Arn}}]}}",
    "Sched: {Type: AWS::Scheduler::Schedule, Properties: {ScheduleExpression: rate(1 hour), FlexibleTimeWindow: "
    "{Mode: 'OFF'}, Target: {Arn: x, RoleArn: y, DeadLetterConfig: {Arn: !GetAtt Dlq.Arn}}}}",
    "Sub: {Type: AWS::SNS::Subscription, Properties: {TopicArn: t, Protocol: email, Endpoint: a@b.c, "
    "RedrivePolicy: {deadLetterTargetArn: !GetAtt Dlq.Arn}}}",
    "Pipe: {Type: AWS::Pipes::Pipe, Properties: {RoleArn: r, Source: 'arn:aws:kinesis:us-east-1:1:stream/s', "
    "Target: t, SourceParameters: {KinesisStreamParameters: {StartingPosition: LATEST, DeadLetterConfig: "
    "{Arn: !GetAtt Dlq.Arn}}}}}",
])
def test_a_queue_that_is_where_failures_go_needs_no_dlq_of_its_own(holder):
    text = f"Resources:\n  Dlq: {{Type: AWS::SQS::Queue}}\n  {holder}\n"
    assert "queue-without-dlq" not in kinds(text)


def test_a_dlq_by_its_redrive_allow_policy_or_a_literal_arn():
    text = """\
Resources:
  Parked:
    Type: AWS::SQS::Queue
    Properties: {RedriveAllowPolicy: {redrivePermission: allowAll}}
  Named:
    Type: AWS::SQS::Queue
    Properties: {QueueName: orders-dlq}
  Orders:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy: '{"deadLetterTargetArn": "arn:aws:sqs:us-east-1:123456789012:orders-dlq", "maxReceiveCount": 3}'
"""
    assert found(text) == []


def test_a_dlq_kept_for_a_resource_that_other_parameter_values_create_is_not_flagged():
    text = """\
Parameters:
  Email: {Type: String, Default: ''}
Conditions:
  HasEmail: !Not [!Equals [!Ref Email, '']]
Resources:
  Alarms: {Type: AWS::SNS::Topic}
  AlarmsDlq: {Type: AWS::SQS::Queue}
  EmailSub:
    Type: AWS::SNS::Subscription
    Condition: HasEmail
    Properties: {TopicArn: !Ref Alarms, Protocol: email, Endpoint: !Ref Email,
                 RedrivePolicy: {deadLetterTargetArn: !GetAtt AlarmsDlq.Arn}}
"""
    assert found(text) == []


def test_a_redrive_policy_that_the_defaults_remove_is_no_dlq():
    text = """\
Parameters:
  UseDlq: {Type: String, Default: 'false', AllowedValues: ['true', 'false']}
Conditions:
  WithDlq: !Equals [!Ref UseDlq, 'true']
Resources:
  Orders:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy: !If [WithDlq, {deadLetterTargetArn: !GetAtt Dlq.Arn, maxReceiveCount: 5}, !Ref AWS::NoValue]
  Dlq:
    Type: AWS::SQS::Queue
    Condition: WithDlq
"""
    assert found(text) == [("queue-without-dlq", ("Orders",))]


def test_a_workflow_parks_what_fails_in_its_dead_letter_queue():
    text = """\
Resources:
  Parking: {Type: AWS::SQS::Queue}
  Other: {Type: AWS::SQS::Queue}
  Flow:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      RoleArn: r
      DefinitionSubstitutions: {Parked: !Ref Parking, Out: !Ref Other}
      Definition:
        StartAt: Work
        States:
          Work:
            Type: Task
            Resource: arn:aws:states:::sqs:sendMessage
            Parameters: {QueueUrl: '${Out}', MessageBody.$: $}
            Catch: [{ErrorEquals: [States.ALL], Next: Park}]
            End: true
          Park:
            Type: Task
            Resource: arn:aws:states:::sqs:sendMessage
            Parameters: {QueueUrl: '${Parked}', MessageBody.$: $}
            End: true
"""
    assert found(text) == [("queue-without-dlq", ("Other",))]


# --- asynchronously invoked functions ---------------------------------------------------------------------

FUNCTION = """\
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.13
      Handler: index.handler
      Role: arn:aws:iam::123456789012:role/r
      Code: {ZipFile: 'def handler(e, c): pass'}
"""
ALARM = "  Alarm: {Type: AWS::CloudWatch::Alarm, Properties: {MetricName: Errors, Namespace: AWS/Lambda}}\n"


@pytest.mark.parametrize("invoker, words", [
    ("Topic: {Type: AWS::SNS::Topic, Properties: {Subscription: [{Protocol: lambda, Endpoint: !GetAtt Fn.Arn}]}}",
     "SNS topic Topic"),
    ("Sub: {Type: AWS::SNS::Subscription, Properties: {TopicArn: t, Protocol: lambda, Endpoint: !GetAtt Fn.Arn}}",
     "SNS subscription Sub"),
    ("Rule: {Type: AWS::Events::Rule, Properties: {ScheduleExpression: rate(1 hour), Targets: [{Id: f, "
     "Arn: !GetAtt Fn.Arn, DeadLetterConfig: {Arn: x}}]}}", "EventBridge rule Rule"),
    ("Sched: {Type: AWS::Scheduler::Schedule, Properties: {ScheduleExpression: rate(1 hour), FlexibleTimeWindow: "
     "{Mode: 'OFF'}, Target: {Arn: !GetAtt Fn.Arn, RoleArn: r}}}", "EventBridge Scheduler schedule Sched"),
    ("Bucket: {Type: AWS::S3::Bucket, Properties: {NotificationConfiguration: {LambdaConfigurations: "
     "[{Event: 's3:ObjectCreated:*', Function: !GetAtt Fn.Arn}]}}}", "event notifications of S3 bucket Bucket"),
    ("Perm: {Type: AWS::Lambda::Permission, Properties: {Action: lambda:InvokeFunction, FunctionName: !Ref Fn, "
     "Principal: s3.amazonaws.com}}", "s3 (permission Perm)"),
    ("Cfg: {Type: AWS::Lambda::EventInvokeConfig, Properties: {FunctionName: other, Qualifier: $LATEST, "
     "DestinationConfig: {OnSuccess: {Destination: !GetAtt Fn.Arn}}}}", "destination of function Cfg"),
])
def test_an_asynchronously_invoked_function_without_dlq_is_flagged(invoker, words):
    done = review(f"Resources:\n{FUNCTION}{ALARM}  {invoker}\n")
    (finding,) = done.findings
    assert done.kinds[finding] == "async-function-without-dlq" and finding.resources == ("Fn",)
    assert finding.path == "Resources/Fn/Properties/DeadLetterConfig" and words in finding.message


@pytest.mark.parametrize("handling", [
    "      DeadLetterConfig: {TargetArn: !GetAtt Dlq.Arn}\n",
    "",  # with the invoke config below
])
def test_a_dlq_or_an_on_failure_destination_is_enough(handling):
    config = "" if handling else ("  Cfg: {Type: AWS::Lambda::EventInvokeConfig, Properties: {FunctionName: !Ref Fn, "
                                  "Qualifier: $LATEST, DestinationConfig: {OnFailure: {Destination: !GetAtt Dlq.Arn}}}}\n")
    text = (f"Resources:\n{FUNCTION}{handling}{ALARM}{config}  Dlq: {{Type: AWS::SQS::Queue}}\n"
            "  Sub: {Type: AWS::SNS::Subscription, Properties: {TopicArn: t, Protocol: lambda, Endpoint: !GetAtt Fn.Arn}}\n")
    assert found(text) == []


def test_synchronous_invokers_need_no_dlq():
    text = f"""\
Resources:
{FUNCTION}{ALARM}  Perm: {{Type: AWS::Lambda::Permission, Properties: {{Action: lambda:InvokeFunction, FunctionName: !Ref Fn,
                                                                    Principal: apigateway.amazonaws.com}}}}
  Queue:
    Type: AWS::SQS::Queue
    Properties: {{RedrivePolicy: {{deadLetterTargetArn: !GetAtt Dlq.Arn, maxReceiveCount: 5}}}}
  Dlq: {{Type: AWS::SQS::Queue}}
  Map: {{Type: AWS::Lambda::EventSourceMapping, Properties: {{FunctionName: !Ref Fn, EventSourceArn: !GetAtt Queue.Arn}}}}
  Url: {{Type: AWS::Lambda::Url, Properties: {{AuthType: AWS_IAM, TargetFunctionArn: !GetAtt Fn.Arn}}}}
"""
    assert found(text) == []


# --- stream sources ---------------------------------------------------------------------------------------

STREAM = """\
Resources:
  Stream: {Type: AWS::Kinesis::Stream, Properties: {ShardCount: 1}}
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
      StreamSpecification: {StreamViewType: NEW_IMAGE}
      PointInTimeRecoverySpecification: {PointInTimeRecoveryEnabled: true}
  Failed: {Type: AWS::SQS::Queue}
"""


@pytest.mark.parametrize("source", ["!GetAtt Stream.Arn", "!GetAtt Table.StreamArn",
                                    "arn:aws:kinesis:us-east-1:123456789012:stream/other"])
def test_a_stream_mapping_without_on_failure_is_flagged_on_the_mapping(source):
    text = STREAM + FUNCTION + ALARM + f"""\
  Map:
    Type: AWS::Lambda::EventSourceMapping
    Properties: {{FunctionName: !Ref Fn, EventSourceArn: {source}, StartingPosition: LATEST}}
"""
    done = review(text)
    flagged = [(f.resources, f.path, f.message) for f in done.findings
               if done.kinds[f] == "stream-source-without-on-failure"]
    assert [f[:2] for f in flagged] == [(("Map",), "Resources/Map/Properties/DestinationConfig")]
    assert "function Fn" in flagged[0][2]


def test_a_stream_mapping_with_on_failure_and_a_queue_mapping_are_not_flagged():
    text = STREAM + FUNCTION + ALARM + """\
  Map:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      FunctionName: !Ref Fn
      EventSourceArn: !GetAtt Stream.Arn
      StartingPosition: LATEST
      DestinationConfig: {OnFailure: {Destination: !GetAtt Failed.Arn}}
  Work:
    Type: AWS::SQS::Queue
    Properties: {RedrivePolicy: {deadLetterTargetArn: !GetAtt Failed.Arn, maxReceiveCount: 5}}
  FromQueue:
    Type: AWS::Lambda::EventSourceMapping
    Properties: {FunctionName: !Ref Fn, EventSourceArn: !GetAtt Work.Arn}
"""
    assert found(text) == []


def test_a_pipe_from_a_stream_needs_a_dead_letter_config():
    pipe = """\
  Pipe:
    Type: AWS::Pipes::Pipe
    Properties:
      RoleArn: r
      Source: !GetAtt Table.StreamArn
      Target: !Ref Topic
      SourceParameters:
        DynamoDBStreamParameters: {StartingPosition: LATEST%s}
  Topic: {Type: AWS::SNS::Topic}
"""
    # Without its pipe's reference, Failed is an ordinary queue with no dead-letter queue of its own.
    assert found(STREAM + pipe % "") == [("queue-without-dlq", ("Failed",)),
                                         ("stream-source-without-on-failure", ("Pipe",))]
    assert found(STREAM + pipe % ", DeadLetterConfig: {Arn: !GetAtt Failed.Arn}") == []


# --- tables -----------------------------------------------------------------------------------------------

TABLE = """\
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
%s"""


@pytest.mark.parametrize("props, expected", [
    ("      BillingMode: PAY_PER_REQUEST\n", {"table-without-pitr"}),
    ("      BillingMode: PAY_PER_REQUEST\n      PointInTimeRecoverySpecification: {PointInTimeRecoveryEnabled: true}\n",
     set()),
    ("      BillingMode: PAY_PER_REQUEST\n      PointInTimeRecoverySpecification: {PointInTimeRecoveryEnabled: 'true'}\n",
     set()),
    ("      BillingMode: PAY_PER_REQUEST\n      PointInTimeRecoverySpecification: {PointInTimeRecoveryEnabled: false}\n",
     {"table-without-pitr"}),
    ("      ProvisionedThroughput: {ReadCapacityUnits: 5, WriteCapacityUnits: 10}\n"
     "      PointInTimeRecoverySpecification: {PointInTimeRecoveryEnabled: true}\n", {"table-fixed-capacity"}),
])
def test_tables(props, expected):
    assert kinds(TABLE % props) == expected


def test_fixed_capacity_names_the_units_and_the_problem():
    done = review(TABLE % "      ProvisionedThroughput: {ReadCapacityUnits: 5, WriteCapacityUnits: 10}\n"
                         "      PointInTimeRecoverySpecification: {PointInTimeRecoveryEnabled: true}\n")
    (finding,) = done.findings
    assert "5 read and 10 write units" in finding.message and finding.problem in ("scalability-issues",
                                                                                  "cost-inefficiency")
    assert finding.path == "Resources/Orders/Properties/ProvisionedThroughput" and finding.line == 7


@pytest.mark.parametrize("resource_id", ["!Sub 'table/${Orders}'", "table/orders", "!Join ['/', [table, !Ref Orders]]"])
def test_auto_scaled_capacity_is_not_fixed(resource_id):
    text = TABLE % ("      TableName: orders\n      ProvisionedThroughput: {ReadCapacityUnits: 5, WriteCapacityUnits: 5}\n"
                    "      PointInTimeRecoverySpecification: {PointInTimeRecoveryEnabled: true}\n") + f"""\
  Scaling:
    Type: AWS::ApplicationAutoScaling::ScalableTarget
    Properties:
      ServiceNamespace: dynamodb
      ScalableDimension: dynamodb:table:WriteCapacityUnits
      ResourceId: {resource_id}
      MinCapacity: 5
      MaxCapacity: 100
"""
    assert found(text) == []


def test_a_parameter_without_a_value_is_not_judged():
    text = TABLE % ("      BillingMode: PAY_PER_REQUEST\n"
                    "      PointInTimeRecoverySpecification: {PointInTimeRecoveryEnabled: !Ref Pitr}\n")
    assert found("Parameters:\n  Pitr: {Type: String}\n" + text) == []


GLOBAL = """\
Resources:
  Global:
    Type: AWS::DynamoDB::GlobalTable
    Properties:
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
      BillingMode: PROVISIONED
      WriteProvisionedThroughputSettings:
        WriteCapacityAutoScalingSettings: {MinCapacity: 5, MaxCapacity: 50, TargetTrackingScalingPolicyConfiguration: {TargetValue: 70}}
      Replicas:
        - Region: us-east-1
          ReadProvisionedThroughputSettings: {%s}
          %s
        - Region: us-west-2
          ReadProvisionedThroughputSettings: {ReadCapacityAutoScalingSettings: {MinCapacity: 5, MaxCapacity: 50, TargetTrackingScalingPolicyConfiguration: {TargetValue: 70}}}
"""
SCALED_READS = "ReadCapacityAutoScalingSettings: {MinCapacity: 5, MaxCapacity: 50, " \
               "TargetTrackingScalingPolicyConfiguration: {TargetValue: 70}}"
PITR = "PointInTimeRecoverySpecification: {PointInTimeRecoveryEnabled: true}"


def test_global_tables():
    assert found(GLOBAL % (SCALED_READS, PITR)) == []
    assert found(GLOBAL % (SCALED_READS, "ContributorInsightsSpecification: {Enabled: false}")) == [
        ("table-without-pitr", ("Global",))]
    assert found(GLOBAL % ("ReadCapacityUnits: 5", PITR)) == [("table-fixed-capacity", ("Global",))]


# --- compute, alarms, servers, single instances --------------------------------------------------------------


def test_compute_without_any_alarm_is_one_template_level_finding_naming_each():
    text = f"Resources:\n{FUNCTION}{FUNCTION.replace('Fn:', 'Other:')}"
    done = review(text)
    (finding,) = done.findings
    assert done.kinds[finding] == "compute-without-alarm" and finding.resources == ("Fn", "Other")
    assert finding.problem == "limited-monitoring-governance" and "Fn, Other" in finding.message
    assert finding.path == "Resources" and finding.line == 2  # the template's, at its first compute
    assert found(text + ALARM) == []
    assert found(text.replace("AWS::Lambda::Function", "AWS::StepFunctions::StateMachine")) == []


INSTANCE = """\
  Server:
    Type: AWS::EC2::Instance
    Properties: {ImageId: ami-12345678, InstanceType: t3.micro}
"""


def test_a_lone_instance_is_a_server_and_a_single_point_of_failure():
    done = review("Resources:\n" + INSTANCE + ALARM)
    assert [(done.kinds[f], f.resources, f.severity) for f in done.findings] == [
        ("servers-where-managed-would-do", ("Server",), "note"),
        ("single-instance-or-single-az-db", ("Server",), "warning")]


def test_two_instances_behind_a_target_group_are_not_single():
    text = "Resources:\n" + INSTANCE + INSTANCE.replace("Server:", "Second:") + ALARM + """\
  Group:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties: {Port: 80, Protocol: HTTP, VpcId: vpc-1, Targets: [{Id: !Ref Server}, {Id: !Ref Second}]}
"""
    assert kinds(text) == {"servers-where-managed-would-do"}


@pytest.mark.parametrize("props, single", [
    ("MinSize: '1', MaxSize: '3', VPCZoneIdentifier: [subnet-a, subnet-b]", True),
    ("MinSize: '2', MaxSize: '3', VPCZoneIdentifier: [subnet-a]", True),
    ("MinSize: '2', MaxSize: '3', VPCZoneIdentifier: [subnet-a, subnet-b]", False),
])
def test_auto_scaling_groups(props, single):
    text = f"Resources:\n{ALARM}  Web:\n    Type: AWS::AutoScaling::AutoScalingGroup\n    Properties: {{{props}}}\n"
    expected = {"servers-where-managed-would-do"} | ({"single-instance-or-single-az-db"} if single else set())
    assert kinds(text) == expected


@pytest.mark.parametrize("text, flagged", [
    ("  Db: {Type: AWS::RDS::DBInstance, Properties: {Engine: mysql, DBInstanceClass: db.t3.micro}}\n", ("Db",)),
    ("  Db: {Type: AWS::RDS::DBInstance, Properties: {Engine: mysql, DBInstanceClass: db.t3.micro, MultiAZ: 'true'}}\n",
     None),
    ("  Db: {Type: AWS::RDS::DBInstance, Properties: {Engine: mysql, DBInstanceClass: db.t3.micro, MultiAZ: true}}\n"
     "  Replica: {Type: AWS::RDS::DBInstance, Properties: {SourceDBInstanceIdentifier: !Ref Db, "
     "DBInstanceClass: db.t3.micro}}\n", None),
    ("  Cluster: {Type: AWS::RDS::DBCluster, Properties: {Engine: aurora-postgresql}}\n"
     "  One: {Type: AWS::RDS::DBInstance, Properties: {DBClusterIdentifier: !Ref Cluster, DBInstanceClass: db.r6g.large, "
     "Engine: aurora-postgresql}}\n", ("Cluster",)),
    ("  Cluster: {Type: AWS::RDS::DBCluster, Properties: {Engine: aurora-postgresql}}\n"
     "  One: {Type: AWS::RDS::DBInstance, Properties: {DBClusterIdentifier: !Ref Cluster, DBInstanceClass: db.r6g.large, "
     "Engine: aurora-postgresql}}\n"
     "  Two: {Type: AWS::RDS::DBInstance, Properties: {DBClusterIdentifier: !Ref Cluster, DBInstanceClass: db.r6g.large, "
     "Engine: aurora-postgresql}}\n", None),
])
def test_databases(text, flagged):
    expected = [("single-instance-or-single-az-db", flagged)] if flagged else []
    assert found("Resources:\n" + text) == expected


# --- a well-built template gets none ---------------------------------------------------------------------

WELL_BUILT = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Ingest:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy: {deadLetterTargetArn: !GetAtt IngestDlq.Arn, maxReceiveCount: 5}
  IngestDlq: {Type: AWS::SQS::Queue}
  Failures: {Type: AWS::SQS::Queue}
  Events: {Type: AWS::SNS::Topic}
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
      StreamSpecification: {StreamViewType: NEW_IMAGE}
      PointInTimeRecoverySpecification: {PointInTimeRecoveryEnabled: true}
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      CodeUri: src/
      DeadLetterQueue: {Type: SQS, TargetArn: !GetAtt Failures.Arn}
      Events:
        FromQueue: {Type: SQS, Properties: {Queue: !GetAtt Ingest.Arn}}
        FromTopic: {Type: SNS, Properties: {Topic: !Ref Events}}
        Changes:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt Orders.StreamArn
            StartingPosition: LATEST
            DestinationConfig: {OnFailure: {Destination: !GetAtt Failures.Arn}}
        Api: {Type: Api, Properties: {Path: /orders, Method: get}}
  WorkerErrors:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Namespace: AWS/Lambda
      MetricName: Errors
      Dimensions: [{Name: FunctionName, Value: !Ref Worker}]
      Statistic: Sum
      Period: 60
      EvaluationPeriods: 1
      Threshold: 1
      ComparisonOperator: GreaterThanOrEqualToThreshold
"""


def test_a_well_built_template_gets_no_finding_and_no_question():
    findings, questions = check(parse_template(WELL_BUILT.encode(), "t.yaml"))
    assert findings == () and questions == ()


# --- SAM --------------------------------------------------------------------------------------------------


def test_sam_findings_name_the_sam_resources_and_their_events():
    text = WELL_BUILT.replace("      DeadLetterQueue: {Type: SQS, TargetArn: !GetAtt Failures.Arn}\n", "").replace(
        "            DestinationConfig: {OnFailure: {Destination: !GetAtt Failures.Arn}}\n", "")
    done = review(text)
    got = sorted((done.kinds[f], f.resources, f.path) for f in done.findings)
    assert got == [
        ("async-function-without-dlq", ("Worker",), "Resources/Worker/Properties/DeadLetterConfig"),
        # Failures is no longer anyone's dead-letter queue.
        ("queue-without-dlq", ("Failures",), "Resources/Failures/Properties/RedrivePolicy"),
        ("stream-source-without-on-failure", ("Worker",), "Resources/Worker/Properties/Events/Changes/Properties/"
                                                          "DestinationConfig"),
    ]
    async_finding = next(f for f in done.findings if done.kinds[f] == "async-function-without-dlq")
    assert "SNS subscription of its event FromTopic" in async_finding.message
    for finding in done.findings:  # every position of the function's findings is in the SAM resource as written
        if finding.resources == ("Worker",):
            assert 19 <= finding.line <= 34


def test_a_sam_function_with_local_code_is_reviewed():
    text = ("Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
            "    Properties: {Runtime: python3.13, Handler: app.handler, CodeUri: ./src/fn}\n")
    template = parse_template(text.encode(), "t.yaml")
    assert template.resources["Fn"].props["Code"] == {"S3Bucket": "local-artifacts", "S3Key": "src/fn"}
    assert found(text) == [("compute-without-alarm", ("Fn",))]


def test_sam_event_invoke_config_and_a_simple_table():
    text = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Failures: {Type: AWS::SQS::Queue}
  Table: {Type: AWS::Serverless::SimpleTable}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      InlineCode: 'def handler(e, c): pass'
      EventInvokeConfig:
        DestinationConfig: {OnFailure: {Type: SQS, Destination: !GetAtt Failures.Arn}}
      Events:
        Nightly: {Type: Schedule, Properties: {Schedule: rate(1 day)}}
"""
    # The simple table is on demand; it has no point-in-time recovery.
    assert found(text) == [("table-without-pitr", ("Table",)), ("compute-without-alarm", ("Fn",))]


# --- synchronous chains and traffic -------------------------------------------------------------------------

CHAIN = """\
Resources:
  Api: {Type: AWS::ApiGateway::RestApi, Properties: {Name: api}}
  Get:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !GetAtt Api.RootResourceId
      HttpMethod: GET
      AuthorizationType: AWS_IAM
      Integration:
        Type: AWS_PROXY
        IntegrationHttpMethod: POST
        Uri: !Sub 'arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Front.Arn}/invocations'
  Front:
    Type: AWS::Lambda::Function
    Properties: {Runtime: python3.13, Handler: i.h, Role: !GetAtt FrontRole.Arn, Code: {ZipFile: x}%s}
  FrontRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {}
      Policies:
        - PolicyName: call
          PolicyDocument:
            Statement:
              - {Effect: Allow, Action: lambda:InvokeFunction, Resource: !GetAtt Back.Arn}
  Back:
    Type: AWS::Lambda::Function
    Properties: {Runtime: python3.13, Handler: i.h, Role: arn:aws:iam::123456789012:role/r, Code: {ZipFile: x}}
""" + ALARM


def test_a_synchronous_chain_is_a_question_without_traffic():
    done = review(CHAIN % "")
    assert done.findings == ()
    (question,) = done.questions
    assert question.kind == "synchronous-chain" and question.rule == RULE_OF["synchronous-chain"]
    assert question.resources == ("Front", "Back") and "Api → Front → Back" in question.text
    assert question.as_json()["question"] == question.text


def test_a_synchronous_chain_is_judged_against_the_peak():
    # Front waits for Back: at 100 ms each, every request holds 0.3 s of concurrency (0.2 in Front, 0.1 in Back).
    assert found(CHAIN % "", {"peak_requests_per_second": 3000}) == []  # 900 concurrent executions
    done = review(CHAIN % "", {"peak_requests_per_second": 4000})  # 1,200 concurrent executions
    (finding,) = done.findings
    assert done.kinds[finding] == "synchronous-chain" and done.questions == ()
    assert "1,200 concurrent executions" in finding.message and f"{ACCOUNT_CONCURRENCY:,}" in finding.message
    assert finding.resources == ("Front", "Back") and finding.path == "Resources/Front/Properties/Role"
    # A function's reserved concurrency is its limit: 20 requests a second at 500 ms hold 20 of Front's 10.
    reserved = CHAIN % ", ReservedConcurrentExecutions: 10"
    done = review(reserved, {"peak_requests_per_second": 20, "request_duration_ms": 500})
    assert [done.kinds[f] for f in done.findings] == ["synchronous-chain"]
    assert "Front's reserved concurrency of 10" in done.findings[0].message


def test_an_api_to_one_function_is_no_chain():
    text = CHAIN.replace("Resource: !GetAtt Back.Arn", "Resource: arn:aws:sns:us-east-1:123456789012:t")
    done = review(text % "", {"peak_requests_per_second": 1_000_000})
    assert done.findings == () and done.questions == ()


def test_a_sam_api_chain_through_a_policy_template():
    text = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Front:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      CodeUri: src/
      Policies: [{LambdaInvokePolicy: {FunctionName: !Ref Back}}]
      Events:
        Get: {Type: Api, Properties: {Path: /, Method: get}}
  Back:
    Type: AWS::Serverless::Function
    Properties: {Runtime: python3.13, Handler: app.handler, CodeUri: src/}
"""
    done = review(text)
    assert [q.resources for q in done.questions] == [("Front", "Back")]


# --- suppressions -----------------------------------------------------------------------------------------

SUPPRESSED = """\
Resources:
  Orders:
    Type: AWS::SQS::Queue
    Metadata:
      advisor:
        ignore:
          - {rule: %s}
"""


def test_a_suppression_with_a_reason_takes_the_finding_out_of_force():
    rule = RULE_OF["queue-without-dlq"]
    done = review(SUPPRESSED % f"{rule}, reason: drained by a nightly batch that alerts on its own")
    (finding,) = done.findings
    assert not finding.in_force and finding.suppressed_by.reason.startswith("drained")
    assert finding.suppressed_by.path == "Resources/Orders/Metadata/advisor/ignore/0"
    assert (finding.suppressed_by.line, finding.suppressed_by.column) == (7, 13)


def test_a_suppression_without_a_reason_is_itself_a_finding_and_suppresses_nothing():
    rule = RULE_OF["queue-without-dlq"]
    done = review(SUPPRESSED % rule)
    assert sorted(done.kinds.values()) == ["queue-without-dlq", "unjustified-suppression"]
    queue = next(f for f in done.findings if done.kinds[f] == "queue-without-dlq")
    assert queue.in_force and queue.suppressed_by is not None and not queue.suppressed_by.accepted
    bad = next(f for f in done.findings if done.kinds[f] == "unjustified-suppression")
    assert bad.rule == RULE_OF["unjustified-suppression"] and bad.resources == ("Orders",)
    assert f"gives no reason for setting {rule} aside" in bad.message and bad.line == 7


@pytest.mark.parametrize("item, words", [
    ("ADV-R07, reason: legacy", "it names 'ADV-R07', which is no rule (rule ids look like ADV-R007); did you mean"),
    # One edit from ADV-R007 (two digits swapped) and from ADV-R020 (one digit): either is the hint.
    ("ADV-R070, reason: legacy", "it names 'ADV-R070', which is no rule; did you mean 'ADV-R0"),
])
def test_a_suppression_of_an_unknown_rule_is_a_finding_with_a_hint(item, words):
    done = review(SUPPRESSED % item)
    bad = [f for f in done.findings if done.kinds[f] == "unjustified-suppression"]
    assert len(bad) == 1 and words in bad[0].message
    assert [f.in_force for f in done.findings if done.kinds[f] == "queue-without-dlq"] == [True]


@pytest.mark.parametrize("metadata, words", [
    ("advisor: {ignores: []}", "unknown key 'ignores' (did you mean 'ignore'?)"),
    ("advisor: {ignore: ADV-R007}", "ignore is not a list"),
    ("advisor: {ignore: [ADV-R007]}", "an ignore item is a mapping"),
    ("advisor: {ignore: [{rule: ADV-R007, reason: x, reasn: y}]}", "unknown key 'reasn' (did you mean 'reason'?)"),
    ("advisor: [ADV-R007]", "Metadata.advisor is not a mapping"),
])
def test_a_malformed_suppression_is_a_finding(metadata, words):
    text = f"Resources:\n  Orders:\n    Type: AWS::SQS::Queue\n    Metadata:\n      {metadata}\n"
    done = review(text)
    assert any(done.kinds[f] == "unjustified-suppression" and words in f.message for f in done.findings), \
        [f.message for f in done.findings]


def test_a_suppression_is_for_its_resource_and_its_rule_only():
    rule = RULE_OF["queue-without-dlq"]
    text = (SUPPRESSED % f"{rule}, reason: drained by a batch job") + "  Invoices: {Type: AWS::SQS::Queue}\n"
    done = review(text)
    assert [(f.resources, f.in_force) for f in done.findings] == [(("Orders",), False), (("Invoices",), True)]
    other = review(SUPPRESSED % f"{RULE_OF['table-without-pitr']}, reason: no table here")
    assert [f.in_force for f in other.findings] == [True]


def test_a_listing_finding_drops_the_resources_that_suppress_it():
    rule = RULE_OF["compute-without-alarm"]
    quiet = FUNCTION.replace("    Properties:", f"    Metadata: {{advisor: {{ignore: [{{rule: {rule}, reason: "
                                              "'a smoke test, watched by its caller'}]}}\n    Properties:")
    done = review("Resources:\n" + quiet + FUNCTION.replace("Fn:", "Other:"))
    (finding,) = done.findings
    assert finding.resources == ("Other",) and finding.in_force and "(Other)" in finding.message
    both = review("Resources:\n" + quiet + quiet.replace("Fn:", "Other:"))
    (finding,) = both.findings
    assert finding.resources == ("Fn", "Other") and not finding.in_force


def test_a_suppression_on_a_sam_resource_applies_to_what_it_generates():
    rule = RULE_OF["stream-source-without-on-failure"]
    text = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Stream: {Type: AWS::Kinesis::Stream, Properties: {ShardCount: 1}}
  Fn:
    Type: AWS::Serverless::Function
    Metadata:
      advisor:
        ignore: [{rule: %s, reason: replays from the stream's archive}]
    Properties:
      Runtime: python3.13
      Handler: app.handler
      CodeUri: src/
      Events:
        Records: {Type: Kinesis, Properties: {Stream: !GetAtt Stream.Arn, StartingPosition: LATEST}}
""" % rule
    done = review(text)
    stream = [f for f in done.findings if done.kinds[f] == "stream-source-without-on-failure"]
    assert len(stream) == 1 and not stream[0].in_force


# --- what the findings are for ----------------------------------------------------------------------------


def test_findings_are_in_template_order_and_the_same_every_run():
    text = "Resources:\n" + INSTANCE + QUEUE.split("Resources:\n")[1] + TABLE.split("Resources:\n")[1].replace(
        "Orders:", "Invoices:") % "      BillingMode: PAY_PER_REQUEST\n"
    first = review(text)
    assert [f.line for f in first.findings] == sorted(f.line for f in first.findings)
    assert review(text).findings == first.findings


def test_every_finding_has_a_sarif_rule():
    text = "Resources:\n" + INSTANCE + QUEUE.split("Resources:\n")[1] + (SUPPRESSED % "ADV-R070").split(
        "Resources:\n")[1].replace("Orders", "Parked")
    from advisor.catalog import load_catalog

    findings, _ = check(parse_template(text.encode(), "t.yaml"))
    log = sarif_log(findings, template="t.yaml", rules=RULES, catalog=load_catalog())
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == [f.rule for f in findings]
    assert sorted(f.rule for f in findings) == sorted(RULE_OF[k] for k in (
        "compute-without-alarm", "servers-where-managed-would-do", "single-instance-or-single-az-db",
        "queue-without-dlq", "queue-without-dlq", "unjustified-suppression"))
