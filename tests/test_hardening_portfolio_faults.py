"""One file that crashes advisor, or kills a worker process, must not stop a portfolio."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from tests.conftest import ROOT
from tests.cpulimit import cpu_limit  # noqa: E402

NAMES = [f"w{i:02d}.yaml" for i in range(12)]
BAD = "w05.yaml"


@pytest.fixture
def portfolio(tmp_path):
    folder = tmp_path / "workloads"
    folder.mkdir()
    for name in NAMES:
        shutil.copy(ROOT / "examples" / "startup-mvp.yaml", folder / name)
    return folder


def check(code, out, err, folder, what):
    lines = [json.loads(line) for line in out.splitlines()]
    assert [os.path.basename(r["file"]) for r in lines] == NAMES, err
    for record in lines:
        if record["file"].endswith(BAD):
            assert record["errors"][0]["message"].startswith("internal error: "), record
        else:
            assert "total_monthly_usd" in record, record
    assert f"{folder / BAD}: error: internal error: {what}" in err, err
    assert code == 70 and "Traceback" not in err


def test_a_file_that_raises_in_process(portfolio, monkeypatch):
    from advisor import cli as cli_module
    from advisor import pipeline

    real = pipeline.recommend

    def recommend(workload, *args, **kwargs):
        if workload.name == "boom":
            raise ZeroDivisionError("planted")
        return real(workload, *args, **kwargs)

    monkeypatch.setattr(pipeline, "recommend", recommend)
    text = (portfolio / BAD).read_text().replace("name: startup-mvp", "name: boom")
    (portfolio / BAD).write_text(text)
    result = CliRunner().invoke(cli_module.app, ["cost", str(portfolio), "--format", "jsonl", "--jobs", "1"])
    check(result.exit_code, result.stdout, result.stderr, portfolio, "ZeroDivisionError: planted")


# Runs the real command in a fresh interpreter whose worker processes (forked, so they inherit the patch)
# raise for one file or die on it.
SCRIPT = """
import multiprocessing, os, sys
multiprocessing.set_start_method("fork", force=True)
import advisor.portfolio as portfolio
real = portfolio.run_file
def run_file(path, options):
    if path.endswith(os.environ["PLANT_FILE"]) and os.getpid() != PARENT:
        if os.environ["PLANT"] == "die":
            os._exit(9)
        raise ZeroDivisionError("planted")
    return real(path, options)
PARENT = os.getpid()
portfolio.run_file = run_file
from advisor.cli import run
sys.argv = ["advisor", *sys.argv[1:]]
run()
"""


@pytest.mark.parametrize("plant, what", [("raise", "ZeroDivisionError: planted"),
                                         ("die", "the worker process running this file died")])
@pytest.mark.parametrize("jobs", ["2", "4"])
def test_a_file_that_breaks_a_worker(portfolio, plant, what, jobs):
    env = {**os.environ, "PLANT": plant, "PLANT_FILE": BAD, "NO_COLOR": "1"}
    env.pop("ADVISOR_DEBUG", None)
    proc = subprocess.run([sys.executable, "-c", SCRIPT, "cost", str(portfolio), "--format", "jsonl",
                           "--jobs", jobs], capture_output=True, text=True, env=env, preexec_fn=cpu_limit(300))
    check(proc.returncode, proc.stdout, proc.stderr, portfolio, what)


def test_many_batches_with_a_dying_worker(tmp_path):
    """More files than one batch per worker: files after the broken batches are still priced."""
    folder = tmp_path / "w"
    folder.mkdir()
    for name in NAMES:
        shutil.copy(ROOT / "examples" / "startup-mvp.yaml", folder / name)
    script = SCRIPT.replace("portfolio.run_file = run_file", "portfolio.run_file = run_file\nportfolio.BATCH = 2")
    env = {**os.environ, "PLANT": "die", "PLANT_FILE": BAD, "NO_COLOR": "1"}
    proc = subprocess.run([sys.executable, "-c", script, "recommend", str(folder), "--format", "jsonl",
                           "--jobs", "2"], capture_output=True, text=True, env=env, preexec_fn=cpu_limit(300))
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [os.path.basename(r["file"]) for r in lines] == NAMES, proc.stderr
    assert sum(1 for r in lines if "errors" in r) == 1 and proc.returncode == 70
