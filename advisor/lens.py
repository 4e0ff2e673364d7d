"""The rules as a Well-Architected Tool custom lens, and a checker for the Tool's lens format.

`export_lens` turns the validated rules into a lens document (a plain dict, ready for
`json.dumps`); `validate_lens` lists every way a document breaks the format or its limits.
Pure: nothing here prints, reads or writes files.

Design
------
* One lens pillar per Well-Architected pillar that the rules reach, with the WA Tool pillar id
  (`reliability`, `costOptimization`, ...), in framework order.
* One question per Well-Architected question (REL05, SEC08, ...): a rule lives in the question
  of its *home* best practice, the first one it cites from its primary pillar (else the first
  from any of its pillars, else its first).  The question title is the framework's.
* One choice per rule (id `ADV_R001` from `ADV-R001`), sorted by rule id, then a final
  "None of these" choice `<question>_no`.  A question with more rules than fit is split into
  balanced parts `rel05`, `rel05_2`, ...; a pillar with more questions than fit overflows into
  a custom pillar `reliability_2`.
* Risk: every rule chosen -> NO_RISK; "None of these", or a missing rule that implements a
  best practice the framework rates high risk -> HIGH_RISK; otherwise (`default`) MEDIUM_RISK.

Limits and where they come from
-------------------------------
[spec]  "Lens format specification in AWS WA Tool",
        https://docs.aws.amazon.com/wellarchitected/latest/userguide/lenses-format-specification.html
[size]  API reference, ImportLens: https://docs.aws.amazon.com/wellarchitected/latest/APIReference/API_ImportLens.html
        "A custom lens cannot exceed 500 KB in size." (the user guide's "create a custom lens" steps say the same)
[api]   API reference, Choice: https://docs.aws.amazon.com/wellarchitected/latest/APIReference/API_Choice.html
        (the spec page does not list a choice description; the API caps it at 1024).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, Iterable, Mapping, Sequence

from advisor import __version__
from advisor.catalog import Catalog
from advisor.errors import AdvisorError
from advisor.rules import Rule

# [spec] Lens section: "schemaVersion: ... Set by the template, do not change." (the template's value)
SCHEMA_VERSION = "2021-11-01"
# [spec] Lens section: "The name can be up to 128 characters." / "The description can be up to 2048 characters."
LENS_NAME_MAX = 128
LENS_DESCRIPTION_MAX = 2048
# [spec] Pillars section: "You can define up to 10 pillars in a custom lens." / "The name can be up to 128 characters."
PILLARS_MAX = 10
PILLAR_NAME_MAX = 128
# [spec] Questions section: "You can define up to 20 questions in a pillar in a custom lens."
# "The title can be up to 128 characters." / "The description can be up to 2048 characters."
QUESTIONS_MAX = 20
QUESTION_TITLE_MAX = 128
QUESTION_DESCRIPTION_MAX = 2048
# [spec] Choices section: "You can define up to 15 choices for a question in a custom lens."
# "The title can be up to 128 characters."
CHOICES_MAX = 15
CHOICE_TITLE_MAX = 128
# [api] Choice.Description: "Minimum length of 1. Maximum length of 1024."
CHOICE_DESCRIPTION_MAX = 1024
# [spec] helpfulResource / improvementPlan / additionalResources displayText: "The text can be up to
# 2048 characters."; "Must be included if ... url is specified."; url "must start with http:// or https://".
RESOURCE_TEXT_MAX = 2048
URL_PREFIXES = ("http://", "https://")
# [spec] Choices section: "Up to five additional helpful resources and up to five additional improvement
# plan items can be specified for a choice"; type "HELPFUL_RESOURCE or IMPROVEMENT_PLAN".
ADDITIONAL_RESOURCES_MAX = 5
ADDITIONAL_RESOURCE_TYPES = ("HELPFUL_RESOURCE", "IMPROVEMENT_PLAN")
# [spec] Pillar, question and choice ids: "between 3 and 128 characters and contain only alphanumeric
# and underscore ("_") characters".
ID_RE = re.compile(r"[A-Za-z0-9_]{3,128}")
# [spec] Choices section: "Adding a choice with a suffix of _no will act as a None of these choice for the
# question." and "An improvementPlan is required for each choice, except for a None of these choice."
NONE_SUFFIX = "_no"
NONE_TITLE = "None of these"
# [spec] Risk Rules section: "a maximum of three risk rules per question, one for each level of risk";
# risk "Valid values are HIGH_RISK, MEDIUM_RISK, and NO_RISK"; condition "A Boolean expression of the
# choices ... or default"; "There must be a default risk rule for each question."; "The first condition
# that evaluates to true sets the risk", so a rule after `default` could never apply: default goes last.
RISK_RULES_MAX = 3
RISKS = ("NO_RISK", "MEDIUM_RISK", "HIGH_RISK")
DEFAULT_CONDITION = "default"
# [size] "A custom lens cannot exceed 500 KB in size." Read as 500,000 bytes (the stricter reading of KB),
# measured on the ASCII-escaped, indented JSON, the largest form `lens_json` could be written in.
LENS_SIZE_MAX = 500_000
# [spec] Pillars section: "When mapping your questions to the pillars of the Framework, use the following IDs".
FRAMEWORK_PILLAR_IDS = ("operationalExcellence", "security", "reliability", "performance", "costOptimization",
                        "sustainability")

# Framework question titles, keyed by pillar prefix and number (../shared/reference/well-architected.md §1.1,
# from https://docs.aws.amazon.com/wellarchitected/latest/framework/).
QUESTION_TITLES: Mapping[str, str] = {
    "OPS01": "How do you determine what your priorities are?",
    "OPS02": "How do you structure your organization to support your business outcomes?",
    "OPS03": "How does your organizational culture support your business outcomes?",
    "OPS04": "How do you implement observability in your workload?",
    "OPS05": "How do you reduce defects, ease remediation, and improve flow into production?",
    "OPS06": "How do you mitigate deployment risks?",
    "OPS07": "How do you know that you are ready to support a workload?",
    "OPS08": "How do you utilize workload observability in your organization?",
    "OPS09": "How do you understand the health of your operations?",
    "OPS10": "How do you manage workload and operations events?",
    "OPS11": "How do you evolve operations?",
    "SEC01": "How do you securely operate your workload?",
    "SEC02": "How do you manage authentication for people and machines?",
    "SEC03": "How do you manage permissions for people and machines?",
    "SEC04": "How do you detect and investigate security events?",
    "SEC05": "How do you protect your network resources?",
    "SEC06": "How do you protect your compute resources?",
    "SEC07": "How do you classify your data?",
    "SEC08": "How do you protect your data at rest?",
    "SEC09": "How do you protect your data in transit?",
    "SEC10": "How do you anticipate, respond to, and recover from incidents?",
    "SEC11": "How do you incorporate and validate the security properties of applications throughout the design, development, and deployment lifecycle?",
    "REL01": "How do you manage Service Quotas and constraints?",
    "REL02": "How do you plan your network topology?",
    "REL03": "How do you design your workload service architecture?",
    "REL04": "How do you design interactions in a distributed system to prevent failures?",
    "REL05": "How do you design interactions in a distributed system to mitigate or withstand failures?",
    "REL06": "How do you monitor workload resources?",
    "REL07": "How do you design your workload to adapt to changes in demand?",
    "REL08": "How do you implement change?",
    "REL09": "How do you back up data?",
    "REL10": "How do you use fault isolation to protect your workload?",
    "REL11": "How do you design your workload to withstand component failures?",
    "REL12": "How do you test reliability?",
    "REL13": "How do you plan for disaster recovery (DR)?",
    "PERF01": "How do you select appropriate cloud resources and architecture for your workload?",
    "PERF02": "How do you select and use compute resources in your workload?",
    "PERF03": "How do you store, manage, and access data in your workload?",
    "PERF04": "How do you select and configure networking resources in your workload?",
    "PERF05": "How do your organizational practices and culture contribute to performance efficiency in your workload?",
    "COST01": "How do you implement cloud financial management?",
    "COST02": "How do you govern usage?",
    "COST03": "How do you monitor your cost and usage?",
    "COST04": "How do you decommission resources?",
    "COST05": "How do you evaluate cost when you select services?",
    "COST06": "How do you meet cost targets when you select resource type, size and number?",
    "COST07": "How do you use pricing models to reduce cost?",
    "COST08": "How do you plan for data transfer charges?",
    "COST09": "How do you manage demand, and supply resources?",
    "COST10": "How do you evaluate new services?",
    "COST11": "How do you evaluate the cost of effort?",
    "SUS01": "How do you select Regions for your workload?",
    "SUS02": "How do you align cloud resources to your demand?",
    "SUS03": "How do you take advantage of software and architecture patterns to support your sustainability goals?",
    "SUS04": "How do you take advantage of data management policies and patterns to support your sustainability goals?",
    "SUS05": "How do you select and use cloud hardware and services in your architecture to support your sustainability goals?",
    "SUS06": "How do your organizational processes support your sustainability goals?",
}


class LensError(AdvisorError):
    """The rules cannot be written as a lens within the Tool's limits."""


