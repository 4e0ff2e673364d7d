"""Cost lines, Decimal helpers, tiered pricing and the free-tier ledger shared by every service module.

Money is always `Decimal` and nothing is rounded here: rounding belongs to display (`to_cents`).

Free tier, as AWS's own bills show it: when an allowance covers part of a quantity, the pricing
functions emit a separate zero-priced line named "<item> (free tier)" holding the free quantity,
and the priced line(s) hold only the billable remainder. The gross quantity is therefore the sum
of the two, and both lines' `basis` ends "free tier: N of M <unit> applied, gross G <unit>" (noting what
earlier components of the same estimate already used).
Allowances are taken from the first (dearest) tier, the way AWS subtracts them before tiering.
"""

from dataclasses import MISSING, FrozenInstanceError, dataclass, fields
from decimal import ROUND_CEILING, ROUND_HALF_UP, Context, Decimal, InvalidOperation, localcontext
from functools import lru_cache
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, Iterable, Mapping, NamedTuple


from .errors import PriceNotFound

if TYPE_CHECKING:
    from .catalog import Catalog, PriceEntry

ZERO = Decimal(0)
ONE = Decimal(1)
KB_PER_GB = Decimal(1024 * 1024)  # 1 GB = 1024^3 bytes, as AWS meters data transfer
MB_PER_GB = Decimal(1024)
MS_PER_S = Decimal(1000)
SECONDS_PER_HOUR = Decimal(3600)
CENT = Decimal("0.01")


def to_decimal(value: object, name: str = "value") -> Decimal:
    """Convert an int, str, float or Decimal to a finite Decimal, rejecting booleans and junk."""
    if type(value) is Decimal and value.is_finite():  # what pricing mostly passes
        return value
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{name} must be a number, got {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        # repr() gives the shortest string that round-trips, so 0.1 stays 0.1 rather than 0.1000000000000000055...
        result = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip().replace("_", ""))
        except InvalidOperation:
            raise ValueError(f"{name} must be a number, got {value!r}") from None
    else:
        raise ValueError(f"{name} must be a number, got {type(value).__name__}")
    if not result.is_finite():
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return result


def ceil(value: Decimal) -> Decimal:
    """Round up to the next whole number."""
    return value.to_integral_value(rounding=ROUND_CEILING)


def chunks(size: Decimal, chunk: Decimal) -> Decimal:
    """Billed units for one payload of `size` metered in `chunk` increments; an empty payload is one unit."""
    if size <= chunk:
        return ONE
    return ceil(size / chunk)


def round_up_to(value: Decimal, step: Decimal) -> Decimal:
    """Round `value` up to a whole multiple of `step`."""
    return ceil(value / step) * step


def to_cents(amount: Decimal) -> Decimal:
    """Round a money amount to the cent, half up, for display only (in a context wide enough for any amount)."""
    with localcontext(Context(prec=120)):
        return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@lru_cache(maxsize=4096)
def fmt_number(value: Decimal | int) -> str:
    """Format a quantity with thousands separators and no trailing zeros (3000000 -> '3,000,000')."""
    # Cached: a traffic sweep formats the same constants (batch sizes, month lengths) thousands of times.
    return format(Decimal(value).normalize(), ",f")


def decimal_text(value: Decimal) -> str:
    """Plain, unrounded decimal text for JSON (0.0000002, never 2E-7)."""
    text = format(value, "f")
    return text if text not in ("-0",) else "0"


def fmt_compact(value: Decimal) -> str:
    """Format a tier boundary the way price lists speak of them: 6B, 7.5B, 333M, 10,240."""
    for size, suffix in ((Decimal(10**12), "T"), (Decimal(10**9), "B"), (Decimal(10**6), "M")):
        if value >= size:
            scaled = (value / size).normalize()
            return format(scaled, "f") + suffix
    return fmt_number(value)


class CostLine(NamedTuple):
    """One priced line of an estimate: quantity × unit price = monthly, with where the quantity came from."""

    service: str
    item: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    monthly_usd: Decimal
    basis: str
    # The price behind the line: its catalog key, the Region whose price it is, and that price's date; and the
    # Region the resource is priced for, which differs from `price_region` when that Region's catalog lacks the
    # key and another Region's price stands in (the estimate is then approximate, and says so).
    price_key: str | None = None
    region: str | None = None
    price_region: str | None = None
    price_as_of: str | None = None
    component: str | None = None

    def for_component(self, component: str) -> "CostLine":
        """Return a copy attributed to an architecture component."""
        return self._replace(component=component)


class Tier(NamedTuple):
    """A volume tier: the unit price for quantities in [begin, end); `end` None means unbounded."""

    begin: Decimal
    end: Decimal | None
    price: Decimal


