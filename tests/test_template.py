"""The CloudFormation template: cfn-lint clean for every example, problem, requirement and variant;
deterministic; logical ids and resources independent of free text; intrinsics round-trip."""

from __future__ import annotations

import re
import tempfile
from functools import lru_cache
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.catalog import load_catalog
from advisor.engine import recommend
from advisor.render.cfn import (HANDLER_SOURCE, GetAtt, Ref, Sub,
                                build_template, dump_template, emitter,
                                load_template, to_json)
from advisor.render.cfn.emitter import TOP_LEVEL_ORDER
from advisor.render.cfn.intrinsics import (ALL, And, Condition, Equals, GetAZs,
                                           If, Join, Not, Or, Select, Split)
from advisor.render.cfn.naming import LogicalIds, camel
from advisor.services.stepfunctions.blueprint import LOG_DELIVERY
from advisor.workload import load_workload, load_workload_text
from tests.conftest import EXAMPLES, ROOT

CATALOG = load_catalog()

EVERYTHING_AT_ONCE = """\
version: 1
name: all-at-once
description: Every problem and requirement, every subscriber, the tightest DR objectives.
region: us-east-1
problems: [{problems}]
requirements:
  scalability: {{peak_rps: 800}}
  high-availability: {{availability_target: 99.999}}
  decoupling: {{consumers: [billing, shipping-eu, a1]}}
  real-time-updates: {{subscribers: [email, sms, http, mobile-push, sqs, lambda]}}
  cost-optimization: {{monthly_budget_usd: 1250.5}}
  disaster-recovery: {{rpo_minutes: 0.02, rto_minutes: 0, secondary_region: us-west-2}}
  serverless-first: true
  monitoring-governance: {{audit: true, tracing: true, log_retention_days: 90}}
  security: {{auth: cognito, compliance: [pci-dss, hipaa]}}
""".format(problems=", ".join(CATALOG.problems))

VARIANTS = {
    "everything-at-once": EVERYTHING_AT_ONCE,
    "auth-lambda-authorizer": "version: 1\nname: x\nrequirements: {scalability: true, high-availability: true, "
                              "security: {auth: lambda-authorizer}}\n",
    "auth-cognito-sync-only": "version: 1\nname: x\nrequirements: {high-availability: true, security: {auth: cognito}}\n",
    "warm-standby": "version: 1\nname: x\nrequirements: {disaster-recovery: {rpo_minutes: 1, rto_minutes: 10}}\n",
    "multi-site": "version: 1\nname: x\nrequirements: {scalability: true, disaster-recovery: {rpo_minutes: 0.02, rto_minutes: 0}}\n",
    "budget-without-amount": "version: 1\nname: x\nproblems: [limited-monitoring-governance]\n",
    "no-audit-no-tracing": "version: 1\nname: x\nrequirements: {scalability: true, "
                           "monitoring-governance: {audit: false, tracing: false, log_retention_days: 7}}\n",
    "email-and-sms-only": "version: 1\nname: x\nrequirements: {real-time-updates: {subscribers: [email, sms, http]}}\n",
    "decoupling-with-scalability": "version: 1\nname: x\nrequirements: {scalability: true, decoupling: {consumers: [a, b]}}\n",
    "eu-west-1-backup": "version: 1\nname: x\nregion: eu-west-1\nproblems: [disaster-recovery-gaps, scalability-issues, "
                        "no-event-driven-design, complex-integrations, limited-monitoring-governance]\n",
    # A request body larger than an SQS message: the claim check through S3.
    "claim-check": "version: 1\nname: x\nrequirements: {scalability: true, security: true}\n"
                   "traffic: {requests_per_month: 2000000, request_kb: 2048}\n",
    "ap-southeast-1-pilot": "version: 1\nname: x\nregion: ap-southeast-1\nrequirements: {real-time-updates: true, "
                            "disaster-recovery: {rpo_minutes: 5, rto_minutes: 60}, security: true}\n",
}


def _cases() -> dict[str, str]:
    cases = {f"problem:{p}": f"version: 1\nname: x\nproblems: [{p}]\n" for p in CATALOG.problems}
    cases.update({f"requirement:{r}": f"version: 1\nname: x\nrequirements: {{{r}: true}}\n" for r in CATALOG.requirements})
    cases.update({f"variant:{k}": v for k, v in VARIANTS.items()})
    return cases


