"""The vocabulary: pillars, problems, requirements, services, DR strategies, regions, best practices."""

from typing import Any, NamedTuple
from functools import lru_cache
from pathlib import Path

from advisor.errors import InputError
from advisor.resources import data_dir
from advisor.spec import INVALID, Ctx, Field, ListOf, Num, Obj, Str
from advisor.yamlsafe import YamlProblem, load_file

ID = r"[a-z0-9]+(-[a-z0-9]+)*"
BP_ID = r"(OPS|SEC|REL|PERF|COST|SUS)(0[1-9]|1[0-3])-BP(0[1-9]|1[0-9])"


class Entry(NamedTuple):
    """An id with a human title (pillars, services, requirements, protocols)."""

    id: str
    title: str
    statement: str = ""


class Problem(NamedTuple):
    """A customer problem and the requirements it implies."""

    id: str
    title: str
    statement: str
    implies: tuple[str, ...]


class Pillar(NamedTuple):
    """A Well-Architected pillar with its Tool id, best-practice prefix and what a design leaves open."""

    id: str
    title: str
    wa_tool_id: str
    prefix: str
    beyond_the_design: tuple[str, ...] = ()


class DrStrategy(NamedTuple):
    """A DR strategy with the tightest objectives it reaches, cheapest first."""

    id: str
    title: str
    rpo_minutes: float
    rto_minutes: float
    recovery_region: str
    how_to_test: tuple[str, ...] = ()


def duration_text(minutes: float) -> str:
    """A recovery objective in words: seconds under a minute, then minutes, hours or days where they are whole."""
    if minutes <= 0:
        return "0 minutes"
    if minutes < 1:
        seconds = round(minutes * 60, 1)
        return f"{seconds:g} second" + ("" if seconds == 1 else "s")
    for size, unit in ((1440, "day"), (60, "hour")):
        if minutes >= 2 * size and minutes % size == 0 or minutes == size:
            count = minutes / size
            return f"{count:g} {unit}" + ("" if count == 1 else "s")
    return f"{minutes:g} minute" + ("" if minutes == 1 else "s")


def dr_candidates(strategies: tuple[DrStrategy, ...], rpo_minutes: float, rto_minutes: float) -> tuple[DrStrategy, ...]:
    """The strategies whose tightest objectives meet both the RPO and the RTO, in catalog order."""
    return tuple(s for s in strategies if s.rpo_minutes <= rpo_minutes and s.rto_minutes <= rto_minutes)


def dr_refusal(strategies: tuple[DrStrategy, ...], rpo_minutes: float, rto_minutes: float
               ) -> tuple[str, str, str] | None:
    """Why no strategy meets the objectives, as (the parameter to blame, message, hint naming what would
    meet it), or None when one does."""
    if dr_candidates(strategies, rpo_minutes, rto_minutes):
        return None
    for name, value, of in (("rpo_minutes", rpo_minutes, lambda s: s.rpo_minutes),
                            ("rto_minutes", rto_minutes, lambda s: s.rto_minutes)):
        if any(of(s) <= value for s in strategies):
            continue
        best = min(strategies, key=of)
        what = "RPO" if name == "rpo_minutes" else "RTO"
        hint = (f"the tightest {what} advisor can deploy is {best.title.lower()}'s "
                f"{duration_text(of(best))} ({name}: {of(best):g})")
        if name == "rpo_minutes":
            hint += ("; DynamoDB global tables replicate asynchronously, so no data loss at all needs "
                     "synchronous writes to several Regions (multi-Region strong consistency), which advisor "
                     "does not deploy")
        return name, f"no disaster-recovery strategy reaches an {what} of {duration_text(value)}", hint
    reach = "; ".join(f"{s.title.lower()}: RPO {duration_text(s.rpo_minutes)}, RTO {duration_text(s.rto_minutes)}"
                      for s in strategies)
    return ("rpo_minutes", f"no disaster-recovery strategy reaches both an RPO of {duration_text(rpo_minutes)} "
            f"and an RTO of {duration_text(rto_minutes)}", f"each reaches at best: {reach}")


class BestPractice(NamedTuple):
    """A Well-Architected best practice: id, verbatim title, risk, documentation page."""

    id: str
    title: str
    risk: str
    url: str


class Catalog:
    """Every id the workload and rule files may use; hashed by identity so it can key caches."""

    __slots__ = ("pillars", "problems", "requirements", "services", "protocols", "dr_strategies", "backup_methods",
                 "regions", "best_practices")

    def __init__(self, *, pillars: dict[str, Pillar], problems: dict[str, Problem], requirements: dict[str, Entry],
                 services: dict[str, Entry], protocols: dict[str, Entry], dr_strategies: tuple[DrStrategy, ...],
                 regions: dict[str, str], best_practices: dict[str, BestPractice],
                 backup_methods: dict[str, Entry]) -> None:
        self.pillars = pillars
        self.problems = problems
        self.requirements = requirements
        self.services = services
        self.protocols = protocols
        self.dr_strategies = dr_strategies
        self.backup_methods = backup_methods
        self.regions = regions
        self.best_practices = best_practices