@dataclass(frozen=True)
class Month:
    """The length of the billing month; 730 hours by default, as Infracost and AWS's calculator assume."""

    hours: Decimal = Decimal(730)

    def __post_init__(self) -> None:
        value = to_decimal(self.hours, "month hours")
        if value <= 0 or value > 744:
            raise ValueError(f"month hours must be in (0, 744], got {value}")
        object.__setattr__(self, "hours", value)  # a frozen dataclass's own way to set a field once

    @classmethod
    def of_days(cls, days: int | Decimal) -> "Month":
        """A month of a whole number of days (AWS's examples use 30- and 31-day months)."""
        return cls(to_decimal(days, "days") * 24)

    @property
    def seconds(self) -> Decimal:
        """Seconds in the month."""
        return self.hours * SECONDS_PER_HOUR

    @property
    def minutes(self) -> Decimal:
        """Minutes in the month."""
        return self.hours * 60

    @property
    def days(self) -> Decimal:
        """Days in the month."""
        return self.hours / 24


DEFAULT_MONTH = Month()


def tier_slices(quantity: Decimal, tiers: Iterable[Tier], start: Decimal = ZERO) -> list[tuple[Tier, Decimal]]:
    """Split a quantity across volume tiers, one (tier, quantity in tier) pair per tier touched; `start` is
    what the account already used this month, so the quantity begins that far up the tiers."""
    out: list[tuple[Tier, Decimal]] = []
    low, high = start, start + quantity
    covered = start
    for tier in tiers:
        if covered >= high:
            break
        top = high if tier.end is None else min(high, tier.end)
        width = top - max(low, tier.begin)
        if width > 0:
            out.append((tier, width))
            covered = top
    if covered < high:
        raise OverflowError(high - covered)
    return out


class Allowance(NamedTuple):
    """One always-free (or 12-month) monthly allowance of an AWS account."""

    key: str
    quantity: Decimal
    unit: str
    scope: str = "always"
    source: str = ""


class Grant(NamedTuple):
    """What one pricing call took from an allowance."""

    granted: Decimal
    total: Decimal
    used_before: Decimal
    unit: str

    def describe(self, gross: Decimal) -> str:
        """Basis text for the free part of a line."""
        text = f"free tier: {fmt_number(self.granted)} of {fmt_number(self.total)} {self.unit} applied"
        if self.used_before:
            text += f" ({fmt_number(self.used_before)} already used by earlier components)"
        return f"{text}, gross {fmt_number(gross)} {self.unit}"


class FreeTier:
    """The account's month: its free allowances, consumed once across every component of one estimate, and
    how much of each price it has used, so that volume tiers apply to the account's total in a Region as
    AWS applies them, not to each component on its own.

    This is the one mutable object in the pricing core: a ledger. Create a fresh one per estimate
    (or call `fresh()`); pricing two queues against the same ledger makes them share one allowance and
    one climb up the tiers. `FreeTier(())` keeps the tiers with no allowances.
    """

    def __init__(self, allowances: Iterable[Allowance] | Mapping[str, object]) -> None:
        if isinstance(allowances, Mapping):
            items = [Allowance(k, to_decimal(v, k), "units") for k, v in allowances.items()]
        else:
            items = list(allowances)
        self._allowances: dict[str, Allowance] = {}
        for allowance in items:
            if allowance.quantity < 0:
                raise ValueError(f"free tier allowance {allowance.key} must not be negative")
            self._allowances[allowance.key] = allowance
        self._used: dict[str, Decimal] = {}
        self._volume: dict[tuple[str, str], Decimal] = {}

    def climb(self, key: str, region: str, quantity: Decimal) -> Decimal:
        """Record a quantity priced at a catalog key in a Region; return what was priced there before it."""
        before = self._volume.get((key, region), ZERO)
        self._volume[(key, region)] = before + quantity
        return before

    @classmethod
    def from_catalog(cls, catalog: "Catalog", *, include_12_month: bool = False) -> "FreeTier":
        """The always-free allowances listed in a catalog; 12-month offers only when asked for."""
        # The free tier is the account's, the same in every Region; a Region without a catalog of its own
        # takes the allowances of the Region its prices fall back to.
        allowances = catalog.free_tier or (catalog.fallback.free_tier if catalog.fallback is not None else {})
        chosen = [a for a in allowances.values() if include_12_month or a.scope == "always"]
        return cls(chosen)

    def fresh(self) -> "FreeTier":
        """A new, unused ledger with the same allowances."""
        return FreeTier(self._allowances.values())

    def keys(self) -> list[str]:
        """The allowance keys held."""
        return sorted(self._allowances)

    def allowance(self, key: str) -> Decimal:
        """The full monthly allowance for a key (zero when the account has none)."""
        found = self._allowances.get(key)
        return found.quantity if found else ZERO

    def used(self, key: str) -> Decimal:
        """How much of an allowance earlier pricing calls took."""
        return self._used.get(key, ZERO)

    def remaining(self, key: str) -> Decimal:
        """What is left of an allowance."""
        return self.allowance(key) - self.used(key)

    def take(self, key: str, quantity: Decimal) -> Grant | None:
        """Consume up to `quantity` of an allowance; None when nothing was granted."""
        found = self._allowances.get(key)
        if found is None or quantity <= 0:
            return None
        before = self.used(key)
        granted = min(quantity, found.quantity - before)
        if granted <= 0:
            return None
        self._used[key] = before + granted
        return Grant(granted, found.quantity, before, found.unit)


