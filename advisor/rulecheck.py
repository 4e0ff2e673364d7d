"""Rule test cases: a workload fragment, whether a rule fires, and what it must add.

Case files are YAML (`rule:` and a list of `cases:`), one per rule, as in `tests/rules/`.  A case
names the workload keys to merge into a minimal workload and, when the rule fires, may expect
its `because`, components, settings, edges (`"source kind target"`), flow steps and warnings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from advisor.catalog import Catalog
from advisor.engine import recommend
from advisor.errors import Diagnostic, InputError, RuleError
from advisor.rules import Rule
from advisor.workload import load_workload_text

BASE = {"version": 1, "name": "rule-case", "region": "us-east-1"}


class CaseResult(NamedTuple):
    """One case's outcome: empty `failures` means it passed."""

    file: str
    rule: str
    name: str
    failures: tuple[str, ...]


def _plain(value: Any) -> Any:
    if hasattr(value, "items"):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def run_case(rule_id: str, case: dict[str, Any], rules: tuple[Rule, ...], catalog: Catalog) -> list[str]:
    """Every way a case fails (an empty list when it passes)."""
    import yaml

    text = yaml.safe_dump({**BASE, **case.get("workload", {})}, sort_keys=False)
    try:
        arch = recommend(load_workload_text(text, f"{rule_id} case", catalog), rules, catalog)
    except InputError as exc:
        return ["the case's workload is invalid: " + "; ".join(d.message for d in exc.diagnostics)]
    decisions = {d.rule: d for d in arch.decisions}
    fired = rule_id in decisions
    if fired is not bool(case.get("fires")):
        return [f"expected {rule_id} {'to fire' if case.get('fires') else 'not to fire'}; fired: "
                + (", ".join(sorted(decisions)) or "none")]
    if not fired:
        return []
    failures = []
    decision = decisions[rule_id]
    if "because" in case and list(decision.because) != sorted(case["because"]):
        failures.append(f"because {list(decision.because)}, expected {sorted(case['because'])}")
    for component in case.get("components", []):
        if component not in arch.components:
            failures.append(f"component {component} missing")
    for cid, settings in case.get("settings", {}).items():
        component = arch.components.get(cid)
        if component is None:
            failures.append(f"component {cid} missing")
            continue
        for key, value in settings.items():
            actual = _plain(component.settings.get(key))
            if actual != value:
                failures.append(f"{cid}.{key} is {actual!r}, expected {value!r}")
    for edge in case.get("edges", []):
        source, kind, target = edge.split()
        if not any(e.source == source and e.kind == kind and e.target == target for e in arch.edges):
            failures.append(f"edge {edge} missing")
    flows = {f.id: [s.label for s in f.steps] for f in arch.flows}
    for flow_id, steps in case.get("flows", {}).items():
        if flows.get(flow_id) != steps:
            failures.append(f"flow {flow_id} is {flows.get(flow_id)}, expected {steps}")
    for text_ in case.get("warnings", []):
        if not any(text_ in w for w in arch.warnings):
            failures.append(f"no warning contains {text_!r}")
    return failures


def run_case_file(path: Path, rules: tuple[Rule, ...], catalog: Catalog) -> list[CaseResult]:
    """Run every case of one file."""
    import yaml

    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise RuleError([Diagnostic(str(path), 1, 1, f"cannot read the case file: {exc}")]) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("rule"), str) or not isinstance(doc.get("cases", []), list):
        raise RuleError([Diagnostic(str(path), 1, 1, "a case file names its rule and lists its cases",
                                    "rule: ACME-R001, then cases: [{name: ..., workload: {...}, fires: true}]")])
    rule_id = doc["rule"]
    known = {r.id for r in rules}
    results = []
    for case in doc.get("cases", []):
        failures = run_case(rule_id, case, rules, catalog) if rule_id in known else [f"no rule {rule_id}"]
        results.append(CaseResult(str(path), rule_id, case.get("name", "?"), tuple(failures)))
    return results
