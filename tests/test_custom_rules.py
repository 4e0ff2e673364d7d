"""Organisation rule folders: added beside the bundled rules, overriding one only through `replaces:`."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import ROOT

CUSTOM = ROOT / "tests" / "custom_rules"
EXAMPLE = str(ROOT / "examples" / "flash-sale-orders.yaml")


def _functions(data: dict) -> set[str]:
    return {c["settings"].get("architecture") for c in data["components"] if c["service"] == "lambda"}


def test_a_custom_folder_changes_the_recommendation(cli):
    plain = json.loads(cli("recommend", EXAMPLE, "--format", "json").out)
    custom = json.loads(cli("recommend", EXAMPLE, "--format", "json", "--rules", str(CUSTOM)).out)
    assert _functions(plain) == {"arm64"} and _functions(custom) == {"x86_64"}
    rules = {d["rule"] for d in custom["decisions"]}
    assert "ACME-P001" in rules and "ADV-P002" not in rules
    assert "ADV-P002" in {d["rule"] for d in plain["decisions"]}


def test_the_environment_variable_adds_folders_and_cost_follows(cli, monkeypatch):
    monkeypatch.setenv("ADVISOR_RULES", str(CUSTOM))
    data = json.loads(cli("cost", EXAMPLE, "--format", "json").out)
    durations = [x["item"] for x in data["lines"] if x["service"] == "lambda" and x["item"].startswith("Duration")]
    assert durations and all("x86_64" in item for item in durations)
    listed = json.loads(cli("rules", "--format", "json").out)
    assert {"ACME-C001", "ACME-P001"} <= {r["id"] for r in listed}


def test_rules_check_passes_on_the_folder(cli):
    result = cli("rules", "--check", str(CUSTOM))
    assert result.code == 0, result.err
    assert "2 rule(s) valid" in result.err and "4 of 4 case(s) passed" in result.err


def test_rules_check_reports_a_failing_case_with_exit_1(cli, tmp_path):
    folder = tmp_path / "rules"
    shutil.copytree(CUSTOM, folder)
    case = folder / "tests" / "ACME-P001.yaml"
    case.write_text(case.read_text().replace("architecture: x86_64", "architecture: arm64"))
    result = cli("rules", "--check", str(folder))
    assert result.code == 1
    assert "function:processor.architecture is 'x86_64', expected 'arm64'" in result.err


def test_rules_check_requires_cases_for_every_rule(cli, tmp_path):
    folder = tmp_path / "rules"
    shutil.copytree(CUSTOM, folder)
    (folder / "tests" / "ACME-C001.yaml").unlink()
    result = cli("rules", "--check", str(folder))
    assert result.code == 1 and "ACME-C001 has no test cases" in result.err


def _broken(tmp_path, old: str, new: str):
    folder = tmp_path / "rules"
    shutil.copytree(CUSTOM, folder)
    path = folder / "performance-efficiency" / "ACME-P001.yaml"
    path.write_text(path.read_text().replace(old, new))
    return folder, path


def test_the_bundled_prefix_is_reserved(cli, tmp_path):
    folder, path = _broken(tmp_path, "id: ACME-P001", "id: ADV-P001")
    path.rename(path.with_name("ADV-P001.yaml"))
    result = cli("rules", "--check", str(folder))
    assert result.code == 2
    assert "the ADV- prefix is reserved for bundled rules" in result.err


def test_replacing_an_unknown_rule_is_an_error_with_a_hint(cli, tmp_path):
    folder, path = _broken(tmp_path, "replaces: [ADV-P002]", "replaces: [ADV-P020]")
    result = cli("recommend", EXAMPLE, "--rules", str(folder))
    assert result.code == 2
    assert f"{path}:" in result.err and "replaces unknown bundled rule 'ADV-P020'" in result.err
    # The closest bundled ids are one edit away: ADV-P002 (two digits swapped) and ADV-R020 (one letter).
    assert "did you mean 'ADV-P002'" in result.err or "did you mean 'ADV-R020'" in result.err


def test_the_same_custom_rule_in_two_folders_is_a_duplicate(cli, tmp_path):
    first, _ = _broken(tmp_path, "x", "x")
    second = tmp_path / "again"
    shutil.copytree(CUSTOM, second)
    result = cli("recommend", EXAMPLE, "--rules", str(first), "--rules", str(second))
    assert result.code == 2 and "duplicate rule id 'ACME-C001'" in result.err


def test_a_missing_folder_is_reported(cli, tmp_path):
    result = cli("recommend", EXAMPLE, "--rules", str(tmp_path / "nowhere"))
    assert result.code == 2 and "rules folder not found" in result.err


def _org_rule(tmp_path, rid: str, pillar: str, body: str):
    folder = tmp_path / "org"
    (folder / pillar).mkdir(parents=True)
    path = folder / pillar / f"{rid}.yaml"
    path.write_text(f"id: {rid}\ntitle: An organisation's choice\npillars: [" + pillar + "]\n"
                    "best_practices: [SEC08-BP01]\n" + body + "rationale: r\ntradeoffs: t\n"
                    "source: https://docs.aws.amazon.com/wellarchitected/latest/security-pillar/welcome.html\n")
    return folder, path


def test_an_organisation_rule_cannot_switch_off_bundled_settings_without_replaces(cli, tmp_path):
    # Rules once fired in id order, so ACME- won over ADV- quietly: recovery, rotation and tracing
    # off while the report still claimed them.
    folder, path = _org_rule(tmp_path, "ACME-S901", "security", (
        "when: {service: dynamodb}\nadds:\n  settings:\n"
        "    - {service: dynamodb, set: {point_in_time_recovery: false}}\n"
        "    - {service: kms, set: {rotation: false}}\n"
        "    - {service: lambda, set: {tracing: PassThrough}}\n"))
    result = cli("recommend", str(ROOT / "examples" / "everything.yaml"), "--rules", str(folder), "--format", "json")
    assert result.code == 2 and result.out == "", result.err
    for bundled, setting in (("ADV-R009", "table:main.point_in_time_recovery"), ("ADV-S003", "key:main.rotation"),
                             ("ADV-O003", "function:processor.tracing")):
        assert f"ACME-S901 sets {setting} to" in result.err and f"bundled rule {bundled}" in result.err
    assert f"{path}:1:1:" in result.err and "list it under replaces:" in result.err


@pytest.mark.parametrize("setting, expected", [
    ("{service: lambda, set: {memory_mb: 99999}}", "above the maximum of 10240"),
    ("{service: lambda, set: {timeout_s: 100000}}", "above the maximum of 900"),
    ("{service: lambda, set: {log_retention_days: -1}}", "is not one of"),
    ("{service: apigateway, set: {throttling: {rate_limit_rps: 1.0e+308, burst_limit: 10}}}",
     "rate_limit_rps: 1e+308 is above the maximum"),
    ("{service: sqs, set: {dead_letter_queue: {max_receive_count: 0, retention_days: 14}}}",
     "max_receive_count: 0 is below the minimum of 1"),
    ("{service: sqs, set: {consumer: {maximum_concurrency: 100000}}}", "maximum_concurrency: 100000 is above"),
])
def test_a_rule_setting_outside_the_service_limits_never_reaches_the_template(cli, tmp_path, setting, expected):
    # Replacing the bundled rules that set these, so that only the limit can refuse the value.
    folder, path = _org_rule(tmp_path, "ACME-R901", "reliability", (
        "replaces: [ADV-P001, ADV-O004, ADV-R017, ADV-R007, ADV-U001]\n"
        "when: {problem: scalability-issues}\nadds:\n  settings:\n    - " + setting + "\n"))
    out = tmp_path / "out"
    result = cli("render", str(ROOT / "examples" / "startup-mvp.yaml"), "--rules", str(folder), "-o", str(out))
    assert result.code == 2, result.err
    assert f"{path}:" in result.err and expected in result.err
    assert not out.exists()
