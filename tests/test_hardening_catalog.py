"""User price catalogs (--catalog) are validated strictly, and CSV output cannot start a spreadsheet formula."""

from __future__ import annotations

import copy
import csv
import io
import json

import pytest

from tests.conftest import ROOT

MVP = ROOT / "examples" / "startup-mvp.yaml"
BUNDLED = json.loads((ROOT / "advisor" / "pricing" / "prices" / "us-east-1.json").read_text(encoding="utf-8"))


def write_catalog(tmp_path, change) -> str:
    data = copy.deepcopy(BUNDLED)
    change(data)
    path = tmp_path / "us-east-1.json"
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return str(path)


def set_usd(value):
    def change(data):
        data["prices"]["lambda.requests"]["tiers"][0]["usd"] = value
    return change


@pytest.mark.parametrize("change, words", [
    (set_usd("1e308"), "outside"),
    (set_usd("1E+308"), "outside"),
    (set_usd("1e-999999"), "outside"),
    (set_usd("9" * 200), "characters"),
    (lambda d: d["prices"]["lambda.requests"].update(as_of="2026-02-30"), "not a date"),
    (lambda d: d.update(as_of="2026-13-01"), "not a date"),
    (lambda d: d["prices"]["lambda.requests"]["tiers"][0].update(end="1e400"), "outside"),
    (lambda d: d["free_tier"][next(iter(d["free_tier"]))].update(quantity="1e-999999999"), None),
])
def test_bad_catalog_values_are_refused_naming_file_and_key(cli, tmp_path, change, words):
    path = write_catalog(tmp_path, change)
    result = cli("cost", str(MVP), "--catalog", path, "--format", "json")
    if words is None:  # a tiny allowance is legal, but must not crash
        assert result.code in (0, 2) and "internal error" not in result.err, result.err
        return
    assert result.code == 2, result.err
    assert result.out == ""
    assert result.err.startswith(path + ":"), result.err
    assert words in result.err and "Traceback" not in result.err
    if "as_of" not in result.err or "lambda.requests" in result.err:
        line = int(result.err.split(":")[1])
        assert line > 1


def test_catalog_key_line_is_the_keys_line(cli, tmp_path):
    path = write_catalog(tmp_path, set_usd("1e308"))
    result = cli("cost", str(MVP), "--catalog", path)
    line = int(result.err.split(":")[1])
    assert '"lambda.requests"' in open(path).read().splitlines()[line - 1]
    assert "lambda.requests" in result.err


@pytest.mark.parametrize("content", [b"\xff\xfe{}", b"[" * 100_000, b"{\"region\": "])
def test_unreadable_catalogs_exit_2(cli, tmp_path, content):
    path = tmp_path / "us-east-1.json"
    path.write_bytes(content)
    result = cli("cost", str(MVP), "--catalog", str(path))
    assert result.code == 2, result.err
    assert result.err.startswith(str(path) + ":") and "internal error" not in result.err


@pytest.mark.parametrize("cell, shown", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("+1+1", "'+1+1"), ("-1+cmd|' /C calc'!A0", "'-1+cmd|' /C calc'!A0"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("-0.25", "-0.25"), ("12", "12"), ("lambda", "lambda"),
])
def test_csv_cells_never_start_a_formula(cell, shown):
    from advisor.costviews import csv_cell

    assert csv_cell(cell) == shown


def test_cost_csv_neutralises_formula_units_from_a_catalog(cli, tmp_path):
    path = write_catalog(tmp_path, lambda d: d["prices"]["lambda.requests"].update(unit="=HYPERLINK(\"http://evil\")"))
    result = cli("cost", str(MVP), "--catalog", path, "--format", "csv")
    assert result.code == 0, result.err
    cells = [cell for row in csv.reader(io.StringIO(result.out)) for cell in row]
    assert cells and not any(cell.startswith(("=", "+", "@")) for cell in cells)
    assert any(cell.startswith("'=HYPERLINK") for cell in cells)


MAX_WORKLOAD = """version: 1
name: biggest
problems: [scalability-issues, limited-monitoring-governance, disaster-recovery-gaps]
requirements:
  cost-optimization: {monthly_budget_usd: 1}
traffic: {requests_per_month: 1000000000000000, peak_requests_per_second: 10000000, request_kb: 200}
data: {item_kb: 400, storage_gb: 1000000}
"""


def test_the_largest_allowed_prices_are_shown_not_crashed_on(cli, tmp_path):
    """Every price at the $10^6 bound and the largest traffic: sums beyond 28 digits are still rounded for display."""
    prices = tmp_path / "prices"
    prices.mkdir()
    for source in (ROOT / "advisor" / "pricing" / "prices").glob("*.json"):
        data = json.loads(source.read_text(encoding="utf-8"))
        for entry in data["prices"].values():
            for tier in entry["tiers"]:
                tier["usd"] = "1000000"
        (prices / source.name).write_text(json.dumps(data), encoding="utf-8")
    workload = tmp_path / "biggest.yaml"
    workload.write_text(MAX_WORKLOAD, encoding="utf-8")
    for fmt in ("table", "markdown", "json", "csv"):
        result = cli("cost", str(workload), "--catalog", str(prices), "--format", fmt,
                     "--sweep", "--sweep-points", "5", "--sweep-range", "0.01:99999999")
        assert result.code == 0, (fmt, result.err)
    result = cli("render", str(workload), "--catalog", str(prices), "-o", str(tmp_path / "out"))
    assert result.code == 0, result.err
