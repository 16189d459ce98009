"""Crash injection for tests and benchmarks: ``MEDAID_FAULT=point:n`` SIGKILLs the process the n-th
time execution reaches ``crash_point(point)``. Unset in production, where it costs one dict lookup."""

from __future__ import annotations

import os
import signal
from collections import Counter

_reached: Counter[str] = Counter()


def crash_point(name: str) -> None:
    spec = os.environ.get("MEDAID_FAULT")
    if not spec:
        return
    point, _, n = spec.partition(":")
    if point != name:
        return
    _reached[name] += 1
    if _reached[name] >= int(n or "1"):
        os.kill(os.getpid(), signal.SIGKILL)
