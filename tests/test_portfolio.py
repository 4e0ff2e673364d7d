"""Portfolio runs: many files, folders and globs; bad files reported while the rest go on."""

from __future__ import annotations

import json
import random
from decimal import Decimal

import yaml

from advisor.catalog import load_catalog
from advisor.costing import estimate
from advisor.engine import recommend
from advisor.pricing.catalog import load_catalog as load_prices
from advisor.workload import load_workload
from tests.conftest import ROOT

CATALOG = load_catalog()
PROBLEMS = sorted(CATALOG.problems)
REQUIREMENTS = sorted(CATALOG.requirements)


def _generate(folder, count: int, bad: int, seed: int = 7) -> tuple[list, list]:
    rng = random.Random(seed)
    good_paths, bad_paths = [], []
    bad_at = set(rng.sample(range(count), bad))
    for i in range(count):
        doc = {
            "version": 1, "name": f"w{i:04d}",
            "problems": rng.sample(PROBLEMS, rng.randint(0, 3)),
            "requirements": {r: True for r in rng.sample(REQUIREMENTS, rng.randint(1, 3))},
            "traffic": {"requests_per_month": rng.randint(0, 50_000_000),
                        "peak_requests_per_second": rng.randint(1, 3000),
                        "request_kb": rng.choice([1, 2, 4, 64, 200]), "response_kb": rng.choice([0, 1, 2, 8]),
                        "writes_per_request": rng.choice([0, 0.5, 1, 2]),
                        "reads_per_request": rng.choice([0, 1, 3])},
            "data": {"item_kb": rng.choice([0.5, 1, 3, 40]), "storage_gb": rng.randint(0, 500)},
        }
        if "disaster-recovery" in doc["requirements"]:
            # Any objective some strategy reaches (an RPO of 0 is refused: replication is asynchronous).
            doc["requirements"]["disaster-recovery"] = {"rpo_minutes": rng.choice([0.05, 5, 60, 1440]),
                                                         "rto_minutes": rng.choice([0, 30, 240, 1440])}
        path = folder / f"w{i:04d}.yaml"
        if i in bad_at:
            doc["problems"] = ["not-a-problem"]
            bad_paths.append(path)
        else:
            good_paths.append(path)
        path.write_text(yaml.safe_dump(doc))
    return good_paths, bad_paths


def test_a_thousand_workloads_with_ten_bad(cli, tmp_path):
    good, bad = _generate(tmp_path, 1000, 10)
    result = cli("cost", str(tmp_path), "--format", "jsonl", "--jobs", "2")
    assert result.code == 2
    records = [json.loads(line) for line in result.out.splitlines()]
    assert len(records) == 1000
    assert [r["file"] for r in records] == sorted(r["file"] for r in records)
    failed = sorted(r["file"] for r in records if "errors" in r)
    assert failed == sorted(str(p) for p in bad)
    assert "10 of 1000 workload files had errors" in result.err
    assert result.err.count("unknown problem 'not-a-problem'") == 10
    # The portfolio's totals equal the sum of single-file estimates.
    prices = load_prices("us-east-1")
    singles = Decimal(0)
    for path in good:
        w = load_workload(str(path))
        singles += estimate(w, recommend(w), prices).total
    portfolio = sum(Decimal(r["total_monthly_usd"]) for r in records if "errors" not in r)
    assert portfolio == singles


def test_json_summary_and_single_file_equivalence(cli, tmp_path):
    for name in ("startup-mvp", "order-fanout", "payments-api"):
        (tmp_path / f"{name}.yaml").write_text((ROOT / "examples" / f"{name}.yaml").read_text())
    data = json.loads(cli("cost", str(tmp_path / "*.yaml"), "--format", "json").out)
    summary = data["summary"]
    assert summary["files"] == 3 and summary["bad_files"] == []
    for record in data["workloads"]:
        single = json.loads(cli("cost", record["file"], "--format", "json").out)
        # A portfolio's record is the single estimate without the alternatives it is compared with.
        assert "alternatives" not in record and single["alternatives"]
        assert {k: v for k, v in record.items() if k != "file"} == {k: v for k, v in single.items()
                                                                    if k != "alternatives"}
    total = sum(Decimal(w["monthly_usd"]) for w in summary["by_workload"])
    assert Decimal(summary["total_monthly_usd"]) == total
    assert sum(Decimal(v) for v in summary["by_service"].values()) == total


def test_recommend_portfolio_jsonl_matches_single_runs(cli):
    files = [str(ROOT / "examples" / "startup-mvp.yaml"), str(ROOT / "examples" / "everything.yaml")]
    lines = cli("recommend", *files, "--format", "jsonl").out.splitlines()
    for line in lines:
        record = json.loads(line)
        single = json.loads(cli("recommend", record["file"], "--format", "json").out)
        assert {k: v for k, v in record.items() if k != "file"} == single


def test_portfolio_rejects_single_file_formats_and_missing_paths(cli, tmp_path):
    examples = str(ROOT / "examples")
    result = cli("cost", examples, "--format", "csv")
    assert result.code == 2 and "several files take table, json or jsonl" in result.err
    result = cli("recommend", str(tmp_path / "nothing-*.yaml"))
    assert result.code == 2 and "no files match" in result.err
    result = cli("cost", examples, "--sweep")
    assert result.code == 2 and "one workload at a time" in result.err


def test_portfolio_recommend_reports_an_unpriceable_budget_like_a_single_run(cli, tmp_path):
    # A budget in a Region without bundled prices: checked on us-east-1's prices with a warning saying so, not
    # a failed file, in both modes.
    doc = {"version": 1, "name": "b", "region": "af-south-1",
           "requirements": {"cost-optimization": {"monthly_budget_usd": 10}}}
    for name in ("a", "b"):
        (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump(doc))
    lines = cli("recommend", str(tmp_path), "--format", "jsonl")
    assert lines.code == 0, lines.err
    single = json.loads(cli("recommend", str(tmp_path / "a.yaml"), "--format", "json").out)
    record = json.loads(lines.out.splitlines()[0])
    assert {k: v for k, v in record.items() if k != "file"} == single
    assert any(w.startswith("af-south-1 has no catalog price for ") for w in single["warnings"])