class Basis(NamedTuple):
    """Provenance of a usage dataclass's fields: caller-given text, else `usage.<service>.<field> = value`."""

    service: str
    usage: object
    given: Mapping[str, str] = MappingProxyType({})

    def of(self, name: str) -> str:
        """Where the value of one usage field came from."""
        given = self.given.get(name)
        if given is not None:
            return given
        value = getattr(self.usage, name)
        shown = fmt_number(value) if isinstance(value, (Decimal, int)) and not isinstance(value, bool) else value
        return f"usage.{self.service}.{name} = {shown}"

    def join(self, *names: str) -> str:
        """The provenance of several fields, joined for one line."""
        return "; ".join([self.of(n) for n in names])


def priced_lines(
    *,
    service: str,
    item: str,
    quantity: Decimal,
    entry: "PriceEntry",
    basis: str,
    free_tier: FreeTier | None = None,
    free_key: str | None = None,
    qualifier: str | None = None,
    unit: str | None = None,
) -> list[CostLine]:
    """Price a quantity over an entry's tiers: a free-tier line (if any), then one line per tier touched."""
    if quantity <= 0:
        return []
    return _tiered(service, item, quantity, entry, basis, free_tier, free_key, qualifier, unit)


def metered(
    *,
    catalog: "Catalog",
    key: str,
    quantity: Decimal,
    service: str,
    item: str,
    basis: str,
    free_tier: FreeTier | None = None,
    free_key: str | None = None,
    qualifier: str | None = None,
    unit: str | None = None,
) -> list[CostLine]:
    """Price a quantity at a catalog key; the key is looked up only when the quantity is not zero."""
    if quantity <= 0:
        return []
    return _tiered(service, item, quantity, catalog.price(key), basis, free_tier, free_key, qualifier, unit)


def _tiered(service: str, item: str, quantity: Decimal, entry: "PriceEntry", basis: str, free_tier: FreeTier | None,
            free_key: str | None, qualifier: str | None, unit: str | None) -> list[CostLine]:
    # Positional: the keyword wrappers above are the public face, and an estimate calls this a few dozen times.
    unit = unit or entry.unit
    tiers = entry.tiers
    start = free_tier.climb(entry.key, entry.region, quantity) if free_tier is not None else ZERO
    if tiers and (free_tier is None or not free_key) and not start:
        first = tiers[0]
        if first.end is None or quantity <= first.end - first.begin:
            # All of it in the first tier, nothing free: the common line, as the loop below would write it.
            label = _tier_label(first, 0, unit) if len(tiers) > 1 else None
            if qualifier and label:
                name = f"{item} ({qualifier}, {label})"
            else:
                name = f"{item} ({qualifier or label})" if qualifier or label else item
            quantity -= ZERO  # as the loop's `amount - covered`: 1E+6 becomes 1000000, and so does its text
            return [CostLine(service, name, quantity, unit, first.price, quantity * first.price, basis,
                             *_price_of(entry))]
    try:
        slices = tier_slices(quantity, tiers, start)
    except OverflowError as exc:
        top = tiers[-1].end if tiers else ZERO
        raise PriceNotFound(
            entry.key,
            entry.region,
            detail=f"no tier above {fmt_number(top)} {unit}; {fmt_number(exc.args[0])} {unit} unpriced",
        ) from None
    grant = free_tier.take(free_key, quantity) if (free_tier is not None and free_key) else None
    lines: list[CostLine] = []
    suffix = f"; {grant.describe(quantity)}" if grant else ""
    if grant:
        free_name = f"{item} ({qualifier}, free tier)" if qualifier else f"{item} (free tier)"
        lines.append(CostLine(service, free_name, grant.granted, unit, ZERO, ZERO, basis + suffix, *_price_of(entry)))
    many = len(tiers) > 1
    free_left = grant.granted if grant else ZERO
    for index, (tier, amount) in enumerate(slices):
        covered = free_left if free_left < amount else amount  # min(), which keeps the first of equals
        free_left -= covered
        billable = amount - covered
        if billable <= 0:
            continue
        label = _tier_label(tier, index, unit) if many else None
        parts = [p for p in (qualifier, label) if p]
        name = f"{item} ({', '.join(parts)})" if parts else item
        lines.append(CostLine(service, name, billable, unit, tier.price, billable * tier.price, basis + suffix,
                              *_price_of(entry)))
    return lines


