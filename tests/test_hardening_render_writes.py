"""`render` writes ARCHITECTURE.md and template.yaml together: both or neither, one run per folder."""

from __future__ import annotations

import errno
import fcntl
import os
import signal
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from tests.conftest import ROOT
from tests.cpulimit import cpu_limit

MVP = ROOT / "examples" / "startup-mvp.yaml"
FANOUT = ROOT / "examples" / "order-fanout.yaml"


def snapshot(folder):
    return {p.name: (p.read_bytes() if p.is_file() and not p.is_symlink() else os.readlink(p) if p.is_symlink()
                     else None) for p in sorted(folder.iterdir())}


@pytest.fixture
def rendered(cli, tmp_path):
    out = tmp_path / "out"
    result = cli("render", str(MVP), "-o", str(out))
    assert result.code == 0, result.err
    return out


def invoke(*args):
    from advisor import cli as cli_module

    return CliRunner().invoke(cli_module.app, [*map(str, args)])


@pytest.mark.parametrize("failing_call", [1, 2])
def test_full_disk_leaves_the_folder_unchanged_and_exits_2(rendered, monkeypatch, failing_call):
    before = snapshot(rendered)
    real_write, calls = os.write, []

    def write(fd, data):
        calls.append(fd)
        if len(calls) >= failing_call:  # one call per file: the first file, or the second
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write)
    result = invoke("render", FANOUT, "-o", rendered, "--force")
    monkeypatch.undo()
    assert result.exit_code == 2, result.output
    assert "No space left on device" in result.output and "left as it was" in result.output
    assert snapshot(rendered) == before


