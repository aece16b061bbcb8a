"""The in-memory rate-limit counters under many callers: what each limited request costs the
event loop (and so every other request on it, /health included).

Run from the repository root (about a minute)::

    uv run python bench/ratelimit_memory_bench.py
    uv run python bench/ratelimit_memory_bench.py --callers 10000 100000

For each storage and strategy, `--callers` distinct callers are charged once (so that many
counters are live in the window), then 2,000 requests each charge one of them and take a few
turns of the event loop, as a real request does; `limits`' cleanup task runs in those turns.
Figures: the mean and 99th percentile of a request's time, the worst stall a concurrent
probe task saw (what a /health request waiting on the loop would wait), and how many thread-
pool hand-offs the cleanup made. Rows:

- `limits` stock `MemoryStorage` with its three strategies: the fixed window and the
  sliding-window counter sweep every counter after each hit (O(callers) a request); the moving
  window's sweep yields, but through `asyncio.to_thread`, one hand-off per caller, and keeps an
  entry per request;
- `registry.ratelimit.MemoryCounters` (what the registry uses): the same storage, swept at most
  once a second.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Callable

import limits
from limits.aio import strategies
from limits.aio.storage import MemoryStorage

from registry.ratelimit import MemoryCounters

REQUESTS = 2_000
TURNS = 3  # event-loop turns a request takes besides the limiter (body, handler, response)


async def _probe(stalls: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        start = time.perf_counter()
        await asyncio.sleep(0.001)
        stalls.append(time.perf_counter() - start - 0.001)


async def measure(
    storage_class: Callable[[], MemoryStorage], strategy_name: str, callers: int
) -> str:
    storage = storage_class()
    strategy = strategies.STRATEGIES[strategy_name](storage)
    item = limits.RateLimitItemPerSecond(6000, 60, namespace="read")
    hand_offs = 0
    to_thread = asyncio.to_thread

    async def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal hand_offs
        hand_offs += 1
        return await to_thread(*args, **kwargs)

    asyncio.to_thread = counted  # type: ignore[assignment]
    try:
        for caller in range(callers):
            await strategy.hit(item, f"ip:{caller}")
        await asyncio.sleep(0.05)
        stalls: list[float] = []
        stop = asyncio.Event()
        probe = asyncio.create_task(_probe(stalls, stop))
        times = []
        for request in range(REQUESTS):
            start = time.perf_counter()
            await strategy.hit(item, f"ip:{request * 7919 % callers}")
            await strategy.get_window_stats(item, f"ip:{request * 7919 % callers}")
            for _ in range(TURNS):
                await asyncio.sleep(0)
            times.append(time.perf_counter() - start)
        stop.set()
        await probe
    finally:
        asyncio.to_thread = to_thread
        if storage.timer is not None:
            storage.timer.cancel()
    times.sort()
    mean = sum(times) / len(times) * 1000
    p99 = times[int(len(times) * 0.99)] * 1000
    return (
        f"{storage_class.__name__:15s} {strategy_name:22s} callers {callers:7d}: "
        f"request mean {mean:7.3f} ms p99 {p99:7.3f} ms, worst loop stall "
        f"{max(stalls, default=0) * 1000:6.1f} ms, thread hand-offs {hand_offs}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--callers", type=int, nargs="+", default=[100, 10_000, 100_000])
    args = parser.parse_args()
    rows = [(MemoryStorage, name) for name in strategies.STRATEGIES]
    rows.append((MemoryCounters, "fixed-window"))
    for storage_class, strategy_name in rows:
        for callers in args.callers:
            print(asyncio.run(measure(storage_class, strategy_name, callers)), flush=True)


if __name__ == "__main__":
    main()
