"""Strict, bounded YAML loading that keeps the line and column of every value.

PyYAML's own loaders accept duplicate keys silently, expand aliases without limit
and recurse once per nesting level.  This module builds its own small node tree
from the parser's event stream instead, so that it can refuse all three and keep
positions for error messages.  Only the YAML core schema's tags are accepted.
"""

from __future__ import annotations

import os
import re
from types import MappingProxyType
from typing import Any, Mapping

import yaml
from yaml import events as ev

from advisor.errors import Diagnostic

try:  # libyaml is several times faster; the pure-Python parser is the fallback
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 20_000
MAX_NUMBER_CHARS = 40  # no quantity needs more; Python refuses to print ints past 4,300 digits

_CORE = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {_CORE + t for t in ("str", "int", "float", "bool", "null", "map", "seq")}
_RESOLVER = yaml.resolver.Resolver()
_CONSTRUCTOR = yaml.constructor.SafeConstructor()


_NO_KEYS: Mapping[str, Any] = MappingProxyType({})
# Events that change nothing in the tree.
_QUIET = frozenset({ev.StreamStartEvent, ev.StreamEndEvent, ev.DocumentEndEvent})


class Node:
    """A YAML value with its 1-based position; maps keep their keys' positions too."""

    __slots__ = ("kind", "value", "line", "col", "size", "keys")

    def __init__(self, kind: str, value: Any, line: int, col: int) -> None:
        self.kind = kind  # "map", "seq" or "scalar"
        self.value = value
        self.line = line
        self.col = col
        self.size = 1
        # Only a map's keys are recorded; a scalar or a list shares one that cannot change.
        self.keys: dict[str, Node] = {} if kind == "map" else _NO_KEYS  # type: ignore[assignment]

    def plain(self) -> Any:
        """The value as plain Python data (dicts, lists, scalars)."""
        if self.kind == "map":
            return {k: v.plain() for k, v in self.value.items()}
        if self.kind == "seq":
            return [v.plain() for v in self.value]
        return self.value


