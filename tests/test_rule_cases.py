"""Every rule's YAML test cases, run by one parametrized test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from advisor.engine import recommend
from advisor.rules import load_rules
from advisor.workload import load_workload_text

CASES_DIR = Path(__file__).parent / "rules"
BASE = {"version": 1, "name": "rule-case", "region": "us-east-1"}


def _cases() -> list[Any]:
    out = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        for case in doc["cases"]:
            out.append(pytest.param(doc["rule"], case, id=f"{doc['rule']}: {case['name']}"))
    return out


@pytest.mark.parametrize(("rule_id", "case"), _cases())
def test_rule_case(rule_id: str, case: dict[str, Any]) -> None:
    text = yaml.safe_dump({**BASE, **case["workload"]}, sort_keys=False)
    arch = recommend(load_workload_text(text, f"{rule_id}.case"))
    decisions = {d.rule: d for d in arch.decisions}
    assert (rule_id in decisions) is case["fires"], f"{rule_id} fired: {sorted(decisions)}"
    if not case["fires"]:
        return
    decision = decisions[rule_id]
    if "because" in case:
        assert list(decision.because) == sorted(case["because"])
    for component in case.get("components", []):
        assert component in arch.components, f"{component} missing from {sorted(arch.components)}"
    for cid, settings in case.get("settings", {}).items():
        for key, value in settings.items():
            actual = arch.components[cid].settings.get(key)
            if isinstance(actual, tuple):
                actual = list(actual)
            elif hasattr(actual, "items"):
                actual = {k: list(v) if isinstance(v, tuple) else v for k, v in actual.items()}
            assert actual == value, f"{cid}.{key}: {actual!r} != {value!r}"
    for edge in case.get("edges", []):
        source, kind, target = edge.split()
        assert any(e.source == source and e.kind == kind and e.target == target for e in arch.edges), edge
    for flow_id, steps in case.get("flows", {}).items():
        flows = {f.id: [s.label for s in f.steps] for f in arch.flows}
        assert flows.get(flow_id) == steps
    for text in case.get("warnings", []):
        assert any(text in w for w in arch.warnings), arch.warnings


def test_every_rule_has_cases_that_fire_and_cases_that_do_not() -> None:
    covered: dict[str, set[bool]] = {}
    universal: set[str] = set()
    for path in sorted(CASES_DIR.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        assert path.stem == doc["rule"], f"{path.name} holds cases for {doc['rule']}"
        covered[doc["rule"]] = {case["fires"] for case in doc["cases"]}
        if doc.get("fires_for_every_workload"):
            universal.add(doc["rule"])
    for rule in load_rules():
        expected = {True} if rule.id in universal else {True, False}
        assert covered.get(rule.id) == expected, f"{rule.id} needs a firing and a non-firing case"


def test_universal_rules_fire_for_every_single_id_workload() -> None:
    """A rule marked fires_for_every_workload must really fire for every problem and requirement alone."""
    from advisor.catalog import load_catalog

    catalog = load_catalog()
    universal = [yaml.safe_load(p.read_text()) for p in sorted(CASES_DIR.glob("*.yaml"))]
    universal = [d["rule"] for d in universal if d.get("fires_for_every_workload")]
    bodies = [{"problems": [p]} for p in catalog.problems] + [{"requirements": {r: True}} for r in catalog.requirements]
    for body in bodies:
        arch = recommend(load_workload_text(yaml.safe_dump({**BASE, **body}), "universal.case"))
        fired = {d.rule for d in arch.decisions}
        for rule_id in universal:
            assert rule_id in fired, (rule_id, body)
