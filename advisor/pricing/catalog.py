"""The dated price catalog: one JSON file per region, read with the stdlib `json` module.

Keys are `<service>.<item>`: the service id, a dot, and the item in lowercase kebab case, with the CPU
architecture as a suffix where prices differ by it (`lambda.duration-arm64`, `fargate.vcpu-hours-x86_64`) and
the size in the name where it selects the price (`apigateway.cache-1.6gb`). Every price carries its unit, its volume tiers
(`begin`/`end` as decimal strings, `end` null for the open top tier), its source and its date.
A region or key the catalog lacks raises `PriceNotFound`; nothing is ever priced at zero by default.

A price AWS states once for every Region (a KMS key, Route 53, a CloudWatch dashboard, SNS deliveries to SQS
and Lambda) is written once, in the bundled `uniform.json`, with the statement as its source. Loading any
Region's catalog, bundled or the user's, adds those entries as that Region's prices unless the Region's own
file gives the key. Nothing else is borrowed from another Region: a key neither file gives stays missing.
"""

import datetime
import json
import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping, NamedTuple


from .base import Allowance, Tier
from .errors import CatalogError, PriceNotFound

_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_KEY = re.compile(r"^[a-z0-9-]+\.[a-z0-9._-]+$")
FREE_TIER_SCOPES = ("always", "12-month")
MAX_CATALOG_BYTES = 16 * 1024 * 1024
# No AWS unit price is above a million dollars or, when not free, below a trillionth of a dollar; no tier
# boundary or allowance is above 10^18 units. Outside these bounds a value is a typo or an attack on the arithmetic.
MAX_PRICE = Decimal("1e6")
MIN_PRICE = Decimal("1e-12")
MAX_QUANTITY = Decimal("1e18")
MAX_DECIMAL_CHARS = 40
UNIFORM_FILE = "uniform.json"


