"""Reading an object from the first backend that can serve it, with a breaker per backend.

Without a breaker a dead store costs every download its timeout before the next backend is
tried. Here the first failure opens that backend's breaker: reads skip it for a cool-down, then
a single read probes it (half-open) while the others keep skipping it; the probe's outcome
closes or re-opens the breaker. So an outage costs one timeout per cool-down, not one per
request.

When every backend that could serve a read is skipped, the read does not simply fail: it forces
a probe of the first one whose probe slot is free. With a single backend (no mirrors) one failed
request then does not turn into a cool-down of failures, and a hanging store still ties up at
most one request at a time.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from enum import StrEnum

from storage.errors import BackendUnavailable, ObjectNotFound, StorageError
from storage.interface import DEFAULT_CHUNK_SIZE, BlobStore

log = logging.getLogger("registry.storage.failover")

Clock = Callable[[], float]
# Told a breaker's name and new state when it is created and whenever its state changes
# (the registry's metrics: registry/metrics.py); never on a read that changes nothing.
StateCallback = Callable[[str, str], None]
MissingCallback = Callable[[str], Awaitable[None]]

DEFAULT_COOLDOWN_SECONDS = 5.0
# A healthy store delivers a 1 MiB chunk in milliseconds (a slow remote mirror in a second or
# two); a store that sends nothing for this long is treated as down.
STALL_SECONDS = 5.0


class BreakerState(StrEnum):
    """Where a backend's circuit breaker stands (see CircuitBreaker)."""

    CLOSED = "closed"  # reads use the backend
    OPEN = "open"  # a read failed: reads skip the backend until the cool-down ends
    HALF_OPEN = "half_open"  # one read is probing whether the backend is back


@dataclass(frozen=True, slots=True)
class BreakerSnapshot:
    """A breaker's state for reports (readiness, admin queries)."""

    state: BreakerState
    consecutive_failures: int
    last_error: str
    seconds_until_probe: float


class CircuitBreaker:
    """Open after one failure; one probe per cool-down; closed again by any success.

    Not thread-safe by design: it is used from one event loop, where each method runs to
    completion without interleaving.
    """

    def __init__(
        self,
        name: str,
        cooldown_seconds: float = DEFAULT_COOLDOWN_SECONDS,
        clock: Clock = time.monotonic,
        on_change: StateCallback | None = None,
    ) -> None:
        if cooldown_seconds < 0:
            raise ValueError("cooldown_seconds must not be negative")
        self.name = name
        self._on_change = on_change
        self.cooldown_seconds = cooldown_seconds
        self._clock = clock
        self._state = BreakerState.CLOSED
        self._opened_at = 0.0
        # When the current probe started. A probe whose request vanished (client gone, task
        # cancelled) never reports back, so a probe slot expires after one cool-down.
        self._probe_started: float | None = None
        self._failures = 0
        self._last_error = ""
        if on_change is not None:
            on_change(name, self._state.value)

    def _enter(self, state: BreakerState) -> None:
        if state is not self._state:
            self._state = state
            if self._on_change is not None:
                self._on_change(self.name, state.value)

    @property
    def state(self) -> BreakerState:
        return self._state

    def allow(self, *, force: bool = False) -> bool:
        """May a read use this backend now? Claims the probe slot when it returns True for
        an open breaker. `force` ignores the cool-down but never a probe already in flight."""
        if self._state is BreakerState.CLOSED:
            return True
        now = self._clock()
        if self._probe_started is not None and now - self._probe_started < self.cooldown_seconds:
            return False
        cooling = now - self._opened_at < self.cooldown_seconds
        if not force and self._state is BreakerState.OPEN and cooling:
            return False
        self._enter(BreakerState.HALF_OPEN)
        self._probe_started = now
        return True

    def record_success(self) -> None:
        self._enter(BreakerState.CLOSED)
        self._failures = 0
        self._probe_started = None

    def record_failure(self, error: str) -> None:
        self._enter(BreakerState.OPEN)
        self._opened_at = self._clock()
        self._probe_started = None
        self._failures += 1
        self._last_error = error

    def snapshot(self) -> BreakerSnapshot:
        wait = 0.0
        if self._state is BreakerState.OPEN:
            wait = max(0.0, self._opened_at + self.cooldown_seconds - self._clock())
        return BreakerSnapshot(self._state, self._failures, self._last_error, round(wait, 3))


