"""`advisor diff`: what changed between two workloads, the cost delta against `advisor cost` of each side, and the
--max-increase check's exit codes at, just under and just over its limit."""

from __future__ import annotations

import json
from decimal import Context, Decimal, localcontext
from pathlib import Path

import pytest
import yaml

from advisor.architecture import Architecture
from advisor.diff import Cost, CostRow, Side, check_limit, compare, parse_limit
from advisor.errors import UsageError
from advisor.findings import Finding, Suppression
from tests.conftest import ROOT

# Money is subtracted and summed exactly: a context as wide as the estimate's own (28 digits would round).
WIDE = Context(prec=120)
MVP = ROOT / "examples" / "startup-mvp.yaml"
FANOUT = ROOT / "examples" / "order-fanout.yaml"


def no_traceback(result) -> None:
    assert "Traceback" not in result.err and "internal error" not in result.err


@pytest.fixture
def grown(tmp_path) -> Path:
    """The startup example after a change: twice the traffic and four times the function's memory."""
    doc = yaml.safe_load(MVP.read_text())
    doc["traffic"]["requests_per_month"] *= 2
    doc["usage"]["lambda"]["memory_mb"] = 1024
    path = tmp_path / "grown.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def cost_json(cli, path: Path) -> dict:
    result = cli("cost", str(path), "--format", "json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def diff_json(cli, old: Path, new: Path, *extra: str):
    result = cli("diff", str(old), str(new), "--format", "json", *extra)
    return result, (json.loads(result.out) if result.out else None)


def test_the_cost_delta_is_what_advisor_cost_says_of_each_side(cli, grown):
    result, data = diff_json(cli, MVP, grown)
    assert result.code == 0, result.err
    before, after = cost_json(cli, MVP), cost_json(cli, grown)
    old, new = Decimal(before["total_monthly_usd"]), Decimal(after["total_monthly_usd"])
    cost = data["cost"]
    assert Decimal(cost["old_monthly_usd"]) == old and Decimal(cost["new_monthly_usd"]) == new
    with localcontext(WIDE):
        rise = new - old
    assert Decimal(cost["delta_monthly_usd"]) == rise and rise > 0
    with localcontext(Context(prec=28)):
        assert Decimal(cost["delta_percent"]) == rise * 100 / old
    services = sorted(set(before["by_service"]) | set(after["by_service"]))
    assert [row["service"] for row in cost["by_service"]] == services
    for row in cost["by_service"]:
        a = Decimal(before["by_service"].get(row["service"], "0"))
        b = Decimal(after["by_service"].get(row["service"], "0"))
        assert (Decimal(row["old_monthly_usd"]), Decimal(row["new_monthly_usd"])) == (a, b)
        with localcontext(WIDE):
            assert Decimal(row["delta_monthly_usd"]) == b - a
    with localcontext(WIDE):
        assert sum(Decimal(r["delta_monthly_usd"]) for r in cost["by_service"]) == rise
    assert data["old"]["total_monthly_usd"] == before["total_monthly_usd"]
    assert data["new"]["total_monthly_usd"] == after["total_monthly_usd"]
    assert data["components"]["changed"] == [
        {"id": "function:processor", "service": "lambda", "settings": {"memory_mb": {"old": 256, "new": 1024}}}]
    assert data["changed"] is True and data["max_increase"] is None


def test_services_flows_and_decisions_that_changed(cli):
    result, data = diff_json(cli, MVP, FANOUT)
    assert result.code == 0, result.err
    old = json.loads(cli("recommend", str(MVP), "--format", "json").out)
    new = json.loads(cli("recommend", str(FANOUT), "--format", "json").out)
    assert data["services"] == {"added": sorted(set(new["services"]) - set(old["services"])),
                                "removed": sorted(set(old["services"]) - set(new["services"]))}
    old_flows, new_flows = {f["id"] for f in old["flows"]}, {f["id"] for f in new["flows"]}
    assert [f["id"] for f in data["flows"]["added"]] == sorted(new_flows - old_flows)
    assert [f["id"] for f in data["flows"]["removed"]] == sorted(old_flows - new_flows)
    old_rules, new_rules = {d["rule"] for d in old["decisions"]}, {d["rule"] for d in new["decisions"]}
    assert [d["rule"] for d in data["decisions"]["added"]] == sorted(new_rules - old_rules)
    assert [d["rule"] for d in data["decisions"]["removed"]] == sorted(old_rules - new_rules)
    old_by, new_by = {d["rule"]: d for d in old["decisions"]}, {d["rule"]: d for d in new["decisions"]}
    for changed in data["decisions"]["changed"]:
        rule = changed["rule"]
        assert changed["fields"] and all(changed["fields"][f]["old"] == old_by[rule][f] for f in changed["fields"]
                                         if f in old_by[rule])
        assert any(old_by[rule][f] != new_by[rule][f] for f in ("because", "components", "adds", "title"))
    unchanged = (old_rules & new_rules) - {c["rule"] for c in data["decisions"]["changed"]}
    for rule in unchanged:
        assert {k: v for k, v in old_by[rule].items()} == {k: v for k, v in new_by[rule].items()}


def test_swapping_the_sides_negates_the_delta_and_swaps_added_and_removed(cli):
    _, forth = diff_json(cli, MVP, FANOUT)
    _, back = diff_json(cli, FANOUT, MVP)
    assert forth["cost"]["delta_monthly_usd"] == "-" + back["cost"]["delta_monthly_usd"].removeprefix("-") or \
        back["cost"]["delta_monthly_usd"] == "-" + forth["cost"]["delta_monthly_usd"]
    for kind in ("services", "flows", "decisions"):
        assert forth[kind]["added"] == back[kind]["removed"] and forth[kind]["removed"] == back[kind]["added"]


def test_the_same_file_twice_is_no_change(cli):
    result, data = diff_json(cli, MVP, MVP, "--max-increase", "0")
    assert result.code == 0, result.err
    assert data["changed"] is False and data["cost"]["delta_monthly_usd"] == "0"
    assert Decimal(data["cost"]["delta_percent"]) == 0
    assert data["max_increase"] == {"limit": "0", "unit": "usd", "amount": "0", "exceeded": False}
    text = cli("diff", str(MVP), str(MVP), "--format", "text", "--max-increase", "0%")  # a rise of 0%: at the limit
    assert text.code == 0 and "No change" in text.out and "--max-increase 0%: within the limit" in text.out


def _delta(cli, old: Path, new: Path) -> tuple[Decimal, Decimal]:
    before, after = cost_json(cli, old), cost_json(cli, new)
    with localcontext(WIDE):
        return Decimal(before["total_monthly_usd"]), Decimal(after["total_monthly_usd"]) - Decimal(before["total_monthly_usd"])


TINY = Decimal("0.000001")


def test_max_increase_in_dollars_at_just_under_and_over_the_limit(cli, grown):
    _, rise = _delta(cli, MVP, grown)
    with localcontext(WIDE):
        limits = ((rise, 0), (rise + TINY, 0), (rise - TINY, 1), (Decimal(0), 1))
    for limit, code in limits:
        text = format(limit, "f")
        result, data = diff_json(cli, MVP, grown, "--max-increase", text)
        assert result.code == code, (text, result.err)
        assert data["max_increase"]["exceeded"] is (code == 1)
        if code == 1:
            assert "above --max-increase" in result.err and f"{text}" in result.err
        no_traceback(result)


def test_max_increase_in_percent_just_under_and_over_the_limit(cli, grown):
    old, rise = _delta(cli, MVP, grown)
    with localcontext(Context(prec=28)):
        percent = rise * 100 / old
    for limit, code in ((percent + TINY, 0), (percent - TINY, 1), (Decimal(1), 1), (Decimal(1000), 0)):
        text = format(limit.quantize(TINY), "f") + "%"
        result, data = diff_json(cli, MVP, grown, "--max-increase", text)
        assert result.code == code, (text, result.err)
        assert data["max_increase"]["unit"] == "percent" and data["max_increase"]["exceeded"] is (code == 1)


def test_a_cheaper_design_is_within_every_limit(cli, grown):
    result, data = diff_json(cli, grown, MVP, "--max-increase", "0%")
    assert result.code == 0 and Decimal(data["cost"]["delta_monthly_usd"]) < 0


def test_exactly_at_the_limit_is_within_it():
    cost = Cost("USD", (CostRow("sqs", Decimal("200"), Decimal("220")),), Decimal("200"), Decimal("220"))
    assert not cost.exceeds(parse_limit("10%")) and cost.exceeds(parse_limit("9.99%"))
    assert not cost.exceeds(parse_limit("20")) and cost.exceeds(parse_limit("19.999999"))
    # A third: no finite decimal is the ratio, yet the check compares without rounding.
    third = Cost("USD", (), Decimal("3"), Decimal("4"))
    assert third.exceeds(parse_limit("33.3333333333333333333333333333%"))
    assert not third.exceeds(parse_limit("33.3333333333333333333333333334%"))
    # A rise from nothing is above any percentage; no rise is within every one.
    assert Cost("USD", (), Decimal(0), Decimal("0.01")).exceeds(parse_limit("1000%"))
    assert not Cost("USD", (), Decimal(0), Decimal(0)).exceeds(parse_limit("0%"))
    assert Cost("USD", (), Decimal(0), Decimal(1)).percent is None


@pytest.mark.parametrize("limit", ["ten", "10 %", "-5", "1e3", "%", "10%%", "", "NaN", "10USD", "0x10"])
def test_a_malformed_limit_is_a_usage_error_with_a_hint(cli, limit):
    result = cli("diff", str(MVP), "missing.yaml", "--max-increase", limit)
    assert result.code == 2
    assert f"--max-increase {limit!r}" in result.err and "hint: a number of US dollars" in result.err
    assert result.out == "" and "missing.yaml" not in result.err  # the limit is checked before any file is read
    no_traceback(result)


@pytest.mark.parametrize("limit, amount, percent", [("25", "25", False), ("25.50", "25.50", False),
                                                    ("$25", "25", False), ("10%", "10", True), (" 12.5% ", "12.5", True)])
def test_limits_that_are_read(limit, amount, percent):
    parsed = parse_limit(limit)
    assert parsed.amount == Decimal(amount) and parsed.percent is percent


def test_bad_files_exit_2_with_file_line_and_column(cli, tmp_path):
    bad_old = tmp_path / "old.yaml"
    bad_old.write_text("version: 1\nname: shop\nproblems: [scalability-isues]\n")
    bad_new = tmp_path / "new.yaml"
    bad_new.write_text("version: 1\nname: shop\nproblems: [high-latency]\ntraffic: {requests_per_month: -1}\n")
    result = cli("diff", str(bad_old), str(bad_new), "--format", "json")
    assert result.code == 2 and result.out == ""
    assert f"{bad_old}:3:12: error:" in result.err and "scalability-issues" in result.err  # with a did-you-mean
    assert f"{bad_new}:4:" in result.err  # both files' errors, at once
    no_traceback(result)
    missing = cli("diff", str(MVP), str(tmp_path / "nope.yaml"))
    assert missing.code == 2 and "nope.yaml" in missing.err
    no_traceback(missing)
    both_stdin = cli("diff", "-", "-")
    assert both_stdin.code == 2 and "standard input" in both_stdin.err


def test_one_side_may_come_from_standard_input(cli, grown):
    result = cli("diff", "-", str(grown), "--format", "json", stdin=MVP.read_text())
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["old"]["file"] == "-" and data["old"]["name"] == "startup-mvp"
    assert data["cost"] == diff_json(cli, MVP, grown)[1]["cost"]


def test_text_and_markdown_say_the_same_things(cli, grown):
    text = cli("diff", str(MVP), str(grown), "--format", "text", "--max-increase", "1")
    assert text.code == 1
    assert "~ function:processor: memory_mb: 256 → 1024" in text.out and "Monthly cost (USD)" in text.out
    assert "--max-increase 1: exceeded" in text.out
    markdown = cli("diff", str(MVP), str(grown), "--format", "markdown")
    assert markdown.code == 0
    assert markdown.out.startswith("# Changes: ") and "## Monthly cost (USD)" in markdown.out
    assert "| **Total** |" in markdown.out and "`function:processor`: memory\\_mb: 256 → 1024" in markdown.out
    piped = cli("diff", str(MVP), str(grown))
    assert json.loads(piped.out)["cost"]  # JSON when not on a terminal


def test_output_is_deterministic(cli):
    runs = [cli("diff", str(MVP), str(FANOUT), "--format", fmt).out for fmt in ("json", "text", "markdown")
            for _ in range(2)]
    assert runs[0] == runs[1] and runs[2] == runs[3] and runs[4] == runs[5]


# -- sides other than workload files: what a reviewed template brings (findings; maybe no estimate) ----------


def _side(findings=(), estimate=None, name="shop") -> Side:
    arch = Architecture(name, "us-east-1", {}, (), (), (), None, ())
    return Side(f"{name}.yaml", "template", name, arch, estimate, tuple(findings))


def _finding(resource="Orders", line=12, **changes) -> Finding:
    values = dict(rule="ADV-R007", problem="single-point-of-failure", severity="warning", resources=(resource,),
                  path=f"Resources/{resource}/Properties", line=line, column=5,
                  message=f"The queue {resource} has no dead-letter queue.", fix="Add a RedrivePolicy.")
    values.update(changes)
    return Finding(**values)


def test_findings_are_matched_by_identity_not_by_line():
    old = _side([_finding("Orders", 12), _finding("Audit", 30)])
    new = _side([_finding("Orders", 48), _finding("Invoices", 60)])  # Orders moved down, Audit fixed, Invoices new
    changed = compare(old, new).findings
    assert [f.resources for f in changed.added] == [("Invoices",)]
    assert [f.resources for f in changed.removed] == [("Audit",)]


def test_a_finding_suppressed_with_a_reason_is_resolved_and_one_without_is_not():
    where = ("Resources/Orders/Metadata/advisor/ignore/0", 10, 9)
    old = _side([_finding()])
    reasoned = _side([_finding(suppressed_by=Suppression("ADV-R007", "a batch job drains it", *where))])
    unreasoned = _side([_finding(suppressed_by=Suppression("ADV-R007", "", *where))])
    assert [f.resources for f in compare(old, reasoned).findings.removed] == [("Orders",)]
    assert not compare(old, unreasoned).findings
    assert [f.resources for f in compare(reasoned, old).findings.added] == [("Orders",)]


def test_a_side_without_an_estimate_compares_all_but_the_cost():
    diff = compare(_side([_finding()]), _side())
    assert diff.cost is None and diff.changed
    with pytest.raises(UsageError, match="needs the monthly cost of both sides"):
        check_limit(diff, parse_limit("10%"))


def test_the_readme_states_the_json_contract(cli, grown):
    """The README's example has every key the JSON has, at every level it shows, and no other."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Comparing two versions", 1)[1]
    example = json.loads(section.split("```json\n", 1)[1].split("```", 1)[0])
    _, data = diff_json(cli, MVP, grown, "--max-increase", "10%")
    assert set(example) == set(data)
    assert set(example["old"]) == set(data["old"]) == set(data["new"])
    assert set(example["cost"]) == set(data["cost"])
    assert set(example["cost"]["by_service"][0]) == set(data["cost"]["by_service"][0])
    assert set(example["components"]["changed"][0]) == set(data["components"]["changed"][0])
    assert set(example["max_increase"]) == set(data["max_increase"])
    for kind in ("services", "components", "flows", "decisions", "findings"):
        assert set(example[kind]) == set(data[kind])
    _, fanout = diff_json(cli, MVP, FANOUT)
    assert set(example["flows"]["added"][0]) == set(fanout["flows"]["added"][0])
    assert set(example["decisions"]["added"][0]) == set(fanout["decisions"]["added"][0])
    assert set(example["decisions"]["changed"][0]) == set(fanout["decisions"]["changed"][0])