def _price_of(entry: "PriceEntry") -> tuple[str, str, str, str]:
    """A line's price fields: key, the Region priced for, the Region whose price it is, and its date."""
    return entry.key, entry.used_in or entry.region, entry.region, entry.as_of


def field_lines(
    b: "Basis",
    catalog: "Catalog",
    rows: Iterable[tuple[str, str, str, str | None, str]],
    *,
    free_tier: "FreeTier | None" = None,
) -> list[CostLine]:
    """Lines for usage fields priced one catalog key each, in row order. A row is (field, item, key,
    free-tier key or None, unit word); the basis reads `<quantity> <unit word> (<where it came from>)`."""
    lines: list[CostLine] = []
    for field_name, item, key, free_key, unit_word in rows:
        quantity = getattr(b.usage, field_name)
        if quantity <= 0:  # no line, so no basis text to build
            continue
        lines += _tiered(b.service, item, quantity, catalog.price(key),
                         f"{fmt_number(quantity)} {unit_word} ({b.of(field_name)})",
                         free_tier if free_key else None, free_key, None, None)
    return lines


@lru_cache(maxsize=1024)  # the same few tiers are labelled at every point of a sweep
def _tier_label(tier: Tier, index: int, unit: str) -> str:
    if index == 0 and tier.begin == 0 and tier.end is not None:
        return f"first {fmt_compact(tier.end)} {unit}"
    if tier.end is None:
        return f"over {fmt_compact(tier.begin)} {unit}"
    return f"next {fmt_compact(tier.end - tier.begin)} {unit}"


def single_line(
    *,
    service: str,
    item: str,
    quantity: Decimal,
    unit: str,
    unit_price: Decimal,
    basis: str,
) -> CostLine:
    """A line whose price is not a catalog entry (for example a price the user supplied)."""
    return CostLine(service, item, quantity, unit, unit_price, quantity * unit_price, basis)


def total(lines: Iterable[CostLine]) -> Decimal:
    """Sum of the monthly amounts of some lines."""
    return sum((line.monthly_usd for line in lines), ZERO)


_FIELDS: dict[type, tuple[dict[str, object], tuple[str, ...]]] = {}


def _fields_of(cls: type) -> tuple[dict[str, object], tuple[str, ...]]:
    """A usage dataclass's fields in order with their defaults, and the names of those without one."""
    found = _FIELDS.get(cls)
    if found is None:
        listed = fields(cls)
        found = _FIELDS[cls] = ({f.name: f.default for f in listed},
                                tuple(f.name for f in listed if f.default is MISSING))
    return found


