"""`advisor review` as a user runs it: the JSON contract, the formats, the traffic it prices with, the exit
codes, and hostile templates refused cleanly."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, ROOT, run_cli

REVIEW = ROOT / "tests" / "review"
CONTRACT = {"template", "questions", "read", "architecture", "findings", "not_understood", "proposal", "cost", "warnings"}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, Path]:
    """Each example's template, rendered once."""
    out = {}
    for example in EXAMPLES:
        folder = tmp_path_factory.mktemp(example.stem)
        result = run_cli("render", str(example), "-o", str(folder))
        assert result.code == 0, result.err
        out[example.stem] = folder / "template.yaml"
    return out


def _lines(lines: list[dict]) -> list[dict]:
    """Cost lines without their basis (which names the template line a setting came from, where `cost` names
    the rule)."""
    return [{k: v for k, v in line.items() if k != "basis"} for line in lines]


@pytest.mark.parametrize("example", [p.stem for p in EXAMPLES])
def test_review_with_the_workload_prices_the_template_as_cost_does(rendered, example):
    """The done-when's second half through the command line: the template's current cost with W's traffic is
    `advisor cost W` line by line, and the proposal is W's recommendation."""
    workload = str(ROOT / "examples" / f"{example}.yaml")
    result = run_cli("review", str(rendered[example]), "--workload", workload, "--format", "json")
    doc = json.loads(result.out)
    # None of W's own problems is found; a finding outside them (no alarm where monitoring was not asked for) exits 1.
    import yaml

    problems = set(yaml.safe_load(Path(workload).read_text(encoding="utf-8")).get("problems") or ())
    assert not [f for f in doc["findings"] if f["problem"] in problems], doc["findings"]
    assert result.code == (1 if doc["findings"] else 0), result.err
    assert set(doc) == CONTRACT
    cost = json.loads(run_cli("cost", workload, "--format", "json").out)
    assert _lines(doc["cost"]["current"]["lines"]) == _lines(cost["lines"])
    assert doc["cost"]["current_monthly_usd"] == cost["total_monthly_usd"] == doc["cost"]["proposed_monthly_usd"]
    assert doc["cost"]["delta_monthly_usd"] == "0" or float(doc["cost"]["delta_monthly_usd"]) == 0
    recommended = json.loads(run_cli("recommend", workload, "--format", "json").out)
    assert doc["proposal"] == {k: recommended[k] for k in ("services", "flows", "decisions")}
    assert {c["id"] for c in doc["architecture"]["components"]} == {c["id"] for c in recommended["components"]}
    assert doc["not_understood"] == []


def test_review_json_contract_without_traffic(rendered):
    result = run_cli("review", str(rendered["order-fanout"]), "-f", "json")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert doc["template"] == str(rendered["order-fanout"])
    assert doc["read"]["format"] == "yaml" and doc["read"]["sam"] is False and doc["read"]["region"] == "us-east-1"
    assert doc["cost"] == {"current_monthly_usd": None, "proposed_monthly_usd": None, "delta_monthly_usd": None,
                           "lines": [], "current": None, "proposed": None}
    assert doc["proposal"] == {"services": [], "flows": [], "decisions": []}
    topic = next(c for c in doc["architecture"]["components"] if c["id"] == "topic:events")
    assert topic["service"] == "sns" and topic["line"] > 1
    assert {r["part"] for r in topic["resources"]} >= {"", "subscription", "dead-letter queue", "topic policy"}
    edge = {"from": "topic:events", "to": "queue:consumer-billing", "kind": "fans-out",
            "settings": {"raw_message_delivery": True}}
    assert edge in doc["architecture"]["edges"]


