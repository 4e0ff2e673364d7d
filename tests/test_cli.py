"""The command line: exit codes, JSON on stdout, messages on stderr, never a traceback."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from tests.conftest import EXAMPLES, ROOT


def no_traceback(result) -> None:
    assert "Traceback" not in result.err and "Traceback" not in result.out


def test_version(cli):
    result = cli("--version")
    assert result.code == 0
    assert result.out.startswith("advisor ")


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_recommend_json_for_every_example(cli, path):
    result = cli("recommend", str(path), "--format", "json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["workload"] == path.stem
    assert data["services"] and data["decisions"]


def test_recommend_defaults_to_json_off_a_terminal_and_to_advisor_yaml(cli, tmp_path):
    (tmp_path / "advisor.yaml").write_text((ROOT / "examples" / "startup-mvp.yaml").read_text())
    result = cli("recommend", cwd=tmp_path)
    assert result.code == 0, result.err
    assert json.loads(result.out)["workload"] == "startup-mvp"


def test_missing_default_file_is_a_usage_error(cli, tmp_path):
    result = cli("recommend", cwd=tmp_path)
    assert result.code == 2
    assert "no advisor.yaml in the current folder" in result.err
    no_traceback(result)


def test_recommend_markdown_has_sections_and_escapes_free_text(cli, tmp_path):
    doc = yaml.safe_load((ROOT / "examples" / "startup-mvp.yaml").read_text())
    doc["description"] = "# Not a heading\n```\nfence\n- [link](http://x)"
    path = tmp_path / "w.yaml"
    path.write_text(yaml.safe_dump(doc))
    result = cli("recommend", str(path), "--format", "markdown")
    assert result.code == 0, result.err
    headings = [line for line in result.out.splitlines() if line.startswith("#")]
    assert headings[0] == "# Recommendation: startup-mvp"
    assert "## Decisions" in headings and "## Flows" in headings
    assert "```" not in result.out
    assert "\\# Not a heading" in result.out


def test_recommend_table_format_prints_services(cli):
    result = cli("recommend", str(ROOT / "examples" / "order-fanout.yaml"), "--format", "table")
    assert result.code == 0, result.err
    assert "queue:consumer-billing" in result.out
    assert "ADV-R003" in result.out


def test_validate_ok_and_json(cli):
    path = str(ROOT / "examples" / "payments-api.yaml")
    result = cli("validate", path)
    assert result.code == 0
    assert result.out == ""
    assert "ok (" in result.err
    result = cli("validate", path, "--format", "json")
    assert json.loads(result.out) == {"file": path, "valid": True, "errors": [], "warnings": [], "notes": []}


def test_validate_and_init_say_when_the_regions_catalog_is_partial(cli, tmp_path):
    # af-south-1 has no catalog: validate and init both say that us-east-1's prices stand in, so an estimate
    # there is approximate, and how to refuse or fix that.
    doc = (ROOT / "examples" / "payments-api.yaml").read_text().replace("region: us-east-1", "region: af-south-1")
    path = tmp_path / "w.yaml"
    assert "region: af-south-1" in doc
    path.write_text(doc)
    notes = json.loads(cli("validate", str(path), "--format", "json").out)["notes"]
    assert len(notes) == 1 and "us-east-1's prices stand in for the other" in notes[0]
    assert "--strict-prices" in notes[0] and "prices update --region af-south-1" in notes[0]
    made = cli("init", "--name", "w", "--region", "af-south-1", "--problem", "scalability-issues",
               "-o", str(tmp_path / "new.yaml"))
    assert made.code == 0, made.err
    assert "note: af-south-1's price catalog has its own prices for 0 of the" in made.err


def test_validate_reports_every_error_as_json(cli, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("version: 1\nname: Bad Name\nproblems: [hi-latency]\n")
    result = cli("validate", str(path), "--format", "json")
    assert result.code == 2
    data = json.loads(result.out)
    assert data["valid"] is False
    assert [(e["line"], e["column"]) for e in data["errors"]] == [(2, 7), (3, 12)]
    assert data["errors"][1]["hint"] == "did you mean 'high-latency'?"


BAD_INPUTS = {
    "wrong-type.yaml": (b"version: 1\nname: x\nproblems: scalability-issues\n", "expected a list"),
    "unknown-id.yaml": (b"version: 1\nname: x\nproblems: [scalabilty-issues]\n", "did you mean 'scalability-issues'?"),
    "duplicate.yaml": (b"version: 1\nname: x\nname: y\nproblems: [high-latency]\n", "duplicate key 'name'"),
    "bomb.yaml": (b"a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
                  b"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
                  b"e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n", "after expanding aliases"),
    "deep.yaml": (b"version: " + b"[" * 5000 + b"]" * 5000 + b"\n", "nesting deeper than"),
    "binary.yaml": (bytes(range(256)) * 4, "error:"),
    "path.yaml": (b"version: 1\nname: ../../x\nproblems: [high-latency]\n", "is not allowed here"),
    "template.yaml": (b"version: 1\nname: '{{x}}'\nproblems: [high-latency]\n", "is not allowed here"),
    "empty-intent.yaml": (b"version: 1\nname: x\n", "neither problems nor requirements"),
    "empty.yaml": (b"", "the file is empty"),
}


@pytest.mark.parametrize("command", ["recommend", "validate"])
@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_exits_2_with_a_message(cli, tmp_path, command, name):
    content, expected = BAD_INPUTS[name]
    path = tmp_path / name
    path.write_bytes(content)
    result = cli(command, str(path))
    assert result.code == 2
    assert expected in result.err
    assert result.err.splitlines()[0].startswith(str(path))
    assert result.out == ""
    no_traceback(result)
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # nothing written


def test_huge_file_refused(cli, tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"version: 1\n" + b"# padding\n" * 2_000_000)
    result = cli("recommend", str(path))
    assert result.code == 2
    assert "larger than the 1,048,576 bytes allowed" in result.err
    no_traceback(result)


def test_unknown_option_is_usage_error(cli):
    result = cli("recommend", "--format", "yaml", str(ROOT / "examples" / "everything.yaml"))
    assert result.code == 2
    no_traceback(result)


def test_schema_is_2020_12_and_matches_committed_file_and_examples(cli):
    result = cli("schema")
    assert result.code == 0
    schema = json.loads(result.out)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert json.loads((ROOT / "workload.schema.json").read_text()) == schema
    validator = jsonschema.Draft202012Validator(schema)
    jsonschema.Draft202012Validator.check_schema(schema)
    for path in EXAMPLES:
        validator.validate(yaml.safe_load(path.read_text()))
    with pytest.raises(jsonschema.ValidationError):
        validator.validate({"version": 1, "name": "x", "problems": ["nope"]})


def test_rules_listing(cli):
    result = cli("rules", "--format", "json")
    assert result.code == 0
    listed = json.loads(result.out)
    ids = [r["id"] for r in listed]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    assert all(r["best_practices"] and r["pillars"] for r in listed)
    result = cli("rules", "--pillar", "security", "--format", "json")
    assert all("security" in r["pillars"] for r in json.loads(result.out))
    result = cli("rules", "--pillar", "securty")
    assert result.code == 2
    assert "did you mean 'security'?" in result.err