# --------------------------------------------------------------------------- export


def export_lens(rules: Sequence[Rule], catalog: Catalog, *, name: str = "advisor",
                version: str = __version__) -> dict[str, Any]:
    """The rules as a custom-lens document; raises LensError if it cannot meet the limits."""
    if not rules:
        raise LensError("there are no rules to export as a lens")
    by_prefix = {pillar.prefix: pillar for pillar in catalog.pillars.values()}
    order = {pillar.id: index for index, pillar in enumerate(catalog.pillars.values())}
    groups: dict[str, list[Rule]] = {}
    for rule in sorted(rules, key=lambda r: r.id):
        groups.setdefault(_home_question(rule, catalog), []).append(rule)

    questions_by_pillar: dict[str, list[dict[str, Any]]] = {}
    for key in sorted(groups, key=_question_sort_key):
        pillar = by_prefix[_prefix(key)]
        questions_by_pillar.setdefault(pillar.id, []).extend(_questions(key, groups[key], catalog))

    pillars: list[dict[str, Any]] = []
    for pillar_id in sorted(questions_by_pillar, key=order.__getitem__):
        pillar = catalog.pillars[pillar_id]
        questions = questions_by_pillar[pillar_id]
        parts = [questions[i:i + QUESTIONS_MAX] for i in range(0, len(questions), QUESTIONS_MAX)]
        for number, part in enumerate(parts, start=1):
            pillars.append({
                "id": pillar.wa_tool_id if number == 1 else f"{pillar.wa_tool_id}_{number}",
                "name": _clip(pillar.title if number == 1 else f"{pillar.title} (part {number})", PILLAR_NAME_MAX),
                "questions": part,
            })

    doc = {
        "schemaVersion": SCHEMA_VERSION,
        "name": _clip(name, LENS_NAME_MAX),
        "description": _clip(
            f"The {len(rules)} architecture rules of advisor {version} as a custom lens: each rule is a choice "
            "under the Well-Architected question of the best practice it implements. Choose a rule when the "
            "workload already does what it recommends. A question is high risk when None of these is chosen "
            "or a rule implementing a high-risk best practice is missing, no risk when every rule is chosen, "
            "and medium risk otherwise.", LENS_DESCRIPTION_MAX),
        "pillars": pillars,
    }
    problems = validate_lens(doc)
    if problems:
        raise LensError("the rules do not fit the Well-Architected Tool's lens limits: " + "; ".join(problems[:5])
                        + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""),
                        hint="split large rule folders or shorten long rule texts")
    return doc