class BreakerBoard:
    """One breaker per backend name, created on first use, shared by a process's reads."""

    def __init__(
        self,
        cooldown_seconds: float = DEFAULT_COOLDOWN_SECONDS,
        clock: Clock = time.monotonic,
        on_change: StateCallback | None = None,
    ) -> None:
        if cooldown_seconds < 0:
            raise ValueError("cooldown_seconds must not be negative")
        self.cooldown_seconds = cooldown_seconds
        self._clock = clock
        self._on_change = on_change
        self._breakers: dict[str, CircuitBreaker] = {}

    def get(self, name: str) -> CircuitBreaker:
        breaker = self._breakers.get(name)
        if breaker is None:
            breaker = CircuitBreaker(name, self.cooldown_seconds, self._clock, self._on_change)
            self._breakers[name] = breaker
        return breaker

    def snapshot(self, name: str) -> BreakerSnapshot:
        return self.get(name).snapshot()


class _Attempts:
    """The stores to try, in order, claiming each breaker only when its turn comes."""

    def __init__(self, stores: Sequence[BlobStore], breakers: BreakerBoard) -> None:
        self._stores = stores
        self._breakers = breakers
        self.skipped: list[str] = []

    def __iter__(self) -> Iterator[BlobStore]:
        attempted = False
        for store in self._stores:
            if self._breakers.get(store.name).allow():
                attempted = True
                yield store
            else:
                self.skipped.append(store.name)
        if attempted:
            return
        for store in self._stores:
            if self._breakers.get(store.name).allow(force=True):
                yield store
                return


async def read_with_failover(
    stores: Sequence[BlobStore],
    key: str,
    *,
    breakers: BreakerBoard,
    start: int = 0,
    end: int | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    on_missing: MissingCallback | None = None,
    stall_seconds: float = STALL_SECONDS,
) -> AsyncGenerator[bytes, None]:
    """Stream bytes `[start, end)` of `key` from the first of `stores` that can serve them.

    A backend that fails (BackendUnavailable or any StorageError) has its breaker opened and
    the next one is tried; a backend without the object (ObjectNotFound) is reported through
    `on_missing(store_name)` and skipped without blaming it. A failure in the middle of the
    stream continues from the same offset on the next backend: objects are immutable and
    content-addressed, so the bytes are the same. All of this happens before the first chunk
    is yielded or between chunks, never after the last one. A backend that accepts the
    request but sends nothing for `stall_seconds` counts as failed (a frozen or blackholed
    store would otherwise hold the read for the client library's full timeouts).

    Raises ObjectNotFound when every backend tried lacks the object, else BackendUnavailable.
    """
    position = start
    errors: list[StorageError] = []
    attempts = _Attempts(stores, breakers)
    for store in attempts:
        if end is not None and position >= end:
            return
        breaker = breakers.get(store.name)
        served = False
        try:
            chunks = store.open(key, start=position, end=end, chunk_size=chunk_size)
            async with aclosing(chunks):
                while (chunk := await _next_chunk(store, chunks, stall_seconds)) is not None:
                    if not served:
                        breaker.record_success()
                        served = True
                    position += len(chunk)
                    yield chunk
            if not served:
                breaker.record_success()
            return
        except ObjectNotFound as exc:
            breaker.record_success()  # it answered; it just lacks this copy
            errors.append(exc)
            if on_missing is not None:
                await on_missing(store.name)
        except StorageError as exc:
            breaker.record_failure(str(exc))
            errors.append(exc)
            log.warning(
                "reading %s from %s failed at byte %d, trying the next backend: %s",
                key,
                store.name,
                position,
                exc,
            )
    raise _exhausted(key, errors, attempts.skipped)


async def _next_chunk(
    store: BlobStore, chunks: AsyncIterator[bytes], stall_seconds: float
) -> bytes | None:
    """The next chunk, None at the end; BackendUnavailable when the store stalls. The
    abandoned blocking call finishes in its worker thread on the client's own timeout."""
    try:
        async with asyncio.timeout(stall_seconds):
            return await anext(chunks, None)
    except TimeoutError:
        raise BackendUnavailable(f"{store.name} sent nothing for {stall_seconds:g} s") from None


def _exhausted(key: str, errors: list[StorageError], skipped: list[str]) -> StorageError:
    if not skipped and all(isinstance(error, ObjectNotFound) for error in errors):
        return ObjectNotFound(key)
    reasons = [str(error) for error in errors if not isinstance(error, ObjectNotFound)]
    reasons += [f"{name} skipped (breaker open)" for name in skipped]
    return BackendUnavailable(f"no backend can serve {key}: " + "; ".join(reasons))
