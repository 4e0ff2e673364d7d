"""A Latin-1 standard output (PYTHONIOENCODING=latin-1) must not turn non-Latin-1 text into a crash."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.cpulimit import cpu_limit  # noqa: E402

WORKLOAD = """version: 1
name: orders
description: "Bestellungen → 注文 ✓ for the café"
region: us-east-1
problems: [scalability-issues, limited-monitoring-governance]
requirements:
  decoupling: {consumers: [billing]}
"""


def run_latin1(*args: str, cwd=None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "ADVISOR_DEBUG"}
    env.update(PYTHONIOENCODING="latin-1", NO_COLOR="1")
    return subprocess.run([sys.executable, "-m", "advisor", *args], capture_output=True, env=env, cwd=cwd,
                          preexec_fn=cpu_limit(60))


@pytest.mark.parametrize("args", [
    ("recommend", "--format", "markdown"),
    ("recommend", "--format", "table"),
    ("recommend", "--format", "json"),
    ("cost", "--format", "table", "--sweep", "--sweep-points", "5"),
    ("cost", "--format", "markdown"),
    ("cost", "--format", "csv"),
])
def test_latin1_stdout_does_not_crash(tmp_path, args):
    path = tmp_path / "orders.yaml"
    path.write_text(WORKLOAD, encoding="utf-8")
    result = run_latin1(*args, str(path))
    assert result.returncode == 0, result.stderr.decode("latin-1")
    assert b"internal error" not in result.stderr
    result.stdout.decode("latin-1")  # what was written is Latin-1


def test_latin1_stderr_with_non_latin1_errors(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("version: 1\nname: x\nproblems: [→注文]\n", encoding="utf-8")
    result = run_latin1("validate", str(path))
    assert result.returncode == 2, result.stderr
    assert b"internal error" not in result.stderr and b"error:" in result.stderr


def test_latin1_examples_every_format():
    result = run_latin1("recommend", "--format", "markdown", str(ROOT / "examples" / "everything.yaml"))
    assert result.returncode == 0 and b"internal error" not in result.stderr