def lens_json(doc: Mapping[str, Any]) -> str:
    """The canonical text of a lens: indented, keys in the format's order, ending in a newline."""
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def lens_size(doc: Mapping[str, Any]) -> int:
    """Bytes of the largest form the lens is written in (indented, non-ASCII escaped)."""
    return len(json.dumps(doc, indent=2, ensure_ascii=True).encode("utf-8"))


def choice_id(rule_id: str) -> str:
    """The choice id of a rule: ADV-R001 -> ADV_R001 (ids allow letters, digits and `_` only)."""
    return re.sub(r"[^A-Za-z0-9_]", "_", rule_id)


def _prefix(key: str) -> str:
    """REL05 or REL05-BP02 -> REL."""
    return re.match(r"[A-Z]+", key).group(0)  # type: ignore[union-attr]


def _question_of(bp_id: str) -> str:
    """REL05-BP02 -> REL05."""
    return bp_id.split("-", 1)[0]


def _question_sort_key(key: str) -> tuple[str, int]:
    return _prefix(key), int(key[len(_prefix(key)):])


def _home_question(rule: Rule, catalog: Catalog) -> str:
    """The framework question a rule is filed under: its first best practice from its primary pillar,
    else from any of its pillars, else its first best practice."""
    primary = catalog.pillars[rule.pillars[0]].prefix
    touched = {catalog.pillars[p].prefix for p in rule.pillars}
    for wanted in ({primary}, touched):
        for bp in rule.best_practices:
            if _prefix(bp) in wanted:
                return _question_of(bp)
    return _question_of(rule.best_practices[0])


