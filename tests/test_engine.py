"""The engine: seed flows in the examples, decisions traced to what the workload asked for."""

from __future__ import annotations

import fnmatch
import json

from decimal import Decimal

import pytest

from advisor.errors import RuleError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.architecture import to_json
from advisor.catalog import load_catalog
from advisor.engine import _matches, dr_strategies_meeting, recommend
from advisor.workload import load_workload, load_workload_text
from tests.conftest import ROOT

CATALOG = load_catalog()

# Each seed solution section, the example written for it, and the flow it must show.
SEED_FLOWS = {
    "flash-sale-orders": ("scalability", ["client", "apigateway", "sqs", "lambda", "dynamodb"]),
    "patient-portal": ("high-availability", ["client", "apigateway", "lambda", "dynamodb"]),
    "order-fanout": ("decoupling", ["producer", "sns", "sqs", "lambda"]),
    "live-scores": ("real-time-updates", ["dynamodb", "dynamodb-streams", "sns", "subscribers"]),
    "startup-mvp": ("cost-optimization", ["client", "apigateway", "sqs", "lambda", "dynamodb"]),
    "payments-api": ("security-reliability",
                     ["client", "apigateway", "sqs", "lambda", "dynamodb", "cloudwatch", "cloudtrail"]),
    "inventory-dr": ("disaster-recovery", ["dynamodb", "dynamodb"]),
}


def arch_for(name: str):
    return recommend(load_workload(str(ROOT / "examples" / f"{name}.yaml")))


@pytest.mark.parametrize("name", sorted(SEED_FLOWS))
def test_example_shows_its_seed_flow(name):
    flow_id, steps = SEED_FLOWS[name]
    flows = {f["id"]: f["steps"] for f in to_json(arch_for(name))["flows"]}
    assert flows[flow_id] == steps


def test_everything_example_shows_every_flow():
    flows = {f["id"]: f["steps"] for f in to_json(arch_for("everything"))["flows"]}
    for flow_id, steps in SEED_FLOWS.values():
        assert flows[flow_id] == steps


def test_decoupling_gets_one_queue_per_consumer():
    arch = arch_for("order-fanout")
    queues = sorted(c.id for c in arch.of_service("sqs"))
    assert queues == ["queue:consumer-analytics", "queue:consumer-billing", "queue:consumer-notifications"]
    fanout = sorted(e.target for e in arch.edges if e.source == "topic:events" and e.kind == "fans-out")
    assert fanout == queues


def test_real_time_subscribers_are_the_named_ones():
    data = to_json(arch_for("live-scores"))
    flow = next(f for f in data["flows"] if f["id"] == "real-time-updates")
    assert flow["components"][-1] == ["function:updates", "queue:updates"]
    topic = next(c for c in data["components"] if c["id"] == "topic:updates")
    assert topic["settings"]["subscribers"] == ["email", "lambda", "sqs", "mobile-push"]


def test_components_are_shared_not_duplicated():
    arch = arch_for("everything")
    assert [c.id for c in arch.of_service("apigateway")] == ["api:public"]
    table = arch.components["table:main"]
    assert {"ADV-R001", "ADV-R002", "ADV-C001", "ADV-R004"} <= set(table.added_by)


def test_cross_cutting_settings_reach_every_component_of_a_service():
    arch = arch_for("everything")
    for queue in arch.of_service("sqs"):
        assert queue.settings["dead_letter_queue"]["max_receive_count"] == 5
        assert queue.settings["kms_key"] == "key:main"
    for table in arch.of_service("dynamodb"):
        assert table.settings["point_in_time_recovery"] is True
    for function in arch.of_service("lambda"):
        # everything.yaml states x86_64 under usage.lambda, which replaces ADV-P002's arm64 everywhere
        assert function.settings["architecture"] == "x86_64"
        assert function.sources["architecture"] == "usage.lambda.architecture"
        assert function.settings["least_privilege_role"] is True


