"""Cold start-up of advisor commands against the floors `python -c pass` and `import typer, yaml`.

Run from the repository root with the interpreter of an installed advisor:

    python benchmarks/startup.py [--runs 21]

Each command runs in a fresh process; the figures are medians of wall time.  The
start-up cache is warmed first, as it is on every run after a user's first.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = str(ROOT / "examples" / "everything.yaml")


def median_ms(cmd: list[str], runs: int) -> float:
    """Median wall time of a command in milliseconds."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    """Print one line per measurement and the ratios the goals are stated in."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    py = sys.executable
    advisor = shutil.which("advisor", path=str(Path(py).parent)) or "advisor"
    subprocess.run([advisor, "recommend", EXAMPLE, "-f", "json"], stdout=subprocess.DEVNULL, check=True)
    cases = {
        "python -c pass": [py, "-c", "pass"],
        "python -c 'import typer, yaml'": [py, "-c", "import typer, yaml"],
        "advisor --version": [advisor, "--version"],
        "advisor recommend (json)": [advisor, "recommend", EXAMPLE, "-f", "json"],
        "advisor recommend (markdown)": [advisor, "recommend", EXAMPLE, "-f", "markdown"],
    }
    print(f"# {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores, "
          f"median of {args.runs} runs")
    results = {name: median_ms(cmd, args.runs) for name, cmd in cases.items()}
    floor = results["python -c 'import typer, yaml'"]
    for name, ms in results.items():
        print(f"{name:34} {ms:7.1f} ms  {ms / floor:4.2f}x typer+yaml floor")


if __name__ == "__main__":
    main()
