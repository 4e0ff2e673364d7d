"""Findings as a SARIF 2.1.0 log, for GitHub code scanning and any other SARIF consumer.

One run of the tool `advisor`; its `rules` are the rule files' descriptors (id, a readable name, the title,
the rationale, the rule's source as `helpUri`, the pillars and best-practice ids as properties), sorted by
id, so that a rule's `ruleIndex` is the same in every log made with the same rules. Each result sits at
the template's line and column, carries the rule's level, and a `partialFingerprints.primaryLocationLineHash`
made from the rule, the resources and the property path (never the line), so code scanning keeps one alert
for one problem while lines move above it. A suppression written in the template is a SARIF `suppression`
of kind `inSource` with its reason as the justification.

What GitHub code scanning requires of an upload (its "SARIF support for code scanning" reference): `$schema`,
`version` 2.1.0, `runs`; `tool.driver.name` and `rules`; for each rule `id`, `shortDescription.text`,
`fullDescription.text` (both at most 1,024 characters) and `help.text`, `name` at most 255 characters; for
each result `message.text`, at least one location with `artifactLocation.uri` (a path relative to the
repository's root) and `region.startLine`, and `partialFingerprints` (it reads only `primaryLocationLineHash`).
No required property may be an empty string.
"""

from __future__ import annotations

import os
import re
from typing import Any, Iterable, Sequence
from urllib.parse import quote

from advisor import __version__
from advisor.catalog import Catalog
from advisor.findings import Finding, Suppression, ordered
from advisor.rules import Rule
from advisor.views import md_escape, safe_url

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_VERSION = "2.1.0"
TOOL = "advisor"
# GitHub's limits on a rule's texts.
MAX_NAME = 255
MAX_DESCRIPTION = 1024
_WORD = re.compile(r"[A-Za-z0-9]+")


