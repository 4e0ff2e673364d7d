"""Jinja2 rendering of the bundled templates, with escaping filters for free text."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from advisor.resources import data_dir
from advisor.views import md_escape


_BYTECODE_DIR: list[str] = []


def use_bytecode_cache(folder: str) -> None:
    """Keep compiled templates in `folder`, so later runs skip compiling them (the CLI passes its cache folder)."""
    _BYTECODE_DIR[:] = [folder]
    _environment.cache_clear()


@lru_cache(maxsize=1)
def _environment() -> Any:
    import jinja2  # imported only on paths that render Markdown

    cache = None
    if _BYTECODE_DIR:
        try:
            import os

            os.makedirs(_BYTECODE_DIR[0], exist_ok=True)
            cache = jinja2.FileSystemBytecodeCache(_BYTECODE_DIR[0])
        except OSError:
            cache = None  # a read-only home is no reason to fail
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(data_dir("templates"))),
        autoescape=False,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        bytecode_cache=cache,
    )
    env.filters["md"] = md_escape
    env.filters["code"] = lambda text: "`" + str(text).replace("`", "") + "`"
    env.filters["yaml"] = _yaml_scalar
    return env


def _yaml_scalar(value: Any) -> str:
    """One value as a YAML flow scalar, quoted by the emitter wherever YAML needs it."""
    import yaml

    text = yaml.safe_dump(value, default_flow_style=True, width=10_000, allow_unicode=True)
    return text.removesuffix("\n...\n").rstrip("\n")


def render_template(name: str, **values: Any) -> str:
    """Render a bundled template with prepared values."""
    return str(_environment().get_template(name).render(**values))
