"""Rendered artefacts against the real validators: AWS's serverless rules for cfn-lint and checkov on every
template, Mermaid's parser on every diagram.

The workloads: every example, each problem id alone, each requirement id alone, the template variants (everything
at once, each authoriser, each DR strategy, Regions other than us-east-1), and a request body larger than an SQS
message (the claim check through S3).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.catalog import load_catalog
from advisor.pricing.catalog import load_catalog as load_prices
from advisor.pipeline import run
from advisor.render import render
from advisor.workload import load_workload, load_workload_text
from tests.conftest import EXAMPLES
from tests.test_template import VARIANTS
from tests.validators import require_checkov, require_mermaid

CATALOG = load_catalog()


def _workloads() -> dict[str, object]:
    out: dict[str, object] = {p.stem: load_workload(str(p)) for p in EXAMPLES}
    for pid in CATALOG.problems:
        out[f"problem-{pid}"] = load_workload_text(f"version: 1\nname: p\nproblems: [{pid}]\n")
    for rid in CATALOG.requirements:
        out[f"requirement-{rid}"] = load_workload_text(f"version: 1\nname: r\nrequirements: {{{rid}: true}}\n")
    # A request body larger than an SQS message, carried through S3 (a claim check).
    out["claim-check"] = load_workload_text("version: 1\nname: c\nrequirements: {scalability: true, security: true}\n"
                                            "traffic: {request_kb: 2048}\n")
    for name, text in VARIANTS.items():
        out[f"variant-{name}"] = load_workload_text(text, f"{name}.yaml")
    # One workload per disaster-recovery strategy, each with a recovery Region stack to check.
    from tests.test_dr import WORKLOADS

    for strategy, text in WORKLOADS.items():
        out[f"dr-{strategy}"] = load_workload_text(text, f"dr-{strategy}.yaml")
    return out


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, tuple[Path, str]]:
    folder = tmp_path_factory.mktemp("rendered")
    out = {}
    for name, workload in _workloads().items():
        prices = load_prices(workload.region)
        outcome = run(workload, None, CATALOG, lambda _: prices, price=True)
        result = render(workload, outcome, CATALOG, prices, None)
        template = folder / f"{name}.yaml"
        template.write_text(result.files["template.yaml"], encoding="utf-8")
        out[name] = (template, result.files["ARCHITECTURE.md"])
        for file, region in result.templates.items():  # a recovery Region's template, checked like the primary
            if file != "template.yaml":
                (folder / f"{name}.{region}.yaml").write_text(result.files[file], encoding="utf-8")
                out[f"{name}@{region}"] = (folder / f"{name}.{region}.yaml", "")
    return out


# The serverless rules this project's templates suppress, each only where it misfires or where the workload made
# the call: a dead-letter queue asked for a redrive policy (ES6000), an SQS event source mapping asked for an
# on-failure destination Lambda does not support for queues (ES1001), a log group named in LoggingConfig rather
# than by LogGroupName (WS1004), tracing the workload did not ask for (WS1000, WS5000), and a scheduled exporter's
# asynchronous invocation and schedule rule without a failure destination or dead-letter queue (ES1007, ES4000),
# whose next run exports from where the last completed export ended.
SUPPRESSED = {"ES6000", "ES1001", "WS1004", "WS1000", "WS5000", "ES1007", "ES4000"}


def _serverless_findings(runners, path: Path, keep_suppressions: bool = True) -> list[tuple[str, str, str]]:
    """(rule, resource, message) for every finding of cfn-lint with AWS's serverless rules on one template."""
    from cfnlint.decode.decode import decode_str

    decoded, errors = decode_str(path.read_text(encoding="utf-8"))
    assert not errors, errors
    if not keep_suppressions:
        for resource in decoded["Resources"].values():
            resource.get("Metadata", {}).pop("cfn-lint", None)
    region = decoded["Metadata"]["Advisor"]["Region"]
    return sorted((m.rule.id, str(m.path[1]) if len(m.path) > 1 else "", m.message)
                  for m in runners(region).validate_template(decoded))


@pytest.fixture(scope="module")
def serverless_runners():
    """One cfn-lint runner per Region with AWS's serverless rules appended (`-a cfn_lint_serverless.rules`)."""
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner import Runner

    made = {}

    def get(region: str):
        if region not in made:
            made[region] = Runner(ConfigMixIn(regions=[region], append_rules=["cfn_lint_serverless.rules"]))
        return made[region]
    return get


def test_the_serverless_rules_are_installed_beside_cfn_lint():
    # A missing package would make `-a cfn_lint_serverless.rules` load nothing, and the test below pass vacuously.
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner import Runner

    rules = {rule.id for rule in Runner(ConfigMixIn(regions=["us-east-1"],
                                                    append_rules=["cfn_lint_serverless.rules"])).rules.values()}
    assert {"ES1001", "ES1007", "ES2000", "ES4000", "ES6000", "ES7000", "WS1000", "WS1004", "WS5000"} <= rules