def test_full_disk_into_a_new_folder_leaves_nothing(tmp_path, monkeypatch):
    def write(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", write)
    result = invoke("render", MVP, "-o", tmp_path / "new" / "out")
    monkeypatch.undo()
    assert result.exit_code == 2, result.output
    assert list(tmp_path.iterdir()) == []


def test_a_failed_rename_never_leaves_a_new_report_beside_an_old_template(rendered, monkeypatch):
    before = snapshot(rendered)
    real_replace = os.replace

    def replace(src, dst):
        if str(dst).endswith("template.yaml") and str(src).endswith(".tmp"):
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    result = invoke("render", FANOUT, "-o", rendered, "--force")
    monkeypatch.undo()
    assert result.exit_code == 2, result.output
    assert snapshot(rendered) == before


def test_force_replaces_both_and_leaves_nothing_else(cli, rendered):
    result = cli("render", str(FANOUT), "-o", str(rendered), "--force")
    assert result.code == 0, result.err
    assert sorted(p.name for p in rendered.iterdir()) == ["ARCHITECTURE.md", "template.yaml"]
    assert "order-fanout" in (rendered / "ARCHITECTURE.md").read_text()


def test_a_concurrent_render_into_the_same_folder_is_refused(cli, rendered):
    before = snapshot(rendered)
    fd = os.open(rendered / ".advisor.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        result = cli("render", str(FANOUT), "-o", str(rendered), "--force")
    finally:
        os.close(fd)
    assert result.code == 2, result.err
    assert "another advisor run is writing into" in result.err
    (rendered / ".advisor.lock").unlink()
    assert snapshot(rendered) == before


def test_a_stale_lock_file_does_not_block(cli, rendered):
    (rendered / ".advisor.lock").write_text("")  # left by a killed run: no one holds its lock
    result = cli("render", str(FANOUT), "-o", str(rendered), "--force")
    assert result.code == 0, result.err
    assert sorted(p.name for p in rendered.iterdir()) == ["ARCHITECTURE.md", "template.yaml"]


SLOW_RENDER = """
import sys, time
import advisor.render as render
real = render._write_all
def slow(fd, data):
    real(fd, data)
    sys.stderr.write("writing\\n"); sys.stderr.flush()
    time.sleep(60)
render._write_all = slow
from advisor.cli import run
sys.argv = ["advisor", "render", sys.argv[1], "-o", sys.argv[2], "--force"]
run()
"""


@pytest.mark.parametrize("fresh", [False, True])
def test_sigterm_while_writing_leaves_the_folder_as_it_was(rendered, tmp_path, fresh):
    out = tmp_path / "fresh" if fresh else rendered
    before = None if fresh else snapshot(rendered)
    proc = subprocess.Popen([sys.executable, "-c", SLOW_RENDER, str(FANOUT), str(out)], stderr=subprocess.PIPE,
                            text=True, preexec_fn=cpu_limit(60))
    try:
        assert proc.stderr.readline() == "writing\n"
        proc.send_signal(signal.SIGTERM)
        code = proc.wait()
    finally:
        proc.kill()
    assert code == -signal.SIGTERM
    if fresh:
        assert not out.exists()
    else:
        assert snapshot(rendered) == before


def _file_size_limit(limit: int):
    """A child's file size limit (RLIMIT_FSIZE): writes past it fail with EFBIG, as on a full disk."""
    import resource

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an error from write(), not a signal that kills the run
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


@pytest.mark.parametrize("fresh", [False, True])
def test_a_write_failing_on_the_second_file_leaves_the_folder_as_it_was(rendered, tmp_path, fresh):
    """A limit the report fits under but the template does not: the report must not be left alone."""
    out = tmp_path / "fresh" if fresh else rendered
    before = None if fresh else snapshot(rendered)
    env = {k: v for k, v in os.environ.items() if k != "ADVISOR_DEBUG"}
    proc = subprocess.run([sys.executable, "-m", "advisor", "render", str(FANOUT), "-o", str(out), "--force"],
                          capture_output=True, text=True, env=env, preexec_fn=cpu_limit(60, _file_size_limit(16_384)))
    if fresh:
        assert not out.exists() or list(out.iterdir()) == [], proc.stderr
    else:
        assert snapshot(rendered) == before, proc.stderr
    assert proc.returncode == 2, proc.stderr
    assert "internal error" not in proc.stderr


PAUSED_RENAME = """
import os, signal, sys, time
real = os.replace
paused = []
def replace(src, dst):
    if not paused and os.path.basename(str(dst)) in ("ARCHITECTURE.md", "template.yaml"):
        paused.append(dst)
        sys.stderr.write("renaming\\n"); sys.stderr.flush()
        # Until the parent's SIGTERM arrives: it ends the run here unless advisor holds it back.
        while signal.SIGTERM not in signal.sigpending():
            time.sleep(0.01)
    return real(src, dst)
os.replace = replace
from advisor.cli import run
sys.argv = ["advisor", "render", sys.argv[1], "-o", sys.argv[2], "--force"]
run()
"""


def _workload_of(folder, name):
    text = (folder / name).read_text(encoding="utf-8")
    return {w for w in ("startup-mvp", "order-fanout") if w in text}


@pytest.mark.parametrize("fresh", [False, True])
def test_sigterm_at_the_first_rename_leaves_both_files_or_neither(rendered, tmp_path, fresh):
    """SIGTERM when the first file is about to take its place: the renames finish together or not at all, and
    no temporary file is left."""
    out = tmp_path / "fresh" if fresh else rendered
    proc = subprocess.Popen([sys.executable, "-c", PAUSED_RENAME, str(FANOUT), str(out)], stderr=subprocess.PIPE,
                            text=True, preexec_fn=cpu_limit(60))
    try:
        assert proc.stderr.readline() == "renaming\n"
        proc.send_signal(signal.SIGTERM)
        code = proc.wait()
    finally:
        proc.kill()
    assert code == -signal.SIGTERM
    if out.exists():  # a fresh folder is there only with both files in it
        assert sorted(p.name for p in out.iterdir()) == ["ARCHITECTURE.md", "template.yaml"]
        assert _workload_of(out, "ARCHITECTURE.md") == _workload_of(out, "template.yaml")