@lru_cache(maxsize=1)
def _catalog_spec() -> Obj:
    """The schema of catalog.yaml, built only when the file is read."""
    text = Str(max_length=500)
    entry = Obj({"id": Field(Str(pattern=ID), True), "name": Field(text, True)})
    return Obj({
        "pillars": Field(ListOf(Obj({
            "id": Field(Str(pattern=ID), True), "name": Field(text, True),
            "wa_tool_id": Field(Str(pattern=r"[a-zA-Z]+"), True), "prefix": Field(Str(pattern=r"[A-Z]+"), True),
            "beyond_the_design": Field(ListOf(text, min_items=1), True),
        })), True),
        "problems": Field(ListOf(Obj({
            "id": Field(Str(pattern=ID), True), "title": Field(text, True),
            "statement": Field(text, True), "implies": Field(ListOf(Str(pattern=ID)), True),
        })), True),
        "requirements": Field(ListOf(Obj({
            "id": Field(Str(pattern=ID), True), "title": Field(text, True), "statement": Field(text, True),
        })), True),
        "services": Field(ListOf(entry), True),
        "subscriber_protocols": Field(ListOf(entry), True),
        "dr_strategies": Field(ListOf(Obj({
            "id": Field(Str(pattern=ID), True), "title": Field(text, True),
            "rpo_minutes": Field(Num(), True), "rto_minutes": Field(Num(), True),
            "recovery_region": Field(text, True),
            "how_to_test": Field(ListOf(text, min_items=1), True),
        })), True),
        "backup_methods": Field(ListOf(entry, min_items=1), True),
        "regions": Field(Obj({}, what="region"), True),
    })


@lru_cache(maxsize=1)
def _bp_spec() -> ListOf:
    """The schema of best-practices.yaml."""
    return ListOf(Obj({
        "id": Field(Str(pattern=BP_ID), True),
        "title": Field(Str(max_length=300), True),
        "risk": Field(Str(enum=("high", "medium", "low")), True),
        "url": Field(Str(pattern=r"https://docs\.aws\.amazon\.com/wellarchitected/\S+"), True),
    }))


def _load(path: Path, spec: Obj | ListOf) -> object:
    try:
        node = load_file(str(path))
    except YamlProblem as problem:
        raise InputError([problem.diagnostic], what="catalog") from None
    if isinstance(spec, Obj) and node.kind == "map" and "regions" in node.value:
        # Region codes are data, not a fixed key set: accept any code mapping to a code.
        regions = node.value["regions"]
        spec = Obj({**spec.fields, "regions": Field(Obj({k: Field(Str(pattern=r"[a-z]{2}-[a-z]+-\d")) for k in regions.value} if regions.kind == "map" else {}), True)})
    ctx = Ctx(str(path))
    value = spec.check(node, ctx, "")
    if value is INVALID or ctx.diagnostics:
        raise InputError(ctx.diagnostics, what="catalog")
    return value


@lru_cache(maxsize=4)
def load_catalog(rules_dir: Path | None = None) -> Catalog:
    """Load and cross-check the bundled vocabulary."""
    root = rules_dir or data_dir("rules")
    raw = _load(root / "catalog.yaml", _catalog_spec())
    bps = _load(root / "best-practices.yaml", _bp_spec())
    assert isinstance(raw, dict) and isinstance(bps, list)
    catalog = Catalog(
        pillars={p["id"]: Pillar(p["id"], p["name"], p["wa_tool_id"], p["prefix"], tuple(p["beyond_the_design"]))
                 for p in raw["pillars"]},
        problems={p["id"]: Problem(p["id"], p["title"], p["statement"], tuple(p["implies"])) for p in raw["problems"]},
        requirements={r["id"]: Entry(r["id"], r["title"], r["statement"]) for r in raw["requirements"]},
        services={s["id"]: Entry(s["id"], s["name"]) for s in raw["services"]},
        protocols={s["id"]: Entry(s["id"], s["name"]) for s in raw["subscriber_protocols"]},
        dr_strategies=tuple(DrStrategy(**{**d, "how_to_test": tuple(d["how_to_test"])}) for d in raw["dr_strategies"]),
        regions=dict(sorted(raw["regions"].items())),
        best_practices={b["id"]: BestPractice(**b) for b in bps},
        backup_methods={m["id"]: Entry(m["id"], m["name"]) for m in raw["backup_methods"]},
    )
    for problem in catalog.problems.values():
        for req in problem.implies:
            if req not in catalog.requirements:
                raise AssertionError(f"catalog: problem {problem.id} implies unknown requirement {req}")
    for region, pair in catalog.regions.items():
        if pair not in catalog.regions or pair == region:
            raise AssertionError(f"catalog: region {region} recovers into unknown region {pair}")
    return catalog


def _partition(region: str) -> str:
    """The AWS partition a Region code belongs to, by its prefix."""
    for prefix, partition in (("cn-", "aws-cn"), ("us-gov-", "aws-us-gov"), ("us-isob-", "aws-iso-b"),
                              ("us-iso-", "aws-iso"), ("eu-isoe-", "aws-iso-e"), ("us-isof-", "aws-iso-f")):
        if region.startswith(prefix):
            return partition
    return "aws"


def region_hint(region: str, known: Any) -> str:
    """A hint for an unknown Region: the closest known one of the same partition, never another partition's."""
    from advisor.spec import did_you_mean

    partition = _partition(region)
    same = [r for r in known if _partition(r) == partition]
    close = did_you_mean(region, same) if same else None
    if close:
        return close
    if partition != "aws":
        return f"{region} is in the {partition} partition; advisor knows only the commercial (aws) Regions"
    return "one of " + ", ".join(sorted(known))
