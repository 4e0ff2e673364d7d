"""Where the bundled data lives: inside the wheel, or beside the package in a checkout."""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files
from pathlib import Path


@lru_cache(maxsize=None)
def data_dir(name: str) -> Path:
    """The folder of bundled data `name` (rules, templates)."""
    packaged = Path(str(files("advisor"))) / "_data" / name
    if packaged.is_dir():
        return packaged
    # An editable install or a source checkout keeps the folders at the top level.
    return Path(__file__).resolve().parent.parent / name
