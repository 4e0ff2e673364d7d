"""A small declarative schema: one description drives validation and JSON Schema.

Validation walks the position-keeping node tree from `yamlsafe`, collects every
problem it finds (not only the first) and returns plain Python values.
"""

from __future__ import annotations

import difflib
import math
import re
from typing import Any, Callable

from advisor.errors import Diagnostic
from advisor.yamlsafe import Node

INVALID: Any = object()


def did_you_mean(word: str, choices: list[str] | tuple[str, ...] | set[str]) -> str | None:
    """A 'did you mean' hint naming the closest choice, if one is close."""
    word = str(word)
    for close in difflib.get_close_matches(word, sorted(choices), n=3, cutoff=0.6):
        # difflib's ratio alone matches words that share only a long start, another service for one advisor
        # does not know (cloudfront -> cloudwatch): a hint names a choice a few slips of the keyboard away,
        # or one the word begins or ends.
        if close.startswith(word) or word.startswith(close) or _edits(word, close) <= max(len(word), len(close)) // 3:
            return f"did you mean {close!r}?"
    return None


def _edits(a: str, b: str) -> int:
    """Insertions, deletions, substitutions and swaps of neighbouring letters that turn a into b."""
    two_back: list[int] = []
    last = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            row[j] = min(last[j] + 1, row[j - 1] + 1, last[j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], two_back[j - 2] + 1)
        two_back, last = last, row
    return last[len(b)]


def _describe(node: Node) -> str:
    if node.kind == "map":
        return "a mapping"
    if node.kind == "seq":
        return "a list"
    value = node.value
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, (int, float)):
        return f"{value!r} (a number)"
    text = str(value)
    return f"{text[:40]!r}{'…' if len(text) > 40 else ''} (text)"


# Close-match searches one file may make: a hint costs about 0.1 ms, and a hostile file with ten
# thousand unknown names must still be refused within a second. Nobody reads the hundred-and-first.
HINT_BUDGET = 100


