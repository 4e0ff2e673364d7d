"""The hostile corpus: every bad workload file, through every command, as a real subprocess.

Each case runs `python -m advisor <command> <file>` in an empty folder holding only the input and
checks what tests/hostile/manifest.yaml says: the exact exit code, the file:line:column, the key
words and the hint on stderr, an empty stdout, no traceback, nothing written, and bounded work: the
CPU time of the case's process against that of the interpreter's start-up (`python -c "import
advisor.cli"`, measured once), never the wall clock, so that a busy machine cannot fail a case.

The cases run in a thread pool (each one a separate process); the assertions stay per case.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

HOSTILE = ROOT / "tests" / "hostile"
MANIFEST: dict = yaml.safe_load((HOSTILE / "manifest.yaml").read_text(encoding="utf-8"))["files"]
COMMANDS = ("validate", "recommend", "cost", "render")
# CPU seconds a case may use: a generous multiple of the start-up's plus a margin, so that runaway
# work (an alias bomb expanded, say) fails a case and a slow or busy machine never does.
CPU_FACTOR = 10
CPU_MARGIN_S = 5.0
# A runaway process is stopped by the kernel once it has used this much CPU (RLIMIT_CPU), never by a clock.
CPU_LIMIT_S = 120
WORKERS = max(1, min(4, os.cpu_count() or 1))
HEADER = "version: 1\nname: hostile\nproblems: [scalability-issues]\n"


def _cases() -> list:
    params = []
    for name, spec in MANIFEST.items():
        marks = [pytest.mark.xfail(strict=True, reason=spec["xfail"])] if spec.get("xfail") else []
        for command in spec.get("commands", COMMANDS):
            params.append(pytest.param(name, command, id=f"{name}-{command}", marks=marks))
    return params


CASES = _cases()


# --- inputs ---------------------------------------------------------------------------------

def _generate(kind: str, spec: dict, path: Path) -> None:
    """Write a generated input: too big (or too repetitive) to commit."""
    if kind == "padding":
        # A valid workload followed by comment lines: were it parsed, it would load; it must be
        # refused by its size alone.
        line = b"# padding" + b"." * 70 + b"\n"
        total = spec["bytes"]
        with open(path, "wb") as handle:
            handle.write(HEADER.encode())
            written = len(HEADER)
            chunk = line * 8192
            while written + len(chunk) <= total:
                handle.write(chunk)
                written += len(chunk)
            handle.write(b"#" * (total - written - 1) + b"\n")
        assert path.stat().st_size == total
    elif kind == "unknown-usage-services":
        keys = "".join(f"  cloudwatc{i:04d}: 1\n" for i in range(spec["count"]))
        path.write_text(HEADER + "usage:\n" + keys, encoding="utf-8")
    else:  # pragma: no cover - a typo in the manifest
        raise AssertionError(f"unknown generator {kind!r}")


def _place_input(name: str, folder: Path) -> None:
    spec = MANIFEST[name]
    folder.mkdir(parents=True)
    if "generate" in spec:
        _generate(spec["generate"]["kind"], spec["generate"], folder / name)
    else:
        shutil.copyfile(HOSTILE / name, folder / name)


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every path under the folder with its size and modification time."""
    out = {}
    for path in sorted(folder.rglob("*")):
        st = path.lstat()
        out[str(path.relative_to(folder))] = (st.st_size, st.st_mtime_ns)
    return out


# --- running --------------------------------------------------------------------------------

def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "ADVISOR_DEBUG"}
    env["NO_COLOR"] = "1"
    return env


@dataclass
class Outcome:
    """One finished case."""

    folder: Path
    code: int
    out: str
    err: str
    cpu_seconds: float
    before: dict[str, tuple[int, int]]
    after: dict[str, tuple[int, int]]


