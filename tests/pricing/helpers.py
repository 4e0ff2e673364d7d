"""Helpers for the pricing tests: published dollar figures, cent rounding and line lookup."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from advisor.pricing.base import CostLine, to_cents, total

FIXTURES = Path(__file__).parent / "fixtures"


def usd(amount: str) -> Decimal:
    """A dollar figure as written in a published example."""
    return Decimal(amount.replace(",", "").replace("$", ""))


def line(lines: list[CostLine], item: str) -> CostLine:
    """The one line with this exact item label."""
    found = [x for x in lines if x.item == item]
    assert len(found) == 1, f"expected one line {item!r}, got {[x.item for x in lines]}"
    return found[0]


def cents(lines: list[CostLine] | CostLine) -> Decimal:
    """Monthly total of some lines (or one line), rounded to the cent."""
    if isinstance(lines, CostLine):
        return to_cents(lines.monthly_usd)
    return to_cents(total(lines))