CASES = _cases()


@lru_cache(maxsize=None)
def _built(case: str):
    if case.startswith("example:"):
        workload = load_workload(case.split(":", 1)[1])
    else:
        workload = load_workload_text(CASES[case], case)
    arch = recommend(workload)
    template = build_template(workload, arch)
    return workload, template, dump_template(template)


ALL_CASES = [f"example:{p}" for p in EXAMPLES] + sorted(CASES)


@pytest.fixture(scope="module")
def runners():
    """One cfn-lint runner per Region, reused for every template (building one costs ~0.5 s)."""
    pytest.importorskip("cfnlint")
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner import Runner

    made = {}

    def get(region: str):
        if region not in made:
            made[region] = Runner(ConfigMixIn(regions=[region]))
        return made[region]
    return get


@pytest.mark.parametrize("case", ALL_CASES, ids=[c.rsplit("/", 1)[-1] for c in ALL_CASES])
def test_cfn_lint_reports_nothing(case, runners):
    from cfnlint.decode.decode import decode_str

    workload, template, text = _built(case)
    decoded, errors = decode_str(text)
    assert not errors, errors
    matches = list(runners(workload.region).validate_template(decoded))
    assert [(m.rule.id, m.message, m.linenumber) for m in matches] == []


@pytest.mark.parametrize("case", ALL_CASES, ids=[c.rsplit("/", 1)[-1] for c in ALL_CASES])
def test_the_recovery_regions_template_lints_clean_for_that_region(case, runners):
    # Every case with a second Region (a DR strategy, a replica for availability): its recovery template too.
    from cfnlint.decode.decode import decode_str

    from advisor.render.cfn.recovery import build_recovery_template

    workload, _, _ = _built(case)
    built = build_recovery_template(workload, recommend(workload))
    if built is None:
        assert "disaster-recovery" not in workload.requirements
        return
    recovery, template = built
    decoded, errors = decode_str(dump_template(template))
    assert not errors, errors
    matches = list(runners(recovery.region).validate_template(decoded))
    assert [(m.rule.id, m.message, m.linenumber) for m in matches] == []


@pytest.mark.parametrize("case", ALL_CASES, ids=[c.rsplit("/", 1)[-1] for c in ALL_CASES])
def test_reservations_leave_the_accounts_unreserved_100(case):
    # AWS keeps 100 of an account's 1,000 default concurrent executions unreserved (Lambda quotas): a stack
    # whose reservations exceed 900 fails to create. Reservations are parameters; their defaults count.
    _, template, _ = _built(case)
    params = template.get("Parameters", {})
    total = 0
    for res in template["Resources"].values():
        reserved = res.get("Properties", {}).get("ReservedConcurrentExecutions") if res["Type"] == \
            "AWS::Lambda::Function" else None
        if reserved is not None:
            total += params[reserved.value]["Default"] if isinstance(reserved, Ref) else reserved
    assert total <= 900


