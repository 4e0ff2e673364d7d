"""Service id -> (usage dataclass, price function): the service packages' pricing modules, plus the two
pricing modules that are no service of the architecture (data transfer, and Fargate for the always-on
alternative)."""

from __future__ import annotations

from types import ModuleType
from typing import Any, Callable, Mapping, NamedTuple

from advisor.pricing import datatransfer
from advisor.pricing import fargate
from advisor.pricing.base import CostLine, UsageFields
from advisor.services import MODULES, part


class ServicePricing(NamedTuple):
    """How to price one service: its usage dataclass and its price function."""

    usage: type
    price: Callable[..., list[CostLine]]


def _entry(module: ModuleType) -> ServicePricing:
    usage = next(v for v in vars(module).values() if isinstance(v, type) and issubclass(v, UsageFields)
                 and v.__module__ == module.__name__)
    return ServicePricing(usage, module.price)


def _services() -> dict[str, ServicePricing]:
    out = {"data-transfer": _entry(datatransfer), "fargate": _entry(fargate)}
    for service_id in MODULES:
        module = part(service_id, "pricing")
        if module is not None and hasattr(module, "price"):  # a stream's module only moves quantities
            out[service_id] = _entry(module)
    return dict(sorted(out.items()))


SERVICES: Mapping[str, ServicePricing] = _services()


def lookup(service: str) -> ServicePricing:
    """The pricing entry for a service id (KeyError names the known ids)."""
    try:
        return SERVICES[service]
    except KeyError:
        raise KeyError(f"no pricing module for service {service!r}; known: {', '.join(sorted(SERVICES))}") from None


def price_usage(service: str, usage: Any, catalog: Any, **kwargs: Any) -> list[CostLine]:
    """Price a usage value with its service's price function, checking the usage type matches."""
    entry = lookup(service)
    if not isinstance(usage, entry.usage):
        raise TypeError(f"service {service!r} expects {entry.usage.__name__}, got {type(usage).__name__}")
    return entry.price(usage, catalog, **kwargs)
