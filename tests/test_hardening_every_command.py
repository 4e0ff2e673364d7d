"""Valid files never crash: every command on a few dozen valid workloads generated from the schema exits 0 or
a clean 2 (a message naming the file or the remedy), never 70."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import given, note, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tests.test_properties import FIXED, valid_workload

COMMANDS = [
    ["validate", "{file}"],
    ["recommend", "{file}", "--format", "json"],
    ["recommend", "{file}", "--format", "markdown"],
    ["recommend", "{file}", "--format", "table"],
    ["cost", "{file}", "--format", "json"],
    ["cost", "{file}", "--format", "csv"],
    ["cost", "{file}", "--format", "table"],
    ["cost", "{file}", "--sweep", "--sweep-points", "5", "--format", "json"],
    ["cost", "{file}", "--sweep", "--sweep-points", "5", "--format", "markdown"],
    ["diff", "{file}", "{file}", "--format", "text"],
    ["diff", "{file}", "{file}", "--format", "markdown", "--max-increase", "0%"],
    ["render", "{file}", "-o", "{out}"],
]


def _rendered(written: list[str]) -> bool:
    """The report and the template, and a recovery Region's template when the design uses a second Region (with
    the restore script when backup and restore runs on exports)."""
    import re

    extra = [n for n in written if n not in ("ARCHITECTURE.md", "template.yaml", "restore-exports.py")]
    return {"ARCHITECTURE.md", "template.yaml"} <= set(written) and len(extra) <= 1 and all(
        re.fullmatch(r"template\.[a-z]{2}-[a-z]+-\d\.yaml", n) for n in extra)


def run_all(doc: dict, charset: str) -> None:
    from advisor import cli as cli_module

    folder = Path(tempfile.mkdtemp(prefix="advisor-every-"))
    try:
        path = folder / "valid.yaml"
        path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
        note(path.read_text(encoding="utf-8"))
        for template in COMMANDS:
            args = [a.format(file=path, out=folder / "out") for a in template]
            result = CliRunner(charset=charset).invoke(cli_module.app, args, env={"NO_COLOR": "1", "ADVISOR_DEBUG": ""})
            note(f"{' '.join(template)} -> {result.exit_code}\n{result.stderr}")
            assert result.exit_code in (0, 2), f"{' '.join(template)}: exit {result.exit_code}\n{result.stderr}"
            if result.exit_code == 2:
                assert "error:" in result.stderr and "internal error" not in result.stderr, result.stderr
                assert "Traceback" not in result.stderr
            if template[0] == "render":
                written = sorted(p.name for p in (folder / "out").iterdir()) if (folder / "out").exists() else []
                assert _rendered(written) if result.exit_code == 0 else written == [], written
                if result.exit_code == 0:  # the rendered template reviews without a finding of its own problems
                    args = ["review", str(folder / "out" / "template.yaml"), "--workload", str(path), "-f", "json"]
                    reviewed = CliRunner(charset=charset).invoke(cli_module.app, args,
                                                                 env={"NO_COLOR": "1", "ADVISOR_DEBUG": ""})
                    note(f"review -> {reviewed.exit_code}\n{reviewed.stderr}")
                    # Exit 1 only for a finding outside the workload's problems (no alarm where monitoring was
                    # not asked for), never 2 or an internal error.
                    assert reviewed.exit_code in (0, 1), reviewed.stderr
                    found = [f for f in json.loads(reviewed.stdout)["findings"] if not f.get("suppressed_by")]
                    assert reviewed.exit_code == (1 if found else 0)
                    assert not [f for f in found if f["problem"] in doc.get("problems", ())], found
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@settings(max_examples=36, **FIXED)
@given(valid_workload, st.sampled_from(["utf-8", "latin-1"]))
def test_every_command_on_valid_workloads(doc, charset):
    """Half the runs write to a Latin-1 standard output, as with PYTHONIOENCODING=latin-1."""
    run_all(doc, charset)


# The valid files the hardening issue named: each crashed a command with exit 70.
NAMED = {
    "websocket-message-of-200-kb": "problems: [scalability-issues]\ntraffic: {request_kb: 200}\n"
                                   "usage:\n  apigateway: {type: websocket}\n",
    "disaster-recovery-alone": "requirements:\n  disaster-recovery: {rpo_minutes: 0}\n",
}


@pytest.mark.parametrize("body", NAMED.values(), ids=list(NAMED))
@pytest.mark.parametrize("template", COMMANDS, ids=[" ".join(t[:1] + t[2:]) for t in COMMANDS])
def test_every_command_on_the_valid_files_the_issue_named(cli, tmp_path, body, template):
    path = tmp_path / "valid.yaml"
    path.write_text("version: 1\nname: named\n" + body, encoding="utf-8")
    out = tmp_path / "out"
    result = cli(*[a.format(file=path, out=out) for a in template])
    assert result.code in (0, 2), result.err
    if result.code == 2:
        assert f"{path}:" in result.err and "internal error" not in result.err, result.err
    if template[0] == "render":
        written = sorted(p.name for p in out.iterdir()) if out.exists() else []
        assert _rendered(written) if result.code == 0 else written == [], written
