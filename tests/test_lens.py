"""The Well-Architected Tool custom-lens export: structure, limits and risk rules."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from advisor.catalog import load_catalog
from advisor.lens import (
    CHOICES_MAX, FRAMEWORK_PILLAR_IDS, LENS_SIZE_MAX, QUESTIONS_MAX, LensError, choice_id, export_lens, lens_json,
    QUESTION_TITLES, _clip, lens_size, validate_lens,
)
from advisor.rules import load_rules


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def rules():
    return load_rules()


@pytest.fixture(scope="module")
def lens(rules, catalog) -> dict[str, Any]:
    return export_lens(rules, catalog)


def _choices(doc: dict[str, Any]):
    for pillar in doc["pillars"]:
        for question in pillar["questions"]:
            for choice in question["choices"]:
                yield pillar, question, choice


def _minimal() -> dict[str, Any]:
    """A small valid lens to break one way at a time."""
    return {
        "schemaVersion": "2021-11-01",
        "name": "test lens",
        "description": "A lens for tests.",
        "pillars": [{
            "id": "reliability",
            "name": "Reliability",
            "questions": [{
                "id": "rel05",
                "title": "How do you design interactions in a distributed system to mitigate or withstand failures?",
                "choices": [
                    {"id": "ADV_R001", "title": "Buffer with a queue",
                     "helpfulResource": {"displayText": "REL05-BP02", "url": "https://example.com/a"},
                     "improvementPlan": {"displayText": "Add a queue", "url": "https://example.com/b"}},
                    {"id": "ADV_R007", "title": "Dead-letter queues",
                     "improvementPlan": {"displayText": "Add a DLQ"}},
                    {"id": "rel05_no", "title": "None of these", "helpfulResource": {"displayText": "-"}},
                ],
                "riskRules": [
                    {"condition": "ADV_R001 && ADV_R007", "risk": "NO_RISK"},
                    {"condition": "rel05_no || (!ADV_R001 && !ADV_R007)", "risk": "HIGH_RISK"},
                    {"condition": "default", "risk": "MEDIUM_RISK"},
                ],
            }],
        }],
    }


def _question(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["pillars"][0]["questions"][0]


def _has(problems: list[str], *fragments: str) -> bool:
    return any(all(f in p for f in fragments) for p in problems)


# --------------------------------------------------------------------------- the bundled export


def test_bundled_lens_has_no_violations(lens):
    assert validate_lens(lens) == []


def test_lens_header(lens, rules):
    assert lens["schemaVersion"] == "2021-11-01"
    assert lens["name"] == "advisor"
    assert str(len(rules)) in lens["description"]
    assert list(lens) == ["schemaVersion", "name", "description", "pillars"]


def test_every_rule_is_exactly_one_choice(lens, rules):
    ids = [choice["id"] for _, _, choice in _choices(lens) if not choice["id"].endswith("_no")]
    assert sorted(ids) == sorted(choice_id(rule.id) for rule in rules)
    assert len(ids) == len(set(ids)) == len(rules)


def test_pillar_ids_are_wa_tool_ids_in_framework_order(lens, catalog):
    ids = [pillar["id"] for pillar in lens["pillars"]]
    assert set(ids) <= set(FRAMEWORK_PILLAR_IDS)
    order = [p.wa_tool_id for p in catalog.pillars.values()]
    assert ids == sorted(ids, key=order.index)
    assert {p.wa_tool_id for p in catalog.pillars.values()} == set(FRAMEWORK_PILLAR_IDS)


def test_questions_are_framework_questions(lens, catalog):
    rel05 = next(q for p in lens["pillars"] for q in p["questions"] if q["id"] == "rel05")
    assert rel05["title"] == "How do you design interactions in a distributed system to mitigate or withstand failures?"
    assert "ADV_R001" in [c["id"] for c in rel05["choices"]]
    prefixes = {p.wa_tool_id: p.prefix.lower() for p in catalog.pillars.values()}
    for pillar in lens["pillars"]:
        for question in pillar["questions"]:
            assert question["id"].startswith(prefixes[pillar["id"]])


def test_every_question_ends_with_none_of_these_and_default_risk(lens):
    for pillar in lens["pillars"]:
        assert 1 <= len(pillar["questions"]) <= QUESTIONS_MAX
        for question in pillar["questions"]:
            choices = question["choices"]
            assert len(choices) <= CHOICES_MAX
            assert choices[-1] == {
                "id": question["id"] + "_no", "title": "None of these",
                "helpfulResource": {"displayText": "Choose this if the workload follows none of these rules."},
            }
            assert [c["id"] for c in choices[:-1]] == sorted(c["id"] for c in choices[:-1])
            risks = question["riskRules"]
            assert [r["risk"] for r in risks] == ["NO_RISK", "HIGH_RISK", "MEDIUM_RISK"]
            assert risks[-1]["condition"] == "default"
            assert risks[0]["condition"] == " && ".join(c["id"] for c in choices[:-1])
            assert risks[1]["condition"].split(" || ")[0] == question["id"] + "_no"


def test_high_risk_rule_names_the_rules_of_high_risk_practices(lens, rules, catalog):
    by_choice = {choice_id(rule.id): rule for rule in rules}
    for _, question, _ in _choices(lens):
        high = question["riskRules"][1]["condition"].split(" || ")[1:]
        expected = [f"!{c['id']}" for c in question["choices"][:-1]
                    if any(catalog.best_practices[bp].risk == "high" for bp in by_choice[c["id"]].best_practices)]
        assert high == expected
    # ADV-C001 cites only medium/low practices: missing it is medium risk, not high.
    cost05 = next(q for p in lens["pillars"] for q in p["questions"] if q["id"] == "cost05")
    assert cost05["riskRules"][1]["condition"] == "cost05_no"


def test_choice_content(lens, rules, catalog):
    by_choice = {choice_id(rule.id): rule for rule in rules}
    for _, _, choice in _choices(lens):
        if choice["id"].endswith("_no"):
            continue
        rule = by_choice[choice["id"]]
        assert choice["title"] == rule.title
        assert choice["description"].split()[:5] == rule.rationale.split()[:5]
        assert choice["helpfulResource"]["url"] == rule.source
        for bp in rule.best_practices:
            assert bp in choice["helpfulResource"]["displayText"]
        assert choice["improvementPlan"]["url"] == catalog.best_practices[rule.best_practices[0]].url
        assert choice["improvementPlan"]["displayText"].startswith(f"Apply {rule.id}")


def test_long_text_is_clipped_at_a_word_with_an_ellipsis():
    title = QUESTION_TITLES["SEC11"]  # 137 characters, over the 128 of a question title
    clipped = _clip(title, 128)
    assert len(clipped) <= 128 and clipped.endswith("…")
    assert title.startswith(clipped[:-1]) and title[len(clipped) - 1] == " "
    assert _clip("short  text\n here", 128) == "short text here"
    assert _clip("x" * 300, 100) == "x" * 99 + "…"


def test_export_is_byte_identical(rules, catalog):
    first = json.dumps(export_lens(rules, catalog), sort_keys=True)
    second = json.dumps(export_lens(tuple(reversed(rules)), catalog), sort_keys=True)
    assert first == second
    assert lens_json(export_lens(rules, catalog)) == lens_json(export_lens(rules, catalog))


def test_size_is_under_the_limit(lens):
    assert lens_size(lens) < LENS_SIZE_MAX
    assert len(lens_json(lens).encode("utf-8")) <= lens_size(lens)


def test_overflowing_question_is_split_deterministically(rules, catalog):
    base = next(r for r in rules if r.id == "ADV-R007")  # filed under REL05
    many = [base._replace(id=f"ADV-R{100 + i:03d}") for i in range(30)]
    doc = export_lens(many, catalog)
    assert validate_lens(doc) == []
    questions = doc["pillars"][0]["questions"]
    assert [q["id"] for q in questions] == ["rel05", "rel05_2", "rel05_3"]
    assert [len(q["choices"]) - 1 for q in questions] == [10, 10, 10]
    assert questions[1]["title"].endswith("(part 2 of 3)") and len(questions[1]["title"]) <= 128
    ids = [c["id"] for q in questions for c in q["choices"] if not c["id"].endswith("_no")]
    assert ids == sorted(choice_id(r.id) for r in many)


def test_overflowing_pillar_gets_a_second_pillar(rules, catalog):
    base = next(r for r in rules if r.id == "ADV-R007")
    many = [base._replace(id=f"ADV-R{100 + i:03d}") for i in range(QUESTIONS_MAX * (CHOICES_MAX - 1) + 1)]
    doc = export_lens(many, catalog)
    assert validate_lens(doc) == []
    assert [p["id"] for p in doc["pillars"]] == ["reliability", "reliability_2"]


def test_rules_that_cannot_fit_raise(rules, catalog):
    base = next(r for r in rules if r.id == "ADV-R007")
    huge = [base._replace(id=f"ADV-R{i:03d}", rationale="word " * 400, tradeoffs="word " * 400) for i in range(400)]
    with pytest.raises(LensError, match="500 KB"):
        export_lens(huge, catalog)
    with pytest.raises(LensError):
        export_lens([], catalog)


# --------------------------------------------------------------------------- broken documents


def test_minimal_document_is_valid():
    assert validate_lens(_minimal()) == []


def test_too_many_choices():
    doc = _minimal()
    extra = [{"id": f"extra_{i}", "title": "x", "improvementPlan": {"displayText": "y"}} for i in range(14)]
    _question(doc)["choices"][:0] = extra
    problems = validate_lens(doc)
    assert _has(problems, "pillars[0].questions[0].choices", "17 items", "limit of 15 choices")


def test_too_many_questions_and_pillars():
    doc = _minimal()
    question = _question(doc)
    doc["pillars"][0]["questions"] = [dict(copy.deepcopy(question), id=f"q{i:02d}") for i in range(21)]
    doc["pillars"] += [dict(copy.deepcopy(doc["pillars"][0]), id=f"pillar_{i}", questions=[question])
                       for i in range(10)]
    problems = validate_lens(doc)
    assert _has(problems, "pillars[0].questions", "21 items", "limit of 20 questions")
    assert _has(problems, "pillars:", "11 items", "limit of 10 pillars")


@pytest.mark.parametrize("bad", ["ADV-R001", "ab", "x" * 129, "rel 05", "né_1", 7])
def test_bad_choice_id(bad):
    doc = _minimal()
    _question(doc)["choices"][0]["id"] = bad
    problems = validate_lens(doc)
    assert _has(problems, "choices[0].id", "not a valid choice id")


def test_bad_pillar_and_question_ids():
    doc = _minimal()
    doc["pillars"][0]["id"] = "cost-optimization"
    _question(doc)["id"] = "q"
    problems = validate_lens(doc)
    assert _has(problems, "pillars[0].id", "not a valid pillar id")
    assert _has(problems, "questions[0].id", "not a valid question id")


def test_duplicate_ids():
    doc = _minimal()
    _question(doc)["choices"][1]["id"] = "ADV_R001"
    problems = validate_lens(doc)
    assert _has(problems, "choices[1].id", "used twice")


def test_missing_improvement_plan_on_a_regular_choice():
    doc = _minimal()
    del _question(doc)["choices"][1]["improvementPlan"]
    problems = validate_lens(doc)
    assert problems == ["pillars[0].questions[0].choices[1].improvementPlan: required for every choice except "
                        "a None of these choice (id ending '_no')"]


def test_none_of_these_needs_no_improvement_plan_but_a_plan_needs_text():
    doc = _minimal()
    _question(doc)["choices"][0]["improvementPlan"] = {"url": "https://example.com"}
    problems = validate_lens(doc)
    assert _has(problems, "choices[0].improvementPlan.displayText", "required")
    assert not _has(problems, "choices[2]")


def test_url_must_be_http():
    doc = _minimal()
    _question(doc)["choices"][0]["helpfulResource"]["url"] = "ftp://example.com/x"
    assert _has(validate_lens(doc), "helpfulResource.url", "http:// or https://")


def test_condition_with_unknown_choice():
    doc = _minimal()
    _question(doc)["riskRules"][0]["condition"] = "ADV_R001 && ADV_R999"
    problems = validate_lens(doc)
    assert problems == ["pillars[0].questions[0].riskRules[0].condition: 'ADV_R999' is not the id of a choice "
                        "of this question"]


@pytest.mark.parametrize("condition, fragment", [
    ("ADV_R001 &&", "ends too early"),
    ("(ADV_R001 || ADV_R007", "not closed"),
    ("ADV_R001 & ADV_R007", "unexpected character '&'"),
    ("ADV_R001 ADV_R007", "unexpected 'ADV_R007'"),
    ("ADV_R001 && default", "must stand alone"),
    ("", "Boolean expression"),
])
def test_malformed_conditions(condition, fragment):
    doc = _minimal()
    _question(doc)["riskRules"][0]["condition"] = condition
    assert _has(validate_lens(doc), "riskRules[0].condition", fragment)


def test_default_not_last():
    doc = _minimal()
    rules = _question(doc)["riskRules"]
    rules[1], rules[2] = rules[2], rules[1]
    problems = validate_lens(doc)
    assert problems == ["pillars[0].questions[0].riskRules[1].condition: 'default' must be the last risk rule "
                        "(the first true condition sets the risk, so rules after it never apply)"]


def test_default_missing_and_risks_repeated_or_unknown():
    doc = _minimal()
    rules = _question(doc)["riskRules"]
    rules[2] = {"condition": "ADV_R001", "risk": "NO_RISK"}
    problems = validate_lens(doc)
    assert _has(problems, "riskRules:", "'default' risk rule is required")
    assert _has(problems, "riskRules[2].risk", "used twice")
    rules[2] = {"condition": "default", "risk": "LOW_RISK"}
    assert _has(validate_lens(doc), "riskRules[2].risk", "must be one of")


def test_too_many_risk_rules():
    doc = _minimal()
    _question(doc)["riskRules"].insert(0, {"condition": "ADV_R001", "risk": "NO_RISK"})
    problems = validate_lens(doc)
    assert _has(problems, "riskRules:", "4 items", "limit of 3 risk rules")


@pytest.mark.parametrize("where, limit", [
    (lambda d: d, ("name", 128)),
    (lambda d: d, ("description", 2048)),
    (lambda d: d["pillars"][0], ("name", 128)),
    (lambda d: _question(d), ("title", 128)),
    (lambda d: _question(d), ("description", 2048)),
    (lambda d: _question(d)["choices"][0], ("title", 128)),
    (lambda d: _question(d)["choices"][0], ("description", 1024)),
    (lambda d: _question(d)["choices"][0]["helpfulResource"], ("displayText", 2048)),
    (lambda d: _question(d)["choices"][0]["improvementPlan"], ("displayText", 2048)),
])
def test_string_over_its_limit(where, limit):
    key, size = limit
    doc = _minimal()
    where(doc)[key] = "x" * size
    assert validate_lens(doc) == []
    where(doc)[key] = "x" * (size + 1)
    problems = validate_lens(doc)
    assert len(problems) == 1
    assert problems[0].endswith(f"{key}: {size + 1} characters, over the limit of {size}")


def test_schema_version_unknown_keys_and_non_objects():
    doc = _minimal()
    doc["schemaVersion"] = "2023-01-01"
    doc["pillars"][0]["number"] = 1
    _question(doc)["choices"].append("choice")
    problems = validate_lens(doc)
    assert _has(problems, "schemaVersion", "2021-11-01")
    assert _has(problems, "pillars[0]", "unknown key 'number'")
    assert _has(problems, "choices[3]", "expected an object")
    assert validate_lens([]) == ["lens: expected a JSON object"]
    assert _has(validate_lens({}), "pillars", "non-empty list")


def test_additional_resources():
    doc = _minimal()
    choice = _question(doc)["choices"][0]
    choice["additionalResources"] = [
        {"type": "HELPFUL_RESOURCE", "content": [{"displayText": f"r{i}", "url": "https://example.com"} for i in range(5)]},
        {"type": "IMPROVEMENT_PLAN", "content": [{"displayText": "p"}]},
    ]
    assert validate_lens(doc) == []
    choice["additionalResources"][0]["content"].append({"url": "https://example.com"})
    choice["additionalResources"][1]["type"] = "OTHER"
    problems = validate_lens(doc)
    assert _has(problems, "additionalResources[0].content", "6 items", "limit of 5")
    assert _has(problems, "additionalResources[0].content[5].displayText", "required")
    assert _has(problems, "additionalResources[1].type", "must be one of")


def test_size_limit():
    doc = _minimal()
    question = _question(doc)
    question["choices"][0]["description"] = "x" * 1024
    question["choices"][0]["helpfulResource"]["displayText"] = "x" * 2048
    question["choices"][0]["improvementPlan"]["displayText"] = "x" * 2048
    doc["pillars"] = [dict(copy.deepcopy(doc["pillars"][0]), id=f"pillar_{p}",
                           questions=[dict(copy.deepcopy(question), id=f"q_{p}_{q}") for q in range(20)])
                      for p in range(10)]
    problems = validate_lens(doc)
    assert len(problems) == 1 and "over the 500,000-byte (500 KB) limit" in problems[0]
