"""The wait for the database and Redis at start (registry/startup_wait.py): refusals are
retried with one log line each until STARTUP_WAIT_SECONDS, anything else fails at once."""

from __future__ import annotations

import logging
import uuid

import pytest
import redis.asyncio

from domain import database
from registry.startup_wait import backoff_delays, is_refusal, wait_for
from tests.fixtures.services import (
    POSTGRES_HOST,
    POSTGRES_PORT,
    POSTGRES_USER,
    _port_open,
    unavailable,
)
from tests.process.server import free_port


async def _database_error(url: str) -> BaseException:
    try:
        await database.init_database(url)
    except Exception as exc:
        return exc
    finally:
        await database.close_database()
    raise AssertionError(f"{url} connected")


async def test_a_refused_database_is_a_refusal_a_missing_one_is_not() -> None:
    refused = await _database_error(f"postgres://postgres@127.0.0.1:{free_port()}/none")
    assert is_refusal(refused)
    if not _port_open(POSTGRES_HOST, POSTGRES_PORT):
        unavailable("PostgreSQL not reachable")  # a failure under CI
    missing = await _database_error(
        f"postgres://{POSTGRES_USER}@{POSTGRES_HOST}:{POSTGRES_PORT}/absent_{uuid.uuid4().hex[:8]}"
    )
    assert not is_refusal(missing)


async def test_a_refused_redis_is_a_refusal() -> None:
    client = redis.asyncio.Redis(port=free_port(), socket_connect_timeout=1)
    with pytest.raises(Exception) as caught:
        await client.ping()
    await client.aclose()
    assert is_refusal(caught.value)


def test_the_delays_grow_and_stop_at_the_cap() -> None:
    delays = backoff_delays(0.5, 5.0)
    assert [next(delays) for _ in range(7)] == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0, 5.0]


async def test_refusals_are_waited_for_with_one_line_each(
    caplog: pytest.LogCaptureFixture,
) -> None:
    attempts = 0

    async def connect() -> str:
        nonlocal attempts
        attempts += 1
        if attempts < 3:
            raise ConnectionRefusedError(111, "Connect call failed")
        return "connected"

    with caplog.at_level(logging.WARNING, logger="registry.startup"):
        assert await wait_for("the thing", connect, limit_seconds=30) == "connected"
    lines = [r.getMessage() for r in caplog.records if r.name == "registry.startup"]
    assert [line.split(" (")[0] for line in lines] == [
        "waiting for the thing",
        "waiting for the thing",
        "the thing is reachable",
    ]
    assert "attempt 1," in lines[0] and "attempt 2," in lines[1]


async def test_after_the_limit_the_last_refusal_propagates() -> None:
    cleanups = 0

    async def connect() -> None:
        raise ConnectionRefusedError(111, "Connect call failed")

    async def cleanup() -> None:
        nonlocal cleanups
        cleanups += 1

    with pytest.raises(ConnectionRefusedError):
        await wait_for("the thing", connect, limit_seconds=1.0, on_failure=cleanup)
    assert cleanups == 2  # tried at 0 s and 0.5 s; the next delay would pass the limit


async def test_other_errors_fail_at_once() -> None:
    attempts = 0

    async def connect() -> None:
        nonlocal attempts
        attempts += 1
        raise PermissionError("password authentication failed")

    with pytest.raises(PermissionError):
        await wait_for("the thing", connect, limit_seconds=30)
    assert attempts == 1