def _questions(key: str, rules: list[Rule], catalog: Catalog) -> list[dict[str, Any]]:
    """The question(s) for one framework question; split into balanced parts past the choice limit."""
    per_part = CHOICES_MAX - 1  # one place is the "None of these" choice
    count = math.ceil(len(rules) / per_part)
    size = math.ceil(len(rules) / count)
    parts = [rules[i:i + size] for i in range(0, len(rules), size)]
    title = QUESTION_TITLES.get(key, f"Which advisor rules for {key} does the workload follow?")
    pillar = next(p for p in catalog.pillars.values() if p.prefix == _prefix(key))
    out = []
    for number, part in enumerate(parts, start=1):
        qid = key.lower() if number == 1 else f"{key.lower()}_{number}"
        suffix = f" (part {number} of {len(parts)})" if len(parts) > 1 else ""
        cited = sorted({bp for rule in part for bp in rule.best_practices if _question_of(bp) == key})
        description = (f"{key} ({pillar.title}). The advisor rules that implement its best practices: choose each "
                       "one the workload already follows. Best practices: "
                       + "; ".join(f"{bp} {catalog.best_practices[bp].title}" for bp in cited) + ".")
        choices = [_choice(rule, catalog) for rule in part]
        none_id = qid + NONE_SUFFIX
        none = {
            "id": none_id,
            "title": NONE_TITLE,
            "helpfulResource": {"displayText": "Choose this if the workload follows none of these rules."},
        }
        out.append({
            "id": qid,
            "title": _clip(title, QUESTION_TITLE_MAX - len(suffix)) + suffix,
            "description": _clip(description, QUESTION_DESCRIPTION_MAX),
            "choices": choices + [none],
            "riskRules": _risk_rules([c["id"] for c in choices], [choice_id(r.id) for r in part if _is_high(r, catalog)],
                                     none_id),
        })
    return out


def _is_high(rule: Rule, catalog: Catalog) -> bool:
    """A rule implements a best practice the framework rates high risk when it is missing."""
    return any(catalog.best_practices[bp].risk == "high" for bp in rule.best_practices)


def _risk_rules(ids: list[str], high: list[str], none_id: str) -> list[dict[str, str]]:
    """Least risky first, `default` last ([spec] Risk Rules section: the first true condition wins)."""
    return [
        {"condition": " && ".join(ids), "risk": "NO_RISK"},
        {"condition": " || ".join([none_id] + [f"!{h}" for h in high]), "risk": "HIGH_RISK"},
        {"condition": DEFAULT_CONDITION, "risk": "MEDIUM_RISK"},
    ]


def _choice(rule: Rule, catalog: Catalog) -> dict[str, Any]:
    bps = [catalog.best_practices[bp] for bp in rule.best_practices]
    return {
        "id": choice_id(rule.id),
        "title": _clip(rule.title, CHOICE_TITLE_MAX),
        "description": _clip(rule.rationale, CHOICE_DESCRIPTION_MAX),
        "helpfulResource": {
            "displayText": _clip(f"{rule.id} implements " + "; ".join(f"{bp.id} {bp.title}" for bp in bps) + ".",
                                 RESOURCE_TEXT_MAX),
            "url": rule.source,
        },
        "improvementPlan": {
            "displayText": _clip(_plan_text(rule), RESOURCE_TEXT_MAX),
            "url": bps[0].url,
        },
    }


