"""The anonymous package-detail cache: answers repeat from memory, never outlive a write."""

from __future__ import annotations

import asyncio
import uuid

from domain import changes
from domain.models import Package
from registry.change_feed import TOPIC, ChangeFeed
from registry.read_cache import ResponseCache
from registry.redis_event_bus import RedisEventBus
from tests.fixtures.stack import Stack, bearer
from tests.helpers import create_package, make_publisher, mod_zip, upload_version


async def _detail(stack: Stack, name: str, user: str | None = None) -> dict:
    headers = bearer(user) if user else {}
    response = await stack.client.get(f"/api/v1/packages/{name}", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()


async def test_anonymous_detail_is_served_from_memory_until_a_write_commits(stack: Stack) -> None:
    await make_publisher("u1")
    assert (
        await create_package(stack.client, "u1", "Cached", description="first")
    ).status_code == 201
    first = await _detail(stack, "Cached")
    assert first["description"] == "first"

    # A change that bypasses the domain (and so announces nothing) is not seen anonymously:
    # the repeat came from the cache. Authenticated callers always read the database.
    await Package.filter(name_key="cached").update(description="behind the cache's back")
    assert await _detail(stack, "cached") == first
    assert (await _detail(stack, "Cached", "u1"))["description"] == "behind the cache's back"

    # A write through the API commits, announces, and the next anonymous read is fresh.
    patched = await stack.client.patch(
        "/api/v1/packages/Cached", headers=bearer("u1"), json={"description": "second"}
    )
    assert patched.status_code == 200, patched.text
    assert (await _detail(stack, "Cached"))["description"] == "second"


async def test_scan_verdicts_and_visibility_changes_reach_anonymous_readers(stack: Stack) -> None:
    await make_publisher("u1")
    await create_package(stack.client, "u1", "Live")
    assert (await _detail(stack, "Live"))["versions"] == []
    uploaded = await upload_version(stack.client, "u1", "Live", "1.0.0", mod_zip("Live", "1.0.0"))
    assert uploaded.status_code == 201, uploaded.text
    assert (await _detail(stack, "Live"))["versions"] == []  # pending: owner only
    await stack.drain_jobs()  # the scan job publishes it
    assert [v["version"] for v in (await _detail(stack, "Live"))["versions"]] == ["1.0.0"]

    hidden = await stack.client.patch(
        "/api/v1/packages/Live", headers=bearer("u1"), json={"visibility": "private"}
    )
    assert hidden.status_code == 200, hidden.text
    gone = await stack.client.get("/api/v1/packages/Live")
    assert gone.status_code == 404 and "Live" in gone.json()["detail"]


def test_entries_expire_and_fills_racing_a_write_are_dropped() -> None:
    now = [100.0]
    cache = ResponseCache(5, clock=lambda: now[0])
    cache.put("a", b"1", cache.generation)
    assert cache.get("a") == b"1"
    now[0] += 5
    assert cache.get("a") is None  # the TTL bounds download-counter lag

    started = cache.generation  # a fill begins reading the database...
    cache.invalidate()  # ...a write commits meanwhile...
    cache.put("a", b"old", started)  # ...so what it read may be stale: not kept
    assert cache.get("a") is None

    small = ResponseCache(5, max_entries=2, clock=lambda: now[0])
    for key in "xyz":
        small.put(key, key.encode(), small.generation)
    assert small.get("x") is None and small.get("z") == b"z"
    assert not ResponseCache(0).enabled


async def test_writes_cross_processes_over_redis(redis_url: str) -> None:
    prefix = f"tbr-test-{uuid.uuid4().hex[:8]}:events:"
    here, elsewhere, observer = (RedisEventBus.from_url(redis_url, prefix=prefix) for _ in range(3))
    local_hits: list[int] = []
    remote_hits: list[int] = []
    # Only `here` hears this process's commits; `elsewhere` stands for another process.
    feed = ChangeFeed(here, lambda: local_hits.append(1))
    remote = ChangeFeed(elsewhere, lambda: remote_hits.append(1))
    remote._listener = asyncio.create_task(remote._listen())
    feed.start()
    try:
        await _until(lambda: remote_hits != [])  # subscribing starts afresh
        for _ in range(250):  # both feeds subscribed before the commit is announced
            if await observer.subscriber_count(TOPIC) >= 2:
                break
            await asyncio.sleep(0.02)
        before = len(remote_hits)
        changes.announce()  # a commit in this process
        assert local_hits  # invalidated at once, synchronously
        await _until(lambda: len(remote_hits) > before)  # and the other process hears it
    finally:
        await feed.stop()
        await remote.stop()
        for bus in (here, elsewhere, observer):
            await bus.aclose()


async def _until(condition, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)
