"""The template loader of `advisor review`: CloudFormation as it would deploy, with positions, bounded."""

from __future__ import annotations

import json

import pytest

from advisor.review.template import (NO_VALUE, Fn, GetAtt, Ref, TemplateError, Text, parse_template, plain,
                                     references)


def load(text: str, **kwargs):
    return parse_template(text.encode(), "t.yaml", **kwargs)


def error_of(text: str | bytes, **kwargs) -> str:
    data = text.encode() if isinstance(text, str) else text
    with pytest.raises(TemplateError) as caught:
        parse_template(data, "t.yaml", **kwargs)
    return "\n".join(caught.value.lines())


SHORT_FORMS = """\
AWSTemplateFormatVersion: 2010-09-09
Parameters:
  Stage: {Type: String, Default: prod}
  Memory: {Type: Number, Default: '512'}
  Subnets: {Type: CommaDelimitedList, Default: 'a,b,c'}
  Key: {Type: String}
Mappings:
  Sizes:
    prod: {memory: 1024}
    dev: {memory: 256}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  NotProd: !Not [!Condition IsProd]
  Both: !And [!Condition IsProd, !Equals [!Ref 'AWS::Region', eu-west-1]]
  Either: !Or [!Condition NotProd, !Condition Both]
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub '${AWS::StackName}-${Stage}-q'
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt Dlq.Arn
        maxReceiveCount: !If [IsProd, 5, 2]
      DelaySeconds: !If [NotProd, 10, !Ref AWS::NoValue]
      Tags:
        - {Key: a, Value: !Join ['-', [x, !Select [1, !Ref Subnets], !Select [0, !Split [',', 'p,q']]]]}
        - !If [NotProd, {Key: b, Value: c}, !Ref AWS::NoValue]
  Dlq:
    Type: AWS::SQS::Queue
    Condition: IsProd
  Debug:
    Type: AWS::SQS::Queue
    Condition: NotProd
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      MemorySize: !FindInMap [Sizes, !Ref Stage, memory]
      Timeout: !Ref Memory
      KmsKeyArn: !Ref Key
      Environment:
        Variables:
          QUEUE: !Ref Queue
          URL: !Sub
            - 'https://${Host}/${Queue.QueueName}'
            - Host: !ImportValue shared-host
          AZ: !Select [0, !GetAZs '']
          CODE: !Base64 hello
          COUNT: !Length [1, 2, 3]
          LITERAL: !Sub '${!NotAVariable}'
"""


def test_short_form_intrinsics_evaluate_as_cloudformation_would():
    t = load(SHORT_FORMS)
    assert t.conditions == {"IsProd": True, "NotProd": False, "Both": False, "Either": False}
    assert list(t.resources) == ["Queue", "Dlq", "Fn"]
    assert list(t.dropped) == ["Debug"]
    queue = t.resources["Queue"].props
    assert queue["QueueName"] == Text((Ref("AWS::StackName"), "-prod-q"))
    assert queue["RedrivePolicy"] == {"deadLetterTargetArn": GetAtt("Dlq", "Arn"), "maxReceiveCount": 5}
    assert "DelaySeconds" not in queue  # AWS::NoValue removes the key
    assert queue["Tags"] == [{"Key": "a", "Value": "x-b-p"}]  # ... and the list item
    fn = t.resources["Fn"].props
    assert fn["MemorySize"] == 1024 and fn["Timeout"] == 512
    assert fn["KmsKeyArn"] == Ref("Key")  # a parameter without a default stays unknown
    variables = fn["Environment"]["Variables"]
    assert variables["QUEUE"] == Ref("Queue")
    assert variables["URL"] == Text(("https://", Fn("Fn::ImportValue", "shared-host"), "/",
                                     GetAtt("Queue", "QueueName")))
    assert variables["AZ"] == Fn("Fn::Select", [0, Fn("Fn::GetAZs", "")])
    assert variables["CODE"] == Fn("Fn::Base64", "hello")
    assert variables["COUNT"] == 3
    assert variables["LITERAL"] == "${NotAVariable}"
    assert sorted(references(fn), key=str) == [("Key", None), ("Queue", "QueueName"), ("Queue", None)]
    assert t.parameters["Stage"].source == "default" and t.parameters["Key"].source == "none"


def test_given_parameters_and_region_change_what_deploys():
    t = load(SHORT_FORMS, parameters={"Stage": "dev"}, region="eu-west-1")
    assert t.conditions["NotProd"] and not t.conditions["IsProd"]
    assert list(t.resources) == ["Queue", "Debug", "Fn"]
    assert t.resources["Queue"].props["DelaySeconds"] == 10
    assert t.resources["Queue"].props["RedrivePolicy"]["maxReceiveCount"] == 2
    assert "unknown" not in " ".join(t.warnings)
    assert "no parameter Nope" in error_of(SHORT_FORMS, parameters={"Nope": "x"})


def test_positions_point_at_the_written_key_even_through_fn_if():
    t = load(SHORT_FORMS)
    queue = t.resources["Queue"]
    assert (queue.line, queue.column) == (17, 3)
    assert queue.where("Properties", "RedrivePolicy", "maxReceiveCount") == (23, 9)
    assert queue.where("Properties", "RedrivePolicy", "no-such-key") == (21, 7)
    assert queue.where("Properties", "Tags", 0, "Value") == (26, 20)
    assert queue.get("RedrivePolicy", "maxReceiveCount") == 5 and queue.get("Nope", default=1) == 1


