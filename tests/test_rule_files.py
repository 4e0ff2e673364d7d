"""Rule files are validated as strictly as workloads."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from advisor.catalog import load_catalog
from advisor.errors import RuleError
from advisor.rules import load_rules, rule_files
from advisor.resources import data_dir
from tests.cpulimit import cpu_limit  # noqa: E402

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


@pytest.mark.parametrize(("value", "problem"), [
    ("sqss", "unknown service with a message quota 'sqss' (did you mean 'sqs'?)"),
    ("dynamodb", "unknown service with a message quota 'dynamodb' (one of sqs, sns, eventbridge, stepfunctions)"),
    ("1024", "expected text, got 1024 (a number)"),
])
def test_a_payload_quota_condition_names_a_service_that_declares_one(tmp_path, value, problem):
    root = _copy(tmp_path)
    path = root / "reliability" / "ADV-R007.yaml"
    path.write_text(path.read_text().replace("when:\n  service: sqs", f"when:\n  payload_over_quota: {value}"))
    found = _errors(root)
    assert any(f"{path}:6:23: error: when.payload_over_quota: " in e and problem in e for e in found), found


def test_a_payload_quota_condition_may_stand_under_not(tmp_path):
    root = _copy(tmp_path)
    path = root / "reliability" / "ADV-R007.yaml"
    path.write_text(path.read_text().replace("when:\n  service: sqs", "when:\n  not:\n    payload_over_quota: sqs"))
    rule = next(r for r in load_rules(root) if r.id == "ADV-R007")
    inner = rule.when.children[0]
    assert rule.when.kind == "not" and (inner.kind, inner.value) == ("payload_over_quota", "sqs")


def test_edge_to_undeclared_component_is_rejected(tmp_path):
    root = _copy(tmp_path)
    path = root / "reliability" / "ADV-R005.yaml"
    path.write_text(path.read_text().replace("to: queue:updates, kind", "to: queue:nowhere, kind"))
    assert any("edge end 'queue:nowhere' is not among this rule's components" in e for e in _errors(root))


def test_the_start_up_cache_holds_plain_data_and_runs_no_code(tmp_path):
    """Only a JSON file of validated rules is kept, in ADVISOR_CACHE_DIR when set: pickles an earlier version
    used (in ADVISOR_CACHE_DIR, XDG_CACHE_HOME or ~/.cache), planted before or after a run, are never loaded."""
    import json
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    home, xdg, explicit = tmp_path / "home", tmp_path / "xdg", tmp_path / "explicit"
    marker = tmp_path / "unpickled"
    planted = f"cos\nsystem\n(S'touch {marker}'\ntR."
    for folder in (home / ".cache" / "advisor", xdg / "advisor", explicit):
        folder.mkdir(parents=True)
        # A planted pickle that would leave a marker file were it ever loaded.
        (folder / "rules-00000000-0000000000000000.pickle").write_text(planted)
    before = sorted(p for p in tmp_path.rglob("*"))
    env = dict(os.environ, HOME=str(home), XDG_CACHE_HOME=str(xdg), ADVISOR_CACHE_DIR=str(explicit))
    env.pop("ADVISOR_DEBUG", None)
    env.pop("ADVISOR_NO_CACHE", None)

    def run() -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "advisor", "recommend", str(ROOT / "examples" / "everything.yaml"),
                               "-f", "json"], cwd=tmp_path, env=env, capture_output=True, text=True, preexec_fn=cpu_limit(60))

    first = run()
    assert first.returncode == 0, first.stderr
    written = sorted(set(tmp_path.rglob("*")) - set(before))
    assert [p.parent for p in written] == [explicit] and written[0].suffix == ".json"
    assert json.loads(written[0].read_text())["rule_set"]["rules"]  # plain data
    # Whatever a run left there is replaced by a pickle: the next run must not execute it.
    for entry in written:
        entry.write_text(planted)
    second = run()
    assert second.returncode == 0, second.stderr
    assert not marker.exists()
    assert second.stdout == first.stdout
    assert sorted(p for p in tmp_path.rglob("*")) == sorted(before + written)


def _run_with_cache_folder(folder, tmp_path):
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    env = dict(os.environ, ADVISOR_CACHE_DIR=str(folder), XDG_CACHE_HOME=str(folder), HOME=str(tmp_path))
    env.pop("ADVISOR_DEBUG", None)
    env.pop("ADVISOR_NO_CACHE", None)
    return subprocess.run([sys.executable, "-m", "advisor", "recommend", str(ROOT / "examples" / "startup-mvp.yaml"),
                           "-f", "json"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, preexec_fn=cpu_limit(60))


def test_files_advisor_did_not_write_are_never_pruned(tmp_path):
    """An earlier version pruned every `rules-*.pickle` it took for a stale cache of its own; today's prunes nothing."""
    folder = tmp_path / "cache"
    folder.mkdir()
    mine = {"rules-mine.pickle": "a user's file", "rules-00000000-0000000000000000.pickle": "another",
            "notes.txt": "kept"}
    for name, text in mine.items():
        (folder / name).write_text(text)
    for _ in range(2):
        result = _run_with_cache_folder(folder, tmp_path)
        assert result.returncode == 0, result.stderr
        assert {name: (folder / name).read_text() for name in mine if (folder / name).exists()} == mine
        # Beside them, only the one entry advisor writes.
        added = sorted(p.name for p in folder.iterdir() if p.name not in mine)
        assert len(added) == 1 and added[0].startswith("rules-") and added[0].endswith(".json")


def test_a_fifo_in_the_cache_folder_is_never_opened(tmp_path):
    """A FIFO where a cache file was (or would be) is left alone: opening one would wait for a writer forever."""
    import os

    folder = tmp_path / "cache"
    folder.mkdir()
    first = _run_with_cache_folder(folder, tmp_path)
    assert first.returncode == 0, first.stderr
    names = {p.name for p in folder.iterdir()} | {"rules-00000000-0000000000000000.pickle"}
    for name in names:
        (folder / name).unlink(missing_ok=True)
        os.mkfifo(folder / name)
    second = _run_with_cache_folder(folder, tmp_path)
    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout
    assert {p.name for p in folder.iterdir()} == names
