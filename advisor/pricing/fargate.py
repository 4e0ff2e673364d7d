"""An always-on alternative for break-even comparisons: Fargate tasks, optionally behind an Application Load
Balancer (hours plus load balancer capacity units), and the public IPv4 addresses both hold.

Fargate bills vCPU-hours and GB-hours per task for as long as it runs; an ALB bills each hour it exists plus
LCU-hours (Infracost's `aws_ecs_service` and `aws_lb` golden tests price both from the AWS Price List). Since
2024-02-01 every public IPv4 address bills $0.005 an hour, whether on an instance, a task or a load balancer
node (https://aws.amazon.com/vpc/pricing/). Lines for the load balancer carry service `alb`, the addresses `vpc`.

A fleet that scales through the day gives its task-hours and LCU-hours for the month (`task_hours`,
`load_balancer_lcu_hours`) in place of a count running all month (`tasks`, `load_balancer_lcu`).
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Mapping

from .base import DEFAULT_MONTH, ZERO, Basis, CostLine, FreeTier, Month, UsageFields, fmt_number, metered
from .catalog import Catalog

SERVICE = "fargate"
ALB_SERVICE = "alb"
VPC_SERVICE = "vpc"
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
    """Always-on tasks (for example two tasks in two Availability Zones) and an optional ALB.

    `task_hours` and `load_balancer_lcu_hours`, when given, are the month's totals of a fleet that scales; else
    `tasks` run for `hours` and the load balancer uses `load_balancer_lcu` on average. `load_balancer_public_ips`
    addresses are held all month; with `task_public_ips` each task holds one while it runs."""

    tasks: Decimal = Decimal(2)
    vcpu: Decimal = Decimal("0.5")
    memory_gb: Decimal = Decimal(1)
    architecture: str = "x86_64"
    hours: Decimal | None = None
    load_balancer: bool = True
    load_balancer_lcu: Decimal = ZERO
    task_hours: Decimal | None = None
    load_balancer_lcu_hours: Decimal | None = None
    load_balancer_public_ips: Decimal = ZERO
    task_public_ips: bool = False

    _numbers: ClassVar[tuple[str, ...]] = ("tasks", "vcpu", "memory_gb", "hours", "load_balancer_lcu", "task_hours",
                                           "load_balancer_lcu_hours", "load_balancer_public_ips")
    _wholes: ClassVar[tuple[str, ...]] = ("tasks", "load_balancer_public_ips")
    _choices: ClassVar[tuple[tuple[str, tuple[str, ...]], ...]] = (("architecture", ARCHITECTURES),)
    _ranges: ClassVar[tuple[tuple[str, int, int, str], ...]] = (
        ("hours", 0, 744, "hours in a month"),
    )

    def __post_init__(self) -> None:
        if self.vcpu not in TASK_MEMORY_GB:
            raise ValueError(f"vcpu must be one of {', '.join(str(v) for v in TASK_MEMORY_GB)} (Fargate task sizes)")
        low, high = TASK_MEMORY_GB[self.vcpu]
        self._range("memory_gb", low, high, f"Fargate memory for {self.vcpu} vCPU")
        for name in ("load_balancer", "task_public_ips"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be true or false")


def _shown(value: Decimal) -> str:
    """A quantity for a basis, to four decimals (the line's quantity itself stays exact)."""
    return fmt_number(value.quantize(Decimal("0.0001")) if value != value.to_integral_value() else value)


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
    if usage.task_hours is None:
        task_hours = usage.tasks * hours
        running = f"{fmt_number(usage.tasks)} tasks × {fmt_number(hours)} hours ({b.of('tasks')}; {when})"
    else:
        task_hours = usage.task_hours
        running = f"{_shown(task_hours)} task-hours ({b.of('task_hours')})"
    lines = metered(
        service=SERVICE,
        item="vCPU",
        quantity=task_hours * usage.vcpu,
        catalog=catalog,
        key=f"fargate.vcpu-hours-{arch}",
        basis=f"{running} × {fmt_number(usage.vcpu)} vCPU ({b.of('vcpu')})",
        qualifier=arch,
    )
    lines += metered(
        service=SERVICE,
        item="Memory",
        quantity=task_hours * usage.memory_gb,
        catalog=catalog,
        key=f"fargate.gb-hours-{arch}",
        basis=f"{running} × {fmt_number(usage.memory_gb)} GB ({b.of('memory_gb')})",
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
        if usage.load_balancer_lcu_hours is None:
            lcu_hours = usage.load_balancer_lcu * hours
            lcu_basis = (f"{fmt_number(usage.load_balancer_lcu)} LCU on average × {fmt_number(hours)} hours "
                         f"({b.of('load_balancer_lcu')}; {when})")
        else:
            lcu_hours = usage.load_balancer_lcu_hours
            lcu_basis = f"{_shown(lcu_hours)} LCU-hours ({b.of('load_balancer_lcu_hours')})"
        lines += metered(
            service=ALB_SERVICE,
            item="Load balancer capacity units",
            quantity=lcu_hours,
            catalog=catalog,
            key="alb.lcu-hours",
            basis=lcu_basis,
        )
        lines += metered(
            service=VPC_SERVICE,
            item="Public IPv4 addresses (load balancer nodes)",
            quantity=usage.load_balancer_public_ips * hours,
            catalog=catalog,
            key="vpc.public-ipv4-address-hours",
            basis=f"{fmt_number(usage.load_balancer_public_ips)} addresses × {fmt_number(hours)} hours "
            f"({b.of('load_balancer_public_ips')}; {when})",
        )
    if usage.task_public_ips:
        lines += metered(
            service=VPC_SERVICE,
            item="Public IPv4 addresses (tasks)",
            quantity=task_hours,
            catalog=catalog,
            key="vpc.public-ipv4-address-hours",
            basis=f"one address per running task: {running}",
        )
    return lines
