"""Rendered artefacts against the real validators: checkov on every template, Mermaid's parser on every diagram.

The workloads: every example, each problem id alone, each requirement id alone, everything at once, and a request
body larger than an SQS message (the claim check through S3).
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
    assert len(blocks) >= 3 * len(reports)  # architecture, at least one flow, the cost chart
    verdicts = parse_all([block for _, block in blocks])
    failures = [(name, verdict, block) for (name, block), verdict in zip(blocks, verdicts) if verdict]
    assert failures == []
