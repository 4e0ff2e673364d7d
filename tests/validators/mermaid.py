"""Check Mermaid diagrams with Mermaid's own parser, offline, in one Node process.

    errors = parse_all(mermaid_blocks(markdown))    # [None, "Parse error on line 2: ...", ...]

`parse.mjs` puts a jsdom window on globalThis, imports the `mermaid` package from
`tests/validators/node_modules` (installed by `npm ci` there, see `.ci/run`) and calls
`mermaid.parse` on each diagram. `$ADVISOR_NODE` points at another node executable.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

from tests.cpulimit import cpu_limit
from tests.validators import HERE, ValidatorMissing, missing_message

ENV_VAR = "ADVISOR_NODE"
SCRIPT = HERE / "parse.mjs"
NODE_MODULES = HERE / "node_modules"
INSTALL = "cd tests/validators && npm ci"
MIN_NODE = (20, 19)  # jsdom 29 declares ^20.19.0 || ^22.13.0 || >=24.0.0


def find_node() -> Path | None:
    """`$ADVISOR_NODE` if set, else `node` on PATH; None if absent."""
    override = os.environ.get(ENV_VAR)
    if override:
        candidate = Path(override).expanduser()
        return candidate if candidate.is_file() and os.access(candidate, os.X_OK) else None
    found = shutil.which("node")
    return Path(found) if found else None


def _node_version(node: Path) -> tuple[int, ...] | None:
    try:
        out = subprocess.run([str(node), "--version"], capture_output=True, text=True, preexec_fn=cpu_limit(30)).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.match(r"v(\d+)\.(\d+)", out.strip())
    return (int(match[1]), int(match[2])) if match else None


def _locked_version(package: str) -> str | None:
    try:
        lock = json.loads((HERE / "package-lock.json").read_text())
        return lock["packages"][f"node_modules/{package}"]["version"]
    except (OSError, ValueError, KeyError):
        return None


def _installed_version(package: str) -> str | None:
    try:
        return json.loads((NODE_MODULES / package / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None


def missing() -> str | None:
    """None when node and the locked mermaid + jsdom are installed, else how to install them."""
    node = find_node()
    if node is None:
        override = os.environ.get(ENV_VAR)
        problem = f"${ENV_VAR}={override} is not an executable file" if override else "`node` is not on PATH"
        return missing_message("Node.js (for Mermaid's parser)", problem, "install Node.js 20.19 or later, then: " + INSTALL)
    version = _node_version(node)
    if version is None or version < MIN_NODE:
        shown = ".".join(map(str, version)) if version else "unknown"
        return missing_message(
            "Node.js (for Mermaid's parser)", f"{node} is version {shown}, jsdom needs 20.19 or later",
            "install Node.js 20.19 or later, then: " + INSTALL,
        )
    for package in ("mermaid", "jsdom"):
        installed, locked = _installed_version(package), _locked_version(package)
        if installed is None:
            return missing_message("Mermaid's parser", f"{NODE_MODULES / package} is not installed", INSTALL)
        if locked is not None and installed != locked:
            return missing_message(
                "Mermaid's parser", f"{package} {installed} is installed but package-lock.json locks {locked}", INSTALL,
            )
    return None


def parse_all(diagrams: list[str], *, cpu_seconds: float | None = None) -> list[str | None]:
    """Parse each diagram with `mermaid.parse`: None when it parses, else the parser's message.

    One Node process for the whole list (about 1.3 s to start, then 10-30 ms per diagram).
    Raises ValidatorMissing when node or the packages are missing, RuntimeError when the
    script itself fails.
    """
    diagrams = list(diagrams)
    if not diagrams:
        return []
    problem = missing()
    if problem is not None:
        raise ValidatorMissing(problem)
    node = find_node()
    assert node is not None
    proc = subprocess.run(
        [str(node), str(SCRIPT)], input=json.dumps(diagrams), capture_output=True, text=True,
        cwd=HERE, preexec_fn=cpu_limit(cpu_seconds if cpu_seconds is not None else 120 + len(diagrams)),
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{SCRIPT.name} exited with {proc.returncode}:\n{proc.stderr[-4000:]}")
    try:
        results = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        raise RuntimeError(f"{SCRIPT.name} did not print JSON ({exc}):\n{proc.stdout[:2000]}\n{proc.stderr[-2000:]}") from None
    if not isinstance(results, list) or len(results) != len(diagrams):
        raise RuntimeError(f"{SCRIPT.name} returned {len(results) if isinstance(results, list) else results!r} results for {len(diagrams)} diagrams")
    return [None if r is None else str(r) for r in results]


_OPEN = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n]*)$")


def mermaid_blocks(markdown: str) -> list[str]:
    """The contents of the fenced code blocks whose info string starts with `mermaid`, in order.

    Follows CommonMark for top-level fences: ``` or ~~~ (three or more, up to three spaces of
    indentation), closed by a fence of the same character at least as long; an unclosed fence
    runs to the end of the document. Fences inside lists or block quotes are not looked at.
    """
    blocks: list[str] = []
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        match = _OPEN.match(lines[i])
        if not match or (match["fence"][0] == "`" and "`" in match["info"]):
            i += 1
            continue
        fence, indent = match["fence"], len(match["indent"])
        words = match["info"].split()
        closing = re.compile(r"^ {0,3}" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}[ \t]*$")
        body: list[str] = []
        i += 1
        while i < len(lines) and not closing.match(lines[i]):
            line = lines[i]
            strip = len(line) - len(line.lstrip(" "))
            body.append(line[min(strip, indent):])
            i += 1
        i += 1  # past the closing fence (or the end)
        if words and words[0] == "mermaid":
            blocks.append("\n".join(body) + ("\n" if body else ""))
    return blocks
