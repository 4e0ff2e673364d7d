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
                            text=True)
    try:
        assert proc.stderr.readline() == "writing\n"
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
    finally:
        proc.kill()
    assert code == -signal.SIGTERM
    if fresh:
        assert not out.exists()
    else:
        assert snapshot(rendered) == before
