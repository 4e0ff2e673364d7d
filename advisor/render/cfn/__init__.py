"""The CloudFormation part of `advisor render`: the architecture graph as a template.

- `build_template(workload, arch)` returns the template as plain data (dicts, lists, scalars and the
  intrinsic marker objects of `advisor.render.cfn.intrinsics`), the same for the same input;
- `dump_template(template)` writes it as YAML with short-form intrinsics (`!Ref`, `!GetAtt X.Y`, `!Sub`);
- `load_template(text)` reads such YAML back into the same data;
- `HANDLER_SOURCE` / `handler_source()` is the inline Lambda handler every function ships.
"""

from __future__ import annotations

from advisor.render.cfn.emitter import dump_template, load_template
from advisor.render.cfn.handler import HANDLER_SOURCE, handler_source
from advisor.render.cfn.intrinsics import (And, Condition, Equals, GetAtt, GetAZs, If, Join, Not, Or, Ref, Select,
                                           Split, Sub, to_json)
from advisor.render.cfn.template import ACCOUNT_LEVEL_CONTROLS, build_template

__all__ = [
    "ACCOUNT_LEVEL_CONTROLS", "HANDLER_SOURCE", "And", "Condition", "Equals", "GetAZs", "GetAtt", "If", "Join",
    "Not", "Or", "Ref", "Select", "Split", "Sub", "build_template", "dump_template", "handler_source",
    "load_template", "to_json",
]