class YamlProblem(Exception):
    """Raised with the diagnostics that stop a file from being read."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def read_text(data: bytes, filename: str, *, max_bytes: int = MAX_BYTES) -> str:
    """Decode file bytes as UTF-8, refusing oversized or undecodable input."""
    if len(data) > max_bytes:
        raise YamlProblem(
            Diagnostic(
                filename, 1, 1,
                f"file is {len(data):,} bytes, more than the {max_bytes:,} bytes allowed",
                "a workload file is a few kilobytes; is this the right file?",
            )
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        prefix = data[: exc.start]
        line = prefix.count(b"\n") + 1
        col = exc.start - (prefix.rfind(b"\n") + 1) + 1
        raise YamlProblem(
            Diagnostic(filename, line, col, f"not UTF-8 text (byte 0x{data[exc.start]:02x})",
                       "save the file as UTF-8")
        ) from None
    return text


def _kind(mode: int) -> str:
    """What a file that is not a regular file is, for a message."""
    import stat

    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def open_regular(path: str) -> int:
    """Open a regular file for reading, never blocking: a FIFO or device is refused before any read.

    O_NONBLOCK makes opening a FIFO without a writer return at once; fstat then tells what was opened.
    Raises OSError, or IsADirectoryError / ValueError (with the kind) for anything but a regular file.
    """
    import errno
    import fcntl
    import stat

    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0))
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "is a folder", path)
        if not stat.S_ISREG(mode):
            raise ValueError(_kind(mode))
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
    except BaseException:
        os.close(fd)
        raise
    return fd


def load_file(path: str, *, max_bytes: int = MAX_BYTES, stdin_hint: bool = True) -> Node:
    """Read and parse one YAML file, refusing it by size before reading it all, and anything but a regular file."""
    import errno

    try:
        with os.fdopen(open_regular(path), "rb") as handle:
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        if os.path.islink(path):
            raise YamlProblem(Diagnostic(path, 1, 1, "is a symbolic link to a file that does not exist")) from None
        raise YamlProblem(Diagnostic(path, 1, 1, "no such file")) from None
    except IsADirectoryError:
        raise YamlProblem(Diagnostic(path, 1, 1, "is a folder, not a file")) from None
    except ValueError as exc:
        raise YamlProblem(Diagnostic(path, 1, 1, f"is {exc}, not a regular file",
                                     "pass a workload file, or - to read standard input" if stdin_hint
                                     else "only regular files are read")) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise YamlProblem(Diagnostic(path, 1, 1, "symbolic link loop", "fix or remove the link")) from None
        raise YamlProblem(Diagnostic(path, 1, 1, f"cannot read: {exc.strerror}")) from None
    if len(data) > max_bytes:
        raise YamlProblem(
            Diagnostic(path, 1, 1, f"file is larger than the {max_bytes:,} bytes allowed",
                       "a workload file is a few kilobytes; is this the right file?")
        )
    return parse(read_text(data, path, max_bytes=max_bytes), path)


def _mark(filename: str, mark: Any, message: str, hint: str | None = None) -> YamlProblem:
    line = mark.line + 1 if mark is not None else 1
    col = mark.column + 1 if mark is not None else 1
    return YamlProblem(Diagnostic(filename, line, col, message, hint))


_STR = _CORE + "str"
_INT = _CORE + "int"
# How plain scalars resolve, remembered for short texts (keys, ids, small numbers repeat from file to
# file in a portfolio); bounded so that a hostile file cannot grow it without end.
_PLAIN_TAGS: dict[str, str] = {}
_PLAIN_TAGS_MAX = 4096


def _plain_tag(value: str) -> str:
    tag = _PLAIN_TAGS.get(value)
    if tag is None:
        tag = _RESOLVER.resolve(yaml.ScalarNode, value, (True, False))
        if len(value) <= 64 and len(_PLAIN_TAGS) < _PLAIN_TAGS_MAX:
            _PLAIN_TAGS[value] = tag
    return tag


def _scalar(event: ev.ScalarEvent, filename: str, tags: Mapping[str, str] | None = None) -> Any:
    tag = event.tag
    if tag is None or tag == "!":
        tag = _plain_tag(event.value) if event.implicit[0] else _STR
    elif tag not in _ALLOWED_TAGS:
        raise _mark(filename, event.start_mark, f"tag {tag!r} is not allowed",
                    "only plain YAML values are read; remove the tag" if tags is None else
                    "known tags: " + ", ".join(sorted(tags)))
    if tag == _STR:
        return event.value
    if tag == _CORE + "null":
        return None
    text = event.value
    if tag == _INT and text.isascii() and text.isdigit() and (text[0] != "0" or len(text) == 1) \
            and len(text) <= MAX_NUMBER_CHARS:
        return int(text)  # plain decimal digits, the common number; a leading 0 is octal in YAML 1.1
    node = yaml.ScalarNode(tag, event.value)
    try:
        if tag == _CORE + "bool":
            return _CONSTRUCTOR.construct_yaml_bool(node)
        if tag == _CORE + "int":
            if len(event.value) > MAX_NUMBER_CHARS:
                raise ValueError("too long")
            return _CONSTRUCTOR.construct_yaml_int(node)
        if tag == _CORE + "float":
            if len(event.value) > MAX_NUMBER_CHARS:
                raise ValueError("too long")
            return _CONSTRUCTOR.construct_yaml_float(node)
    except (ValueError, KeyError, IndexError, yaml.YAMLError):  # IndexError: an empty "!!int" or "!!float"
        shown = event.value if len(event.value) <= 40 else event.value[:20] + f"… ({len(event.value):,} characters)"
        raise _mark(filename, event.start_mark, f"{shown!r} is not a valid {tag[len(_CORE):]}",
                    "numbers in a workload have at most 40 digits" if len(event.value) > 40 else None) from None
    if tag == _CORE + "timestamp":
        # Dates stay as written: no field of ours is a date, and a string is what a user meant.
        return event.value
    raise _mark(filename, event.start_mark, f"tag {tag!r} is not allowed for a value")


def _explain(problem: str | None, text: str, mark: Any) -> str | None:
    if not problem:
        return None
    if mark is not None and 0 <= mark.index < len(text) and text[mark.index] == "\t":
        return "YAML indents with spaces, not tabs"
    if "could not find expected ':'" in problem:
        return "a key needs a colon and a space after it"
    if "flow" in problem or "']'" in problem or "'}'" in problem:
        return "check for an unclosed bracket or brace"
    return None


_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_JSON_WORDS = {"true": True, "false": False, "null": None}


def _json_plain(event: ev.ScalarEvent, filename: str) -> Any:
    """A plain (unquoted) JSON scalar: a number, true, false or null, by JSON's rules rather than YAML 1.1's
    (which reads `1e5` as text)."""
    text = event.value
    if text in _JSON_WORDS:
        return _JSON_WORDS[text]
    match = _JSON_NUMBER.fullmatch(text)
    if match is None or len(text) > MAX_NUMBER_CHARS:
        shown = text if len(text) <= 40 else text[:20] + f"… ({len(text):,} characters)"
        raise _mark(filename, event.start_mark, f"{shown!r} is not a JSON value",
                    "text is written in double quotes; numbers have at most 40 characters")
    return float(text) if match.group(1) or match.group(2) else int(text)


def _wrap(key: str, inner: Node, line: int, col: int) -> Node:
    """A short-form tag (`!GetAtt a.b`) as the long form it stands for (`{"Fn::GetAtt": [a, b]}`)."""
    wrapper = Node("map", {key: inner}, line, col)
    wrapper.keys[key] = Node("scalar", key, line, col)
    wrapper.size = 1 + inner.size
    return wrapper


def _tagged_scalar(key: str, event: Any) -> Node:
    line, col = event.start_mark.line + 1, event.start_mark.column + 1
    value = event.value
    if key == "Fn::GetAtt":  # `!GetAtt Resource.Attribute`: the attribute may hold dots itself
        resource, _, attribute = value.partition(".")
        inner = Node("seq", [Node("scalar", resource, line, col), Node("scalar", attribute, line, col)], line, col)
        inner.size = 3
    else:
        inner = Node("scalar", value, line, col)
    return _wrap(key, inner, line, col)


def parse(text: str, filename: str, *, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES,
          tags: Mapping[str, str] | None = None, json: bool = False) -> Node:
    """Parse one YAML document into a Node tree with strict, bounded rules.

    `tags` admits local tags, each read as the one-key mapping it abbreviates (CloudFormation's `!Ref x` as
    `{"Ref": "x"}`), with the tag's position; any other tag is still refused. With `json`, plain scalars follow
    JSON's rules (numbers, true, false, null) instead of YAML 1.1's."""
    anchors: dict[str, Node] = {}
    stack: list[tuple[Node, list[Any]]] = []  # (container, pending map key or [])
    wrappers: dict[int, Node] = {}  # id(container) -> the mapping its short-form tag stands for
    root: Node | None = None
    documents = 0
    total = 0

    def attach(node: Node, anchor: str | None) -> None:
        nonlocal root
        if anchor is not None:
            anchors[anchor] = node
        if not stack:
            root = node
            return
        parent, pending = stack[-1]
        if parent.kind == "seq":
            parent.value.append(node)
            return
        if not pending:
            if node.kind != "scalar":
                raise YamlProblem(Diagnostic(filename, node.line, node.col, "a key must be a plain word, not a list or mapping"))
            key = node.value
            if not isinstance(key, str):
                key = "null" if key is None else str(key).lower() if isinstance(key, bool) else str(key)
            if key in parent.value or key in parent.keys:
                first = parent.keys[key]
                raise YamlProblem(
                    Diagnostic(filename, node.line, node.col,
                               f"duplicate key {key!r} (first given at line {first.line}, column {first.col})",
                               "each key may appear once; remove one of them")
                )
            node.value = key
            pending.append(node)
            return
        key_node = pending.pop()
        parent.keys[key_node.value] = key_node
        parent.value[key_node.value] = node

    loader = None
    try:
        loader = _Loader(text)
        # The parser's own loop, without yaml.parse's generator and its check_event call per event.
        while True:
            event: Any = loader.get_event()  # pyyaml types every event as the base class
            if event is None:
                break
            kind = type(event)  # the parser makes these classes themselves, never subclasses
            if kind is ev.ScalarEvent:
                total += 1
                # A plain word, the most common scalar by far, is read here; `_scalar` reads the rest.
                value = event.value
                if tags is not None and event.tag in tags:
                    total += 2
                    node = _tagged_scalar(tags[event.tag], event)
                elif json and event.tag is None and event.implicit[0]:
                    node = Node("scalar", _json_plain(event, filename), event.start_mark.line + 1,
                                event.start_mark.column + 1)
                elif event.tag is None and event.implicit[0] and _PLAIN_TAGS.get(value) == _STR:
                    node = Node("scalar", value, event.start_mark.line + 1, event.start_mark.column + 1)
                else:
                    node = Node("scalar", _scalar(event, filename, tags), event.start_mark.line + 1,
                                event.start_mark.column + 1)
                attach(node, event.anchor)
            elif kind in _QUIET:
                pass
            elif kind is ev.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise _mark(filename, event.start_mark, "the file holds more than one YAML document",
                                "remove the '---' separator and keep one workload per file")
            elif kind is ev.MappingStartEvent or kind is ev.SequenceStartEvent:
                tagged = tags is not None and event.tag in tags
                if event.tag is not None and event.tag not in _ALLOWED_TAGS and event.tag != "!" and not tagged:
                    raise _mark(filename, event.start_mark, f"tag {event.tag!r} is not allowed",
                                "only plain YAML values are read; remove the tag" if tags is None else
                                "known tags: " + ", ".join(sorted(tags)))
                if len(stack) >= max_depth:
                    raise _mark(filename, event.start_mark, f"nesting deeper than {max_depth} levels",
                                "input files are only a few levels deep")
                shape = "map" if kind is ev.MappingStartEvent else "seq"
                node = Node(shape, {} if shape == "map" else [], event.start_mark.line + 1, event.start_mark.column + 1)
                total += 1
                if tagged:
                    assert tags is not None
                    wrapper = _wrap(tags[event.tag], node, node.line, node.col)
                    wrappers[id(node)] = wrapper
                    total += 1
                    attach(wrapper, event.anchor)
                else:
                    attach(node, event.anchor)
                stack.append((node, []))
            elif kind is ev.MappingEndEvent or kind is ev.SequenceEndEvent:
                node, _ = stack.pop()
                node.size = 1 + sum(child.size for child in (node.value.values() if node.kind == "map" else node.value))
                if wrappers:
                    outer = wrappers.pop(id(node), None)
                    if outer is not None:
                        outer.size = 1 + node.size
            elif kind is ev.AliasEvent:
                target = anchors.get(event.anchor)
                if target is None:  # pragma: no cover - the parser rejects unknown aliases first
                    raise _mark(filename, event.start_mark, f"unknown alias *{event.anchor}")
                if stack and stack[-1][0].kind == "map" and not stack[-1][1]:
                    raise _mark(filename, event.start_mark, "an alias cannot be used as a key")
                total += target.size
                attach(target, None)
            if total > max_nodes:
                raise _mark(filename, getattr(event, "start_mark", None),
                            f"more than {max_nodes:,} values (after expanding aliases)",
                            "aliases that expand exponentially are refused")
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = exc.problem or exc.context or "invalid YAML"
        if "nesting depth" in message:
            raise _mark(filename, mark, f"nesting deeper than {max_depth} levels",
                        "input files are only a few levels deep") from None
        raise _mark(filename, mark, f"invalid YAML: {message}", _explain(exc.problem, text, mark)) from None
    except yaml.reader.ReaderError as exc:
        prefix = text[: exc.position]
        line = prefix.count("\n") + 1
        col = exc.position - (prefix.rfind("\n") + 1) + 1
        raise YamlProblem(
            Diagnostic(filename, line, col, f"control character #x{exc.character:04x} is not allowed in YAML",
                       "the file holds binary data; is this the right file?")
        ) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(Diagnostic(filename, 1, 1, f"invalid YAML: {exc}")) from None
    except RecursionError:  # pragma: no cover - guarded by max_depth
        raise YamlProblem(Diagnostic(filename, 1, 1, "nesting too deep")) from None
    finally:
        if loader is not None:
            loader.dispose()
    if root is None:
        raise YamlProblem(Diagnostic(filename, 1, 1, "the file is empty", "start from `advisor init` or an example"))
    return root
