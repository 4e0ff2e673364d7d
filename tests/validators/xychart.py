"""What Mermaid's own parser makes of an xychart: its legend, axes and plots (tests/validators/xychart.mjs).

    charts = read_all([text])    # [{"showLegend": True, "plots": [{"type": "line", "title": ..., "values": [...]}]}]

Runs beside `mermaid.parse_all`, with the same Node and the same locked packages.
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

from tests.cpulimit import cpu_limit
from tests.validators import HERE, ValidatorMissing
from tests.validators.mermaid import find_node, missing

SCRIPT = HERE / "xychart.mjs"


def read_all(charts: list[str]) -> list[dict[str, Any]]:
    """Each chart as Mermaid's parser reads it, or {"error": message} when it does not parse."""
    charts = list(charts)
    if not charts:
        return []
    problem = missing()
    if problem is not None:
        raise ValidatorMissing(problem)
    node = find_node()
    assert node is not None
    proc = subprocess.run([str(node), str(SCRIPT)], input=json.dumps(charts), capture_output=True, text=True,
                          cwd=HERE, preexec_fn=cpu_limit(120 + len(charts)))
    if proc.returncode != 0:
        raise RuntimeError(f"{SCRIPT.name} exited with {proc.returncode}:\n{proc.stderr[-4000:]}")
    results = json.loads(proc.stdout)
    if not isinstance(results, list) or len(results) != len(charts):
        raise RuntimeError(f"{SCRIPT.name} returned {results!r} for {len(charts)} charts")
    return results
