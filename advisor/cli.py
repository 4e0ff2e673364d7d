"""The command line: parse arguments, call the core, print, and turn errors into exit codes.

This is the only module that reads the environment or exits, and the only one that prints, itself
or through the terminal tables of advisor.termviews.
"""

import functools
import glob
import inspect
import json
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Any, Callable, Optional, TypeVar

import typer

from advisor import __version__
from advisor.errors import AdvisorError, UsageError

DEFAULT_FILE = "advisor.yaml"
EXIT_INTERNAL = 70

HELP_OPTIONS = {"help_option_names": ["-h", "--help"]}

app = typer.Typer(
    name="advisor",
    help="Architecture advisor and cost estimator for AWS: recommend, cost, render.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings=HELP_OPTIONS,
)

F = TypeVar("F", bound=Callable[..., Any])


def _err(line: str) -> None:
    sys.stderr.write(line + "\n")


def _note(line: str) -> None:
    """Informational output on stderr, silenced by --quiet."""
    if not _QUIET:
        _err(line)


def handled(func: F) -> F:
    """The one place where errors become messages and exit codes; never a traceback for user errors."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        global _QUIET, _NO_COLOR
        # -q and --no-color are accepted after the command as well as before it.
        _QUIET = kwargs.pop("_quiet_after", False) or _QUIET
        _NO_COLOR = kwargs.pop("_no_color_after", False) or _NO_COLOR
        try:
            return func(*args, **kwargs)
        except AdvisorError as exc:
            for line in exc.lines():
                _err(line)
            raise typer.Exit(exc.exit_code) from None
        except (typer.Exit, typer.Abort):
            raise
        except BrokenPipeError:
            raise typer.Exit(0) from None
        except KeyboardInterrupt:
            _err("interrupted")
            raise typer.Exit(130) from None
        except Exception as exc:  # a bug: say so plainly, show the traceback only on request
            if os.environ.get("ADVISOR_DEBUG"):
                raise
            _err(f"internal error: {type(exc).__name__}: {exc}")
            _err("this is a bug in advisor; run again with ADVISOR_DEBUG=1 to see the traceback")
            raise typer.Exit(EXIT_INTERNAL) from None

    signature = inspect.signature(func)
    wrapper.__signature__ = signature.replace(parameters=[  # type: ignore[attr-defined]
        *signature.parameters.values(),
        inspect.Parameter("_quiet_after", inspect.Parameter.KEYWORD_ONLY, annotation=bool,
                          default=typer.Option(False, "--quiet", "-q", help="Only errors and data; no notes on stderr.")),
        inspect.Parameter("_no_color_after", inspect.Parameter.KEYWORD_ONLY, annotation=bool,
                          default=typer.Option(False, "--no-color", help="No colours (also when NO_COLOR is set).")),
    ])
    return wrapper  # type: ignore[return-value]


class RecommendFormat(str, Enum):
    """Output formats of `recommend`."""

    table = "table"
    json = "json"
    markdown = "markdown"
    jsonl = "jsonl"


class DataFormat(str, Enum):
    """Output formats of listings."""

    table = "table"
    json = "json"


class ValidateFormat(str, Enum):
    """Output formats of `validate`."""

    text = "text"
    json = "json"


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"advisor {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only errors and data; no notes on stderr."),
    no_color: bool = typer.Option(False, "--no-color", help="No colours (also when NO_COLOR is set)."),
) -> None:
    """Architecture advisor and cost estimator for AWS.

    Example: advisor recommend examples/everything.yaml
    """
    global _QUIET, _NO_COLOR
    _QUIET, _NO_COLOR = quiet, no_color
    _tolerant_streams()  # also when the app is run in-process (tests, embedding), not only through run()


def _workload_path(file: Optional[Path]) -> str:
    if file is not None:
        return str(file)
    if not Path(DEFAULT_FILE).exists():
        raise UsageError(f"no workload file given and no {DEFAULT_FILE} in the current folder",
                         hint="pass a file: advisor recommend examples/order-intake.yaml")
    return DEFAULT_FILE


STDIN = "-"


def _check_region(region: Optional[str], catalog: Any) -> None:
    """Blame a bad --region on the option, before any file is read."""
    if region is not None and region not in catalog.regions:
        from advisor.catalog import region_hint

        raise UsageError(f"--region: unknown region {region!r}", hint=region_hint(region, catalog.regions))


def _load(path: str, catalog: Any, *, region: Optional[str] = None) -> Any:
    """Load a workload file, or standard input for `-`; `region` replaces the file's region."""
    from advisor.workload import load_workload

    _check_region(region, catalog)
    if path != STDIN:
        return load_workload(path, catalog, region=region)
    from advisor.errors import InputError
    from advisor.workload import validate_node
    from advisor.yamlsafe import MAX_BYTES, Node, YamlProblem, parse, read_text

    name = "<stdin>"
    try:
        node = parse(read_text(sys.stdin.buffer.read(MAX_BYTES + 1), name), name)
    except YamlProblem as problem:
        raise InputError([problem.diagnostic]) from None
    if region is not None and node.kind == "map":
        where = node.value.get("region", node)
        replaced = Node("scalar", region, where.line, where.col)
        node.value["region"] = replaced
        node.keys.setdefault("region", replaced)
    return validate_node(node, name, catalog)


def _rule_dirs(given: Optional[list[Path]]) -> tuple[Path, ...]:
    """Organisation rule folders: --rules options, then ADVISOR_RULES (separated like PATH)."""
    dirs = list(given or [])
    env = os.environ.get("ADVISOR_RULES")
    if env:
        dirs += [Path(p) for p in env.split(os.pathsep) if p]
    return tuple(dirs)


