"""The admission gate (decision 0011): never more than N at work, a bounded wait, then Busy having done nothing."""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor

import anyio
import pytest

from medaid.api.admission import Gate
from medaid.errors import Busy


def run(main: Callable[[], Awaitable[None]]) -> None:
    """``anyio.run`` in a thread of its own: a browser test's sync Playwright keeps a loop running in this one."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(anyio.run, main).result()


def test_never_more_than_the_bound_at_work_and_every_waiter_gets_its_turn() -> None:
    gate = Gate("quote", "结算试算", concurrency=3, wait_seconds=5)
    lock = threading.Lock()
    running, peak, done = 0, 0, []

    def work(i: int) -> int:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.02)
        with lock:
            running -= 1
        return i

    async def main() -> None:
        async def one(i: int) -> None:
            done.append(await gate.run(lambda: work(i)))

        async with anyio.create_task_group() as tg:
            for i in range(12):
                tg.start_soon(one, i)

    run(main)
    assert peak == 3 and sorted(done) == list(range(12))


def test_a_request_that_cannot_get_a_turn_in_time_is_busy_and_never_runs() -> None:
    gate = Gate("quote", "结算试算", concurrency=1, wait_seconds=0.05)
    release = threading.Event()
    ran: list[str] = []

    async def main() -> None:
        async def slow() -> None:
            await gate.run(lambda: (release.wait(5), ran.append("slow")))

        async with anyio.create_task_group() as tg:
            tg.start_soon(slow)
            await anyio.sleep(0.01)
            with pytest.raises(Busy) as busy:
                await gate.run(lambda: ran.append("late"))
            assert busy.value.retry_after == 1 and "结算试算" in busy.value.zh
            release.set()
        assert await gate.run(lambda: ran.append("after")) is None  # the slot came back

    run(main)
    assert ran == ["slow", "after"]


@pytest.mark.parametrize(("concurrency", "wait"), [(0, 1.0), (1, -1.0)])
def test_nonsense_bounds_are_refused(concurrency: int, wait: float) -> None:
    with pytest.raises(ValueError):
        Gate("quote", "结算试算", concurrency, wait)