def test_the_serverless_rules_find_nothing(rendered, serverless_runners):
    findings = {name: _serverless_findings(serverless_runners, path) for name, (path, _) in rendered.items()}
    assert {name: found for name, found in findings.items() if found} == {}


def test_every_serverless_suppression_is_needed_and_explained(rendered, serverless_runners):
    # Without its template's suppressions each template reports exactly the findings it suppresses: no suppression
    # is stale, none hides a rule the project does not explain, and each carries its reason beside it.
    from cfnlint.decode.decode import decode_str

    seen = set()
    for name, (path, _) in rendered.items():
        template, _ = decode_str(path.read_text(encoding="utf-8"))
        suppressed = set()
        for lid, resource in template["Resources"].items():
            meta = resource.get("Metadata", {}).get("cfn-lint")
            if not meta:
                continue
            checks = list(meta["config"]["ignore_checks"])
            assert sorted(checks) == sorted(meta["reasons"]), (name, lid)
            assert all(len(meta["reasons"][rule]) > 40 for rule in checks), (name, lid)
            props = resource["Properties"]
            # Each where it is explained: a queue without a redrive policy (a dead-letter queue), a mapping that
            # reads a queue, a function without active tracing, a state machine without tracing.
            if "ES6000" in checks:
                assert resource["Type"] == "AWS::SQS::Queue" and "RedrivePolicy" not in props, (name, lid)
            if "ES1001" in checks:
                assert props["EventSourceArn"]["Fn::GetAtt"][0].startswith("Queue"), (name, lid)
            if "WS1000" in checks:
                assert props["TracingConfig"]["Mode"] != "Active", (name, lid)
            if "WS5000" in checks:
                assert props["TracingConfiguration"]["Enabled"] is False, (name, lid)
            # A scheduled exporter's invocations and schedule events: the next run is the retry.
            if "ES1007" in checks:
                assert resource["Type"] == "AWS::Lambda::Permission" and props["Principal"] == "events.amazonaws.com"
                assert lid.startswith("Export"), (name, lid)
            if "ES4000" in checks:
                assert resource["Type"] == "AWS::Events::Rule" and "ScheduleExpression" in props, (name, lid)
            suppressed |= {(rule, lid) for rule in checks}
        unsuppressed = {(rule, lid) for rule, lid, _ in _serverless_findings(serverless_runners, path, False)}
        assert unsuppressed == suppressed, name
        seen |= {rule for rule, _ in suppressed}
    assert seen == SUPPRESSED


def test_checkov_finds_nothing_but_explained_judgement_calls(rendered):
    require_checkov()
    from tests.validators.checkov import run_checkov

    results = run_checkov([template for template, _ in rendered.values()])
    for path, result in results.items():
        assert result.ok, result.describe()
        for finding in result.skipped:
            assert finding.comment and len(finding.comment) > 20, (path.name, finding.check_id)


def test_every_mermaid_block_parses(rendered):
    require_mermaid()
    from tests.validators.mermaid import mermaid_blocks, parse_all

    reports = {name: report for name, (_, report) in rendered.items() if report}  # recovery templates have none
    blocks = [(name, block) for name, report in reports.items() for block in mermaid_blocks(report)]
    # The architecture, at least one flow and, unless the design has nothing an always-on fleet would replace
    # (and the report says so), the cost chart.
    charts = [(name, block) for name, block in blocks if block.startswith("xychart")]
    for name, report in reports.items():
        expected = 0 if "No always-on comparison:" in report else 1
        assert sum(n == name for n, _ in charts) == expected, name
    assert len(blocks) >= 2 * len(reports) + len(charts)
    verdicts = parse_all([block for _, block in blocks])
    failures = [(name, verdict, block) for (name, block), verdict in zip(blocks, verdicts) if verdict]
    assert failures == []


def test_every_cost_chart_names_its_lines_in_its_legend(rendered):
    require_mermaid()
    from tests.validators.mermaid import mermaid_blocks
    from tests.validators.xychart import read_all

    charts = [(name, block) for name, (_, report) in rendered.items() for block in mermaid_blocks(report)
              if block.startswith("xychart")]
    assert charts
    for (name, _), chart in zip(charts, read_all([block for _, block in charts])):
        assert "error" not in chart, name
        lines = [p for p in chart["plots"] if p["type"] == "line"]
        # Mermaid draws a legend of the titled plots; every plot has its title, the always-on line last.
        assert chart["showLegend"] and all(p["title"] for p in chart["plots"]), name
        assert lines[0]["title"] == "Pay-per-use, as deployed" and lines[-1]["title"] == "Always-on, ALB and Fargate"
        marked = [c for c in chart["x"]["categories"] if c.endswith("crossing")]
        bars = [p for p in chart["plots"] if p["type"] == "bar"]
        assert len(bars) == (1 if marked else 0), name
