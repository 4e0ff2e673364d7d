"""A start-up cache of the validated catalog and rules, keyed by every input file's identity.

Validating some forty YAML files costs more than the rest of a `recommend` run; the
result depends only on those files and on the code that reads them, so it is kept
as a pickle named by a checksum (CRC-32 and Adler-32, cheap to import and to
compute) of their names and identities.  Any problem with the cache means a normal load.

A file's identity is its size, modification time and inode, as git's index keeps them,
which costs a `stat` rather than a read.  Like git, it guards against "racy" edits: a file
changed within the last few seconds, so recently that a second edit of the same size could
share its timestamp on a coarse-grained file system, is identified by its contents instead.
"""

from __future__ import annotations

import os
import time
import zlib

try:  # the C unpickler alone: pickle.py's pure-Python half is a millisecond of import nobody here uses
    from _pickle import dump, load
except ImportError:  # pragma: no cover - interpreters without CPython's accelerator
    from pickle import dump, load
from pathlib import Path

from advisor import __version__
from advisor.catalog import Catalog, load_catalog
from advisor.resources import data_dir
from advisor.rules import PILLAR_LETTER, Rule, load_rules, load_rules_uncached

_CODE = ("catalog.py", "rules.py", "spec.py", "workload.py", "architecture.py", "yamlsafe.py", "records.py")


# Seconds after which a file's timestamp is trusted to tell edits apart (FAT and some network file
# systems keep two-second or one-second timestamps).
SETTLED_S = 3


def _identities(root: Path, extra: tuple[Path, ...]) -> list[tuple[str, str, os.stat_result]]:
    """Every file the cached value depends on, by name and path, with its `stat`: plain strings and
    `scandir`, as this runs on every start."""
    here = os.path.dirname(__file__)
    found = []
    for name in ("catalog.yaml", "best-practices.yaml"):
        path = os.path.join(root, name)
        found.append((name, path, os.stat(path)))
    for folder in (root, *extra):
        for pillar in sorted(PILLAR_LETTER):  # the folders rule_files reads
            try:
                entries = sorted((e.name, e.path, e.stat()) for e in os.scandir(os.path.join(folder, pillar))
                                 if e.name.endswith(".yaml"))
            except (FileNotFoundError, NotADirectoryError):
                continue
            found += [(f"{pillar}/{name}", path, st) for name, path, st in entries]
    for name in _CODE:
        path = os.path.join(here, name)
        found.append((name, path, os.stat(path)))
    return found


def _digest(root: Path, extra: tuple[Path, ...]) -> str:
    crc, adler = zlib.crc32(f"{__version__}\0{root}\0{extra}".encode()), 1
    settled = time.time_ns() - SETTLED_S * 1_000_000_000
    for name, path, st in _identities(root, extra):
        if st.st_mtime_ns < settled:
            identity = f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}".encode()
        else:  # too recent for its timestamp to tell two edits apart: identified by its contents
            with open(path, "rb") as handle:
                identity = handle.read()
        chunk = name.encode() + b"\0" + identity + b"\0"
        crc, adler = zlib.crc32(chunk, crc), zlib.adler32(chunk, adler)
    return f"{crc:08x}{adler:08x}"


def load_rule_set(cache_dir: Path | None = None, root: Path | None = None,
                  extra: tuple[Path, ...] = ()) -> tuple[Catalog, tuple[Rule, ...]]:
    """The catalog and the rules (bundled plus organisation folders), from the cache when its key still matches."""
    root = root or data_dir("rules")
    extra = tuple(Path(p).resolve() for p in extra)
    if cache_dir is None:
        catalog = load_catalog(root)
        return catalog, (load_rules(root, catalog) if not extra else load_rules_uncached(root, catalog, extra))
    # Named by the rule folders too, so that two installations (two virtual environments, say) or a run
    # with and one without organisation rules keep a cache each instead of pruning each other's.
    tag = f"{zlib.crc32(chr(0).join(map(str, (root, *extra))).encode()):08x}"
    target = cache_dir / f"rules-{tag}-{_digest(root, extra)}.pickle"
    try:
        with open(target, "rb") as handle:
            catalog, rules = load(handle)
        if isinstance(catalog, Catalog) and isinstance(rules, tuple):
            return catalog, rules
    except Exception:  # a missing, stale or damaged cache is simply rebuilt
        pass
    # Past the in-process caches too: the files changed since they were last read.
    catalog = load_catalog.__wrapped__(root)
    rules = load_rules_uncached(root, catalog, extra)
    import tempfile  # only a cache miss pays for it

    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=".rules-", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            dump((catalog, rules), handle, protocol=5)
        os.replace(tmp, target)
        for stale in cache_dir.glob("rules-*.pickle"):  # earlier versions of these rules are never read again
            if stale != target and (stale.name.startswith(f"rules-{tag}-") or stale.name.count("-") == 1):
                stale.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only home is no reason to fail
    return catalog, rules
