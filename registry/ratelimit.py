"""Rate limiting: fixed-window counters per category and caller, in Redis or in memory.

Categories have separate budgets: `read` (everything not listed below), `search` (search and
resolve), `upload` (multipart bodies) and `auth_failure` (401 answers, counted per IP only).
A window is at most 60 s long, so `Retry-After` stays a small whole number as the client needs
(REST_CONTRACT §1.9). Redis counters use INCR + EXPIRE on a key that names the window, so every
web process shares them; a Redis outage fails open (logged), never into 5xx.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from registry.config import Settings

log = logging.getLogger("registry.ratelimit")

CATEGORIES = ("read", "search", "upload", "auth_failure")


@dataclass(frozen=True)
class Budget:
    limit: int
    window: int  # seconds, 1..60


@dataclass(frozen=True)
class RateLimitConfig:
    enabled: bool = True
    budgets: dict[str, Budget] = field(default_factory=lambda: {
        "read": Budget(6000, 60), "search": Budget(1200, 60), "upload": Budget(300, 60),
        "auth_failure": Budget(600, 60)})
    key_prefix: str = "tbr:rl:"

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimitConfig:
        return cls(
            enabled=settings.rate_limit_enabled,
            budgets={"read": Budget(*settings.rate_limit_read),
                     "search": Budget(*settings.rate_limit_search),
                     "upload": Budget(*settings.rate_limit_upload),
                     "auth_failure": Budget(*settings.rate_limit_auth_failures)},
            key_prefix=settings.rate_limit_key_prefix,
        )


@dataclass(frozen=True)
class WindowState:
    """A counter after (or without) a hit."""

    count: int
    limit: int
    reset_seconds: float  # until the window ends

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.count)

    @property
    def over(self) -> bool:
        """This request went beyond the budget."""
        return self.count > self.limit

    @property
    def exhausted(self) -> bool:
        """No budget is left for another request."""
        return self.count >= self.limit

    @property
    def reset(self) -> int:
        return max(1, math.ceil(self.reset_seconds))

    @property
    def retry_after(self) -> int:
        return min(60, self.reset)

    def headers(self) -> list[tuple[bytes, bytes]]:
        return [(b"x-ratelimit-limit", str(self.limit).encode()),
                (b"x-ratelimit-remaining", str(self.remaining).encode()),
                (b"x-ratelimit-reset", str(self.reset).encode())]


class CounterBackend(Protocol):
    async def hit(self, key: str, window: int) -> int:
        """Add one to `key` (which expires after `window`); return the new count."""
        ...

    async def peek(self, key: str) -> int: ...

    async def hit_and_peek(self, key: str, window: int, other: str) -> tuple[int, int]:
        """`hit(key)` and `peek(other)` together (one round trip to Redis)."""
        ...

    async def aclose(self) -> None: ...


class MemoryBackend:
    """Counters of one process (the embedded default). Expired windows are swept as we go."""

    def __init__(self, clock: Callable[[], float] = time.time, sweep_every: int = 1000) -> None:
        self._clock = clock
        self._counters: dict[str, tuple[float, int]] = {}
        self._sweep_every = sweep_every
        self._hits = 0

    async def hit(self, key: str, window: int) -> int:
        now = self._clock()
        expires, count = self._counters.get(key, (0.0, 0))
        if expires <= now:
            expires, count = now + window + 1, 0
        self._counters[key] = (expires, count + 1)
        self._hits += 1
        if self._hits % self._sweep_every == 0:
            self._sweep(now)
        return count + 1

    async def peek(self, key: str) -> int:
        expires, count = self._counters.get(key, (0.0, 0))
        return count if expires > self._clock() else 0

    async def hit_and_peek(self, key: str, window: int, other: str) -> tuple[int, int]:
        return await self.hit(key, window), await self.peek(other)

    def _sweep(self, now: float) -> None:
        for key in [k for k, (expires, _) in self._counters.items() if expires <= now]:
            del self._counters[key]

    def __len__(self) -> int:
        return len(self._counters)

    async def aclose(self) -> None:
        self._counters.clear()


class RedisBackend:
    """Counters shared by every process through Redis (INCR + EXPIRE)."""

    def __init__(self, url: str) -> None:
        self._client = aioredis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)

    async def hit(self, key: str, window: int) -> int:
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, window + 1)
            count, _ = await pipe.execute()
        return int(count)

    async def peek(self, key: str) -> int:
        value = await self._client.get(key)
        return int(value) if value is not None else 0

    async def hit_and_peek(self, key: str, window: int, other: str) -> tuple[int, int]:
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, window + 1)
            pipe.get(other)
            count, _, seen = await pipe.execute()
        return int(count), int(seen) if seen is not None else 0

    async def aclose(self) -> None:
        await self._client.aclose()


class RateLimiter:
    def __init__(self, config: RateLimitConfig, backend: CounterBackend,
                 clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.backend = backend
        self._clock = clock
        self._last_error_log = 0.0

    @property
    def enabled(self) -> bool:
        return self.config.enabled

    def _window(self, category: str) -> tuple[Budget, str, float]:
        budget = self.config.budgets[category]
        now = self._clock()
        index = int(now // budget.window)
        reset = (index + 1) * budget.window - now
        return budget, f"{self.config.key_prefix}{category}:{{id}}:{index}", reset

    def _failed_open(self, exc: Exception) -> None:
        now = self._clock()
        if now - self._last_error_log > 60:  # one line a minute, not one per request
            self._last_error_log = now
            log.warning("rate limit store unavailable, not limiting: %s: %s",
                        type(exc).__name__, exc)

    async def hit(self, category: str, identity: str) -> WindowState:
        budget, key, reset = self._window(category)
        try:
            count = await self.backend.hit(key.format(id=identity), budget.window)
        except (RedisError, OSError) as exc:
            self._failed_open(exc)
            count = 0
        return WindowState(count, budget.limit, reset)

    async def peek(self, category: str, identity: str) -> WindowState:
        budget, key, reset = self._window(category)
        try:
            count = await self.backend.peek(key.format(id=identity))
        except (RedisError, OSError) as exc:
            self._failed_open(exc)
            count = 0
        return WindowState(count, budget.limit, reset)

    async def admit(self, category: str, identity: str, ip_key: str
                    ) -> tuple[WindowState, WindowState]:
        """Charge one `category` request to `identity`, and read the IP's auth-failure count:
        (usage, failures) from a single backend call."""
        budget, key, reset = self._window(category)
        failure_budget, failure_key, failure_reset = self._window("auth_failure")
        try:
            count, failures = await self.backend.hit_and_peek(
                key.format(id=identity), budget.window, failure_key.format(id=ip_key))
        except (RedisError, OSError) as exc:
            self._failed_open(exc)
            count = failures = 0
        return (WindowState(count, budget.limit, reset),
                WindowState(failures, failure_budget.limit, failure_reset))

    async def aclose(self) -> None:
        await self.backend.aclose()


def build_limiter(settings: Settings) -> RateLimiter:
    config = RateLimitConfig.from_settings(settings)
    backend: CounterBackend = (RedisBackend(settings.redis_url) if settings.redis_url
                               else MemoryBackend())
    return RateLimiter(config, backend)
