"""Every field of a rule is escaped wherever it is shown, and only http(s) links are links."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT

MVP = ROOT / "examples" / "startup-mvp.yaml"

HOSTILE = """id: EVIL-O001
title: "<script>alert(1)</script> ![x](https://evil.example/t.png) [click](javascript:alert(1))"
pillars: [operational-excellence]
best_practices: [OPS08-BP04]
when:
  service: lambda
adds:
  warnings: ["<img src=x onerror=alert(1)> ![w](https://evil.example/w.png)"]
rationale: "<script>alert(2)</script> ![r](https://evil.example/r.png) [r](javascript:alert(2))"
tradeoffs: "<b>bold</b> ![t](https://evil.example/t.png) [t](javascript:alert(3))"
source: "https://docs.aws.amazon.com/x)![img](https://evil.example/s.png)<script>alert(4)</script>[j](javascript:alert(5)"
"""


@pytest.fixture
def hostile_rules(tmp_path):
    folder = tmp_path / "rules" / "operational-excellence"
    folder.mkdir(parents=True)
    (folder / "EVIL-O001.yaml").write_text(HOSTILE, encoding="utf-8")
    return tmp_path / "rules"


def assert_inert(markdown: str) -> None:
    assert not re.search(r"(?<!\\)<(script|img|b>|/)", markdown), "HTML could be added"
    assert not re.search(r"(?<!\\)!\[", markdown), "an image could be added"
    assert not re.search(r"(?<!\\)\]\(\s*javascript:", markdown, re.I), "a javascript: link could be added"
    for target in re.findall(r"(?<!\\)\]\(([^)]*)\)", markdown):
        assert target.startswith(("https://", "http://")), target


def test_recommend_markdown_escapes_every_rule_field(cli, hostile_rules):
    result = cli("recommend", str(MVP), "--format", "markdown", "--rules", str(hostile_rules))
    assert result.code == 0, result.err
    assert "EVIL-O001" in result.out
    assert_inert(result.out)
    assert "https://docs.aws.amazon.com/x%29%21%5Bimg%5D" in result.out


def test_report_escapes_every_rule_field(cli, hostile_rules, tmp_path):
    result = cli("render", str(MVP), "-o", str(tmp_path / "out"), "--rules", str(hostile_rules))
    assert result.code == 0, result.err
    report = (tmp_path / "out" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    assert "EVIL-O001" in report
    assert_inert(report)


def test_rules_table_escapes_titles(hostile_rules, monkeypatch):
    from typer.testing import CliRunner

    from advisor import cli as cli_module

    monkeypatch.setattr(cli_module, "_is_terminal", lambda: True)
    result = CliRunner().invoke(cli_module.app, ["rules", "--rules", str(hostile_rules), "--no-color"])
    assert result.exit_code == 0, result.output
    assert "[click]" in result.output and "![x]" in result.output  # shown literally, not taken as rich markup


@pytest.mark.parametrize("url, safe", [
    ("https://docs.aws.amazon.com/a/b.html#x", "https://docs.aws.amazon.com/a/b.html#x"),
    ("http://example.com/a?b=c&d=e", "http://example.com/a?b=c&d=e"),
    ("javascript:alert(1)", None), ("JAVASCRIPT://x", None), ("data:text/html,<script>", None),
    ("https://", None), ("//evil.example/x", None), ("https://a/\nb", None),
    ("https://a/b)![i](https://c)", "https://a/b%29%21%5Bi%5D%28https://c%29"),
    ("https://a/<script>", "https://a/%3Cscript%3E"),
])
def test_safe_url(url, safe):
    from advisor.views import safe_url

    assert safe_url(url) == safe
