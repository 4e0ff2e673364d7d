"""`advisor render`: the report and the CloudFormation templates (a recovery Region's too), rendered and
written safely."""

from __future__ import annotations

import os
import stat
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any, Mapping, NamedTuple

from advisor.errors import AdvisorError, UsageError

REPORT = "ARCHITECTURE.md"
TEMPLATE = "template.yaml"  # the primary Region's; a recovery Region's is template.<region>.yaml
SWEEP_POINTS = 11  # 0.01x to 1000x at every half decade: enough for a chart a reader can follow


class Rendered(NamedTuple):
    """The files of one render, by name, anything worth telling the user, and each template's Region."""

    files: Mapping[str, str]
    notes: tuple[str, ...]
    templates: Mapping[str, str] = {}


def render(workload: Any, outcome: Any, catalog: Any, prices: Any | None, price_error: str | None) -> Rendered:
    """Build the templates and the report of the pipeline's outcome in memory; nothing touches the disk here."""
    from advisor.render.cfn import build_template, dump_template
    from advisor.render.report import report_view
    from advisor.templating import render_template

    from advisor.render.cfn.recovery import build_recovery_template, template_name

    arch, estimate, sweep = outcome.arch._replace(warnings=outcome.warnings), outcome.estimate, None
    template = build_template(workload, arch)
    template_text = dump_template(template)
    files = {TEMPLATE: template_text}
    recovery = build_recovery_template(workload, arch)
    stacks = [(TEMPLATE, workload.region, template, len(template_text.encode("utf-8")))]
    if recovery is not None:
        rec, rec_template = recovery
        rec_text = dump_template(rec_template)
        files[template_name(rec.region)] = rec_text
        stacks.append((template_name(rec.region), rec.region, rec_template, len(rec_text.encode("utf-8"))))
    from advisor.services import part

    for sid in arch.services:  # files a service ships beside the templates (a restore script)
        files.update(getattr(part(sid, "blueprint"), "files", lambda _: {})(arch))
    notes: list[str] = []
    if estimate is not None and prices is not None:
        from advisor.pricing.errors import PriceNotFound
        from advisor.sweep import factors, sweep as run_sweep

        try:
            # The report shows the break-even to three significant figures: a bracket of 0.01% is enough.
            sweep = run_sweep(workload, arch, prices, factors(0.01, 1000, SWEEP_POINTS),
                              precision=Decimal("1.0001"), today=estimate)
        except PriceNotFound as exc:  # the always-on alternative unpriced there: the report has no cost section
            estimate, price_error = None, exc.message
    if estimate is None:
        notes.append(f"the report has no cost section: {price_error}")
    resources = {lid: str(res.get("Type", "")) for lid, res in sorted(template.get("Resources", {}).items())}
    from advisor.costviews import display_context

    with display_context():  # rounding for display only: the estimate above kept the default context
        view = report_view(workload, arch, catalog, estimate=estimate, cost_note=price_error, sweep=sweep,
                           template_resources=resources, template=template,
                           template_bytes=len(template_text.encode("utf-8")), stacks=stacks,
                           recovery=recovery[0] if recovery else None)
        report = render_template("report.md.j2", v=view)
    return Rendered({REPORT: report, **files}, tuple(notes), {name: region for name, region, _, _ in stacks})


def _nearest_existing(folder: Path) -> Path:
    """The folder itself if it exists, else its closest existing ancestor (where mkdir would start)."""
    here = folder
    while not os.path.lexists(here) and here.parent != here:
        here = here.parent
    return here


