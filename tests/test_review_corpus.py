"""Public templates this project did not write (tests/review/corpus/, sources.yaml) reviewed as a customer's:
each gets exactly the findings its `<name>.expected.yaml` lists (kind and logical ids), none of the false
positives it warns about, each at a line of the file, with the seed problem its kind signals.

The templates are committed beside their expected files, each with its source, commit and licence; a missing
one fails its test.
"""

from __future__ import annotations

from collections import Counter

import pytest

from advisor.review.checks import run_checks
from advisor.review.template import parse_template
from tests.test_review_corpus_files import CORPUS, KINDS, TEMPLATES, _expected, _template_bytes


def _review(name: str):
    data = _template_bytes(name)
    return data, run_checks(parse_template(data, str(CORPUS / name)))


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_the_review_finds_what_an_architect_expects(name):
    expected = _expected(name)
    data, done = _review(name)
    got = Counter((done.kinds[f], tuple(sorted(f.resources))) for f in done.findings if f.in_force)
    want = Counter((e["kind"], tuple(sorted(e["resources"]))) for e in expected["findings"])
    assert got == want, f"extra: {sorted((got - want).elements())}; missing: {sorted((want - got).elements())}"
    for trap in expected.get("must_not_report", []):
        assert (trap["kind"], tuple(sorted(trap["resources"]))) not in got, trap["why"]
    lines = data.count(b"\n") + 1
    for finding in done.findings:
        assert finding.problem in KINDS[done.kinds[finding]]
        assert 1 <= finding.line <= lines and finding.column >= 1
    assert done.questions == ()  # no template of the corpus has an API calling a chain of functions
