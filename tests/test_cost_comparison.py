"""The cost comparison: the always-on fleet priced as it runs, the API type on true grounds, every crossing, the
alternatives' lines in the JSON estimate, and the report's chart as Mermaid's parser reads it.

Prices (us-east-1 catalog): Fargate arm64 $0.03238 per vCPU-hour and $0.00356 per GB-hour (AWS Price List
bulk files, as summarised in the catalog's sources); ALB $0.0225 an hour and $0.008 per LCU-hour (Infracost
`lb_test` golden: 730 h $16.43, $5.84 per LCU-month); public IPv4 $0.005 per address-hour since 2024-02-01
(AWS News Blog, "New - AWS Public IPv4 Address Charge + Public IP Insights", 2023-07-28); API Gateway REST
$3.50 and HTTP $1.00 per million requests (aws.amazon.com/api-gateway/pricing/). What one LCU covers, per hour
(aws.amazon.com/elasticloadbalancing/pricing/): 25 new connections a second, 3,000 active connections a minute,
1 GB processed for container targets, 1,000 rule evaluations a second beyond 10 free rules.
"""

from __future__ import annotations

import json
import math
from decimal import Context, Decimal, localcontext

import pytest

from advisor.costing import REQUEST_TIER, estimate
from advisor.engine import recommend
from advisor.errors import InputError
from advisor.pricing.base import Month
from advisor.pricing.catalog import load_catalog
from advisor.sweep import (
    ALWAYS_ON, HTTP_LINE, PAY_PER_USE, Alternative, _point, alternative_lines, alternatives, factors, fleet,
    http_variant, sweep,
)
from advisor.workload import load_workload, load_workload_text
from tests.conftest import EXAMPLES, ROOT

USE1 = load_catalog("us-east-1")
DAYS_30 = Month.of_days(30)  # 720 hours: whole days keep the hand arithmetic short

# A business day: 1 part of the day's requests in each night hour (00:00-07:00), 5 in each office hour
# (08:00-17:00), 2 in each evening hour (18:00-23:00): 8 + 50 + 12 = 70 parts.
BUSINESS_DAY = [1] * 8 + [5] * 10 + [2] * 6


def _close(a: Decimal, b: Decimal) -> bool:
    """Equal but for the last of 28 digits (a sum of thirds rounds differently from their product)."""
    return abs(a - b) < Decimal("1e-20")


def _workload(traffic: str, extra: str = "") -> object:
    return load_workload_text(f"version: 1\nname: fleet\nproblems: [scalability-issues]\ntraffic: {traffic}\n{extra}")


def _business(peak: int = 1500) -> object:
    # 21,000,000 requests in a 30-day month: 700,000 a day, 10,000 per part of the profile.
    return _workload("{requests_per_month: 21000000, peak_requests_per_second: %d, request_kb: 4, response_kb: 2, "
                     "hourly_profile: %s}" % (peak, BUSINESS_DAY))


# --- the fleet, by hand ---------------------------------------------------------------------------------------


def test_fleet_follows_the_stated_hourly_profile():
    # The busiest hours (5 parts) carry the stated peak, 1,500 requests/s: ceil(1500 / 250) = 6 tasks. An evening
    # hour (2 parts) carries 1500 × 2/5 = 600/s: 3 tasks; a night hour 1500 × 1/5 = 300/s: 2 tasks.
    f = fleet(_business(), Decimal(1), Alternative(), DAYS_30)
    assert [h.tasks for h in f.hours] == [2] * 8 + [6] * 10 + [3] * 6
    assert f.peak_tasks == 6 and f.busiest.hour == 8 and f.stated
    # 8 × 2 + 10 × 6 + 6 × 3 = 94 task-hours a day, × 30 days; the peak around the clock would be 6 × 720 = 4,320.
    assert f.task_hours == 94 * 30 == 2820
    # Each hour's requests: 10,000 per part. A night hour: 10,000 / 3,600 s = 2.7778 new connections a second
    # = 0.11111 LCU; its bytes, 10,000 × 6 KB / 1024² = 0.0572 GB = 0.0572 LCU; the larger is billed.
    night, office = f.hours[0], f.hours[8]
    assert night.requests == Decimal(10000) and office.requests == Decimal(50000)
    dims = dict(night.dimensions)
    assert dims["new connections"] == Decimal(10000) / 3600 / 25
    assert dims["processed bytes"] == Decimal(10000 * 6) / (1024 * 1024)
    assert dims["rule evaluations"] == 0  # one listener rule, within the ten free ones
    # Active connections: 2.7778/s × 0.1 s held (the function's default duration) = 0.28 at once ÷ 3,000.
    assert dims["active connections"] == Decimal(10000) / 3600 * Decimal("0.1") / 3000
    assert night.lcu == dims["new connections"]
    # New connections win every hour here: 70 parts × 10,000 requests / 3,600 / 25 LCU a day, × 30 days.
    assert _close(f.lcu_hours, Decimal(700000) / 3600 / 25 * 30)


