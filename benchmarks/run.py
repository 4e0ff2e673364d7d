"""The whole benchmark in one command: start-up, throughput, a long sweep and a large portfolio's memory.

    python benchmarks/run.py            # from the repository root, with an installed advisor

Figures are medians over several runs.  Goals: cold `recommend` and `cost` within
1.5x of `python -c "import typer, yaml"`, `render` within 2.5x (Jinja2); at least 1,000 workloads per second
per core for recommend+cost in one process; a 1,000-point sweep under a second; a 10,000-workload
portfolio in under 100 MB; a cold `review` of the everything example's template in at most half of
cfn-lint's time on the same file.
"""

from __future__ import annotations

import argparse
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from startup import FLOOR, run_once  # noqa: E402  (the sibling script's measuring helpers)

EXAMPLE = ROOT / "examples" / "startup-mvp.yaml"
PLAIN = ROOT / "examples" / "flash-sale-orders.yaml"  # no budget, so recommend prices nothing
LARGE = ROOT / "examples" / "everything.yaml"


def _cold(runs: int) -> list[tuple[str, float, float, float]]:
    """Each command's median wall ms, median CPU ms, and median ratio to the floor.

    The ratio is taken round by round against the floor run just before it, so a machine whose
    speed drifts during the benchmark (a shared virtual machine, say) skews both sides alike.
    """
    py = sys.executable
    advisor = shutil.which("advisor", path=str(Path(py).parent)) or "advisor"
    out = Path(tempfile.mkdtemp(prefix="advisor-bench-"))
    subprocess.run([advisor, "recommend", str(EXAMPLE), "-f", "json"], stdout=subprocess.DEVNULL, check=True)
    cases = {
        "python -c pass": [py, "-c", "pass"],
        FLOOR: [py, "-c", "import typer, yaml"],
        "advisor --version": [advisor, "--version"],
    }
    for command, example in (("recommend", PLAIN), ("recommend", EXAMPLE), ("recommend", LARGE),
                             ("cost", PLAIN), ("cost", EXAMPLE), ("cost", LARGE)):
        cases[f"advisor {command} {example.stem}"] = [advisor, command, str(example), "-f", "json"]
    for example in sorted((ROOT / "examples").glob("*.yaml")):
        cases[f"advisor render {example.stem}"] = [advisor, "render", str(example), "-o", str(out), "--force"]
    for cmd in cases.values():  # warm the file system cache and the compiled bytecode once
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    walls: dict[str, list[float]] = {name: [] for name in cases}
    cpus: dict[str, list[float]] = {name: [] for name in cases}
    ratios: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(runs):  # interleaved: one floor run, then one of each command against it
        for name, cmd in cases.items():
            if name == FLOOR:
                continue
            floor_wall, floor_cpu = run_once(cases[FLOOR])
            wall, cpu = run_once(cmd)
            walls[FLOOR].append(floor_wall)
            cpus[FLOOR].append(floor_cpu)
            walls[name].append(wall)
            cpus[name].append(cpu)
            ratios[name].append(wall / floor_wall)
    shutil.rmtree(out, ignore_errors=True)
    ratios[FLOOR] = [1.0]
    return [(name, statistics.median(walls[name]), statistics.median(cpus[name]), statistics.median(ratios[name]))
            for name in cases]


def _generated(count: int, seed: int = 11) -> list[str]:
    import yaml

    from advisor.catalog import load_catalog

    catalog = load_catalog()
    problems, requirements = sorted(catalog.problems), sorted(catalog.requirements)
    rng = random.Random(seed)
    texts = []
    for i in range(count):
        doc = {"version": 1, "name": f"w{i}", "problems": rng.sample(problems, rng.randint(0, 3)),
               "requirements": {r: True for r in rng.sample(requirements, rng.randint(1, 3))},
               "traffic": {"requests_per_month": rng.randint(0, 50_000_000)}}
        texts.append(yaml.safe_dump(doc))
    return texts


def _throughput(rounds: int) -> float:
    """Workloads per second through load, recommend and estimate in one process, with the collector
    tuned as the `advisor` command tunes it for a portfolio run."""
    import gc

    from advisor.costing import estimate
    from advisor.engine import recommend
    from advisor.pricing.catalog import load_catalog as load_prices
    from advisor.rules import load_rule_set
    from advisor.workload import load_workload_text

    catalog, rules = load_rule_set()
    prices = load_prices("us-east-1")
    # Each round prices workloads no earlier round saw, as a portfolio would: what the engine keeps
    # between workloads is then what two different workloads share, never a repeat of one.
    every = _generated(500 * rounds)
    before = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    rates = []
    try:
        for at in range(rounds):
            texts = every[500 * at:500 * (at + 1)]
            start = time.perf_counter()
            for text in texts:
                workload = load_workload_text(text, "bench.yaml", catalog)
                estimate(workload, recommend(workload, rules, catalog), prices)
            rates.append(len(texts) / (time.perf_counter() - start))
    finally:
        gc.set_threshold(*before)
    return statistics.median(rates)


