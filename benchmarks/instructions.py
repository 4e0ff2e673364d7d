"""Instructions executed by cold commands, against the `import typer, yaml` floor (needs valgrind).

    python benchmarks/instructions.py           # from the repository root, with an installed advisor

Wall time on a shared virtual machine drifts by a tenth or more between runs; the count of
instructions a command executes (valgrind's callgrind, with hash randomisation fixed) is the same
on every run, so it shows what a change to the code did.  It leaves out what instructions do not
see, such as page faults and cache misses, so the wall-time ratios of run.py stay the measure.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def count(cmd: list[str]) -> int:
    """Instructions one run of a command executes."""
    env = dict(os.environ, PYTHONHASHSEED="0")
    done = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *cmd],
                          capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if not found:
        raise SystemExit(f"valgrind gave no count for {' '.join(cmd)}:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    """Print one line per command: millions of instructions and the ratio to the floor."""
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    py = sys.executable
    advisor = shutil.which("advisor", path=str(Path(py).parent)) or "advisor"
    out = tempfile.mkdtemp(prefix="advisor-bench-")
    cases = {"python -c 'import typer, yaml'": [py, "-c", "import typer, yaml"]}
    for command in ("recommend", "cost"):
        for name in ("flash-sale-orders", "startup-mvp", "everything"):
            cases[f"advisor {command} {name}"] = [advisor, command, f"examples/{name}.yaml", "-f", "json"]
    for example in sorted((ROOT / "examples").glob("*.yaml")):
        cases[f"advisor render {example.stem}"] = [advisor, "render", str(example), "-o", out, "--force"]
    for cmd in cases.values():  # warm the file system cache and the compiled bytecode, as run.py does
        subprocess.run(cmd, capture_output=True, cwd=ROOT, check=False)
    floor = None
    print(f"{'command':40} {'M instructions':>15} {'x floor':>8}")
    for name, cmd in cases.items():
        n = count(cmd)
        floor = floor or n
        print(f"{name:40} {n / 1e6:15.1f} {n / floor:8.3f}")
    shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
