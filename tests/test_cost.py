"""`advisor cost`: the JSON contract, totals, formats, budgets, catalogs and the traffic sweep."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
import shutil
from decimal import Context, Decimal, localcontext

import pytest

from advisor.costing import estimate
from advisor.engine import recommend
from advisor.pricing.catalog import load_catalog
from advisor.workload import load_workload, load_workload_text
from tests.conftest import EXAMPLES, ROOT

LINE_KEYS = {"service", "component", "item", "quantity", "unit", "unit_price", "monthly_usd", "basis", "price_region",
             "price_as_of"}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_cost_json_contract_and_totals(cli, path):
    result = cli("cost", str(path), "--format", "json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert list(data)[:9] == ["workload", "region", "currency", "free_tier", "prices", "lines", "by_service",
                              "total_monthly_usd", "warnings"]
    assert data["currency"] == "USD" and data["free_tier"] is False
    assert set(data["prices"]) == {"source", "as_of", "exact"}
    lines = data["lines"]
    assert lines
    for line in lines:
        # `region` only on a line for a resource outside the workload's Region (a replica).
        assert set(line) - {"region"} == LINE_KEYS and line.get("region") != data["region"]
        # Every line of the bundled examples is priced at the Region's own price, dated; but a recovery stack's KMS
        # requests, in a Region whose catalog has no sourced KMS request price, which the warnings name.
        if line["price_region"] is not None:
            own = line["price_region"] == line.get("region", data["region"])
            assert own or (line["item"] == f"Requests ({line['region']} stack)" and any(
                w.startswith(f"{line['region']} has no catalog price for kms.requests") for w in data["warnings"]))
            assert line["price_as_of"]
        for key in ("quantity", "unit_price", "monthly_usd"):
            assert isinstance(line[key], str) and "E" not in line[key]
        # quantity × unit price is the line's amount, exactly
        assert Decimal(line["quantity"]) * Decimal(line["unit_price"]) == Decimal(line["monthly_usd"])
        assert line["basis"]
    with localcontext(Context(prec=120)):  # sums without rounding, as the estimate makes them
        total = sum(Decimal(line["monthly_usd"]) for line in lines)
        assert Decimal(data["total_monthly_usd"]) == total
        assert sum(Decimal(v) for v in data["by_service"].values()) == total
        for service, amount in data["by_service"].items():
            assert Decimal(amount) == sum(Decimal(x["monthly_usd"]) for x in lines if x["service"] == service)
    again = cli("cost", str(path), "--format", "json")
    assert again.out == result.out  # byte-identical


def _flash_sale():
    w = load_workload(str(ROOT / "examples" / "flash-sale-orders.yaml"))
    return w, estimate(w, recommend(w), load_catalog("us-east-1"))


def _line(est, component, item):
    (found,) = [x for x in est.lines if x.component == component and x.item.startswith(item)]
    return found


def test_flash_sale_lines_by_hand():
    # 12,000,000 requests/month, 2 KB requests, 1 KB responses, 1 write of a 2 KB item each, 40 GB stored;
    # usage.lambda: 80 ms, 512 MB; rule ADV-P002 puts functions on arm64. Unit prices: API Gateway REST
    # $3.50 per million (first 333M), SQS $0.40 per million, Lambda arm64 $0.0000133334 per GB-second and
    # $0.20 per million requests, DynamoDB $0.625 per million WRU, $0.25 per GB-month, PITR $0.20 per GB-month.
    _, est = _flash_sale()
    assert _line(est, "api:public", "REST API requests").monthly_usd == Decimal("42.00")
    sqs = _line(est, "queue:ingest", "Standard requests")
    # 12M sends + 1.2M receives + 1.2M deletes (batches of 10) + 5 pollers × 2,628,000 s / 20 s empty receives
    assert sqs.quantity == 12_000_000 + 1_200_000 + 1_200_000 + 657_000
    assert sqs.monthly_usd == Decimal("6.0228")
    duration = _line(est, "function:processor", "Duration (arm64")
    assert duration.quantity == Decimal(1_200_000) * Decimal("0.080") * Decimal("0.5")  # 48,000 GB-s
    assert duration.monthly_usd == Decimal("48000") * Decimal("0.0000133334")
    assert _line(est, "table:main", "Write request units").quantity == 24_000_000  # 2 WRU per 2 KB write
    assert _line(est, "table:main", "Write request units").monthly_usd == Decimal("15.000000")
    assert _line(est, "table:main", "Data storage").monthly_usd == Decimal("10.00")
    assert _line(est, "table:main", "Point-in-time").monthly_usd == Decimal("8.00")
    transfer = _line(est, "api:public", "Data transfer out")
    assert transfer.quantity == Decimal(12_000_000) / Decimal(1024 * 1024)  # 1 KB responses, GB = 1024³ bytes


def test_usage_override_wins_and_is_shared_by_derived_share():
    text = (ROOT / "examples" / "everything.yaml").read_text()
    w = load_workload_text(text, "everything.yaml")
    est = estimate(w, recommend(w), load_catalog("us-east-1"))
    requests = [x for x in est.lines if x.service == "lambda" and x.item == "Requests"]
    assert sum(x.quantity for x in requests) in range(3_000_000, 3_000_000 + len(requests))  # ceil per function
    assert all("usage.lambda.monthly_requests = 3,000,000" in x.basis for x in requests)


def test_free_tier_lowers_the_total_and_shows_free_lines(cli):
    path = str(ROOT / "examples" / "startup-mvp.yaml")
    off = json.loads(cli("cost", path, "--format", "json").out)
    on = json.loads(cli("cost", path, "--format", "json", "--free-tier").out)
    assert on["free_tier"] is True
    assert Decimal(on["total_monthly_usd"]) < Decimal(off["total_monthly_usd"])
    free = [x for x in on["lines"] if "free tier" in x["item"]]
    assert free and all(Decimal(x["monthly_usd"]) == 0 for x in free)
    lam = [x for x in on["lines"] if x["service"] == "lambda" and x["item"].startswith("Requests")]
    assert sum(Decimal(x["quantity"]) for x in lam) == sum(
        Decimal(x["quantity"]) for x in off["lines"] if x["service"] == "lambda" and x["item"] == "Requests")


def test_csv_and_markdown(cli):
    path = str(ROOT / "examples" / "order-fanout.yaml")
    data = json.loads(cli("cost", path, "--format", "json").out)
    rows = list(csv.DictReader(io.StringIO(cli("cost", path, "--format", "csv").out)))
    assert len(rows) == len(data["lines"]) + 1
    assert rows[-1]["service"] == "total" and rows[-1]["monthly_usd"] == data["total_monthly_usd"]
    md = cli("cost", path, "--format", "markdown").out
    assert md.startswith("# Monthly cost: order-fanout\n")
    assert f"prices as of {data['prices']['as_of']}" in md
    assert "| **Total** |" in md


def test_table_shows_the_catalog_date(cli):
    result = cli("cost", str(ROOT / "examples" / "startup-mvp.yaml"), "--format", "table")
    assert result.code == 0
    assert "prices as of 2026-11-28" in result.out
    assert "total" in result.out


def test_max_monthly_exits_1_only_when_exceeded(cli):
    path = str(ROOT / "examples" / "startup-mvp.yaml")
    over = cli("cost", path, "--format", "json", "--max-monthly", "1")
    assert over.code == 1
    assert json.loads(over.out)["total_monthly_usd"]  # the estimate is still printed
    assert "exceeds --max-monthly $1.00" in over.err
    assert cli("cost", path, "--format", "json", "--max-monthly", "1000").code == 0


def test_budget_below_the_estimate_warns_in_cost_and_recommend(cli, tmp_path):
    path = str(tmp_path / "everything.yaml")
    text = (ROOT / "examples" / "everything.yaml").read_text()
    Path(path).write_text(text.replace("monthly_budget_usd: 300", "monthly_budget_usd: 150"))
    cost = json.loads(cli("cost", path, "--format", "json").out)
    assert Decimal(cost["total_monthly_usd"]) > 150
    assert any("above the monthly budget of $150.00" in w for w in cost["warnings"])
    rec = json.loads(cli("recommend", path, "--format", "json").out)
    assert any("above the monthly budget of $150.00" in w for w in rec["warnings"])
    calm = json.loads(cli("recommend", str(ROOT / "examples" / "startup-mvp.yaml"), "--format", "json").out)
    assert not any("budget" in w for w in calm["warnings"])


def test_region_without_prices_is_approximate_and_strict_prices_names_every_key(cli):
    # af-south-1 has no catalog: the estimate stands on us-east-1's prices, says so on every line, in the
    # prices block and in a warning naming each key; --strict-prices refuses it and names every key.
    path = str(ROOT / "examples" / "startup-mvp.yaml")
    result = cli("cost", path, "--region", "af-south-1", "--format", "json")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert doc["prices"]["exact"] is False
    for line in doc["lines"]:
        assert line["price_region"] == "us-east-1" and "region" not in line  # the resource runs in af-south-1
    warning = next(w for w in doc["warnings"] if w.startswith("af-south-1 has no catalog price for "))
    keys = set(warning.split(" for ", 1)[1].split(":", 1)[0].split(", "))
    assert {"lambda.requests", "apigateway.rest-requests", "dynamodb.storage"} <= keys
    strict = cli("cost", path, "--region", "af-south-1", "--strict-prices")
    assert strict.code == 2 and "Traceback" not in strict.err
    assert all(key in strict.err for key in keys)
    assert "advisor prices update --region af-south-1" in strict.err
    exact = cli("cost", path, "--strict-prices", "--format", "json")
    assert exact.code == 0 and json.loads(exact.out)["prices"]["exact"] is True
    result = cli("cost", path, "--region", "eu-central-1")
    assert result.code == 0
    bad = cli("cost", str(ROOT / "examples" / "startup-mvp.yaml"), "--region", "mars-north-1")
    assert bad.code == 2 and "unknown region 'mars-north-1'" in bad.err


def test_catalog_lookup_order(cli, tmp_path, monkeypatch):
    path = str(ROOT / "examples" / "startup-mvp.yaml")
    base = json.loads(cli("cost", path, "--format", "json").out)
    bundled = ROOT / "advisor" / "pricing" / "prices" / "us-east-1.json"
    doc = json.loads(bundled.read_text())
    doc["prices"]["lambda.requests"]["tiers"][0]["usd"] = "0.000001"  # five times the real price
    user_dir = tmp_path / "user"
    user_dir.mkdir()
    (user_dir / "us-east-1.json").write_text(json.dumps(doc))
    explicit = tmp_path / "explicit.json"
    shutil.copy(bundled, explicit)

    monkeypatch.setenv("ADVISOR_PRICES_DIR", str(user_dir))
    user = json.loads(cli("cost", path, "--format", "json").out)
    lam = lambda d: next(x for x in d["lines"] if x["service"] == "lambda" and x["item"] == "Requests")  # noqa: E731
    assert lam(user)["unit_price"] == "0.000001" and lam(base)["unit_price"] == "0.0000002"
    pinned = json.loads(cli("cost", path, "--format", "json", "--catalog", str(explicit)).out)
    assert lam(pinned)["unit_price"] == "0.0000002"
    missing = cli("cost", path, "--catalog", str(tmp_path / "nowhere.json"))
    assert missing.code == 2 and "advisor prices update" in missing.err


def test_sweep_finds_a_break_even_that_matches_its_neighbours(cli):
    result = cli("cost", str(ROOT / "examples" / "startup-mvp.yaml"), "--format", "json", "--sweep")
    sweep = json.loads(result.out)["sweep"]
    points = sweep["points"]
    assert len(points) == 31
    assert Decimal(points[0]["scale"]) == Decimal("0.01") and Decimal(points[-1]["scale"]) == 1000
    be = sweep["break_even"]
    assert be is not None
    scale = Decimal(be["scale"])
    before = [p for p in points if Decimal(p["scale"]) < scale]
    after = [p for p in points if Decimal(p["scale"]) > scale]
    # Pay-per-use is cheaper on the grid point below the break-even and dearer on the one above it.
    assert Decimal(before[-1]["total_monthly_usd"]) <= Decimal(before[-1]["alternative_monthly_usd"])
    assert Decimal(after[0]["total_monthly_usd"]) > Decimal(after[0]["alternative_monthly_usd"])


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("free_tier", [False, True])
def test_request_tier_cost_is_the_request_tier_of_a_full_estimate(path, free_tier):
    """The break-even search prices only API Gateway, SQS and Lambda; those lines must be exactly the
    full estimate's, free tier included, at every scale."""
    from advisor.costing import REQUEST_TIER, request_tier_cost
    from advisor.sweep import factors

    workload = load_workload(str(path))
    arch = recommend(workload)
    prices = load_catalog(workload.region)
    for scale in factors(0.01, 1000, 7) + (Decimal("3.7"),):
        full = estimate(workload, arch, prices, free_tier=free_tier, scale=scale)
        with localcontext(Context(prec=120)):  # exactly, as the estimate's total sums its lines
            expected = sum((line.monthly_usd for line in full.lines if line.service in REQUEST_TIER), Decimal(0))
        assert request_tier_cost(workload, arch, prices, free_tier=free_tier, scale=scale) == expected


