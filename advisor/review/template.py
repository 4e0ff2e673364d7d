"""A CloudFormation template as CloudFormation would deploy it, with the line and column of every value.

Reading is bounded as workload files are (advisor.yamlsafe's event-stream parser): a size limit, no alias
bombs, a depth and a node limit, UTF-8 text only, and only CloudFormation's own short-form tags. JSON goes
through the same parser (JSON is YAML's flow style), with JSON's rules for numbers. A template that cannot
be read raises `TemplateError` (exit 2) with the file, line and column.

Then the template is evaluated offline, as CloudFormation would on a stack create:

- the Region is the one given, else the one advisor's render wrote in the metadata, else us-east-1;
- parameters take the values given, else their defaults; one with neither stays unknown (a `Ref` to it);
- conditions are evaluated from them; a resource whose condition is false is dropped (`Template.dropped`);
- `Fn::If` takes its branch, `AWS::NoValue` removes the key or item, `Fn::FindInMap`, `Fn::Select`,
  `Fn::Split`, `Fn::Join`, `Fn::Sub`, `Fn::Length` and `Fn::ToJsonString` are worked out where their
  arguments are known;
- a reference to a resource stays a reference, to its logical id: `Ref(id)`, `GetAtt(id, attribute)`, and
  text built around them (`Fn::Sub`, `Fn::Join`) is a `Text` of strings and references; what only AWS knows
  (`Fn::ImportValue`, `Fn::GetAZs`, `Fn::Cidr`, the account id) stays an `Fn` or a `Ref` to the pseudo
  parameter;
- a SAM template (`Transform: AWS::Serverless-2016-10-31`) is expanded first, offline, by aws-sam-translator
  (imported only then); each resource it generates keeps the position of the SAM resource it came from.

The API the readbacks and the findings use: `load_template(path)` -> `Template`; `Template.resources` (logical
id -> `Resource`, in file order), `Resource.props`, `Resource.where(*path)` (the line and column of a
property, or of its nearest written parent), and `references(value)` (every resource a value refers to).
"""

from __future__ import annotations

import json
import os
import re
from typing import Any, Iterator, Mapping, NamedTuple

from advisor.errors import Diagnostic, InputError
from advisor.yamlsafe import Node, YamlProblem, open_regular, parse, read_text

# CloudFormation's own limit on a template read from S3 is 1 MB; a template that large holds at most a few
# hundred thousand values, so the node limit only stops alias bombs.
MAX_BYTES = 1024 * 1024
MAX_NODES = 400_000
MAX_DEPTH = 100
SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
LANGUAGE_EXTENSIONS = "AWS::LanguageExtensions"

# Short-form tags and the long-form keys they stand for (CloudFormation user guide, intrinsic function reference).
TAGS = {
    "!Ref": "Ref", "!Condition": "Condition",
    **{f"!{name}": f"Fn::{name}" for name in (
        "Base64", "Cidr", "FindInMap", "GetAtt", "GetAZs", "ImportValue", "Join", "Select", "Split", "Sub",
        "Transform", "If", "Equals", "Not", "And", "Or", "Length", "ToJsonString",
        # The rule-specific functions of a template's Rules section (CloudFormation user guide, "Rule functions").
        "Contains", "EachMemberEquals", "EachMemberIn", "RefAll", "ValueOf", "ValueOfAll")},
}
FUNCTIONS = frozenset(v for v in TAGS.values() if v.startswith("Fn::"))
CONDITION_FUNCTIONS = frozenset({"Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or", "Condition"})
# Pseudo parameters only a running stack knows: they stay references.
UNKNOWN_PSEUDO = frozenset({"AWS::AccountId", "AWS::StackName", "AWS::StackId", "AWS::NotificationARNs"})
DEFAULT_REGION = "us-east-1"
_SUB = re.compile(r"\$\{([^}]*)\}")
_SURROGATES = re.compile(r"(?<!\\)((?:\\\\)*)\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})")


