"""External validators the test suite runs as subprocesses: checkov and Mermaid's own parser.

Neither lives in `.venv`: checkov pins boto3 and friends, so it has its own virtual environment
(`.venv-checkov`), and Mermaid's parser runs in Node from `tests/validators/node_modules`.
`.ci/run` installs both; these helpers find them, run them offline, and parse what they say.

A missing validator fails the test that needs it, with the commands that install it: a silent
skip would hide a broken CI. For quick local runs, `ADVISOR_SKIP_SLOW_VALIDATORS=1` skips every
test that needs one, installed or not (`.ci/run` unsets it).
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SKIP_ENV = "ADVISOR_SKIP_SLOW_VALIDATORS"


class ValidatorMissing(RuntimeError):
    """A validator is not installed; the message says how to install it."""


def missing_message(tool: str, problem: str, install: str) -> str:
    """The message for a missing validator: what is missing, how to install it, how to opt out."""
    return (
        f"{tool} is not available: {problem}.\n"
        f"Install it (from the repository root; `bash .ci/run` does this in CI):\n"
        f"    {install}\n"
        f"To skip the tests that need it on a local run, set {SKIP_ENV}=1."
    )


def require(missing: str | None) -> None:
    """Skip the calling test when opted out; else fail it when its validator is missing."""
    import pytest

    if os.environ.get(SKIP_ENV) == "1":
        pytest.skip(f"{SKIP_ENV}=1" + (f": {missing.splitlines()[0]}" if missing else ""))
    if missing is not None:
        pytest.fail(missing, pytrace=False)


def require_checkov() -> Path:
    """The checkov executable, or fail (skip with the opt-out) with install instructions."""
    from tests.validators import checkov

    require(checkov.missing())
    found = checkov.find_checkov()
    assert found is not None
    return found


def require_mermaid() -> Path:
    """The node executable able to run Mermaid's parser, or fail (skip with the opt-out)."""
    from tests.validators import mermaid

    require(mermaid.missing())
    found = mermaid.find_node()
    assert found is not None
    return found
