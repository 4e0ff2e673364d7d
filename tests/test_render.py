"""`advisor render`: files written safely, deterministic output, free text that cannot change structure."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import EXAMPLES, ROOT
from tests.cpulimit import cpu_limit  # noqa: E402

GOLDEN = Path(__file__).parent / "golden"


def _render(cli, workload: Path, out: Path, *extra: str):
    result = cli("render", str(workload), "-o", str(out), *extra)
    assert result.code == 0, result.err
    return (out / "ARCHITECTURE.md").read_text(encoding="utf-8"), (out / "template.yaml").read_text(encoding="utf-8")


def _resources(template_text: str) -> set[tuple[str, str]]:
    from cfnlint.decode.decode import decode_str

    template, errors = decode_str(template_text)
    assert not errors
    return {(lid, res["Type"]) for lid, res in template["Resources"].items()}


def _structure(report: str) -> tuple[list[str], int, list[str]]:
    lines = report.splitlines()
    headings = [line for line in lines if line.startswith("#")]
    fences = [line for line in lines if line.startswith("```")]
    return headings, len(fences), [line for line in lines if line.startswith("```mermaid")]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_golden_files(cli, tmp_path, path, update_golden):
    # Every file render writes: the report, the primary template and a recovery Region's template.
    _render(cli, path, tmp_path)
    written = {p.name: p.read_text(encoding="utf-8") for p in sorted(tmp_path.iterdir())}
    folder = GOLDEN / path.stem
    if update_golden:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():
            if old.name not in written:
                old.unlink()
        for name, text in written.items():
            (folder / name).write_text(text, encoding="utf-8")
    assert sorted(written) == sorted(p.name for p in folder.iterdir()), \
        f"render writes other files now; review and run pytest --update-golden ({path.name})"
    for name, text in written.items():
        assert text == (folder / name).read_text(encoding="utf-8"), \
            f"{name} changed; review and run pytest --update-golden ({path.name})"


def test_rendering_twice_is_byte_identical(cli, tmp_path):
    first = _render(cli, ROOT / "examples" / "everything.yaml", tmp_path / "a")
    second = _render(cli, ROOT / "examples" / "everything.yaml", tmp_path / "b")
    assert first == second


def test_existing_files_need_force_and_stay_untouched(cli, tmp_path):
    path = ROOT / "examples" / "startup-mvp.yaml"
    _render(cli, path, tmp_path)
    (tmp_path / "ARCHITECTURE.md").write_text("mine")
    again = cli("render", str(path), "-o", str(tmp_path))
    assert again.code == 2
    assert "already exists" in again.err and "--force" in again.err
    assert (tmp_path / "ARCHITECTURE.md").read_text() == "mine"
    forced = cli("render", str(path), "-o", str(tmp_path), "--force")
    assert forced.code == 0
    assert (tmp_path / "ARCHITECTURE.md").read_text().startswith("# Architecture: startup-mvp")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ARCHITECTURE.md", "template.yaml"]  # no temp files


def test_bad_input_writes_nothing(cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nname: x\nproblems: [nope]\n")
    out = tmp_path / "out"
    result = cli("render", str(bad), "-o", str(out))
    assert result.code == 2
    assert "unknown problem 'nope'" in result.err
    assert not out.exists()


def test_output_must_be_a_folder(cli, tmp_path):
    target = tmp_path / "file"
    target.write_text("")
    result = cli("render", str(ROOT / "examples" / "startup-mvp.yaml"), "-o", str(target))
    assert result.code == 2 and "not a folder" in result.err


HOSTILE = (
    "# Injected heading\n"
    "```\n"
    "Resources:\n  Evil: {Type: 'AWS::IAM::User'}\n"
    "```\n"
    "!Ref AWS::AccountId ${AWS::Region} {{ 7*7 }} {% include 'x' %}\n"
    "flowchart LR\n    x[\"a\"] --> y; end; click x call evil()\n"
    "| a | b |\n- [link](javascript:alert(1)) <script>alert(1)</script> #quot; #35; \"'\n"
    "--- \n...\n"
)


def test_hostile_free_text_changes_no_structure(cli, tmp_path):
    doc = yaml.safe_load((ROOT / "examples" / "everything.yaml").read_text())
    plain_doc = dict(doc, description="A plain description.")
    hostile_doc = dict(doc, description=HOSTILE)
    (tmp_path / "plain.yaml").write_text(yaml.safe_dump(plain_doc))
    (tmp_path / "hostile.yaml").write_text(yaml.safe_dump(hostile_doc))
    plain_report, plain_template = _render(cli, tmp_path / "plain.yaml", tmp_path / "p")
    hostile_report, hostile_template = _render(cli, tmp_path / "hostile.yaml", tmp_path / "h")
    assert _resources(hostile_template) == _resources(plain_template)
    assert _structure(hostile_report) == _structure(plain_report)
    mermaid = re.findall(r"```mermaid\n(.*?)```", hostile_report, flags=re.S)
    assert mermaid == re.findall(r"```mermaid\n(.*?)```", plain_report, flags=re.S)
    assert "Injected heading" in hostile_report  # the text is there, as text


def test_check_without_cfn_lint_is_exit_2_naming_the_install_and_writes_nothing(tmp_path):
    # cfn-lint hidden from the interpreter (a None entry in sys.modules is how Python marks a module absent).
    script = ("import sys; sys.modules['cfnlint'] = None; from advisor.cli import run; "
              f"sys.argv = ['advisor', 'render', {str(ROOT / 'examples' / 'startup-mvp.yaml')!r}, '-o', "
              f"{str(tmp_path / 'out')!r}, '--check']; run()")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, preexec_fn=cpu_limit(60),
                          env={**os.environ, "NO_COLOR": "1"})
    assert proc.returncode == 2, proc.stderr
    assert "cfn-lint, which is not installed" in proc.stderr and "pip install 'advisor[check]'" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_check_runs_cfn_lint(cli, tmp_path):
    result = cli("render", str(ROOT / "examples" / "startup-mvp.yaml"), "-o", str(tmp_path), "--check")
    assert result.code == 0, result.err
    assert "has no errors or warnings" in result.err


def test_a_missing_catalog_leaves_the_cost_section_out_but_renders(cli, tmp_path):
    # --catalog names a folder without the Region's file: nothing to price from, so no cost section.
    (tmp_path / "prices").mkdir()
    result = cli("render", str(ROOT / "examples" / "startup-mvp.yaml"), "-o", str(tmp_path / "out"),
                 "--catalog", str(tmp_path / "prices"))
    assert result.code == 0, result.err
    assert "note: the report has no cost section" in result.err and "us-east-1" in result.err
    report = (tmp_path / "out" / "ARCHITECTURE.md").read_text()
    assert "Not estimated: no price" in report


def test_a_report_says_which_prices_came_from_where(cli, tmp_path):
    # A pilot-light workload whose recovery Region has no DynamoDB prices of its own: the report's cost section
    # marks the total approximate and names the Regions and keys behind the lines.
    path = tmp_path / "dr.yaml"
    path.write_text("version: 1\nname: d\nregion: eu-west-1\nrequirements:\n  disaster-recovery: "
                    "{rpo_minutes: 5, rto_minutes: 30, secondary_region: af-south-1}\n")
    result = cli("render", str(path), "-o", str(tmp_path / "out"))
    assert result.code == 0, result.err
    report = (tmp_path / "out" / "ARCHITECTURE.md").read_text()
    cost = report.split("## Cost", 1)[1]
    assert "(approximate)" in cost
    assert "at eu-west-1's own prices" in cost and "at us-east-1's prices" in cost
    assert "af-south-1 has no price for dynamodb." in cost


def test_atomic_writes_leave_other_files_alone_and_no_temporary_file_behind(tmp_path):
    """Each write goes through a fresh temporary file in the folder, never over a file already there
    (a planted link included), and none is left behind."""
    from advisor.render import write_files

    taken = tmp_path / ".ARCHITECTURE.md.tmp"
    taken.write_text("not ours")
    (tmp_path / ".template.yaml.tmp").symlink_to(tmp_path / "elsewhere")
    written = write_files(tmp_path, {"ARCHITECTURE.md": "# report\n", "template.yaml": "Resources: {}\n"}, force=False)
    assert [p.name for p in written] == ["ARCHITECTURE.md", "template.yaml"]
    assert (tmp_path / "ARCHITECTURE.md").read_text() == "# report\n"
    assert (tmp_path / "template.yaml").read_text() == "Resources: {}\n"
    assert oct((tmp_path / "template.yaml").stat().st_mode & 0o777) == "0o644"
    assert taken.read_text() == "not ours" and not (tmp_path / "elsewhere").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [".ARCHITECTURE.md.tmp", ".template.yaml.tmp", "ARCHITECTURE.md", "template.yaml"])


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch):
    import os

    from advisor.errors import AdvisorError
    from advisor.render import write_files

    (tmp_path / "template.yaml").write_text("old\n")

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(AdvisorError, match="No space left on device") as caught:  # a clean exit 2, not a crash
        write_files(tmp_path, {"template.yaml": "new\n"}, force=True)
    assert caught.value.exit_code == 2
    assert (tmp_path / "template.yaml").read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["template.yaml"]


@pytest.mark.parametrize("rpo", ["0.02", "2.50", "15"])
def test_markdown_prints_numbers_as_the_json_does(cli, tmp_path, rpo):
    # The template engine formats floats its own way (0.00001 for 1e-05, 2 for 2.0); the Markdown
    # must read as the JSON and the table do.
    path = tmp_path / "dr.yaml"
    path.write_text("version: 1\nname: d\nrequirements:\n  disaster-recovery: "
                    f"{{rpo_minutes: {rpo}, rto_minutes: 30.0, secondary_region: us-west-2}}\n")
    as_json = cli("recommend", str(path), "-f", "json")
    as_md = cli("recommend", str(path), "-f", "markdown")
    assert as_json.code == as_md.code == 0, as_md.err
    dr = json.loads(as_json.out)["disaster_recovery"]
    expected = f"for RPO {json.dumps(dr['rpo_minutes'])} min and RTO {json.dumps(dr['rto_minutes'])} min"
    assert expected in as_md.out
    assert {"0.02": "0.02", "2.50": "2.5", "15": "15"}[rpo] in expected and "RTO 30.0 min" in expected


def test_the_deploy_command_deploys_the_template_as_written(cli, tmp_path):
    # CloudFormation takes at most 51,200 bytes inline: a larger template's command uploads it through an S3
    # bucket (`aws cloudformation deploy --s3-bucket`), and every parameter without a default gets a value.
    for name, big in (("everything", True), ("startup-mvp", False)):
        out = tmp_path / name
        assert cli("render", str(ROOT / "examples" / f"{name}.yaml"), "-o", str(out)).code == 0
        size = len((out / "template.yaml").read_bytes())
        assert (size > 51_200) == big
        step = next(line for line in (out / "ARCHITECTURE.md").read_text().splitlines()
                    if "aws cloudformation deploy" in line and "--template-file template.yaml " in line)
        assert ("--s3-bucket YOUR-ARTIFACT-BUCKET-us-east-1" in step) == big
        # everything's replica needs the recovery Region's key, which the recovery stack deployed first outputs.
        assert ('--parameter-overrides ReplicaMainKmsKeyArn="$KEY_MAIN_ARN"' in step) == big