class UsageFields:
    """Base of the usage dataclasses: construction (positional in field order, or by keyword) with
    the checks the class declares, immutability, equality and repr.

    A class declares its checks as data: `_numbers` (coerced to finite, non-negative Decimals),
    `_wholes`, `_choices` ((field, allowed values)) and `_ranges` ((field, low, high, why)), applied
    field by field to the values given; a `__post_init__` adds the checks that data cannot say, after.

    The dataclass decorator is asked only to collect the fields (`init=False, eq=False, repr=False`, not
    frozen): for each class it otherwise compiles a fresh `__init__`, `__setattr__`, `__delattr__`,
    `__eq__`, `__hash__` and `__repr__`, which cost a cold `advisor cost` about 10 ms for sixteen
    services (an `__init__` compiled per class with its checks written out cost 12 ms). One shared
    definition of each, here, behaves as the generated frozen ones do.
    """

    _numbers: ClassVar[tuple[str, ...]] = ()
    _wholes: ClassVar[tuple[str, ...]] = ()
    _choices: ClassVar[tuple[tuple[str, tuple[str, ...]], ...]] = ()
    _ranges: ClassVar[tuple[tuple[str, int, int, str], ...]] = ()

    def __init__(self, *args: object, **values: object) -> None:
        cls = type(self)
        plan = _PLANS.get(cls) or _plan(cls)
        defaults, required, checks, post = plan
        if args:  # positional in field order, as a dataclass's own __init__ takes them
            names = tuple(defaults)
            if len(args) > len(names):
                raise TypeError(f"{cls.__name__}() takes {len(names)} positional arguments but {len(args)} were given")
            for name, positional in zip(names, args):
                if name in values:
                    raise TypeError(f"{cls.__name__}() got multiple values for argument {name!r}")
                values[name] = positional
        state = dict(defaults)
        state.update(values)
        if len(state) != len(defaults):
            unknown = ", ".join(sorted(values.keys() - defaults.keys()))
            raise TypeError(f"{cls.__name__}() got unexpected keyword argument(s) {unknown}")
        # Only what the caller gave is checked: every default passes its own checks (a test holds each
        # one to them), and most of an estimate's usages give three or four fields of a dozen.
        for name, given in values.items():
            value: Any = given
            check = checks.get(name)
            if check is None:
                continue
            number, whole, bounds, allowed = check
            limits: Any = bounds
            if allowed is not None and value not in allowed:
                _not_a_choice(name, allowed, value)
            if not number or value is None:
                continue
            kind = type(value)
            if kind is int:
                value = Decimal(value)
            elif kind is not Decimal or not value.is_finite():
                value = to_decimal(value, f"{cls.__name__}.{name}")
            if value < 0:
                _negative(name, value)
            if whole and value != value.to_integral_value():
                _not_whole(name, value)
            if limits is not None and not (limits[0] <= value <= limits[1]):
                _out_of_range(name, limits[0], limits[1], limits[2], value)
            state[name] = value
        if required:
            missing = [name for name in required if state[name] is MISSING]
            if missing:
                raise TypeError(f"{cls.__name__}() missing required keyword argument(s) {', '.join(missing)}")
        object.__setattr__(self, "__dict__", state)  # __setattr__ refuses every assignment
        if post:
            self.__post_init__()

    def __post_init__(self) -> None:
        """Checks beyond the declared ones; a service's usage overrides this."""

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in _fields_of(type(self))[0])

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self._values() == other._values()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in _fields_of(type(self))[0])
        return f"{type(self).__qualname__}({shown})"

    def _range(self, name: str, low: Decimal | int, high: Decimal | int, why: str) -> None:
        value = self.__dict__[name]
        if value is not None and not (low <= value <= high):  # Decimals compare with ints exactly
            _out_of_range(name, low, high, why, value)


def _negative(name: str, value: Decimal) -> None:
    raise ValueError(f"{name} must not be negative, got {fmt_number(value)}")


def _not_whole(name: str, value: Decimal) -> None:
    raise ValueError(f"{name} must be a whole number, got {fmt_number(value)}")


def _out_of_range(name: str, low: Decimal | int, high: Decimal | int, why: str, value: Decimal) -> None:
    raise ValueError(
        f"{name} must be between {fmt_number(Decimal(low))} and {fmt_number(Decimal(high))} ({why}), "
        f"got {fmt_number(value)}"
    )


def _not_a_choice(name: str, allowed: tuple[str, ...], value: object) -> None:
    raise ValueError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")


_Check = tuple[bool, bool, "tuple[object, object, str] | None", "tuple[str, ...] | None"]
_PLANS: dict[type, tuple[dict[str, object], tuple[str, ...], dict[str, _Check], bool]] = {}


def _plan(cls: type) -> tuple[dict[str, object], tuple[str, ...], dict[str, _Check], bool]:
    """A usage class's defaults, required fields, per checked field (number, whole, (low, high, why),
    allowed values), and whether it has a `__post_init__` of its own."""
    defaults, required = _fields_of(cls)
    numbers = set(cls._numbers)  # type: ignore[attr-defined]
    wholes = set(cls._wholes)  # type: ignore[attr-defined]
    bounds = {name: (low, high, why) for name, low, high, why in cls._ranges}  # type: ignore[attr-defined]
    allowed = {name: tuple(values) for name, values in cls._choices}  # type: ignore[attr-defined]
    for name in (wholes | bounds.keys()) - numbers:
        raise TypeError(f"{cls.__name__} checks {name!r} as a number, but it is not in _numbers")
    for name in numbers | allowed.keys():
        if name not in defaults:
            raise TypeError(f"{cls.__name__} checks {name!r}, which is not one of its fields")
    checks = {name: (name in numbers, name in wholes, bounds.get(name), allowed.get(name))
              for name in defaults if name in numbers or name in allowed}
    post = cls.__post_init__ is not UsageFields.__post_init__  # type: ignore[attr-defined]
    plan = _PLANS[cls] = (defaults, required, checks, post)
    return plan
