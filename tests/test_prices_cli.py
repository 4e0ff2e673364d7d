"""`advisor prices update` and `list`: refresh through the Stubber, clean refusal without credentials."""

from __future__ import annotations

import json
import os
from decimal import Decimal

from botocore.stub import Stubber

from advisor.pricing.catalog import clear_catalog_cache, find_catalog, load_catalog
from advisor.pricing.update import refresh
from advisor.sweep import Alternative, alternative_lines
from advisor.workload import load_workload
from tests.conftest import ROOT
from tests.pricing.test_prices_update import TODAY, pricing_client, stub_recorded


def test_refresh_writes_a_user_catalog_that_later_runs_use(tmp_path):
    client = pricing_client()
    with Stubber(client) as stubber:
        stub_recorded(stubber, "us-east-1")
        (done,) = refresh(client, ["us-east-1"], tmp_path, today=TODAY)
        stubber.assert_no_pending_responses()
    assert done.path == tmp_path / "us-east-1.json"
    assert done.refreshed > 50 and not done.missing
    written = json.loads(done.path.read_text())
    assert written["as_of"] == TODAY and "AWS Price List Query API" in written["source"]
    clear_catalog_cache()
    chosen = find_catalog("us-east-1", user_dir=tmp_path)
    assert chosen.origin == str(done.path)
    assert chosen.price("lambda.requests").source.startswith("AWS Price List")
    # Prices the Price List cannot supply keep their bundled source.
    assert chosen.price("cloudwatch.dashboards").source == load_catalog("us-east-1").price("cloudwatch.dashboards").source


def test_update_without_credentials_is_a_clean_exit_2(cli, tmp_path, monkeypatch):
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    result = cli("prices", "update", "--region", "us-east-1", "--output", str(tmp_path / "out"))
    assert result.code == 2
    assert "no AWS credentials found" in result.err
    assert "Traceback" not in result.err
    assert not (tmp_path / "out").exists()


def test_update_refuses_an_endpoint_the_price_list_lacks(cli, tmp_path):
    result = cli("prices", "update", "--endpoint-region", "eu-west-1", "--output", str(tmp_path))
    assert result.code == 2
    assert "no endpoint in eu-west-1" in result.err


def test_prices_list_shows_bundled_dates(cli):
    rows = json.loads(cli("prices", "list").out)
    by_region = {r["region"]: r for r in rows}
    assert by_region["us-east-1"]["origin"] == "bundled"
    assert by_region["us-east-1"]["as_of"] == "2026-11-28"


def test_alternative_sized_by_hand():
    # startup-mvp at 10x: 8,000,000 requests, peak 400 requests/s -> max(2, ceil(400/250)) = 2 tasks of
    # 0.5 vCPU / 1 GB arm64 for 730 h: 730 vCPU-h x $0.03238 = $23.6374, 1,460 GB-h x $0.00356 = $5.1976;
    # ALB 730 h x $0.0225 = $16.425; LCU = max(8M / 2,628,000 s / 25, 8M x 4 KB / 1024² / 730 h)
    # = 0.12176 -> x 730 h x $0.008.
    w = load_workload(str(ROOT / "examples" / "startup-mvp.yaml"))
    lines, tasks = alternative_lines(w, load_catalog("us-east-1"), Decimal(10), Alternative())
    assert tasks == 2
    amounts = {line.item: line.monthly_usd for line in lines}
    assert amounts["vCPU (arm64)"] == Decimal("23.6374")
    assert amounts["Memory (arm64)"] == Decimal("5.19760")
    assert amounts["Application Load Balancer"] == Decimal("16.425")
    lcu = Decimal(8_000_000) / Decimal(2_628_000) / 25
    assert sum(amounts.values()) == Decimal("23.6374") + Decimal("5.19760") + Decimal("16.425") + lcu * 730 * Decimal(
        "0.008")
