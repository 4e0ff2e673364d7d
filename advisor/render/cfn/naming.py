"""Logical ids from component ids: alphanumeric, unique, at most 255 characters."""

from __future__ import annotations

import re
from hashlib import sha256

MAX_LOGICAL_ID = 255
_PARTS = re.compile(r"[^A-Za-z0-9]+")


def camel(text: str) -> str:
    """`queue:consumer-billing` -> `QueueConsumerBilling`; only ASCII letters and digits survive."""
    out = "".join(p[:1].upper() + p[1:] for p in _PARTS.split(text) if p)
    if not out or not out[0].isalpha():
        out = "R" + out
    return out


class LogicalIds:
    """Hands out one logical id per (component, suffix), never the same id twice.

    Ids are derived only from component ids (which the engine builds from
    catalog ids and slugs), never from free text. When two keys would map to
    the same id, the later one (in the builder's deterministic order) gets a
    counter.
    """

    def __init__(self) -> None:
        self._by_key: dict[tuple[str, str], str] = {}
        self._taken: set[str] = set()

    def __call__(self, component: str, suffix: str = "") -> str:
        key = (component, suffix)
        if key in self._by_key:
            return self._by_key[key]
        base = camel(component) + camel(suffix) if suffix else camel(component)
        if len(base) > MAX_LOGICAL_ID - 10:
            digest = sha256(f"{component}|{suffix}".encode()).hexdigest()[:8]
            base = base[:MAX_LOGICAL_ID - 10] + digest.upper()
        candidate, n = base, 1
        while candidate in self._taken:
            n += 1
            candidate = f"{base}{n}"
        self._taken.add(candidate)
        self._by_key[key] = candidate
        return candidate

    def reserve(self, name: str) -> str:
        """Claim a fixed id (parameters, conditions) so components cannot take it."""
        self._taken.add(name)
        return name