def check_targets(out_dir: Path, names: list[str], *, force: bool) -> None:
    """Refuse to overwrite existing files without --force, and anything that is not a plain, writable folder."""
    import errno

    try:
        resolved = out_dir.resolve()
    except (OSError, RuntimeError):  # Python 3.11 raises RuntimeError on a symbolic link loop
        raise UsageError(f"{out_dir} is a symbolic link loop") from None
    if resolved == Path(resolved.anchor):
        raise UsageError(f"refusing to write into the root folder {resolved}", hint="pass a folder of its own: -o out/")
    if out_dir.is_symlink() and not out_dir.exists():
        raise UsageError(f"{out_dir} is a symbolic link to nothing", hint="remove the link or pass another folder")
    try:
        os.stat(out_dir)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UsageError(f"{out_dir} is a symbolic link loop") from None
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{out_dir} exists and is not a folder")
    base = _nearest_existing(out_dir)
    if base != out_dir and not base.is_dir():
        raise UsageError(f"cannot create {out_dir}: {base} is not a folder")
    if not os.access(base, os.W_OK | os.X_OK):
        raise UsageError(f"cannot write into {base}: permission denied", hint="pass a folder you can write to")
    existing = [name for name in names if os.path.lexists(out_dir / name)]
    if existing and not force:
        raise UsageError(f"{out_dir / existing[0]} already exists", hint="pass --force to overwrite")
    for name in existing:
        if (out_dir / name).is_dir() or (out_dir / name).is_symlink():
            raise UsageError(f"{out_dir / name} is a folder or a link; refusing to replace it")
        if not stat.S_ISREG(os.lstat(out_dir / name).st_mode):  # a device, a FIFO: never replaced, even with --force
            raise UsageError(f"{out_dir / name} is not a regular file; refusing to replace it")


LOCK = ".advisor.lock"


class WriteFailed(AdvisorError):
    """The output files could not be written (a full disk, say); the folder was left as it was."""


def _write_all(fd: int, data: bytes) -> None:
    """Write every byte through os.write (a short write is continued, an error raised)."""
    view = memoryview(data)
    while view:
        done = os.write(fd, view)
        view = view[done:]


def _lock(out_dir: Path) -> int:
    """Take the folder's render lock (flock on a lock file in it), or refuse: one render per folder at a time.

    The kernel releases an flock when its holder dies, so a killed run never leaves the folder locked; a
    lock file unlinked by the run that held it is not trusted (the path is checked to be the locked file).
    """
    import fcntl

    path = out_dir / LOCK
    for _ in range(10):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0), 0o644)
        except OSError as exc:  # a link planted as the lock file, a folder that refuses new files, ...
            raise UsageError(f"cannot lock {out_dir}: {path}: {exc.strerror}",
                             hint="pass a folder you can write to") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise UsageError(f"another advisor run is writing into {out_dir}",
                             hint=f"wait for it to finish; the lock is {path}") from None
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path, follow_symlinks=False))
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)  # the previous holder removed the file between our open and our lock: try again
    raise UsageError(f"could not lock {out_dir}", hint=f"remove {path} if no advisor run is writing there")


def _unlock(out_dir: Path, fd: int) -> None:
    try:
        os.unlink(out_dir / LOCK)
    except OSError:
        pass
    os.close(fd)


class _Terminated(BaseException):
    """SIGTERM arrived while the files were being written; cleaned up, then the signal is delivered again."""


