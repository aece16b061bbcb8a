"""The limiter itself: fixed windows, budgets, Retry-After bounds, memory and Redis counters."""

from __future__ import annotations

import uuid

import pytest
import redis.asyncio as aioredis

from registry.config import ConfigError, load_settings
from registry.ratelimit import (
    Budget,
    MemoryBackend,
    RateLimitConfig,
    RateLimiter,
    RedisBackend,
    WindowState,
    build_limiter,
    ip_identity,
    user_identity,
)


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def limiter_with(clock: Clock, backend: object = None, **budgets: Budget) -> RateLimiter:
    config = RateLimitConfig(budgets={"read": Budget(3, 10), "search": Budget(2, 60),
                                      "upload": Budget(1, 60), "write": Budget(1, 60),
                                      "auth_failure": Budget(2, 60), **budgets})
    backend = MemoryBackend(clock) if backend is None else backend
    return RateLimiter(config, backend, clock)  # type: ignore[arg-type]


async def test_fixed_window_counts_and_resets() -> None:
    clock = Clock(1_000_000.0)  # a multiple of 10: a window starts here
    limiter = limiter_with(clock)
    states = [await limiter.hit("read", "ip:a") for _ in range(4)]
    assert [s.count for s in states] == [1, 2, 3, 4]
    assert [s.over for s in states] == [False, False, False, True]
    assert states[2].exhausted and states[2].remaining == 0
    assert states[0].remaining == 2 and states[0].reset == 10
    assert (await limiter.peek("read", "ip:a")).count == 4
    assert (await limiter.hit("read", "ip:b")).count == 1  # another caller, its own budget
    assert (await limiter.hit("search", "ip:a")).count == 1  # another category too

    clock.now += 7.5
    assert (await limiter.peek("read", "ip:a")).reset == 3  # whole seconds, rounded up
    clock.now += 2.5  # the next window
    assert (await limiter.hit("read", "ip:a")).count == 1


def test_retry_after_is_a_small_whole_number() -> None:
    for reset in (0.0, 0.01, 1.0, 29.2, 59.999, 60.0, 600.0):
        state = WindowState(count=5, limit=1, reset_seconds=reset)
        assert isinstance(state.retry_after, int) and 1 <= state.retry_after <= 60
    headers = dict(WindowState(2, 10, 4.2).headers())
    assert headers == {b"x-ratelimit-limit": b"10", b"x-ratelimit-remaining": b"8",
                       b"x-ratelimit-reset": b"5"}


async def test_a_hit_may_cost_several_requests(redis_url: str) -> None:
    """GraphQL charges one search per searching field: five aliased resolves cost five."""
    clock = Clock()
    prefix = f"tbr-test:{uuid.uuid4().hex}:"
    config = RateLimitConfig(budgets={"read": Budget(3, 10), "search": Budget(6, 60),
                                      "upload": Budget(1, 60), "write": Budget(1, 60),
                                      "auth_failure": Budget(2, 60)}, key_prefix=prefix)
    for backend in (MemoryBackend(clock), RedisBackend(redis_url)):
        limiter = RateLimiter(config, backend, clock)
        try:
            assert (await limiter.hit("search", "u:alice", 5)).remaining == 1
            assert not (await limiter.hit("search", "u:alice")).over
            assert (await limiter.hit("search", "u:alice", 2)).over
            assert (await limiter.hit("search", "u:bob", 6)).exhausted
        finally:
            client = aioredis.from_url(redis_url)
            keys = [key async for key in client.scan_iter(f"{prefix}*")]
            if keys:
                await client.delete(*keys)
            await client.aclose()
            await limiter.aclose()


def test_identity_keys() -> None:
    assert user_identity("alice") == "u:alice"
    assert ip_identity("10.0.0.1") == "ip:10.0.0.1" and ip_identity(None) == "ip:unknown"
    # An IPv6 subscriber owns a /64: rotating addresses inside it buys no new budget.
    assert ip_identity("2001:db8:1:2::1") == ip_identity("2001:db8:1:2:ffff:1:2:3") \
        == "ip:2001:db8:1:2::/64"
    assert ip_identity("2001:db8:1:3::1") != ip_identity("2001:db8:1:2::1")
    assert ip_identity("::ffff:10.0.0.1") == "ip:10.0.0.1"


async def test_memory_backend_sweeps_expired_windows() -> None:
    clock = Clock()
    backend = MemoryBackend(clock, sweep_every=10)
    limiter = limiter_with(clock, backend)
    for index in range(9):
        await limiter.hit("read", f"ip:{index}")
    assert len(backend) == 9
    clock.now += 30
    await limiter.hit("read", "ip:late")  # the tenth hit sweeps the old windows
    assert len(backend) == 1


def test_budgets_come_from_settings() -> None:
    settings = load_settings({"RATE_LIMIT_READ": "100/30", "RATE_LIMIT_AUTH_FAILURES": "5 / 60",
                              "RATE_LIMIT_KEY_PREFIX": "x:", "RATE_LIMIT_ENABLED": "false"})
    config = RateLimitConfig.from_settings(settings)
    assert config.budgets["read"] == Budget(100, 30)
    assert config.budgets["auth_failure"] == Budget(5, 60)
    assert config.budgets["search"] == Budget(1200, 60)  # default
    assert config.budgets["write"] == Budget(1200, 60)
    assert RateLimitConfig.from_settings(load_settings({"RATE_LIMIT_WRITE": "7/30"})
                                         ).budgets["write"] == Budget(7, 30)
    assert config.key_prefix == "x:" and config.enabled is False
    for bad in ("100", "0/60", "10/0", "10/61", "ten/60"):
        with pytest.raises(ConfigError, match="RATE_LIMIT_READ"):
            load_settings({"RATE_LIMIT_READ": bad})
    assert isinstance(build_limiter(load_settings({})).backend, MemoryBackend)


async def test_redis_counters_are_shared_between_processes(redis_url: str) -> None:
    prefix = f"tbr-test:{uuid.uuid4().hex}:"
    clock = Clock()
    config = RateLimitConfig(budgets={"read": Budget(5, 60), "search": Budget(1, 60),
                                      "upload": Budget(1, 60), "write": Budget(1, 60),
                                      "auth_failure": Budget(1, 60)},
                             key_prefix=prefix)
    first = RateLimiter(config, RedisBackend(redis_url), clock)
    second = RateLimiter(config, RedisBackend(redis_url), clock)
    try:
        assert (await first.hit("read", "u:alice")).count == 1
        assert (await second.hit("read", "u:alice")).count == 2
        assert (await second.peek("read", "u:alice")).count == 2
        assert (await first.peek("read", "u:bob")).count == 0
        client = aioredis.from_url(redis_url)
        keys = [key async for key in client.scan_iter(f"{prefix}*")]
        assert len(keys) == 1
        assert 0 < await client.ttl(keys[0]) <= 61
        await client.delete(*keys)
        await client.aclose()
    finally:
        await first.aclose()
        await second.aclose()


async def test_unreachable_redis_fails_open(caplog: pytest.LogCaptureFixture) -> None:
    limiter = RateLimiter(RateLimitConfig(), RedisBackend("redis://127.0.0.1:1/0"))
    try:
        state = await limiter.hit("read", "ip:a")
        assert state.count == 0 and not state.over
        assert not (await limiter.peek("auth_failure", "ip:a")).exhausted
    finally:
        await limiter.aclose()
    assert "not limiting" in caplog.text
