"""Run checkov on CloudFormation templates, offline, in one subprocess, and parse its JSON per file.

    results = run_checkov([path1, path2])          # {path: Result}, keyed by the paths given
    results[path1].failed_ids                       # ["CKV_AWS_27", ...]
    results[path1].failed                           # [Finding(check_id, resource, ...)]
    results[path1].skipped[0].comment               # the Metadata.checkov.skip comment

checkov lives in its own virtual environment (`.venv-checkov`, see `.ci/run`) because it pins
boto3 and others; `$ADVISOR_CHECKOV` points at another executable.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.cpulimit import cpu_limit
from tests.validators import ROOT, ValidatorMissing, missing_message

ENV_VAR = "ADVISOR_CHECKOV"
VENV = ROOT / ".venv-checkov"
REQUIREMENTS = "tests/validators/requirements-checkov.txt"
INSTALL = f"python3 -m venv .venv-checkov && .venv-checkov/bin/pip install -r {REQUIREMENTS}"

# --skip-download and BC_SKIP_MAPPING skip the Prisma Cloud guidelines download;
# CKV_SKIP_PACKAGE_UPDATE_CHECK skips the PyPI version check. With both, checkov makes no
# internet connection. No --quiet: with JSON output it would drop passed and skipped checks.
ARGS = ["--framework", "cloudformation", "-o", "json", "--compact", "--skip-download"]
OFFLINE_ENV = {"CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "BC_SKIP_MAPPING": "TRUE"}


@dataclass(frozen=True)
class Finding:
    """One check on one resource."""

    check_id: str
    check_name: str
    resource: str  # "AWS::SQS::Queue.PlainQueue"
    lines: tuple[int, int] | None = None
    comment: str | None = None  # the suppression comment of a skipped check

    @property
    def resource_type(self) -> str:
        return self.resource.rsplit(".", 1)[0] if "." in self.resource else ""

    @property
    def logical_id(self) -> str:
        return self.resource.rsplit(".", 1)[-1]

    def __str__(self) -> str:
        where = f" (lines {self.lines[0]}-{self.lines[1]})" if self.lines else ""
        why = f": {self.comment}" if self.comment else ""
        return f"{self.check_id} {self.resource}{where} {self.check_name}{why}"


@dataclass
class Result:
    """What checkov said about one file."""

    path: Path
    passed: list[Finding] = field(default_factory=list)
    failed: list[Finding] = field(default_factory=list)
    skipped: list[Finding] = field(default_factory=list)
    parsing_error: bool = False

    @property
    def failed_ids(self) -> list[str]:
        return sorted({f.check_id for f in self.failed})

    @property
    def skipped_ids(self) -> list[str]:
        return sorted({f.check_id for f in self.skipped})

    @property
    def ok(self) -> bool:
        """No failed check and the file parsed."""
        return not self.failed and not self.parsing_error

    def describe(self) -> str:
        """A readable report for assertion messages."""
        lines = [f"{self.path}: {len(self.passed)} passed, {len(self.failed)} failed, {len(self.skipped)} skipped"]
        if self.parsing_error:
            lines.append("  checkov could not parse the file")
        lines += [f"  FAILED  {f}" for f in self.failed]
        lines += [f"  SKIPPED {f}" for f in self.skipped]
        return "\n".join(lines)


def find_checkov() -> Path | None:
    """`$ADVISOR_CHECKOV` if set, else `.venv-checkov/bin/checkov` at the repository root; None if absent."""
    override = os.environ.get(ENV_VAR)
    candidate = Path(override).expanduser() if override else VENV / "bin" / "checkov"
    return candidate if candidate.is_file() and os.access(candidate, os.X_OK) else None


def missing() -> str | None:
    """None when checkov is installed, else a message that says how to install it."""
    if find_checkov() is not None:
        return None
    override = os.environ.get(ENV_VAR)
    problem = f"${ENV_VAR}={override} is not an executable file" if override else f"{VENV / 'bin' / 'checkov'} does not exist"
    return missing_message("checkov", problem, INSTALL)


def run_checkov(paths: list[Path], *, extra_args: list[str] | None = None, cpu_seconds: float = 600) -> dict[Path, Result]:
    """Scan CloudFormation files with one checkov process; one Result per given path.

    A file checkov finds no resources in gets an empty Result; a file it cannot parse gets
    `parsing_error=True`. Raises ValidatorMissing when checkov is not installed and RuntimeError
    when checkov itself fails (exit code other than 0 or 1, or output that is not JSON).
    """
    exe = find_checkov()
    if exe is None:
        raise ValidatorMissing(missing())
    given = list(dict.fromkeys(Path(p) for p in paths))
    results = {p: Result(p) for p in given}
    if not given:
        return results
    by_resolved = {p.resolve(): p for p in given}
    cmd = [str(exe), *ARGS, *(extra_args or [])]
    for p in by_resolved:
        cmd += ["-f", str(p)]
    env = {**os.environ, **OFFLINE_ENV}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, preexec_fn=cpu_limit(cpu_seconds), cwd=ROOT)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"checkov exited with {proc.returncode}:\n{proc.stderr[-4000:]}")
    try:
        data = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        raise RuntimeError(
            f"checkov did not print JSON ({exc}):\nstdout: {proc.stdout[:2000]}\nstderr: {proc.stderr[-2000:]}"
        ) from None

    def owner(entry: Any) -> Path | None:
        """The given path a check or parsing error belongs to."""
        if isinstance(entry, str):
            names = [entry]
        elif isinstance(entry, dict):
            names = [entry.get("file_abs_path"), entry.get("file_path")]
        else:
            return None
        for name in names:
            if not name:
                continue
            for candidate in (Path(name), ROOT / name.lstrip("/")):
                try:
                    resolved = candidate.resolve()
                except OSError:
                    continue
                if resolved in by_resolved:
                    return by_resolved[resolved]
        return None

    reports = data if isinstance(data, list) else [data]
    unmatched: list[str] = []
    for report in reports:
        if not isinstance(report, dict) or report.get("check_type", "cloudformation") != "cloudformation":
            continue
        section = report.get("results")
        if not isinstance(section, dict):  # no resources anywhere: only a summary
            continue
        for key, bucket in (("passed_checks", "passed"), ("failed_checks", "failed"), ("skipped_checks", "skipped")):
            for check in section.get(key) or []:
                target = owner(check)
                if target is None:
                    unmatched.append(json.dumps(check)[:300])
                    continue
                getattr(results[target], bucket).append(_finding(check))
        for entry in section.get("parsing_errors") or []:
            target = owner(entry)
            if target is None:
                unmatched.append(str(entry))
            else:
                results[target].parsing_error = True
    if unmatched:
        raise RuntimeError("checkov reported on files it was not given:\n" + "\n".join(unmatched[:10]))
    return results


def _finding(check: dict[str, Any]) -> Finding:
    result = check.get("check_result") if isinstance(check.get("check_result"), dict) else {}
    span = check.get("file_line_range")
    lines = (int(span[0]), int(span[1])) if isinstance(span, list) and len(span) == 2 else None
    comment = result.get("suppress_comment") or None
    return Finding(
        check_id=str(check.get("check_id", "")),
        check_name=str(check.get("check_name", "")),
        resource=str(check.get("resource", "")),
        lines=lines,
        comment=str(comment) if comment is not None else None,
    )
