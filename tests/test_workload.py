"""Loading and validating workload files: every error named with file, line and column."""

from __future__ import annotations

import pytest
import yaml

from advisor.errors import InputError
from advisor.workload import load_workload, load_workload_text
from tests.conftest import EXAMPLES, ROOT

MINIMAL = "version: 1\nname: shop\nproblems: [scalability-issues]\n"


def errors(text: str) -> list[str]:
    with pytest.raises(InputError) as info:
        load_workload_text(text, "w.yaml")
    return [d.render() for d in info.value.diagnostics]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_load(path):
    workload = load_workload(str(path))
    assert workload.name == path.stem
    assert workload.problems or workload.requirements


def test_product_spec_example_loads_with_every_value():
    text = (ROOT / "examples" / "everything.yaml").read_text()
    w = load_workload_text(text, "everything.yaml")
    assert w.requirements["decoupling"]["consumers"] == ("billing", "notifications", "analytics")
    assert w.requirements["disaster-recovery"]["secondary_region"] == "us-east-2"
    assert w.usage["lambda"]["memory_mb"] == 1536
    assert w.traffic["requests_per_month"] == 10_000_000


def test_problem_implies_requirement_with_defaults_and_reason():
    w = load_workload_text("version: 1\nname: x\nproblems: [disaster-recovery-gaps, scalability-issues]\n")
    assert w.requirements["disaster-recovery"]["rpo_minutes"] == 1440
    assert w.because("disaster-recovery") == ("problem:disaster-recovery-gaps",)
    assert w.because("scalability") == ("problem:scalability-issues",)


def test_stated_requirement_wins_over_implication():
    w = load_workload_text(MINIMAL + "requirements:\n  scalability: {peak_rps: 5}\n")
    assert w.because("scalability") == ("requirement:scalability",)
    assert w.requirements["scalability"]["peak_rps"] == 5


def test_defaults_fill_traffic_and_data():
    w = load_workload_text(MINIMAL)
    assert w.region == "us-east-1"
    assert w.traffic["requests_per_month"] == 1_000_000
    assert w.data["item_kb"] == 1


def test_all_errors_reported_at_once_with_positions_and_hints():
    found = errors(
        "version: 1\n"
        "name: shop\n"
        "regoin: us-east-1\n"
        "problems: [scalabilty-issues, Scalability Issues]\n"
        "requirements:\n"
        "  decouple: true\n"
        "  scalability: {peak_rps: -3}\n"
        "usage:\n"
        "  lambda: {memory_mb: 64, architecture: arm}\n"
    )
    assert found == [
        "w.yaml:3:1: error: regoin: unknown key 'regoin' (did you mean 'region'?)",
        "w.yaml:4:12: error: problems[0]: unknown problem 'scalabilty-issues' (did you mean 'scalability-issues'?)",
        "w.yaml:4:31: error: problems[1]: unknown problem 'Scalability Issues' "
        "(problems are ids, not free text; did you mean 'scalability-issues'?)",
        "w.yaml:6:3: error: requirements.decouple: unknown requirement 'decouple' (did you mean 'decoupling'?)",
        "w.yaml:7:27: error: requirements.scalability.peak_rps: must be more than 0, got -3",
        "w.yaml:9:23: error: usage.lambda.memory_mb: must be at least 128 MB, got 64",
        "w.yaml:9:41: error: usage.lambda.architecture: unknown value 'arm' (did you mean 'arm64'?)",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (MINIMAL + "traffic: {requests_per_month: lots}\n", "4:31: error: traffic.requests_per_month: expected a whole number"),
        (MINIMAL + "traffic: {requests_per_month: '100'}\n", "write the number without quotes"),
        (MINIMAL + "traffic: {request_kb: .nan}\n", "4:23: error: traffic.request_kb: expected a finite number, got nan"),
        (MINIMAL + "traffic: {request_kb: .inf}\n", "expected a finite number, got inf"),
        (MINIMAL + "traffic: {writes_per_request: -1}\n", "must be at least 0, got -1"),
        (MINIMAL + "traffic: {requests_per_month: 1.5}\n", "expected a whole number, got 1.5"),
        (MINIMAL + "region: us-east-9\n", "4:9: error: region: unknown region 'us-east-9' (did you mean 'us-east-2'?)"),
        ("version: 1\nname: ../../etc/passwd\nproblems: [high-latency]\n", "2:7: error: name: '../../etc/passwd' is not allowed here"),
        ("version: 1\nname: '{{ 7*7 }}'\nproblems: [high-latency]\n", "name: '{{ 7*7 }}' is not allowed here"),
        ("version: 1\nname: \"a\\nb\"\nproblems: [high-latency]\n", "is not allowed here"),
        ("version: 1\nname: shop\n", "1:1: error: the workload names neither problems nor requirements"),
        ("version: 1\nname: shop\nproblems: []\nrequirements: {}\n", "neither problems nor requirements"),
        ("version: 2\nname: shop\nproblems: [high-latency]\n", "1:10: error: version: must be at most 1, got 2"),
        ("name: shop\nproblems: [high-latency]\n", "missing required key 'version'"),
        (MINIMAL + "requirements:\n  serverless-first: false\n", "to leave this out, delete the line"),
        (MINIMAL + "requirements:\n  monitoring-governance: {audit: 'yes'}\n", "expected true or false"),
        (MINIMAL + "requirements:\n  monitoring-governance: {log_retention_days: 31}\n", "the nearest allowed is 30"),
        (MINIMAL + "requirements:\n  real-time-updates: {subscribers: [pager]}\n", "unknown subscriber 'pager'"),
        (MINIMAL + "requirements:\n  decoupling: {consumers: [billing, billing]}\n", "'billing' is listed twice"),
        (MINIMAL + "requirements:\n  disaster-recovery: {secondary_region: us-east-1}\n", "must differ from the workload's region"),
        (MINIMAL + "requirements:\n  scalability: {peak: 3}\n", "unknown parameter 'peak' (did you mean 'peak_rps'?)"),
        (MINIMAL + "usage:\n  iam: {roles: 3}\n", "iam has no usage keys"),
        (MINIMAL + "usage:\n  lambda: {ephemeral_storage_mb: 20000}\n", "must be at most 10,240 MB"),
        (MINIMAL + "usage:\n  lambda: {request_duration_ms: 1000000}\n", "must be at most 900,000 ms"),
        (MINIMAL + "problems: [high-latency]\n", "duplicate key 'problems' (first given at line 3, column 1)"),
        ("- version: 1\n", "1:1: error: the file must be a mapping of keys"),
        ("just text\n", "not a single value"),
        ("", "the file is empty"),
        ("version: 1\n---\nversion: 1\n", "more than one YAML document"),
        ("version: 1\nname:\n\tx: 1\n", "YAML indents with spaces, not tabs"),
        ("version: 1\nproblems: [high-latency\n", "invalid YAML"),
        ("version: !!python/object:os.system 1\n", "tag 'tag:yaml.org,2002:python/object:os.system' is not allowed"),
        ("version: 1\nname: \x00\x01\x02\n", "control character #x0000 is not allowed"),
    ],
)
def test_bad_input_is_named(text, expected):
    assert any(expected in line for line in errors(text)), errors(text)