@pytest.mark.parametrize(
    ("rpo", "rto", "meeting"),
    [
        # Backups every hour, starting up to an hour late, reach an RPO of 120 minutes at best.
        (1440, 1440, ["backup-restore", "pilot-light", "warm-standby", "multi-site-active-active"]),
        (120, 240, ["backup-restore", "pilot-light", "warm-standby", "multi-site-active-active"]),
        (119, 240, ["pilot-light", "warm-standby", "multi-site-active-active"]),
        (1440, 239, ["pilot-light", "warm-standby", "multi-site-active-active"]),
        (15, 60, ["pilot-light", "warm-standby", "multi-site-active-active"]),
        (1, 30, ["pilot-light", "warm-standby", "multi-site-active-active"]),
        (0.5, 30, ["warm-standby", "multi-site-active-active"]),
        (0.1, 5, ["warm-standby", "multi-site-active-active"]),
        (0.05, 5, ["multi-site-active-active"]),
        (5, 1, ["multi-site-active-active"]),
        # Asynchronous replication never reaches zero: nothing meets an RPO of 0 (refused when loading).
        (0, 5, []),
        (0.01, 0, []),
    ],
)
def test_the_strategies_meeting_both_objectives(rpo, rto, meeting):
    assert [s.id for s in dr_strategies_meeting(rpo, rto, CATALOG)] == meeting


def test_dr_plan_in_json():
    data = to_json(arch_for("inventory-dr"))["disaster_recovery"]
    assert {k: data[k] for k in ("strategy", "rpo_minutes", "rto_minutes", "primary_region", "secondary_region",
                                 "chosen_by")} == {
        "strategy": "pilot-light", "rpo_minutes": 15, "rto_minutes": 60,
        "primary_region": "us-east-1", "secondary_region": "us-east-2", "chosen_by": "price",
    }
    # Every strategy, in the framework's order, with whether it meets both objectives and its monthly price.
    assert [(o["strategy"], o["meets"]) for o in data["options"]] == [
        ("backup-restore", False), ("pilot-light", True), ("warm-standby", True), ("multi-site-active-active", True)]
    assert all(Decimal(o["monthly_usd"]) > 0 for o in data["options"])
    assert to_json(arch_for("flash-sale-orders"))["disaster_recovery"] is None


def _alone(kind: str, ident: str) -> str:
    key = "problems" if kind == "problem" else "requirements"
    body = f"[{ident}]" if kind == "problem" else f"{{{ident}: true}}"
    return f"version: 1\nname: alone\n{key}: {body}\n"


@pytest.mark.parametrize(
    ("kind", "ident"),
    [("problem", p) for p in CATALOG.problems] + [("requirement", r) for r in CATALOG.requirements],
)
def test_each_id_alone_yields_a_traced_decision(kind, ident):
    workload = load_workload_text(_alone(kind, ident))
    arch = recommend(workload)
    assert arch.decisions, "no rule fired"
    # A rule fired by the workload names its problems and requirements; one fired by a service names the service.
    allowed = ({f"problem:{p}" for p in workload.problems}
               | {f"requirement:{r}" for r in workload.requirements if r not in workload.implied_by}
               | {f"service:{s}" for s in arch.services})
    own = f"{kind}:{ident}"
    assert any(own in d.because and d.best_practices for d in arch.decisions)
    for decision in arch.decisions:
        assert decision.best_practices
        assert decision.because, decision.rule
        assert set(decision.because) <= allowed, (decision.rule, decision.because)


def test_output_is_byte_identical_across_runs():
    path = str(ROOT / "examples" / "everything.yaml")
    first = json.dumps(to_json(recommend(load_workload(path))))
    second = json.dumps(to_json(recommend(load_workload(path))))
    assert first == second


def test_json_follows_the_contract():
    data = to_json(arch_for("everything"))
    assert list(data)[:7] == ["workload", "region", "services", "flows", "decisions", "disaster_recovery",
                              "components"]
    assert data["services"] == sorted(set(data["services"]))
    assert set(data["services"]) <= set(CATALOG.services)
    for flow in data["flows"]:
        assert set(flow) >= {"id", "title", "steps"}
    for decision in data["decisions"]:
        assert set(decision) >= {"rule", "title", "pillars", "best_practices", "because", "adds"}
        assert all(b.startswith(("problem:", "requirement:", "service:")) for b in decision["because"])
        assert set(decision["adds"]) <= set(data["services"])
        assert set(decision["pillars"]) <= set(CATALOG.pillars)
    assert isinstance(data["warnings"], list)


