"""Breakers, failover reads and verified copies on local stores (no servers, no database)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage import BackendUnavailable, LocalBlobStore, ObjectNotFound
from storage.copying import CorruptCopy, copy_object, inspect_copy
from storage.failover import BreakerBoard, CircuitBreaker, read_with_failover
from storage.keys import content_key
from tests.mirrors.fakes import FlakyStore

DATA = bytes(range(256)) * 64  # 16 KiB
KEY = content_key(hashlib.sha256(DATA).hexdigest())


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def _stores(tmp_path: Path, *names: str) -> list[FlakyStore]:
    stores = []
    for name in names:
        store = LocalBlobStore(tmp_path / name, name=name)
        await store.ensure_ready()
        stores.append(FlakyStore(store))
    return stores


async def _read(stream: AsyncIterator[bytes]) -> bytes:
    return b"".join([chunk async for chunk in stream])


def test_breaker_opens_on_failure_probes_once_after_cooldown() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker("primary", cooldown_seconds=5, clock=clock)
    assert breaker.allow() and breaker.state == "closed"
    breaker.record_failure("refused")
    assert breaker.state == "open" and not breaker.allow()
    assert breaker.snapshot().seconds_until_probe == 5
    clock.now += 5
    assert breaker.allow() and breaker.state == "half_open"
    assert not breaker.allow(), "only one probe at a time"
    assert not breaker.allow(force=True), "a forced read never joins a probe in flight"
    breaker.record_failure("still refused")
    assert breaker.state == "open" and breaker.snapshot().consecutive_failures == 2
    assert breaker.allow(force=True) and breaker.state == "half_open"
    breaker.record_success()
    assert breaker.state == "closed" and breaker.snapshot().consecutive_failures == 0


def test_lost_probe_expires_after_a_cooldown() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker("m", cooldown_seconds=2, clock=clock)
    breaker.record_failure("x")
    clock.now += 2
    assert breaker.allow()  # the probe's request then vanishes without reporting
    clock.now += 1.9
    assert not breaker.allow()
    clock.now += 0.2
    assert breaker.allow()


async def test_dead_primary_costs_one_attempt_per_cooldown(tmp_path: Path) -> None:
    primary, mirror = await _stores(tmp_path, "primary", "mirror")
    for store in (primary, mirror):
        await store.inner.put_stream(_once(DATA))
    clock = FakeClock()
    board = BreakerBoard(cooldown_seconds=5, clock=clock)
    primary.down = True
    for _ in range(10):
        assert await _read(read_with_failover([primary, mirror], KEY, breakers=board)) == DATA
    assert primary.opens == 1 and mirror.opens == 10
    assert board.get("primary").state == "open"

    clock.now += 5  # cool-down over: the next read probes the primary, which is back
    primary.down = False
    assert await _read(read_with_failover([primary, mirror], KEY, breakers=board)) == DATA
    assert primary.opens == 2 and mirror.opens == 10
    assert board.get("primary").state == "closed"


async def test_failure_mid_stream_continues_at_the_same_offset(tmp_path: Path) -> None:
    primary, mirror = await _stores(tmp_path, "primary", "mirror")
    for store in (primary, mirror):
        await store.inner.put_stream(_once(DATA))
    primary.break_after = 5000
    board = BreakerBoard()
    stream = read_with_failover([primary, mirror], KEY, breakers=board, chunk_size=1024)
    assert await _read(stream) == DATA
    ranged = read_with_failover(
        [primary, mirror], KEY, breakers=board, start=100, end=9000, chunk_size=1024
    )
    assert await _read(ranged) == DATA[100:9000]
    assert board.get("primary").state == "open"


async def test_a_stalled_backend_counts_as_failed(tmp_path: Path) -> None:
    primary, mirror = await _stores(tmp_path, "primary", "mirror")
    for store in (primary, mirror):
        await store.inner.put_stream(_once(DATA))
    primary.stall = True
    board = BreakerBoard()
    started = time.monotonic()
    stream = read_with_failover([primary, mirror], KEY, breakers=board, stall_seconds=0.2)
    assert await _read(stream) == DATA
    assert 0.2 <= time.monotonic() - started < 2
    assert board.get("primary").state == "open"
    assert "sent nothing for 0.2 s" in board.snapshot("primary").last_error


async def test_missing_copy_is_reported_and_not_blamed(tmp_path: Path) -> None:
    primary, mirror = await _stores(tmp_path, "primary", "mirror")
    await mirror.inner.put_stream(_once(DATA))
    reported: list[str] = []

    async def on_missing(name: str) -> None:
        reported.append(name)

    board = BreakerBoard()
    stream = read_with_failover([primary, mirror], KEY, breakers=board, on_missing=on_missing)
    assert await _read(stream) == DATA
    assert reported == ["primary"] and board.get("primary").state == "closed"


async def test_nothing_to_serve(tmp_path: Path) -> None:
    primary, mirror = await _stores(tmp_path, "primary", "mirror")
    board = BreakerBoard()
    with pytest.raises(ObjectNotFound):
        await _read(read_with_failover([primary, mirror], KEY, breakers=board))
    await mirror.inner.put_stream(_once(DATA))
    mirror.down = True
    with pytest.raises(BackendUnavailable, match="mirror is down"):
        await _read(read_with_failover([primary, mirror], KEY, breakers=board))


async def test_all_breakers_open_forces_one_probe(tmp_path: Path) -> None:
    """A single backend that failed once is not written off for a whole cool-down."""
    (primary,) = await _stores(tmp_path, "primary")
    await primary.inner.put_stream(_once(DATA))
    board = BreakerBoard(cooldown_seconds=60)
    primary.down = True
    with pytest.raises(BackendUnavailable):
        await _read(read_with_failover([primary], KEY, breakers=board))
    primary.down = False
    assert await _read(read_with_failover([primary], KEY, breakers=board)) == DATA
    assert board.get("primary").state == "closed" and primary.opens == 2


async def test_copy_refuses_a_corrupt_source_and_repairs_a_corrupt_target(tmp_path: Path) -> None:
    good, bad, target = await _stores(tmp_path, "good", "bad", "target")
    await good.inner.put_stream(_once(DATA))
    # Same size, other bytes, under the right key: what bit rot or a bad restore leaves.
    _overwrite(bad.inner, KEY, bytes(len(DATA)))
    assert await inspect_copy(bad.inner, KEY, len(DATA), deep=False) == "present"
    assert await inspect_copy(bad.inner, KEY, len(DATA), deep=True) == "corrupt"
    assert await inspect_copy(target.inner, KEY, len(DATA), deep=True) == "missing"

    with pytest.raises(CorruptCopy) as caught:
        await copy_object(bad.inner, target.inner, KEY, len(DATA))
    assert caught.value.store == "bad"
    assert not await target.inner.exists(KEY), "wrong bytes never become an object"
    assert not any(target.inner.root.glob("sha256/*/*")), "not under any other key either"

    _overwrite(target.inner, KEY, b"x" * len(DATA))
    await copy_object(good.inner, target.inner, KEY, len(DATA))
    assert await inspect_copy(target.inner, KEY, len(DATA), deep=True) == "present"


def _overwrite(store: LocalBlobStore, key: str, data: bytes) -> None:
    path = store.path_for(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data
