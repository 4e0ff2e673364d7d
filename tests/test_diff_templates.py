"""`advisor diff OLD NEW` on two CloudFormation templates: components and findings that changed, the cost of
each side with a workload's traffic equal to `advisor review --workload` of it, and --max-increase for CI."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from tests.conftest import ROOT, run_cli

WORKLOAD = str(ROOT / "examples" / "startup-mvp.yaml")


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    out = tmp_path_factory.mktemp("diff")
    assert run_cli("render", WORKLOAD, "-o", str(out / "r")).code == 0
    old = (out / "r" / "template.yaml").read_text(encoding="utf-8")
    assert old.count("MemorySize: 256") == 1
    new = old.replace("MemorySize: 256", "MemorySize: 1024")
    (out / "old.yaml").write_text(old, encoding="utf-8")
    (out / "new.yaml").write_text(new, encoding="utf-8")
    return out / "old.yaml", out / "new.yaml"


def test_two_templates_differ_by_the_memory_and_its_cost(pair):
    old, new = pair
    result = run_cli("diff", str(old), str(new), "--workload", WORKLOAD, "-f", "json")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    changed = doc["components"]["changed"]
    assert [c["id"] for c in changed] == ["function:processor"]
    totals = []
    for side in (old, new):
        reviewed = json.loads(run_cli("review", str(side), "--workload", WORKLOAD, "-f", "json").out)
        totals.append(Decimal(reviewed["cost"]["current_monthly_usd"]))
    assert Decimal(doc["cost"]["old_monthly_usd"]) == totals[0]
    assert Decimal(doc["cost"]["new_monthly_usd"]) == totals[1]
    assert Decimal(doc["cost"]["delta_monthly_usd"]) == totals[1] - totals[0] > 0
    lam = next(s for s in doc["cost"]["by_service"] if s["service"] == "lambda")
    assert Decimal(lam["delta_monthly_usd"]) == totals[1] - totals[0]


def test_max_increase_on_templates_exits_1_past_the_limit(pair):
    old, new = pair
    rise = Decimal(json.loads(run_cli("diff", str(old), str(new), "--workload", WORKLOAD, "-f", "json").out)
                   ["cost"]["delta_monthly_usd"])
    over = run_cli("diff", str(old), str(new), "--workload", WORKLOAD, "-f", "json", "--max-increase",
                   str((rise / 2).quantize(Decimal("0.0001"))))
    assert over.code == 1, over.err
    within = run_cli("diff", str(old), str(new), "--workload", WORKLOAD, "-f", "json", "--max-increase", "1")
    assert within.code == 0, within.err


def test_a_finding_introduced_by_the_new_template_is_reported(pair, tmp_path):
    old, _ = pair
    text = old.read_text(encoding="utf-8")
    assert "RedrivePolicy:" in text
    start = text.index("      RedrivePolicy:")
    end = text.index("\n", text.index("maxReceiveCount", start))
    worse = tmp_path / "worse.yaml"
    worse.write_text(text[:start] + text[end + 1:], encoding="utf-8")
    result = run_cli("diff", str(old), str(worse), "-f", "json")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    added = doc["findings"]["added"]
    # The queue lost its dead-letter queue; the former dead-letter queue, now no one's, is a plain queue too.
    assert {(f["rule"], tuple(f["resources"])) for f in added} == {("ADV-R007", ("QueueIngest",)),
                                                                   ("ADV-R007", ("QueueIngestDlq",))}, added
    assert doc["findings"]["removed"] == []
    assert doc["cost"] is None or doc["cost"].get("old_monthly_usd") is None
