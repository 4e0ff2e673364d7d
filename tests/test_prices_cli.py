"""`advisor prices update` and `list`: the bulk files from a folder and from a local server that misbehaves."""

from __future__ import annotations

import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from advisor.pricing.catalog import clear_catalog_cache, find_catalog, load_catalog, parse_catalog
from advisor.sweep import Alternative, alternative_lines
from advisor.workload import load_workload
from tests.conftest import ROOT

BULK = ROOT / "tests" / "pricing" / "bulk"


def test_update_from_a_folder_writes_catalogs_that_later_runs_use(cli, tmp_path):
    out = tmp_path / "out"
    result = cli("prices", "update", "--source", str(BULK), "--region", "us-east-1", "--region", "eu-west-1",
                 "--output", str(out))
    assert result.code == 0, result.err
    assert sorted(p.name for p in out.iterdir()) == ["eu-west-1.json", "us-east-1.json"]
    assert "us-east-1: 67 prices from the bulk files (effective 2026-10-01 to 2026-11-01)" in result.err
    assert "eu-west-1: 8 prices from the bulk files (effective 2026-11-01)" in result.err
    assert "kept kms.keys" in result.err  # the recorded files have no KMS offer for eu-west-1
    for region in ("us-east-1", "eu-west-1"):
        data = json.loads((out / f"{region}.json").read_text(encoding="utf-8"))
        parse_catalog(data)
        assert data["source"].startswith("AWS Price List bulk files")
    clear_catalog_cache()
    chosen = find_catalog("us-east-1", user_dir=out)
    assert chosen.origin == str(out / "us-east-1.json")
    assert chosen.price("lambda.requests").as_of == "2026-11-01"  # the term's effectiveDate, not publicationDate
    assert chosen.price("cloudtrail.data-events").as_of == "2026-10-01"
    assert chosen.price("lambda.requests").source.startswith("AWS Price List bulk files: AWSLambda sku ")
    # Prices the files cannot supply keep their bundled source.
    assert chosen.price("cloudwatch.dashboards") == load_catalog("us-east-1").price("cloudwatch.dashboards")
    eu = find_catalog("eu-west-1", user_dir=out)
    assert eu.price("dynamodb.write-request-units").unit_price == Decimal("0.000000705")
    assert eu.price("kms.keys") == load_catalog("eu-west-1").price("kms.keys")
    # Later runs price from the written catalog.
    cost = cli("cost", str(ROOT / "examples" / "startup-mvp.yaml"), "--region", "eu-west-1", "--format", "json",
               "--catalog", str(out))
    assert cost.code == 0, cost.err


def test_update_defaults_to_every_bundled_region(cli, tmp_path):
    result = cli("prices", "update", "--source", str(BULK), "--output", str(tmp_path))
    assert result.code == 0, result.err
    from advisor.pricing.catalog import bundled_regions

    # One catalog per bundled Region (uniform.json holds no Region's catalog of its own).
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{r}.json" for r in bundled_regions()]
    assert "us-west-2: 0 prices from the bulk files" in result.err


def test_update_refuses_a_missing_folder_and_plain_http(cli, tmp_path):
    for source, said in ((str(tmp_path / "nowhere"), "does not exist"),
                         ("http://pricing.us-east-1.amazonaws.com", "only https URLs")):
        result = cli("prices", "update", "--source", source, "--output", str(tmp_path / "out"))
        assert result.code == 2 and said in result.err and "Traceback" not in result.err
        assert not (tmp_path / "out").exists()


# --- a local server that answers what no price file should be -----------------------------------------


def _prices_replaced(body: bytes, usd: str) -> bytes:
    doc = json.loads(body)
    for terms in doc.get("terms", {}).get("OnDemand", {}).values():
        for term in terms.values():
            for dim in term["priceDimensions"].values():
                dim["pricePerUnit"]["USD"] = usd
    return json.dumps(doc).encode()


