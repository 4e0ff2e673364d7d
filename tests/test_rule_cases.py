"""Every rule's YAML test cases, run by one parametrized test through the same runner as `rules --check`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from advisor.catalog import load_catalog
from advisor.engine import recommend
from advisor.rulecheck import BASE, run_case
from advisor.rules import load_rules
from advisor.workload import load_workload_text

CASES_DIR = Path(__file__).parent / "rules"


def _cases() -> list[Any]:
    out = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        for case in doc["cases"]:
            out.append(pytest.param(doc["rule"], case, id=f"{doc['rule']}: {case['name']}"))
    return out


@pytest.mark.parametrize(("rule_id", "case"), _cases())
def test_rule_case(rule_id: str, case: dict[str, Any]) -> None:
    assert run_case(rule_id, case, load_rules(), load_catalog()) == []


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
        if rule.review_only:  # it checks templates and never fires: its cases say so
            assert covered.get(rule.id) == {False}, f"{rule.id} is review-only: its cases show it never fires"
            continue
        expected = {True} if rule.id in universal else {True, False}
        assert covered.get(rule.id) == expected, f"{rule.id} needs a firing and a non-firing case"


def test_universal_rules_fire_for_every_single_id_workload() -> None:
    """A rule marked fires_for_every_workload must really fire for every problem and requirement alone."""
    catalog = load_catalog()
    universal = [yaml.safe_load(p.read_text()) for p in sorted(CASES_DIR.glob("*.yaml"))]
    universal = [d["rule"] for d in universal if d.get("fires_for_every_workload")]
    bodies = [{"problems": [p]} for p in catalog.problems] + [{"requirements": {r: True}} for r in catalog.requirements]
    for body in bodies:
        arch = recommend(load_workload_text(yaml.safe_dump({**BASE, **body}), "universal.case"))
        fired = {d.rule for d in arch.decisions}
        for rule_id in universal:
            assert rule_id in fired, (rule_id, body)


def test_a_failing_case_is_reported() -> None:
    failures = run_case("ADV-R001", {"workload": {"problems": ["scalability-issues"]}, "fires": True,
                                     "because": ["problem:high-latency"], "components": ["queue:nowhere"]},
                        load_rules(), load_catalog())
    assert failures == ["because ['problem:scalability-issues'], expected ['problem:high-latency']",
                        "component queue:nowhere missing"]
