"""Fixtures for the pricing tests."""

from __future__ import annotations

import pytest

from advisor.pricing.catalog import Catalog, load_catalog


@pytest.fixture(scope="session")
def use1() -> Catalog:
    """The bundled us-east-1 catalog."""
    return load_catalog("us-east-1")
