"""Rule files are validated as strictly as workloads."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from advisor.catalog import load_catalog
from advisor.errors import RuleError
from advisor.rules import load_rules, rule_files
from advisor.resources import data_dir

BUNDLED = data_dir("rules")


def test_bundled_rules_load_and_cite_known_best_practices():
    catalog = load_catalog()
    rules = load_rules()
    assert len(rules) == len(rule_files(BUNDLED))
    for rule in rules:
        assert set(rule.best_practices) <= set(catalog.best_practices)
        assert rule.source.startswith("https://")
        assert Path(rule.path).parent.name == rule.pillars[0]


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "rules"
    shutil.copytree(BUNDLED, root)
    return root


def _errors(root: Path) -> list[str]:
    with pytest.raises(RuleError) as info:
        load_rules(root)
    return [d.render() for d in info.value.diagnostics]


def test_unknown_key_is_rejected_with_file_and_line(tmp_path):
    root = _copy(tmp_path)
    path = root / "reliability" / "ADV-R007.yaml"
    path.write_text(path.read_text().replace("rationale:", "rationalle: x\nrationale:", 1))
    found = _errors(root)
    assert any(f"{path}:" in e and "unknown rule key 'rationalle' (did you mean 'rationale'?)" in e for e in found), found


def test_unknown_service_is_rejected(tmp_path):
    root = _copy(tmp_path)
    path = root / "reliability" / "ADV-R007.yaml"
    path.write_text(path.read_text().replace("    - service: sqs\n", "    - service: sqss\n"))
    found = _errors(root)
    assert any(f"{path}:" in e and "unknown service 'sqss' (did you mean 'sqs'?)" in e for e in found), found


def test_duplicate_id_is_rejected(tmp_path):
    root = _copy(tmp_path)
    shutil.copy(root / "reliability" / "ADV-R007.yaml", root / "security" / "ADV-R007.yaml")
    found = _errors(root)
    assert any("duplicate rule id 'ADV-R007'" in e or "does not match" in e or "sits in security/" in e for e in found)


def test_duplicate_id_in_right_folder_is_rejected(tmp_path):
    root = _copy(tmp_path)
    text = (root / "reliability" / "ADV-R007.yaml").read_text()
    (root / "reliability" / "ADV-R007-copy.yaml").write_text(text)
    found = _errors(root)
    assert any("ADV-R007-copy.yaml" in e and "does not match the id" in e for e in found), found


def test_unknown_best_practice_and_bad_condition(tmp_path):
    root = _copy(tmp_path)
    path = root / "reliability" / "ADV-R001.yaml"
    text = path.read_text().replace("REL05-BP02", "REL05-BP99").replace("  requirement: scalability", "  requirment: scalability")
    path.write_text(text)
    found = _errors(root)
    assert any("unknown best practice 'REL05-BP99'" in e for e in found), found
    assert any("did you mean 'requirement'?" in e for e in found), found


def test_service_condition_under_not_is_rejected(tmp_path):
    root = _copy(tmp_path)
    path = root / "reliability" / "ADV-R007.yaml"
    path.write_text(path.read_text().replace("when:\n  service: sqs", "when:\n  not:\n    service: sqs"))
    assert any("cannot stand under `not`" in e for e in _errors(root))


def test_edge_to_undeclared_component_is_rejected(tmp_path):
    root = _copy(tmp_path)
    path = root / "reliability" / "ADV-R005.yaml"
    path.write_text(path.read_text().replace("to: queue:updates, kind", "to: queue:nowhere, kind"))
    assert any("edge end 'queue:nowhere' is not among this rule's components" in e for e in _errors(root))


def test_rule_cache_matches_a_fresh_load_and_notices_edits(tmp_path):
    from advisor.rulecache import load_rule_set

    root = _copy(tmp_path)
    cache = tmp_path / "cache"
    _, fresh = load_rule_set(None, root)
    _, first = load_rule_set(cache, root)
    assert len(list(cache.glob("rules-*.pickle"))) == 1
    _, second = load_rule_set(cache, root)
    assert first == fresh == second
    path = root / "reliability" / "ADV-R007.yaml"
    path.write_text(path.read_text().replace("max_receive_count: 5", "max_receive_count: 3"))
    _, edited = load_rule_set(cache, root)
    r007 = next(r for r in edited if r.id == "ADV-R007")
    assert r007.adds["settings"][0]["set"]["dead_letter_queue"]["max_receive_count"] == 3
    assert len(list(cache.glob("rules-*.pickle"))) == 1  # the stale cache was removed


def test_two_installations_sharing_a_cache_folder_keep_a_cache_each(tmp_path):
    from advisor.rulecache import load_rule_set

    first, second = _copy(tmp_path / "one"), _copy(tmp_path / "two")
    cache = tmp_path / "cache"
    load_rule_set(cache, first)
    load_rule_set(cache, second)
    kept = sorted(p.name for p in cache.glob("rules-*.pickle"))
    assert len(kept) == 2
    load_rule_set(cache, first)  # a hit: nothing rebuilt, nothing pruned
    assert sorted(p.name for p in cache.glob("rules-*.pickle")) == kept
    path = first / "reliability" / "ADV-R007.yaml"
    path.write_text(path.read_text().replace("max_receive_count: 5", "max_receive_count: 3"))
    load_rule_set(cache, first)  # the edit replaces the first installation's cache only
    now = sorted(p.name for p in cache.glob("rules-*.pickle"))
    assert len(now) == 2 and len(set(now) & set(kept)) == 1


def test_damaged_or_unwritable_cache_falls_back_to_a_normal_load(tmp_path):
    from advisor.rulecache import load_rule_set

    root = _copy(tmp_path)
    cache = tmp_path / "cache"
    load_rule_set(cache, root)
    (target,) = cache.glob("rules-*.pickle")
    target.write_bytes(b"not a pickle")
    _, rules = load_rule_set(cache, root)
    assert len(rules) == len(rule_files(root))
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("")
    _, rules = load_rule_set(blocker / "cache", root)
    assert len(rules) == len(rule_files(root))