def test_break_even_bisection_matches_full_estimates_on_both_sides():
    """At the break-even found, full estimates agree: pay-per-use is dearer there and no dearer one
    bracket step below it."""
    from advisor.sweep import BISECT_RATIO, _point, factors, sweep
    from advisor.costing import Graph
    from advisor.sweep import Alternative

    for name in ("startup-mvp", "everything", "patient-portal", "payments-api"):
        workload = load_workload(str(ROOT / "examples" / f"{name}.yaml"))
        arch = recommend(workload)
        prices = load_catalog(workload.region)
        result = sweep(workload, arch, prices, factors(0.01, 1000, 11))
        assert result.break_even is not None, name
        graph, month = Graph(arch), estimate.__kwdefaults__["month"]
        above = _point(workload, graph, prices, result.break_even.scale, Alternative(), False, month)
        below = _point(workload, graph, prices, result.break_even.scale / BISECT_RATIO, Alternative(), False, month)
        assert above.total > above.alternative_total, name
        assert below.total <= below.alternative_total, name


def test_sweep_range_is_checked(cli):
    result = cli("cost", str(ROOT / "examples" / "startup-mvp.yaml"), "--sweep", "--sweep-range", "10:1")
    assert result.code == 2 and "--sweep-range" in result.err


def test_a_service_advisor_cannot_price_is_named_in_the_warnings(cli, tmp_path, monkeypatch):
    # Every bundled service is priced; one whose package had no cost step would be named, never a silent zero.
    import advisor.services
    from advisor.costing import graph_of, _unpriced
    from advisor.engine import recommend
    from advisor.workload import load_workload_text

    workload = load_workload_text("version: 1\nname: c\nrequirements:\n  security: {auth: cognito}\n")
    graph = graph_of(recommend(workload))
    assert _unpriced(graph) == ()
    monkeypatch.setattr("advisor.costing.priced", lambda s: s != "cognito")
    assert advisor.services.priced("cognito")
    [said] = _unpriced(graph)
    assert said.startswith("cognito is not priced by advisor yet") and "userpool:main" in said
    path = tmp_path / "cognito.yaml"
    path.write_text("version: 1\nname: c\nrequirements:\n  security: {auth: cognito}\n")
    data = json.loads(cli("cost", str(path), "--format", "json").out)
    assert any(line["service"] == "cognito" for line in data["lines"])
    assert cli("render", str(path), "-o", str(tmp_path / "out")).code == 0




