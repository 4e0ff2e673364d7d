"""Records behave as typing.NamedTuple does: the same class, written both ways, must agree."""

from __future__ import annotations

import copy
import json
import pickle
from typing import ClassVar, NamedTuple

import pytest

from advisor.records import Record


class Point(Record):
    """A record with a default and a method."""

    __slots__ = ()

    x: int
    y: int
    label: str = "origin"
    unit: ClassVar[str] = "m"

    def norm(self) -> int:
        return abs(self.x) + abs(self.y)


class NamedPoint(NamedTuple):
    """The same, as a named tuple."""

    x: int
    y: int
    label: str = "origin"

    def norm(self) -> int:
        return abs(self.x) + abs(self.y)


class Labelled(Point):
    """A record extending another."""

    __slots__ = ()

    colour: str = "red"


CALLS = [((1, 2), {}), ((1, 2, "p"), {}), ((1,), {"y": 2}), ((), {"x": 1, "y": 2, "label": "q"}),
         ((3, -4), {"label": "r"})]


@pytest.mark.parametrize(("args", "kwargs"), CALLS)
def test_construction_fields_and_tuple_behaviour_match_namedtuple(args, kwargs):
    ours, theirs = Point(*args, **kwargs), NamedPoint(*args, **kwargs)
    assert tuple(ours) == tuple(theirs) and ours == theirs and hash(ours) == hash(theirs)
    assert (ours.x, ours.y, ours.label) == (theirs.x, theirs.y, theirs.label)
    assert ours._fields == theirs._fields and ours._field_defaults == theirs._field_defaults
    assert repr(ours) == repr(theirs).replace("NamedPoint", "Point")
    assert ours._asdict() == theirs._asdict()
    assert ours._replace(y=9) == theirs._replace(y=9) and type(ours._replace(y=9)) is Point
    assert ours.norm() == theirs.norm() and Point.unit == "m"
    assert isinstance(ours, tuple) and list(ours) == list(theirs) and ours[1] == theirs[1]
    x, y, label = ours
    assert (x, y, label) == tuple(theirs)
    assert json.dumps(ours) == json.dumps(theirs)
    assert sorted([ours, Point(0, 0)]) == [tuple(v) for v in sorted([theirs, NamedPoint(0, 0)])]


@pytest.mark.parametrize(("args", "kwargs"), [((), {}), ((1,), {}), ((1, 2, "a", "b"), {}), ((1, 2), {"z": 3}),
                                              ((1, 2), {"x": 3})])
def test_wrong_arguments_are_refused_as_namedtuple_refuses_them(args, kwargs):
    with pytest.raises(TypeError):
        NamedPoint(*args, **kwargs)
    with pytest.raises(TypeError):
        Point(*args, **kwargs)


def test_records_are_immutable_and_pickle_and_copy_as_themselves():
    point = Labelled(1, 2, colour="blue")
    assert point._fields == ("x", "y", "label", "colour") and point.label == "origin"
    with pytest.raises(AttributeError):
        point.x = 5  # type: ignore[misc]
    with pytest.raises(AttributeError):
        point.extra = 1  # type: ignore[attr-defined]
    for clone in (pickle.loads(pickle.dumps(point, protocol=p)) for p in range(2, pickle.HIGHEST_PROTOCOL + 1)):
        assert clone == point and type(clone) is Labelled and clone.colour == "blue"
    assert copy.copy(point) == point and copy.deepcopy(point) == point and type(copy.deepcopy(point)) is Labelled
    with pytest.raises(ValueError):
        point._replace(nope=1)


def test_a_record_without_slots_or_with_a_default_before_a_field_is_refused():
    with pytest.raises(TypeError, match="__slots__"):
        class Loose(Record):  # noqa: F841
            a: int
    with pytest.raises(TypeError, match="without a default"):
        class Backwards(Record):  # noqa: F841
            __slots__ = ()
            a: int = 1
            b: int


def test_a_subclass_compiles_its_own_constructor_and_an_empty_record_works():
    class Base(Record):
        __slots__ = ()
        a: int

    class Child(Base):
        __slots__ = ()
        b: int = 2

    class Empty(Record):
        __slots__ = ()

    assert Base(1) == (1,) and Child(1) == (1, 2) and Child(a=3, b=4) == (3, 4) and Base(5) == (5,)
    assert Empty() == () and Empty._fields == ()
    with pytest.raises(TypeError):
        Base(1, 2)


def test_make_match_and_the_constructor_names_agree_with_namedtuple():
    assert Point._make([1, 2, "p"]) == NamedPoint._make([1, 2, "p"]) and type(Point._make([1, 2, "p"])) is Point
    with pytest.raises(TypeError, match="expected 3 arguments, got 2"):
        Point._make([1, 2])
    assert Point.__match_args__ == NamedPoint.__match_args__ == ("x", "y", "label")
    assert Labelled.__match_args__ == ("x", "y", "label", "colour")
    match Labelled(1, 2):
        case Labelled(x, y, label, colour):
            assert (x, y, label, colour) == (1, 2, "origin", "red")
        case _:
            pytest.fail("positional pattern did not match")
    Point(0, 0)  # compiles the constructor
    assert Point.__new__.__name__ == "__new__"
    assert Point.__new__.__qualname__ == "Point.__new__" == Point.__new__.__code__.co_qualname


def test_a_record_defining_new_is_refused():
    with pytest.raises(TypeError, match="defines `__new__`"):
        class Custom(Record):  # noqa: F841
            __slots__ = ()
            a: int

            def __new__(cls, a):  # noqa: D102
                return tuple.__new__(cls, (a,))


def test_evaluated_annotations_and_classvars_are_read_as_strings_are():
    # The core's modules evaluate their annotations; this file's are strings.
    namespace: dict = {}
    exec("from typing import ClassVar\nfrom advisor.records import Record\n"  # noqa: S102
         "class Evaluated(Record):\n    __slots__ = ()\n    a: int\n    b: list[str] = []\n"
         "    kind: ClassVar[str] = 'k'\n", namespace)
    evaluated = namespace["Evaluated"]
    assert evaluated._fields == ("a", "b") and evaluated(1) == (1, []) and evaluated.kind == "k"