def _run_case(name: str, command: str, folder: Path) -> Outcome:
    _place_input(name, folder)
    before = _snapshot(folder)
    args = [command, name]
    if command == "render":
        args += ["-o", str(folder / "out")]
    code, out, err, cpu = _run_measured([sys.executable, "-m", "advisor", *args], folder)
    after = _snapshot(folder)
    return Outcome(folder, code, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"), cpu, before, after)


def _run_measured(argv: list[str], cwd: Path) -> tuple[int, bytes, bytes, float]:
    """Run a process to its end: its exit code, stdout, stderr and the CPU seconds (user + system) it
    used, read from its own resource usage when it is reaped, so that cases running side by side in
    the thread pool do not count each other's.  One that spins past CPU_LIMIT_S CPU seconds is stopped
    by the kernel (SIGXCPU), however busy the machine."""
    from tests.cpulimit import limit_running

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        # Set from outside: the cases run in a thread pool, where a preexec_fn is not safe.
        proc = subprocess.Popen(argv, cwd=cwd, env=_env(), stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        limit_running(proc.pid, CPU_LIMIT_S)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, so Popen must not wait again
        out.seek(0)
        err.seek(0)
        return proc.returncode, out.read(), err.read(), usage.ru_utime + usage.ru_stime


def _startup_baseline() -> float:
    """CPU seconds of `python -c "import advisor.cli"`: the interpreter and the CLI module, no work."""
    return statistics.median(_run_measured([sys.executable, "-c", "import advisor.cli"], ROOT)[3]
                             for _ in range(3))


@pytest.fixture(scope="module")
def baseline() -> float:
    """The start-up baseline in CPU seconds, measured once before any case runs."""
    return _startup_baseline()


@pytest.fixture(scope="module")
def outcomes(request, tmp_path_factory, baseline):
    """Start every selected case of this module at once in a thread pool; tests wait on their own."""
    selected = []
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        if item.module is request.module and callspec and {"name", "command"} <= set(callspec.params):
            selected.append((callspec.params["name"], callspec.params["command"]))
    root = tmp_path_factory.mktemp("hostile")
    futures: dict[tuple[str, str], Future] = {}
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for index, (name, command) in enumerate(dict.fromkeys(selected)):
            futures[(name, command)] = pool.submit(_run_case, name, command, root / f"{index:03d}-{command}")
        yield futures
        for future in futures.values():
            future.cancel()


def _located(err: str, name: str, where: str | None) -> bool:
    if where:
        return f"{name}:{where}:" in err
    return name in err


# --- the corpus -----------------------------------------------------------------------------

def test_manifest_lists_every_corpus_file():
    """Each committed file has an entry, each entry a file (or a generator), and there are 30+ bad ones."""
    committed = {p.name for p in HOSTILE.iterdir() if p.name != "manifest.yaml"}
    listed = {name for name, spec in MANIFEST.items() if "generate" not in spec}
    assert committed == listed
    bad = [name for name, spec in MANIFEST.items() if spec["exit"] != 0]
    assert len(bad) >= 30
    for name, spec in MANIFEST.items():
        assert set(spec) <= {"exit", "where", "words", "hint", "absent", "absent_xfail", "xfail", "generate",
                             "commands", "report"}, name
        if spec["exit"] != 0:
            assert spec["exit"] == 2 and spec.get("words"), name


@pytest.mark.parametrize(("name", "command"), CASES)
def test_hostile_input(name, command, outcomes, baseline):
    """Exit code, message, location and hint as listed; no traceback, nothing written, bounded work."""
    spec = MANIFEST[name]
    result: Outcome = outcomes[(name, command)].result()
    assert "Traceback" not in result.out + result.err
    assert result.code == spec["exit"], result.err
    if spec["exit"] == 0:
        _check_positive(name, command, result)
    else:
        assert result.out == ""
        assert _located(result.err, name, spec.get("where")), result.err
        for word in spec.get("words", []):
            assert word in result.err, result.err
        if spec.get("hint"):
            assert re.search(r"\([^\n]*" + re.escape(spec["hint"]) + r"[^\n]*\)", result.err), result.err
        # Nothing written: the folder holds exactly what the test put there, untouched.
        assert result.after == result.before
        assert not (result.folder / "out").exists()
    assert result.cpu_seconds <= CPU_FACTOR * baseline + CPU_MARGIN_S, (
        f"{result.cpu_seconds:.2f} CPU s against a start-up baseline of {baseline:.2f} CPU s")


def _check_positive(name: str, command: str, result: Outcome) -> None:
    written = set(result.after) - set(result.before)
    assert {k: result.after[k] for k in result.before} == result.before
    if command == "render":
        assert result.out == ""
        assert written == {"out", "out/ARCHITECTURE.md", "out/template.yaml"}, written
        report = (result.folder / "out" / "ARCHITECTURE.md").read_text(encoding="utf-8")
        for text in MANIFEST[name].get("report", []):
            assert text in report
        return
    assert not written, written
    if command == "validate":
        assert f"{name}: ok" in result.err
        assert result.out == ""
    else:
        assert json.loads(result.out)


def _absent_cases() -> list:
    params = []
    for name, spec in MANIFEST.items():
        if spec.get("absent"):
            marks = [pytest.mark.xfail(strict=True, reason=spec["absent_xfail"])] if spec.get("absent_xfail") else []
            params.append(pytest.param(name, "validate", id=name, marks=marks))
    return params


@pytest.mark.parametrize(("name", "command"), _absent_cases())
def test_no_false_diagnostic(name, command, outcomes):
    """Messages that would be false for this file are not printed."""
    result: Outcome = outcomes[(name, command)].result()
    assert result.code == 2
    for word in MANIFEST[name]["absent"]:
        assert word not in result.err, result.err


def test_oversized_file_is_refused_before_parsing(tmp_path, monkeypatch):
    """A 20 MiB file is refused by its size: the parser never sees it, and at most 1 MiB + 1 is read."""
    import advisor.yamlsafe as yamlsafe
    from advisor.errors import InputError
    from advisor.workload import load_workload

    path = tmp_path / "huge.yaml"
    _generate("padding", {"bytes": 20 * 1024 * 1024}, path)

    def no_parse(*args, **kwargs):  # pragma: no cover - reaching it is the failure
        raise AssertionError("the parser was called on an oversized file")

    reads = []
    real_open = open

    class Counting:
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def read(self, size=-1):
            data = self.handle.read(size)
            reads.append(len(data))
            return data

    def counting_open(file, mode="r", *args, **kwargs):
        handle = real_open(file, mode, *args, **kwargs)
        return Counting(handle) if str(file) == str(path) else handle

    monkeypatch.setattr(yamlsafe, "parse", no_parse)
    monkeypatch.setattr("builtins.open", counting_open)
    with pytest.raises(InputError) as caught:
        load_workload(str(path))
    assert "larger than the 1,048,576 bytes allowed" in caught.value.diagnostics[0].message
    assert sum(reads) <= yamlsafe.MAX_BYTES + 1


# Clocks whose readings depend on how busy the machine is: a test reads none of them, not even as a hang guard
# (a runaway child is stopped by its CPU limit); wall-clock figures belong in benchmarks/.
WALL_CLOCKS = {"perf_counter", "perf_counter_ns", "time", "time_ns", "process_time", "process_time_ns",
               "monotonic", "monotonic_ns"}


def test_no_test_times_the_machine():
    """A test reads CPU time of its children or counts work, never a clock a busy machine slows down."""
    import ast

    found = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        if "node_modules" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if (isinstance(node, ast.Attribute) and node.attr in WALL_CLOCKS and isinstance(node.value, ast.Name)
                    and node.value.id == "time"):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: time.{node.attr}")
            elif isinstance(node, ast.ImportFrom) and node.module == "time":
                found += [f"{path.relative_to(ROOT)}:{node.lineno}: from time import {a.name}"
                          for a in node.names if a.name in WALL_CLOCKS]
    assert found == [], found