def write_files(out_dir: Path, files: Mapping[str, str], *, force: bool) -> list[Path]:
    """Write the files together, only inside `out_dir`: every one or none.

    Each goes to a fresh temporary file in the folder first; only when all are written and flushed are they
    renamed over the targets. Old files a --force run replaces are kept as hard links until every rename has
    succeeded and are put back if one fails, so the folder never holds a new file beside an old one. A failure
    or SIGTERM at any point leaves the folder as it was (a folder this call created is removed again), and a
    second run writing into the same folder at the same time is refused.
    """
    import signal
    import threading

    for name in files:
        if Path(name).name != name:  # names are ours, but a path separator would escape the folder
            raise ValueError(f"refusing to write {name!r} outside {out_dir}")
    check_targets(out_dir, list(files), force=force)
    created = _make_folder(out_dir)
    main_thread = threading.current_thread() is threading.main_thread()
    previous = None
    if main_thread:
        def terminated(signum: int, frame: Any) -> None:
            raise _Terminated()

        previous = signal.signal(signal.SIGTERM, terminated)
    lock = None
    try:
        lock = _lock(out_dir)
        check_targets(out_dir, list(files), force=force)  # again, now that no other run can change the folder
        return _write_locked(out_dir, files, main_thread)
    except _Terminated:
        if lock is not None:
            _unlock(out_dir, lock)
            lock = None
        _remove_folders(created)
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)
        previous = None
        if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
            os.kill(os.getpid(), signal.SIGTERM)
        raise KeyboardInterrupt from None
    except BaseException:
        if lock is not None:
            _unlock(out_dir, lock)
            lock = None
        _remove_folders(created)
        raise
    finally:
        if lock is not None:
            _unlock(out_dir, lock)
        if main_thread and previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _make_folder(out_dir: Path) -> list[Path]:
    """Create the folder and any missing parents; the ones created, innermost first."""
    missing = []
    here = out_dir
    while not os.path.lexists(here) and here.parent != here:
        missing.append(here)
        here = here.parent
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _remove_folders(missing)
        raise UsageError(f"cannot create {out_dir}: {exc.strerror}", hint="pass a folder you can write to") from None
    return missing


def _remove_folders(created: list[Path]) -> None:
    for folder in created:
        try:
            folder.rmdir()
        except OSError:
            return


def _write_locked(out_dir: Path, files: Mapping[str, str], main_thread: bool) -> list[Path]:
    import signal

    temps: dict[str, str] = {}
    try:
        for name, text in files.items():
            fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=f".{name}.", suffix=".tmp")
            temps[name] = tmp
            try:
                _write_all(fd, text.encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)
            os.chmod(tmp, 0o644)  # mkstemp makes the file private; these files are not secrets
    except OSError as exc:
        _discard(temps.values())
        raise WriteFailed(f"cannot write into {out_dir}: {exc.strerror or exc}; the folder was left as it was",
                          hint="free some space or pass another folder with -o") from None
    except BaseException:
        _discard(temps.values())
        raise
    # The renames and their rollback run with SIGTERM and SIGINT held back, so they finish together.
    blocked = {signal.SIGTERM, signal.SIGINT}
    if main_thread:
        signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
    try:
        _swap(out_dir, temps)
    finally:
        if main_thread:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, blocked)
    return [out_dir / name for name in files]


def _discard(paths: Any) -> None:
    for path in paths:
        Path(path).unlink(missing_ok=True)


def _swap(out_dir: Path, temps: dict[str, str]) -> None:
    """Rename every temporary file over its target, or put every old file back."""
    import shutil

    backups: dict[str, str | None] = {}
    placed: list[str] = []
    try:
        for name in temps:
            target = out_dir / name
            if os.path.lexists(target):
                fd, backup = tempfile.mkstemp(dir=out_dir, prefix=f".{name}.", suffix=".old")
                os.close(fd)
                os.unlink(backup)
                try:
                    os.link(target, backup)
                except OSError:  # a file system without hard links
                    shutil.copy2(target, backup)
                backups[name] = backup
            else:
                backups[name] = None
        for name, tmp in temps.items():
            os.replace(tmp, out_dir / name)
            placed.append(name)
    except OSError as exc:
        for name in placed:  # roll back: the old file, or no file, as before
            kept = backups.get(name)
            try:
                if kept is not None:
                    os.replace(kept, out_dir / name)
                else:
                    (out_dir / name).unlink(missing_ok=True)
            except OSError:
                pass
        _discard([t for n, t in temps.items() if n not in placed])
        _discard([b for n, b in backups.items() if b is not None and n not in placed])
        raise WriteFailed(f"cannot write into {out_dir}: {exc.strerror or exc}; the folder was left as it was",
                          hint="free some space or pass another folder with -o") from None
    _discard([b for b in backups.values() if b is not None])