def test_json_templates_keep_positions_and_json_numbers():
    doc = {"Resources": {"Table": {"Type": "AWS::DynamoDB::Table", "Properties": {
        "ProvisionedThroughput": {"ReadCapacityUnits": 1e1, "WriteCapacityUnits": 5},
        "TableName": {"Fn::Join": ["", [{"Ref": "AWS::StackName"}, "-\U0001F600"]]},
        "Other": {"Fn::GetAtt": ["Table", "Arn"]}}}}}
    text = json.dumps(doc, indent="\t")  # tabs, and the emoji escaped as a surrogate pair
    assert "\\ud83d\\ude00" in text
    t = parse_template(text.encode(), "t.json")
    assert t.format == "json"
    table = t.resources["Table"]
    assert table.props["ProvisionedThroughput"] == {"ReadCapacityUnits": 10.0, "WriteCapacityUnits": 5}
    assert table.props["TableName"] == Text((Ref("AWS::StackName"), "-\U0001F600"))
    assert table.props["Other"] == GetAtt("Table", "Arn")
    assert table.where("Properties", "ProvisionedThroughput", "WriteCapacityUnits") == (8, 6)
    assert plain(table.props["TableName"]) == {"Fn::Sub": "${AWS::StackName}-\U0001F600"}


def test_a_condition_on_a_value_known_only_at_deploy_time_is_false_with_a_warning():
    t = load("Parameters: {P: {Type: String}}\nConditions:\n  C: !Equals [!Ref P, x]\n"
             "Resources:\n  Q: {Type: AWS::SQS::Queue, Condition: C}\n")
    assert not t.resources and list(t.dropped) == ["Q"]
    assert any("known only at deploy time" in w for w in t.warnings)


@pytest.mark.parametrize(("text", "where", "words"), [
    ("- a\n- b\n", "t.yaml:1:1", "a mapping with a Resources section"),
    ("AWSTemplateFormatVersion: '2010-09-09'\n", "t.yaml:1:1", "no Resources section"),
    ("Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: !Foo x\n", "t.yaml:4:17", "tag '!Foo' is not allowed"),
    ("Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: {A: {'Fn::Nope': 1}}\n", "t.yaml:4:21",
     "unknown intrinsic function Fn::Nope"),
    ("Resources:\n  Q: {Type: AWS::SQS::Queue, Properties: {A: !If [Missing, 1, 2]}}\n", "t.yaml:2:51",
     "no condition named 'Missing'"),
    ("Conditions:\n  A: !Condition B\n  B: !Condition A\nResources:\n  Q: {Type: AWS::SQS::Queue, Condition: A}\n",
     "t.yaml:2:6", "condition A depends on itself"),
    ("Resources:\n  Q: {Properties: {}}\n", "t.yaml:2:3", "needs a Type"),
    ("Resources:\n  Q: {Type: AWS::SQS::Queue}\n  Q: {Type: AWS::SQS::Queue}\n", "t.yaml:3:3", "duplicate key 'Q'"),
    ("Resources:\n  Q: {Type: AWS::SQS::Queue, Properties: {A: !Select [5, [1]]}}\n", "t.yaml:2:46",
     "outside the list"),
])
def test_templates_that_cannot_be_read_fail_at_their_line(text, where, words):
    message = error_of(text)
    assert message.startswith(where), message
    assert words in message
    assert "Traceback" not in message


def test_hostile_templates_are_refused_cleanly():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8)) + "Resources: {Q: {Type: AWS::SQS::Queue}}\n"
    assert "after expanding aliases" in error_of(bomb)
    assert "nesting deeper than 100 levels" in error_of("Resources: " + "[" * 150 + "]" * 150 + "\n")
    assert "larger than the 1,048,576 bytes" in error_of("#" * (1024 * 1024 + 1))
    assert "not UTF-8" in error_of(b"Resources:\n  \xff\xfe: x\n")
    assert "control character" in error_of("Resources:\n  Q: \x00\n")
    assert "more than one YAML document" in error_of("Resources: {}\n---\nResources: {}\n")


SAM = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Orders:
    Type: AWS::SQS::Queue
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      InlineCode: "def handler(e, c): pass"
      MemorySize: 512
      Events:
        FromQueue:
          Type: SQS
          Properties: {Queue: !GetAtt Orders.Arn, BatchSize: 5}
"""


def test_sam_templates_expand_offline_and_keep_their_resources_lines():
    t = load(SAM)
    assert t.sam
    assert {r.type for r in t.resources.values()} >= {"AWS::Lambda::Function", "AWS::IAM::Role",
                                                      "AWS::Lambda::EventSourceMapping", "AWS::SQS::Queue"}
    fn = t.resources["Worker"]
    assert fn.props["MemorySize"] == 512 and fn.where("Properties", "MemorySize") == (11, 7)
    mapping = next(r for r in t.resources.values() if r.type == "AWS::Lambda::EventSourceMapping")
    assert (mapping.line, mapping.origin) == (5, "Worker")
    assert mapping.props["EventSourceArn"] == GetAtt("Orders", "Arn") and mapping.props["BatchSize"] == 5
    assert t.resources["Orders"].line == 3


def test_a_sam_template_the_transform_refuses_fails_at_its_resource():
    message = error_of("Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n"
                       "    Properties: {Runtime: python3.12, Events: {E: {Type: Nope}}}\n")
    assert message.startswith("t.yaml:3:3: error: SAM:"), message


def test_no_value_and_plain_helpers():
    assert NO_VALUE is not None
    assert plain({"a": [Ref("X"), GetAtt("Y", "Arn"), Fn("Fn::GetAZs", "")]}) == {
        "a": [{"Ref": "X"}, {"Fn::GetAtt": ["Y", "Arn"]}, {"Fn::GetAZs": ""}]}
