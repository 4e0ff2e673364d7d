"""The Finding value: one thing a review found wrong with an architecture, and where it is written.

Every finding names the rule that judged it, the seed problem it signals (an id of the workload schema's
`problems` enum, read from the same catalog the schema is built from), a severity, the resources (logical
ids) and the property path it concerns, and the line and column of the template where that path is
written. A finding can be suppressed in the template itself (a resource's `Metadata.advisor.ignore`):
the suppression travels with the finding, so every output (JSON, SARIF, Markdown) can show it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable

from advisor.rules import RULE_ID

SEVERITIES = ("error", "warning", "note")
_RULE_ID = re.compile(RULE_ID)  # as the rule files spell it: bundled `ADV-R007` or an organisation's `ACME-S001`


@lru_cache(maxsize=1)
def problem_ids() -> tuple[str, ...]:
    """The seed problem ids, in catalog order: the values of the workload schema's `problems` enum."""
    from advisor.catalog import load_catalog

    return tuple(load_catalog().problems)


def _position(value: Any, what: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{what} is a 1-based line or column number, not {value!r}")


def _rule(value: Any) -> None:
    if not isinstance(value, str) or not _RULE_ID.fullmatch(value):
        raise ValueError(f"{value!r} is not a rule id such as ADV-R007")


@dataclass(frozen=True)
class Suppression:
    """A template's request to ignore one rule on a resource: `{rule: ADV-R007, reason: "..."}` in the
    resource's `Metadata.advisor.ignore`, with where it is written. One without a reason is not accepted:
    the finding stays in force and the review reports the missing reason as a finding of its own."""

    rule: str
    reason: str
    path: str  # where the suppression is written, e.g. Resources/Orders/Metadata/advisor/ignore/0
    line: int
    column: int

    def __post_init__(self) -> None:
        _rule(self.rule)
        if not isinstance(self.reason, str) or not isinstance(self.path, str):
            raise ValueError("a suppression's reason and path are text")
        _position(self.line, "a suppression's line")
        _position(self.column, "a suppression's column")

    @property
    def accepted(self) -> bool:
        """Whether the suppression gives a reason, and so takes the finding out of force."""
        return bool(self.reason.strip())

    def as_json(self) -> dict[str, Any]:
        """The suppression as JSON."""
        return {"rule": self.rule, "reason": self.reason, "accepted": self.accepted, "path": self.path,
                "line": self.line, "column": self.column}


@dataclass(frozen=True)
class Finding:
    """One finding of a review: rule, problem, severity, resources, property path, position, message, fix."""

    rule: str
    problem: str
    severity: str
    resources: tuple[str, ...]
    path: str  # e.g. Resources/Orders/Properties/RedrivePolicy; `Resources` for a template-level finding
    line: int
    column: int
    message: str
    fix: str
    suppressed_by: Suppression | None = field(default=None)

    def __post_init__(self) -> None:
        _rule(self.rule)
        if self.problem not in problem_ids():
            from advisor.spec import did_you_mean

            hint = did_you_mean(str(self.problem), list(problem_ids())) or "one of " + ", ".join(problem_ids())
            raise ValueError(f"{self.problem!r} is not a problem id of the workload schema ({hint})")
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity {self.severity!r} is not one of {', '.join(SEVERITIES)}")
        if not isinstance(self.resources, tuple) or not all(isinstance(r, str) and r for r in self.resources):
            raise ValueError("resources is a tuple of logical ids")
        for name in ("path", "message", "fix"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name).strip():
                raise ValueError(f"a finding's {name} is non-empty text")
        _position(self.line, "a finding's line")
        _position(self.column, "a finding's column")
        if self.suppressed_by is not None and self.suppressed_by.rule != self.rule:
            raise ValueError(f"a suppression of {self.suppressed_by.rule} cannot suppress a finding of {self.rule}")

    @property
    def in_force(self) -> bool:
        """Whether the finding counts: not suppressed by a suppression that gives its reason."""
        return self.suppressed_by is None or not self.suppressed_by.accepted

    @property
    def identity(self) -> tuple[str, tuple[str, ...], str]:
        """What makes two findings the same finding in two versions of a template: the rule, the resources and
        the property path, never the line, which moves whenever anything above it is edited."""
        return (self.rule, self.resources, self.path)

    def fingerprint(self) -> str:
        """A stable hash of the identity (16 hex digits), the same across edits that move the finding's line."""
        text = "\x1f".join((self.rule, "\x1e".join(self.resources), self.path))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    def sort_key(self) -> tuple[Any, ...]:
        """Template order: by line and column, then by rule and identity, so output never depends on the order
        in which the checks ran."""
        return (self.line, self.column, self.rule, self.resources, self.path, self.message, self.severity,
                self.problem, self.fix, self.suppressed_by is not None)

    def as_json(self) -> dict[str, Any]:
        """The finding as JSON: the review's contract, plus its column and any suppression."""
        out: dict[str, Any] = {
            "rule": self.rule, "problem": self.problem, "severity": self.severity,
            "resources": list(self.resources), "path": self.path, "line": self.line, "column": self.column,
            "message": self.message, "fix": self.fix,
        }
        if self.suppressed_by is not None:
            out["suppressed_by"] = self.suppressed_by.as_json()
        return out


def ordered(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Findings in template order, whatever order they were found in."""
    return tuple(sorted(findings, key=Finding.sort_key))
