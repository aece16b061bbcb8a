"""Waiting at start for the database and Redis, when they refuse connections for a while.

A web process or worker started together with its database and Redis (a reboot, a compose
file, a rolling restart) would otherwise exit on the first refusal. `wait_for` retries the
connect with a growing delay, logs one line per failed attempt, and gives up once
`STARTUP_WAIT_SECONDS` have passed: then the last error propagates, and the command line
reports it as its one-line failure. Only refusals (nothing listening yet, a server still
starting up, a timeout: what domain/outages.py counts as an outage) are waited for; any other
error (a bad password, a missing database) fails at once, as before.

The backoff is written out here instead of taken from a retry library: the project has none,
and the loop is a few lines whose every step logs.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

from domain.outages import unavailable_backend

log = logging.getLogger("registry.startup")

T = TypeVar("T")

FIRST_DELAY_SECONDS = 0.5
MAX_DELAY_SECONDS = 5.0


def is_refusal(exc: BaseException) -> bool:
    """A server that is not (yet) there, as opposed to one that answers with an error: the
    same classification as a request's 503 (domain/outages.py)."""
    return unavailable_backend(exc) is not None


def backoff_delays(
    first: float = FIRST_DELAY_SECONDS, cap: float = MAX_DELAY_SECONDS
) -> Iterator[float]:
    """0.5 s, 1 s, 2 s, ... capped (shared with the worker's reconnect loop)."""
    delay = first
    while True:
        yield delay
        delay = min(delay * 2, cap)


async def wait_for(
    what: str,
    connect: Callable[[], Awaitable[T]],
    limit_seconds: float,
    *,
    on_failure: Callable[[], Awaitable[None]] | None = None,
) -> T:
    """`connect()`, retried while it is refused and `limit_seconds` have not passed.
    `on_failure` cleans up a half-made connection before the next attempt."""
    started = time.monotonic()
    delays = backoff_delays()
    attempt = 0
    while True:
        attempt += 1
        try:
            result = await connect()
        except Exception as exc:
            if on_failure is not None:
                await on_failure()
            delay = next(delays)
            waited = time.monotonic() - started
            if not is_refusal(exc) or waited + delay > limit_seconds:
                raise
            log.warning(
                "waiting for %s (attempt %d, %.0f of %.0f s): %s: %s; retrying in %.1f s",
                what,
                attempt,
                waited,
                limit_seconds,
                type(exc).__name__,
                " ".join(str(exc).split()) or "-",
                delay,
            )
            await asyncio.sleep(delay)
            continue
        if attempt > 1:
            log.warning("%s is reachable (after %d attempts)", what, attempt)
        return result
