"""The bundled catalog and rules, once validated, kept as plain JSON so that a cold command skips the YAML.

Parsing and validating the 40-odd bundled YAML files is about a fifth of a cold `recommend`; the same
content read back from one JSON file costs well under a millisecond.  The entry's key covers everything
the validated result depends on: the size and modification time of every bundled data file and of every
advisor source file, and advisor's version.  Editing a rule, upgrading advisor or changing its code
therefore writes a new entry; nothing is ever reused across a change.

Only data is stored, never code (no pickle).  A cache file is used only if it is a regular file owned by
this user in a folder no one else may write, and if it decodes to exactly the shape written here; anything
else is ignored and the YAML is read as if there were no cache.  Failing to write is never an error.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

from advisor import __version__
from advisor.catalog import BestPractice, Catalog, DrStrategy, Entry, Pillar, Problem
from advisor.rules import Condition, Review, Rule

FORMAT = 1
MAX_BYTES = 4 * 1024 * 1024  # the bundled set is about 60 KB as JSON
_PACKAGE = Path(__file__).resolve().parent


def _stamps(folder: Path, suffix: str, into: list[str]) -> None:
    """Every file under `folder` ending in `suffix`, as path, size and modification time."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            if entry.name != "__pycache__":
                _stamps(Path(entry.path), suffix, into)
        elif entry.name.endswith(suffix):
            info = entry.stat()
            into.append(f"{entry.path}\0{info.st_size}\0{info.st_mtime_ns}")


def key(root: Path) -> str:
    """The cache key of the rule set under `root`, as loaded by this advisor: every stamp, in full."""
    stamps = [f"format {FORMAT}", f"advisor {__version__}", str(root)]
    _stamps(root, ".yaml", stamps)
    _stamps(_PACKAGE, ".py", stamps)
    return "\n".join(stamps)


def _file(folder: Path, root: Path) -> Path:
    """The entry's file: one per install and rules folder, so a change overwrites its predecessor."""
    import zlib

    where = f"{_PACKAGE}\0{root}".encode("utf-8", "surrogateescape")
    return folder / f"rules-{zlib.crc32(where):08x}.json"


def _condition(c: Condition) -> list[Any]:
    return [c.kind, c.value, c.op, c.operand, [_condition(x) for x in c.children]]


def _uncondition(data: list[Any]) -> Condition:
    kind, value, op, operand, children = data
    return Condition(kind, value, op, operand, tuple(_uncondition(x) for x in children))


def encode(catalog: Catalog, rules: tuple[Rule, ...]) -> dict[str, Any]:
    """The validated rule set as JSON-ready data."""
    return {
        "pillars": [list(p) for p in catalog.pillars.values()],
        "problems": [list(p) for p in catalog.problems.values()],
        "requirements": [list(e) for e in catalog.requirements.values()],
        "services": [list(e) for e in catalog.services.values()],
        "protocols": [list(e) for e in catalog.protocols.values()],
        "dr_strategies": [list(d) for d in catalog.dr_strategies],
        "backup_methods": [list(e) for e in catalog.backup_methods.values()],
        "regions": catalog.regions,
        "best_practices": [list(b) for b in catalog.best_practices.values()],
        "rules": [{**r._asdict(), "when": _condition(r.when), "review": r.review and r.review._asdict()}
                  for r in rules],
    }


def decode(data: dict[str, Any]) -> tuple[Catalog, tuple[Rule, ...]]:
    """The rule set from `encode`'s data; raises KeyError, TypeError or ValueError on anything else."""
    def tuples(row: list[Any]) -> list[Any]:
        return [tuple(v) if isinstance(v, list) else v for v in row]

    catalog = Catalog(
        pillars={p[0]: Pillar(*tuples(p)) for p in data["pillars"]},
        problems={p[0]: Problem(*tuples(p)) for p in data["problems"]},
        requirements={e[0]: Entry(*e) for e in data["requirements"]},
        services={e[0]: Entry(*e) for e in data["services"]},
        protocols={e[0]: Entry(*e) for e in data["protocols"]},
        dr_strategies=tuple(DrStrategy(*tuples(d)) for d in data["dr_strategies"]),
        regions=dict(data["regions"]),
        best_practices={b[0]: BestPractice(*b) for b in data["best_practices"]},
        backup_methods={e[0]: Entry(*e) for e in data["backup_methods"]},
    )
    rules = []
    for r in data["rules"]:
        given: dict[str, Any] = dict(r)
        given.update(pillars=tuple(r["pillars"]), best_practices=tuple(r["best_practices"]),
                     replaces=tuple(r["replaces"]), when=_uncondition(r["when"]),
                     review=Review(**r["review"]) if r["review"] is not None else None)
        rules.append(Rule(**given))
    return catalog, tuple(rules)


def _private(folder: Path) -> bool:
    """Whether `folder` is a directory of this user's that no one else may write."""
    try:
        info = os.stat(folder, follow_symlinks=False)
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o022


def read(folder: Path, root: Path, entry_key: str) -> tuple[Catalog, tuple[Rule, ...]] | None:
    """The cached rule set for `entry_key`, or None when there is no usable entry."""
    if not _private(folder):
        return None
    path = _file(folder, root)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o022 \
                or info.st_size > MAX_BYTES:
            return None
        raw = handle.read(MAX_BYTES + 1)
    try:
        data = json.loads(raw)
        if data.get("key") != entry_key:
            return None
        return decode(data["rule_set"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def write(folder: Path, root: Path, entry_key: str, catalog: Catalog, rules: tuple[Rule, ...]) -> None:
    """Store the rule set under `entry_key`, replacing the folder's older entry; any failure leaves no trace."""
    import tempfile

    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(folder):
            return
        # Key order is kept as loaded: a rule's `adds` lists components in the order it gives them.
        text = json.dumps({"key": entry_key, "rule_set": encode(catalog, rules)})
        fd, temp = tempfile.mkstemp(prefix=".rules-", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(temp, _file(folder, root))
        except BaseException:
            os.unlink(temp)
            raise
    except (OSError, ValueError):
        return