# The Regions the bundled catalogs cover (issue: "Price every architecture in the Regions people use").
FOURTEEN = ("us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-west-1", "eu-west-2",
            "eu-central-1", "eu-north-1", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "ap-south-1",
            "sa-east-1")


@pytest.mark.parametrize("region", FOURTEEN)
def test_every_example_is_priced_in_each_of_the_fourteen_regions(cli, region):
    # Every example prices in every Region, the Region's own prices first; what it lacks is us-east-1's,
    # marked, and exactly then the estimate says it is approximate.
    from advisor.costing import estimate
    from advisor.engine import recommend
    from advisor.pricing.catalog import bundled_regions, load_catalog
    from advisor.workload import load_workload

    assert region in bundled_regions()
    prices = load_catalog(region)
    for path in EXAMPLES:
        workload = load_workload(str(path), region=region)
        est = estimate(workload, recommend(workload), prices)
        assert est.lines and est.total > 0
        own = [line for line in est.lines if line.price_region == line.region]
        assert own or region != "us-east-1"
        assert est.exact == all(line.price_region == line.region for line in est.lines if line.price_region)
        assert any(w.startswith(f"{region} has no catalog price") for w in est.warnings) == (
            not est.exact and any(line.region == region and line.price_region != region for line in est.lines))
    result = cli("cost", str(ROOT / "examples" / "everything.yaml"), "--region", region, "--format", "json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["region"] == region


def test_a_region_that_was_the_files_recovery_region_moves_the_recovery_to_its_pair(cli):
    # inventory-dr recovers into us-east-2; priced with --region us-east-2, it recovers into us-east-2's usual
    # pair (us-east-1) instead, and says so, rather than refusing the file.
    result = cli("cost", str(ROOT / "examples" / "inventory-dr.yaml"), "--region", "us-east-2", "--format", "json")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert any("recovers into us-east-1, us-east-2's usual pair" in w for w in doc["warnings"])
    assert any(line.get("region") == "us-east-1" for line in doc["lines"])
