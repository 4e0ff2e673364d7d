"""SAM templates expanded offline by aws-sam-translator, each generated resource placed at its SAM resource.

Imported only for a template whose Transform names AWS::Serverless-2016-10-31: the translator (and the boto3
it imports) costs a second of start-up that plain templates never pay. No AWS call is made: the Region is
given, managed policy ARNs come from the translator's bundled map, and applications from the Serverless
Application Repository (whose templates live in AWS) are left out and listed.
"""

from __future__ import annotations

from typing import Any

from advisor.errors import Diagnostic
from advisor.yamlsafe import Node

SAR_WHY = "an application from the Serverless Application Repository: its template is fetched from AWS"
# Properties that name local files `sam package` uploads before a deploy; the translator accepts only S3
# locations there, so a local path is read as an upload to this placeholder bucket, as cfn-lint does.
LOCAL_FILES = {
    "AWS::Serverless::Function": "CodeUri",
    "AWS::Serverless::LayerVersion": "ContentUri",
    "AWS::Serverless::Api": "DefinitionUri",
    "AWS::Serverless::HttpApi": "DefinitionUri",
    "AWS::Serverless::StateMachine": "DefinitionUri",
}
PLACEHOLDER_BUCKET = "local-artifacts"


class _Session:
    """The one thing the translator asks of a boto3 session: the Region to expand for."""

    def __init__(self, region: str) -> None:
        self.region_name = region


def expand(root: Node, filename: str, parameters: dict[str, Any], region: str
           ) -> tuple[Node, dict[str, tuple[str, int, int]], list[tuple[str, str, int, str]]]:
    """The template with its SAM resources expanded; for each generated resource, the SAM resource it came
    from (logical id, line, column); and what was left out (logical id, type, line, why)."""
    from advisor.review.template import TemplateError

    try:
        from samtranslator.model.exceptions import InvalidDocumentException
        from samtranslator.parser.parser import Parser
        from samtranslator.translator.translator import Translator
    except ImportError:  # pragma: no cover - a dependency of advisor; only a broken install lacks it
        raise TemplateError([Diagnostic(filename, 1, 1, "a SAM template needs aws-sam-translator",
                                        "pip install aws-sam-translator")]) from None
    resources: Node = root.value["Resources"]
    document = root.plain()
    document.pop("Transform", None)
    document["Transform"] = "AWS::Serverless-2016-10-31"
    skipped: list[tuple[str, str, int, str]] = []
    for lid, spec in list(document["Resources"].items()):
        location = spec.get("Properties", {}).get("Location") if isinstance(spec, dict) and isinstance(
            spec.get("Properties"), dict) else None
        if isinstance(spec, dict) and spec.get("Type") == "AWS::Serverless::Application" and isinstance(location, dict):
            skipped.append((lid, "AWS::Serverless::Application", resources.keys[lid].line, SAR_WHY))
            del document["Resources"][lid]
    _uploaded(document)
    try:
        translated = Translator(None, Parser(), boto_session=_Session(region)).translate(
            document, parameter_values=dict(parameters), get_managed_policy_map=lambda: {})
    except InvalidDocumentException as exc:
        raise TemplateError([_diagnostic(filename, resources, getattr(cause, "message", str(cause)))
                             for cause in exc.causes]) from None
    except Exception as exc:  # the translator's own failures on a template it cannot read
        raise TemplateError([Diagnostic(filename, resources.line, resources.col,
                                        f"the SAM transform failed: {type(exc).__name__}: {exc}"[:400])]) from None
    origins = _origins(resources, translated)
    return _rebuild(root, translated, origins), origins, skipped


def _uploaded(document: dict[str, Any]) -> None:
    """Local paths (`CodeUri: src/`), and a function with no code location at all (SAM CLI packages its
    folder), as the S3 objects `sam package` would upload them to."""
    globals_ = document.get("Globals")
    function_globals = globals_.get("Function") if isinstance(globals_, dict) else None
    function_globals = function_globals if isinstance(function_globals, dict) else {}
    for spec in document["Resources"].values():
        if not isinstance(spec, dict) or spec.get("Type") not in LOCAL_FILES:
            continue
        props = spec.setdefault("Properties", {})
        if not isinstance(props, dict):
            continue
        key = LOCAL_FILES[spec["Type"]]
        value = props.get(key)
        if spec["Type"] == "AWS::Serverless::Function":
            if (props.get("PackageType") or function_globals.get("PackageType")) == "Image":
                continue
            if "InlineCode" in props or ("InlineCode" in function_globals and key not in props):
                continue
            if value is None:
                value = function_globals.get(key, ".")
        elif value is None:
            continue
        if isinstance(value, str) and not value.startswith("s3://"):
            path = value.strip().lstrip("./") or "."
            props[key] = f"s3://{PLACEHOLDER_BUCKET}/{path}"
    if isinstance(function_globals.get("CodeUri"), str) and not function_globals["CodeUri"].startswith("s3://"):
        del function_globals["CodeUri"]


