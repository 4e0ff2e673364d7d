"""YAML output: a SafeDumper that writes intrinsics as short-form tags, and a loader that reads them back."""

from __future__ import annotations

from typing import Any

import yaml

from advisor.render.cfn.intrinsics import ALL, SCALAR_TAGS, GetAtt, Intrinsic, Sub

TOP_LEVEL_ORDER = ("AWSTemplateFormatVersion", "Description", "Metadata", "Parameters", "Mappings",
                   "Conditions", "Resources", "Outputs")
RESOURCE_ORDER = ("Type", "Condition", "DependsOn", "DeletionPolicy", "UpdateReplacePolicy", "Metadata", "Properties")
# Strings longer than this, or with a line break, are written as literal blocks.
LONG = 80


class TemplateDumper(yaml.SafeDumper):
    """SafeDumper without anchors or aliases, with intrinsic tags and block literals for long text."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def choose_scalar_style(self) -> str:
        """Write intrinsic arguments plain (`!Ref Queue`) whenever plain text would read back the same."""
        event: Any = self.event
        if self.analysis is None:
            self.analysis = self.analyze_scalar(event.value)
        if (event.style is None and event.tag and event.tag.startswith("!") and not event.tag.startswith("!!")
                and not self.analysis.empty and not self.analysis.multiline
                and (self.analysis.allow_flow_plain if self.flow_level else self.analysis.allow_block_plain)):
            return ""
        return super().choose_scalar_style()


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    if "\n" in value or len(value) > LONG:
        # PyYAML falls back to a quoted style by itself when a block cannot hold the text
        # (trailing spaces, control characters), so this never changes the value.
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


def _intrinsic(dumper: yaml.SafeDumper, value: Intrinsic) -> yaml.Node:
    if isinstance(value, SCALAR_TAGS):
        return dumper.represent_scalar(value.tag, value.value)
    if isinstance(value, Sub) and isinstance(value.value, str):
        return dumper.represent_scalar(value.tag, value.value, style="|" if "\n" in value.value else None)
    return dumper.represent_sequence(value.tag, value.value)


def _dict(dumper: yaml.SafeDumper, value: dict) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", value.items())


_STR, _INT, _BOOL, _NULL = (f"tag:yaml.org,2002:{t}" for t in ("str", "int", "bool", "null"))
_MAP, _SEQ = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
_MAP_END, _SEQ_END = yaml.MappingEndEvent(), yaml.SequenceEndEvent()


class FastTemplateDumper(getattr(yaml, "CSafeDumper", TemplateDumper)):  # type: ignore[misc]
    """The same output through libyaml's emitter, which writes tagged scalars plain by itself.

    It also feeds the emitter its events straight from the template's few types, as PyYAML's
    representer and serializer would make them, and remembers how plain scalars resolve: the
    representer, the serializer's calls back into Python and the resolver took three quarters
    of the time to dump a template of a hundred resources.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # One event per distinct scalar and collection tag: keys and resource types repeat hundreds of
        # times, and the emitter only reads the events it is given.
        self._scalars: dict[tuple[str, str, str | None], yaml.ScalarEvent] = {}
        self._texts: dict[str, yaml.ScalarEvent] = {}
        self._starts: dict[str, yaml.Event] = {}

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def represent(self, data: Any) -> None:
        self.emit(yaml.DocumentStartEvent(explicit=False))
        self._events(data)
        self.emit(yaml.DocumentEndEvent(explicit=False))

    def _scalar(self, tag: str, value: str, style: str | None = None) -> yaml.ScalarEvent:
        key = (tag, value, style)
        event = self._scalars.get(key)
        if event is None:
            plain = self.resolve(yaml.ScalarNode, value, (True, False))  # what the text reads back as, plain
            event = self._scalars[key] = yaml.ScalarEvent(None, tag, (tag == plain, tag == _STR), value, style=style)
        return event

    def _text(self, value: str) -> yaml.ScalarEvent:
        event = self._texts[value] = self._scalar(_STR, value, "|" if "\n" in value or len(value) > LONG else None)
        return event

    def _start(self, tag: str) -> yaml.Event:
        event = self._starts.get(tag)
        if event is None:
            if tag == _MAP:
                event = yaml.MappingStartEvent(None, _MAP, True, flow_style=False)
            else:
                event = yaml.SequenceStartEvent(None, tag, tag == _SEQ, flow_style=False)
            self._starts[tag] = event
        return event

    def _events(self, data: Any) -> None:
        emit, texts = self.emit, self._texts
        kind = type(data)
        if kind is dict:
            emit(self._start(_MAP))
            for key, value in data.items():  # text keys and values, the bulk of a template, inline
                if type(key) is str:
                    emit(texts.get(key) or self._text(key))
                else:
                    self._events(key)
                if type(value) is str:
                    emit(texts.get(value) or self._text(value))
                else:
                    self._events(value)
            emit(_MAP_END)
        elif kind is str:
            emit(texts.get(data) or self._text(data))
        elif kind is list:
            self._sequence(_SEQ, data)
        elif kind is bool:
            emit(self._scalar(_BOOL, "true" if data else "false"))
        elif kind is int:
            emit(self._scalar(_INT, str(data)))
        elif data is None:
            emit(self._scalar(_NULL, "null"))
        elif isinstance(data, SCALAR_TAGS):
            emit(self._scalar(data.tag, data.value))
        elif isinstance(data, Sub) and isinstance(data.value, str):
            emit(self._scalar(data.tag, data.value, "|" if "\n" in data.value else None))
        elif isinstance(data, Intrinsic):
            self._sequence(data.tag, data.value)
        else:  # anything else (a float, say) exactly as PyYAML represents it
            self._node_events(self.represent_data(data))

    def _sequence(self, tag: str, items: list[Any]) -> None:
        emit, texts = self.emit, self._texts
        emit(self._start(tag))
        for item in items:
            if type(item) is str:
                emit(texts.get(item) or self._text(item))
            else:
                self._events(item)
        emit(_SEQ_END)

    def _node_events(self, node: yaml.Node) -> None:
        if isinstance(node, yaml.ScalarNode):
            self.emit(self._scalar(node.tag, node.value, node.style))
        elif isinstance(node, yaml.SequenceNode):
            self.emit(yaml.SequenceStartEvent(None, node.tag, node.tag == _SEQ, flow_style=False))
            for item in node.value:
                self._node_events(item)
            self.emit(yaml.SequenceEndEvent())
        else:
            self.emit(yaml.MappingStartEvent(None, node.tag, node.tag == _MAP, flow_style=False))
            for key, value in node.value:
                self._node_events(key)
                self._node_events(value)
            self.emit(yaml.MappingEndEvent())



