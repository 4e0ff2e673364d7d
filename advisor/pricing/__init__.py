"""Pricing core: per-service usage dataclasses and price functions over a dated, sourced price catalog."""
