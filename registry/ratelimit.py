"""Rate limiting: fixed-window counters per category and caller, in Redis or in memory.

Categories have separate budgets: `read` (everything not listed below), `search` (search,
resolve, update checks), `upload` (multipart bodies, GraphQL upload mutations), `write` (other
changes: REST POST/PUT/PATCH/DELETE, GraphQL mutations, minting API tokens among them) and
`auth_failure` (401 answers, counted per IP only).
A window is at most 60 s long, so `Retry-After` stays a small whole number as the client needs
(REST_CONTRACT §1.9). Redis counters use INCRBY + EXPIRE on a key that names the window, so
every web process shares them; a Redis outage fails open (logged), never into 5xx.

Who pays (the identity key of `RateLimiter.hit(category, identity)` / `admit(...)`): build it
with `user_identity` / `ip_identity`, never by hand.
- `"u:<user_id>"` for any authenticated caller. A user's CloudM JWTs and all of their API
  tokens share this one budget, so minting more tokens buys no more requests.
- `"ip:<addr>"` for anonymous callers and for presented-but-refused credentials (inventing
  tokens buys nothing either); IPv6 addresses as their /64 (`"ip:2001:db8:1:2::/64"`).
  `auth_failure` is always charged to the IP.
A request is charged once by its transport (HTTP: `registry.ratelimit_middleware`, which keeps
a `RequestCharges` on the request state); a GraphQL operation then adds the budgets of what it
does (`schema.core.charging.charges_of`), through that same `RequestCharges`.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from domain.exceptions import RateLimited
from registry.config import Settings

log = logging.getLogger("registry.ratelimit")

CATEGORIES = ("read", "search", "upload", "write", "auth_failure")
IPV6_PREFIX = 64  # anonymous IPv6 callers share one budget per /64


def user_identity(user_id: str) -> str:
    """The budget key of an authenticated user: shared by all of their JWTs and API tokens."""
    return f"u:{user_id}"


def ip_identity(address: str | None) -> str:
    """The budget key of an anonymous caller (and of the auth-failure counter). An IPv6 client
    is keyed by its /64: one subscriber usually gets a whole /64, so keying single addresses
    would hand out ~2^64 budgets."""
    try:
        parsed = ipaddress.ip_address(address or "")
    except ValueError:
        return f"ip:{address or 'unknown'}"
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return f"ip:{parsed.ipv4_mapped}"
        return f"ip:{ipaddress.IPv6Network((parsed, IPV6_PREFIX), strict=False)}"
    return f"ip:{parsed}"


@dataclass(frozen=True)
class Budget:
    limit: int
    window: int  # seconds, 1..60


@dataclass(frozen=True)
class RateLimitConfig:
    """The limiter's view of the RATE_LIMIT_* settings. A field left out takes the setting's
    declared default (registry/config.py): the defaults are written there only."""

    enabled: bool = field(default_factory=lambda: Settings().rate_limit_enabled)
    budgets: dict[str, Budget] = field(default_factory=lambda: budgets_of(Settings()))
    key_prefix: str = field(default_factory=lambda: Settings().rate_limit_key_prefix)

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimitConfig:
        return cls(enabled=settings.rate_limit_enabled, budgets=budgets_of(settings),
                   key_prefix=settings.rate_limit_key_prefix)


def budgets_of(settings: Settings) -> dict[str, Budget]:
    return {"read": Budget(*settings.rate_limit_read),
            "search": Budget(*settings.rate_limit_search),
            "upload": Budget(*settings.rate_limit_upload),
            "write": Budget(*settings.rate_limit_write),
            "auth_failure": Budget(*settings.rate_limit_auth_failures)}


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
    async def hit(self, key: str, window: int, amount: int = 1) -> int:
        """Add `amount` to `key` (which expires after `window`); return the new count."""
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

    async def hit(self, key: str, window: int, amount: int = 1) -> int:
        now = self._clock()
        expires, count = self._counters.get(key, (0.0, 0))
        if expires <= now:
            expires, count = now + window + 1, 0
        self._counters[key] = (expires, count + amount)
        self._hits += 1
        if self._hits % self._sweep_every == 0:
            self._sweep(now)
        return count + amount

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

    async def hit(self, key: str, window: int, amount: int = 1) -> int:
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.incrby(key, amount)
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

    async def hit(self, category: str, identity: str, cost: int = 1) -> WindowState:
        """Charge `cost` requests of `category` to `identity` (see the module docstring)."""
        budget, key, reset = self._window(category)
        try:
            count = await self.backend.hit(key.format(id=identity), budget.window, cost)
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


@dataclass
class RequestCharges:
    """What one request has been charged so far, kept on its state (`request.state.rate_limit`).

    The transport charges the request itself; a GraphQL operation, once parsed, charges the
    budgets of what it does through `charge` and so shares this request's identity and answer:
    the X-RateLimit-* headers describe the tightest budget charged, and a refusal becomes 429.
    """

    limiter: RateLimiter
    identity: str
    charged: dict[str, int] = field(default_factory=dict)
    states: dict[str, WindowState] = field(default_factory=dict)
    refused: WindowState | None = None

    async def charge(self, wanted: dict[str, int]) -> None:
        """Charge each category of `wanted` up to its count (what the request already paid in
        a category counts towards it); raise RateLimited at the first budget it overdraws."""
        for category, count in wanted.items():
            extra = count - self.charged.get(category, 0)
            if extra <= 0:
                continue
            state = await self.limiter.hit(category, self.identity, extra)
            self.record(category, extra, state)
            if state.over:
                self.refused = state
                raise RateLimited(f"Rate limit exceeded for {category} requests; retry in "
                                  f"{state.retry_after} s", retry_after=state.retry_after)

    def record(self, category: str, count: int, state: WindowState) -> None:
        self.charged[category] = self.charged.get(category, 0) + count
        self.states[category] = state

    def reported(self) -> WindowState | None:
        """The state the response's headers describe: the refusal, else the budget with the
        least left."""
        if self.refused is not None:
            return self.refused
        return min(self.states.values(), key=lambda s: s.remaining, default=None)


STATE_KEY = "rate_limit"  # scope["state"][STATE_KEY] (request.state.rate_limit)


def request_charges(scope: Mapping[str, Any]) -> RequestCharges | None:
    """The charges of the request with this ASGI scope, when the limiter is on."""
    charges = (scope.get("state") or {}).get(STATE_KEY)
    return charges if isinstance(charges, RequestCharges) else None