def _sweep(rounds: int) -> list[tuple[str, float]]:
    from advisor.engine import recommend
    from advisor.pricing.catalog import load_catalog as load_prices
    from advisor.sweep import factors, sweep
    from advisor.workload import load_workload

    out = []
    for path in (EXAMPLE, LARGE):
        workload = load_workload(str(path))
        arch = recommend(workload)
        prices = load_prices(workload.region)
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            sweep(workload, arch, prices, factors(0.01, 1000, 1000))
            times.append(time.perf_counter() - start)
        out.append((path.name, statistics.median(times)))
    return out


def _portfolio_memory(count: int) -> float:
    import yaml  # noqa: F401  (generation only)

    folder = Path(tempfile.mkdtemp(prefix="advisor-portfolio-"))
    for i, text in enumerate(_generated(count, seed=5)):
        (folder / f"w{i:05d}.yaml").write_text(text)
    py = sys.executable
    advisor = shutil.which("advisor", path=str(Path(py).parent)) or "advisor"
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run([advisor, "cost", str(folder), "-f", "jsonl"], stdout=subprocess.DEVNULL, check=False)
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    shutil.rmtree(folder, ignore_errors=True)
    return max(peak_kb, before) / 1024


def review_against_cfn_lint(runs: int) -> tuple[int, float, float, float, float, float] | None:
    """A cold `advisor review` of the everything example's template against a cold `cfn-lint` of the same
    file, side by side: (resources, review wall ms, review CPU ms, cfn-lint wall ms, cfn-lint CPU ms, median
    ratio of review's wall time to cfn-lint's, round by round). None when cfn-lint is not installed."""
    py = sys.executable
    advisor = shutil.which("advisor", path=str(Path(py).parent)) or "advisor"
    lint = shutil.which("cfn-lint", path=str(Path(py).parent)) or shutil.which("cfn-lint")
    if lint is None:
        return None
    out = Path(tempfile.mkdtemp(prefix="advisor-bench-"))
    subprocess.run([advisor, "render", str(LARGE), "-o", str(out)], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=True)
    template = out / "template.yaml"
    resources = sum(1 for line in template.read_text(encoding="utf-8").splitlines() if line.startswith("    Type: AWS::"))
    review = [advisor, "review", str(template), "-f", "json"]
    linted = [lint, str(template)]
    for cmd in (review, linted):  # warm the file system cache and the compiled bytecode once
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    samples: dict[str, list[tuple[float, float]]] = {"review": [], "cfn-lint": []}
    ratios = []
    for _ in range(runs):
        mine, theirs = run_once(review), run_once(linted)
        samples["review"].append(mine)
        samples["cfn-lint"].append(theirs)
        ratios.append(mine[0] / theirs[0])
    shutil.rmtree(out, ignore_errors=True)
    med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in samples.items()}
    return (resources, med["review"][0], med["review"][1], med["cfn-lint"][0], med["cfn-lint"][1],
            statistics.median(ratios))


def main() -> None:
    """Run everything and print tables with the goals."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    print(f"# {platform.python_implementation()} {platform.python_version()} on {platform.machine()}, "
          f"{len(__import__('os').sched_getaffinity(0))} cores; medians of {args.runs} interleaved runs")
    print("\n| cold command | median ms | CPU ms | × typer+yaml floor | goal |")
    print("|---|---:|---:|---:|---|")
    for name, wall, cpu, ratio in _cold(args.runs):
        goal = "≤ 2.5×" if "render" in name else ("≤ 1.5×" if name.startswith(("advisor recommend", "advisor cost"))
                                               else "")
        print(f"| `{name}` | {wall:.1f} | {cpu:.1f} | {ratio:.2f} | {goal} |")
    side = review_against_cfn_lint(max(3, args.runs // 3))
    if side is None:
        print("\nreview against cfn-lint: cfn-lint is not installed (pip install cfn-lint)")
    else:
        resources, wall, cpu, lint_wall, lint_cpu, ratio = side
        print(f"\n| cold, everything template ({resources} resources) | median ms | CPU ms |\n|---|---:|---:|\n"
              f"| `advisor review -f json` | {wall:.1f} | {cpu:.1f} |\n| `cfn-lint` | {lint_wall:.1f} | {lint_cpu:.1f} |\n"
              f"review takes {ratio:.2f}× cfn-lint's time (goal ≤ 0.5×)")
    rate = _throughput(5)
    print(f"\nrecommend+cost in one process: {rate:,.0f} workloads per second on one core (goal ≥ 1,000)")
    for name, seconds in _sweep(3):
        print(f"1,000-point sweep of {name}: {seconds:.2f} s")
    print(f"10,000-workload portfolio (cost, jsonl): peak {_portfolio_memory(10_000):.0f} MB (goal < 100 MB)")


if __name__ == "__main__":
    main()
