"""The `advisor review` test data checked on its own, before any review runs.

tests/review/corpus/: public templates, committed, named in sources.yaml (repository, path,
commit, git blob id, licence, logical ids) with one <name>.expected.yaml each, and their
repositories' licence and NOTICE files in licences/. Checked: entries well formed, every licence
named and an Apache-2.0 template's LICENSE and NOTICE committed, kinds from the issue's list with
their problem ids from rules/catalog.yaml, every named logical id present in the template's
recorded inventory and of a type the kind applies to, the template-level alarm finding consistent
with the inventory, the informational not-understood list consistent with it. Every committed file
must be byte for byte the one recorded (its git blob id; a missing one fails), and each template
parse (with a loader that knows CloudFormation's tags, here only) and hold exactly the recorded
logical ids and types. scripts/check-review-corpus compares the committed files with GitHub; it
needs the network, so no test runs it against GitHub, only against a local copy.

tests/review/hostile/: each file must have exactly the flaw manifest.yaml names, at the position
it gives, and be a valid template otherwise, so that a review refusing it is refusing the flaw.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT
from tests.cpulimit import cpu_limit  # noqa: E402

CORPUS = ROOT / "tests" / "review" / "corpus"
HOSTILE = ROOT / "tests" / "review" / "hostile"
SOURCES: dict = yaml.safe_load((CORPUS / "sources.yaml").read_text(encoding="utf-8"))
TEMPLATES: dict = SOURCES["templates"]
HOSTILE_MANIFEST: dict = yaml.safe_load((HOSTILE / "manifest.yaml").read_text(encoding="utf-8"))["files"]
LICENCE_DIR = CORPUS / "licences"

# The issue's finding kinds and the seed problems each signals (table-fixed-capacity: either).
KINDS = {
    "queue-without-dlq": {"single-point-of-failure"},
    "stream-source-without-on-failure": {"single-point-of-failure"},
    "async-function-without-dlq": {"single-point-of-failure"},
    "table-without-pitr": {"disaster-recovery-gaps"},
    "table-fixed-capacity": {"scalability-issues", "cost-inefficiency"},
    "compute-without-alarm": {"limited-monitoring-governance"},
    "servers-where-managed-would-do": {"operational-overhead"},
    "single-instance-or-single-az-db": {"single-point-of-failure"},
}
FUNCTIONS = {"AWS::Lambda::Function", "AWS::Serverless::Function"}
TABLES = {"AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable", "AWS::Serverless::SimpleTable"}
COMPUTE = FUNCTIONS | {"AWS::EC2::Instance", "AWS::AutoScaling::AutoScalingGroup", "AWS::ECS::Service"}
ALARMS = {"AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm"}
# The resource types each kind may name (README.md: "on").
APPLIES_TO = {
    "queue-without-dlq": {"AWS::SQS::Queue"},
    "stream-source-without-on-failure": FUNCTIONS | {"AWS::Lambda::EventSourceMapping", "AWS::Pipes::Pipe"},
    "async-function-without-dlq": FUNCTIONS,
    "table-without-pitr": TABLES,
    "table-fixed-capacity": TABLES,
    "compute-without-alarm": COMPUTE,
    "servers-where-managed-would-do": {"AWS::EC2::Instance", "AWS::AutoScaling::AutoScalingGroup"},
    "single-instance-or-single-az-db": {"AWS::RDS::DBInstance", "AWS::RDS::DBCluster", "AWS::EC2::Instance",
                                        "AWS::AutoScaling::AutoScalingGroup"},
}
# The services the review knows (the issue's list), by CloudFormation namespace; SAM types expand
# into them. Anything else a template deploys is listed under not_understood.
UNDERSTOOD = (
    "AWS::Lambda::", "AWS::SQS::", "AWS::SNS::", "AWS::DynamoDB::", "AWS::Events::", "AWS::Pipes::",
    "AWS::Scheduler::", "AWS::ApiGateway::", "AWS::ApiGatewayV2::", "AWS::StepFunctions::", "AWS::S3::",
    "AWS::KMS::", "AWS::IAM::", "AWS::CloudWatch::", "AWS::Logs::", "AWS::Cognito::", "AWS::Backup::",
    "AWS::Route53::", "AWS::CloudTrail::", "AWS::XRay::", "AWS::Serverless::",
)
LICENCES = {"MIT-0", "Apache-2.0"}
HEX40 = re.compile(r"[0-9a-f]{40}")
LOGICAL_ID = re.compile(r"[A-Za-z0-9]+")
RESOURCE_TYPE = re.compile(r"AWS::[A-Za-z0-9]+::[A-Za-z0-9]+")
MAX_BYTES = 60 * 1024
# The deepest corpus template nests 14 levels; the hostile ones 200. A review's limit between them
# refuses the one and reads the other.
MAX_CORPUS_DEPTH = 20


# --- a YAML loader that knows CloudFormation's short-form tags (for these tests only) -------------

# Every short-form tag CloudFormation accepts in YAML: the intrinsic and condition functions, and
# the functions of the Rules section.
SHORT_FORM = {
    "Ref", "Condition", "GetAtt", "Base64", "Cidr", "FindInMap", "GetAZs", "ImportValue", "Join",
    "Select", "Split", "Sub", "Transform", "And", "Equals", "If", "Not", "Or", "Contains",
    "EachMemberEquals", "EachMemberIn", "RefAll", "ValueOf", "ValueOfAll",
}


class DuplicateKey(yaml.MarkedYAMLError):
    """A mapping gives the same key twice."""


class CfnLoader(yaml.SafeLoader):
    """Safe YAML with CloudFormation's tags as their long forms, refusing duplicate keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise DuplicateKey("while constructing a mapping", seen[key].start_mark,
                                   f"found duplicate key {key!r}", key_node.start_mark)
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)


