"""Command-line conventions from the hardening issue: -h, stdin, options after the command, NO_COLOR, tables."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.conftest import ROOT
from tests.test_cli_conventions import COMMANDS

MVP = ROOT / "examples" / "startup-mvp.yaml"
EVERYTHING = ROOT / "examples" / "everything.yaml"


@pytest.mark.parametrize("command", COMMANDS + ["prices"])
def test_short_h_is_help_for_every_command(cli, command):
    result = cli(*command.split(), "-h")
    assert result.code == 0, result.err
    assert result.out.startswith("Usage: ") and "-h, --help" in result.out


def test_top_level_short_h(cli):
    result = cli("-h")
    assert result.code == 0 and "recommend" in result.out


@pytest.mark.parametrize("command", ["recommend", "cost", "validate"])
def test_dash_reads_the_workload_from_stdin(cli, command):
    result = cli(command, "-", "--format", "json", stdin=MVP.read_text())
    assert result.code == 0, result.err
    assert json.loads(result.out)


def test_dash_stdin_errors_name_stdin(cli):
    result = cli("validate", "-", stdin="version: 1\nname: x\nregion: nowhere-1\n")
    assert result.code == 2 and "<stdin>:" in result.err and "Traceback" not in result.err


def test_stdin_render(cli, tmp_path):
    result = cli("render", "-", "-o", str(tmp_path / "out"), stdin=MVP.read_text())
    assert result.code == 0, result.err
    assert (tmp_path / "out" / "ARCHITECTURE.md").exists()


def test_quiet_and_no_color_after_the_command(cli):
    quiet = cli("validate", str(MVP), "-q")
    assert quiet.code == 0 and quiet.err == ""
    also = cli("validate", str(MVP), "--quiet")
    assert also.code == 0 and also.err == ""
    plain = cli("recommend", str(MVP), "--format", "table", "--no-color")
    assert plain.code == 0 and "\x1b[" not in plain.out


def test_empty_no_color_does_not_disable_colour(monkeypatch):
    from advisor import cli as cli_module

    monkeypatch.setattr(cli_module, "_NO_COLOR", False)
    monkeypatch.setenv("NO_COLOR", "")
    assert cli_module._console().no_color is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert cli_module._console().no_color is True


def test_prices_list_is_json_when_piped(cli):
    result = cli("prices", "list")
    assert result.code == 0
    assert any(row["region"] == "us-east-1" for row in json.loads(result.out))


def test_prices_list_is_a_table_on_a_terminal(monkeypatch):
    from advisor import cli as cli_module

    monkeypatch.setattr(cli_module, "_is_terminal", lambda: True)
    monkeypatch.setenv("NO_COLOR", "1")
    result = CliRunner().invoke(cli_module.app, ["prices", "list"])
    assert result.exit_code == 0, result.output
    assert "us-east-1" in result.output and "as of" in result.output
    with pytest.raises(json.JSONDecodeError):
        json.loads(result.output)


@pytest.mark.parametrize("region, hint", [("eu-wst-1", "did you mean 'eu-west-1'"), ("cn-north-1", "aws-cn")])
def test_bad_region_option_is_blamed_on_the_option(cli, region, hint):
    result = cli("cost", str(MVP), "--region", region)
    assert result.code == 2
    assert result.err.startswith("error: --region: unknown region"), result.err
    assert str(MVP) not in result.err and hint in result.err


def test_region_hint_never_crosses_partitions():
    from advisor.catalog import load_catalog
    from advisor.catalog import region_hint

    regions = load_catalog().regions
    assert "eu-north-1" not in region_hint("cn-north-1", regions)
    assert "us-west-1" not in region_hint("us-gov-west-1", regions)
    assert "eu-west-1" in region_hint("eu-wst-1", regions)


@pytest.mark.parametrize("service, hint", [("cloudfront", None), ("cloudwach", "cloudwatch"), ("dynamo", "dynamodb")])
def test_service_hints_name_only_a_near_miss(cli, tmp_path, service, hint):
    # Another AWS service sharing a first word is not a typo of one advisor knows.
    path = tmp_path / "w.yaml"
    path.write_text(f"version: 1\nname: w\nproblems: [scalability-issues]\nusage:\n  {service}: {{monthly_requests: 5}}\n")
    result = cli("validate", str(path))
    assert result.code == 2 and f"unknown service '{service}'" in result.err, result.err
    if hint is None:
        assert "did you mean" not in result.err and "services with usage keys: " in result.err
    else:
        assert f"did you mean '{hint}'?" in result.err


def test_sweep_csv_keeps_the_sweep(cli):
    result = cli("cost", str(MVP), "--sweep", "--sweep-points", "5", "--format", "csv")
    assert result.code == 0, result.err
    sections = result.out.split("\n\n")
    assert sections[0].startswith("service,component,item,")
    assert sections[1].startswith("scale,requests_per_month,total_monthly_usd,alternative_monthly_usd")
    assert len(sections[1].strip().splitlines()) == 1 + 5
    assert sections[2].startswith("break_even_scale,")
    assert "second section" in " ".join(cli("cost", "--help").out.split())


def test_terminal_tables_wrap_the_because_column(cli):
    result = cli("recommend", str(EVERYTHING), "--format", "table")
    assert result.code == 0
    assert "…" not in result.out
    flat = "".join(line.split("│")[-2].strip() for line in result.out.splitlines() if line.count("│") >= 6)
    assert "requirement:cost-optimization" in flat
