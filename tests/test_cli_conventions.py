"""CLI conventions: help with examples, quiet mode, colour switches, completion, init, lens export."""

from __future__ import annotations

import json

import pytest

from advisor.workload import load_workload
from tests.conftest import ROOT
from tests.cpulimit import cpu_limit  # noqa: E402

COMMANDS = ["recommend", "cost", "diff", "render", "review", "validate", "schema", "rules", "init", "prices update",
            "prices list"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(cli, command):
    result = cli(*command.split(), "--help")
    assert result.code == 0
    assert "Example: advisor " in result.out


def test_completion_can_be_installed(cli):
    result = cli("--help")
    assert "--install-completion" in result.out and "--show-completion" in result.out


def test_quiet_silences_notes_but_not_errors(cli, tmp_path):
    ok = cli("-q", "validate", str(ROOT / "examples" / "startup-mvp.yaml"))
    assert ok.code == 0 and ok.err == ""
    loud = cli("validate", str(ROOT / "examples" / "startup-mvp.yaml"))
    assert "ok (" in loud.err
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nname: x\n")
    quiet_bad = cli("-q", "validate", str(bad))
    assert quiet_bad.code == 2 and "neither problems nor requirements" in quiet_bad.err


@pytest.mark.parametrize("switch", [("--no-color",), ()])
def test_tables_carry_no_colour_codes(cli, switch):
    # conftest sets NO_COLOR for every run; --no-color must hold on its own too.
    result = cli(*switch, "recommend", str(ROOT / "examples" / "order-fanout.yaml"), "--format", "table")
    assert result.code == 0 and "\x1b[" not in result.out


def test_init_writes_a_valid_commented_workload(cli, tmp_path):
    result = cli("init", "-o", str(tmp_path / "advisor.yaml"), "--name", "orders", "--problem", "high-latency",
                 "--requirement", "decoupling", "--region", "eu-west-1")
    assert result.code == 0, result.err
    text = (tmp_path / "advisor.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=./workload.schema.json\n")
    workload = load_workload(str(tmp_path / "advisor.yaml"))
    assert (workload.name, workload.region, workload.problems) == ("orders", "eu-west-1", ("high-latency",))
    schema = json.loads((tmp_path / "workload.schema.json").read_text())
    assert schema["$schema"].endswith("2020-12/schema")
    again = cli("init", "-o", str(tmp_path / "advisor.yaml"), "--name", "orders", "--problem", "high-latency")
    assert again.code == 2 and "already exists" in again.err


def test_init_refuses_unknown_ids_and_empty_intent(cli, tmp_path):
    unknown = cli("init", "-o", str(tmp_path / "a.yaml"), "--problem", "slow")
    assert unknown.code == 2 and "unknown problem 'slow'" in unknown.err
    empty = cli("init", "-o", str(tmp_path / "b.yaml"))
    assert empty.code == 2 and "at least one problem or requirement" in empty.err
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_lens_export_includes_custom_rules(cli, tmp_path):
    from advisor.lens import validate_lens

    plain = tmp_path / "lens.json"
    custom = tmp_path / "custom.json"
    assert cli("rules", "--export-lens", str(plain)).code == 0
    assert cli("rules", "--export-lens", str(custom), "--rules", str(ROOT / "tests" / "custom_rules")).code == 0
    plain_doc, custom_doc = json.loads(plain.read_text()), json.loads(custom.read_text())
    assert validate_lens(plain_doc) == [] and validate_lens(custom_doc) == []
    ids = lambda doc: {c["id"] for p in doc["pillars"] for q in p["questions"] for c in q["choices"]}  # noqa: E731
    assert "ACME_P001" in ids(custom_doc) and "ADV_P002" not in ids(custom_doc)
    assert "ADV_P002" in ids(plain_doc)


def test_a_typo_in_the_command_name_gets_a_suggestion(cli):
    result = cli("cots", "examples/startup-mvp.yaml")
    assert result.code == 2 and "No such command 'cots'" in result.err and "cost" in result.err


def test_interactive_init_checks_each_answer_when_it_is_given(tmp_path):
    """On a terminal a wrong answer is refused at once and asked again; the run then succeeds."""
    import os
    import pty
    import subprocess
    import sys

    controller, terminal = pty.openpty()
    try:
        # A bad name, a bad Region, an unknown problem and a negative count, each followed by a good answer.
        os.write(controller, b"Bad Name\norders\nus-est-1\nus-east-1\nslow\nhigh-latency\n\n-5\n1000\n")
        env = {k: v for k, v in os.environ.items() if k != "ADVISOR_DEBUG"}
        env["NO_COLOR"] = "1"
        proc = subprocess.run([sys.executable, "-m", "advisor", "init", "-o", str(tmp_path / "advisor.yaml")],
                              stdin=terminal, capture_output=True, text=True, env=env, preexec_fn=cpu_limit(60))
    finally:
        os.close(terminal)
        os.close(controller)
    assert proc.returncode == 0, proc.stderr
    assert "'Bad Name' is not a workload name" in proc.stderr
    assert "unknown region 'us-est-1'" in proc.stderr and "unknown id 'slow'" in proc.stderr
    assert "'-5' is not a whole number" in proc.stderr
    workload = load_workload(str(tmp_path / "advisor.yaml"))
    assert (workload.name, workload.region, workload.problems) == ("orders", "us-east-1", ("high-latency",))
    assert workload.traffic["requests_per_month"] == 1000
