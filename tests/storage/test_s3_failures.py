"""S3 endpoints that are down or hang fail fast with one readable line."""

from __future__ import annotations

import socket
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from storage import BackendUnavailable, S3BlobStore
from storage.s3 import parse_endpoint
from tests.storage.conftest import scratch_files


@pytest.fixture
def closed_port() -> int:
    """A loopback port nobody listens on (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A loopback port that accepts TCP connections (kernel backlog) but never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield sock.getsockname()[1]


def store_at(port: int, tmp_path: Path, **options: float) -> S3BlobStore:
    return S3BlobStore(
        f"127.0.0.1:{port}",
        "access",
        "secret",
        "some-bucket",
        name="mirror-1",
        spool_dir=tmp_path / "spool",
        **options,  # type: ignore[arg-type]
    )


@pytest.fixture
async def refused_store(closed_port: int, tmp_path: Path) -> AsyncIterator[S3BlobStore]:
    store = store_at(closed_port, tmp_path)
    yield store
    await store.aclose()


async def test_unreachable_endpoint_fails_fast_with_one_line(
    refused_store: S3BlobStore, closed_port: int
) -> None:
    began = time.monotonic()
    with pytest.raises(BackendUnavailable) as raised:
        await refused_store.ensure_ready()
    elapsed = time.monotonic() - began

    assert elapsed < 10
    message = str(raised.value)
    assert message == f"S3 endpoint http://127.0.0.1:{closed_port} unreachable: connection refused"
    assert "\n" not in message


async def test_check_reports_unreachable_endpoint(
    refused_store: S3BlobStore, closed_port: int
) -> None:
    status = await refused_store.check()
    assert not status.ok
    assert f"http://127.0.0.1:{closed_port} unreachable" in status.detail


async def test_upload_to_unreachable_endpoint_leaves_no_spool_file(
    refused_store: S3BlobStore,
) -> None:
    async def body() -> AsyncIterator[bytes]:
        yield b"x" * 300_000

    with pytest.raises(BackendUnavailable):
        await refused_store.put_stream(body())
    assert scratch_files(refused_store) == []


async def test_hanging_endpoint_fails_start_quickly(silent_port: int, tmp_path: Path) -> None:
    store = store_at(silent_port, tmp_path)  # default timeouts: what `serve` would use
    try:
        began = time.monotonic()
        with pytest.raises(BackendUnavailable) as raised:
            await store.ensure_ready()
        assert time.monotonic() - began < 10
        assert "no response before the read timeout" in str(raised.value)
    finally:
        await store.aclose()


async def test_hanging_endpoint_times_out_checks_and_transfers(
    silent_port: int, tmp_path: Path
) -> None:
    store = store_at(silent_port, tmp_path, connect_timeout=1.0, read_timeout=1.0)

    async def body() -> AsyncIterator[bytes]:
        yield b"y" * 1000

    try:
        status = await store.check()
        assert not status.ok and "read timeout" in status.detail

        began = time.monotonic()
        with pytest.raises(BackendUnavailable, match="read timeout"):
            await store.put_stream(body())
        assert time.monotonic() - began < 10
        assert scratch_files(store) == []
    finally:
        await store.aclose()


async def test_missing_bucket_is_reported_by_check(seaweed_s3, s3_bucket: str, tmp_path) -> None:
    store = S3BlobStore(
        seaweed_s3.endpoint,
        seaweed_s3.access_key,
        seaweed_s3.secret_key,
        s3_bucket,
        spool_dir=tmp_path,
    )
    try:
        status = await store.check()
        assert not status.ok
        assert s3_bucket in status.detail and "missing" in status.detail
        await store.ensure_ready()
        assert (await store.check()).ok
        await store.ensure_ready()  # idempotent when the bucket exists
    finally:
        await store.aclose()


@pytest.mark.parametrize(
    ("endpoint", "secure", "expected"),
    [
        ("minio:9000", False, ("minio:9000", False)),
        ("minio:9000", True, ("minio:9000", True)),
        ("http://minio:9000", True, ("minio:9000", False)),
        ("https://s3.example.org/", False, ("s3.example.org", True)),
        (" HTTP://127.0.0.1:8333 ", False, ("127.0.0.1:8333", False)),
    ],
)
def test_parse_endpoint(endpoint: str, secure: bool, expected: tuple[str, bool]) -> None:
    assert parse_endpoint(endpoint, secure) == expected


@pytest.mark.parametrize("endpoint", ["", "http://", "host:9000/path"])
def test_parse_endpoint_rejects_paths_and_empty(endpoint: str) -> None:
    with pytest.raises(ValueError):
        parse_endpoint(endpoint, False)


def test_invalid_bucket_name_is_rejected_at_construction(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        S3BlobStore("127.0.0.1:9", "a", "b", "Bad_Bucket", spool_dir=tmp_path)
