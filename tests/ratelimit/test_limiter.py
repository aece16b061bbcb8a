"""The limiter itself: fixed windows on `limits`, budgets, Retry-After bounds, memory and Redis
counters. Windows run on the real clock (limits keeps its own time, and Redis its own TTLs), so
the tests that watch a window end use windows of a second or two."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis
from limits.aio.storage import MemoryStorage

from registry.config import ConfigError, load_settings
from registry.ratelimit import (
    Budget,
    Counters,
    MemoryCounters,
    RateLimitConfig,
    RateLimiter,
    RedisCounters,
    WindowState,
    build_limiter,
    ip_identity,
    user_identity,
)


def config_with(prefix: str = "tbr:rl:", **budgets: Budget) -> RateLimitConfig:
    return RateLimitConfig(
        budgets={
            "read": Budget(3, 2),
            "search": Budget(2, 60),
            "upload": Budget(1, 60),
            "write": Budget(1, 60),
            "auth_failure": Budget(2, 60),
            **budgets,
        },
        key_prefix=prefix,
    )


async def drop_keys(redis_url: str, prefix: str) -> list[bytes]:
    """Delete the test's Redis keys; the ones there were."""
    client = aioredis.from_url(redis_url)
    keys = [key async for key in client.scan_iter(f"{prefix}*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()
    return keys


@pytest.fixture(params=["memory", "redis"])
async def counters(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Counters, str]]:
    """Counters in this process, or in Redis (as several web processes share them); the
    config prefix to use with them. The Redis keys are removed afterwards."""
    prefix = f"tbr-test:{uuid.uuid4().hex}:"
    if request.param == "memory":
        memory = MemoryCounters()
        yield memory, prefix
        await memory.aclose()
        return
    redis_url = request.getfixturevalue("redis_url")
    shared = RedisCounters(redis_url, prefix)
    try:
        yield shared, prefix
    finally:
        await shared.aclose()
        await drop_keys(redis_url, prefix)


async def test_fixed_window_counts_and_resets(counters: tuple[Counters, str]) -> None:
    store, prefix = counters
    limiter = RateLimiter(config_with(prefix), store)  # read: 3 per 2 s
    states = [await limiter.hit("read", "ip:a") for _ in range(4)]
    assert [s.count for s in states] == [1, 2, 3, 4]
    assert [s.remaining for s in states] == [2, 1, 0, 0]
    assert [s.over for s in states] == [False, False, False, True]
    assert [s.exhausted for s in states] == [False, False, True, True]
    assert states[0].limit == 3 and states[0].reset == 2  # the window started with this hit
    assert all(s.reset in (1, 2) for s in states[1:])  # Redis counts its TTL in whole seconds
    assert (await limiter.peek("read", "ip:a")).count == 4
    assert (await limiter.peek("read", "ip:new")).count == 0
    assert (await limiter.hit("read", "ip:b")).count == 1  # another caller, its own budget
    assert (await limiter.hit("search", "ip:a")).count == 1  # another category too

    await asyncio.sleep(1.2)
    waiting = await limiter.peek("read", "ip:a")
    assert waiting.exhausted and waiting.reset == 1  # whole seconds, rounded up
    assert (await limiter.hit("read", "ip:a")).over  # hammering earns nothing back early
    await asyncio.sleep(1.0)  # the window has ended
    fresh = await limiter.hit("read", "ip:a")
    assert fresh.count == 1 and fresh.reset == 2


def test_retry_after_is_a_small_whole_number() -> None:
    for reset in (0.0, 0.01, 1.0, 29.2, 59.999, 60.0, 600.0):
        state = WindowState(count=5, limit=1, reset_seconds=reset)
        assert isinstance(state.retry_after, int) and 1 <= state.retry_after <= 60
    headers = dict(WindowState(2, 10, 4.2).headers())
    assert headers == {
        b"x-ratelimit-limit": b"10",
        b"x-ratelimit-remaining": b"8",
        b"x-ratelimit-reset": b"5",
    }


async def test_a_hit_may_cost_several_requests(counters: tuple[Counters, str]) -> None:
    """GraphQL charges one search per searching field: five aliased resolves cost five."""
    store, prefix = counters
    limiter = RateLimiter(config_with(prefix, search=Budget(6, 60)), store)
    assert (await limiter.hit("search", "u:alice", 5)).remaining == 1
    assert not (await limiter.hit("search", "u:alice")).over
    # An overdrawing charge is refused and spends what was left.
    assert (await limiter.hit("search", "u:alice", 2)).over
    assert (await limiter.peek("search", "u:alice")).count == 8
    bob = await limiter.hit("search", "u:bob", 6)
    assert bob.exhausted and not bob.over


def test_identity_keys() -> None:
    assert user_identity("alice") == "u:alice"
    assert ip_identity("10.0.0.1") == "ip:10.0.0.1" and ip_identity(None) == "ip:unknown"
    # An IPv6 subscriber owns a /64: rotating addresses inside it buys no new budget.
    assert (
        ip_identity("2001:db8:1:2::1")
        == ip_identity("2001:db8:1:2:ffff:1:2:3")
        == "ip:2001:db8:1:2::/64"
    )
    assert ip_identity("2001:db8:1:3::1") != ip_identity("2001:db8:1:2::1")
    assert ip_identity("::ffff:10.0.0.1") == "ip:10.0.0.1"


async def test_memory_counters_sweep_expired_windows_at_most_once_a_second() -> None:
    # MemoryCounters overrides this private hook of limits' storage; a release that renamed it
    # would silently bring back a sweep of every counter per request.
    assert "_MemoryStorage__schedule_expiry" in vars(MemoryStorage)
    store = MemoryCounters()
    sweep = store._MemoryStorage__expire_events  # type: ignore[attr-defined]
    sweeps = 0

    async def counted() -> None:
        nonlocal sweeps
        sweeps += 1
        await sweep()

    store._MemoryStorage__expire_events = counted  # type: ignore[attr-defined]
    limiter = RateLimiter(config_with(read=Budget(5, 1)), store)
    try:
        started = time.monotonic()
        for index in range(1000):
            await limiter.hit("read", f"ip:{index}")
            await asyncio.sleep(0)  # a sweep, had one been started, runs here
        elapsed = time.monotonic() - started
        # One at the first hit, then at most one a second (the stock storage: one per hit).
        assert 1 <= sweeps <= 1 + elapsed / MemoryCounters.SWEEP_INTERVAL
        before = sweeps
        await asyncio.sleep(1.1)  # every window has ended, and a sweep is due
        await limiter.hit("read", "ip:late")
        await asyncio.sleep(0.01)
        assert sweeps == before + 1 and list(store.storage) == ["read/ip:late/5/1/second"]
    finally:
        await limiter.aclose()


def test_budgets_come_from_settings() -> None:
    settings = load_settings(
        {
            "RATE_LIMIT_READ": "100/30",
            "RATE_LIMIT_AUTH_FAILURES": "5 / 60",
            "RATE_LIMIT_KEY_PREFIX": "x:",
            "RATE_LIMIT_ENABLED": "false",
        }
    )
    config = RateLimitConfig.from_settings(settings)
    assert config.budgets["read"] == Budget(100, 30)
    assert config.budgets["auth_failure"] == Budget(5, 60)
    assert config.budgets["search"] == Budget(1200, 60)  # default
    assert config.budgets["write"] == Budget(1200, 60)
    assert RateLimitConfig.from_settings(load_settings({"RATE_LIMIT_WRITE": "7/30"})).budgets[
        "write"
    ] == Budget(7, 30)
    assert config.key_prefix == "x:" and config.enabled is False
    for bad in ("100", "0/60", "10/0", "10/61", "ten/60"):
        with pytest.raises(ConfigError, match="RATE_LIMIT_READ"):
            load_settings({"RATE_LIMIT_READ": bad})
    assert isinstance(build_limiter(load_settings({})).counters, MemoryCounters)


async def test_redis_counters_are_shared_between_processes(redis_url: str) -> None:
    prefix = f"tbr-test:{uuid.uuid4().hex}:"
    config = config_with(prefix, read=Budget(5, 60))
    first = RateLimiter(config, RedisCounters(redis_url, prefix))
    second = RateLimiter(config, RedisCounters(redis_url, prefix))
    try:
        assert (await first.hit("read", "u:alice")).count == 1
        assert (await second.hit("read", "u:alice")).count == 2
        assert (await second.peek("read", "u:alice")).count == 2
        assert (await first.peek("read", "u:bob")).count == 0
        client = aioredis.from_url(redis_url)
        keys = [key async for key in client.scan_iter(f"{prefix}*")]
        assert len(keys) == 1 and keys[0].decode().startswith(prefix + "read/u:alice/")
        assert 0 < await client.ttl(keys[0]) <= 60
        await client.aclose()
    finally:
        await first.aclose()
        await second.aclose()
        await drop_keys(redis_url, prefix)


async def test_unreachable_redis_falls_back_to_this_process_memory(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Nobody is refused because Redis is down, and nobody goes unlimited either: the same
    budgets count in this process's memory, and a failed Redis is not asked on every request."""
    limiter = RateLimiter(config_with(), RedisCounters("redis://127.0.0.1:1/0", "x:"))
    try:
        states = [await limiter.hit("read", "ip:a") for _ in range(4)]
        assert [s.count for s in states] == [1, 2, 3, 4]
        assert not states[2].over and states[3].over and states[3].retry_after >= 1
        assert not (await limiter.peek("auth_failure", "ip:a")).exhausted
        usage, failures = await limiter.admit("write", "u:a", "ip:a")
        assert usage.count == 1 and not usage.over and not failures.exhausted
        started = time.monotonic()
        for _ in range(200):
            await limiter.hit("search", "ip:b")
        assert time.monotonic() - started < 2, "Redis was asked again on every request"
    finally:
        await limiter.aclose()
    assert caplog.text.count("counting in this process's memory") == 1
    assert "ConnectionError" in caplog.text


async def test_redis_is_used_again_once_it_answers(redis_url: str) -> None:
    """After the pause Redis is asked again, and the shared counts apply once it answers."""
    prefix = f"tbr:rl:{uuid.uuid4().hex[:8]}:"
    limiter = RateLimiter(config_with(prefix), RedisCounters(redis_url, prefix))
    try:
        assert limiter._local is not None
        limiter._redis_down_until = time.monotonic() + 60  # as after a failure
        assert (await limiter.hit("read", "ip:a")).count == 1  # counted in memory
        limiter._redis_down_until = time.monotonic() - 1  # the pause is over
        assert (await limiter.hit("read", "ip:a")).count == 1  # Redis's own count
        assert limiter._redis_down_until is None
        assert (await limiter.hit("read", "ip:a")).count == 2
    finally:
        await limiter.aclose()
        await drop_keys(redis_url, prefix)