def _diagnostic(filename: str, resources: Node, message: str) -> Diagnostic:
    """A translator error at the SAM resource it names (`Resource with id [X] is invalid`), else at Resources."""
    import re

    found = re.search(r"\[([A-Za-z0-9]+)\]", message)
    where = resources.keys.get(found.group(1)) if found else None
    node = where or resources
    return Diagnostic(filename, node.line, node.col, f"SAM: {message}")


def _origins(resources: Node, translated: dict[str, Any]) -> dict[str, tuple[str, int, int]]:
    """Each generated resource's SAM resource: the longest logical id of the original that starts its own (SAM
    names what it generates after its resource: `OrdersFunctionRole`); the implicit APIs go to the first
    function with an event of their kind."""
    originals = {lid: node for lid, node in resources.keys.items()}
    out: dict[str, tuple[str, int, int]] = {}
    implicit = {"ServerlessRestApi": "Api", "ServerlessHttpApi": "HttpApi"}
    for lid in translated.get("Resources", {}):
        if lid in originals:
            continue
        source = next((p for p in sorted(originals, key=len, reverse=True) if lid.startswith(p)), None)
        if source is None:
            kind = next((k for prefix, k in implicit.items() if lid.startswith(prefix)), None)
            source = _first_with_event(resources, kind) if kind else None
        node = originals.get(source) if source else None
        if node is None:
            out[lid] = (lid, resources.line, resources.col)
        else:
            out[lid] = (str(source), node.line, node.col)
    return out


def _first_with_event(resources: Node, kind: str) -> str | None:
    for lid, node in resources.value.items():
        props = node.value.get("Properties") if node.kind == "map" else None
        events = props.value.get("Events") if props is not None and props.kind == "map" else None
        if events is None or events.kind != "map":
            continue
        for event in events.value.values():
            etype = event.value.get("Type") if event.kind == "map" else None
            if etype is not None and etype.value == kind:
                return str(lid)
    return None


def _rebuild(root: Node, translated: dict[str, Any], origins: dict[str, tuple[str, int, int]]) -> Node:
    """The translated template as a node tree: a resource the transform left as written keeps its nodes; one it
    generated or rewrote takes the positions of the same paths in its SAM resource, else of the resource."""
    resources: Node = root.value["Resources"]
    out = Node("map", {}, root.line, root.col)
    for key, node in root.value.items():
        if key == "Transform":
            continue
        if key in ("Resources", "Conditions") and key in translated:
            continue
        out.value[key] = node
        out.keys[key] = root.keys[key]
    new_resources = Node("map", {}, resources.line, resources.col)
    for lid, spec in translated.get("Resources", {}).items():
        original = resources.value.get(lid)
        if original is not None and original.plain() == spec:
            new_resources.value[lid] = original
            new_resources.keys[lid] = resources.keys[lid]
            continue
        if original is not None:
            key = resources.keys[lid]
        else:
            source = origins[lid][0]
            key = resources.keys.get(source) or resources
            original = resources.value.get(source)
        new_resources.value[lid] = _graft(spec, original, key.line, key.col)
        new_resources.keys[lid] = Node("scalar", lid, key.line, key.col)
    out.value["Resources"] = new_resources
    out.keys["Resources"] = root.keys.get("Resources") or new_resources
    if "Conditions" in translated:
        conditions = root.value.get("Conditions")
        where = conditions or root
        out.value["Conditions"] = _graft(translated["Conditions"], conditions, where.line, where.col)
        out.keys["Conditions"] = root.keys.get("Conditions") or where
    return out


def _graft(value: Any, original: Node | None, line: int, col: int) -> Node:
    """Plain data as nodes, each at the position of the same path in `original` when it has one."""
    if original is not None:
        line, col = original.line, original.col
    if isinstance(value, dict):
        node = Node("map", {}, line, col)
        for key, item in value.items():
            match = original.value.get(key) if original is not None and original.kind == "map" else None
            key_node = original.keys.get(key) if original is not None and original.kind == "map" else None
            node.value[key] = _graft(item, match, line, col)
            node.keys[key] = key_node or Node("scalar", key, line, col)
        return node
    if isinstance(value, list):
        node = Node("seq", [], line, col)
        for index, item in enumerate(value):
            match = original.value[index] if original is not None and original.kind == "seq" and index < len(
                original.value) else None
            node.value.append(_graft(item, match, line, col))
        return node
    return Node("scalar", value, line, col)