def test_a_hand_written_template_lists_what_advisor_does_not_model(tmp_path):
    result = run_cli("review", str(REVIEW / "hand-written.yaml"), "-f", "json")
    assert result.code == 1, result.err  # findings in force
    doc = json.loads(result.out)
    assert {(f["rule"], tuple(f["resources"])) for f in doc["findings"]} == {
        ("ADV-R009", ("OrdersTable",)), ("ADV-C003", ("OrdersTable",)), ("ADV-R007", ("OrdersQueue",)),
        ("ADV-O001", ("Handler", "Server")), ("ADV-R019", ("Handler",)), ("ADV-O005", ("Server",)),
        ("ADV-R002", ("Server",))}
    components = {c["id"]: c for c in doc["architecture"]["components"]}
    assert set(components) == {"function:handler", "queue:orders-queue", "roles:functions", "table:orders-table"}
    assert components["table:orders-table"]["settings"]["write_capacity_units"] == 10  # Stage defaults to prod
    assert components["table:orders-table"]["sources"]["write_capacity_units"].startswith("template line 17 (OrdersTable)")
    assert components["function:handler"]["settings"]["timeout_s"] == 3  # Lambda's own default
    assert "dead_letter_queue" not in components["queue:orders-queue"]["settings"]
    edges = {(e["from"], e["kind"], e["to"]) for e in doc["architecture"]["edges"]}
    assert edges == {("function:handler", "writes", "table:orders-table"),
                     ("queue:orders-queue", "triggers", "function:handler")}
    assert doc["not_understood"] == [{"logical_id": "Server", "type": "AWS::EC2::Instance", "line": 53,
                                      "why": "advisor does not model AWS::EC2::Instance"}]
    dev = json.loads(run_cli("review", str(REVIEW / "hand-written.yaml"), "-f", "json", "-p", "Stage=dev").out)
    assert dev["not_understood"] == [] and dev["read"]["not_deployed"][0]["logical_id"] == "Server"
    handler = next(c for c in doc["architecture"]["components"] if c["id"] == "function:handler")
    assert {(r["logical_id"], r["part"]) for r in handler["resources"]} == {
        ("Handler", ""), ("HandlerRole", "role"), ("Nightly", "schedule")}
    bad = run_cli("review", str(REVIEW / "hand-written.yaml"), "-p", "Stage")
    assert bad.code == 2 and "is not NAME=VALUE" in bad.err


def test_a_sam_template_is_expanded_and_read(tmp_path):
    result = run_cli("review", str(REVIEW / "sam.yaml"), "-f", "json")
    assert result.code == 1, result.err
    doc = json.loads(result.out)
    assert {(f["rule"], tuple(f["resources"])) for f in doc["findings"]} == {
        ("ADV-R007", ("Orders",)), ("ADV-R009", ("Table",)), ("ADV-O001", ("Worker",))}
    assert doc["read"]["sam"] is True
    components = {c["id"]: c for c in doc["architecture"]["components"]}
    assert components["function:worker"]["settings"]["memory_mb"] == 1024
    assert components["function:worker"]["settings"]["timeout_s"] == 10  # from Globals
    assert components["function:worker"]["line"] == 13
    edges = {(e["from"], e["kind"], e["to"]) for e in doc["architecture"]["edges"]}
    assert edges == {("api:serverless-rest-api", "invokes", "function:worker"),
                     ("function:worker", "writes", "table:table"), ("queue:orders", "triggers", "function:worker")}


def test_a_usage_file_prices_a_template_without_a_workload(tmp_path):
    usage = tmp_path / "usage.yaml"
    usage.write_text("traffic: {requests_per_month: 2000000, peak_requests_per_second: 50}\n"
                     "usage:\n  lambda: {request_duration_ms: 200}\n", encoding="utf-8")
    result = run_cli("review", str(REVIEW / "hand-written.yaml"), "--usage", str(usage), "-f", "json")
    assert result.code == 1, result.err  # the findings above
    doc = json.loads(result.out)
    assert doc["cost"]["current_monthly_usd"] is not None and doc["cost"]["proposed_monthly_usd"] is None
    table = [line for line in doc["cost"]["current"]["lines"] if line["component"] == "table:orders-table"]
    assert table and table[0]["item"].startswith("Write capacity")
    elsewhere = tmp_path / "eu.yaml"
    elsewhere.write_text((ROOT / "examples" / "startup-mvp.yaml").read_text(encoding="utf-8").replace(
        "region: us-east-1", "region: eu-west-1"), encoding="utf-8")
    assert run_cli("render", str(elsewhere), "-o", str(tmp_path / "eu")).code == 0
    priced = json.loads(run_cli("review", str(tmp_path / "eu" / "template.yaml"), "--usage", str(usage), "-f",
                                "json").out)
    assert priced["read"]["region"] == priced["cost"]["current"]["region"] == "eu-west-1"  # the template's own
    bad = tmp_path / "bad.yaml"
    bad.write_text("traffic: {requests_per_month: -1}\nproblems: [x]\n", encoding="utf-8")
    refused = run_cli("review", str(REVIEW / "hand-written.yaml"), "--usage", str(bad))
    assert refused.code == 2 and f"{bad}:1:" in refused.err and f"{bad}:2:1" in refused.err
    assert "Traceback" not in refused.err and refused.out == ""


