"""The CloudFormation part of `advisor render`: the architecture graph as a template.

- `build_template(workload, arch)` returns the template as plain data (dicts, lists, scalars and the
  intrinsic marker objects of `advisor.render.cfn.intrinsics`), the same for the same input;
- `dump_template(template)` writes it as YAML with short-form intrinsics (`!Ref`, `!GetAtt X.Y`, `!Sub`);
- `load_template(text)` reads such YAML back into the same data;
- `HANDLER_SOURCE` / `handler_source()` is the inline Lambda handler every function ships.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from advisor.render.cfn.emitter import dump_template, load_template
    from advisor.render.cfn.handler import HANDLER_SOURCE, handler_source
    from advisor.render.cfn.intrinsics import (And, Condition, Equals, GetAtt, GetAZs, If, Join, Not, Or, Ref,
                                               Select, Split, Sub, to_json)
    from advisor.render.cfn.template import ACCOUNT_LEVEL_CONTROLS, build_template

# Name -> the module that defines it, imported when the name is first used: `advisor review` reads only the
# naming module of this package, and pays nothing for the builder, the emitter and the handler.
_WHERE = {
    **{name: "emitter" for name in ("dump_template", "load_template")},
    **{name: "handler" for name in ("HANDLER_SOURCE", "handler_source")},
    **{name: "intrinsics" for name in ("And", "Condition", "Equals", "GetAtt", "GetAZs", "If", "Join", "Not", "Or",
                                       "Ref", "Select", "Split", "Sub", "to_json")},
    **{name: "template" for name in ("ACCOUNT_LEVEL_CONTROLS", "build_template")},
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "ACCOUNT_LEVEL_CONTROLS", "HANDLER_SOURCE", "And", "Condition", "Equals", "GetAZs", "GetAtt", "If", "Join",
    "Not", "Or", "Ref", "Select", "Split", "Sub", "build_template", "dump_template", "handler_source",
    "load_template", "to_json",
]