def test_latency_warning_when_reads_and_queues_meet():
    arch = recommend(load_workload_text("version: 1\nname: x\nproblems: [high-latency, scalability-issues]\n"))
    assert any(w.startswith("ADV-P003:") for w in arch.warnings)
    arch = recommend(load_workload_text("version: 1\nname: x\nproblems: [high-latency]\n"))
    assert not any(w.startswith("ADV-P003:") for w in arch.warnings)


@settings(derandomize=True, database=None, deadline=None, max_examples=400,
          suppress_health_check=[HealthCheck.too_slow])  # both would time the machine
@given(name=st.text(alphabet="ab:-", max_size=8), pattern=st.text(alphabet="ab:-*", max_size=8))
def test_component_globs_match_as_fnmatch_does(name, pattern):
    """Component ids and their globs use only `*`; the engine's matcher must agree with fnmatch there."""
    assert _matches(name, pattern) == fnmatch.fnmatchcase(name, pattern)


def _fresh(workload, rules):
    """A recommendation from a rule set compiled for this call alone: nothing shared with earlier ones."""
    return recommend(workload, tuple(list(rules)), CATALOG)  # tuple() of a tuple is the tuple itself


def test_shared_expansions_serve_only_workloads_that_fill_them_alike():
    # Workloads that fill a rule's placeholders with equal values share its expansion. 100, 100.0 and
    # True compare equal in Python but read differently in a template, so each needs its own.
    from advisor.rules import load_rules

    rules = load_rules(catalog=CATALOG)
    seen = []
    for value in ("100", "100.0", "250", "100", "100.0"):
        text = f"version: 1\nname: w\nrequirements:\n  scalability: {{peak_rps: {value}}}\n"
        workload = load_workload_text(text, "w.yaml", CATALOG)
        shared, fresh = recommend(workload, rules, CATALOG), _fresh(workload, rules)
        assert to_json(shared) == to_json(fresh)
        seen.append(json.dumps(to_json(shared)))
    assert seen[0] == seen[3] and seen[1] == seen[4] and seen[0] != seen[1] != seen[2]
    assert '"rate_limit_rps": 100}' in seen[0] and '"rate_limit_rps": 100.0}' in seen[1]


def _org_rules(tmp_path, texts):
    from advisor.resources import data_dir
    from advisor.rules import load_rules_uncached

    folder = tmp_path / "reliability"
    folder.mkdir()
    for rid, adds in texts.items():
        (folder / f"{rid}.yaml").write_text(
            f"id: {rid}\ntitle: Audit queue {rid}\npillars: [reliability]\nbest_practices: [REL05-BP01]\n"
            f"when: {{problem: scalability-issues}}\n{adds}rationale: r\ntradeoffs: t\n"
            "source: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/welcome.html\n")
    return load_rules_uncached(data_dir("rules"), CATALOG, (tmp_path,))


def test_settings_conflicts_name_the_rule_that_set_the_value(tmp_path):
    # A component's first settings are taken from its rule by reference, and a nested dict from the
    # rule that brought it: a later disagreement between organisation rules names who set the value kept.
    rules = _org_rules(tmp_path, {
        "ACME-R101": "adds:\n  components:\n    - {id: 'queue:audit', service: sqs, settings: {purpose: audit}}\n",
        "ACME-R103": "adds:\n  settings:\n    - {service: sqs, components: 'queue:audit', set: {purpose: other}}\n",
    })
    workload = load_workload_text("version: 1\nname: w\nproblems: [scalability-issues]\n", "w.yaml", CATALOG)
    arch = recommend(workload, rules, CATALOG)
    assert arch.components["queue:audit"].settings["purpose"] == "audit"
    conflicts = sorted(w for w in arch.warnings if "disagree" in w)
    assert conflicts == ["rules ACME-R101 and ACME-R103 disagree on queue:audit.purpose: kept 'audit', not 'other'"]


