"""How many functions a queue's event source mapping may run at once, and how fast it drains: one
computation that the template deploys (ScalingConfig) and the report states."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any, NamedTuple

from advisor.architecture import Component, Edge

DEFAULT_BATCH = 10
# The event source mapping's ScalingConfig bounds (Lambda API reference, ScalingConfig).
MIN_CONCURRENCY, MAX_CONCURRENCY = 2, 1000
PEAK_MINUTE_S = 60


class Consumer(NamedTuple):
    """A queue's consumer at the workload's peak: its cap, what it drains a second, and the peak it faces."""

    queue: str
    function: str
    concurrency: int | None  # None: no cap (the account's concurrency)
    batch: int
    duration_ms: int
    peak_per_s: Decimal
    why: str

    @property
    def per_s(self) -> Decimal | None:
        """Messages a second it drains at its cap."""
        if self.concurrency is None:
            return None
        return Decimal(self.concurrency * self.batch * 1000) / self.duration_ms

    def drain_s(self) -> Decimal | None:
        """Seconds to drain a peak minute's messages at its cap."""
        rate = self.per_s
        return None if rate is None or rate <= 0 else self.peak_per_s * PEAK_MINUTE_S / rate

    def sentence(self) -> str:
        """The consumer's capacity against the peak, in words."""
        head = (f"`{self.queue}` → `{self.function}`: batches of {self.batch}, about {self.duration_ms} ms each; "
                f"the peak brings about {self.peak_per_s:.1f} messages a second")
        if self.concurrency is None:
            return head + "; no concurrency cap, so the account's concurrency bounds it."
        drain = self.drain_s()
        return (f"{head}; up to {self.concurrency} concurrent functions ({self.why}) drain about "
                f"{self.per_s:.0f} a second, so a peak minute's backlog drains in about {drain:.0f} s.")


def consumer(workload: Any, graph: Any, queue: Component, edge: Edge) -> Consumer:
    """The consumer of one `triggers` edge: a rule's fixed cap, else the cap that drains a peak minute's
    backlog within the rule's `drain_within_s`, else none."""
    from advisor.costing import Flows
    from advisor.services.awslambda.pricing import DEFAULT_DURATION_MS

    settings = queue.settings.get("consumer") or {}
    batch = int(edge.settings.get("batch_size", DEFAULT_BATCH))
    duration = int((workload.usage.get("lambda") or {}).get("request_duration_ms") or DEFAULT_DURATION_MS)
    flows = Flows(workload, graph, Decimal(1))
    traffic = workload.traffic
    monthly, peak = Decimal(str(traffic["requests_per_month"])), Decimal(str(traffic["peak_requests_per_second"]))
    # The queue's share of the requests, at the workload's peak rate.
    peak_msgs = flows.get("messages", queue.id) / monthly * peak if monthly > 0 else Decimal(0)
    if settings.get("maximum_concurrency"):
        return Consumer(queue.id, edge.target, int(settings["maximum_concurrency"]), batch, duration, peak_msgs,
                        f"{queue.sources.get('consumer', 'a rule')}'s fixed cap")
    target = settings.get("drain_within_s")
    if not target:
        return Consumer(queue.id, edge.target, None, batch, duration, peak_msgs, "")
    needed = math.ceil(peak_msgs * PEAK_MINUTE_S * duration / (Decimal(target) * 1000 * batch))
    cap = max(MIN_CONCURRENCY, min(MAX_CONCURRENCY, needed))
    return Consumer(queue.id, edge.target, cap, batch, duration, peak_msgs,
                    f"sized to drain a peak minute within {target} s")
