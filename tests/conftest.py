"""Shared fixtures: paths, a CLI runner that runs the real entry point in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cpulimit import cpu_limit

ROOT = Path(__file__).resolve().parent.parent
# The CLI keeps a cache of the validated rule set; the suite keeps it in a folder of its own, never a home's.
os.environ.setdefault("ADVISOR_CACHE_DIR", tempfile.mkdtemp(prefix="advisor-test-cache-"))
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


@dataclass
class Result:
    """What a CLI run returned."""

    code: int
    out: str
    err: str


def run_cli(*args: str, cwd: Path | None = None, stdin: str | None = None) -> Result:
    """Run `python -m advisor ARGS` the way a user would, without a terminal."""
    env = {k: v for k, v in os.environ.items() if k != "ADVISOR_DEBUG"}
    env["NO_COLOR"] = "1"
    proc = subprocess.run(
        [sys.executable, "-m", "advisor", *args], capture_output=True, text=True, cwd=cwd, env=env,
        input=stdin, preexec_fn=cpu_limit(60),
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def cli():
    """The CLI runner."""
    return run_cli


def pytest_addoption(parser):
    """`--update-golden` rewrites the golden files instead of comparing against them."""
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite tests/golden from the current output")


@pytest.fixture
def update_golden(request) -> bool:
    """Whether this run regenerates golden files."""
    return bool(request.config.getoption("--update-golden"))