def _plan_text(rule: Rule) -> str:
    """What the rule changes in the architecture, then its trade-offs."""
    adds = rule.adds
    parts = []
    components = adds.get("components") or []
    if components:
        parts.append("add " + ", ".join(f"{c['id']} ({c['service']})" for c in components))
    edges = adds.get("edges") or []
    if edges:
        parts.append("connect " + ", ".join(f"{e['from']} → {e['to']} ({e['kind']})" for e in edges))
    for setting in adds.get("settings") or []:
        where = setting["service"] + (f" {setting['components']}" if setting.get("components") else "")
        keys = ", ".join(k if isinstance(v, (dict, list)) else f"{k}={_scalar(v)}"
                         for k, v in sorted(setting["set"].items()))
        parts.append(f"set {keys} on {where}")
    for flow in adds.get("flows") or []:
        parts.append(f"flow: {flow['title']}")
    for warning in adds.get("warnings") or []:
        parts.append(f"check: {warning}")
    text = "; ".join(parts) if parts else rule.title
    each = f" once per {rule.for_each}" if rule.for_each else ""
    return f"Apply {rule.id}{each}: {text}. Trade-offs: {rule.tradeoffs}"


def _scalar(value: Any) -> str:
    return json.dumps(value) if isinstance(value, bool) or value is None else str(value)


