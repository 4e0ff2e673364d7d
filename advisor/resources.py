"""Where the bundled data lives: inside the installed package, or beside it in a checkout."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

_HERE = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
def data_dir(name: str) -> Path:
    """The folder of bundled data `name` (rules, templates)."""
    packaged = _HERE / "_data" / name
    if packaged.is_dir():  # the common case: an installed wheel on a file system
        return packaged
    checkout = _HERE.parent / name
    if checkout.is_dir() and (_HERE.parent / "pyproject.toml").is_file():
        return checkout  # an editable install or a source checkout keeps the folders at the top level
    from importlib.resources import files  # costs a few ms; needed only for unusual loaders

    resource = files("advisor") / "_data" / name
    if resource.is_dir():
        return Path(str(resource))
    return checkout
