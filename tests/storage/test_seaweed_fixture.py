"""The SeaweedFS fixture behaves as other tests rely on: a private server can crash, come back
on the same endpoint with its data, or come back empty; the store reports the outage."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

from storage import BackendUnavailable, S3BlobStore
from tests.fixtures.seaweed import SeaweedFactory


async def body(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def test_private_server_survives_a_crash_and_can_be_emptied(
    seaweed_factory: SeaweedFactory, tmp_path: Path
) -> None:
    server = seaweed_factory.start()
    store = S3BlobStore(
        server.endpoint,
        server.access_key,
        server.secret_key,
        server.new_bucket_name(),
        spool_dir=tmp_path,
        connect_timeout=1.0,
    )
    try:
        await store.ensure_ready()
        stored = await store.put_stream(body(b"survives a crash"))

        server.kill()
        assert not server.is_running
        status = await store.check()
        assert not status.ok and "connection refused" in status.detail
        try:
            await store.stat(stored.key)
        except BackendUnavailable as exc:
            assert server.endpoint in str(exc)
        else:
            raise AssertionError("stat against a dead server must raise BackendUnavailable")

        server.start()  # same ports, same data directory
        assert (await store.check()).ok
        assert (await store.stat(stored.key)).size == len(b"survives a crash")  # type: ignore[union-attr]

        server.restart(empty=True)
        status = await store.check()
        assert not status.ok and "missing" in status.detail  # the bucket went with the data
        await store.ensure_ready()
        assert await store.stat(stored.key) is None
    finally:
        await store.aclose()
        server.close()