def test_fleet_lines_priced_by_hand():
    lines, f = alternative_lines(_business(), USE1, Decimal(1), Alternative(), DAYS_30)
    amounts = {line.item: line.monthly_usd for line in lines}
    # 2,820 task-hours × 0.5 vCPU × $0.03238 = $45.6558; × 1 GB × $0.00356 = $10.0392.
    assert amounts["vCPU (arm64)"] == Decimal("45.6558")
    assert amounts["Memory (arm64)"] == Decimal("10.03920")
    # The load balancer: 720 h × $0.0225 = $16.20; 233.33 LCU-hours × $0.008 = $1.8667.
    assert amounts["Application Load Balancer"] == Decimal("16.2000")
    assert _close(amounts["Load balancer capacity units"], Decimal(700000) / 3600 / 25 * 30 * Decimal("0.008"))
    # Public IPv4: two load balancer nodes all month, 2 × 720 × $0.005 = $7.20; one per task-hour,
    # 2,820 × $0.005 = $14.10.
    assert amounts["Public IPv4 addresses (load balancer nodes)"] == Decimal("7.200")
    assert amounts["Public IPv4 addresses (tasks)"] == Decimal("14.100")
    assert {line.service for line in lines} == {"fargate", "alb", "vpc"}
    for line in lines:
        assert line.quantity * line.unit_price == line.monthly_usd and line.basis
    ipv4 = next(line for line in lines if line.item == "Public IPv4 addresses (tasks)")
    assert ipv4.unit == "IP-hours" and ipv4.price_key == "vpc.public-ipv4-address-hours"


def test_processed_bytes_win_when_payloads_are_large():
    # 100 KB in and 100 KB out: a night hour's 10,000 requests move 10,000 × 200 KB / 1024² = 1.907 GB
    # = 1.907 LCU, more than its 0.111 LCU of new connections.
    w = _workload("{requests_per_month: 21000000, peak_requests_per_second: 1500, request_kb: 100, "
                  "response_kb: 100, hourly_profile: %s}" % BUSINESS_DAY)
    night = fleet(w, Decimal(1), Alternative(), DAYS_30).hours[0]
    assert night.lcu == dict(night.dimensions)["processed bytes"] == Decimal(10000 * 200) / (1024 * 1024)


def test_fleet_without_a_profile_runs_the_peak_for_one_hour():
    # 2,190,000 requests in 730 hours: 72,000 a day. The peak, 10/s, for a whole hour is 36,000; the other
    # 23 hours share the other 36,000 (1,565.2 an hour, 0.43/s): 2 tasks each; the busy hour 2 tasks too.
    w = _workload("{requests_per_month: 2190000, peak_requests_per_second: 10}")
    f = fleet(w, Decimal(1), Alternative())
    assert not f.stated and _close(f.busiest.requests, Decimal(36000))
    assert all(_close(h.requests, Decimal(36000) / 23) for h in f.hours[1:])
    # At 100×: the busy hour at 1,000/s needs 4 tasks, the others 43.5/s need 2.
    f100 = fleet(w, Decimal(100), Alternative())
    assert f100.peak_tasks == 4 and [h.tasks for h in f100.hours].count(2) == 23
    assert f100.task_hours == (4 + 23 * 2) * Decimal(730) / 24
    # The same traffic spread evenly by a stated profile never idles: every hour sized for the peak.
    flat = _workload("{requests_per_month: 2190000, peak_requests_per_second: 10, hourly_profile: %s}" % ([1] * 24))
    assert fleet(flat, Decimal(100), Alternative()).task_hours == 4 * 730