def _clip(text: str, limit: int) -> str:
    """Text within a length limit, cut at a word with an ellipsis when it is longer."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[: limit - 1].rsplit(" ", 1)[0] + "…"


def rule_name(title: str) -> str:
    """A rule's readable identifier, as SARIF's examples write one: its title in PascalCase, letters and digits."""
    words = _WORD.findall(title)
    return "".join(w[:1].upper() + w[1:] for w in words)[:MAX_NAME] or "Rule"


def artifact_uri(path: str) -> str:
    """The template's path as a URI reference: as given (relative paths stay relative, so that code scanning
    resolves them from the repository's root), with forward slashes and percent-encoding; an absolute path
    becomes a file URI."""
    if os.path.isabs(path):
        from pathlib import Path

        return Path(os.path.abspath(path)).as_uri()
    text = path.replace(os.sep, "/")
    while text.startswith("./"):
        text = text[2:]
    return quote(text, safe="/")


def descriptor(rule: Rule, catalog: Catalog) -> dict[str, Any]:
    """A rule file as a SARIF reportingDescriptor."""
    practices = [catalog.best_practices[b] for b in rule.best_practices if b in catalog.best_practices]
    pillars = [catalog.pillars[p].title if p in catalog.pillars else p for p in rule.pillars]
    help_text = (f"{' '.join(rule.rationale.split())}\n\nTrade-offs: {' '.join(rule.tradeoffs.split())}\n\n"
                 f"Pillars: {', '.join(pillars)}. Best practices: "
                 + "; ".join(f"{b.id} {b.title}" for b in practices) + f".\n\nSource: {rule.source}")
    # Rule files may come from an organisation's folder: their text is escaped and their links made safe.
    source = safe_url(rule.source)
    help_markdown = (f"{md_escape(rule.rationale)}\n\n**Trade-offs:** {md_escape(rule.tradeoffs)}\n\n"
                     f"**Pillars:** {md_escape(', '.join(pillars))}\n\n**Best practices:**\n\n"
                     + "".join(f"- [{b.id}]({safe_url(b.url)}): {md_escape(b.title)}\n" for b in practices)
                     + (f"\n**Source:** [{md_escape(rule.source)}]({source})\n" if source else ""))
    return {
        "id": rule.id,
        "name": rule_name(rule.title),
        "shortDescription": {"text": _clip(rule.title, MAX_DESCRIPTION)},
        "fullDescription": {"text": _clip(rule.rationale, MAX_DESCRIPTION)},
        "helpUri": rule.source,
        "help": {"text": help_text, "markdown": help_markdown},
        "properties": {
            "pillars": list(rule.pillars),
            "best_practices": list(rule.best_practices),
            # Code scanning filters alerts by tags: the pillars and the best practices a rule applies.
            "tags": sorted(set(rule.pillars) | set(rule.best_practices)),
        },
    }


def _region(line: int, column: int) -> dict[str, int]:
    return {"startLine": line, "startColumn": column}


def _artifact(uri: str) -> dict[str, str]:
    """An artifact location: a relative reference resolves against the source root (%SRCROOT%, as CodeQL's
    logs name it); SARIF forbids a base on an absolute URI."""
    return {"uri": uri} if uri.startswith("file:") else {"uri": uri, "uriBaseId": "%SRCROOT%"}


def _suppression(suppression: Suppression, uri: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": "inSource",
        # One without a reason does not take the finding out of force: the review reports it instead.
        "status": "accepted" if suppression.accepted else "rejected",
        "location": {"physicalLocation": {"artifactLocation": _artifact(uri),
                                          "region": _region(suppression.line, suppression.column)}},
    }
    if suppression.reason.strip():
        out["justification"] = suppression.reason
    return out


def _result(finding: Finding, index: int, uri: str, occurrence: int) -> dict[str, Any]:
    location: dict[str, Any] = {
        "physicalLocation": {"artifactLocation": _artifact(uri),
                             "region": _region(finding.line, finding.column)},
    }
    if finding.resources:
        location["logicalLocations"] = [{"name": r, "fullyQualifiedName": f"Resources/{r}", "kind": "resource"}
                                        for r in finding.resources]
    out: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": index,
        "level": finding.severity,
        "message": {"text": f"{' '.join(finding.message.split())} Fix: {' '.join(finding.fix.split())}"},
        "locations": [location],
        # The identity, not the line: code scanning matches an alert across commits by this value.
        "partialFingerprints": {"primaryLocationLineHash": f"{finding.fingerprint()}:{occurrence}"},
        "properties": {"problem": finding.problem, "resources": list(finding.resources), "path": finding.path,
                       "fix": finding.fix},
    }
    if finding.suppressed_by is not None:
        out["suppressions"] = [_suppression(finding.suppressed_by, uri)]
    return out


def sarif_log(findings: Iterable[Finding], *, template: str, rules: Sequence[Rule], catalog: Catalog) -> dict[str, Any]:
    """The SARIF 2.1.0 log of a review of `template` (its path as the user gave it): every rule in `rules` as a
    descriptor, every finding as a result in template order. A finding of a rule not in `rules` is a bug."""
    descriptors = sorted(rules, key=lambda r: r.id)
    index = {rule.id: i for i, rule in enumerate(descriptors)}
    results = ordered(findings)
    unknown = sorted({f.rule for f in results} - set(index))
    if unknown:
        raise ValueError(f"findings of rules the log does not describe: {', '.join(unknown)}")
    uri = artifact_uri(template)
    seen: dict[str, int] = {}
    out_results = []
    for finding in results:
        key = finding.fingerprint()
        seen[key] = seen.get(key, 0) + 1  # the same identity twice (it should not happen) still gets two alerts
        out_results.append(_result(finding, index[finding.rule], uri, seen[key]))
    return {
        "$schema": SCHEMA_URI,
        "version": SARIF_VERSION,
        "runs": [{
            "tool": {"driver": {
                "name": TOOL,
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [descriptor(rule, catalog) for rule in descriptors],
            }},
            "artifacts": [{"location": _artifact(uri)}],
            "columnKind": "unicodeCodePoints",  # columns count characters, as the YAML reader does
            "results": out_results,
        }],
    }
