"""The start-up cache of the validated bundled rule set: same result as the YAML, never stale, never trusted
when someone else could have written it, and it spares the YAML parse it exists for (counted, not timed)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from advisor import rulecache, yamlsafe
from advisor.catalog import load_catalog
from advisor.resources import data_dir
from advisor.rules import _cached_rule_set, _load_rules, load_rules, load_rule_set

BUNDLED = data_dir("rules")


def _catalog_fields(catalog):
    return {name: getattr(catalog, name) for name in type(catalog).__slots__}


def _fresh(root: Path, cache: Path):
    """A load as a new process makes it: to the cache folder itself, past the in-process memos of earlier loads."""
    for memo in (_cached_rule_set, _load_rules, load_catalog):
        memo.cache_clear()
    return load_rule_set(root=root, cache=cache)


@pytest.fixture
def parses(monkeypatch):
    """How many YAML files the rule loading parses."""
    count = {"files": 0}
    real = yamlsafe.load_file

    def counting(*args, **kwargs):
        count["files"] += 1
        return real(*args, **kwargs)

    for module in ("advisor.rules", "advisor.catalog"):
        monkeypatch.setattr(f"{module}.load_file", counting)
    return count


def test_a_cached_load_equals_the_yaml_and_parses_no_yaml(tmp_path, parses):
    root = tmp_path / "rules"
    shutil.copytree(BUNDLED, root)
    catalog, rules = _fresh(root, tmp_path / "cache")
    parsed = parses["files"]
    assert parsed == len(list(root.rglob("*.yaml")))  # the first run reads every file
    again_catalog, again_rules = _fresh(root, tmp_path / "cache")
    assert parses["files"] == parsed  # the second reads none
    assert again_rules == rules
    assert _catalog_fields(again_catalog) == _catalog_fields(catalog)
    # and both are what the uncached loader gives
    load_catalog.cache_clear()
    assert load_rules(root, load_catalog(root)) == rules


def test_an_edited_rule_is_read_again_never_served_stale(tmp_path):
    root = tmp_path / "rules"
    shutil.copytree(BUNDLED, root)
    cache = tmp_path / "cache"
    _fresh(root, cache)
    path = root / "reliability" / "ADV-R007.yaml"
    text = path.read_text()
    title = next(line for line in text.splitlines() if line.startswith("title:"))
    path.write_text(text.replace(title, 'title: "Queues with a dead-letter queue, edited"'))
    os.utime(path, ns=(1, 1))  # even with an old timestamp: the size changed
    _, rules = _fresh(root, cache)
    assert next(r for r in rules if r.id == "ADV-R007").title == "Queues with a dead-letter queue, edited"


def _tamper(cache: Path) -> Path:
    (entry,) = cache.glob("rules-*.json")
    data = json.loads(entry.read_text())
    for rule in data["rule_set"]["rules"]:
        rule["title"] = "planted"
    entry.write_text(json.dumps(data))
    return entry


def test_an_entry_others_could_write_is_ignored(tmp_path):
    root = tmp_path / "rules"
    shutil.copytree(BUNDLED, root)
    cache = tmp_path / "cache"
    _fresh(root, cache)
    entry = _tamper(cache)
    entry.chmod(0o666)
    assert {r.title for r in _fresh(root, cache)[1]} != {"planted"}
    entry.chmod(0o600)
    cache.chmod(0o777)
    assert {r.title for r in _fresh(root, cache)[1]} != {"planted"}
    cache.chmod(0o700)
    # The same entry in a private folder is this user's own: it is used (which shows the checks above mattered).
    _tamper(cache)
    assert {r.title for r in _fresh(root, cache)[1]} == {"planted"}


@pytest.mark.parametrize("content", [b"", b"{", b"[]", b'{"key": 1}', b"\xff\xfe", b'{"key": "x", "rule_set": {}}'])
def test_a_broken_entry_is_ignored_and_replaced(tmp_path, content):
    root = tmp_path / "rules"
    shutil.copytree(BUNDLED, root)
    cache = tmp_path / "cache"
    _, rules = _fresh(root, cache)
    (entry,) = cache.glob("rules-*.json")
    entry.write_bytes(content)
    assert _fresh(root, cache)[1] == rules
    assert json.loads(entry.read_text())["key"] == rulecache.key(root)


def test_a_right_key_with_a_wrong_shape_is_ignored(tmp_path):
    root = tmp_path / "rules"
    shutil.copytree(BUNDLED, root)
    cache = tmp_path / "cache"
    _, rules = _fresh(root, cache)
    (entry,) = cache.glob("rules-*.json")
    data = json.loads(entry.read_text())
    data["rule_set"]["rules"][0]["unexpected"] = True
    entry.write_text(json.dumps(data))
    assert _fresh(root, cache)[1] == rules


def test_a_cache_folder_that_cannot_be_made_costs_nothing_but_the_cache(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder would go")
    catalog, rules = _fresh(BUNDLED, blocker / "advisor")
    assert rules and catalog.problems
    assert blocker.read_text() == "a file where the folder would go"