for _dumper in (TemplateDumper, FastTemplateDumper):
    _dumper.add_representer(str, _str)
    _dumper.add_representer(dict, _dict)
    for _cls in ALL:
        _dumper.add_representer(_cls, _intrinsic)


def ordered(template: dict[str, Any]) -> dict[str, Any]:
    """Top-level sections and resource attributes in CloudFormation's customary order."""
    out = {k: template[k] for k in TOP_LEVEL_ORDER if k in template}
    out.update({k: v for k, v in template.items() if k not in out})
    if "Resources" in out:
        out["Resources"] = {
            name: {**{k: res[k] for k in RESOURCE_ORDER if k in res}, **{k: v for k, v in res.items() if k not in RESOURCE_ORDER}}
            for name, res in out["Resources"].items()
        }
    return out


def dump_template(template: dict[str, Any], *, pure: bool = False) -> str:
    """The template as YAML text with short-form intrinsics (`pure`: PyYAML's Python emitter, same text)."""
    return yaml.dump(ordered(template), Dumper=TemplateDumper if pure else FastTemplateDumper, default_flow_style=False, sort_keys=False,
                     allow_unicode=True, width=120, indent=2)


class TemplateLoader(yaml.SafeLoader):
    """SafeLoader that reads short-form intrinsics back into marker objects."""


def _make_constructor(cls: type[Intrinsic]):
    def construct(loader: yaml.SafeLoader, node: Any) -> Intrinsic:
        if isinstance(node, yaml.ScalarNode):
            text = loader.construct_scalar(node)
            return GetAtt(text) if cls is GetAtt else cls(text)
        if cls is Sub:
            args = loader.construct_sequence(node, deep=True)
            return Sub(*args)
        obj = cls.__new__(cls)
        obj.value = loader.construct_sequence(node, deep=True)
        return obj
    return construct


for _cls in ALL:
    TemplateLoader.add_constructor(_cls.tag, _make_constructor(_cls))


def load_template(text: str) -> dict[str, Any]:
    """Parse a dumped template back into data with marker objects."""
    return yaml.load(text, Loader=TemplateLoader)  # noqa: S506 - a SafeLoader subclass
