"""Special files: FIFOs, devices, dangling links, link loops and unwritable or odd output folders."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from tests.conftest import ROOT

MVP = ROOT / "examples" / "startup-mvp.yaml"


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("command", ["validate", "recommend", "cost", "render"])
def test_fifo_workload_does_not_hang(cli, fifo, tmp_path, command):
    # A writer stands ready, so that a command that opened the pipe would read a valid workload from it and
    # finish rather than hang; that it never opened it shows in its refusal. No clock decides anything here.
    import threading

    def write() -> None:
        try:
            with open(fifo, "w", encoding="utf-8") as pipe:  # blocks until a reader opens the pipe
                pipe.write(MVP.read_text(encoding="utf-8"))
        except BrokenPipeError:
            pass  # the test's own release: it opened the pipe and closed it without reading

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    extra = ["-o", str(tmp_path / "out")] if command == "render" else []
    result = cli(command, str(fifo), *extra)
    opened_by_us = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # releases the writer if nothing read the pipe
    try:
        writer.join()
    finally:
        os.close(opened_by_us)
    assert result.code == 2, result.err
    assert f"{fifo}:1:1: error: is a named pipe (FIFO)" in result.err
    assert not (tmp_path / "out").exists()


def test_device_workload_is_refused(cli):
    result = cli("validate", "/dev/zero")
    assert result.code == 2 and "is a character device" in result.err


def test_dangling_link_and_link_loop_as_workload(cli, tmp_path):
    (tmp_path / "dangling.yaml").symlink_to(tmp_path / "missing.yaml")
    (tmp_path / "a.yaml").symlink_to(tmp_path / "b.yaml")
    (tmp_path / "b.yaml").symlink_to(tmp_path / "a.yaml")
    dangling = cli("validate", str(tmp_path / "dangling.yaml"))
    assert dangling.code == 2 and "symbolic link to a file that does not exist" in dangling.err
    loop = cli("validate", str(tmp_path / "a.yaml"))
    assert loop.code == 2 and "symbolic link loop" in loop.err


def test_fifo_in_a_rule_folder_does_not_hang(cli, tmp_path):
    folder = tmp_path / "rules" / "operational-excellence"
    folder.mkdir(parents=True)
    os.mkfifo(folder / "ACME-O001.yaml")
    result = cli("recommend", str(MVP), "--rules", str(tmp_path / "rules"))
    assert result.code == 2, result.err
    assert "ACME-O001.yaml:1:1: error: is a named pipe (FIFO)" in result.err and "internal error" not in result.err


@pytest.mark.parametrize("where", ["folder", "pillar"])
def test_rule_folder_link_loop_exits_2(cli, tmp_path, where):
    if where == "folder":
        (tmp_path / "r1").symlink_to(tmp_path / "r2")
        (tmp_path / "r2").symlink_to(tmp_path / "r1")
        target = tmp_path / "r1"
    else:
        target = tmp_path / "rules"
        target.mkdir()
        (target / "security").symlink_to(target / "reliability")
        (target / "reliability").symlink_to(target / "security")
    result = cli("recommend", str(MVP), "--rules", str(target))
    assert result.code == 2, result.err
    assert "symbolic link loop" in result.err and "internal error" not in result.err


def test_unreadable_rule_folder_exits_2(tmp_path, monkeypatch):
    # Tests may run as root, which reads any folder: the refusal is simulated where the folder is listed.
    from advisor import rules as rules_module
    from advisor.errors import RuleError

    (tmp_path / "rules" / "security").mkdir(parents=True)
    real = os.listdir

    def listdir(path):
        if Path(path) == tmp_path / "rules" / "security":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(rules_module.os, "listdir", listdir)
    with pytest.raises(RuleError) as caught:
        rules_module.load_rule_set((tmp_path / "rules",))
    assert "cannot read the rules folder: Permission denied" in caught.value.lines()[0]
    assert str(tmp_path / "rules" / "security") in caught.value.lines()[0]


def test_portfolio_skips_special_files_with_a_note(cli, tmp_path):
    shutil.copy(MVP, tmp_path / "ok.yaml")
    os.mkfifo(tmp_path / "pipe.yaml")
    (tmp_path / "dangling.yaml").symlink_to(tmp_path / "missing.yaml")
    (tmp_path / "loop.yaml").symlink_to(tmp_path / "loop.yaml")
    (tmp_path / "null.yaml").symlink_to("/dev/null")
    for jobs in ("1", "2"):
        result = cli("cost", str(tmp_path), "--format", "jsonl", "--jobs", jobs)
        assert result.code == 0, result.err
        assert [line.split('"')[3] for line in result.out.splitlines()] == [str(tmp_path / "ok.yaml")]
        for name, why in (("pipe.yaml", "named pipe"), ("dangling.yaml", "link to nothing"),
                          ("loop.yaml", "link loop"), ("null.yaml", "a device")):
            assert f"{tmp_path / name}: note: skipped, " in result.err and why in result.err, result.err


def test_portfolio_skips_named_special_files(cli, tmp_path):
    shutil.copy(MVP, tmp_path / "ok.yaml")
    os.mkfifo(tmp_path / "pipe.yaml")
    result = cli("recommend", str(tmp_path / "ok.yaml"), str(tmp_path / "pipe.yaml"), "--format", "jsonl")
    assert result.code == 0, result.err
    assert "pipe.yaml: note: skipped, a named pipe (FIFO)" in result.err


def test_render_refuses_the_root_folder(cli):
    result = cli("render", str(MVP), "-o", "/")
    assert result.code == 2 and "root folder" in result.err


def test_render_into_a_dangling_link_or_loop_exits_2(cli, tmp_path):
    (tmp_path / "out").symlink_to(tmp_path / "missing")
    dangling = cli("render", str(MVP), "-o", str(tmp_path / "out"))
    assert dangling.code == 2 and "symbolic link to nothing" in dangling.err, dangling.err
    assert not (tmp_path / "missing").exists()
    (tmp_path / "l1").symlink_to(tmp_path / "l2")
    (tmp_path / "l2").symlink_to(tmp_path / "l1")
    loop = cli("render", str(MVP), "-o", str(tmp_path / "l1"))
    assert loop.code == 2 and "symbolic link loop" in loop.err, loop.err


def test_render_into_an_uncreatable_folder_exits_2(cli):
    result = cli("render", str(MVP), "-o", "/proc/advisor-cannot-exist/out")
    assert result.code == 2 and "internal error" not in result.err, result.err


def test_render_into_a_non_writable_folder_exits_2(tmp_path, monkeypatch):
    from advisor import render as render_module
    from advisor.errors import UsageError

    monkeypatch.setattr(render_module.os, "access", lambda path, mode: False)
    with pytest.raises(UsageError, match="permission denied"):
        render_module.check_targets(tmp_path, ["ARCHITECTURE.md"], force=False)


def test_dangling_report_link_is_not_replaced_without_force(cli, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "ARCHITECTURE.md").symlink_to(tmp_path / "elsewhere.md")
    result = cli("render", str(MVP), "-o", str(out))
    assert result.code == 2 and "already exists" in result.err
    assert (out / "ARCHITECTURE.md").is_symlink() and not (out / "template.yaml").exists()
    assert not (tmp_path / "elsewhere.md").exists()


def test_rules_check_with_a_fifo_case_file_does_not_hang(cli, tmp_path):
    folder = tmp_path / "rules"
    shutil.copytree(ROOT / "tests" / "custom_rules", folder)
    os.mkfifo(folder / "tests" / "ACME-Z999.yaml")
    result = cli("rules", "--check", str(folder))
    assert result.code == 2, result.err
    assert "ACME-Z999.yaml:1:1: error: is a named pipe (FIFO)" in result.err


@pytest.mark.parametrize("command", [("rules", "--export-lens"), ("init", "--problem", "high-latency", "--force", "-o")])
def test_a_fifo_is_never_replaced_even_with_force(cli, tmp_path, command):
    target = tmp_path / "target.json"
    os.mkfifo(target)
    result = cli(*command, str(target))
    assert result.code == 2 and "not a regular file" in result.err, result.err
    assert stat.S_ISFIFO(os.lstat(target).st_mode)