class Ctx:
    """Collects diagnostics for one file."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.diagnostics: list[Diagnostic] = []
        self.hints_left = HINT_BUDGET

    def suggest(self, word: str, choices: list[str] | tuple[str, ...] | set[str]) -> str | None:
        """`did_you_mean`, for the first HINT_BUDGET unknown names of the file."""
        if self.hints_left <= 0:
            return None
        self.hints_left -= 1
        return did_you_mean(word, choices)

    def error(self, node: Node, path: str, message: str, hint: str | None = None) -> Any:
        """Record a problem at a node and return INVALID."""
        where = f"{path}: " if path else ""
        self.diagnostics.append(Diagnostic(self.filename, node.line, node.col, where + message, hint))
        return INVALID


class Spec:
    """Base of all schema nodes."""

    description: str = ""

    def check(self, node: Node, ctx: Ctx, path: str) -> Any:  # pragma: no cover - abstract
        """Validate a node and return its plain value, or INVALID."""
        raise NotImplementedError

    def schema(self) -> dict[str, Any]:  # pragma: no cover - abstract
        """The JSON Schema for this node."""
        raise NotImplementedError

    def _with_doc(self, out: dict[str, Any]) -> dict[str, Any]:
        if self.description:
            out["description"] = self.description
        return out


class Str(Spec):
    """A string, optionally restricted by a pattern, a length or a set of values."""

    def __init__(self, description: str = "", *, pattern: str | None = None, pattern_hint: str | None = None,
                 max_length: int = 10_000, enum: tuple[str, ...] | None = None,
                 enum_hint: Callable[[str, Ctx], str | None] | None = None, what: str = "value") -> None:
        self.description = description
        self.pattern = pattern
        self.pattern_hint = pattern_hint
        self.max_length = max_length
        self.enum = enum
        self.enum_hint = enum_hint
        self.what = what
        self._re = re.compile(pattern) if pattern else None

    def check(self, node: Node, ctx: Ctx, path: str) -> Any:
        if node.kind != "scalar" or not isinstance(node.value, str):
            return ctx.error(node, path, f"expected text, got {_describe(node)}")
        value = node.value
        if len(value) > self.max_length:
            return ctx.error(node, path, f"text longer than {self.max_length:,} characters")
        if self.enum is not None and value not in self.enum:
            hint = self.enum_hint(value, ctx) if self.enum_hint else ctx.suggest(value, self.enum)
            if hint is None and len(self.enum) <= 6:
                hint = "one of " + ", ".join(self.enum)
            return ctx.error(node, path, f"unknown {self.what} {value!r}", hint)
        if self._re is not None and not self._re.fullmatch(value):
            return ctx.error(node, path, f"{value[:60]!r} is not allowed here", self.pattern_hint)
        return value

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "string", "maxLength": self.max_length}
        if self.enum is not None:
            out = {"type": "string", "enum": list(self.enum)}
        if self.pattern:
            out["pattern"] = "^" + self.pattern + "$"
        return self._with_doc(out)


class Num(Spec):
    """A finite number within bounds; `integer` refuses fractions."""

    def __init__(self, description: str = "", *, minimum: float | None = 0, maximum: float | None = None,
                 exclusive_minimum: bool = False, integer: bool = False, unit: str = "") -> None:
        self.description = description
        self.minimum = minimum
        self.maximum = maximum
        self.exclusive_minimum = exclusive_minimum
        self.integer = integer
        self.unit = unit

    def check(self, node: Node, ctx: Ctx, path: str) -> Any:
        value = node.value
        kind = "a whole number" if self.integer else "a number"
        if node.kind != "scalar" or isinstance(value, bool) or not isinstance(value, (int, float)):
            hint = "write the number without quotes" if isinstance(value, str) and _numeric(value) else None
            return ctx.error(node, path, f"expected {kind}, got {_describe(node)}", hint)
        if isinstance(value, float) and not math.isfinite(value):
            return ctx.error(node, path, f"expected a finite number, got {value}")
        if self.integer and isinstance(value, float):
            if not value.is_integer():
                return ctx.error(node, path, f"expected a whole number, got {value}")
            value = int(value)
        unit = f" {self.unit}" if self.unit else ""
        if self.minimum is not None:
            if self.exclusive_minimum and value <= self.minimum:
                return ctx.error(node, path, f"must be more than {_fmt(self.minimum)}{unit}, got {_fmt(value)}")
            if not self.exclusive_minimum and value < self.minimum:
                return ctx.error(node, path, f"must be at least {_fmt(self.minimum)}{unit}, got {_fmt(value)}")
        if self.maximum is not None and value > self.maximum:
            return ctx.error(node, path, f"must be at most {_fmt(self.maximum)}{unit}, got {_fmt(value)}")
        return value

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "integer" if self.integer else "number"}
        if self.minimum is not None:
            out["exclusiveMinimum" if self.exclusive_minimum else "minimum"] = self.minimum
        if self.maximum is not None:
            out["maximum"] = self.maximum
        return self._with_doc(out)


def _numeric(text: str) -> bool:
    try:
        float(text.replace("_", ""))
    except ValueError:
        return False
    return True


def _fmt(value: float) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"


class Bool(Spec):
    """true or false."""

    def __init__(self, description: str = "") -> None:
        self.description = description

    def check(self, node: Node, ctx: Ctx, path: str) -> Any:
        if node.kind != "scalar" or not isinstance(node.value, bool):
            hint = "write true or false without quotes" if str(node.value).lower() in ("true", "false") else None
            return ctx.error(node, path, f"expected true or false, got {_describe(node)}", hint)
        return node.value

    def schema(self) -> dict[str, Any]:
        return self._with_doc({"type": "boolean"})


class ListOf(Spec):
    """A list of items of one spec."""

    def __init__(self, item: Spec, description: str = "", *, min_items: int = 0, max_items: int = 1000,
                 unique: bool = False) -> None:
        self.item = item
        self.description = description
        self.min_items = min_items
        self.max_items = max_items
        self.unique = unique

    def check(self, node: Node, ctx: Ctx, path: str) -> Any:
        if node.kind != "seq":
            hint = "write it as a list: [a, b]" if node.kind == "scalar" else None
            return ctx.error(node, path, f"expected a list, got {_describe(node)}", hint)
        if len(node.value) < self.min_items:
            return ctx.error(node, path, f"needs at least {self.min_items} item{'s' if self.min_items > 1 else ''}")
        if len(node.value) > self.max_items:
            return ctx.error(node, path, f"has more than {self.max_items} items")
        out = []
        seen: dict[Any, Node] = {}
        ok = True
        for index, child in enumerate(node.value):
            value = self.item.check(child, ctx, f"{path}[{index}]")
            if value is INVALID:
                ok = False  # the list as a whole is not what was written: report it, don't shorten it
                continue
            if self.unique and isinstance(value, (str, int, float)):
                if value in seen:
                    ctx.error(child, f"{path}[{index}]", f"{value!r} is listed twice",
                              f"first at line {seen[value].line}")
                    ok = False
                    continue
                seen[value] = child
            out.append(value)
        return out if ok else INVALID

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "array", "items": self.item.schema()}
        if self.min_items:
            out["minItems"] = self.min_items
        out["maxItems"] = self.max_items
        if self.unique:
            out["uniqueItems"] = True
        return self._with_doc(out)


class Field:
    """One key of an object: its spec, whether it is required, its default."""

    __slots__ = ("spec", "required", "default")

    def __init__(self, spec: Spec, required: bool = False, default: Any = None) -> None:
        self.spec = spec
        self.required = required
        self.default = default


class Obj(Spec):
    """A mapping with a fixed set of keys; unknown keys are errors with a hint."""

    def __init__(self, fields: dict[str, Field], description: str = "", *, what: str = "key",
                 unknown_hint: Callable[[str, Ctx], str | None] | None = None) -> None:
        self.fields = fields
        self.description = description
        self.what = what
        self.unknown_hint = unknown_hint

    def check(self, node: Node, ctx: Ctx, path: str) -> Any:
        if node.kind != "map":
            return ctx.error(node, path, f"expected a mapping of {self.what}s, got {_describe(node)}")
        out: dict[str, Any] = {}
        ok = True
        for key, child in node.value.items():
            spec = self.fields.get(key)
            child_path = f"{path}.{key}" if path else key
            if spec is None:
                hint = self.unknown_hint(key, ctx) if self.unknown_hint is not None else None
                hint = hint or ctx.suggest(key, list(self.fields)) or _allowed(self.fields)
                ctx.error(node.keys[key], child_path, f"unknown {self.what} {key!r}", hint)
                ok = False
                continue
            value = spec.spec.check(child, ctx, child_path)
            if value is INVALID:
                ok = False
                continue
            out[key] = value
        for key, spec in self.fields.items():
            if key in out or key in node.value:
                continue
            if spec.required:
                ctx.error(node, path, f"missing required {self.what} {key!r}")
                ok = False
            elif spec.default is not None:
                out[key] = spec.default
        return out if ok else INVALID

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": "object",
            "additionalProperties": False,
            "properties": {k: _default(f) for k, f in self.fields.items()},
        }
        required = [k for k, f in self.fields.items() if f.required]
        if required:
            out["required"] = required
        return self._with_doc(out)


def _default(f: Field) -> dict[str, Any]:
    out = f.spec.schema()
    if f.default is not None:
        out["default"] = f.default
    return out


def _allowed(fields: dict[str, Any]) -> str | None:
    if len(fields) <= 8:
        return "allowed: " + ", ".join(fields)
    return None


class TrueOr(Spec):
    """`true`, meaning "with the defaults", or a mapping of parameters."""

    def __init__(self, obj: Obj, description: str = "") -> None:
        self.obj = obj
        self.description = description

    def check(self, node: Node, ctx: Ctx, path: str) -> Any:
        if node.kind == "scalar" and node.value is True:
            return self.obj.check(Node("map", {}, node.line, node.col), ctx, path)
        if node.kind == "scalar" and node.value in (False, None):
            return ctx.error(node, path, f"expected true or a mapping of parameters, got {_describe(node)}",
                             "to leave this out, delete the line")
        return self.obj.check(node, ctx, path)

    def schema(self) -> dict[str, Any]:
        return self._with_doc({"oneOf": [{"const": True}, self.obj.schema()]})


class OneOfNum(Num):
    """A number from a fixed set (CloudWatch retention periods and the like)."""

    def __init__(self, description: str = "", *, choices: tuple[float, ...], **kwargs: Any) -> None:
        super().__init__(description, **kwargs)
        self.choices = choices

    def check(self, node: Node, ctx: Ctx, path: str) -> Any:
        value = super().check(node, ctx, path)
        if value is not INVALID and value not in self.choices:
            near = min(self.choices, key=lambda c: abs(c - value))
            return ctx.error(node, path, f"{value} is not an allowed value", f"the nearest allowed is {near}")
        return value

    def schema(self) -> dict[str, Any]:
        return self._with_doc({"enum": list(self.choices)})


def count_spec(description: str, maximum: float = 1e15) -> Num:
    """A whole, non-negative count."""
    return Num(description, minimum=0, maximum=maximum, integer=True)


def kb_spec(description: str, maximum: float) -> Num:
    """A positive size in KB, at most `maximum`."""
    return Num(description, minimum=0, exclusive_minimum=True, maximum=maximum, unit="KB")


def gb_spec(description: str) -> Num:
    """A non-negative size in GB."""
    return Num(description, minimum=0, maximum=1e9, unit="GB")
