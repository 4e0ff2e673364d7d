"""Rendering of the bundled Jinja templates (Jinja2, imported only on the paths that render Markdown),
with escaping filters for free text."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from advisor.resources import data_dir
from advisor.views import md_escape


@lru_cache(maxsize=1)
def _environment() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(data_dir("templates")), encoding="utf-8"),
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        # The templates escape what they hold themselves (the md and yaml filters); they are not HTML.
        autoescape=False,
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
