"""Pure CPU work (parsing, solving) off the event loop, on a small bounded pool.

A resolve can spend tens to hundreds of milliseconds in Python code that never awaits; run on
the loop, every other request of the process (`/health` included) waits for it. Here it runs
on a worker thread while the loop keeps serving. Few threads: the GIL lets only one of them
compute at a time anyway, so more threads would not add throughput, only more contention with
the loop (and `expensive_gate` lets one resolve at a time do this work). Excess work waits in
the pool's queue (requests are bounded by the rate limiter, and each piece of work by the
input bounds in `domain/bounds.py`).

Only pure functions belong here: database calls (Tortoise) stay on the loop that owns the
connections.
"""

from __future__ import annotations

import asyncio
import functools
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

CPU_THREADS = 2
_pool = ThreadPoolExecutor(max_workers=CPU_THREADS, thread_name_prefix="tbr-cpu")


_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Semaphore]] = (
    weakref.WeakKeyDictionary()
)


def loop_gate(name: str, slots: int) -> asyncio.Semaphore:
    """This event loop's gate `name`: at most `slots` holders at a time, the others wait
    without using CPU. One per loop and name: an asyncio semaphore belongs to the loop it is
    first used on. Gates with different names may be nested, always in the same order."""
    loop = asyncio.get_running_loop()
    gates = _gates.get(loop)
    if gates is None:
        gates = _gates[loop] = {}
    gate = gates.get(name)
    if gate is None:
        gate = gates[name] = asyncio.Semaphore(slots)
    return gate


def expensive_gate() -> asyncio.Semaphore:
    """The gate for expensive resolves: one at a time does its work. Without it, 16
    connections of 500-requirement resolves keep 16 requests' loop work (queries, answers)
    queued in front of every cheap request, `/health` included; with two at a time a cheap
    request still waited behind two such steps at each of its own (bench/dos_bench.py)."""
    return loop_gate("resolve", 1)


async def run_cpu_bound(function: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """`function(*args, **kwargs)` on the CPU pool; its result or its exception."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_pool, functools.partial(function, *args, **kwargs))