def _short_form(loader: CfnLoader, suffix: str, node: yaml.Node) -> dict:
    if suffix not in SHORT_FORM:
        raise yaml.constructor.ConstructorError(
            None, None, f"unknown intrinsic function tag !{suffix}", node.start_mark)
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if suffix in ("Ref", "Condition"):
        return {suffix: value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


CfnLoader.add_multi_constructor("!", _short_form)


def _no_duplicates(pairs: list) -> dict:
    keys = [k for k, _ in pairs]
    for key in keys:
        if keys.count(key) > 1:
            raise ValueError(f"duplicate key {key!r}")
    return dict(pairs)


def load_template(data: bytes, fmt: str) -> Any:
    """The template's document: JSON, or YAML with CloudFormation's tags; duplicate keys refused."""
    text = data.decode("utf-8")
    if fmt == "json":
        return json.loads(text, object_pairs_hook=_no_duplicates)
    return yaml.load(text, Loader=CfnLoader)  # noqa: S506 - a SafeLoader subclass


def depth(doc: Any) -> int:
    """How deep mappings and lists nest (a scalar is 1), without recursion."""
    deepest, stack = 0, [(doc, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack.extend((child, level + 1) for child in children)
    return deepest


def git_blob_id(data: bytes) -> str:
    """The id git gives these bytes as a file."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def position(text: str | bytes, offset: int) -> str:
    """'line:column' (1-based) of an offset."""
    newline = "\n" if isinstance(text, str) else b"\n"
    before = text[:offset]
    return f"{before.count(newline) + 1}:{offset - (before.rfind(newline) + 1) + 1}"  # type: ignore[arg-type]


def is_template(doc: Any) -> bool:
    """A mapping whose Resources give every logical id a resource type."""
    if not isinstance(doc, dict) or not isinstance(doc.get("Resources"), dict) or not doc["Resources"]:
        return False
    return all(isinstance(r, dict) and RESOURCE_TYPE.fullmatch(str(r.get("Type", "")))
               for r in doc["Resources"].values())


# --- sources.yaml ---------------------------------------------------------------------------------

def _licence_files() -> list[tuple[str, str, dict, Path]]:
    """(repository, path in it, {commit, blob}, committed file) for every licence file committed."""
    return [(repo, path, pin, LICENCE_DIR / repo.replace("/", "+") / path)
            for repo, entry in sorted(SOURCES["repositories"].items())
            for path, pin in sorted(entry["licence_files"].items())]


def test_repositories_name_their_licence_and_its_files():
    assert set(SOURCES["repositories"]) == {e["repository"] for e in TEMPLATES.values()}
    for repo, entry in SOURCES["repositories"].items():
        assert re.fullmatch(r"[A-Za-z0-9-]+/[A-Za-z0-9._-]+", repo), repo
        assert set(entry) <= {"licence", "licence_files", "not_committed"}, repo
        assert entry["licence"] in LICENCES, repo
        files, absent = entry["licence_files"], entry.get("not_committed", {})
        assert all(set(pin) == {"commit", "blob"} and HEX40.fullmatch(pin["commit"]) and HEX40.fullmatch(pin["blob"])
                   for pin in files.values()), repo
        assert not set(files) & set(absent), repo
        assert all(isinstance(why, str) and why.strip() for why in absent.values()), f"{repo}: say why"
        # Every repository's licence text is either here or accounted for.
        assert any(name.startswith("LICENSE") for name in [*files, *absent]), f"{repo}: no licence text"
        if any(e["repository"] == repo and e["licence"] == "Apache-2.0" for e in TEMPLATES.values()):
            # Apache-2.0 section 4: the licence and the NOTICE travel with the files.
            assert any(name.startswith("LICENSE") for name in files), f"{repo}: Apache-2.0 without its licence"
            assert any(name.startswith("NOTICE") for name in files), f"{repo}: Apache-2.0 without its NOTICE"


@pytest.mark.parametrize("repo,path,pin,committed", _licence_files(), ids=[f"{r}:{p}" for r, p, *_ in _licence_files()])
def test_licence_file_is_committed_as_recorded(repo, path, pin, committed):
    assert committed.is_file(), f"{committed.relative_to(ROOT)} is missing"
    data = committed.read_bytes()
    assert git_blob_id(data) == pin["blob"], f"{committed.relative_to(ROOT)} is not the recorded {repo} {path}"
    assert b"\0" not in data and data.decode("utf-8")


def test_nothing_is_committed_in_the_corpus_that_sources_does_not_name():
    named = {CORPUS / "README.md", CORPUS / "sources.yaml"}
    named |= {CORPUS / name for name in TEMPLATES}
    named |= {CORPUS / f"{_stem(name)}.expected.yaml" for name in TEMPLATES}
    named |= {committed for *_, committed in _licence_files()}
    present = {p for p in CORPUS.rglob("*") if p.is_file()}
    assert sorted(map(str, present - named)) == [], "files sources.yaml does not name"


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_source_entry_is_complete(name):
    entry = TEMPLATES[name]
    repo = SOURCES["repositories"][entry["repository"]]
    assert re.fullmatch(r"[a-z0-9-]+\.(yaml|yml|json)", name)
    assert entry["format"] == ("json" if name.endswith(".json") else "yaml")
    assert HEX40.fullmatch(entry["commit"]) and HEX40.fullmatch(entry["blob"])
    if entry.get("licence_from_header"):
        # The file's own header grants its licence (checked against the bytes below).
        assert entry["licence"] in LICENCES
    else:
        assert entry["licence"] == repo["licence"]
    if "first_pinned" in entry:
        # Another version than the one first chosen is committed: that one stays on record, and why.
        pinned = entry["first_pinned"]
        assert set(pinned) <= {"path", "commit", "blob", "bytes", "why"} and pinned["why"].strip()
        assert HEX40.fullmatch(pinned["commit"]) and HEX40.fullmatch(pinned["blob"])
        assert pinned["blob"] != entry["blob"]
    assert not entry["path"].startswith("/") and ".." not in entry["path"].split("/")
    assert 0 < entry["bytes"] <= MAX_BYTES
    assert isinstance(entry["sam"], bool) and entry["contains"].strip()
    resources = entry["resources"]
    assert resources and all(LOGICAL_ID.fullmatch(k) and RESOURCE_TYPE.fullmatch(v) for k, v in resources.items())
    assert set(entry.get("conditional", {})) <= set(resources)


def test_the_corpus_has_the_mix_the_issue_asks_for():
    expected = {name: _expected(name) for name in TEMPLATES}
    formats = [e["format"] for e in TEMPLATES.values()]
    sam = [e["sam"] for e in TEMPLATES.values()]
    assert len(TEMPLATES) >= 18
    assert formats.count("json") >= 3 and formats.count("yaml") >= 3
    assert sam.count(True) >= 3 and sam.count(False) >= 3
    assert sum(not e["findings"] for e in expected.values()) >= 2, "at least two well-built templates"
    found = {f["kind"] for e in expected.values() for f in e["findings"]}
    assert found == set(KINDS), f"kinds no template exercises: {sorted(set(KINDS) - found)}"
    assert any(e.get("conditional") for e in TEMPLATES.values()), "no template where conditions matter"
    assert len({e["repository"] for e in TEMPLATES.values()}) >= 2


def test_problem_ids_are_the_catalog_s():
    catalog = yaml.safe_load((ROOT / "rules" / "catalog.yaml").read_text(encoding="utf-8"))
    problems = {p["id"] for p in catalog["problems"]}
    assert set().union(*KINDS.values()) <= problems


# --- <name>.expected.yaml -------------------------------------------------------------------------

def _stem(name: str) -> str:
    return name.rsplit(".", 1)[0]


def _expected(name: str) -> dict:
    return yaml.safe_load((CORPUS / f"{_stem(name)}.expected.yaml").read_text(encoding="utf-8"))


def test_one_expected_file_per_template():
    expected = {p.name[: -len(".expected.yaml")] for p in CORPUS.glob("*.expected.yaml")}
    assert expected == {_stem(name) for name in TEMPLATES}
    assert len(expected) == len(TEMPLATES), "two templates share a name without their extension"


def _deployed(entry: dict) -> dict:
    """The resources deployed at the defaults: unconditional ones (a conditional one is judged in
    its expected file's comments, not here)."""
    conditional = entry.get("conditional", {})
    return {k: v for k, v in entry["resources"].items() if k not in conditional}


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_expected_findings_name_real_resources_of_the_right_type(name):
    entry, expected = TEMPLATES[name], _expected(name)
    resources = entry["resources"]
    assert set(expected) <= {"template", "findings", "must_not_report", "not_understood"}
    assert expected["template"] == name
    seen = set()
    for section in ("findings", "must_not_report"):
        for finding in expected.get(section) or []:
            assert set(finding) == {"kind", "resources", "why"}, finding
            kind, ids = finding["kind"], finding["resources"]
            assert kind in KINDS, kind
            assert isinstance(ids, list) and ids and len(set(ids)) == len(ids), finding
            unknown = [i for i in ids if i not in resources]
            assert not unknown, f"{name}: {kind} names {unknown}, not logical ids of the template"
            if section == "findings":
                wrong = [i for i in ids if resources[i] not in APPLIES_TO[kind]]
                assert not wrong, f"{name}: {kind} cannot apply to {[(i, resources[i]) for i in wrong]}"
                if kind != "compute-without-alarm":
                    assert len(ids) == 1, f"{name}: {kind} is reported once per resource"
            why = finding["why"]
            assert isinstance(why, str) and why.strip() and "\n" not in why and len(why) <= 300, finding
            key = (kind, tuple(ids))
            assert key not in seen, f"{name}: {key} given twice (or both expected and excluded)"
            seen.add(key)


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_the_alarm_finding_follows_from_the_inventory(name):
    deployed = _deployed(TEMPLATES[name])
    compute = sorted(k for k, v in deployed.items() if v in COMPUTE)
    has_alarm = any(v in ALARMS for v in TEMPLATES[name]["resources"].values())
    findings = [f for f in _expected(name)["findings"] if f["kind"] == "compute-without-alarm"]
    if compute and not has_alarm:
        assert len(findings) == 1, f"{name}: compute {compute} and no alarm, but no finding"
        assert findings[0]["resources"] == compute, "the finding names every compute resource, sorted"
    else:
        assert not findings, f"{name}: {'an alarm exists' if has_alarm else 'no compute'}"


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_not_understood_lists_the_types_outside_the_known_services(name):
    entry = TEMPLATES[name]
    listed = _expected(name)["not_understood"]
    assert listed == sorted(set(listed)), "sorted, each type once"
    outside = {t for t in entry["resources"].values() if not t.startswith(UNDERSTOOD)}
    surely = {t for t in _deployed(entry).values() if not t.startswith(UNDERSTOOD)}
    assert surely <= set(listed) <= outside


# --- the templates themselves ---------------------------------------------------------------------

def _template_bytes(name: str) -> bytes:
    path = CORPUS / name
    assert path.is_file(), f"{path.relative_to(ROOT)} is missing: every template in sources.yaml is committed"
    return path.read_bytes()


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_template_is_the_recorded_file_and_its_inventory(name):
    entry = TEMPLATES[name]
    data = _template_bytes(name)
    assert len(data) == entry["bytes"]
    assert git_blob_id(data) == entry["blob"], f"{name} is not byte for byte the recorded file"
    if entry.get("licence_from_header"):
        assert f"SPDX-License-Identifier: {entry['licence']}".encode() in data.split(b"\n\n", 1)[0]
    doc = load_template(data, entry["format"])
    assert is_template(doc)
    assert {k: v["Type"] for k, v in doc["Resources"].items()} == entry["resources"]
    assert {k: v["Condition"] for k, v in doc["Resources"].items() if "Condition" in v} == entry.get("conditional", {})
    assert (doc.get("Transform") == "AWS::Serverless-2016-10-31") == entry["sam"]
    assert depth(doc) <= MAX_CORPUS_DEPTH
    assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]", data), "control characters"
    for kind, ids in [(f["kind"], f["resources"]) for f in _expected(name).get("must_not_report") or []]:
        assert all(i in doc["Resources"] for i in ids), kind


def _check(tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check-review-corpus"), "--sources",
         str(tmp_path / "corpus" / "sources.yaml"), "--base", (tmp_path / "published").as_uri()],
        capture_output=True, text=True, preexec_fn=cpu_limit(120),
    )


def test_check_script_compares_the_committed_files_with_the_published_ones(tmp_path):
    # A repository laid out as <base>/<owner>/<name>/<commit>/<path>, read through file:// URLs.
    commit = "a" * 40
    published = tmp_path / "published" / "owner" / "repo" / commit
    template, licence = BASE.encode(), b"MIT No Attribution\n"
    (published / "queue").mkdir(parents=True)
    (published / "queue" / "template.yaml").write_bytes(template)
    (published / "LICENSE").write_bytes(licence)
    corpus = tmp_path / "corpus"
    (corpus / "licences" / "owner+repo").mkdir(parents=True)
    (corpus / "queue.yaml").write_bytes(template)
    (corpus / "licences" / "owner+repo" / "LICENSE").write_bytes(licence)
    sources = {
        "repositories": {"owner/repo": {"licence": "MIT-0", "licence_files": {
            "LICENSE": {"commit": commit, "blob": git_blob_id(licence)}}}},
        "templates": {"queue.yaml": {"repository": "owner/repo", "commit": commit,
                                     "path": "queue/template.yaml", "blob": git_blob_id(template)}},
    }
    (corpus / "sources.yaml").write_text(yaml.safe_dump(sources), encoding="utf-8")
    before = {p: p.read_bytes() for p in corpus.rglob("*") if p.is_file()}
    same = _check(tmp_path)
    assert same.returncode == 0, same.stderr
    assert "2 files compared with their repositories, 0 problems" in same.stderr
    # The publisher's copy changes: the committed file is named as differing, and left as it is.
    edited = template + b"# edited\n"
    (published / "queue" / "template.yaml").write_bytes(edited)
    changed = _check(tmp_path)
    assert changed.returncode == 1
    assert f"published file is {git_blob_id(edited)}, sources.yaml records {git_blob_id(template)}" in changed.stderr
    # A committed file that is not the recorded one is named too.
    (corpus / "licences" / "owner+repo" / "LICENSE").write_bytes(licence + b"\n")
    both = _check(tmp_path)
    assert both.returncode == 1 and "committed file is" in both.stderr
    (corpus / "licences" / "owner+repo" / "LICENSE").write_bytes(licence)
    assert {p: p.read_bytes() for p in corpus.rglob("*") if p.is_file()} == before, "the check writes nothing"


# --- hostile templates ----------------------------------------------------------------------------

BASE = (  # the template every hostile case is built on: a queue and its dead-letter queue
    'AWSTemplateFormatVersion: "2010-09-09"\n'
    "Description: A queue and its dead-letter queue\n"
    "Resources:\n"
    "  Queue:\n"
    "    Type: AWS::SQS::Queue\n"
    "    Properties:\n"
    "      RedrivePolicy:\n"
    "        deadLetterTargetArn: !GetAtt DeadLetters.Arn\n"
    "        maxReceiveCount: 5\n"
    "  DeadLetters:\n"
    "    Type: AWS::SQS::Queue\n"
)
FLAWS = {"too-large", "alias-bomb", "deep-nesting", "binary", "control-character", "unknown-tag",
         "duplicate-key", "invalid-utf8", "trailing-garbage", "empty", "no-document", "no-resources",
         "empty-resources", "root-not-mapping", "none"}


def _generate(spec: dict, path: Path) -> None:
    """Write a generated hostile file: too big to commit."""
    assert spec["kind"] == "padding", spec
    line = b"# padding" + b"." * 70 + b"\n"
    head = BASE.encode()
    body = line * ((spec["bytes"] - len(head)) // len(line))
    rest = spec["bytes"] - len(head) - len(body)
    path.write_bytes(head + body + (b"#" * (rest - 1) + b"\n" if rest else b""))


def _hostile_bytes(name: str, spec: dict, tmp_path: Path) -> bytes:
    if "generate" in spec:
        assert not (HOSTILE / name).exists(), f"{name} is generated; do not commit it"
        _generate(spec["generate"], tmp_path / name)
        return (tmp_path / name).read_bytes()
    return (HOSTILE / name).read_bytes()


def test_hostile_manifest_names_every_file():
    committed = {p.name for p in HOSTILE.iterdir()} - {"README.md", "manifest.yaml"}
    listed = {name for name, spec in HOSTILE_MANIFEST.items() if "generate" not in spec}
    assert committed == listed
    readme = (HOSTILE / "README.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in readme for name in HOSTILE_MANIFEST), "README names every case"
    flaws = {spec["flaw"] for spec in HOSTILE_MANIFEST.values()}
    assert flaws == FLAWS, f"missing: {sorted(FLAWS - flaws)}, unknown: {sorted(flaws - FLAWS)}"


def _expanded_size(node: yaml.Node, memo: dict[int, int]) -> int:
    """How many nodes a node stands for once its aliases are expanded (counted, not built)."""
    if id(node) not in memo:
        children: list = []
        if isinstance(node, yaml.SequenceNode):
            children = node.value
        elif isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        memo[id(node)] = 1 + sum(_expanded_size(child, memo) for child in children)
    return memo[id(node)]


def _check_flaw(flaw: str, data: bytes, name: str) -> str | None:
    """Assert the file has its flaw and is a valid template otherwise; return the flaw's position."""
    fmt = "json" if name.endswith(".json") else "yaml"
    if flaw == "too-large":
        assert len(data) > 1_048_576
        assert is_template(load_template(data, fmt)), "refused for its size alone"
        return "1:1"
    if flaw == "alias-bomb":
        root = yaml.compose(data.decode(), Loader=CfnLoader)  # noqa: S506 - nodes only, nothing built
        assert root is not None and _expanded_size(root, {}) > 10**8
        assert is_template(load_template(data, fmt)), "PyYAML shares aliased nodes: loading is cheap"
        return None
    if flaw == "deep-nesting":
        doc = load_template(data, fmt)
        assert depth(doc) >= 200 and is_template(doc)
        return None
    if flaw == "binary":
        assert b"\x00" in data
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
        return "1:1"
    if flaw == "control-character":
        text = data.decode("utf-8")
        assert text.count("\x00") == 1 and is_template(load_template(data.replace(b"\x00", b" "), fmt))
        return position(text, text.index("\x00"))
    if flaw == "unknown-tag":
        with pytest.raises(yaml.constructor.ConstructorError) as unknown:
            load_template(data, fmt)
        assert "!Bogus" in str(unknown.value)
        assert is_template(load_template(data.replace(b"!Bogus [dead, letters]", b"!Join [-, [dead, letters]]"), fmt))
        mark = unknown.value.problem_mark
        assert mark is not None
        return f"{mark.line + 1}:{mark.column + 1}"
    if flaw == "duplicate-key":
        if fmt == "json":
            with pytest.raises(ValueError, match="duplicate key 'Queue'"):
                load_template(data, fmt)
            naive = json.loads(data)
            second = [m.start() for m in re.finditer(rb'"Queue"\s*:', data)][1]
            where = position(data, second)
        else:
            with pytest.raises(DuplicateKey) as duplicate:
                load_template(data, fmt)
            assert "'Queue'" in str(duplicate.value)
            naive = yaml.load(data.decode(), Loader=_LastKeyWins)  # noqa: S506
            mark = duplicate.value.problem_mark
            assert mark is not None
            where = f"{mark.line + 1}:{mark.column + 1}"
        # A loader that keeps the last key reviews a template that lost a resource.
        assert is_template(naive) and naive["Resources"]["Queue"]["Type"] == "AWS::SNS::Topic"
        return where
    if flaw == "invalid-utf8":
        with pytest.raises(UnicodeDecodeError) as undecodable:
            data.decode("utf-8")
        assert is_template(load_template(data.decode("latin-1").encode(), fmt))
        return position(data, undecodable.value.start)
    if flaw == "trailing-garbage":
        text = data.decode("utf-8")
        with pytest.raises(json.JSONDecodeError, match="Extra data") as extra:
            json.loads(text)
        doc, end = json.JSONDecoder().raw_decode(text)
        assert is_template(doc) and text[end:].strip()
        return position(text, extra.value.pos)
    if flaw == "empty":
        assert data == b""
        return "1:1"
    if flaw == "no-document":
        assert data.strip() and load_template(data, fmt) is None
        return "1:1"
    if flaw == "no-resources":
        doc = load_template(data, fmt)
        assert isinstance(doc, dict) and "Resources" not in doc and "AWSTemplateFormatVersion" in doc
        return "1:1"
    if flaw == "empty-resources":
        doc = load_template(data, fmt)
        assert isinstance(doc, dict) and doc["Resources"] == {}
        return str(data.decode().split("\n").index("Resources: {}") + 1)
    if flaw == "root-not-mapping":
        doc = load_template(data, fmt)
        assert isinstance(doc, list) and any(isinstance(d, dict) and "Resources" in d for d in doc)
        return "1:1"
    assert flaw == "none"
    doc = load_template(data, fmt)
    assert is_template(doc)
    used = set(re.findall(r"!([A-Za-z0-9]+)", data.decode()))
    assert used == SHORT_FORM - {"Transform"}, "every tag but !Transform (README.md says why)"
    return None


class _LastKeyWins(yaml.SafeLoader):
    """What a careless loader does: a duplicate key silently replaces the first."""


_LastKeyWins.add_multi_constructor("!", lambda loader, suffix, node: None)


@pytest.mark.parametrize("name", sorted(HOSTILE_MANIFEST))
def test_hostile_file_has_exactly_its_flaw(name, tmp_path):
    spec = HOSTILE_MANIFEST[name]
    assert spec["exit"] == (0 if spec["flaw"] == "none" else 2)
    assert spec["why"].strip()
    where = _check_flaw(spec["flaw"], _hostile_bytes(name, spec, tmp_path), name)
    assert spec.get("where") == where, f"{name}: the flaw is at {where}"