def test_alias_bomb_is_refused_quickly():
    lines = ["version: 1", "name: shop", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i-1}"] * 10) + "]")
    found = errors("\n".join(lines) + "\n")
    assert "after expanding aliases" in found[0]


def test_deep_nesting_is_refused():
    found = errors("version: 1\nname: x\nproblems: " + "[" * 5000 + "]" * 5000 + "\n")
    assert "nesting deeper than 64 levels" in found[0]


def test_oversized_file_is_refused_before_parsing(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"version: 1\n" + b"#" * (20 * 1024 * 1024))
    with pytest.raises(InputError) as info:
        load_workload(str(path))
    assert "larger than the 1,048,576 bytes allowed" in info.value.diagnostics[0].message


def test_non_utf8_bytes_are_located(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"version: 1\nname: caf\xe9\n")
    with pytest.raises(InputError) as info:
        load_workload(str(path))
    d = info.value.diagnostics[0]
    assert (d.line, d.column) == (2, 10)
    assert "not UTF-8" in d.message


def test_description_may_hold_anything():
    hostile = "# Heading\n```\n{{ x }} ${AWS::Region} !Ref X --> |a| \"quotes\" <b>"
    import yaml

    text = MINIMAL + yaml.safe_dump({"description": hostile})
    assert load_workload_text(text).description == hostile


def test_close_match_hints_stop_after_the_first_hundred_unknown_names():
    """A hostile file with thousands of unknown names is refused within a second: the close-match
    search runs for the first HINT_BUDGET of them; the rest get the plain list of known names."""
    from advisor.spec import HINT_BUDGET

    keys = "".join(f"  cloudwatc{i:04d}: 1\n" for i in range(HINT_BUDGET + 5))
    with pytest.raises(InputError) as info:
        load_workload_text("version: 1\nname: x\nproblems: [scalability-issues]\nusage:\n" + keys)
    hints = [d.hint for d in info.value.diagnostics]
    assert len(hints) == HINT_BUDGET + 5
    assert hints[:HINT_BUDGET] == ["did you mean 'cloudwatch'?"] * HINT_BUDGET
    assert all(h.startswith("services with usage keys: ") for h in hints[HINT_BUDGET:])


@pytest.mark.parametrize("text", ["0", "7", "34353607", "010", "0o17", "0x1F", "1_000", "+5", "-3", "1:30", "007",
                                  "12345678901234567890123456789012345678901"])
def test_plain_numbers_read_as_yaml_reads_them(text):
    # Plain decimal digits take a short path; the rest go through PyYAML's own construction.
    from advisor.yamlsafe import YamlProblem, parse

    try:
        ours = parse(f"n: {text}\n", "n.yaml").value["n"].value
    except YamlProblem:
        ours = "refused"  # numbers longer than 40 characters
    expected = yaml.safe_load(f"n: {text}\n")["n"] if len(text) <= 40 else "refused"
    assert ours == expected and type(ours) is type(expected)
