"""Bounding a child process by the CPU it uses, never by a clock: a busy machine slows a child down but does
not make it use more CPU, so a limit of CPU seconds stops only runaway work (the kernel sends SIGXCPU)."""

from __future__ import annotations

import resource
from typing import Callable


def cpu_limit(seconds: float, then: Callable[[], None] | None = None) -> Callable[[], None]:
    """A `preexec_fn` that holds the child to `seconds` of CPU (and runs `then`, another limit, after it)."""
    soft = int(seconds)

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (soft, soft + 5))
        if then is not None:
            then()
    return limit


def limit_running(pid: int, seconds: float) -> None:
    """The same limit set from outside on a child already started (safe where the parent runs threads)."""
    soft = int(seconds)
    try:
        resource.prlimit(pid, resource.RLIMIT_CPU, (soft, soft + 5))
    except ProcessLookupError:
        pass  # it has finished already