def _clip(text: str, limit: int) -> str:
    """Whitespace collapsed; past `limit` characters, cut at a word boundary and end with an ellipsis."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—(") + "…"


# --------------------------------------------------------------------------- validation

_LENS_KEYS = {"schemaVersion", "name", "description", "pillars"}
_PILLAR_KEYS = {"id", "name", "questions"}
_QUESTION_KEYS = {"id", "title", "description", "helpfulResource", "choices", "riskRules"}
_CHOICE_KEYS = {"id", "title", "description", "helpfulResource", "improvementPlan", "additionalResources"}
_RESOURCE_KEYS = {"displayText", "url"}
_RISK_RULE_KEYS = {"condition", "risk"}
_TOKEN = re.compile(r"\s*(?:(&&|\|\||!|\(|\))|([A-Za-z0-9_]+)|(\S))")


def validate_lens(doc: Any) -> list[str]:
    """Every violation of the lens format and its limits, as `path: message` lines (empty when valid)."""
    out: list[str] = []
    if not isinstance(doc, dict):
        return ["lens: expected a JSON object"]
    _keys(doc, _LENS_KEYS, "lens", out)
    if doc.get("schemaVersion") != SCHEMA_VERSION:
        out.append(f"schemaVersion: must be {SCHEMA_VERSION!r} (set by the template, do not change), "
                   f"not {doc.get('schemaVersion')!r}")
    _text(doc, "name", LENS_NAME_MAX, "name", out, required=True)
    _text(doc, "description", LENS_DESCRIPTION_MAX, "description", out, required=True)
    pillars = _list(doc, "pillars", PILLARS_MAX, "pillars", "pillars in a lens", out)
    seen_pillars: set[str] = set()
    # [spec] "The IDs used in a question must be unique": read strictly, unique across the whole lens.
    seen_questions: set[str] = set()
    for p_index, pillar in enumerate(pillars):
        p_path = f"pillars[{p_index}]"
        if not isinstance(pillar, dict):
            out.append(f"{p_path}: expected an object")
            continue
        _keys(pillar, _PILLAR_KEYS, p_path, out)
        _id(pillar, p_path, "pillar", seen_pillars, out)
        _text(pillar, "name", PILLAR_NAME_MAX, f"{p_path}.name", out, required=True)
        questions = _list(pillar, "questions", QUESTIONS_MAX, f"{p_path}.questions", "questions in a pillar", out)
        for q_index, question in enumerate(questions):
            _question(question, f"{p_path}.questions[{q_index}]", seen_questions, out)
    try:
        size = lens_size(doc)
    except (TypeError, ValueError) as exc:
        out.append(f"lens: not serialisable as JSON ({exc})")
    else:
        if size > LENS_SIZE_MAX:
            out.append(f"lens: {size:,} bytes is over the {LENS_SIZE_MAX:,}-byte (500 KB) limit of a custom lens")
    return out


def _question(question: Any, path: str, seen: set[str], out: list[str]) -> None:
    if not isinstance(question, dict):
        out.append(f"{path}: expected an object")
        return
    _keys(question, _QUESTION_KEYS, path, out)
    _id(question, path, "question", seen, out)
    _text(question, "title", QUESTION_TITLE_MAX, f"{path}.title", out, required=True)
    _text(question, "description", QUESTION_DESCRIPTION_MAX, f"{path}.description", out)
    if "helpfulResource" in question:
        _resource(question["helpfulResource"], f"{path}.helpfulResource", out, required_text=False)
    choices = _list(question, "choices", CHOICES_MAX, f"{path}.choices", "choices in a question", out)
    choice_ids: set[str] = set()
    for c_index, choice in enumerate(choices):
        _choice_check(choice, f"{path}.choices[{c_index}]", choice_ids, out)
    rules = _list(question, "riskRules", RISK_RULES_MAX, f"{path}.riskRules", "risk rules in a question", out)
    _risk_rules_check(rules, f"{path}.riskRules", choice_ids, out)


def _choice_check(choice: Any, path: str, seen: set[str], out: list[str]) -> None:
    if not isinstance(choice, dict):
        out.append(f"{path}: expected an object")
        return
    _keys(choice, _CHOICE_KEYS, path, out)
    cid = _id(choice, path, "choice", seen, out)
    _text(choice, "title", CHOICE_TITLE_MAX, f"{path}.title", out, required=True)
    _text(choice, "description", CHOICE_DESCRIPTION_MAX, f"{path}.description", out)
    if "helpfulResource" in choice:
        _resource(choice["helpfulResource"], f"{path}.helpfulResource", out, required_text=False)
    is_none = isinstance(cid, str) and cid.endswith(NONE_SUFFIX)
    if "improvementPlan" in choice:
        _resource(choice["improvementPlan"], f"{path}.improvementPlan", out, required_text=True)
    elif not is_none:
        out.append(f"{path}.improvementPlan: required for every choice except a None of these choice "
                   f"(id ending {NONE_SUFFIX!r})")
    if "additionalResources" in choice:
        extra = choice["additionalResources"]
        if not isinstance(extra, list):
            out.append(f"{path}.additionalResources: expected a list")
            return
        for a_index, item in enumerate(extra):
            a_path = f"{path}.additionalResources[{a_index}]"
            if not isinstance(item, dict):
                out.append(f"{a_path}: expected an object")
                continue
            _keys(item, {"type", "content"}, a_path, out)
            if item.get("type") not in ADDITIONAL_RESOURCE_TYPES:
                out.append(f"{a_path}.type: must be one of {', '.join(ADDITIONAL_RESOURCE_TYPES)}, "
                           f"not {item.get('type')!r}")
            content = _list(item, "content", ADDITIONAL_RESOURCES_MAX, f"{a_path}.content",
                            "additional resources of one type", out)
            for r_index, resource in enumerate(content):
                _resource(resource, f"{a_path}.content[{r_index}]", out, required_text=False)


def _risk_rules_check(rules: list[Any], path: str, choice_ids: set[str], out: list[str]) -> None:
    risks: list[str] = []
    default_at: list[int] = []
    for r_index, rule in enumerate(rules):
        r_path = f"{path}[{r_index}]"
        if not isinstance(rule, dict):
            out.append(f"{r_path}: expected an object")
            continue
        _keys(rule, _RISK_RULE_KEYS, r_path, out)
        risk = rule.get("risk")
        if risk not in RISKS:
            out.append(f"{r_path}.risk: must be one of {', '.join(RISKS)}, not {risk!r}")
        elif risk in risks:
            out.append(f"{r_path}.risk: {risk} is used twice; a question has one risk rule for each level of risk")
        else:
            risks.append(risk)
        condition = rule.get("condition")
        if not isinstance(condition, str) or not condition.strip():
            out.append(f"{r_path}.condition: expected a Boolean expression of choice ids, or 'default'")
            continue
        if condition.strip() == DEFAULT_CONDITION:
            default_at.append(r_index)
            continue
        try:
            names = _parse_condition(condition)
        except ValueError as exc:
            out.append(f"{r_path}.condition: {exc} in {condition!r}")
            continue
        for name in sorted(set(names)):
            if name == DEFAULT_CONDITION:
                out.append(f"{r_path}.condition: 'default' must stand alone, not inside {condition!r}")
            elif name not in choice_ids:
                out.append(f"{r_path}.condition: {name!r} is not the id of a choice of this question")
    if rules and not default_at:
        out.append(f"{path}: a 'default' risk rule is required for every question")
    elif len(default_at) > 1:
        out.append(f"{path}: more than one 'default' risk rule")
    elif default_at and default_at[0] != len(rules) - 1:
        out.append(f"{path}[{default_at[0]}].condition: 'default' must be the last risk rule "
                   "(the first true condition sets the risk, so rules after it never apply)")


def _parse_condition(text: str) -> list[str]:
    """The choice ids of a condition in the grammar of the spec's examples:
    expr := term ('||' term)* ; term := factor ('&&' factor)* ; factor := '!' factor | '(' expr ')' | ID."""
    tokens: list[tuple[str, str]] = []
    for match in _TOKEN.finditer(text):
        op, name, bad = match.groups()
        if bad:
            raise ValueError(f"unexpected character {bad!r}")
        tokens.append(("op", op) if op else ("id", name))
    names: list[str] = []
    pos = 0

    def peek() -> str | None:
        return tokens[pos][1] if pos < len(tokens) and tokens[pos][0] == "op" else None

    def factor() -> None:
        nonlocal pos
        if pos >= len(tokens):
            raise ValueError("the expression ends too early")
        kind, value = tokens[pos]
        pos += 1
        if kind == "id":
            names.append(value)
        elif value == "!":
            factor()
        elif value == "(":
            expr()
            if peek() != ")":
                raise ValueError("an opening parenthesis is not closed")
            pos += 1
        else:
            raise ValueError(f"unexpected {value!r}")

    def term() -> None:
        nonlocal pos
        factor()
        while peek() == "&&":
            pos += 1
            factor()

    def expr() -> None:
        nonlocal pos
        term()
        while peek() == "||":
            pos += 1
            term()

    if not tokens:
        raise ValueError("the expression is empty")
    expr()
    if pos != len(tokens):
        raise ValueError(f"unexpected {tokens[pos][1]!r}")
    return names


def _keys(obj: dict[str, Any], allowed: Iterable[str], path: str, out: list[str]) -> None:
    for key in sorted(set(obj) - set(allowed), key=str):
        out.append(f"{path}: unknown key {key!r} (allowed: {', '.join(sorted(allowed))})")


def _id(obj: dict[str, Any], path: str, what: str, seen: set[str], out: list[str]) -> str | None:
    value = obj.get("id")
    if not isinstance(value, str) or not ID_RE.fullmatch(value):
        out.append(f"{path}.id: {value!r} is not a valid {what} id (3 to 128 letters, digits or underscores)")
        return value if isinstance(value, str) else None
    if value in seen:
        out.append(f"{path}.id: {what} id {value!r} is used twice; ids must be unique")
    seen.add(value)
    return value


def _text(obj: dict[str, Any], key: str, limit: int, path: str, out: list[str], *, required: bool = False) -> None:
    if key not in obj:
        if required:
            out.append(f"{path}: required")
        return
    value = obj[key]
    if not isinstance(value, str) or not value.strip():
        out.append(f"{path}: expected non-empty text")
    elif len(value) > limit:
        out.append(f"{path}: {len(value)} characters, over the limit of {limit}")


def _list(obj: dict[str, Any], key: str, limit: int, path: str, what: str, out: list[str]) -> list[Any]:
    value = obj.get(key)
    if not isinstance(value, list) or not value:
        out.append(f"{path}: expected a non-empty list")
        return []
    if len(value) > limit:
        out.append(f"{path}: {len(value)} items, over the limit of {limit} {what}")
    return value


def _resource(resource: Any, path: str, out: list[str], *, required_text: bool) -> None:
    """helpfulResource, improvementPlan, or additional resource content: {displayText, url?}."""
    if not isinstance(resource, dict):
        out.append(f"{path}: expected an object with displayText and url")
        return
    _keys(resource, _RESOURCE_KEYS, path, out)
    needs_text = required_text or "url" in resource
    _text(resource, "displayText", RESOURCE_TEXT_MAX, f"{path}.displayText", out, required=needs_text)
    if "url" in resource:
        url = resource["url"]
        if not isinstance(url, str) or not url.startswith(URL_PREFIXES) or len(url) <= len("https://"):
            out.append(f"{path}.url: {url!r} must start with http:// or https://")