def _cache_dir() -> Optional[Path]:
    """Where the validated bundled rule set is kept: ADVISOR_CACHE_DIR, else the XDG cache folder; None
    when ADVISOR_NO_CACHE is set or no absolute folder is known."""
    if os.environ.get("ADVISOR_NO_CACHE"):
        return None
    explicit = os.environ.get("ADVISOR_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # the XDG specification: a relative value is to be ignored
        home = os.path.expanduser("~")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return Path(base) / "advisor"


def _rule_set(rule_dirs: Optional[list[Path]] = None) -> Any:
    from advisor.rules import load_rule_set

    return load_rule_set(_rule_dirs(rule_dirs), cache=_cache_dir())


def _is_terminal() -> bool:
    return sys.stdout.isatty()


def _emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


_QUIET = False
_NO_COLOR = False


def _console(stderr: bool = False) -> Any:
    from advisor.termviews import console  # only terminal output pays for rich

    # no-color.org: only a non-empty NO_COLOR disables colour.
    return console(no_color=_NO_COLOR or bool(os.environ.get("NO_COLOR")), stderr=stderr)


FILE_ARG = typer.Argument(None, help=f"Workload file (default: ./{DEFAULT_FILE}).", show_default=False)
FILES_ARG = typer.Argument(None, help=f"Workload files, folders or glob patterns (default: ./{DEFAULT_FILE}).",
                           show_default=False)
JOBS_OPT = typer.Option(1, "--jobs", "-j", min=0, help="Worker processes for several files (0: one per core).")


RULES_OPT = typer.Option(None, "--rules", help="Organisation rule folder, added to the bundled rules "
                         "(repeatable; also ADVISOR_RULES).", show_default=False)


@app.command()
@handled
def recommend(
    files: Optional[list[str]] = FILES_ARG,
    fmt: Optional[RecommendFormat] = typer.Option(None, "--format", "-f",
                                                  help="table (default on a terminal), json (default otherwise), "
                                                  "markdown; jsonl for several files."),
    rules_dirs: Optional[list[Path]] = RULES_OPT,
    jobs: int = JOBS_OPT,
) -> None:
    """Choose services, flows and decisions for a workload, or for a whole portfolio of them.

    Example: advisor recommend examples/order-fanout.yaml --format json
    """
    from advisor.architecture import to_json
    from advisor.pipeline import run

    if _is_portfolio(files):
        _portfolio("recommend", files or [], fmt.value if fmt else None, rules_dirs, jobs, None, False)
        return
    file = Path(files[0]) if files else None
    catalog, rule_set = _rule_set(rules_dirs)
    workload = _load(_workload_path(file), catalog)
    outcome = run(workload, rule_set, catalog, lambda region: _price_catalog(region, None), price=False)
    arch = outcome.arch._replace(warnings=outcome.warnings)
    chosen = fmt or (RecommendFormat.table if _is_terminal() else RecommendFormat.json)
    if chosen is RecommendFormat.json:
        _emit_json(to_json(arch))
        return
    from advisor.views import recommendation_view

    view = recommendation_view(workload, arch, catalog)
    if chosen is RecommendFormat.markdown:
        from advisor.templating import render_template

        sys.stdout.write(render_template("recommend.md.j2", v=view))
        return
    from advisor.termviews import print_recommendation

    print_recommendation(_console(), view)


def _prices_dir() -> Path:
    """The user catalog folder `prices update` writes: ADVISOR_PRICES_DIR, else the XDG data folder."""
    explicit = os.environ.get("ADVISOR_PRICES_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "advisor" / "prices"


def _price_catalog(region: str, catalog_path: Optional[Path]) -> Any:
    from advisor.pricing.catalog import find_catalog

    return find_catalog(region, catalog_path=catalog_path, user_dir=_prices_dir())


class CostFormat(str, Enum):
    """Output formats of `cost`."""

    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    jsonl = "jsonl"


def _parse_range(text: str) -> tuple[float, float]:
    try:
        low, high = (float(part) for part in text.split(":"))
    except ValueError:
        raise UsageError(f"--sweep-range {text!r} is not LOW:HIGH", hint="for example 0.01:1000") from None
    if not (0 < low < high) or not all(map(lambda v: v < 1e9, (low, high))):
        raise UsageError(f"--sweep-range {text!r} needs 0 < LOW < HIGH", hint="for example 0.01:1000")
    return low, high


@app.command()
@handled
def cost(
    files: Optional[list[str]] = FILES_ARG,
    fmt: Optional[CostFormat] = typer.Option(None, "--format", "-f",
                                             help="table (default on a terminal), json (default otherwise), csv or markdown; "
                                             "with --sweep, csv adds the sweep's rows as a second section after the lines."),
    region: Optional[str] = typer.Option(None, "--region", help="Price in this Region instead of the file's."),
    free_tier: bool = typer.Option(False, "--free-tier/--no-free-tier",
                                   help="Apply the account's always-free monthly allowances once."),
    catalog_path: Optional[Path] = typer.Option(None, "--catalog",
                                                help="Price catalog file or folder (before the user catalog and the bundled one)."),
    max_monthly: Optional[float] = typer.Option(None, "--max-monthly", min=0,
                                                help="Exit 1 when the monthly total exceeds this many USD."),
    strict_prices: bool = typer.Option(False, "--strict-prices",
                                       help="Exit 2, naming every key, when the Region's catalog lacks a price "
                                       "(instead of an approximate estimate at another Region's price)."),
    sweep_on: bool = typer.Option(False, "--sweep", help="Also price 0.01× to 1000× the traffic and find the break-even."),
    sweep_range: str = typer.Option("0.01:1000", "--sweep-range", help="LOW:HIGH scale factors of the sweep."),
    sweep_points: int = typer.Option(31, "--sweep-points", min=2, max=100_000, help="Points in the sweep."),
    rps_per_task: float = typer.Option(250.0, "--alt-rps-per-task", min=1,
                                       help="Peak requests per second one always-on task serves."),
    rules_dirs: Optional[list[Path]] = RULES_OPT,
    jobs: int = JOBS_OPT,
) -> None:
    """Estimate the monthly bill line by line: quantity × unit price, and where each quantity came from.

    Example: advisor cost examples/startup-mvp.yaml --sweep --format markdown
    """
    from decimal import Decimal

    if _is_portfolio(files):
        if sweep_on or region or max_monthly is not None or strict_prices:
            raise UsageError("--sweep, --region, --max-monthly and --strict-prices apply to one workload at a time")
        _portfolio("cost", files or [], fmt.value if fmt else None, rules_dirs, jobs, catalog_path, free_tier)
        return
    file = Path(files[0]) if files else None
    from advisor.costviews import chart, estimate_csv, estimate_json, estimate_view, money
    from advisor.pipeline import run

    catalog, rule_set = _rule_set(rules_dirs)
    low_high = _parse_range(sweep_range) if sweep_on else None
    workload = _load(_workload_path(file), catalog, region=region)
    prices = _price_catalog(workload.region, catalog_path)
    outcome = run(workload, rule_set, catalog, lambda _: prices, price=True, free_tier=free_tier)
    arch, est, warnings = outcome.arch, outcome.estimate, list(outcome.warnings)
    assert est is not None
    if strict_prices and not est.exact:
        from advisor.pricing.errors import PricesNotExact

        raise PricesNotExact(est.borrowed())
    swept = None
    from advisor.sweep import Alternative, alternatives as price_alternatives

    alternative = Alternative(rps_per_task=Decimal(str(rps_per_task)))
    from advisor.pricing.errors import PriceNotFound

    try:
        others = price_alternatives(workload, arch, prices, est, alternative=alternative, free_tier=free_tier)
    except PriceNotFound as exc:  # a catalog of the user's without the load balancer's prices, say
        others = ()
        warnings.append(f"the alternatives are not priced: {exc.message}")
    if low_high is not None:
        from advisor.sweep import factors, sweep

        scales = factors(low_high[0], low_high[1], sweep_points)
        swept = sweep(workload, arch, prices, scales, free_tier=free_tier, alternative=alternative, today=est)
    chosen = fmt or (CostFormat.table if _is_terminal() else CostFormat.json)
    if chosen is CostFormat.json:
        _emit_json(estimate_json(est, warnings=warnings, sweep=swept, alternatives=others))
    elif chosen is CostFormat.csv:
        sys.stdout.write(estimate_csv(est, sweep=swept))
    elif chosen is CostFormat.markdown:
        from advisor.templating import render_template

        sys.stdout.write(render_template("cost.md.j2", v=estimate_view(est, warnings=warnings, sweep=swept,
                                                                       alternatives=others)))
    else:
        from advisor.termviews import print_estimate

        view = estimate_view(est, warnings=warnings, sweep=swept, alternatives=others)
        print_estimate(_console(), view, chart(swept) if swept else "")
    if max_monthly is not None and est.total > Decimal(str(max_monthly)):
        from advisor.errors import CheckFailed

        raise CheckFailed(f"the estimate of {money(est.total)} a month exceeds --max-monthly {money(Decimal(str(max_monthly)))}")


class DiffFormat(str, Enum):
    """Output formats of `diff`."""

    text = "text"
    json = "json"
    markdown = "markdown"


@app.command()
@handled
def diff(
    old: str = typer.Argument(..., help="The earlier workload file or CloudFormation template (- for standard "
                              "input)."),
    new: str = typer.Argument(..., help="The later workload file or CloudFormation template (- for standard "
                              "input)."),
    workload_file: Optional[str] = typer.Option(None, "--workload", help="Workload file whose traffic prices a "
                                                "template side (a template alone has no cost)."),
    fmt: Optional[DiffFormat] = typer.Option(None, "--format", "-f",
                                             help="text (default on a terminal), json (default otherwise) or markdown."),
    max_increase: Optional[str] = typer.Option(None, "--max-increase",
                                               help="Exit 1 when the monthly cost rises by more than this: USD (25) "
                                               "or a percentage of the old total (10%)."),
    free_tier: bool = typer.Option(False, "--free-tier/--no-free-tier",
                                   help="Apply the account's always-free monthly allowances once, on both sides."),
    catalog_path: Optional[Path] = typer.Option(None, "--catalog", help="Price catalog file or folder."),
    rules_dirs: Optional[list[Path]] = RULES_OPT,
) -> None:
    """Compare two versions of a workload, or of a CloudFormation template: services, components, flows,
    decisions, a template's findings, and the monthly cost by service.

    Example: advisor diff main.yaml advisor.yaml --max-increase 10% --format markdown
    """
    from advisor.diff import (check_limit, compare, diff_json, diff_text, diff_view, parse_limit, template_side,
                              workload_side)
    from advisor.errors import CheckFailed, InputError
    from advisor.pipeline import run

    limit = parse_limit(max_increase) if max_increase is not None else None  # a bad limit reads no file
    if old == new == STDIN:
        raise UsageError("only one of OLD and NEW can be standard input (-)")
    catalog, rule_set = _rule_set(rules_dirs)
    kinds = {path: ("template" if path != STDIN and _is_template(path) else "workload") for path in (old, new)}
    traffic = _load(workload_file, catalog) if workload_file is not None else None
    loaded: dict[str, Any] = {}
    problems = []
    for path in (old, new):  # both files checked before either is priced: every error of both at once
        try:
            if kinds[path] == "workload":
                loaded[path] = _load(path, catalog)
            else:
                from advisor.review.report import run_review

                loaded[path] = run_review(path, workload=traffic, proposal=None, rules=rule_set, free_tier=free_tier,
                                          find_prices=lambda region: _price_catalog(region, catalog_path))
        except InputError as exc:
            problems += exc.diagnostics
    if problems:
        raise InputError(problems)
    sides = []
    for path in (old, new):
        if kinds[path] == "template":
            sides.append(template_side(path, loaded[path]))
            continue
        workload = loaded[path]
        prices = _price_catalog(workload.region, catalog_path)
        outcome = run(workload, rule_set, catalog, lambda _: prices, price=True, free_tier=free_tier)
        sides.append(workload_side(path, workload, outcome))
    result = compare(sides[0], sides[1])
    chosen = fmt or (DiffFormat.text if _is_terminal() else DiffFormat.json)
    if chosen is DiffFormat.json:
        _emit_json(diff_json(result, limit))
    elif chosen is DiffFormat.markdown:
        from advisor.templating import render_template

        sys.stdout.write(render_template("diff.md.j2", v=diff_view(result, limit)))
    else:
        sys.stdout.write(diff_text(diff_view(result, limit)))
    broken = check_limit(result, limit) if limit is not None else None
    if broken:
        raise CheckFailed(broken)


def _is_template(path: str) -> bool:
    """Whether a file is a CloudFormation template rather than a workload: it has a top-level Resources,
    AWSTemplateFormatVersion or Transform key (a workload file may have none of them)."""
    import re

    from advisor.yamlsafe import open_regular

    try:  # never blocks on a FIFO or a device: those are refused, as by every loader
        with os.fdopen(open_regular(path), "rb") as handle:
            head = handle.read(1024 * 1024).decode("utf-8", "replace")
    except (OSError, ValueError):
        return False  # the workload loader says what is wrong with the file
    return bool(re.search(r'^(Resources|AWSTemplateFormatVersion|Transform)\s*:|"(Resources|AWSTemplateFormatVersion)"\s*:',
                          head, re.M))


def _is_portfolio(files: Optional[list[str]]) -> bool:
    """Several arguments, a folder or a glob pattern mean a portfolio run."""
    if not files:
        return False
    if len(files) > 1:
        return True
    return Path(files[0]).is_dir() or (glob.has_magic(files[0]) and not Path(files[0]).exists())


def _portfolio(command: str, arguments: list[str], fmt: Optional[str], rules_dirs: Optional[list[Path]],
               jobs: int, catalog_path: Optional[Path], free_tier: bool) -> None:
    """Run every workload; bad files are reported and the rest go on; exit 2 if any was bad."""
    from advisor.portfolio import Options, Summary, default_jobs, discover, run

    paths = discover(arguments, on_skip=lambda path, why: _note(f"{path}: note: skipped, {why}"))
    chosen = fmt or ("table" if _is_terminal() else "jsonl")
    if chosen not in ("table", "json", "jsonl"):
        raise UsageError(f"--format {chosen} is for one workload; several files take table, json or jsonl")
    options = Options(command, tuple(str(p) for p in _rule_dirs(rules_dirs)),
                      str(_prices_dir()), str(catalog_path) if catalog_path else None, free_tier)
    summary = Summary()
    progress = None
    if chosen != "json" and sys.stderr.isatty() and not _QUIET:
        from advisor.termviews import progress as progress_bar

        progress = progress_bar(_console(stderr=True), len(paths))
    if chosen == "json":
        sys.stdout.write('{"workloads": [')
    first = True
    for result in run(paths, options, jobs=jobs or default_jobs()):
        summary.add(result)
        if progress is not None:
            progress[0].advance(progress[1])
        for error in result.errors:
            where = f"{error['file']}:{error['line']}:{error['column']}" if error.get("line") else error["file"]
            hint = f" ({error['hint']})" if error.get("hint") else ""
            _err(f"{where}: error: {error['message']}{hint}")
        record = {"file": result.file, **(result.document or {"errors": list(result.errors)})}
        if chosen == "jsonl":
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        elif chosen == "json":
            sys.stdout.write(("" if first else ",") + "\n" + json.dumps(record, ensure_ascii=False))
            first = False
    if progress is not None:
        progress[0].stop()
    if chosen == "json":
        sys.stdout.write("\n], \"summary\": " + json.dumps(summary.as_json(), ensure_ascii=False) + "}\n")
    elif chosen == "table":
        from advisor.termviews import print_summary

        print_summary(_console(), command, summary)
    if summary.internal:
        class InternalErrors(AdvisorError):
            exit_code = EXIT_INTERNAL

        raise InternalErrors(f"{len(summary.internal)} of {summary.files} workload files met an internal error "
                             f"(a bug in advisor): {', '.join(summary.internal[:5])}"
                             + (" and more" if len(summary.internal) > 5 else ""))
    if summary.bad:
        raise AdvisorError(f"{len(summary.bad)} of {summary.files} workload files had errors")


@app.command()
@handled
def validate(
    file: Optional[Path] = FILE_ARG,
    fmt: ValidateFormat = typer.Option(ValidateFormat.text, "--format", "-f", help="text or json."),
) -> None:
    """Check a workload file; every error with line:column and a hint.

    Example: advisor validate advisor.yaml
    """
    from advisor.catalog import load_catalog
    from advisor.errors import InputError

    path = _workload_path(file)
    try:
        workload = _load(path, load_catalog())
    except InputError as exc:
        if fmt is ValidateFormat.json:
            _emit_json({"file": path, "valid": False, "errors": [d.as_dict() for d in exc.diagnostics],
                        "warnings": []})
            raise typer.Exit(exc.exit_code) from None
        raise
    notes = _catalog_notes(workload.region)
    if fmt is ValidateFormat.json:
        _emit_json({"file": path, "valid": True, "errors": [], "warnings": list(workload.warnings), "notes": notes})
        return
    for warning in workload.warnings:
        _err(f"{path}: warning: {warning}")
    for note in notes:
        _note(f"{path}: note: {note}")
    _note(f"{path}: ok ({len(workload.problems)} problems, {len(workload.requirements)} requirements in force)")


def _catalog_notes(region: str) -> list[str]:
    """What the Region's price catalog means for an estimate there, when it is not complete."""
    from advisor.pricing.catalog import coverage
    from advisor.pricing.errors import PriceNotFound

    try:
        covered = coverage(_price_catalog(region, None))
    except PriceNotFound as exc:
        return [f"no estimate is possible in {region}: {exc.message}"]
    return [] if covered.exact else [covered.sentence()]


@app.command()
@handled
def schema() -> None:
    """Print the JSON Schema (2020-12) of the workload file, for editors.

    Example: advisor schema > workload.schema.json
    """
    from advisor.workload import json_schema

    _emit_json(json_schema())


@app.command()
@handled
def rules(
    fmt: Optional[DataFormat] = typer.Option(None, "--format", "-f",
                                             help="table (default on a terminal) or json."),
    pillar: Optional[str] = typer.Option(None, "--pillar", help="Only rules whose pillars include this one."),
    rules_dirs: Optional[list[Path]] = RULES_OPT,
    check_dir: Optional[Path] = typer.Option(None, "--check",
                                             help="Lint an organisation rule folder and run its tests/*.yaml cases."),
    export_lens: Optional[Path] = typer.Option(None, "--export-lens",
                                               help="Write the rules as a Well-Architected Tool custom lens (JSON)."),
) -> None:
    """List the rules: id, title, pillars, best-practice ids.

    Example: advisor rules --pillar reliability --format json
    """
    from advisor.spec import did_you_mean
    from advisor.views import rules_view

    if check_dir is not None:
        _check_rules(check_dir, rules_dirs)
        return
    catalog, rule_set = _rule_set(rules_dirs)
    if export_lens is not None:
        _export_lens(export_lens, rule_set, catalog)
        return
    if pillar is not None and pillar not in catalog.pillars:
        raise UsageError(f"unknown pillar {pillar!r}",
                         hint=did_you_mean(pillar, list(catalog.pillars)) or "one of " + ", ".join(catalog.pillars))
    listed = [r for r in rules_view(rule_set, catalog)
              if pillar is None or pillar in r["pillars"]]
    chosen = fmt or (DataFormat.table if _is_terminal() else DataFormat.json)
    if chosen is DataFormat.json:
        _emit_json(listed)
        return
    from advisor.termviews import print_rules

    print_rules(_console(), listed)


def _check_rules(folder: Path, rules_dirs: Optional[list[Path]]) -> None:
    """Validate an organisation's rule folder with the bundled rules, then run its cases."""
    from advisor.errors import CheckFailed
    from advisor.rulecheck import run_case_file

    catalog, rule_set = _rule_set(list(rules_dirs or []) + [folder])
    ours = {r.id for r in rule_set if Path(r.path).resolve().is_relative_to(folder.resolve())}
    _note(f"{folder}: {len(ours)} rule(s) valid")
    results, unreadable = [], 0
    for path in sorted((folder / "tests").glob("*.yaml")):
        problem = _not_regular(path)
        if problem:  # a FIFO would block the read for ever
            _err(f"{path}:1:1: error: {problem}")
            unreadable += 1
            continue
        results += run_case_file(path, rule_set, catalog)
    for result in results:
        for failure in result.failures:
            _err(f"{result.file}: {result.rule} case {result.name!r}: {failure}")
    untested = sorted(ours - {result.rule for result in results})
    for rule_id in untested:
        _err(f"{folder}: {rule_id} has no test cases (add tests/{rule_id}.yaml)")
    if unreadable:
        raise AdvisorError(f"{folder}: {unreadable} case file(s) could not be read")
    failed = sum(1 for result in results if result.failures)
    _note(f"{len(results) - failed} of {len(results)} case(s) passed")
    if failed or untested:
        raise CheckFailed(f"{folder}: {failed} failing case(s), {len(untested)} rule(s) without cases")


def _not_regular(path: Path) -> Optional[str]:
    """Why a file cannot be read as a case file (a FIFO, a device, a dangling link), or None."""
    from advisor.yamlsafe import open_regular

    try:
        os.close(open_regular(str(path)))
    except ValueError as exc:
        return f"is {exc}, not a regular file"
    except OSError as exc:
        return f"cannot read: {exc.strerror}"
    return None


def _export_lens(path: Path, rule_set: Any, catalog: Any) -> None:
    """Write the rules as a Well-Architected Tool custom lens; export_lens checks it against the Tool's limits."""
    from advisor.lens import export_lens, lens_json
    from advisor.render import write_files

    text = lens_json(export_lens(rule_set, catalog))
    target = path.parent if str(path.parent) else Path(".")
    write_files(target, {path.name: text}, force=True)
    _note(f"wrote {path} ({len(text.encode()):,} bytes)")


@app.command()
@handled
def render(
    file: Optional[Path] = FILE_ARG,
    output: Path = typer.Option(..., "--output", "-o", help="Folder for ARCHITECTURE.md, template.yaml and, for "
                                "a second Region, template.<region>.yaml."),
    force: bool = typer.Option(False, "--force", help="Overwrite existing files."),
    check: bool = typer.Option(False, "--check", help="Run cfn-lint on the template (needs the 'check' extra)."),
    catalog_path: Optional[Path] = typer.Option(None, "--catalog", help="Price catalog file or folder."),
    rules_dirs: Optional[list[Path]] = RULES_OPT,
) -> None:
    """Write a Markdown report with diagrams and a CloudFormation template for a workload.

    Example: advisor render examples/everything.yaml -o out/
    """
    from advisor.errors import CheckFailed
    from advisor.pipeline import run
    from advisor.pricing.errors import PriceNotFound
    from advisor.render import REPORT, TEMPLATE, check_targets, render as build, write_files

    if check:
        _require_cfn_lint()
    catalog, rule_set = _rule_set(rules_dirs)
    workload = _load(_workload_path(file), catalog)
    check_targets(output, [REPORT, TEMPLATE], force=force)  # before any work: fail fast, write nothing
    try:
        prices, price_error = _price_catalog(workload.region, catalog_path), None
        outcome = run(workload, rule_set, catalog, lambda region: _price_catalog(region, catalog_path), price=True)
    except PriceNotFound as exc:  # a Region, or a replica's Region, without prices: the report says so
        prices, price_error = None, exc.message
        outcome = run(workload, rule_set, catalog, lambda region: _price_catalog(region, catalog_path), price=False)
    rendered = build(workload, outcome, catalog, prices, price_error)
    for path in write_files(output, rendered.files, force=force):
        _note(f"wrote {path}")
    for note in rendered.notes:
        _note(f"note: {note}")
    if check:
        failed = None
        for name, region in rendered.templates.items():  # each template against its own Region
            try:
                _lint(output / name, region)
            except CheckFailed as exc:
                failed = failed or exc
        if failed is not None:
            raise failed


class ReviewFormat(str, Enum):
    """Output formats of `review`."""

    text = "text"
    json = "json"
    markdown = "markdown"
    sarif = "sarif"


@app.command()
@handled
def review(
    template: str = typer.Argument(..., help="CloudFormation template: YAML (short-form intrinsics), JSON or SAM; "
                                   "- reads standard input.", show_default=False),
    workload_file: Optional[str] = typer.Option(None, "--workload", help="Workload file: its traffic prices the "
                                                "template, and the proposal is its recommendation."),
    usage_file: Optional[Path] = typer.Option(None, "--usage", help="Usage file (a workload's region, traffic, data "
                                              "and usage sections) to price the template with; with --workload, "
                                              "the sections it gives replace the workload's."),
    parameters: Optional[list[str]] = typer.Option(None, "--parameter", "-p", help="NAME=VALUE for a template "
                                                   "parameter (repeatable); the others take their defaults.",
                                                   show_default=False),
    fmt: Optional[ReviewFormat] = typer.Option(None, "--format", "-f", help="text (default on a terminal), json "
                                               "(default otherwise), markdown (a pull-request comment) or sarif "
                                               "(SARIF 2.1.0 for GitHub code scanning)."),
    catalog_path: Optional[Path] = typer.Option(None, "--catalog", help="Price catalog file or folder."),
    rules_dirs: Optional[list[Path]] = RULES_OPT,
) -> None:
    """Read the architecture a CloudFormation template deploys, name its problems by the rule files, price it
    and propose the target. Exit 1 when a finding is in force.

    Example: advisor review template.yaml --workload advisor.yaml --format markdown
    """
    from advisor.review.report import review_json, review_markdown, review_text, run_review

    given = _parameters(parameters or [])
    proposal = workload = None
    present: tuple[str, ...] = ()
    catalog, rule_set = _rule_set(rules_dirs)  # the check mode's rules, and the workload's vocabulary
    if workload_file is not None:
        workload = _load(workload_file, catalog)
    if usage_file is not None:
        from advisor.workload import load_usage, usage_workload, with_usage

        sections, present = load_usage(str(usage_file), catalog)
        workload = (with_usage(workload, sections, present) if workload is not None else
                    usage_workload(_slug(Path(template).stem), str(usage_file), sections, present))
    if workload_file is not None and workload is not None:
        from advisor.pipeline import run

        proposal = run(workload, rule_set, catalog, lambda region: _price_catalog(region, catalog_path),
                       price=False).arch
    data = None
    if template == STDIN:
        from advisor.review.template import MAX_BYTES

        data = sys.stdin.buffer.read(MAX_BYTES + 1)
    found = run_review("<stdin>" if data is not None else template, data=data, workload=workload, proposal=proposal,
                       parameters=given, find_prices=lambda region: _price_catalog(region, catalog_path),
                       template_region=workload_file is None and usage_file is not None and "region" not in present,
                       rules=rule_set)
    chosen = fmt or (ReviewFormat.text if _is_terminal() else ReviewFormat.json)
    if chosen is ReviewFormat.json:
        _emit_json(review_json(found))
    elif chosen is ReviewFormat.sarif:
        from advisor.render.sarif import sarif_log

        _emit_json(sarif_log(found.findings, template=template if data is None else "<stdin>", rules=rule_set,
                             catalog=catalog))
    elif chosen is ReviewFormat.markdown:
        sys.stdout.write(review_markdown(found))
    else:
        sys.stdout.write(review_text(found))
    if found.in_force:
        from advisor.errors import CheckFailed

        raise CheckFailed(f"{len(found.in_force)} finding(s) in {template}")


def _parameters(items: list[str]) -> dict[str, str]:
    """`--parameter NAME=VALUE` options as a mapping."""
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise UsageError(f"--parameter {item!r} is not NAME=VALUE", hint="for example --parameter Stage=prod")
        out[name] = value
    return out


def _slug(text: str) -> str:
    """A file name as a workload name (lowercase letters, digits and hyphens)."""
    import re

    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:63].strip("-") or "template"


def _require_cfn_lint() -> None:
    """`--check` without cfn-lint is a usage error, raised before anything is written."""
    import importlib.util

    if importlib.util.find_spec("cfnlint") is None:
        raise UsageError("--check runs cfn-lint, which is not installed",
                         hint="pip install 'advisor[check]' (or pip install cfn-lint), or render without --check")


def _lint(path: Path, region: str) -> None:
    """Run cfn-lint on a written template; a finding is a failed check (exit 1)."""
    from cfnlint.api import ManualArgs, lint

    from advisor.errors import CheckFailed

    matches = lint(path.read_text(encoding="utf-8"), config=ManualArgs(regions=[region]))
    for match in matches:
        _err(f"{path}:{match.linenumber}:{match.columnnumber}: {match.rule.id} {match.message}")
    if matches:
        raise CheckFailed(f"cfn-lint found {len(matches)} problem(s) in {path}")
    _note(f"cfn-lint: {path} has no errors or warnings")


@app.command()
@handled
def init(
    output: Path = typer.Option(Path(DEFAULT_FILE), "--output", "-o", help="The workload file to write."),
    name: Optional[str] = typer.Option(None, "--name", help="Workload name: lowercase letters, digits, hyphens."),
    problems: Optional[list[str]] = typer.Option(None, "--problem", help="A problem id (repeatable)."),
    requirements: Optional[list[str]] = typer.Option(None, "--requirement", help="A requirement id (repeatable)."),
    region: str = typer.Option("us-east-1", "--region", help="AWS Region code."),
    requests: int = typer.Option(1_000_000, "--requests-per-month", min=0, help="API requests a month."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    """Write a commented starter workload file, from flags or, on a terminal, a few questions.

    Example: advisor init --name order-intake --problem scalability-issues --requirement security
    """
    from advisor.errors import InputError
    from advisor.render import check_targets, write_files
    from advisor.templating import render_template
    from advisor.workload import json_schema, load_workload_text

    catalog, _ = _rule_set()
    check_targets(output.parent, [output.name], force=force)
    if name is None and sys.stdin.isatty():
        # Each answer is checked when it is given, so a slip is asked again instead of failing the whole run.
        name = _ask_checked("Workload name (lowercase, digits, hyphens)", output.stem.replace("_", "-"), _name_problem)
        region = _ask_checked("AWS Region", region, lambda r: _region_problem(r, catalog))
        problems = _ask_ids("Problems", catalog.problems)
        requirements = _ask_ids("Requirements", catalog.requirements)
        while not (problems or requirements):
            _err("a workload needs at least one problem or requirement")
            problems = _ask_ids("Problems", catalog.problems)
            requirements = _ask_ids("Requirements", catalog.requirements)
        requests = int(_ask_checked("API requests per month", str(requests), _count_problem))
    if not (problems or requirements):
        raise UsageError("a workload needs at least one problem or requirement",
                         hint="pass --problem ID or --requirement ID; `advisor schema` lists them")
    view = {
        "name": name or "my-workload", "description": "Describe the customer and the workload here.",
        "region": region, "problems": list(dict.fromkeys(problems or [])),
        "requirements": list(dict.fromkeys(requirements or [])),
        "requests_per_month": requests, "peak": max(1, requests // 100_000),
        "all_problems": list(catalog.problems), "all_requirements": list(catalog.requirements),
    }
    text = render_template("advisor.yaml.j2", v=view)
    try:  # the starter must itself be valid: the same checks as any workload
        load_workload_text(text, str(output), catalog)
    except InputError as exc:
        raise UsageError("; ".join(d.message + (f" ({d.hint})" if d.hint else "") for d in exc.diagnostics)) from None
    files = {output.name: text}
    if not (output.parent / "workload.schema.json").exists():
        files["workload.schema.json"] = json.dumps(json_schema(catalog), indent=2) + "\n"
    for path in write_files(output.parent, files, force=force):
        _note(f"wrote {path}")
    for note in _catalog_notes(region):
        _note(f"note: {note}")


def _ask_checked(question: str, default: str, problem: Callable[[str], Optional[str]]) -> str:
    """Ask until `problem(answer)` finds nothing wrong with the answer."""
    while True:
        answer = typer.prompt(question, default=default)
        found = problem(answer)
        if found is None:
            return answer
        _err(found)


def _name_problem(name: str) -> Optional[str]:
    """What is wrong with a workload name, or None."""
    import re

    from advisor.workload import SLUG, SLUG_HINT

    return None if re.fullmatch(SLUG, name) else f"{name!r} is not a workload name: {SLUG_HINT}"


def _count_problem(text: str) -> Optional[str]:
    """What is wrong with a count of requests, or None."""
    from advisor.spec import count_spec

    most = count_spec("").maximum or 0
    digits = text.strip()
    # The length first: int() refuses text of thousands of digits.
    if digits.isascii() and digits.isdigit() and len(digits) <= len(f"{most:.0f}") and int(digits) <= most:
        return None
    return f"{text!r} is not a whole number of requests from 0 to {most:,.0f}"


def _region_problem(region: str, catalog: Any) -> Optional[str]:
    """What is wrong with a Region code, or None."""
    from advisor.catalog import region_hint

    return None if region in catalog.regions else f"unknown region {region!r} ({region_hint(region, catalog.regions)})"


def _ask_ids(what: str, known: Any) -> list[str]:
    from advisor.spec import did_you_mean

    while True:
        answer = typer.prompt(f"{what}, comma-separated ({', '.join(known)})", default="", show_default=False)
        ids = [part.strip() for part in answer.split(",") if part.strip()]
        unknown = [i for i in ids if i not in known]
        if not unknown:
            return ids
        _err(f"unknown id {unknown[0]!r}" + (f" ({did_you_mean(unknown[0], list(known))})"
                                              if did_you_mean(unknown[0], list(known)) else ""))


prices_app = typer.Typer(help="Show and refresh the price catalogs.", no_args_is_help=True, add_completion=False,
                         rich_markup_mode=None, context_settings=HELP_OPTIONS)
app.add_typer(prices_app, name="prices")


@prices_app.command("update")
@handled
def prices_update(
    regions: Optional[list[str]] = typer.Option(
        None, "--region", "-r", help="Region to refresh (repeatable; default: every Region with a bundled catalog)."),
    source: str = typer.Option("https://pricing.us-east-1.amazonaws.com", "--source",
                               help="Base URL of the Price List bulk files, or a folder holding a copy of them."),
    output: Optional[Path] = typer.Option(None, "--output", "-o",
                                          help="Folder to write <region>.json into (default: the user catalog folder)."),
) -> None:
    """Fetch current prices from AWS's public Price List bulk files (no AWS credentials needed).

    Later runs use them: --catalog PATH first, then the user catalog this writes, then the bundled one.
    A price that cannot be right stops the update and nothing is written.

    Example: advisor prices update --region us-east-1 --region eu-west-1
    """
    import datetime

    from advisor.pricing.catalog import bundled_regions
    from advisor.pricing.update import refresh

    out_dir = output or _prices_dir()
    today = datetime.date.today().isoformat()
    chosen = sorted(set(regions)) if regions else bundled_regions()
    for done in refresh(source, chosen, out_dir, today=today):
        dated = f" (effective {done.dates[0]}" + (f" to {done.dates[-1]})" if len(done.dates) > 1 else ")") \
            if done.dates else ""
        _note(f"{done.region}: {done.refreshed} prices from the bulk files{dated}, {done.kept} kept from the bundled "
              f"catalog, written to {done.path}")
        # Keys kept for the same reason (a whole service without a file for the Region, say) share a line.
        reasons: dict[str, list[str]] = {}
        for missing in done.missing:
            reasons.setdefault(missing.reason, []).append(missing.key)
        for reason, keys in reasons.items():
            _note(f"  kept {', '.join(keys)}: {reason}")


@prices_app.command("list")
@handled
def prices_list(
    catalog_path: Optional[Path] = typer.Option(None, "--catalog", help="Catalog file or folder to consult first."),
    fmt: Optional[DataFormat] = typer.Option(None, "--format", "-f",
                                             help="table (default on a terminal) or json (default otherwise)."),
) -> None:
    """List the catalogs a cost estimate would use, region by region, with their dates.

    Example: advisor prices list
    """
    from advisor.pricing.catalog import bundled_regions, find_catalog

    user_dir = _prices_dir()
    regions = set(bundled_regions())
    if user_dir.is_dir():
        regions |= {p.stem for p in user_dir.glob("*.json")}
    from advisor.pricing.catalog import coverage

    rows = []
    for region in sorted(regions):
        found = find_catalog(region, catalog_path=catalog_path, user_dir=user_dir)
        covered = coverage(found)
        rows.append({"region": region, "as_of": found.as_of, "prices": covered.own, "stand_in": covered.stand_in,
                     "exact": covered.exact, "price_dates": [covered.first_date, covered.last_date],
                     "origin": found.origin or "bundled"})
    chosen = fmt or (DataFormat.table if _is_terminal() else DataFormat.json)
    if chosen is DataFormat.json:
        _emit_json(rows)
        return
    from advisor.termviews import print_prices

    print_prices(_console(), rows)


def _tolerant_streams() -> None:
    """Text the output encoding cannot carry (a Latin-1 terminal, PYTHONIOENCODING) becomes '?', never a crash."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and stream.errors == "strict":
            try:
                reconfigure(errors="replace")
            except (ValueError, OSError):  # a detached or closed stream: leave it as it is
                pass


def run() -> None:
    """Console-script entry point."""
    _tolerant_streams()
    app()


if __name__ == "__main__":  # pragma: no cover
    run()
