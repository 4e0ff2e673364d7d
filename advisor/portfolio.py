"""Many workloads in one run: discovery, per-file results in a stable order, and portfolio totals.

A file that fails validation becomes an error result and the rest go on.  Results stream in
input order, so memory stays flat however large the portfolio; with several jobs, files are
handed to worker processes in bounded batches.
"""

from __future__ import annotations

import glob
import os
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterator, NamedTuple

from advisor.errors import AdvisorError, UsageError

PATTERNS = ("*.yaml", "*.yml")
BATCH = 64


class Options(NamedTuple):
    """What every file of the portfolio is run with."""

    command: str  # "recommend" or "cost"
    rule_dirs: tuple[str, ...]
    prices_dir: str | None
    catalog_path: str | None
    free_tier: bool


class Result(NamedTuple):
    """One file's outcome: the command's JSON document, or the errors that stopped it."""

    file: str
    document: dict[str, Any] | None
    errors: tuple[dict[str, Any], ...]
    total: Decimal | None
    internal: bool = False  # an error in advisor itself (a bug), not in the file


def _skip_reason(path: Path) -> str | None:
    """Why a path found in a folder is not a workload to read, or None for a regular file."""
    import errno
    import stat

    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "a symbolic link to nothing" if os.path.islink(path) else "vanished"
    except OSError as exc:
        return "a symbolic link loop" if exc.errno == errno.ELOOP else f"cannot be read ({exc.strerror})"
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def discover(arguments: list[str], on_skip: Callable[[str, str], None] | None = None) -> list[Path]:
    """Files, folders (searched recursively for *.yaml and *.yml) and glob patterns, sorted and unique.

    FIFOs, devices, sockets and dangling or looping links are skipped, never opened: `on_skip(path, why)`
    is told about each one.
    """
    found: dict[str, Path] = {}
    skipped: dict[str, str] = {}

    def consider(match: Path) -> None:
        why = _skip_reason(match)
        if why is None:
            found[str(match)] = match
        elif why != "a folder":
            skipped[str(match)] = why

    for argument in arguments:
        path = Path(argument)
        if path.is_dir():
            for pattern in PATTERNS:
                for match in path.rglob(pattern):
                    consider(match)
        elif os.path.lexists(path):
            consider(path)
        elif glob.has_magic(argument):
            matches = [Path(m) for m in glob.glob(argument, recursive=True)]
            if not matches:
                raise UsageError(f"no files match {argument!r}")
            for match in matches:
                consider(match)
        else:
            raise UsageError(f"{argument}: no such file or folder")
    if on_skip is not None:
        for name in sorted(skipped):
            on_skip(name, skipped[name])
    return [found[key] for key in sorted(found)]


_STATE: dict[str, Any] = {}


def _rule_set(options: Options) -> Any:
    key = options.rule_dirs
    if _STATE.get("key") != key:
        from advisor.rules import load_rule_set

        _STATE["key"] = key
        _STATE["rules"] = load_rule_set(tuple(Path(p) for p in options.rule_dirs))
    return _STATE["rules"]


def run_file(path: str, options: Options) -> Result:
    """Run one workload file; user errors become an error result, never an exception."""
    from advisor.pipeline import run
    from advisor.workload import load_workload

    try:
        catalog, rules = _rule_set(options)
        workload = load_workload(path, catalog)
        from advisor.pricing.catalog import find_catalog

        def find_prices(region: str) -> Any:
            return find_catalog(region, catalog_path=Path(options.catalog_path) if options.catalog_path else None,
                                user_dir=Path(options.prices_dir) if options.prices_dir else None)

        # Exactly what a single run says: the same pipeline, budget warning included.
        outcome = run(workload, rules, catalog, find_prices, price=options.command != "recommend",
                      free_tier=options.free_tier)
        if outcome.estimate is None:
            from advisor.architecture import to_json

            return Result(path, to_json(outcome.arch._replace(warnings=outcome.warnings)), (), None)
        from advisor.costviews import estimate_json

        est = outcome.estimate
        return Result(path, estimate_json(est, warnings=list(outcome.warnings)), (), est.total)
    except AdvisorError as exc:
        diagnostics = getattr(exc, "diagnostics", None)
        if diagnostics:
            errors = tuple(d.as_dict() for d in diagnostics)
        else:
            errors = ({"file": path, "line": None, "column": None, "message": exc.message, "hint": exc.hint},)
        return Result(path, None, errors, None)
    except Exception as exc:  # a bug met on this file: reported against it, and the other files go on
        return internal_error(path, f"{type(exc).__name__}: {exc}")


def internal_error(path: str, what: str) -> Result:
    """The result of a file that met a bug in advisor (or killed its worker process)."""
    return Result(path, None, ({"file": path, "line": None, "column": None, "message": f"internal error: {what}",
                                "hint": f"this is a bug in advisor; run `advisor` on {path} alone with "
                                        "ADVISOR_DEBUG=1 to see the traceback"},), None, True)


