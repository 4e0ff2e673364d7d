"""The service packages: declared settings check rule files, resolve every component once, and name the edges
a component cannot be deployed without."""

from __future__ import annotations

import pytest

from advisor.catalog import load_catalog
from advisor.engine import recommend
from advisor.errors import RuleError
from advisor.resources import data_dir
from advisor.rules import load_rules_uncached
from advisor.services import MODULES, service
from advisor.workload import load_workload_text

CATALOG = load_catalog()
HEAD = ("id: {rid}\ntitle: A rule\npillars: [reliability]\nbest_practices: [REL05-BP01]\n"
        "when: {{problem: scalability-issues}}\n")
TAIL = ("rationale: r\ntradeoffs: t\n"
        "source: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/welcome.html\n")


def _rules(tmp_path, rid: str, adds: str):
    folder = tmp_path / "reliability"
    folder.mkdir(exist_ok=True)
    (folder / f"{rid}.yaml").write_text(HEAD.format(rid=rid) + adds + TAIL)
    return load_rules_uncached(data_dir("rules"), CATALOG, (tmp_path,))


def test_every_catalog_service_has_a_package():
    assert set(MODULES) == set(CATALOG.services)
    for service_id in MODULES:
        assert service(service_id).id == service_id


def test_an_unknown_setting_is_an_error_with_a_suggestion(tmp_path):
    with pytest.raises(RuleError) as caught:
        _rules(tmp_path, "ACME-R201", "adds:\n  settings:\n    - service: lambda\n      set: {memory: 512}\n")
    text = "\n".join(caught.value.lines())
    assert "ACME-R201.yaml:9:13:" in text  # the key itself
    assert "AWS Lambda has no setting 'memory'" in text and "did you mean 'memory_mb'?" in text


@pytest.mark.parametrize("service_id, setting, value, problem", [
    ("lambda", "memory_mb", 99999, "above the maximum of 10240"),
    ("lambda", "timeout_s", 100000, "above the maximum of 900"),
    ("lambda", "log_retention_days", -1, "is not one of"),
    ("dynamodb", "capacity_mode", "'burst'", "is not one of on-demand, provisioned"),
    ("sqs", "fifo", "'yes'", "expected true or false"),
])
def test_a_setting_outside_its_limits_is_an_error(tmp_path, service_id, setting, value, problem):
    with pytest.raises(RuleError) as caught:
        _rules(tmp_path, "ACME-R202", f"adds:\n  settings:\n    - service: {service_id}\n"
                                      f"      set: {{{setting}: {value}}}\n")
    assert problem in "\n".join(caught.value.lines())


def test_a_component_missing_an_edge_it_needs_names_the_rule(tmp_path):
    rules = _rules(tmp_path, "ACME-R203", "adds:\n  components:\n    - {id: 'trail:org', service: cloudtrail}\n")
    workload = load_workload_text("version: 1\nname: w\nproblems: [scalability-issues]\n", "w.yaml", CATALOG)
    with pytest.raises(RuleError) as caught:
        recommend(workload, rules, CATALOG)
    text = "\n".join(caught.value.lines())
    assert "ACME-R203.yaml:1:1" in text and "trail:org (cloudtrail) needs a writes edge to a s3 component" in text


def test_settings_resolve_usage_over_rules_over_defaults():
    workload = load_workload_text("version: 1\nname: w\nproblems: [scalability-issues]\n"
                                  "usage:\n  lambda: {memory_mb: 2048}\n", "w.yaml", CATALOG)
    fn = recommend(workload).components["function:processor"]
    assert (fn.settings["memory_mb"], fn.sources["memory_mb"]) == (2048, "usage.lambda.memory_mb")
    assert (fn.settings["architecture"], fn.sources["architecture"]) == ("arm64", "rule ADV-P002")
    assert (fn.settings["timeout_s"], fn.sources["timeout_s"]) == (30, "default")


def test_an_edge_no_service_can_build_names_the_rule(tmp_path):
    # The triggers connector once did nothing for any pair but sqs -> lambda; now such an edge is refused.
    rules = _rules(tmp_path, "ACME-R204", "adds:\n  components:\n    - {id: 'queue:q', service: sqs}\n"
                                          "    - {id: 'topic:t', service: sns}\n"
                                          "  edges:\n    - {from: 'queue:q', to: 'topic:t', kind: triggers}\n")
    workload = load_workload_text("version: 1\nname: w\nproblems: [scalability-issues]\n", "w.yaml", CATALOG)
    with pytest.raises(RuleError) as caught:
        recommend(workload, rules, CATALOG)
    text = "\n".join(caught.value.lines())
    assert "queue:q triggers topic:t: no sqs component starts a triggers edge to a sns component" in text
    assert "sqs components start: triggers lambda" in text


def test_every_declared_edge_has_a_connector_or_a_blueprint_that_builds_it():
    from advisor.services import part

    built_by_blueprints = {("dynamodb", "replicates-to"), ("dynamodb", "streams-to"), ("cloudwatch", "monitors"),
                           ("route53", "routes-to"), ("budgets", "alarms-to")}
    for service_id in MODULES:
        connectors = getattr(part(service_id, "blueprint"), "CONNECTORS", {})
        for kind, target in service(service_id).edges:
            assert (kind, target) in connectors or (service_id, kind) in built_by_blueprints, (service_id, kind)
        assert set(connectors) <= set(service(service_id).edges)
        # Edges a package accepts from services it joined later: its blueprint connects each of them.
        accepted = getattr(part(service_id, "blueprint"), "ACCEPTS", {})
        assert set(accepted) == set(service(service_id).accepts), service_id
        # Edges that may travel through this service (`via`): each is an edge its ends could make directly.
        for kind, source, target in getattr(part(service_id, "blueprint"), "VIA", {}):
            assert (kind, target) in service(source).edges or (kind, source) in service(target).accepts, \
                (service_id, kind, source, target)


@pytest.mark.parametrize("module", ["advisor/render/report.py", "advisor/render/mermaid.py",
                                    "advisor/render/cfn/context.py", "advisor/render/cfn/template.py"])
def test_the_generic_render_code_names_no_service_and_no_component(module):
    """What a service adds to the report, the diagram or the template is asked of its package, so adding a
    service needs no edit here."""
    import re
    from pathlib import Path

    source = (Path(__file__).resolve().parent.parent / module).read_text(encoding="utf-8")
    quoted = {m.group(1) for m in re.finditer(r"""["']([a-z0-9-]+)["']""", source)}
    assert not quoted & set(MODULES), f"{module} names services {sorted(quoted & set(MODULES))}"
    # A component id is a lowercase `kind:name`; IAM actions (`sqs:SendMessage`, `kms:*`) are not.
    components = re.findall(r"""["']([a-z][a-z0-9-]*:[a-z][a-z0-9-]*)["']""", source)
    assert not components, f"{module} names components {components}"


def test_every_service_package_reads_its_resources_back():
    """`advisor review` reads what each package deploys: every package has a readback with the resource types it
    reads (the round trip in tests/test_review_roundtrip.py holds them to the blueprints)."""
    from advisor.services import READBACK_ORDER, part

    assert sorted(READBACK_ORDER) == sorted(MODULES)
    for service_id in MODULES:
        module = part(service_id, "readback")
        assert module is not None, service_id
        assert hasattr(module, "components") and isinstance(getattr(module, "TYPES", None), tuple), service_id
