"""The round trip: `review` of `render W`'s template infers what `recommend W` chose, and prices it as `cost W`.

For every example, per-problem, per-requirement, template-variant and usage workload of the one-truth tests,
and a generated set of valid workloads, with and without the template's top-level Metadata and Description:

- the same components (ids and services) and the same edges (ends and kind);
- every setting read back equal to the recommended one where both have it (a map's keys likewise), the
  recommended value taken as its setting's declared kind deploys it (an int setting is written whole);
- with W's traffic, the inferred architecture's estimate equal to W's line by line: service, component, item,
  quantity, unit, unit price, amount and the Region of the price (the basis names a template line where the
  estimate names a rule);
- nothing left not understood.

Two things a template cannot hold, compared as the template holds them: a topic's subscribers that are
components (queues, functions: they are edges) or outside the template (mobile push endpoints), and the
`monitors` edges (the alarms watch every function, queue and API whichever edge a rule drew, so the
recommended `monitors` edges are among those read back).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from advisor.catalog import load_catalog
from advisor.costing import estimate
from advisor.engine import recommend
from advisor.errors import AdvisorError
from advisor.pricing.catalog import find_catalog
from advisor.render.cfn import build_template
from advisor.render.cfn.emitter import dump_template
from advisor.review.infer import infer
from advisor.review.template import parse_template
from advisor.services import service
from advisor.workload import load_workload_text
from tests.test_one_truth import CASES, _load
from tests.test_properties import valid_workload

CATALOG = load_catalog()
# The subscribers a template holds as subscriptions of their own: the rest are edges or outside it.
ENDPOINTS = ("email", "sms", "http")


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _differences(read: Mapping[str, Any], chosen: Mapping[str, Any], declared: tuple, path: str = "") -> list[str]:
    """Where a setting read back differs from the recommended one (keys both have)."""
    out = []
    for key, value in read.items():
        if key not in chosen:
            continue
        spec = next((s for s in declared if s.name == key), None)
        mine, theirs = _plain(value), _plain(chosen[key])
        if spec is not None and spec.kind == "int" and isinstance(theirs, float):
            theirs = int(theirs)  # what the template writes of it
        if spec is not None and spec.fields and isinstance(mine, dict) and isinstance(theirs, dict):
            out += _differences(mine, theirs, spec.fields, f"{path}{key}.")
        elif key == "subscribers":
            if mine != [p for p in ENDPOINTS if p in theirs]:
                out.append(f"{path}{key}: read {mine}, chose {theirs}")
        elif mine != theirs:
            out.append(f"{path}{key}: read {mine!r}, chose {theirs!r}")
    return out


def _deployed(workload: Any, arch: Any, component: Any) -> Mapping[str, Any]:
    """A component's settings as its blueprint deploys them: a stage's throttling is the blueprint's own rate
    (a rate of 0 would refuse every request, so the stage takes the peak, or 10 a second)."""
    settings = dict(component.settings)
    if component.service == "apigateway" and "throttling" in settings:
        from advisor.render.cfn.context import Builder
        from advisor.services.apigateway.blueprint import peak_rps

        rate = peak_rps(Builder(workload, arch), component)
        settings["throttling"] = {"rate_limit_rps": rate, "burst_limit": settings["throttling"].get("burst_limit") or rate}
    return settings


def _line(line: Any) -> tuple:
    return (line.service, line.component, line.item, line.quantity, line.unit, line.unit_price, line.monthly_usd,
            line.price_region, line.region)


def template_text(workload: Any, arch: Any, *, bare: bool) -> str:
    """`render`'s template, without its top-level Metadata and Description when `bare`."""
    template = build_template(workload, arch)
    if bare:
        del template["Metadata"], template["Description"]
    return dump_template(template)


def check_round_trip(workload: Any, *, bare: bool) -> None:
    """Every assertion of this module for one workload."""
    arch = recommend(workload)
    inferred = infer(parse_template(template_text(workload, arch, bare=bare).encode(), "template.yaml",
                                    region=workload.region))
    got = inferred.architecture
    assert inferred.not_understood == ()
    assert {c.id: c.service for c in got.components.values()} == {c.id: c.service for c in arch.components.values()}
    for cid, component in got.components.items():
        chosen = arch.components[cid]
        assert _differences(component.settings, _deployed(workload, arch, chosen), service(chosen.service).settings) == [], cid
    ends = {(e.source, e.target, e.kind) for e in arch.edges}
    found = {(e.source, e.target, e.kind) for e in got.edges}
    assert {e for e in found if e[2] != "monitors"} == {e for e in ends if e[2] != "monitors"}
    assert {e for e in ends if e[2] == "monitors"} <= found
    chosen_edges = {(e.source, e.target, e.kind): e for e in arch.edges}
    for edge in got.edges:
        if (edge.source, edge.target, edge.kind) in chosen_edges:
            assert _differences(edge.settings, chosen_edges[(edge.source, edge.target, edge.kind)].settings, ()) == []
    try:
        prices = find_catalog(workload.region)
        expected = [_line(x) for x in estimate(workload, arch, prices).lines]
    except AdvisorError as exc:  # a Region without prices, a usage beyond the catalog's tiers: the same error
        with pytest.raises(type(exc)) as caught:
            estimate(workload, got, find_catalog(workload.region))
        assert caught.value.message == exc.message
        return
    assert [_line(x) for x in estimate(workload, got, prices).lines] == expected


@lru_cache(maxsize=None)
def _workload(name: str) -> Any:
    return _load(CASES[name])


@pytest.mark.parametrize("bare", [False, True], ids=["as-rendered", "bare"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_review_of_the_rendered_template_infers_the_recommendation(name, bare):
    check_round_trip(_workload(name), bare=bare)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
@given(valid_workload)
def test_review_of_generated_workloads_infers_their_recommendation(doc):
    try:
        workload = load_workload_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), "g.yaml", CATALOG)
    except AdvisorError:
        return
    for bare in (False, True):
        check_round_trip(workload, bare=bare)