def test_an_organisation_rule_cannot_quietly_override_a_bundled_one(tmp_path):
    # Rules fire in id order, so an ACME- rule once won over the ADV- rules it disagreed with: point-in-time
    # recovery and key rotation switched off while the report still claimed them. Now it is an error naming
    # both rules, unless the organisation's rule replaces the bundled one.
    rules = _org_rules(tmp_path, {
        "ACME-R104": "adds:\n  settings:\n    - {service: dynamodb, set: {point_in_time_recovery: false}}\n",
    })
    workload = load_workload_text("version: 1\nname: w\nproblems: [scalability-issues]\n", "w.yaml", CATALOG)
    with pytest.raises(RuleError) as caught:
        recommend(workload, rules, CATALOG)
    text = "\n".join(caught.value.lines())
    assert "ACME-R104.yaml:1:1" in text
    assert "ACME-R104 sets table:main.point_in_time_recovery to False, which bundled rule ADV-R009 sets to True" in text
    assert "list it under replaces: in ACME-R104" in text


def test_workloads_that_fire_the_same_rules_keep_their_own_reasons():
    # The second workload fires the same rules for another reason: the same settings, edges and flows,
    # from one composition keyed by the rules and the values that filled them, while its name and reasons
    # stay its own.
    from advisor.engine import _plans
    from advisor.rules import load_rules

    rules = tuple(list(load_rules(catalog=CATALOG)))  # a rule set of its own, compiled afresh
    by_problem = load_workload_text("version: 1\nname: a\nproblems: [scalability-issues]\n", "a.yaml", CATALOG)
    by_requirement = load_workload_text(
        "version: 1\nname: b\nrequirements: {scalability: true}\n", "b.yaml", CATALOG)
    first = recommend(by_problem, rules, CATALOG)
    second = recommend(by_requirement, rules, CATALOG)
    assert [d.rule for d in first.decisions] == [d.rule for d in second.decisions]
    assert first.edges == second.edges
    assert len(_plans(rules)[2]) == 1  # one composition served both
    other = load_workload_text("version: 1\nname: c\nrequirements: {scalability: {peak_rps: 7}}\n", "c.yaml", CATALOG)
    recommend(other, rules, CATALOG)
    assert len(_plans(rules)[2]) == 2  # another peak fills ADV-R017's throttling otherwise
    for workload, arch in ((by_problem, first), (by_requirement, second)):
        assert to_json(arch) == to_json(_fresh(workload, rules))
    def reasons(arch):
        return next(d.because for d in arch.decisions if d.rule == "ADV-R001")
    assert reasons(first) == ("problem:scalability-issues",)
    assert reasons(second) == ("requirement:scalability",)
    assert second.workload == "b"
    assert first.components["queue:ingest"].because == ("problem:scalability-issues",)
    assert second.components["queue:ingest"].because == ("requirement:scalability",)


@pytest.mark.parametrize(("request_kb", "over"), [(1, False), (1024, False), (1025, True), (2048, True)])
def test_payload_over_quota_compares_the_request_with_the_services_own_quota(tmp_path, request_kb, over):
    import shutil

    from advisor.resources import data_dir
    from advisor.rules import load_rules as load
    from advisor.services import service

    assert service("sqs").message_kb == 1024  # the threshold the condition reads; no rule states a number
    root = tmp_path / "rules"
    shutil.copytree(data_dir("rules"), root)
    path = root / "reliability" / "ADV-R007.yaml"
    path.write_text(path.read_text().replace("when:\n  service: sqs", "when:\n  payload_over_quota: sqs"))
    negated = root / "reliability" / "ADV-R008.yaml"
    negated.write_text(negated.read_text().replace("when:\n  all:\n",
                                                   "when:\n  all:\n    - not: {payload_over_quota: sqs}\n"))
    rules = load(root)
    workload = load_workload_text(f"version: 1\nname: x\nrequirements: {{scalability: true}}\n"
                                  f"traffic: {{request_kb: {request_kb}}}\n")
    decisions = {d.rule: d for d in recommend(workload, rules).decisions}
    assert ("ADV-R007" in decisions) == over
    assert ("ADV-R008" in decisions) == (not over)
    if over:
        assert decisions["ADV-R007"].because == ("traffic:request_kb",)