def _run_batch(paths: list[str], options: Options) -> list[Result]:
    return [run_file(p, options) for p in paths]


def run(paths: list[Path], options: Options, *, jobs: int = 1) -> Iterator[Result]:
    """Results in input order; `jobs` > 1 spreads batches of files over worker processes.

    A file that meets a bug gets an internal-error result and the rest go on. A worker process that dies
    (BrokenProcessPool) takes its pool with it: the batches that were in flight are run again one file at
    a time in a single fresh worker, so the file that kills it is named, and the rest continue in a new pool.
    """
    names = [str(p) for p in paths]
    if jobs <= 1 or len(names) < 2:
        for name in names:
            yield run_file(name, options)
        return
    import collections
    import concurrent.futures
    from concurrent.futures.process import BrokenProcessPool

    batches = iter([names[i:i + BATCH] for i in range(0, len(names), BATCH)])
    while True:
        broken: list[tuple[list[str], Any]] = []
        with concurrent.futures.ProcessPoolExecutor(max_workers=jobs) as pool:
            pending: collections.deque[tuple[list[str], Any]] = collections.deque()

            def refill() -> None:  # keep at most 2 × jobs batches in flight: memory stays bounded
                while len(pending) < 2 * jobs:
                    batch = next(batches, None)
                    if batch is None:
                        return
                    try:
                        future = pool.submit(_run_batch, batch, options)
                    except BrokenProcessPool as exc:  # a worker died before the pool took this batch
                        future = concurrent.futures.Future()
                        future.set_exception(exc)
                    pending.append((batch, future))

            refill()
            while pending:
                batch, future = pending[0]
                try:
                    done = future.result()
                except BrokenProcessPool:
                    broken = list(pending)
                    break
                except Exception:  # the batch's results could not come back: find the file one by one
                    pending.popleft()
                    yield from _isolated(batch, options)
                    continue
                pending.popleft()
                refill()
                yield from done
            if not broken:
                return
        for batch, future in broken:
            if future.done() and not future.cancelled() and future.exception() is None:
                yield from future.result()
            else:
                yield from _isolated(batch, options)


def _isolated(names: list[str], options: Options) -> Iterator[Result]:
    """Run files one at a time in one worker process; a file that kills it is named, and a new one goes on."""
    import concurrent.futures
    from concurrent.futures.process import BrokenProcessPool

    index = 0
    while index < len(names):
        with concurrent.futures.ProcessPoolExecutor(max_workers=1) as pool:
            while index < len(names):
                name = names[index]
                try:
                    result = pool.submit(run_file, name, options).result()
                except BrokenProcessPool:
                    result = internal_error(name, "the worker process running this file died")
                    index += 1
                    yield result
                    break
                except Exception as exc:  # noqa: BLE001 - the result could not come back from the worker
                    result = internal_error(name, f"{type(exc).__name__}: {exc}")
                index += 1
                yield result


class Summary:
    """Portfolio totals, accumulated as results stream past."""

    def __init__(self) -> None:
        self.files = 0
        self.bad: list[str] = []
        self.internal: list[str] = []
        self.by_service: dict[str, Decimal] = {}
        self.by_workload: list[tuple[str, str, Decimal]] = []
        self.services_used: dict[str, int] = {}
        self.total = Decimal(0)

    def add(self, result: Result) -> None:
        """Fold one result into the totals."""
        self.files += 1
        if result.document is None:
            self.bad.append(result.file)
            if result.internal:
                self.internal.append(result.file)
            return
        doc = result.document
        if result.total is not None:
            self.total += result.total
            self.by_workload.append((result.file, doc["workload"], result.total))
            for service, amount in doc["by_service"].items():
                self.by_service[service] = self.by_service.get(service, Decimal(0)) + Decimal(amount)
        else:
            for service in doc["services"]:
                self.services_used[service] = self.services_used.get(service, 0) + 1

    def as_json(self) -> dict[str, Any]:
        """The totals as JSON; money as unrounded decimal strings."""
        from advisor.pricing.base import decimal_text

        out: dict[str, Any] = {"files": self.files, "bad_files": self.bad}
        if self.internal:
            out["internal_errors"] = self.internal
        if self.by_workload:
            out["total_monthly_usd"] = decimal_text(self.total)
            out["by_service"] = {k: decimal_text(v) for k, v in sorted(self.by_service.items())}
            out["by_workload"] = [{"file": f, "workload": w, "monthly_usd": decimal_text(t)}
                                  for f, w, t in self.by_workload]
        else:
            out["workloads_per_service"] = dict(sorted(self.services_used.items()))
        return out


def default_jobs() -> int:
    """One job per available core."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1