def test_a_rules_reservations_become_parameters_scaled_to_the_quota():
    # An organisation rule reserves 800 for every function: with two functions, the defaults are scaled so
    # that together they leave 100 of the account's 1,000 unreserved.
    import textwrap

    from advisor.rules import load_rule_set

    folder = Path(tempfile.mkdtemp())
    (folder / "performance-efficiency").mkdir()
    (folder / "performance-efficiency" / "ACME-P001.yaml").write_text(textwrap.dedent("""\
        id: ACME-P001
        title: Reserve concurrency for every function
        pillars: [performance-efficiency]
        best_practices: [PERF02-BP05]
        when: {service: lambda}
        adds:
          settings:
            - service: lambda
              set: {reserved_concurrency: 800}
        rationale: The functions must never be starved by others in the account.
        tradeoffs: Reserved capacity is taken from the account's other functions.
        source: https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
        """))
    catalog, rules = load_rule_set((folder,))
    workload = load_workload_text("version: 1\nname: r\nproblems: [scalability-issues, high-latency]\n",
                                  "w.yaml", catalog)
    template = build_template(workload, recommend(workload, rules, catalog))
    params = template["Parameters"]
    defaults = [params[r["Properties"]["ReservedConcurrentExecutions"].value]["Default"]
                for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    assert len(defaults) >= 2 and sum(defaults) <= 900 and len(set(defaults)) == 1


def test_queue_consumers_are_sized_from_the_peak_and_the_report_gives_the_drain_time():
    # flash-sale-orders: 3,000 requests a second at peak, all written through queue:ingest; batches of 10 at
    # its stated 80 ms each: ceil(3,000 × 60 s × 0.08 s / (60 s × 10)) = 24 concurrent functions drain a peak
    # minute's 180,000 messages in 60 s (ADV-U001's drain_within_s).
    from advisor.render.report import capacity

    workload, template, _ = _built(f"example:{ROOT / 'examples' / 'flash-sale-orders.yaml'}")
    mapping = template["Resources"]["FunctionProcessorQueueMapping"]["Properties"]
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": 24}
    [said] = capacity(workload, recommend(workload))
    assert "up to 24 concurrent functions" in said and "drains in about 60 s" in said


@pytest.mark.parametrize("case", ALL_CASES, ids=[c.rsplit("/", 1)[-1] for c in ALL_CASES])
def test_round_trip_and_structure(case):
    from cfnlint.decode.decode import decode_str

    workload, template, text = _built(case)
    # The emitter's own loader gives back the very same data, marker objects included ...
    assert load_template(text) == template
    # ... and cfn-lint's decoder (which expands short forms) agrees with the long form.
    decoded, errors = decode_str(text)
    assert not errors
    assert _plain(decoded) == to_json(template)
    assert list(template)[: len(template)] == [k for k in TOP_LEVEL_ORDER if k in template]
    ids = list(template["Resources"])
    assert ids == sorted(ids)
    assert all(re.fullmatch(r"[A-Za-z][A-Za-z0-9]{0,254}", i) for i in ids)
    assert len(template["Description"].encode()) <= 1024
    # Every function carries the real handler (an exporter, the exporter's code), inside the ZipFile limit.
    from advisor.services.dynamodb_exports.exporter import EXPORTER_SOURCE

    for res in template["Resources"].values():
        if res["Type"] == "AWS::Lambda::Function":
            exporter = "FULL_EVERY_DAYS" in res["Properties"]["Environment"]["Variables"]
            assert res["Properties"]["Code"]["ZipFile"] == (EXPORTER_SOURCE if exporter else HANDLER_SOURCE)
            assert len(res["Properties"]["Code"]["ZipFile"]) <= 4096


def _plain(value):
    """cfn-lint's decoded template as plain dicts and lists."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


@pytest.mark.parametrize("case", [f"example:{p}" for p in EXAMPLES] + ["variant:everything-at-once"],
                         ids=lambda c: c.rsplit("/", 1)[-1])
def test_deterministic(case):
    workload = load_workload(case.split(":", 1)[1]) if case.startswith("example:") else \
        load_workload_text(CASES[case], case)
    first = dump_template(build_template(workload, recommend(workload)))
    second = dump_template(build_template(workload, recommend(workload)))
    assert first == second
    assert first == _built(case)[2]


NASTY_DESCRIPTION = (
    "Resources:\\n  Evil: {Type: 'AWS::IAM::User'}\\n!Ref Evil !GetAtt X.Arn ${AWS::AccountId} {{x}} "
    "--- ... # not a comment\\n| > & * ? : - [a, b] {c: d} \\\"quoted\\\" 'single' `code` ```fence``` "
    "\\n# Heading\\n<script>alert(1)</script> graph TD; A-->B; %% mermaid\\t\\u0000\\u202e Ünïcödé ✓ "
    + "x" * 3000)


def _nasty(text: str) -> str:
    return text.replace("name: x", "name: ref-getatt-sub-yes-null") + f'description: "{NASTY_DESCRIPTION}"\n'


def test_free_text_cannot_add_or_change_resources():
    plain_wl = load_workload_text(EVERYTHING_AT_ONCE.replace("description:", "# description:"), "plain")
    nasty_wl = load_workload_text(
        _nasty(EVERYTHING_AT_ONCE.replace("name: all-at-once", "name: x").replace("description:", "# description:")),
        "nasty")
    assert "Resources:" in nasty_wl.description and "\n" in nasty_wl.description
    plain = build_template(plain_wl, recommend(plain_wl))
    nasty = build_template(nasty_wl, recommend(nasty_wl))
    assert {k: v["Type"] for k, v in plain["Resources"].items()} == \
        {k: v["Type"] for k, v in nasty["Resources"].items()}
    # Not only the same ids and types: the same resources, parameters, conditions and outputs.
    for section in ("Parameters", "Conditions", "Resources", "Outputs"):
        assert plain.get(section) == nasty.get(section), section
    text = dump_template(nasty)
    assert load_template(text) == nasty
    assert len(nasty["Description"].encode()) <= 1024
    assert "\n" not in nasty["Description"] and "\x00" not in nasty["Description"]
    assert "Evil" not in nasty["Resources"]


def test_nasty_text_lints_clean_and_both_emitters_agree(runners):
    from cfnlint.decode.decode import decode_str

    wl = load_workload_text(_nasty(EVERYTHING_AT_ONCE.replace("name: all-at-once", "name: x")
                                   .replace("description:", "# description:")), "nasty")
    template = build_template(wl, recommend(wl))
    fast, pure = dump_template(template), dump_template(template, pure=True)
    assert fast == pure
    assert load_template(fast) == template
    decoded, errors = decode_str(fast)
    assert not errors
    assert list(runners(wl.region).validate_template(decoded)) == []


def test_tricky_consumer_names_only_rename_their_own_resources():
    names = ["yes", "null", "ref", "sub-getatt", "0x1f", "1e3", "true"]
    text = ("version: 1\nname: x\nrequirements: {decoupling: {consumers: [%s]}}\n" % ", ".join(f"'{n}'" for n in names))
    wl = load_workload_text(text)
    template = build_template(wl, recommend(wl))
    ids = set(template["Resources"])
    for name in names:
        assert "Queue" + camel("consumer-" + name) in ids
        assert "Function" + camel("consumer-" + name) in ids
    assert load_template(dump_template(template)) == template


def test_logical_ids():
    ids = LogicalIds()
    assert camel("queue:consumer-billing") == "QueueConsumerBilling"
    assert camel("function:consumer-1e3") == "FunctionConsumer1e3"
    assert camel("1:2") == "R12"
    assert ids("queue:x-dlq") == "QueueXDlq"
    assert ids("queue:x", "Dlq") == "QueueXDlq2"
    assert ids("queue:x", "Dlq") == "QueueXDlq2"
    long = ids("queue:" + "a" * 300)
    assert len(long) <= 255 and long.isalnum()


@pytest.mark.parametrize("value", [
    Ref("Queue"), GetAtt("Queue", "Arn"), GetAtt("Db.Endpoint.Address"), Sub("arn:${AWS::Partition}:x:${Queue}"),
    Sub("${A}-${B}", {"A": Ref("X"), "B": GetAtt("Y.Name")}), Sub("line one ${A}\nline two"),
    Join(",", [Ref("A"), "b"]), Select(0, GetAZs("")), Split(",", Ref("P")), If("Cond", Ref("A"), Ref("AWS::NoValue")),
    Equals(Ref("P"), ""), Not(Equals(Ref("P"), "")), And(Condition("A"), Condition("B")),
    Or(Condition("A"), Not(Condition("B"))), Ref("true"), Sub("yes"), Sub("${x}: {y}"), Ref("123"),
])
def test_every_intrinsic_round_trips(value):
    doc = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"R": {"Type": "T", "Properties": {"V": value,
                                                                                                   "L": [value]}}}}
    text = dump_template(doc)
    assert load_template(text) == doc
    from cfnlint.decode.decode import decode_str

    decoded, errors = decode_str(text)
    assert not errors
    assert _plain(decoded) == to_json(doc)


def test_every_marker_class_is_tested():
    assert {type(v) for v in [Ref("a"), GetAtt("a.b"), Sub("a"), Join(), Select(), Split(), If(), Equals(), Not(),
                              And(), Or(), Condition("a"), GetAZs("")]} == set(ALL)


def test_short_forms_in_output():
    _, template, text = _built("variant:everything-at-once")
    assert "!Ref " in text and "!GetAtt " in text and "!Sub " in text and "!Not" in text and "!Equals" in text
    assert "Fn::" not in text and "Ref:" not in text
    assert "Action=SendMessage&MessageBody=$util.urlEncode($input.body)" in text
    assert "ZipFile: |" in text


def test_everything_at_once_contents():
    _, template, _ = _built("variant:everything-at-once")
    res = template["Resources"]
    types = {}
    for lid, r in res.items():
        types.setdefault(r["Type"], []).append(lid)
    for expected in ("AWS::ApiGateway::RestApi", "AWS::ApiGateway::Stage", "AWS::ApiGateway::Authorizer",
                     "AWS::SQS::Queue", "AWS::SQS::QueuePolicy", "AWS::Lambda::Function",
                     "AWS::Lambda::EventSourceMapping", "AWS::DynamoDB::GlobalTable", "AWS::Pipes::Pipe",
                     "AWS::SNS::Topic", "AWS::SNS::TopicPolicy", "AWS::SNS::Subscription", "AWS::KMS::Key",
                     "AWS::CloudWatch::Alarm", "AWS::CloudWatch::Dashboard", "AWS::CloudTrail::Trail",
                     "AWS::S3::Bucket", "AWS::S3::BucketPolicy", "AWS::Budgets::Budget", "AWS::Cognito::UserPool",
                     "AWS::Events::EventBus", "AWS::Events::Rule", "AWS::Route53::HealthCheck",
                     "AWS::Route53::RecordSet"):
        assert expected in types, expected
    assert "AWS::DynamoDB::Table" not in types
    for forbidden in ("AWS::ApiGateway::Account", "AWS::Config::ConfigurationRecorder", "AWS::GuardDuty::Detector",
                      "AWS::SecurityHub::Hub"):
        assert forbidden not in types
    controls = " ".join(c["control"] for c in template["Metadata"]["Advisor"]["AccountLevelControls"])
    assert "Config" in controls and "GuardDuty" in controls and "Security Hub" in controls
    # Queues: CMK, redrive to an encrypted DLQ, visibility >= 6x the consumer timeout + window.
    q = res["QueueIngest"]["Properties"]
    assert q["KmsMasterKeyId"] == Ref("KeyMain")
    assert q["RedrivePolicy"] == {"deadLetterTargetArn": GetAtt("QueueIngestDlq", "Arn"), "maxReceiveCount": 5}
    assert q["VisibilityTimeout"] >= 6 * res["FunctionProcessor"]["Properties"]["Timeout"] + 5
    assert res["QueueIngestDlq"]["Properties"]["MessageRetentionPeriod"] == 14 * 86400
    assert res["QueueIngestDlq"]["Properties"]["KmsMasterKeyId"] == Ref("KeyMain")
    # The POST method is a direct SQS integration.
    post = res["ApiPublicPostMethod"]["Properties"]
    assert post["Integration"]["RequestTemplates"]["application/json"].endswith("$util.urlEncode($input.body)")
    assert post["AuthorizationType"] == "COGNITO_USER_POOLS"
    # No IAM statement grants a wildcard action.
    for r in res.values():
        if r["Type"] == "AWS::IAM::Role":
            for pol in r["Properties"].get("Policies", []):
                for st in pol["PolicyDocument"]["Statement"]:
                    actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
                    assert all("*" not in a for a in actions), st
                    if st["Resource"] == "*":
                        # X-Ray's trace APIs and Step Functions' log delivery take no resource-level permissions.
                        assert all(a.startswith("xray:") or a in LOG_DELIVERY for a in actions), st
    # Email, SMS and HTTPS subscriptions are behind parameters and conditions; mobile push is documented.
    conditional = {r["Properties"]["Protocol"] for r in res.values()
                   if r["Type"] == "AWS::SNS::Subscription" and "Condition" in r}
    assert {"email", "sms", "https"} <= conditional
    assert any("mobile push" in n for n in template["Metadata"]["Advisor"]["OutsideTemplate"])
    stage = res["ApiPublicStage"]["Properties"]
    assert "LoggingLevel" not in stage["MethodSettings"][0] and stage["TracingEnabled"] is True
    assert template["Parameters"]["BudgetMonthlyLimitUsd"]["Default"] == 1250.5


def test_budget_without_amount_is_a_required_parameter():
    _, template, _ = _built("variant:budget-without-amount")
    param = template["Parameters"]["BudgetMonthlyLimitUsd"]
    assert "Default" not in param and param["Type"] == "Number"
    assert "BudgetMonthlyLimitUsd" in template["Metadata"]["Advisor"]["RequiredParameters"]


def test_checkov_skips_are_explained():
    _, template, _ = _built("variant:everything-at-once")
    skipped = {}
    for lid, r in template["Resources"].items():
        for skip in r.get("Metadata", {}).get("checkov", {}).get("skip", []):
            assert len(skip["comment"]) > 20
            skipped.setdefault(skip["id"], []).append(lid)
    assert set(skipped) == {"CKV_AWS_18", "CKV_AWS_67", "CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_117", "CKV_AWS_120"}
    # No function reserves concurrency unless a rule asks: each says why instead.
    functions = {lid for lid, r in template["Resources"].items() if r["Type"] == "AWS::Lambda::Function"}
    assert set(skipped["CKV_AWS_115"]) == functions
    assert all(template["Resources"][lid]["Type"] == "AWS::S3::Bucket" for lid in skipped["CKV_AWS_18"])
    # An SNS-invoked function is asynchronous: its failures go to an on-failure destination (a queue), which
    # AWS recommends over DeadLetterConfig; the skip names the destination.
    resources = template["Resources"]
    config = resources["FunctionUpdatesAsyncConfig"]["Properties"]
    assert config["FunctionName"] == Ref("FunctionUpdates")
    assert config["DestinationConfig"]["OnFailure"]["Destination"] == GetAtt("FunctionUpdatesAsyncDlq", "Arn")
    assert "DeadLetterConfig" not in resources["FunctionUpdates"]["Properties"]
    [reason] = [s["comment"] for s in resources["FunctionUpdates"]["Metadata"]["checkov"]["skip"]
                if s["id"] == "CKV_AWS_116"]
    assert "FunctionUpdatesAsyncDlq" in reason


class _NodeDumper(yaml.CSafeDumper):
    """libyaml's dumper fed by PyYAML's own representer and serializer: what FastTemplateDumper replaces."""

    def ignore_aliases(self, data):
        return True


_NodeDumper.add_representer(str, emitter._str)
_NodeDumper.add_representer(dict, emitter._dict)
for _cls in ALL:
    _NodeDumper.add_representer(_cls, emitter._intrinsic)

_TEXT = st.text(max_size=100)
_SCALARS = st.one_of(
    _TEXT, st.sampled_from(["", "yes", "null", "~", "0x1f", "1e3", "-", "- x", "a: b", "#c", "*a", "&a",
                            "!Ref", "'q'", '"q"', " lead", "trail ", "a\nb", "a\n", "\t", "%x", "@x",
                            "x" * 81, "2026-12-01", "1_000", ".inf", "+1", "\U0001F600"]),
    st.integers(-10**12, 10**12), st.booleans(), st.none(), st.floats(allow_nan=False),
)
_INTRINSICS = st.one_of(st.builds(Ref, _TEXT), st.builds(GetAtt, _TEXT), st.builds(Sub, _TEXT))


@settings(derandomize=True, database=None, deadline=None, max_examples=300,
          suppress_health_check=[HealthCheck.too_slow])  # both would time the machine
@given(st.recursive(st.one_of(_SCALARS, _INTRINSICS),
                    lambda inner: st.one_of(st.lists(inner, max_size=4),
                                            st.dictionaries(_TEXT, inner, max_size=4),
                                            st.builds(Join, st.lists(inner, min_size=2, max_size=2))),
                    max_leaves=25))
def test_event_feeding_dumper_writes_what_the_node_tree_would(value):
    """The dumper that feeds libyaml events directly writes byte for byte what PyYAML's representer
    and serializer make libyaml write, for any data a template can hold, and it reads back the same."""
    template = {"Resources": {"Thing": {"Type": "AWS::SQS::Queue", "Properties": {"Value": value}}}}
    fast = dump_template(template)
    assert fast == yaml.dump(emitter.ordered(template), Dumper=_NodeDumper, default_flow_style=False,
                             sort_keys=False, allow_unicode=True, width=120, indent=2)
    assert load_template(fast) == template


@pytest.mark.parametrize("case", ALL_CASES, ids=[c.rsplit("/", 1)[-1] for c in ALL_CASES])
def test_every_dead_letter_queue_has_a_depth_alarm_that_notifies(case):
    # Whether or not the workload asked for monitoring (ADV-O006): a dead-letter queue is a queue that some
    # redrive policy, destination or target's DeadLetterConfig names, and each has an alarm on its depth
    # whose actions notify the alarm topic.
    _, template, _ = _built(case)
    resources = template["Resources"]
    text = str(to_json(resources))
    dlqs = {lid for lid, r in resources.items() if r["Type"] == "AWS::SQS::Queue"
            and "RedrivePolicy" not in r["Properties"]}
    assert all(f"'Fn::GetAtt': ['{lid}', 'Arn']" in text for lid in dlqs)
    watched = {}
    for r in resources.values():
        p = r["Properties"]
        if r["Type"] == "AWS::CloudWatch::Alarm" and p["MetricName"] == "ApproximateNumberOfMessagesVisible":
            watched[p["Dimensions"][0]["Value"].value.partition(".")[0]] = p
    assert set(watched) == dlqs
    for alarm in watched.values():
        assert alarm["AlarmActions"] == [Ref("TopicAlarms")] and alarm["Threshold"] == 1


def test_the_account_trail_is_created_only_while_its_parameter_says_so():
    # A trail of management events belongs to the account: with CreateAccountTrail=false (an organisation trail
    # already records them) the stack creates neither the trail nor its bucket; true is the default.
    workload = load_workload_text("version: 1\nname: x\nrequirements: {monitoring-governance: {audit: true}}\n")
    template = build_template(workload, recommend(workload))
    param = template["Parameters"]["CreateAccountTrail"]
    assert param["Default"] == "true" and param["AllowedValues"] == ["true", "false"]
    assert template["Conditions"]["CreatesAccountTrail"] == Equals(Ref("CreateAccountTrail"), "true")
    conditioned = {lid for lid, r in template["Resources"].items() if r.get("Condition") == "CreatesAccountTrail"}
    assert conditioned == {"TrailMain", "BucketTrail", "BucketTrailPolicy", "BucketTrailAccessLogs",
                           "BucketTrailAccessLogsPolicy"}
    assert template["Resources"]["TrailMain"]["Properties"]["IsMultiRegionTrail"] is True
    [switch] = template["Metadata"]["Advisor"]["AccountLevelParameters"]
    assert switch["Parameter"] == "CreateAccountTrail" and "neither the trail nor its bucket" in switch["WhenFalse"]


def test_a_trail_of_the_workloads_own_data_events_stays_without_the_account_trail():
    # The security requirement audits the table's item calls: those data events are the workload's own, so the
    # trail stays when the account's trail is reused, recording them alone in this Region.
    _, template, _ = _built("requirement:security")
    trail = template["Resources"]["TrailMain"]
    assert "Condition" not in trail and "Condition" not in template["Resources"]["BucketTrail"]
    props = trail["Properties"]
    assert props["IsMultiRegionTrail"] == If("CreatesAccountTrail", True, False)
    assert props["IncludeGlobalServiceEvents"] == If("CreatesAccountTrail", True, False)
    management, data = props["AdvancedEventSelectors"]
    assert management == If("CreatesAccountTrail", {"Name": "management events", "FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Management"]}]}, Ref("AWS::NoValue"))
    assert data["FieldSelectors"][0] == {"Field": "eventCategory", "Equals": ["Data"]}
    [skip] = trail["Metadata"]["checkov"]["skip"]
    assert skip["id"] == "CKV_AWS_67" and "CreateAccountTrail=true" in skip["comment"]


def test_the_user_pool_is_on_the_plan_its_features_need_with_outputs_for_the_pool_and_client():
    # Lite has every feature the pool uses; threat protection (users in compliance scope, ADV-S009) needs Plus.
    # The plan is always stated: a new pool left without one would be Essentials, which the estimate would not price.
    for case, tier, addons in (("variant:auth-cognito-sync-only", "LITE", None),
                               ("variant:everything-at-once", "PLUS", {"AdvancedSecurityMode": "ENFORCED"})):
        _, template, _ = _built(case)
        pool = template["Resources"]["UserpoolMain"]["Properties"]
        assert pool["UserPoolTier"] == tier and pool.get("UserPoolAddOns") == addons
        outputs = template["Outputs"]
        assert outputs["UserpoolMainId"]["Value"] == Ref("UserpoolMain")
        assert outputs["UserpoolMainClientId"]["Value"] == Ref("UserpoolMainClient")
