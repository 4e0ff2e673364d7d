"""Cold start-up of advisor commands against the floors `python -c pass` and `import typer, yaml`.

Run from the repository root with the interpreter of an installed advisor:

    python benchmarks/startup.py [--runs 21]

Each command runs in a fresh process.  Runs are interleaved (one of each command per round) so
that background load affects every command alike; the figures are medians of wall time and of
the CPU time (user + system) the process used.  One run comes first, to warm the file system cache
and the compiled bytecode.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = str(ROOT / "examples" / "everything.yaml")
SMALL = str(ROOT / "examples" / "startup-mvp.yaml")
FLOOR = "python -c 'import typer, yaml'"


def run_once(cmd: list[str]) -> tuple[float, float]:
    """Wall and CPU milliseconds of one run of a command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = (time.perf_counter() - start) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    return wall, cpu


def main() -> None:
    """Print one line per command with medians and the ratios the goals are stated in."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    py = sys.executable
    advisor = shutil.which("advisor", path=str(Path(py).parent)) or "advisor"
    subprocess.run([advisor, "recommend", EXAMPLE, "-f", "json"], stdout=subprocess.DEVNULL, check=True)
    cases = {
        "python -c pass": [py, "-c", "pass"],
        FLOOR: [py, "-c", "import typer, yaml"],
        "advisor --version": [advisor, "--version"],
        "advisor recommend (json)": [advisor, "recommend", EXAMPLE, "-f", "json"],
        "advisor recommend (markdown)": [advisor, "recommend", EXAMPLE, "-f", "markdown"],
        "advisor cost (json)": [advisor, "cost", EXAMPLE, "-f", "json"],
        "advisor recommend startup-mvp": [advisor, "recommend", SMALL, "-f", "json"],
        "advisor cost startup-mvp": [advisor, "cost", SMALL, "-f", "json"],
    }
    import tempfile

    rendered = Path(tempfile.mkdtemp(prefix="advisor-startup-"))
    subprocess.run([advisor, "render", EXAMPLE, "-o", str(rendered)], stdout=subprocess.DEVNULL, check=True)
    cases["advisor review (json)"] = [advisor, "review", str(rendered / "template.yaml"), "-f", "json"]
    lint = shutil.which("cfn-lint", path=str(Path(py).parent)) or shutil.which("cfn-lint")
    if lint is not None:  # the same template, side by side: review's goal is at most half of cfn-lint's time
        cases["cfn-lint (same template)"] = [lint, str(rendered / "template.yaml")]
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    for _ in range(args.runs):
        for name, cmd in cases.items():
            samples[name].append(run_once(cmd))
    print(f"# {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores, "
          f"median of {args.runs} interleaved runs; example {Path(EXAMPLE).name} unless named")
    floor_wall = statistics.median(w for w, _ in samples[FLOOR])
    floor_cpu = statistics.median(c for _, c in samples[FLOOR])
    print(f"{'command':34} {'wall ms':>8} {'x floor':>8} {'cpu ms':>8} {'x floor':>8}")
    for name, runs in samples.items():
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        print(f"{name:34} {wall:8.1f} {wall / floor_wall:8.2f} {cpu:8.1f} {cpu / floor_cpu:8.2f}")
    if "cfn-lint (same template)" in samples:
        ratio = statistics.median(a[0] / b[0] for a, b in zip(samples["advisor review (json)"],
                                                               samples["cfn-lint (same template)"]))
        print(f"advisor review takes {ratio:.2f}x cfn-lint's wall time on the same template (goal <= 0.5x)")
    shutil.rmtree(rendered, ignore_errors=True)


if __name__ == "__main__":
    main()