class TemplateError(InputError):
    """A template that cannot be read or evaluated: every diagnostic with its file, line and column (exit 2)."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__(diagnostics, what="template")


# --- what a resolved value may hold besides plain data -------------------------------------------------------


class Ref(NamedTuple):
    """A reference CloudFormation resolves when it deploys: a resource (by logical id), a parameter without a
    value, or a pseudo parameter only the stack knows (`AWS::AccountId`)."""

    target: str


class GetAtt(NamedTuple):
    """An attribute of a resource, by logical id."""

    resource: str
    attribute: str


class Text(NamedTuple):
    """Text built around references (`Fn::Sub`, `Fn::Join`): strings, `Ref`s, `GetAtt`s and `Fn`s in order."""

    parts: tuple[Any, ...]

    def pattern(self) -> str:
        """The text with each reference as `${...}`, for matching (`${Queue.Arn}`, `${AWS::AccountId}`)."""
        out = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
            elif isinstance(part, Ref):
                out.append("${%s}" % part.target)
            elif isinstance(part, GetAtt):
                out.append("${%s.%s}" % (part.resource, part.attribute))
            else:
                out.append("${%s}" % part.name)
        return "".join(out)


class Fn(NamedTuple):
    """An intrinsic function only AWS can evaluate (`Fn::ImportValue`, `Fn::GetAZs`, `Fn::Cidr`, `Fn::Base64`
    of a reference...), with its arguments resolved as far as they go."""

    name: str
    args: Any


class _NoValue:
    """`AWS::NoValue`: the key or item that holds it is removed."""

    __slots__ = ()


NO_VALUE = _NoValue()


def references(value: Any) -> Iterator[tuple[str, str | None]]:
    """Every (logical id or name, attribute) a resolved value refers to; the attribute is None for a `Ref`."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is str or kind is int or kind is bool or kind is float or item is None:
            continue
        if kind is Ref:
            yield item.target, None
        elif kind is GetAtt:
            yield item.resource, item.attribute
        elif kind is Text:
            stack.extend(item.parts)
        elif kind is Fn:
            stack.append(item.args)
        elif kind is dict:
            stack.extend(item.values())
        elif kind is list or kind is tuple:
            stack.extend(item)


