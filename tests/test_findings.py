"""The Finding value: checked on construction, identified by rule, resources and path, ordered by position."""

from __future__ import annotations

import itertools
import json

import pytest

from advisor.findings import Finding, Suppression, ordered, problem_ids
from advisor.workload import json_schema


def finding(**changes) -> Finding:
    values = dict(rule="ADV-R007", problem="single-point-of-failure", severity="warning", resources=("Orders",),
                  path="Resources/Orders/Properties", line=12, column=5,
                  message="The queue Orders has no dead-letter queue.", fix="Add a RedrivePolicy to a second queue.")
    values.update(changes)
    return Finding(**values)


def test_problem_ids_are_the_workload_schemas_enum():
    assert list(problem_ids()) == json_schema()["properties"]["problems"]["items"]["enum"]


@pytest.mark.parametrize("problem", json_schema()["properties"]["problems"]["items"]["enum"])
def test_every_problem_of_the_schema_is_accepted(problem):
    assert finding(problem=problem).problem == problem


@pytest.mark.parametrize("changes, words", [
    ({"problem": "single-point-of-failur"}, "did you mean 'single-point-of-failure'"),
    ({"problem": "scalability"}, "not a problem id"),  # a requirement id, not a problem id
    ({"severity": "critical"}, "severity 'critical'"),
    ({"rule": "R007"}, "not a rule id"),
    ({"rule": "ADV-X007"}, "not a rule id"),
    ({"line": 0}, "1-based"),
    ({"column": True}, "1-based"),
    ({"resources": ["Orders"]}, "tuple of logical ids"),
    ({"resources": ("",)}, "tuple of logical ids"),
    ({"message": "  "}, "message is non-empty"),
    ({"fix": ""}, "fix is non-empty"),
    ({"path": ""}, "path is non-empty"),
])
def test_a_malformed_finding_is_refused(changes, words):
    with pytest.raises(ValueError) as caught:
        finding(**changes)
    assert words in str(caught.value)


def test_findings_are_frozen_values():
    one = finding()
    with pytest.raises(AttributeError):
        one.line = 3  # type: ignore[misc]
    assert one == finding() and hash(one) == hash(finding())


def test_a_suppression_must_be_of_the_findings_rule():
    with pytest.raises(ValueError, match="cannot suppress"):
        finding(suppressed_by=Suppression("ADV-R008", "legacy queue", "Resources/Orders/Metadata/advisor/ignore/0", 4, 9))


def test_only_a_suppression_with_a_reason_takes_a_finding_out_of_force():
    where = ("Resources/Orders/Metadata/advisor/ignore/0", 4, 9)
    assert finding().in_force
    assert not finding(suppressed_by=Suppression("ADV-R007", "drained by a batch job", *where)).in_force
    assert finding(suppressed_by=Suppression("ADV-R007", "  ", *where)).in_force
    assert Suppression("ADV-R007", "", *where).as_json()["accepted"] is False


def test_the_fingerprint_ignores_the_line_but_not_the_identity():
    base = finding()
    assert finding(line=40, column=9, message="reworded").fingerprint() == base.fingerprint()
    assert finding(resources=("Invoices",)).fingerprint() != base.fingerprint()
    assert finding(path="Resources/Orders").fingerprint() != base.fingerprint()
    assert finding(rule="ADV-R008").fingerprint() != base.fingerprint()
    # Joined with separators no id or path holds: ("a", "bc") and ("ab", "c") differ.
    assert finding(resources=("Or", "ders")).fingerprint() != finding(resources=("Ord", "ers")).fingerprint()


def test_order_is_the_templates_whatever_order_the_checks_ran_in():
    items = [finding(line=30), finding(line=12, column=9), finding(line=12, column=5, rule="ADV-R008"),
             finding(line=12, column=5), finding(line=1, resources=(), path="Resources", problem="limited-monitoring-governance")]
    expected = ordered(items)
    assert [(f.line, f.column, f.rule) for f in expected] == [(1, 5, "ADV-R007"), (12, 5, "ADV-R007"),
                                                             (12, 5, "ADV-R008"), (12, 9, "ADV-R007"), (30, 5, "ADV-R007")]
    for permutation in itertools.permutations(items):
        assert ordered(permutation) == expected


def test_json_has_the_review_contract_and_the_suppression():
    suppressed = finding(suppressed_by=Suppression("ADV-R007", "a batch job drains it",
                                                   "Resources/Orders/Metadata/advisor/ignore/0", 4, 9))
    data = json.loads(json.dumps(suppressed.as_json()))
    assert set(data) == {"rule", "problem", "severity", "resources", "path", "line", "column", "message", "fix",
                         "suppressed_by"}
    assert data["resources"] == ["Orders"] and data["suppressed_by"]["reason"] == "a batch job drains it"
    assert "suppressed_by" not in finding().as_json()