def test_text_and_markdown_formats(rendered):
    text = run_cli("review", str(rendered["startup-mvp"]), "--workload", str(ROOT / "examples" / "startup-mvp.yaml"),
                   "-f", "text")
    assert text.code == 0 and "Components:" in text.out and "the template as it is: $" in text.out
    markdown = run_cli("review", str(rendered["startup-mvp"]), "-f", "markdown")
    assert markdown.code == 0 and markdown.out.startswith("# Review: `") and "## Architecture" in markdown.out


def test_a_template_on_standard_input(rendered):
    result = run_cli("review", "-", "-f", "json", stdin=rendered["startup-mvp"].read_text(encoding="utf-8"))
    assert result.code == 0, result.err
    assert json.loads(result.out)["template"] == "<stdin>"
    bad = run_cli("review", "-", stdin="Resources:\n  Q: {Type: AWS::SQS::Queue, Properties: !Nope x}\n")
    assert bad.code == 2 and bad.err.startswith("<stdin>:2:42: error: tag '!Nope'"), bad.err


# --- hostile templates: exit 2, the file, line and column, no traceback, nothing on stdout ---------------------

HOSTILE = {
    "binary.yaml": (b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)), ":2:118: error: not UTF-8"),
    "nul.yaml": (b"Resources:\n  Q: {Type: AWS::SQS::Queue}\n\x00\n", ":3:1: error: control character"),
    "unknown-tag.yaml": (b"Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: {QueueName: !Nope x}\n",
                         ":4:29: error: tag '!Nope' is not allowed"),
    "unknown-function.json": (b'{"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": '
                              b'{"QueueName": {"Fn::Nope": 1}}}}}', ":1:77: error: unknown intrinsic function Fn::Nope"),
    "not-a-template.yaml": (b"version: 1\nname: w\nproblems: [scalability-issues]\n", ":1:1: error: the template has no Resources"),
    "empty.yaml": (b"", ":1:1: error: the file is empty"),
    "two-documents.yaml": (b"Resources: {}\n---\nResources: {}\n", ":2:1: error: the file holds more than one"),
    "truncated.json": (b'{"Resources": {"Q": {"Type": "AWS::SQS::Queue"', ":2:1: error: invalid JSON"),
    "sam-refused.yaml": (b"Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n"
                         b"    Properties: {Runtime: python3.12, Events: {E: {Type: Nope}}}\n", ":3:3: error: SAM:"),
    "alias-bomb.yaml": (b"a: &a [x, x, x, x, x, x, x, x, x, x]\n" + b"".join(
        bytes(f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 10) + "]\n", "ascii")
        for i in range(8)) + b"Resources: {Q: {Type: AWS::SQS::Queue}}\n", "after expanding aliases"),
    "deep.yaml": (b"Resources: " + b"[" * 5000 + b"]" * 5000 + b"\n", "nesting deeper than 100 levels"),
    "too-large.yaml": (b"Resources: {Q: {Type: AWS::SQS::Queue}}\n" + b"#" * (1024 * 1024), ":1:1: error: file is larger"),
    "too-many-values.yaml": (b"Resources: [" + b"1," * 450_000 + b"1]\n", "more than 400,000 values"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_templates_exit_2_cleanly(tmp_path, name):
    data, expected = HOSTILE[name]
    path = tmp_path / name
    path.write_bytes(data)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = run_cli("review", str(path), "-f", "json")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # The child's CPU time, never the wall clock: a refusal costs about a start-up, an expanded bomb far more.
    assert after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime < 10
    assert result.code == 2, (result.code, result.err)
    assert result.out == ""
    assert str(path) + expected in result.err or (expected in result.err and str(path) in result.err), result.err
    assert "Traceback" not in result.err and "internal error" not in result.err


def test_a_missing_template_and_a_folder(tmp_path):
    missing = run_cli("review", str(tmp_path / "nope.yaml"))
    assert missing.code == 2 and "no such file" in missing.err
    folder = run_cli("review", str(tmp_path))
    assert folder.code == 2 and "is a folder" in folder.err


def test_reviewing_a_plain_template_imports_neither_the_sam_translator_nor_the_cli_libraries(rendered):
    """The core of review stays pure, and a template without a SAM transform never pays for the translator (and
    the boto3 it imports)."""
    code = (
        "import sys\n"
        "from advisor.review.report import review_json, run_review\n"
        f"review_json(run_review({str(rendered['everything'])!r}, workload=None, proposal=None, find_prices=None))\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('typer', 'rich', 'boto3', 'botocore', "
        "'samtranslator', 'jinja2', 'click'))\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == ""
