"""The round trip's "finds none of W's problems": the template `advisor render` writes for a workload W, reviewed
with W's traffic (with and without its top-level Metadata and Description), gets no finding in force that
signals one of W's problems, and no question.

The one exception is a finding the workload asked for: a `usage:` key that replaces a rule's choice (fixed
provisioned capacity in place of ADV-C003's on demand) is named in the recommendation's warnings, and the
template deploys what the usage says.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from advisor.catalog import load_catalog
from advisor.engine import recommend
from advisor.errors import AdvisorError
from advisor.render.cfn import build_template
from advisor.render.cfn.emitter import dump_template
from advisor.review.checks import run_checks
from advisor.review.template import parse_template
from advisor.workload import load_workload_text
from tests.test_one_truth import CASES, _load
from tests.test_properties import valid_workload

CATALOG = load_catalog()
REPLACED = re.compile(r"replaces rule ([A-Z][A-Z0-9]*-[A-Z]\d{3})'s")


def problems_found(workload: Any, *, bare: bool) -> list[str]:
    """The findings in force that signal one of the workload's problems, and the questions, as text."""
    arch = recommend(workload)
    template = build_template(workload, arch)
    if bare:
        del template["Metadata"], template["Description"]
    reviewed = parse_template(dump_template(template).encode(), "template.yaml", region=workload.region)
    done = run_checks(reviewed, dict(workload.traffic))
    asked_for = {m.group(1) for w in arch.warnings for m in REPLACED.finditer(w)}
    out = [f"{f.rule} {f.problem} {f.resources}: {f.message}" for f in done.findings
           if f.in_force and f.problem in workload.problems and f.rule not in asked_for]
    return out + [f"question: {q.text}" for q in done.questions]


@lru_cache(maxsize=None)
def _workload(name: str) -> Any:
    return _load(CASES[name])


@pytest.mark.parametrize("bare", [False, True], ids=["as-rendered", "bare"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_the_rendered_template_has_none_of_its_workloads_problems(name, bare):
    assert problems_found(_workload(name), bare=bare) == []


def test_a_usage_that_replaces_a_rules_choice_is_found_and_named_in_the_warnings():
    """The exception above is real: the provisioned table is found, and the warnings name the rule."""
    workload = _workload("usage-provisioned")
    arch = recommend(workload)
    reviewed = parse_template(dump_template(build_template(workload, arch)).encode(), "template.yaml")
    done = run_checks(reviewed, dict(workload.traffic))
    fixed = [f for f in done.findings if done.kinds[f] == "table-fixed-capacity"]
    assert len(fixed) == 1 and fixed[0].problem in workload.problems
    assert any(f"replaces rule {fixed[0].rule}'s" in w for w in arch.warnings)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
@given(valid_workload)
def test_generated_workloads_rendered_have_none_of_their_problems(doc):
    try:
        workload = load_workload_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), "g.yaml", CATALOG)
    except AdvisorError:
        return
    for bare in (False, True):
        assert problems_found(workload, bare=bare) == []
