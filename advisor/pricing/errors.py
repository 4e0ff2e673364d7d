"""Errors raised by the pricing core: a missing price is never a silent zero."""

from __future__ import annotations

from advisor.errors import AdvisorError

UPDATE_COMMAND = "advisor prices update"


class PriceNotFound(AdvisorError):
    """The catalog has no price (or no catalog at all) for what an estimate needs."""

    exit_code = 2

    def __init__(self, key: str | None, region: str, *, detail: str | None = None) -> None:
        self.key = key
        self.region = region
        self.hint = f"run `{UPDATE_COMMAND} --region {region}` to fetch current prices"
        if key is None:
            message = f"no price catalog for region '{region}'"
        else:
            message = f"no price for '{key}' in the price catalog for region '{region}'"
        if detail:
            message += f" ({detail})"
        self.message = f"{message}; {self.hint}"
        Exception.__init__(self, self.message)

    def lines(self) -> list[str]:
        """The message already names the remedy."""
        return [f"error: {self.message}"]


class PricesNotExact(AdvisorError):
    """`--strict-prices`: some lines would be priced at another Region's prices; every such key is named."""

    exit_code = 2

    def __init__(self, borrowed: dict[str, tuple[str, tuple[str, ...]]]) -> None:
        self.message = "; ".join(f"no price in the catalog for region '{region}' for {', '.join(keys)} "
                                 f"(they would be priced at {other}'s prices)"
                                 for region, (other, keys) in borrowed.items())
        regions = " ".join(f"--region {region}" for region in borrowed)
        self.hint = f"run `{UPDATE_COMMAND} {regions}`, or drop --strict-prices for an approximate estimate"
        Exception.__init__(self, self.message)

    def lines(self) -> list[str]:
        """Every missing key, then the remedy."""
        return [f"error: {self.message}", f"hint: {self.hint}"]


class CatalogError(AdvisorError):
    """A price catalog file exists but is malformed."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        self.message = message
        self.hint = f"regenerate it with `{UPDATE_COMMAND}`"
        Exception.__init__(self, f"{message}; {self.hint}")