def test_hourly_profile_is_checked():
    with pytest.raises(InputError) as short:
        _workload("{hourly_profile: [1, 2, 3]}")
    assert "at least 24" in short.value.diagnostics[0].message
    with pytest.raises(InputError) as zero:
        _workload("{hourly_profile: %s}" % ([0] * 24))
    message = zero.value.diagnostics[0]
    assert "every hour is 0" in message.message and message.line == 4 and message.hint
    # 1,000,000 a month, all in one hour: 32,877 in that hour a day, 9.1/s, above a stated peak of 5.
    over = _workload("{requests_per_month: 1000000, peak_requests_per_second: 5, hourly_profile: %s}"
                     % ([0] * 23 + [1]))
    assert any("busiest hour of traffic.hourly_profile (23:00)" in w for w in over.warnings)


def test_the_schema_describes_the_profile(cli):
    schema = json.loads(cli("schema").out)
    profile = schema["properties"]["traffic"]["properties"]["hourly_profile"]
    assert profile["minItems"] == profile["maxItems"] == 24 and profile["items"]["minimum"] == 0
    committed = json.loads((ROOT / "workload.schema.json").read_text())
    assert committed == schema


# --- the API type and the HTTP API line ----------------------------------------------------------------------


def test_the_api_type_is_refused_on_true_grounds(cli, tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text("version: 1\nname: w\nproblems: [scalability-issues]\nusage:\n  apigateway: {type: http}\n")
    result = cli("validate", str(path))
    assert result.code == 2
    said = " ".join(result.err.split())
    # The reasons given are REST-only features; SQS and IAM are named only as what an HTTP API also does.
    assert "validates request bodies" in said and "X-Ray" in said
    assert "an HTTP API also sends straight to SQS and accepts IAM authorisation" in said
    assert "direct SQS integration it configures" not in said


def test_rest_api_grounds_and_the_http_variant():
    from advisor.services.apigateway import rest_only

    w = load_workload(str(ROOT / "examples" / "everything.yaml"))
    arch = recommend(w)
    (api,) = arch.of_service("apigateway")
    reasons = rest_only(api, arch.edges_from(api.id))
    assert [r.feature for r in reasons] == ["request body validation against the item model",
                                            "X-Ray tracing of the stage"]
    assert not any(r.needed for r in reasons)
    variant = http_variant(arch)
    assert variant is not None and variant.gives_up == tuple(r.feature for r in reasons)
    assert variant.graph.components[api.id].settings["type"] == "http"
    assert arch.components[api.id].settings["type"] == "rest"  # the design itself is untouched


@pytest.mark.parametrize("auth", ["iam", "cognito", "lambda-authorizer"])
def test_authorisation_is_no_reason_for_rest(auth):
    w = load_workload_text("version: 1\nname: w\nproblems: [scalability-issues]\n"
                           f"requirements:\n  security: {{auth: {auth}}}\n")
    assert http_variant(recommend(w)) is not None


def test_a_claim_check_needs_rest_and_has_no_http_line():
    # ADV-R018: a 2 MB body goes to S3 through the API's S3 PutObject integration, which HTTP APIs lack.
    w = load_workload_text("version: 1\nname: w\nproblems: [scalability-issues]\n"
                           "traffic: {request_kb: 2048, peak_requests_per_second: 10}\n")
    arch = recommend(w)
    assert arch.of_service("s3"), "the claim check should be in the design"
    from advisor.services.apigateway import rest_only

    (api,) = arch.of_service("apigateway")
    assert any(r.needed and "S3 PutObject" in r.feature for r in rest_only(api, arch.edges_from(api.id)))
    assert http_variant(arch) is None
    est = estimate(w, arch, USE1)
    assert [a.id for a in alternatives(w, arch, USE1, est)] == [ALWAYS_ON]
    assert sweep(w, arch, USE1, factors(0.1, 10, 3)).http is None


def test_http_line_prices_http_requests_at_every_scale():
    w = load_workload(str(ROOT / "examples" / "startup-mvp.yaml"))
    arch = recommend(w)
    result = sweep(w, arch, USE1, factors(0.01, 1000, 7))
    assert result.http is not None
    for p in result.points:
        full = estimate(w, arch, USE1, scale=p.scale)
        rest = sum((x.monthly_usd for x in full.lines if x.item.startswith("REST API requests")), Decimal(0))
        requests = next(x.quantity for x in full.lines if x.item.startswith("REST API requests"))
        # Under 300 million a month, an HTTP API request (up to 512 KB) costs $1.00 per million.
        assert requests < 300_000_000 or p.scale == 1000
        if requests < 300_000_000:
            with localcontext(Context(prec=120)):
                assert p.http_total == full.total - rest + requests * Decimal("0.000001")
        assert p.http_total < p.total


# --- every crossing --------------------------------------------------------------------------------------------


ZIGZAG = ("{requests_per_month: 2600000, peak_requests_per_second: 1, request_kb: 1, response_kb: 1, "
          "hourly_profile: %s}" % ([1] * 24))


def test_every_crossing_is_found_when_the_lines_cross_more_than_once():
    # A flat day at 2 requests/s per task: the fleet adds a task at every 2 requests/s of peak, a step up
    # each time, while pay-per-use climbs smoothly between the steps, so the two lines cross back and forth.
    w = _workload(ZIGZAG)
    arch = recommend(w)
    alt = Alternative(rps_per_task=Decimal(2))
    result = sweep(w, arch, USE1, factors(0.1, 100, 61), alternative=alt)
    mine = [c for c in result.crossings if c.line == PAY_PER_USE]
    assert len(mine) >= 3
    # They alternate, and the first is where pay-per-use stops being cheaper: the break-even.
    assert [c.cheaper_above for c in mine[:3]] == [ALWAYS_ON, PAY_PER_USE, ALWAYS_ON]
    assert result.break_even is not None and result.break_even.scale == mine[0].scale
    # Each crossing holds against full estimates on both sides of it.
    from advisor.costing import Graph

    graph, month = Graph(arch), estimate.__kwdefaults__["month"]
    for c in mine:
        above = _point(w, graph, USE1, c.scale, alt, False, month)
        below = _point(w, graph, USE1, c.scale / Decimal("1.000001"), alt, False, month)
        cheaper_above = above.total <= above.alternative_total
        assert cheaper_above == (c.cheaper_above == PAY_PER_USE), c
        assert (below.total <= below.alternative_total) != cheaper_above, c
    # Between two neighbouring points, a change of order is one crossing; no change, none.
    points = result.points
    changes = sum((a.total <= a.alternative_total) != (b.total <= b.alternative_total)
                  for a, b in zip(points, points[1:]))
    assert changes == len(mine)


def test_crossings_in_the_json_estimate(cli, tmp_path):
    path = tmp_path / "zigzag.yaml"
    path.write_text(f"version: 1\nname: zigzag\nproblems: [scalability-issues]\ntraffic: {ZIGZAG}\n")
    result = cli("cost", str(path), "--format", "json", "--sweep", "--sweep-range", "0.1:100", "--sweep-points", "61",
                 "--alt-rps-per-task", "2")
    assert result.code == 0, result.err
    sweep_json = json.loads(result.out)["sweep"]
    crossings = sweep_json["crossings"]
    assert {c["line"] for c in crossings} <= {PAY_PER_USE, HTTP_LINE}
    assert sum(c["line"] == PAY_PER_USE for c in crossings) >= 3
    assert sweep_json["break_even"]["scale"] == crossings[0]["scale"]
    assert sweep_json["alternative"]["hourly_profile"] == "stated"
    for c in crossings:
        # At a crossing the order is the new one: where the fleet adds a task, the always-on line jumps past.
        cheaper = Decimal(c["monthly_usd"]) <= Decimal(c["alternative_monthly_usd"])
        assert cheaper == (c["cheaper_above"] != ALWAYS_ON), c
    csv_out = cli("cost", str(path), "--format", "csv", "--sweep", "--sweep-range", "0.1:100", "--sweep-points", "61",
                  "--alt-rps-per-task", "2").out
    section = csv_out.split("\n\n")[3].strip().splitlines()
    assert section[0].startswith("crossing_line,crossing_scale,") and len(section) == 1 + len(crossings)


# --- the alternatives in the JSON estimate ----------------------------------------------------------------------


ALT_LINE_KEYS = {"service", "component", "item", "quantity", "unit", "unit_price", "monthly_usd", "basis",
                 "price_region", "price_as_of"}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_alternatives_block_in_the_json_estimate(cli, path):
    data = json.loads(cli("cost", str(path), "--format", "json").out)
    alts = {a["id"]: a for a in data["alternatives"]}
    arch_services = set(data["by_service"])
    has_tier = bool(arch_services & REQUEST_TIER)
    assert (ALWAYS_ON in alts) == has_tier
    for alt in alts.values():
        assert set(alt) == {"id", "title", "replaces", "lines", "monthly_usd", "replaced_monthly_usd",
                            "total_monthly_usd", "notes"}
        for line in alt["lines"]:
            assert set(line) == ALT_LINE_KEYS
            # quantity × unit price is the amount, as the estimate's own lines are (28 digits)
            assert Decimal(line["quantity"]) * Decimal(line["unit_price"]) == Decimal(line["monthly_usd"])
            assert line["basis"] and line["price_as_of"]
    with localcontext(Context(prec=120)):  # sums without rounding, as the estimate makes them
        total = Decimal(data["total_monthly_usd"])
        for alt in alts.values():
            own = sum(Decimal(x["monthly_usd"]) for x in alt["lines"])
            assert Decimal(alt["monthly_usd"]) == own
            replaced = sum(Decimal(x["monthly_usd"]) for x in data["lines"] if x["service"] in alt["replaces"])
            assert Decimal(alt["replaced_monthly_usd"]) == replaced
            assert Decimal(alt["total_monthly_usd"]) == total - replaced + own
        # The estimate itself is untouched: no alternative line among its lines or in its total.
        assert total == sum(Decimal(x["monthly_usd"]) for x in data["lines"])
    assert not {x["service"] for x in data["lines"]} & {"fargate", "alb", "vpc"}
    if has_tier:
        items = {x["item"] for x in alts[ALWAYS_ON]["lines"]}
        assert {"Application Load Balancer", "Load balancer capacity units", "Public IPv4 addresses (load balancer nodes)",
                "Public IPv4 addresses (tasks)"} <= items
        assert any("hourly_profile" in n for n in alts[ALWAYS_ON]["notes"])  # no example states one


def test_always_on_alternative_at_today_matches_the_sweep(cli):
    path = str(ROOT / "examples" / "everything.yaml")
    data = json.loads(cli("cost", path, "--format", "json", "--sweep", "--sweep-points", "11").out)
    alts = {a["id"]: a for a in data["alternatives"]}
    today = next(p for p in data["sweep"]["points"] if Decimal(p["scale"]) == 1)
    assert Decimal(alts[ALWAYS_ON]["total_monthly_usd"]) == Decimal(today["alternative_monthly_usd"])
    assert Decimal(alts["http-api"]["total_monthly_usd"]) == Decimal(today["http_api_total_monthly_usd"])
    # everything.yaml: 10,000,000 requests, all through the REST API at $3.50 per million = $35; as an HTTP
    # API at $1.00 per million, $10.
    assert Decimal(alts["http-api"]["replaced_monthly_usd"]) == Decimal("35")
    assert Decimal(alts["http-api"]["monthly_usd"]) == Decimal("10")


def test_markdown_shows_the_alternatives_and_every_crossing(cli):
    out = cli("cost", str(ROOT / "examples" / "startup-mvp.yaml"), "--format", "markdown", "--sweep").out
    assert "## Alternative: Application Load Balancer and Fargate tasks" in out
    assert "## Alternative: The same design with HTTP APIs in place of REST APIs" in out
    assert "| With HTTP APIs |" in out and "Every crossing in this range:" in out


# --- the report's chart ----------------------------------------------------------------------------------------


def _report(cli, path, out) -> str:
    result = cli("render", str(path), "-o", str(out))
    assert result.code == 0, result.err
    return (out / "ARCHITECTURE.md").read_text(encoding="utf-8")


def test_report_chart_parses_with_legend_and_crossings_marked(cli, tmp_path):
    from tests.validators import require_mermaid
    from tests.validators.mermaid import mermaid_blocks
    from tests.validators.xychart import read_all

    require_mermaid()
    names = ("startup-mvp", "everything", "flash-sale-orders", "payments-api")
    reports = {name: _report(cli, ROOT / "examples" / f"{name}.yaml", tmp_path / name) for name in names}
    charts = {name: next(b for b in mermaid_blocks(md) if b.startswith("xychart")) for name, md in reports.items()}
    read = dict(zip(charts, read_all(list(charts.values()))))
    for name, chart in read.items():
        assert "error" not in chart, (name, chart)
        lines = [p for p in chart["plots"] if p["type"] == "line"]
        bars = [p for p in chart["plots"] if p["type"] == "bar"]
        # The legend: Mermaid shows it, and every series has a title naming it.
        assert chart["showLegend"] and all(p["title"] for p in chart["plots"])
        assert [p["title"] for p in lines] == ["Pay-per-use, as deployed", "Pay-per-use with HTTP APIs",
                                               "Always-on, ALB and Fargate"]
        # The same names in the legend table right under the chart.
        md = reports[name]
        table = md[md.index(charts[name]):].split("\n\n", 2)[1]
        for p in chart["plots"]:
            assert f"| {p['title']} |" in table, (name, p["title"])
        # A logarithmic axis: log10 of the dollars.
        assert "log scale" in chart["y"]["title"]
        # Every crossing a category of its own, marked by a bar as high as the lines where they meet.
        categories = chart["x"]["categories"]
        (bar,) = bars
        marked = [i for i, c in enumerate(categories) if c.endswith("crossing")]
        assert marked and [i for i, v in enumerate(bar["values"]) if v > chart["y"]["min"]] == marked
        always = lines[2]["values"]
        for i in marked:
            # The bar is as high as the pay-per-use line that crosses there, and that line changes order with
            # the always-on one between the category before and this one.
            crossing = [p["values"] for p in lines[:2] if math.isclose(p["values"][i], bar["values"][i], abs_tol=1e-9)]
            assert any((v[i - 1] - always[i - 1]) * (v[i] - always[i]) <= 0 for v in crossing), (name, i)
        assert "Crosses the always-on line at" in md


def test_chart_values_are_the_sweep_costs_on_a_log_axis():
    from advisor.render.mermaid import cost_chart

    text = cost_chart(["1x", "10x crossing"], [("A", [Decimal("0.5"), Decimal("120")]), ("B", [Decimal(100),
                      Decimal(120)])], "T", ("Crossing", [None, Decimal(120)]))
    assert 'y-axis "USD per month, log scale: 0 = $1, 1 = $10, 2 = $100, 3 = $1,000" -1 --> 3' in text
    assert 'line "A" [-0.301, 2.079]' in text and 'line "B" [2.000, 2.079]' in text
    assert 'bar "Crossing" [-1.000, 2.079]' in text
    assert text.index("bar ") < text.index("line ")  # the lines are drawn over the bars


def test_a_design_without_a_request_tier_gets_no_always_on_chart(cli, tmp_path):
    md = _report(cli, ROOT / "examples" / "inventory-dr.yaml", tmp_path)
    assert "No always-on comparison: the design has no" in md and "xychart" not in md


def test_the_starter_file_shows_a_profile_that_validates(cli, tmp_path):
    made = cli("init", "--name", "w", "--problem", "scalability-issues", cwd=tmp_path)
    assert made.code == 0, made.err
    starter = (tmp_path / "advisor.yaml").read_text()
    assert "  # hourly_profile: [" in starter
    (tmp_path / "advisor.yaml").write_text(starter.replace("  # hourly_profile:", "  hourly_profile:"))
    result = cli("validate", "advisor.yaml", cwd=tmp_path)
    assert result.code == 0, result.err
    data = json.loads(cli("cost", "advisor.yaml", "--format", "json", "--sweep", "--sweep-points", "5", cwd=tmp_path).out)
    assert data["sweep"]["alternative"]["hourly_profile"] == "stated"
    assert not any("hourly_profile" in n for a in data["alternatives"] for n in a["notes"])
