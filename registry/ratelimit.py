"""Rate limiting: a fixed-window budget per category and caller, counted by the `limits`
library in Redis (shared by every web process) or in this process's memory.

Categories have separate budgets: `read` (everything not listed below), `search` (search,
resolve, update checks), `upload` (multipart bodies, GraphQL upload mutations), `write` (other
changes: REST POST/PUT/PATCH/DELETE, GraphQL mutations, minting API tokens among them) and
`auth_failure` (401 answers, counted per IP only).
A window is at most 60 s long, so `Retry-After` stays a small whole number as the client needs
(REST_CONTRACT §1.9).

A Redis outage falls back to this process's memory (issue #17): while Redis cannot be reached,
each web process counts the same budgets in its own `MemoryCounters`, so a caller gets at most
one budget per process instead of one in all, and nobody is refused or kept waiting because a
cache server is down. Failing closed would turn a Redis outage into a registry outage; failing
open with no count at all would leave the registry unprotected for as long as Redis is away.
After a failed call Redis is left alone for `REDIS_RETRY_SECONDS` (every request would
otherwise wait up to the 1 s connect timeout of a host that does not answer), then the next
request tries it again; once it answers, the shared counts are used again (they restart from
what Redis holds: an emptied Redis starts the windows afresh). One log line when the fallback
starts and one when it ends.

Why `limits`' fixed window (`FixedWindowRateLimiter`, see `FixedWindow`), not its moving
window or sliding-window counter: those refuse a charge without counting it, while here a
charge that overdraws a budget (three searches against one left) is refused and spends what
was left, as the bypass tests require; it is one counter per caller and category (a moving
window keeps an entry per request, up to 6,000 for the read budget, and Redis walks them on
every request); and in Redis a charge is one INCR+EXPIRE script whose count answers both the
decision and X-RateLimit-Remaining. A caller's window starts at their first request in it.
In memory, `MemoryCounters` keeps `limits`' cleanup off the request path.

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

import asyncio
import functools
import ipaddress
import logging
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio as aioredis
from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.errors import StorageError

from domain.exceptions import RateLimited
from registry.config import Settings

log = logging.getLogger("registry.ratelimit")

CATEGORIES = ("read", "search", "upload", "write", "auth_failure")
IPV6_PREFIX = 64  # anonymous IPv6 callers share one budget per /64


def user_identity(user_id: str) -> str:
    """The budget key of an authenticated user: shared by all of their JWTs and API tokens."""
    return f"u:{user_id}"


@functools.lru_cache(maxsize=4096)  # parsing an address costs more than the rest of a charge
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
        return cls(
            enabled=settings.rate_limit_enabled,
            budgets=budgets_of(settings),
            key_prefix=settings.rate_limit_key_prefix,
        )


def budgets_of(settings: Settings) -> dict[str, Budget]:
    return {
        "read": Budget(*settings.rate_limit_read),
        "search": Budget(*settings.rate_limit_search),
        "upload": Budget(*settings.rate_limit_upload),
        "write": Budget(*settings.rate_limit_write),
        "auth_failure": Budget(*settings.rate_limit_auth_failures),
    }


@dataclass(frozen=True)
class WindowState:
    """A counter after (or without) a charge."""

    count: int
    limit: int
    reset_seconds: float  # until the window ends

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.count)

    @property
    def over(self) -> bool:
        """This charge went beyond the budget, so it is refused."""
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
        return [
            (b"x-ratelimit-limit", str(self.limit).encode()),
            (b"x-ratelimit-remaining", str(self.remaining).encode()),
            (b"x-ratelimit-reset", str(self.reset).encode()),
        ]


class FixedWindow(FixedWindowRateLimiter):
    """`limits`' fixed-window strategy, answering with the count and the window's end.

    Its `hit` is `storage.incr(key, window, cost) <= limit` and drops the count, which
    X-RateLimit-Remaining needs; reading it back through `get_window_stats` would cost two
    more storage calls (two more Redis round trips) on every request, and could count other
    requests' hits. `charge` and `read` make the calls that `hit` and `get_window_stats` make
    and keep what they return: (count, seconds until the window ends).
    """

    # Counter keys by (item, identity): `key_for` formats five parts on every call. Items are
    # keyed by identity (`RateLimitItem` equality ignores the namespace), and live as long as
    # the limiter that holds them. Bounded: forgotten all at once past KEYS entries.
    KEYS = 4096

    def __init__(self, storage: Counters) -> None:
        super().__init__(storage)
        self._keys: dict[tuple[int, str], str] = {}

    def _key(self, item: RateLimitItem, identity: str) -> str:
        found = self._keys.get((id(item), identity))
        if found is None:
            if len(self._keys) >= self.KEYS:
                self._keys.clear()
            found = self._keys[(id(item), identity)] = item.key_for(identity)
        return found

    async def charge(self, item: RateLimitItem, identity: str, cost: int) -> tuple[int, float]:
        key = self._key(item, identity)
        count = await self.storage.incr(key, item.get_expiry(), amount=cost)
        if count == cost:  # this charge opened the window (as the storage decides too)
            return count, item.get_expiry()
        return count, await self.storage.get_expiry(key) - time.time()

    async def read(self, item: RateLimitItem, identity: str) -> tuple[int, float]:
        key = self._key(item, identity)
        count = await self.storage.get(key)
        if not count:  # no window is open: the next charge opens a whole one
            return 0, item.get_expiry()
        return count, await self.storage.get_expiry(key) - time.time()


class MemoryCounters(MemoryStorage):
    """`limits`' in-process storage (the embedded default), sweeping expired counters at most
    once a second.

    The stock storage starts a sweep of every counter on the event loop after each hit that
    finds the previous sweep finished: O(callers in the window) per request. Measured with
    bench/ratelimit_memory_bench.py: 0.85 ms a request with 10,000 callers, 17 ms with 100,000,
    so a client with many addresses (a /48 holds 65,536 IPv6 /64s) would slow every request,
    /health included. Reads never see an expired counter either way (`get` checks its expiry),
    so only freeing memory waits for the sweep. `limits`' moving-window sweep yields instead,
    but through the thread pool, one hand-off per key, all the time.
    """

    SWEEP_INTERVAL = 1.0  # seconds
    _next_sweep = 0.0

    # Overrides the stock per-hit scheduling hook (a name-mangled private method of
    # MemoryStorage; tests/ratelimit/test_limiter.py fails if a `limits` release renames it).
    async def _MemoryStorage__schedule_expiry(self) -> None:
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + self.SWEEP_INTERVAL
            await super()._MemoryStorage__schedule_expiry()  # type: ignore[misc]

    async def aclose(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
        await self.reset()


class RedisCounters(RedisStorage):
    """`limits`' Redis storage through redis-py's asyncio client (the one arq brings), with
    short timeouts: an unreachable Redis is given up on within a second instead of holding the
    request."""

    def __init__(self, url: str, key_prefix: str) -> None:
        self._pool = aioredis.ConnectionPool.from_url(
            url, socket_timeout=1.0, socket_connect_timeout=1.0
        )
        # limits joins prefix and key with ":"; keys still start with the configured prefix.
        super().__init__(
            url,
            wrap_exceptions=True,
            implementation="redispy",
            key_prefix=key_prefix.removesuffix(":"),
            connection_pool=self._pool,  # type: ignore[arg-type]  # documented
        )

    async def aclose(self) -> None:
        await self._pool.aclose()


Counters = MemoryCounters | RedisCounters


# Seconds a failed Redis is not asked again: the requests meanwhile count in memory.
REDIS_RETRY_SECONDS = 2.0


class RateLimiter:
    def __init__(self, config: RateLimitConfig, counters: Counters) -> None:
        self.config = config
        self.counters = counters
        self._window = FixedWindow(counters)
        # With Redis: this process's own counts while Redis cannot be reached (see above).
        self._local: FixedWindow | None = (
            FixedWindow(MemoryCounters()) if isinstance(counters, RedisCounters) else None
        )
        self._redis_down_until: float | None = None  # None: Redis is believed up
        # Counter keys read "<category>/<identity>/<limit>/<window>/second".
        self._items: dict[str, RateLimitItem] = {
            category: RateLimitItemPerSecond(budget.limit, budget.window, namespace=category)
            for category, budget in config.budgets.items()
        }

    @property
    def enabled(self) -> bool:
        return self.config.enabled

    def _window_now(self) -> FixedWindow:
        """Where counts go now: Redis, or memory while a failed Redis is left alone."""
        down_until = self._redis_down_until
        if self._local is not None and down_until is not None and time.monotonic() < down_until:
            return self._local
        return self._window

    def _redis_failed(self, exc: StorageError) -> FixedWindow | None:
        """Count in memory for a while; None when there is no memory to fall back on."""
        if self._redis_down_until is None:
            log.warning(
                "rate limit store unavailable (%s: %s); counting in this process's memory",
                type(exc.storage_error).__name__,
                exc.storage_error,
            )
        self._redis_down_until = time.monotonic() + REDIS_RETRY_SECONDS
        return self._local

    def _redis_answered(self, window: FixedWindow) -> None:
        if window is self._window and self._redis_down_until is not None:
            self._redis_down_until = None
            log.info("rate limit store is back; counting in Redis again")

    async def _count(
        self, item: RateLimitItem, identity: str, cost: int | None
    ) -> tuple[int, float]:
        """Charge `cost` (None: only read) in Redis, or in memory while Redis is away."""
        window = self._window_now()
        try:
            result = await (
                window.read(item, identity) if cost is None else window.charge(item, identity, cost)
            )
        except StorageError as exc:
            fallback = self._redis_failed(exc)
            if fallback is None:  # memory counters do not fail; nothing else to count in
                raise
            window = fallback
            result = await (
                window.read(item, identity) if cost is None else window.charge(item, identity, cost)
            )
        self._redis_answered(window)
        return result

    async def hit(self, category: str, identity: str, cost: int = 1) -> WindowState:
        """Charge `cost` requests of `category` to `identity` (see the module docstring)."""
        item = self._items[category]
        count, reset = await self._count(item, identity, cost)
        return WindowState(count, item.amount, reset)

    async def peek(self, category: str, identity: str) -> WindowState:
        item = self._items[category]
        count, reset = await self._count(item, identity, None)
        return WindowState(count, item.amount, reset)

    async def admit(
        self, category: str, identity: str, ip_key: str
    ) -> tuple[WindowState, WindowState]:
        """Charge one `category` request to `identity`, and read the IP's auth-failure count:
        (usage, failures)."""
        if isinstance(self.counters, RedisCounters):  # overlap the round trips
            usage, failures = await asyncio.gather(
                self.hit(category, identity), self.peek("auth_failure", ip_key)
            )
            return usage, failures
        # In memory nothing waits: tasks would only add turns of the event loop.
        return await self.hit(category, identity), await self.peek("auth_failure", ip_key)

    async def aclose(self) -> None:
        await self.counters.aclose()
        if self._local is not None:
            assert isinstance(self._local.storage, MemoryCounters)
            await self._local.storage.aclose()


def build_limiter(settings: Settings) -> RateLimiter:
    config = RateLimitConfig.from_settings(settings)
    counters: Counters = (
        RedisCounters(settings.redis_url, config.key_prefix)
        if settings.redis_url
        else MemoryCounters()
    )
    return RateLimiter(config, counters)


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
                raise RateLimited(
                    f"Rate limit exceeded for {category} requests; retry in {state.retry_after} s",
                    retry_after=state.retry_after,
                )

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
