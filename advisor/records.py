"""Records: typing.NamedTuple's class syntax and behaviour, defined in a fraction of its time.

A record is a tuple subclass with one read-only property per annotated field, so it compares,
hashes, sorts, unpacks, pickles and serialises exactly as a named tuple does:

    class Edge(Record):
        source: str
        target: str
        settings: Mapping[str, Any] = EMPTY

typing.NamedTuple compiles a fresh `__new__` for every class and checks every annotation; for the
two dozen records a cold `advisor cost` defines, that was about a twentieth of the whole run.
Here a class gets its compiled `__new__` when it is first constructed, so the classes a run never
builds cost it nothing, and no annotation is evaluated.
"""

from __future__ import annotations

import sys
from operator import itemgetter
from typing import Any, ClassVar

try:  # the C accessor collections.namedtuple uses; a property over itemgetter is the fallback
    from _collections import _tuplegetter
except ImportError:  # pragma: no cover - interpreters without it
    def _tuplegetter(index: int, doc: str) -> Any:  # type: ignore[misc]
        return property(itemgetter(index), doc=doc)

if sys.version_info >= (3, 14):  # annotations are evaluated on demand (PEP 649): the class dict holds none
    from annotationlib import Format, get_annotations

    def _own_annotations(cls: type) -> dict[str, Any]:
        return get_annotations(cls, format=Format.FORWARDREF)
else:
    def _own_annotations(cls: type) -> dict[str, Any]:
        return cls.__dict__.get("__annotations__", {})

_MISSING = object()


class Record(tuple):
    """Base of the core's immutable values; subclasses declare fields as annotations."""

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()
    _field_defaults: ClassVar[dict[str, Any]] = {}
    _defaults_row: ClassVar[tuple[Any, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "__slots__" not in cls.__dict__:
            raise TypeError(f"{cls.__name__} needs `__slots__ = ()`, or its instances get a dict")
        if "__new__" in cls.__dict__:
            raise TypeError(f"{cls.__name__} defines `__new__`; a record's constructor is generated from its fields")
        annotations = _own_annotations(cls)
        own = [name for name, annotation in annotations.items() if not _is_classvar(annotation)]
        fields = cls._fields + tuple(own)
        defaults = dict(cls._field_defaults)
        for name in own:
            if name in cls.__dict__:
                defaults[name] = cls.__dict__[name]
            elif defaults:
                raise TypeError(f"{cls.__name__}.{name}: a field without a default follows one with a default")
        cls._fields = fields
        cls.__match_args__ = fields
        cls._field_defaults = defaults
        cls._defaults_row = tuple(defaults.get(name, _MISSING) for name in fields)
        for index, name in enumerate(fields):
            setattr(cls, name, _tuplegetter(index, f"Field {index}: {name}"))
        cls.__new__ = staticmethod(_first_new)  # type: ignore[assignment]

    def __getnewargs__(self) -> tuple[Any, ...]:
        return tuple(self)

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value!r}" for name, value in zip(self._fields, self))
        return f"{type(self).__name__}({shown})"

    def _replace(self, **changes: Any) -> Any:
        """A copy with some fields changed, as a named tuple's `_replace`."""
        unknown = set(changes) - set(self._fields)
        if unknown:
            raise ValueError(f"got unexpected field names: {sorted(unknown)!r}")
        return tuple.__new__(type(self), [changes.get(name, value) for name, value in zip(self._fields, self)])

    @classmethod
    def _make(cls, iterable: Any) -> Any:
        """A record from an iterable of field values, as a named tuple's `_make`."""
        made = tuple.__new__(cls, iterable)
        if len(made) != len(cls._fields):
            raise TypeError(f"expected {len(cls._fields)} arguments, got {len(made)}")
        return made

    def _asdict(self) -> dict[str, Any]:
        """The fields as a dict, in order."""
        return dict(zip(self._fields, self))


def _first_new(cls: type, *args: Any, **kwargs: Any) -> Any:
    """Compile the class's own `__new__`, install it and call it: only classes a run constructs pay
    for the compiling, once each."""
    made = _compile_new(cls)
    cls.__new__ = staticmethod(made)  # type: ignore[assignment]
    return made(cls, *args, **kwargs)


def _compile_new(cls: Any) -> Any:
    defaults = {f"_default_{i}": d for i, d in enumerate(cls._defaults_row) if d is not _MISSING}
    params = ", ".join(name if cls._defaults_row[i] is _MISSING else f"{name}=_default_{i}"
                       for i, name in enumerate(cls._fields))
    values = "".join(f"{name}, " for name in cls._fields)
    # The field names are identifiers from our own class bodies, never from input.
    made = eval(f"lambda _cls{', ' if params else ''}{params}: _tuple_new(_cls, ({values}))",  # noqa: S307
                {"_tuple_new": tuple.__new__, **defaults})
    made.__code__ = made.__code__.replace(co_name="__new__", co_qualname=f"{cls.__qualname__}.__new__")
    made.__name__, made.__qualname__ = "__new__", f"{cls.__qualname__}.__new__"
    return made


def _is_classvar(annotation: Any) -> bool:
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", repr(annotation))
    return text.startswith(("ClassVar", "typing.ClassVar")) or "ClassVar[" in text
