"""`advisor review` as a CI step: findings in force exit 1 and name rule, problem, resources and line; SARIF
validates against the OASIS schema with results at the template's lines; every hostile template of
tests/review/hostile/ gets the exit code its manifest gives, cleanly."""

from __future__ import annotations

import json
import resource
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, run_cli
from tests.test_sarif import valid

CORPUS = ROOT / "tests" / "review" / "corpus"
HOSTILE = ROOT / "tests" / "review" / "hostile"
MANIFEST: dict = yaml.safe_load((HOSTILE / "manifest.yaml").read_text(encoding="utf-8"))["files"]


def test_findings_in_force_exit_1_with_the_contract():
    # sqs-lambda (aws-samples/serverless-patterns, MIT-0): a queue without a dead-letter queue, and no alarm.
    result = run_cli("review", str(CORPUS / "sqs-lambda.yaml"), "-f", "json")
    assert result.code == 1, result.err
    doc = json.loads(result.out)
    got = {(f["rule"], f["problem"], tuple(f["resources"])) for f in doc["findings"]}
    assert got == {("ADV-R007", "single-point-of-failure", ("MySqsQueue",)),
                   ("ADV-O001", "limited-monitoring-governance", ("QueueConsumerFunction",))}
    text = (CORPUS / "sqs-lambda.yaml").read_text(encoding="utf-8").splitlines()
    queue = next(f for f in doc["findings"] if f["rule"] == "ADV-R007")
    assert text[queue["line"] - 1].strip().startswith("MySqsQueue")
    assert set(doc) >= {"template", "architecture", "findings", "questions", "not_understood", "proposal", "cost"}


def test_a_suppression_with_a_reason_takes_the_finding_out_of_force(tmp_path):
    text = (CORPUS / "sqs-lambda.yaml").read_text(encoding="utf-8")
    assert "  MySqsQueue:\n    Type: AWS::SQS::Queue\n" in text
    text = text.replace("  MySqsQueue:\n    Type: AWS::SQS::Queue\n", "  MySqsQueue:\n    Type: AWS::SQS::Queue\n"
                        "    Metadata:\n      advisor:\n        ignore:\n          - rule: ADV-R007\n"
                        "            reason: retried by the producer\n")
    path = tmp_path / "t.yaml"
    path.write_text(text, encoding="utf-8")
    doc = json.loads(run_cli("review", str(path), "-f", "json").out)
    queue = next(f for f in doc["findings"] if f["rule"] == "ADV-R007")
    assert queue["suppressed_by"]["reason"] == "retried by the producer" and queue["suppressed_by"]["accepted"]
    # the alarm finding stays in force: still exit 1; without it, exit 0
    assert run_cli("review", str(path), "-f", "json").code == 1


def test_sarif_output_validates_and_points_at_the_lines():
    result = run_cli("review", str(CORPUS / "sqs-lambda.yaml"), "-f", "sarif")
    assert result.code == 1, result.err
    log = valid(json.loads(result.out))
    results = log["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"ADV-R007", "ADV-O001"}
    json_doc = json.loads(run_cli("review", str(CORPUS / "sqs-lambda.yaml"), "-f", "json").out)
    lines = {f["rule"]: f["line"] for f in json_doc["findings"]}
    for r in results:
        assert r["locations"][0]["physicalLocation"]["region"]["startLine"] == lines[r["ruleId"]]


def test_a_rendered_template_exits_0_in_every_format(tmp_path):
    out = tmp_path / "out"
    assert run_cli("render", str(ROOT / "examples" / "startup-mvp.yaml"), "-o", str(out)).code == 0
    for fmt in ("json", "text", "markdown", "sarif"):
        result = run_cli("review", str(out / "template.yaml"), "--workload",
                         str(ROOT / "examples" / "startup-mvp.yaml"), "-f", fmt)
        assert result.code == 0, (fmt, result.err)
    doc = json.loads(run_cli("review", str(out / "template.yaml"), "-f", "json").out)
    assert doc["findings"] == []


def _hostile_file(name: str, spec: dict, tmp_path: Path) -> Path:
    generate = spec.get("generate")
    if generate is None:
        return HOSTILE / name
    base = b"Resources:\n  Q:\n    Type: AWS::SQS::Queue\n"
    pad = generate["bytes"] - len(base)
    path = tmp_path / name
    path.write_bytes(base + (b"#" * 99 + b"\n") * (pad // 100) + b"#" * (pad % 100))
    return path


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_each_hostile_template_gets_its_exit_code_cleanly(name, tmp_path):
    spec = MANIFEST[name]
    path = _hostile_file(name, spec, tmp_path)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = run_cli("review", str(path), "-f", "json")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime < 10  # CPU seconds, never wall time
    assert "Traceback" not in result.err and "internal error" not in result.err, result.err
    if spec["exit"] == 2:
        assert result.code == 2, (result.code, result.err)
        assert result.out == ""
        where = str(spec.get("where", ""))
        assert str(path) in result.err
        if where:
            assert f"{path}:{where}" in result.err or f"{path}:{where.split(':')[0]}:" in result.err, result.err
    else:
        assert result.code in (0, 1), result.err  # the control is a template: read, and reviewed
        json.loads(result.out)