def plain(value: Any) -> Any:
    """A resolved value as JSON-ready data: references back in CloudFormation's long form."""
    kind = type(value)
    if kind is dict:
        return {k: plain(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [plain(v) for v in value]
    if kind is Ref:
        return {"Ref": value.target}
    if kind is GetAtt:
        return {"Fn::GetAtt": [value.resource, value.attribute]}
    if kind is Text:
        return {"Fn::Sub": value.pattern()}
    if kind is Fn:
        return {value.name: plain(value.args)}
    return value


# --- the evaluated template -----------------------------------------------------------------------------------


class Resource:
    """One resource as the stack would create it: its type, resolved properties and where it is written."""

    __slots__ = ("logical_id", "type", "props", "metadata", "condition", "depends_on", "deletion_policy",
                 "update_replace_policy", "line", "column", "origin", "positions")

    def __init__(self, logical_id: str, rtype: str, line: int, column: int, origin: str) -> None:
        self.logical_id = logical_id
        self.type = rtype
        self.props: dict[str, Any] = {}
        self.metadata: dict[str, Any] = {}
        self.condition: str | None = None
        self.depends_on: tuple[str, ...] = ()
        self.deletion_policy: Any = None
        self.update_replace_policy: Any = None
        self.line = line
        self.column = column
        # The logical id written in the file: its own, or the SAM resource it was expanded from.
        self.origin = origin
        # Path under the resource ("Properties", "Name", 0, ...) -> (line, column) of the key or item.
        self.positions: dict[tuple[Any, ...], tuple[int, int]] = {}

    def where(self, *path: Any) -> tuple[int, int]:
        """The line and column of a property path (`where("Properties", "RedrivePolicy")`); a path that is not
        written gives its nearest written parent, at worst the resource's own logical id."""
        path = tuple(path)
        while path:
            found = self.positions.get(path)
            if found is not None:
                return found
            path = path[:-1]
        return self.line, self.column

    def get(self, *path: Any, default: Any = None) -> Any:
        """A property by path of keys and indexes (`get("RedrivePolicy", "deadLetterTargetArn")`), or `default`."""
        value: Any = self.props
        for step in path:
            if isinstance(step, int) and isinstance(value, list) and -len(value) <= step < len(value):
                value = value[step]
            elif isinstance(value, dict) and step in value:
                value = value[step]
            else:
                return default
        return value

    def __repr__(self) -> str:
        return f"Resource({self.logical_id!r}, {self.type!r}, line {self.line})"


class Parameter(NamedTuple):
    """A template parameter and the value the review used: given, its default, or None (unknown)."""

    name: str
    type: str
    value: Any
    source: str  # "given", "default" or "none"
    line: int
    column: int
    declaration: Mapping[str, Any]  # as written: Type, Default, AllowedPattern, Description...


class Template(NamedTuple):
    """A template evaluated as CloudFormation would deploy it."""

    path: str
    format: str                      # "yaml" or "json"
    region: str
    description: str
    metadata: Mapping[str, Any]
    parameters: Mapping[str, Parameter]
    conditions: Mapping[str, bool]
    resources: Mapping[str, Resource]  # logical id -> the resources the stack creates, in file order
    # Logical id -> a resource whose Condition is false, evaluated all the same: what the stack would create
    # with other parameter values (an e-mail subscription once its address is given).
    dropped: Mapping[str, Resource]
    transforms: tuple[str, ...]
    warnings: tuple[str, ...]
    unexpanded: tuple[tuple[str, str, int, str], ...]  # (logical id, type, line, why) of what could not be read

    def of_type(self, *types: str) -> list[Resource]:
        """The resources of these types, in file order."""
        return [r for r in self.resources.values() if r.type in types]

    @property
    def sam(self) -> bool:
        """Whether the template was a SAM template, expanded offline."""
        return SAM_TRANSFORM in self.transforms


# --- reading ----------------------------------------------------------------------------------------------------


def load_template(path: str, *, parameters: Mapping[str, Any] | None = None, region: str | None = None) -> Template:
    """Read, bound, parse and evaluate a template file (TemplateError, exit 2, for anything that cannot be read)."""
    import errno

    try:
        with os.fdopen(open_regular(path), "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise TemplateError([Diagnostic(path, 1, 1, "no such file")]) from None
    except IsADirectoryError:
        raise TemplateError([Diagnostic(path, 1, 1, "is a folder, not a file")]) from None
    except ValueError as exc:
        raise TemplateError([Diagnostic(path, 1, 1, f"is {exc}, not a regular file", "only regular files are read")]) from None
    except OSError as exc:
        why = "symbolic link loop" if exc.errno == errno.ELOOP else f"cannot read: {exc.strerror}"
        raise TemplateError([Diagnostic(path, 1, 1, why)]) from None
    return parse_template(data, path, parameters=parameters, region=region)


def parse_template(data: bytes, filename: str, *, parameters: Mapping[str, Any] | None = None,
                   region: str | None = None) -> Template:
    """Parse and evaluate a template's bytes (see the module's docstring)."""
    is_json = False
    try:
        if len(data) > MAX_BYTES:
            raise YamlProblem(Diagnostic(filename, 1, 1, f"file is larger than the {MAX_BYTES:,} bytes allowed",
                                         "CloudFormation itself takes templates of at most 1 MB"))
        text = read_text(data, filename, max_bytes=MAX_BYTES)
        is_json = text.lstrip()[:1] == "{"
        if is_json:
            # JSON allows tabs only between tokens (a tab inside a string is escaped), where YAML wants spaces;
            # libyaml refuses escaped surrogate pairs, which JSON writes for characters beyond the BMP.
            text = text.replace("\t", " ")
            if "\\u" in text:
                text = _SURROGATES.sub(_pair, text)
        root = parse(text, filename, max_depth=MAX_DEPTH, max_nodes=MAX_NODES, tags=TAGS, json=is_json)
    except YamlProblem as problem:
        found = problem.diagnostic
        if is_json and found.message.startswith("invalid YAML: "):  # JSON is read as YAML's flow style
            found = found._replace(message="invalid JSON: " + found.message[len("invalid YAML: "):])
        raise TemplateError([found]) from None
    return evaluate(root, filename, "json" if is_json else "yaml", parameters=parameters, region=region)


def _pair(match: re.Match[str]) -> str:
    high, low = int(match.group(2), 16), int(match.group(3), 16)
    return match.group(1) + chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))


def _error(filename: str, node: Node | None, message: str, hint: str | None = None) -> TemplateError:
    line, col = (node.line, node.col) if node is not None else (1, 1)
    return TemplateError([Diagnostic(filename, line, col, message, hint)])


def evaluate(root: Node, filename: str, fmt: str = "yaml", *, parameters: Mapping[str, Any] | None = None,
             region: str | None = None) -> Template:
    """Evaluate a parsed template (see the module's docstring)."""
    if root.kind != "map":
        raise _error(filename, root, "a CloudFormation template is a mapping with a Resources section")
    resources_node = root.value.get("Resources")
    if resources_node is None:
        raise _error(filename, root, "the template has no Resources section",
                     "is this a CloudFormation template? (a workload file goes to `advisor recommend`)")
    if resources_node.kind != "map" or not resources_node.value:
        raise _error(filename, resources_node, "Resources must be a mapping of logical ids to resources")
    transforms = _transforms(root, filename)
    warnings: list[str] = []
    unexpanded: list[tuple[str, str, int, str]] = []
    origins: dict[str, tuple[str, int, int]] = {}
    chosen_region = region or _written_region(root) or DEFAULT_REGION
    if SAM_TRANSFORM in transforms:
        from advisor.review.sam import expand

        root, origins, skipped = expand(root, filename, dict(parameters or {}), chosen_region)
        unexpanded += skipped
    for name in transforms:
        if name not in (SAM_TRANSFORM, LANGUAGE_EXTENSIONS):
            warnings.append(f"transform {name} is a macro that runs in the account; the review reads the template "
                            "as written, before it")
    ev = _Evaluator(root, filename, dict(parameters or {}), chosen_region, warnings)
    resources: dict[str, Resource] = {}
    dropped: dict[str, Resource] = {}
    for key, node in ev.resources_node.value.items():
        key_node = ev.resources_node.keys[key]
        if key.startswith("Fn::ForEach::"):
            unexpanded.append((key, "Fn::ForEach", key_node.line, "loops of AWS::LanguageExtensions are not expanded"))
            continue
        resource = ev.resource(key, key_node, node, origins.get(key))
        if resource.condition is not None and not ev.condition(resource.condition, None):
            dropped[key] = resource
        else:
            resources[key] = resource
    description = root.value.get("Description")
    metadata = ev.value(root.value["Metadata"], (), None) if "Metadata" in root.value else {}
    return Template(
        path=filename, format=fmt, region=chosen_region,
        description=description.value if description is not None and isinstance(description.value, str) else "",
        metadata=metadata if isinstance(metadata, dict) else {},
        parameters=ev.parameters, conditions={name: ev.condition(name, None) for name in ev.conditions_raw},
        resources=resources, dropped=dropped, transforms=transforms, warnings=tuple(dict.fromkeys(warnings)),
        unexpanded=tuple(unexpanded))


def _written_region(root: Node) -> str | None:
    """The Region advisor's render wrote into the template's metadata (`Metadata.Advisor.Region`), if any."""
    node: Node | None = root
    for key in ("Metadata", "Advisor", "Region"):
        node = node.value.get(key) if node is not None and node.kind == "map" else None
    value = node.value if node is not None and node.kind == "scalar" else None
    return value if isinstance(value, str) and re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d", value) else None


def _transforms(root: Node, filename: str) -> tuple[str, ...]:
    node = root.value.get("Transform")
    if node is None:
        return ()
    items = node.value if node.kind == "seq" else [node]
    out = []
    for item in items:
        if item.kind == "scalar" and isinstance(item.value, str):
            out.append(item.value)
        elif item.kind == "map" and isinstance(item.value.get("Name"), Node):
            out.append(str(item.value["Name"].value))
        else:
            raise _error(filename, item, "Transform names a macro by its name")
    return tuple(out)


def partition_of(region: str) -> tuple[str, str]:
    """The partition and URL suffix of a Region."""
    if region.startswith("cn-"):
        return "aws-cn", "amazonaws.com.cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov", "amazonaws.com"
    return "aws", "amazonaws.com"


class _Evaluator:
    """Works out parameters, conditions and each resource's properties from the parsed tree."""

    def __init__(self, root: Node, filename: str, given: dict[str, Any], region: str, warnings: list[str]) -> None:
        self.filename = filename
        self.region = region
        self.partition, self.url_suffix = partition_of(region)
        self.warnings = warnings
        self.resources_node: Node = root.value["Resources"]
        self.resource_ids = frozenset(self.resources_node.value)
        self.mappings = root.value.get("Mappings")
        self.conditions_raw: dict[str, Node] = {}
        conditions = root.value.get("Conditions")
        if conditions is not None:
            if conditions.kind != "map":
                raise _error(filename, conditions, "Conditions must be a mapping of names to conditions")
            self.conditions_raw = dict(conditions.value)
        self.condition_values: dict[str, bool] = {}
        self.evaluating: set[str] = set()
        self.parameters = self._parameters(root.value.get("Parameters"), given)

    # -- parameters and conditions ---------------------------------------------------------------------------

    def _parameters(self, node: Node | None, given: dict[str, Any]) -> dict[str, Parameter]:
        out: dict[str, Parameter] = {}
        declared = node.value if node is not None and node.kind == "map" else {}
        if node is not None and node.kind != "map":
            raise _error(self.filename, node, "Parameters must be a mapping of names to parameters")
        unknown = sorted(set(given) - set(declared))
        if unknown:
            raise TemplateError([Diagnostic(self.filename, node.line if node else 1, node.col if node else 1,
                                            f"the template has no parameter {', '.join(unknown)}",
                                            "parameters: " + (", ".join(sorted(declared)) or "none"))])
        for name, spec in declared.items():
            key = node.keys[name] if node is not None else spec
            if spec.kind != "map" or "Type" not in spec.value:
                raise _error(self.filename, spec, f"parameter {name} needs a Type")
            ptype = str(spec.value["Type"].value)
            if name in given:
                raw, source = given[name], "given"
            elif "Default" in spec.value:
                raw, source = spec.value["Default"].plain(), "default"
            else:
                raw, source = None, "none"
            value = None if raw is None or ptype.startswith("AWS::SSM::Parameter::Value") else _typed(ptype, raw)
            out[name] = Parameter(name, ptype, value, source, key.line, key.col, spec.plain())
        return out

    def condition(self, name: str, where: Node | None) -> bool:
        """A named condition's value, evaluated once."""
        found = self.condition_values.get(name)
        if found is not None:
            return found
        node = self.conditions_raw.get(name)
        if node is None:
            raise _error(self.filename, where, f"no condition named {name!r}",
                         "conditions: " + (", ".join(sorted(self.conditions_raw)) or "none"))
        if name in self.evaluating:
            raise _error(self.filename, node, f"condition {name} depends on itself")
        self.evaluating.add(name)
        value = self.truth(node, name)
        self.evaluating.discard(name)
        self.condition_values[name] = value
        return value

    def truth(self, node: Node, name: str) -> bool:
        """A condition expression's value."""
        if node.kind == "scalar" and isinstance(node.value, bool):
            return node.value
        if node.kind != "map" or len(node.value) != 1:
            raise _error(self.filename, node, "a condition is Fn::Equals, Fn::Not, Fn::And, Fn::Or or Condition")
        (key, arg), = node.value.items()
        if key == "Condition":
            if arg.kind != "scalar" or not isinstance(arg.value, str):
                raise _error(self.filename, arg, "Condition names a condition")
            return self.condition(arg.value, arg)
        if key not in CONDITION_FUNCTIONS:
            raise _error(self.filename, node, f"{key} cannot be used in a condition",
                         "a condition is Fn::Equals, Fn::Not, Fn::And, Fn::Or or Condition")
        if arg.kind != "seq":
            raise _error(self.filename, arg, f"{key} takes a list")
        items = arg.value
        if key == "Fn::Equals":
            if len(items) != 2:
                raise _error(self.filename, arg, "Fn::Equals compares two values")
            left, right = (self.value(item, (), None) for item in items)
            if _unknown(left) or _unknown(right):
                self.warnings.append(f"condition {name} compares a value known only at deploy time "
                                     f"({_shown(left)} and {_shown(right)}): taken as not equal")
                return False
            return _text(left) == _text(right)
        if key == "Fn::Not":
            if len(items) != 1:
                raise _error(self.filename, arg, "Fn::Not takes one condition")
            return not self.truth(items[0], name)
        if not 2 <= len(items) <= 10:
            raise _error(self.filename, arg, f"{key} takes 2 to 10 conditions")
        values = [self.truth(item, name) for item in items]
        return all(values) if key == "Fn::And" else any(values)

    # -- resources -------------------------------------------------------------------------------------------

    def resource(self, key: str, key_node: Node, node: Node, origin: tuple[str, int, int] | None) -> Resource:
        """A resource, evaluated (whether its condition holds or not)."""
        if node.kind != "map":
            raise _error(self.filename, node, f"resource {key} must be a mapping with a Type")
        type_node = node.value.get("Type")
        if type_node is None or type_node.kind != "scalar" or not isinstance(type_node.value, str):
            raise _error(self.filename, type_node or key_node, f"resource {key} needs a Type such as AWS::SQS::Queue")
        condition_node = node.value.get("Condition")
        condition = None
        if condition_node is not None:
            if condition_node.kind != "scalar" or not isinstance(condition_node.value, str):
                raise _error(self.filename, condition_node, "a resource's Condition names a condition")
            condition = condition_node.value
            self.condition(condition, condition_node)
        line, col = (origin[1], origin[2]) if origin else (key_node.line, key_node.col)
        resource = Resource(key, type_node.value, line, col, origin[0] if origin else key)
        resource.condition = condition
        positions = resource.positions
        for name, child in node.value.items():
            where = node.keys[name]
            positions[(name,)] = (where.line, where.col)
            if name == "Properties":
                props = self.value(child, ("Properties",), positions)
                if props is not NO_VALUE and not isinstance(props, dict):
                    raise _error(self.filename, child, f"the Properties of {key} must be a mapping")
                resource.props = props if isinstance(props, dict) else {}
            elif name == "Metadata":
                meta = self.value(child, ("Metadata",), positions)
                resource.metadata = meta if isinstance(meta, dict) else {}
            elif name == "DependsOn":
                depends = child.plain()
                resource.depends_on = tuple(str(d) for d in (depends if isinstance(depends, list) else [depends]))
            elif name == "DeletionPolicy":
                resource.deletion_policy = self.value(child, (name,), positions)
            elif name == "UpdateReplacePolicy":
                resource.update_replace_policy = self.value(child, (name,), positions)
        return resource

    # -- values ----------------------------------------------------------------------------------------------

    def value(self, node: Node, path: tuple[Any, ...], positions: dict[tuple[Any, ...], tuple[int, int]] | None) -> Any:
        """A value with its intrinsic functions worked out; NO_VALUE where `AWS::NoValue` removes it."""
        kind = node.kind
        if kind == "scalar":
            return node.value
        if kind == "seq":
            items: list[Any] = []
            for item in node.value:
                sub = path + (len(items),)
                if positions is not None:
                    positions[sub] = (item.line, item.col)
                resolved = self.value(item, sub, positions)
                if resolved is not NO_VALUE:
                    items.append(resolved)
            return items
        mapping = node.value
        if len(mapping) == 1:
            (key, arg), = mapping.items()
            if key == "Ref" or (key.startswith("Fn::") and not key.startswith("Fn::ForEach::")):
                return self.function(key, arg, node, path, positions)
        out: dict[str, Any] = {}
        for key, child in mapping.items():
            sub = path + (key,)
            if positions is not None:
                where = node.keys[key]
                positions[sub] = (where.line, where.col)
            resolved = self.value(child, sub, positions)
            if resolved is not NO_VALUE:
                out[key] = resolved
        return out

    def function(self, key: str, arg: Node, node: Node, path: tuple[Any, ...],
                 positions: dict[tuple[Any, ...], tuple[int, int]] | None) -> Any:
        """One intrinsic function."""
        if key == "Ref":
            if arg.kind != "scalar" or not isinstance(arg.value, str):
                raise _error(self.filename, arg, "Ref names a parameter, a resource or a pseudo parameter")
            return self.ref(arg.value)
        if key == "Fn::If":
            if arg.kind != "seq" or len(arg.value) != 3 or arg.value[0].kind != "scalar":
                raise _error(self.filename, arg, "Fn::If takes a condition name, a value if true and a value if false")
            chosen = arg.value[1] if self.condition(str(arg.value[0].value), arg.value[0]) else arg.value[2]
            return self.value(chosen, path, positions)
        if key not in FUNCTIONS:
            raise _error(self.filename, node, f"unknown intrinsic function {key}",
                         "functions: Ref, " + ", ".join(sorted(FUNCTIONS)))
        if key in CONDITION_FUNCTIONS:
            return self.truth(node, "in a property")
        if key == "Fn::GetAtt":
            return self.get_att(arg)
        if key == "Fn::Sub":
            return self.sub(arg)
        args = self.value(arg, path, None)
        if key == "Fn::Join":
            return self.join(args, arg)
        if key == "Fn::Select":
            if isinstance(args, list) and len(args) == 2 and isinstance(args[1], list) and _index(args[0]) is not None:
                index = _index(args[0])
                assert index is not None
                if 0 <= index < len(args[1]):
                    return args[1][index]
                raise _error(self.filename, arg, f"Fn::Select index {index} is outside the list of {len(args[1])}")
            return Fn(key, args)
        if key == "Fn::Split":
            if isinstance(args, list) and len(args) == 2 and isinstance(args[0], str) and isinstance(args[1], str):
                return args[1].split(args[0]) if args[0] else [args[1]]
            return Fn(key, args)
        if key == "Fn::FindInMap":
            return self.find_in_map(args, arg)
        if key == "Fn::Length":
            return len(args) if isinstance(args, list) else Fn(key, args)
        if key == "Fn::ToJsonString":
            return Fn(key, args) if _unknown(args) else json.dumps(args, separators=(",", ":"))
        return Fn(key, args)

    def ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name == "AWS::Region":
            return self.region
        if name == "AWS::Partition":
            return self.partition
        if name == "AWS::URLSuffix":
            return self.url_suffix
        parameter = self.parameters.get(name)
        if parameter is not None:
            return parameter.value if parameter.value is not None else Ref(name)
        if name not in self.resource_ids and name not in UNKNOWN_PSEUDO:
            self.warnings.append(f"Ref {name} names no parameter or resource of the template")
        return Ref(name)

    def get_att(self, arg: Node) -> Any:
        if arg.kind == "scalar" and isinstance(arg.value, str):
            resource, _, attribute = arg.value.partition(".")
        elif arg.kind == "seq" and len(arg.value) == 2 and arg.value[0].kind == "scalar":
            resource = str(arg.value[0].value)
            attribute = self.value(arg.value[1], (), None)
            if not isinstance(attribute, str):
                return Fn("Fn::GetAtt", [resource, attribute])
        else:
            raise _error(self.filename, arg, "Fn::GetAtt takes a logical id and an attribute name")
        if not resource or not attribute:
            raise _error(self.filename, arg, "Fn::GetAtt takes a logical id and an attribute name")
        return GetAtt(resource, attribute)

    def sub(self, arg: Node) -> Any:
        if arg.kind == "scalar" and isinstance(arg.value, str):
            text, variables = arg.value, {}
        elif arg.kind == "seq" and len(arg.value) == 2 and arg.value[0].kind == "scalar" and arg.value[1].kind == "map":
            text = str(arg.value[0].value)
            variables = {k: self.value(v, (), None) for k, v in arg.value[1].value.items()}
        else:
            raise _error(self.filename, arg, "Fn::Sub takes a text, or a text and a mapping of variables")
        parts: list[Any] = []
        position = 0
        for match in _SUB.finditer(text):
            parts.append(text[position:match.start()])
            position = match.end()
            name = match.group(1).strip()
            if name.startswith("!"):  # `${!Literal}` writes `${Literal}`
                parts.append("${" + name[1:] + "}")
                continue
            if name in variables:
                value = variables[name]
            elif "." in name and name.split(".", 1)[0] in self.resource_ids:
                value = GetAtt(*name.split(".", 1))
            else:
                value = self.ref(name)
                if value is NO_VALUE:
                    value = ""
            parts.append(value)
        parts.append(text[position:])
        return _text_of(parts)

    def join(self, args: Any, arg: Node) -> Any:
        if not (isinstance(args, list) and len(args) == 2 and isinstance(args[0], str)):
            raise _error(self.filename, arg, "Fn::Join takes a delimiter and a list of values")
        delimiter, items = args
        if not isinstance(items, list):
            return Fn("Fn::Join", args)
        parts: list[Any] = []
        for index, item in enumerate(items):
            if index:
                parts.append(delimiter)
            parts.append(item)
        return _text_of(parts)

    def find_in_map(self, args: Any, arg: Node) -> Any:
        if not isinstance(args, list) or len(args) not in (3, 4):
            raise _error(self.filename, arg, "Fn::FindInMap takes a map name, a top-level key and a second-level key")
        default = args[3].get("DefaultValue") if len(args) == 4 and isinstance(args[3], dict) else None
        if _unknown(args[:3]) or self.mappings is None:
            return default if default is not None else Fn("Fn::FindInMap", args)
        found: Node | None = self.mappings
        for step in args[:3]:
            if found is None or found.kind != "map":
                found = None
                break
            found = found.value.get(_text(step))
        if found is None:
            if default is not None:
                return default
            raise _error(self.filename, arg, "Fn::FindInMap finds no " + ".".join(_text(a) for a in args[:3]),
                         "check the Mappings section")
        return self.value(found, (), None)


def _typed(ptype: str, raw: Any) -> Any:
    """A parameter value as the template's functions see it: lists split, numbers as numbers."""
    if ptype == "CommaDelimitedList" or ptype.startswith("List<"):
        if isinstance(raw, list):
            return [_text(v) for v in raw]
        return [] if raw == "" else [part.strip() for part in _text(raw).split(",")]
    if ptype == "Number" and isinstance(raw, str):
        try:
            return int(raw)
        except ValueError:
            try:
                return float(raw)
            except ValueError:
                return raw
    return raw


def _index(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _unknown(value: Any) -> bool:
    """Whether a value holds anything only a deployed stack knows."""
    if isinstance(value, (Ref, GetAtt, Text, Fn)):
        return True
    if isinstance(value, dict):
        return any(_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_unknown(v) for v in value)
    return False


def _text(value: Any) -> str:
    """A scalar as CloudFormation compares and joins it: as text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(value)
    return str(value)


def _shown(value: Any) -> str:
    return json.dumps(plain(value), sort_keys=True)[:80]


def _text_of(parts: list[Any]) -> Any:
    """Strings joined where they meet; plain text when nothing is left to resolve."""
    out: list[Any] = []
    for part in parts:
        if isinstance(part, (str, int, float, bool)) and not isinstance(part, Text):
            part = _text(part)
            if not part:
                continue
            if out and isinstance(out[-1], str):
                out[-1] += part
                continue
        elif isinstance(part, Text):
            for inner in part.parts:
                if isinstance(inner, str) and out and isinstance(out[-1], str):
                    out[-1] += inner
                else:
                    out.append(inner)
            continue
        out.append(part)
    if not out:
        return ""
    if len(out) == 1 and isinstance(out[0], str):
        return out[0]
    return Text(tuple(out))


__all__ = ["Fn", "GetAtt", "MAX_BYTES", "NO_VALUE", "Parameter", "Ref", "Resource", "SAM_TRANSFORM", "Template",
           "TemplateError", "Text", "evaluate", "load_template", "parse_template", "plain", "references"]