class _Handler(BaseHTTPRequestHandler):
    mode = "plain"

    def log_message(self, *args):  # keep the test output clean
        pass

    def do_GET(self):
        path = BULK / self.path.lstrip("/")
        offer_file = "/current/" not in self.path and self.path != "/offers/v1.0/aws/index.json"
        if self.mode == "endless" and self.path == "/offers/v1.0/aws/index.json":
            # No Content-Length: the body ends only when the client hangs up.
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"offers": {"padding": "')
            try:
                while True:
                    self.wfile.write(b"x" * 65536)
            except (BrokenPipeError, ConnectionResetError):
                return
        if not path.is_file():
            self.send_error(404)
            return
        body = path.read_bytes()
        if self.mode == "html" and self.path == "/offers/v1.0/aws/index.json":
            body = b"<!DOCTYPE html><html><body>Service Unavailable</body></html>"
        elif self.mode == "zeros" and offer_file:
            body = _prices_replaced(body, "0.0000000000")
        elif self.mode == "huge" and offer_file:
            body = _prices_replaced(body, "1e30")
        elif self.mode == "truncated" and offer_file and "AWSLambda" in self.path:
            body = body[: len(body) // 2]
        self.send_response(200)
        self.send_header("Content-Type", "text/html" if body.startswith(b"<") else "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def price_server():
    servers = []

    def start(mode: str) -> str:
        handler = type("Handler", (_Handler,), {"mode": mode})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _update(cli, url: str, out: Path):
    return cli("prices", "update", "--source", url, "--region", "us-east-1", "--region", "eu-west-1",
               "--output", str(out))


def test_a_local_server_with_good_files_is_read(cli, tmp_path, price_server):
    result = _update(cli, price_server("plain"), tmp_path / "out")
    assert result.code == 0, result.err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["eu-west-1.json", "us-east-1.json"]


@pytest.mark.parametrize(("mode", "said"), [
    ("zeros", "lambda.requests: price is 0 where the bundled price is 0.0000002 per requests"),
    ("huge", "lambda.requests: price 1000000000000000000000000000000 is more than 100x the bundled 0.0000002"),
    ("html", "index.json is an HTML page, not an AWS price file"),
    ("truncated", "is not valid JSON (truncated or damaged)"),
    ("endless", "index.json is larger than the 16,777,216 bytes allowed for it"),
])
def test_what_cannot_be_a_price_file_is_refused_and_nothing_written(cli, tmp_path, price_server, mode, said):
    out = tmp_path / "out"
    out.mkdir()
    (out / "us-east-1.json").write_text("previous", encoding="utf-8")
    result = _update(cli, price_server(mode), out)
    assert result.code == 2, result.err
    assert said in result.err
    assert "Traceback" not in result.err and "internal error" not in result.err
    # Neither Region's file is written, the previous one is untouched and no temporary file is left.
    assert sorted(p.name for p in out.iterdir()) == ["us-east-1.json"]
    assert (out / "us-east-1.json").read_text(encoding="utf-8") == "previous"


def test_prices_list_shows_bundled_dates(cli):
    rows = json.loads(cli("prices", "list").out)
    by_region = {r["region"]: r for r in rows}
    assert by_region["us-east-1"]["origin"] == "bundled"
    assert by_region["us-east-1"]["as_of"] == "2026-11-28"


def test_alternative_sized_by_hand():
    # startup-mvp at 10x: 8,000,000 requests, peak 400 requests/s. Without an hourly profile the busiest hour
    # runs at the peak: 400/s for an hour is more than the day's 263,014 requests, so that hour carries them all
    # and sizes max(2, ceil(400/250)) = 2 tasks; the other 23 hours, idle, 2 tasks each. 48 task-hours a day ×
    # 730/24 days = 1,460 task-hours of 0.5 vCPU / 1 GB arm64: 730 vCPU-h x $0.03238 = $23.6374, 1,460 GB-h x
    # $0.00356 = $5.1976; ALB 730 h x $0.0225 = $16.425; LCU: that hour's 263,014 new connections / 3,600 s / 25
    # (more than its 1.0 GB processed), x 730/24 days = 8M / 3,600 / 25 LCU-hours x $0.008; public IPv4: two
    # load balancer nodes x 730 h and one per task-hour, 2,920 address-hours x $0.005 = $14.60.
    w = load_workload(str(ROOT / "examples" / "startup-mvp.yaml"))
    lines, fleet = alternative_lines(w, load_catalog("us-east-1"), Decimal(10), Alternative())
    assert fleet.peak_tasks == 2 and fleet.task_hours == 1460
    amounts = {line.item: line.monthly_usd for line in lines}
    assert amounts["vCPU (arm64)"] == Decimal("23.6374")
    assert amounts["Memory (arm64)"] == Decimal("5.19760")
    assert amounts["Application Load Balancer"] == Decimal("16.425")
    assert amounts["Public IPv4 addresses (load balancer nodes)"] + amounts["Public IPv4 addresses (tasks)"] == Decimal(
        "14.6")
    lcu = Decimal(8_000_000) / 3600 / 25
    assert abs(amounts["Load balancer capacity units"] - lcu * Decimal("0.008")) < Decimal("1e-20")
