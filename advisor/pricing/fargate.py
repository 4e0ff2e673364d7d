"""An always-on alternative for break-even comparisons: Fargate tasks running all month, optionally behind
an Application Load Balancer (hours plus load balancer capacity units).

Fargate bills vCPU-hours and GB-hours per task for as long as it runs; an ALB bills each hour it exists plus
LCU-hours (Infracost's `aws_ecs_service` and `aws_lb` golden tests price both from the AWS Price List). Lines for
the load balancer carry service `alb`.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Mapping

from .base import DEFAULT_MONTH, ZERO, Basis, CostLine, FreeTier, Month, UsageFields, fmt_number, metered
from .catalog import Catalog

SERVICE = "fargate"
ALB_SERVICE = "alb"
ARCHITECTURES = ("x86_64", "arm64")
# Fargate task sizes: vCPU -> (min GB, max GB) (Amazon ECS developer guide, task CPU and memory for Fargate).
TASK_MEMORY_GB = {
    Decimal("0.25"): (Decimal("0.5"), Decimal(2)),
    Decimal("0.5"): (Decimal(1), Decimal(4)),
    Decimal(1): (Decimal(2), Decimal(8)),
    Decimal(2): (Decimal(4), Decimal(16)),
    Decimal(4): (Decimal(8), Decimal(30)),
    Decimal(8): (Decimal(16), Decimal(60)),
    Decimal(16): (Decimal(32), Decimal(120)),
}


@dataclass(init=False, eq=False, repr=False)  # frozen, with its methods, by UsageFields
class FargateUsage(UsageFields):
    """Always-on tasks (for example two tasks in two Availability Zones) and an optional ALB."""

    tasks: Decimal = Decimal(2)
    vcpu: Decimal = Decimal("0.5")
    memory_gb: Decimal = Decimal(1)
    architecture: str = "x86_64"
    hours: Decimal | None = None
    load_balancer: bool = True
    load_balancer_lcu: Decimal = ZERO

    _numbers: ClassVar[tuple[str, ...]] = ("tasks", "vcpu", "memory_gb", "hours", "load_balancer_lcu")
    _wholes: ClassVar[tuple[str, ...]] = ("tasks",)
    _choices: ClassVar[tuple[tuple[str, tuple[str, ...]], ...]] = (("architecture", ARCHITECTURES),)
    _ranges: ClassVar[tuple[tuple[str, int, int, str], ...]] = (
        ("hours", 0, 744, "hours in a month"),
    )

    def __post_init__(self) -> None:
        if self.vcpu not in TASK_MEMORY_GB:
            raise ValueError(f"vcpu must be one of {', '.join(str(v) for v in TASK_MEMORY_GB)} (Fargate task sizes)")
        low, high = TASK_MEMORY_GB[self.vcpu]
        self._range("memory_gb", low, high, f"Fargate memory for {self.vcpu} vCPU")
        if not isinstance(self.load_balancer, bool):
            raise ValueError("load_balancer must be true or false")


def price(
    usage: FargateUsage,
    catalog: Catalog,
    *,
    free_tier: FreeTier | None = None,
    month: Month = DEFAULT_MONTH,
    basis: Mapping[str, str] | None = None,
) -> list[CostLine]:
    """Cost lines for always-on Fargate tasks and their load balancer."""
    b = Basis(SERVICE, usage, basis or {})
    hours = month.hours if usage.hours is None else usage.hours
    when = b.of("hours") if usage.hours is not None else f"running all month ({fmt_number(month.hours)} hours)"
    arch = usage.architecture
    vcpu_hours = usage.tasks * usage.vcpu * hours
    gb_hours = usage.tasks * usage.memory_gb * hours
    lines = metered(
        service=SERVICE,
        item="vCPU",
        quantity=vcpu_hours,
        catalog=catalog,
        key=f"fargate.vcpu-hours-{arch}",
        basis=f"{fmt_number(usage.tasks)} tasks × {fmt_number(usage.vcpu)} vCPU × {fmt_number(hours)} hours "
        f"({b.join('tasks', 'vcpu')}; {when})",
        qualifier=arch,
    )
    lines += metered(
        service=SERVICE,
        item="Memory",
        quantity=gb_hours,
        catalog=catalog,
        key=f"fargate.gb-hours-{arch}",
        basis=f"{fmt_number(usage.tasks)} tasks × {fmt_number(usage.memory_gb)} GB × {fmt_number(hours)} hours "
        f"({b.join('tasks', 'memory_gb')}; {when})",
        qualifier=arch,
    )
    if usage.load_balancer:
        lines += metered(
            service=ALB_SERVICE,
            item="Application Load Balancer",
            quantity=hours,
            catalog=catalog,
            key="alb.hours",
            basis=f"{fmt_number(hours)} hours ({when})",
        )
        lines += metered(
            service=ALB_SERVICE,
            item="Load balancer capacity units",
            quantity=usage.load_balancer_lcu * hours,
            catalog=catalog,
            key="alb.lcu-hours",
            basis=f"{fmt_number(usage.load_balancer_lcu)} LCU on average × {fmt_number(hours)} hours "
            f"({b.of('load_balancer_lcu')}; {when})",
        )
    return lines
