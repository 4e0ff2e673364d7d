"""queue:* (sqs): an encrypted queue, its redrive dead-letter queue and TLS-only queue policies."""

from __future__ import annotations

from advisor.architecture import Component
from advisor.render.cfn.context import Builder

MAX_VISIBILITY_S = 43_200


def visibility_timeout(b: Builder, c: Component) -> int:
    """At least the factor (6) × the slowest consumer's timeout, plus its batching window."""
    factor = int((c.settings.get("consumer") or {}).get("visibility_timeout_factor", 6))
    consumers = b.edges_from(c.id, "triggers")
    timeout = max((int(b.components[e.target].settings["timeout_s"]) for e in consumers), default=30)
    window = max((int(e.settings.get("batching_window_s", 0)) for e in consumers), default=0)
    return min(MAX_VISIBILITY_S, factor * timeout + window)


def build(b: Builder, c: Component) -> None:
    settings = c.settings.get("dead_letter_queue") or {}
    dlq = b.queue(b.lid(c.id, "Dlq"), retention_s=int(settings.get("retention_days", 14)) * 86_400, is_dlq=True)
    lid = b.queue(b.lid(c.id), visibility=visibility_timeout(b, c), dlq=dlq,
                  max_receive=int(settings.get("max_receive_count", 5)))
    b.queues.append(lid)
