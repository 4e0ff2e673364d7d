"""Rendering of the bundled Jinja templates, with escaping filters for free text.

The engine is MiniJinja, Jinja's syntax and semantics compiled into one extension module: it
loads in a tenth of the time Jinja2's forty modules take, which was a quarter of a cold
`advisor render`, and writes the same text for these templates (the golden files hold it).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from advisor.resources import data_dir
from advisor.views import md_escape


@lru_cache(maxsize=1)
def _environment() -> Any:
    import minijinja  # imported only on paths that render Markdown

    folder = data_dir("templates")

    def load(name: str) -> str | None:
        try:
            return (folder / name).read_text(encoding="utf-8")  # universal newlines: a CRLF checkout reads as LF
        except (FileNotFoundError, IsADirectoryError):
            return None

    env = minijinja.Environment(
        loader=load,
        keep_trailing_newline=True,
        undefined_behavior="strict",
        # MiniJinja escapes .yaml and .json templates as JSON by default; these templates escape
        # what they hold themselves (the md and yaml filters).
        auto_escape_callback=lambda name: False,
    )
    env.add_filter("md", md_escape)
    env.add_filter("code", lambda text: "`" + str(text).replace("`", "") + "`")
    env.add_filter("yaml", _yaml_scalar)
    return env


def _yaml_scalar(value: Any) -> str:
    """One value as a YAML flow scalar, quoted by the emitter wherever YAML needs it."""
    import yaml

    text = yaml.safe_dump(value, default_flow_style=True, width=10_000, allow_unicode=True)
    return text.removesuffix("\n...\n").rstrip("\n")


def _plain(value: Any) -> Any:
    """Numbers other than ints as the text `str()` gives them, as Jinja printed them.

    MiniJinja formats floats its own way (`0.00001` for `1e-05`, `2` for `2.0` after a finalizer)
    and reads a Decimal as a float (`1.5` for `1.50`); the table and the JSON show `str()`.
    """
    if isinstance(value, str) or value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)


def render_template(name: str, **values: Any) -> str:
    """Render a bundled template with prepared values."""
    return str(_environment().render_template(name, **_plain(values)))