class CatalogFileError(CatalogError):
    """A catalog file given by the user is malformed: the message names the file, and the key's line if known."""

    def __init__(self, file: str, message: str, *, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.file, self.line, self.column = file, line, column

    def lines(self) -> list[str]:
        """`file:line:col: error: message (hint)`, as for workloads."""
        return [f"{self.file}:{self.line}:{self.column}: error: {self.message} ({self.hint})"]


class PriceEntry(NamedTuple):
    """One catalog price: unit, ascending tiers, where it came from and when."""

    key: str
    region: str
    unit: str
    tiers: tuple[Tier, ...]
    source: str
    as_of: str
    note: str | None = None
    # The Region this price stands in for, when it is another Region's (see `Catalog.fallback`).
    used_in: str | None = None

    @property
    def unit_price(self) -> Decimal:
        """The price of the first tier (the only one for flat prices)."""
        return self.tiers[0].price


class Catalog(NamedTuple):
    """All prices and free-tier allowances for one region."""

    region: str
    currency: str
    as_of: str
    source: str
    prices: Mapping[str, PriceEntry]
    free_tier: Mapping[str, Allowance]
    origin: str | None = None
    # The catalog whose price stands in for a key this one lacks (FALLBACK_REGION's), marked on the entry.
    fallback: "Catalog | None" = None

    def price(self, key: str) -> PriceEntry:
        """The price entry for a key (the fallback Region's, marked, when this Region has none), or
        `PriceNotFound` naming the key, the region and the remedy."""
        found = self.prices.get(key)
        if found is not None:
            return found
        if self.fallback is not None and key in self.fallback.prices:
            return self.fallback.prices[key]._replace(used_in=self.region)
        raise PriceNotFound(key, self.region)

    def has(self, key: str) -> bool:
        """Whether the catalog, or its fallback, holds a price for a key."""
        return key in self.prices or (self.fallback is not None and key in self.fallback.prices)

    def for_region(self, region: str) -> "Catalog":
        """The catalog of another region from the same place this one was loaded from."""
        if region == self.region:
            return self
        origin = Path(self.origin).parent if self.origin else None
        return load_catalog(region, origin)


# The Region whose bundled catalog is complete. A price another commercial Region's catalog lacks is taken
# from it, and the line, the warnings and the total say so: AWS prices differ by Region, so such an
# estimate is approximate (`--strict-prices` refuses it). Other partitions price in other currencies and
# never fall back.
FALLBACK_REGION = "us-east-1"
COMMERCIAL = re.compile(r"^(?!cn-|us-gov-|us-iso)[a-z]{2}-")


def load_catalog(region: str, path: Path | str | None = None) -> Catalog:
    """Load a region's catalog from the bundled data, a directory of `<region>.json` files, or one file; in a
    commercial Region, what it lacks falls back to the bundled FALLBACK_REGION catalog."""
    if not isinstance(region, str) or not _REGION.match(region):
        raise PriceNotFound(None, str(region), detail="not an AWS region code")
    if region == FALLBACK_REGION and path is None or not COMMERCIAL.match(region):
        return _load(region, None if path is None else str(path))
    fallback = _load(FALLBACK_REGION, None)
    try:
        own = _load(region, None if path is None else str(path))
    except PriceNotFound:
        if path is not None:  # a folder the user named lacks the Region's file: say so, do not guess
            raise
        own = Catalog(region, fallback.currency, fallback.as_of, f"no catalog for {region}: every price is "
                      f"{FALLBACK_REGION}'s", MappingProxyType({}), MappingProxyType({}))
    return own._replace(fallback=fallback)


def find_catalog(region: str, *, catalog_path: Path | None = None, user_dir: Path | None = None) -> Catalog:
    """Lookup order: `catalog_path` (`--catalog`, file or folder), else `user_dir/<region>.json` if present, else bundled."""
    if catalog_path is not None:
        # An explicit choice is final: a missing file there is an error, not a reason to fall back.
        return load_catalog(region, catalog_path)
    if user_dir is not None and isinstance(region, str) and _REGION.match(region):
        candidate = Path(user_dir) / f"{region}.json"
        if candidate.is_file():
            return load_catalog(region, candidate)
    return load_catalog(region)


def _bundled_dir() -> Any:
    here = Path(__file__).resolve().parent / "prices"
    if here.is_dir():  # an installed wheel or a checkout: no need to pay for importlib.resources
        return here
    from importlib.resources import files

    return files("advisor.pricing") / "prices"


class Coverage(NamedTuple):
    """How much of a Region's pricing is its own: keys with its own price, keys another Region's price stands
    in for, and the dates of its own prices."""

    region: str
    own: int
    stand_in: int
    first_date: str | None
    last_date: str | None

    @property
    def exact(self) -> bool:
        """Whether every key advisor prices has the Region's own price."""
        return self.stand_in == 0

    def sentence(self) -> str:
        """What the coverage means for an estimate there, in words."""
        if self.exact:
            return f"{self.region}'s price catalog has its own price for each of the {self.own} keys advisor prices"
        return (f"{self.region}'s price catalog has its own prices for {self.own} of the {self.own + self.stand_in} "
                f"keys advisor prices; {FALLBACK_REGION}'s prices stand in for the other {self.stand_in}, so an "
                f"estimate there is approximate (`advisor cost --strict-prices` refuses it; `advisor prices update "
                f"--region {self.region}` fills the gaps)")


def coverage(catalog: Catalog) -> Coverage:
    """How much of a catalog's pricing is the Region's own."""
    dates = sorted({entry.as_of for entry in catalog.prices.values()})
    borrowed = set(catalog.fallback.prices) - set(catalog.prices) if catalog.fallback is not None else set()
    return Coverage(catalog.region, len(catalog.prices), len(borrowed), dates[0] if dates else None,
                    dates[-1] if dates else None)


def bundled_regions() -> list[str]:
    """The regions the bundled catalog covers."""
    names = (p.name[: -len(".json")] for p in _bundled_dir().iterdir() if p.name.endswith(".json"))
    return sorted(name for name in names if _REGION.match(name))  # not uniform.json, which is no Region


def clear_catalog_cache() -> None:
    """Forget loaded catalogs (after a catalog file was rewritten in this process)."""
    _load.cache_clear()
    _uniform_document.cache_clear()


@lru_cache(maxsize=1)
def _uniform_document() -> dict[str, Any]:
    """The prices AWS states hold in every Region, always from the bundle: a user's catalog folder holds Regions."""
    data = json.loads((_bundled_dir() / UNIFORM_FILE).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("currency") != "USD":
        raise CatalogError(f"{UNIFORM_FILE} must be an object in USD")
    _date(data, "as_of", UNIFORM_FILE)
    _text(data, "source", UNIFORM_FILE)
    if not isinstance(data.get("prices"), dict):
        raise CatalogError(f"{UNIFORM_FILE}: 'prices' must be an object")
    return data


def _with_uniform(catalog: Catalog) -> Catalog:
    """The catalog with every uniform price its own file does not give, priced as the Region's own."""
    added = {key: _keyed(key, _entry, catalog.region, key, raw)
             for key, raw in _uniform_document()["prices"].items() if key not in catalog.prices}
    if not added:
        return catalog
    return catalog._replace(prices=MappingProxyType({**catalog.prices, **added}))


@lru_cache(maxsize=64)
def _load(region: str, path: str | None) -> Catalog:
    if path is None:
        resource = _bundled_dir() / f"{region}.json"
        if not resource.is_file():
            raise PriceNotFound(None, region)
        text = resource.read_text(encoding="utf-8")
        origin = None
    else:
        target = Path(path)
        if target.is_dir():
            target = target / f"{region}.json"
        if not target.is_file():
            raise PriceNotFound(None, region, detail=f"no catalog file {target.name}")
        origin = str(target)
        text = _read(origin)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        if origin is None:
            raise CatalogError(f"price catalog for {region} is not valid JSON: {exc}") from None
        raise CatalogFileError(origin, f"price catalog for {region} is not valid JSON: {exc.msg}",
                               line=exc.lineno, column=exc.colno) from None
    except RecursionError:
        raise CatalogFileError(origin or region, f"price catalog for {region} is nested too deeply") from None
    try:
        catalog = parse_catalog(data, origin=origin)
    except CatalogError as exc:
        if origin is None or isinstance(exc, CatalogFileError):
            raise
        line, column = _position(text, getattr(exc, "key", None))
        raise CatalogFileError(origin, exc.message, line=line, column=column) from None
    if catalog.region != region:
        raise CatalogError(f"price catalog file for {region} declares region {catalog.region!r}")
    return _with_uniform(catalog)


def _read(path: str) -> str:
    """A user's catalog file, bounded in size and decoded as UTF-8; any failure names the file."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_CATALOG_BYTES + 1)
    except OSError as exc:
        raise CatalogFileError(path, f"cannot read the price catalog: {exc.strerror}") from None
    if len(data) > MAX_CATALOG_BYTES:
        raise CatalogFileError(path, f"price catalog is larger than the {MAX_CATALOG_BYTES:,} bytes allowed")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CatalogFileError(path, f"price catalog is not UTF-8 (byte 0x{data[exc.start]:02x})", line=line) from None


def _position(text: str, key: str | None) -> tuple[int, int]:
    """Line and column of a key's first appearance as a JSON string, else 1:1."""
    if key:
        at = text.find(json.dumps(key))
        if at >= 0:
            line = text.count("\n", 0, at) + 1
            return line, at - (text.rfind("\n", 0, at) + 1) + 1
    return 1, 1


def _keyed(key: str, build: Any, *args: Any) -> Any:
    """Run a builder for one key; a CatalogError it raises remembers the key, for its position in the file."""
    try:
        return build(*args)
    except CatalogError as exc:
        exc.key = key  # type: ignore[attr-defined]
        raise


def parse_catalog(data: Any, *, origin: str | None = None) -> Catalog:
    """Validate a decoded catalog document and build a `Catalog` (raises `CatalogError`)."""
    if not isinstance(data, dict):
        raise CatalogError("price catalog must be a JSON object")
    region = _text(data, "region", "catalog")
    if not _REGION.match(region):
        raise CatalogError(f"catalog region {region!r} is not an AWS region code")
    currency = _text(data, "currency", "catalog")
    if currency != "USD":
        raise CatalogError(f"catalog currency must be USD, got {currency!r}")
    as_of = _date(data, "as_of", "catalog")
    source = _text(data, "source", "catalog")
    raw_prices = data.get("prices")
    if not isinstance(raw_prices, dict) or not raw_prices:
        raise CatalogError("catalog 'prices' must be a non-empty object")
    prices = {key: _keyed(key, _entry, region, key, raw) for key, raw in raw_prices.items()}
    raw_free = data.get("free_tier", {})
    if not isinstance(raw_free, dict):
        raise CatalogError("catalog 'free_tier' must be an object")
    free = {key: _keyed(key, _allowance, key, raw) for key, raw in raw_free.items()}
    return Catalog(
        region=region,
        currency=currency,
        as_of=as_of,
        source=source,
        prices=MappingProxyType(prices),
        free_tier=MappingProxyType(free),
        origin=origin,
    )


def _entry(region: str, key: str, raw: Any) -> PriceEntry:
    where = f"price {key!r}"
    if not _KEY.match(key):
        raise CatalogError(f"{where}: keys are '<service>.<item>' in lowercase kebab case")
    if not isinstance(raw, dict):
        raise CatalogError(f"{where} must be an object")
    unit = _text(raw, "unit", where)
    tiers_raw = raw.get("tiers")
    if not isinstance(tiers_raw, list) or not tiers_raw:
        raise CatalogError(f"{where}: 'tiers' must be a non-empty list")
    tiers: list[Tier] = []
    expected = Decimal(0)
    for index, tier in enumerate(tiers_raw):
        at = f"{where} tier {index}"
        if not isinstance(tier, dict):
            raise CatalogError(f"{at} must be an object")
        begin = _dec(tier, "begin", at)
        end = None if tier.get("end") is None else _dec(tier, "end", at)
        usd = _dec(tier, "usd", at)
        if begin != expected:
            raise CatalogError(f"{at}: begins at {begin}, expected {expected} (tiers must be contiguous)")
        if end is not None and end <= begin:
            raise CatalogError(f"{at}: end {end} must be above begin {begin}")
        if end is None and index != len(tiers_raw) - 1:
            raise CatalogError(f"{at}: only the last tier may be open-ended")
        if usd < 0:
            raise CatalogError(f"{at}: negative price")
        if usd > MAX_PRICE or 0 < usd < MIN_PRICE:
            raise CatalogError(f"{at}: price {tier['usd']} is outside 0 or {MIN_PRICE} to {MAX_PRICE} USD")
        for name, bound in (("begin", begin), ("end", end)):
            if bound is not None and not 0 <= bound <= MAX_QUANTITY:
                raise CatalogError(f"{at}: '{name}' {tier[name]} is outside 0 to {MAX_QUANTITY}")
        tiers.append(Tier(begin, end, usd))
        expected = end if end is not None else expected
    note = raw.get("note")
    return PriceEntry(
        key=key,
        region=region,
        unit=unit,
        tiers=tuple(tiers),
        source=_text(raw, "source", where),
        as_of=_date(raw, "as_of", where),
        note=note if isinstance(note, str) else None,
    )


def _allowance(key: str, raw: Any) -> Allowance:
    where = f"free tier {key!r}"
    if not isinstance(raw, dict):
        raise CatalogError(f"{where} must be an object")
    scope = _text(raw, "scope", where)
    if scope not in FREE_TIER_SCOPES:
        raise CatalogError(f"{where}: scope must be one of {', '.join(FREE_TIER_SCOPES)}")
    _date(raw, "as_of", where)
    quantity = _dec(raw, "quantity", where)
    if not 0 <= quantity <= MAX_QUANTITY:
        raise CatalogError(f"{where}: 'quantity' {raw['quantity']} is outside 0 to {MAX_QUANTITY}")
    return Allowance(
        key=key,
        quantity=quantity,
        unit=_text(raw, "unit", where),
        scope=scope,
        source=_text(raw, "source", where),
    )


def _text(raw: Mapping[str, Any], name: str, where: str) -> str:
    value = raw.get(name)
    if not isinstance(value, str) or not value.strip():
        raise CatalogError(f"{where}: '{name}' must be a non-empty string")
    return value


def _date(raw: Mapping[str, Any], name: str, where: str) -> str:
    value = _text(raw, name, where)
    if not _DATE.match(value):
        raise CatalogError(f"{where}: '{name}' must be a YYYY-MM-DD date, got {value!r}")
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        raise CatalogError(f"{where}: '{name}' {value!r} is not a date in the calendar") from None
    return value


def _dec(raw: Mapping[str, Any], name: str, where: str) -> Decimal:
    value = raw.get(name)
    if not isinstance(value, str):
        # Numbers are strings in the catalog so that no price ever passes through a float.
        raise CatalogError(f"{where}: '{name}' must be a decimal string, got {value!r}")
    if len(value) > MAX_DECIMAL_CHARS:
        raise CatalogError(f"{where}: '{name}' has more than {MAX_DECIMAL_CHARS} characters")
    try:
        result = Decimal(value)
    except InvalidOperation:
        raise CatalogError(f"{where}: '{name}' is not a decimal: {value!r}") from None
    if not result.is_finite():
        raise CatalogError(f"{where}: '{name}' must be finite")
    return result
