"""`advisor render`: the report and the CloudFormation template, rendered and written safely."""

from __future__ import annotations

import os
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any, Mapping

from advisor.errors import UsageError
from advisor.records import Record

REPORT = "ARCHITECTURE.md"
TEMPLATE = "template.yaml"
SWEEP_POINTS = 11  # 0.01x to 1000x at every half decade: enough for a chart a reader can follow


class Rendered(Record):
    """The files of one render, by name, and anything worth telling the user."""

    __slots__ = ()

    files: Mapping[str, str]
    notes: tuple[str, ...]


def render(workload: Any, arch: Any, catalog: Any, prices: Any | None, price_error: str | None) -> Rendered:
    """Build the template and the report in memory; nothing touches the disk here."""
    from advisor.render.cfn import build_template, dump_template
    from advisor.render.report import report_view
    from advisor.templating import render_template

    template = build_template(workload, arch)
    template_text = dump_template(template)
    estimate = sweep = None
    notes: list[str] = []
    if prices is not None:
        from advisor.costing import budget_warnings, estimate as price
        from advisor.pricing.errors import PriceNotFound
        from advisor.sweep import factors, sweep as run_sweep

        try:
            estimate = price(workload, arch, prices)
            # The report shows the break-even to three significant figures: a bracket of 0.01% is enough.
            sweep = run_sweep(workload, arch, prices, factors(0.01, 1000, SWEEP_POINTS),
                              precision=Decimal("1.0001"), today=estimate)
        except PriceNotFound as exc:  # a replica Region without prices, say: the rest of the report stands
            estimate = sweep = None
            price_error = exc.message
        else:
            arch = arch._replace(warnings=arch.warnings + tuple(budget_warnings(workload, estimate)))
    if estimate is None:
        notes.append(f"the report has no cost section: {price_error}")
    resources = {lid: str(res.get("Type", "")) for lid, res in sorted(template.get("Resources", {}).items())}
    view = report_view(workload, arch, catalog, estimate=estimate, cost_note=price_error, sweep=sweep,
                       template_resources=resources)
    report = render_template("report.md.j2", v=view)
    return Rendered({REPORT: report, TEMPLATE: template_text}, tuple(notes))


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


def write_files(out_dir: Path, files: Mapping[str, str], *, force: bool) -> list[Path]:
    """Write each file atomically (a fresh temporary file in the folder, then a rename), only inside
    `out_dir`: a reader sees the old file or the new one, never part of one."""
    check_targets(out_dir, list(files), force=force)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create {out_dir}: {exc.strerror}", hint="pass a folder you can write to") from None
    written = []
    for name, text in files.items():
        if Path(name).name != name:  # names are ours, but a path separator would escape the folder
            raise ValueError(f"refusing to write {name!r} outside {out_dir}")
        target = out_dir / name
        fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
            os.chmod(tmp, 0o644)  # mkstemp makes the file private; these files are not secrets
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        written.append(target)
    return written
