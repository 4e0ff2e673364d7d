"""Marker classes for CloudFormation intrinsic functions.

The template is plain data; an intrinsic is a small immutable object that the
emitter writes as a short-form tag (`!Ref X`, `!GetAtt X.Y`, `!Sub ...`) and the
loader reads back into the same object, so a dumped template round-trips.
"""

from __future__ import annotations

from typing import Any


class Intrinsic:
    """Base class: one tag, one value (a scalar or a list of arguments)."""

    tag = ""
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.value == other.value

    def __hash__(self) -> int:
        return hash((self.tag, repr(self.value)))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.value!r})"

    def long_form(self) -> dict[str, Any]:
        """The JSON form, e.g. {"Fn::GetAtt": ["X", "Y"]}."""
        return {self.key: self.value}

    key = ""


class Ref(Intrinsic):
    """`!Ref Name`: a parameter's value or a resource's primary id."""

    tag, key = "!Ref", "Ref"


class GetAtt(Intrinsic):
    """`!GetAtt Resource.Attribute`."""

    tag, key = "!GetAtt", "Fn::GetAtt"

    def __init__(self, resource: str, attribute: str | None = None) -> None:
        if attribute is None:
            resource, _, attribute = resource.partition(".")
        super().__init__(f"{resource}.{attribute}")

    def long_form(self) -> dict[str, Any]:
        resource, _, attribute = self.value.partition(".")
        return {self.key: [resource, attribute]}


class Sub(Intrinsic):
    """`!Sub "text ${Var}"`, or `!Sub [text, {Var: value}]` when variables are given."""

    tag, key = "!Sub", "Fn::Sub"

    def __init__(self, text: Any, variables: dict[str, Any] | None = None) -> None:
        super().__init__([text, variables] if variables else text)


class _ListIntrinsic(Intrinsic):
    def __init__(self, *args: Any) -> None:
        super().__init__(list(args))


class Join(_ListIntrinsic):
    """`!Join [delimiter, [parts]]`."""

    tag, key = "!Join", "Fn::Join"


class Select(_ListIntrinsic):
    """`!Select [index, list]`."""

    tag, key = "!Select", "Fn::Select"


class Split(_ListIntrinsic):
    """`!Split [delimiter, text]`."""

    tag, key = "!Split", "Fn::Split"


class If(_ListIntrinsic):
    """`!If [condition, when-true, when-false]`."""

    tag, key = "!If", "Fn::If"


class Equals(_ListIntrinsic):
    """`!Equals [a, b]` (Conditions only)."""

    tag, key = "!Equals", "Fn::Equals"


class Not(_ListIntrinsic):
    """`!Not [condition]`."""

    tag, key = "!Not", "Fn::Not"


class And(_ListIntrinsic):
    """`!And [conditions]`."""

    tag, key = "!And", "Fn::And"


class Or(_ListIntrinsic):
    """`!Or [conditions]`."""

    tag, key = "!Or", "Fn::Or"


class Condition(Intrinsic):
    """`!Condition Name` inside a condition expression."""

    tag, key = "!Condition", "Condition"


class GetAZs(Intrinsic):
    """`!GetAZs region`."""

    tag, key = "!GetAZs", "Fn::GetAZs"


SCALAR_TAGS: tuple[type[Intrinsic], ...] = (Ref, GetAtt, Condition, GetAZs)
LIST_TAGS: tuple[type[Intrinsic], ...] = (Join, Select, Split, If, Equals, Not, And, Or)
ALL: tuple[type[Intrinsic], ...] = SCALAR_TAGS + LIST_TAGS + (Sub,)

NO_VALUE = Ref("AWS::NoValue")
PARTITION = Ref("AWS::Partition")
REGION = Ref("AWS::Region")
ACCOUNT = Ref("AWS::AccountId")
STACK_NAME = Ref("AWS::StackName")


def arn(resource: str) -> GetAtt:
    """`!GetAtt X.Arn`."""
    return GetAtt(resource, "Arn")


def to_json(value: Any) -> Any:
    """The template with long-form intrinsics (for JSON output and comparisons)."""
    if type(value) is str:  # most of a template: returned before the other tests
        return value
    if isinstance(value, Intrinsic):
        return {k: to_json(v) for k, v in value.long_form().items()}
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    return value
