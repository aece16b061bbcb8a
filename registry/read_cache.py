"""A short-lived cache of anonymous JSON responses, dropped on every committed write.

`GET /api/v1/packages/{name}` is the mod managers' most frequent call, and almost always
anonymous. Its answer changes only when a write commits (domain/changes.py announces each
one, and with Redis the other processes' writes arrive over pub/sub), so this process can
answer repeats from memory. The TTL bounds what no announcement covers: download counters,
which are flushed in batches, and a pub/sub message lost while Redis reconnects.

A fill is stored with the generation it started under: if a write commits while the
database is being read, the generation moves on and the (possibly older) answer is dropped
instead of being served until the TTL.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

from registry.metrics import cache_counters


class ResponseCache:
    def __init__(
        self,
        ttl_seconds: float,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
        *,
        max_bytes: int | None = None,
        name: str | None = None,
    ) -> None:
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        # Bodies (and keys) held at most, in bytes; the least recently stored go first.
        self.max_bytes = max_bytes
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._bytes = 0
        self.generation = 0
        # Hits and misses for /metrics, under `name` (an unnamed cache is not counted).
        counters = cache_counters(name) if name else (_UNCOUNTED, _UNCOUNTED)
        self._hit: _Counting = counters[0]
        self._miss: _Counting = counters[1]

    @property
    def enabled(self) -> bool:
        return self.ttl > 0

    def invalidate(self) -> None:
        """Something changed: nothing cached so far may be served again."""
        self.generation += 1
        self._entries.clear()
        self._bytes = 0

    def get(self, key: str) -> bytes | None:
        found = self._entries.get(key)
        if found is None:
            self._miss.inc()
            return None
        expires, body = found
        if self._clock() >= expires:
            self._drop(key)
            self._miss.inc()
            return None
        self._hit.inc()
        return body

    def _drop(self, key: str) -> None:
        _, body = self._entries.pop(key)
        self._bytes -= len(key) + len(body)

    def put(self, key: str, body: bytes, generation: int) -> None:
        """Keep `body`, read while `generation` was current, unless a write committed since."""
        if not self.enabled or generation != self.generation:
            return
        size = len(key) + len(body)
        if self.max_bytes is not None and size > self.max_bytes:
            return
        if key in self._entries:
            self._drop(key)
        self._entries[key] = (self._clock() + self.ttl, body)
        self._bytes += size
        while len(self._entries) > self.max_entries or (
            self.max_bytes is not None and self._bytes > self.max_bytes
        ):
            self._drop(next(iter(self._entries)))


class _Counting(Protocol):
    def inc(self) -> None: ...


class _Uncounted:
    def inc(self) -> None:
        pass


_UNCOUNTED = _Uncounted()
