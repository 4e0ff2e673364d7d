"""Hardening: the region hint inside a workload file, malformed rule case files, amounts too large to round."""

from __future__ import annotations

from decimal import Decimal


def test_a_region_of_another_partition_in_the_file_is_not_matched_to_a_commercial_one(cli, tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text("version: 1\nname: w\nregion: cn-north-1\nproblems: [scalability-issues]\n")
    result = cli("validate", str(path))
    assert result.code == 2
    assert f"{path}:3:9:" in result.err and "aws-cn partition" in result.err
    assert "eu-north-1" not in result.err


def test_a_malformed_case_file_is_a_clean_error(cli, tmp_path):
    folder = tmp_path / "rules"
    (folder / "reliability").mkdir(parents=True)
    (folder / "reliability" / "ACME-R001.yaml").write_text(
        "id: ACME-R001\ntitle: t\npillars: [reliability]\nbest_practices: [REL05-BP01]\n"
        "when: {problem: scalability-issues}\nadds: {warnings: [w]}\nrationale: r\ntradeoffs: t\n"
        "source: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/welcome.html\n")
    (folder / "tests").mkdir()
    for name, body in (("ACME-R001.yaml", b"cases: []\n"), ("bytes.yaml", b"\xff\xfe rule")):
        (folder / "tests" / name).write_bytes(body)
    result = cli("rules", "--check", str(folder))
    assert result.code == 2, result.err
    assert "a case file names its rule" in result.err or "cannot read the case file" in result.err
    assert "Traceback" not in result.err and "internal error" not in result.err


def test_amounts_beyond_the_default_precision_round_to_the_cent():
    from advisor.pricing.base import to_cents

    assert to_cents(Decimal("123456789012345678901234567890.125")) == Decimal("123456789012345678901234567890.13")
