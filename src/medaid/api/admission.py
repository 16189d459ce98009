"""Admission of expensive requests: at most N at work per server process, the rest wait a bounded time.

Without a bound every quote that arrives gets a threadpool thread at once; past the box's capacity
forty threads then contend for the GIL and thirty pooled connections, each request gets slower and
the queue never drains (decision 0011). With it, overload waits in line in the event loop (cheap),
and a request that would wait longer than the client could use is told so at once — 503 with
``Retry-After`` — having done nothing, so a retry with the same ``Idempotency-Key`` is safe.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread

from medaid.errors import Busy

T = TypeVar("T")


class Gate:
    """A per-process bound on concurrent work of one kind, with a bounded wait for a turn."""

    def __init__(self, name: str, name_zh: str, concurrency: int, wait_seconds: float) -> None:
        if concurrency < 1 or wait_seconds < 0:
            raise ValueError("concurrency must be >= 1 and wait_seconds >= 0")
        self.name, self.name_zh = name, name_zh
        self.concurrency, self.wait_seconds = concurrency, wait_seconds
        self._slots: anyio.Semaphore | None = None  # made on first use, inside the server's event loop

    async def run(self, work: Callable[[], T]) -> T:
        """Run blocking ``work`` in a worker thread once a slot is free; ``Busy`` if none frees in time.

        The thread is not abandoned when the client goes away: the work finishes (or rolls back) and
        only then frees its slot, so a disconnect never leaves a half-done reservation."""
        if self._slots is None:
            self._slots = anyio.Semaphore(self.concurrency)
        with anyio.move_on_after(self.wait_seconds) as waited:
            await self._slots.acquire()
        if waited.cancelled_caught:
            raise Busy(f"too many {self.name} requests at once; nothing was done, retry in a second "
                       "(same Idempotency-Key)", f"当前{self.name_zh}请求过多，本次未处理，请稍后用同一幂等键重试")
        try:
            return await anyio.to_thread.run_sync(work)
        finally:
            self._slots.release()
