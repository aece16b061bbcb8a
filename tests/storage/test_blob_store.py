"""The BlobStore contract, checked identically on the filesystem and the S3 backend."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import zipfile
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

import pytest

from storage import (
    BlobStore,
    ChecksumMismatch,
    InvalidObjectKey,
    ObjectNotFound,
    ObjectTooLarge,
    StoreClosed,
    as_file,
    content_key,
)
from tests.storage.conftest import scratch_files

MiB = 1024 * 1024


async def chunks_of(data: bytes, size: int) -> AsyncIterator[bytes]:
    for offset in range(0, len(data), size):
        yield data[offset : offset + size]


async def from_list(parts: Iterable[bytes]) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def read_all(stream: AsyncIterator[bytes]) -> bytes:
    return b"".join([chunk async for chunk in stream])


async def test_put_stream_then_read_back(blob_store: BlobStore) -> None:
    data = os.urandom(3 * MiB + 12345)
    stored = await blob_store.put_stream(chunks_of(data, 64 * 1024))

    digest = hashlib.sha256(data).hexdigest()
    assert stored.sha256 == digest
    assert stored.key == content_key(digest) == f"sha256/{digest[:2]}/{digest}"
    assert stored.size == len(data)
    assert stored.created is True
    info = await blob_store.stat(stored.key)
    assert info is not None and info.size == len(data) and info.key == stored.key
    assert await blob_store.exists(stored.key)
    assert await read_all(blob_store.open(stored.key)) == data


async def test_open_streams_in_chunks_of_the_requested_size(blob_store: BlobStore) -> None:
    data = os.urandom(1000)
    stored = await blob_store.put_stream(from_list([data]))
    chunks = [chunk async for chunk in blob_store.open(stored.key, chunk_size=300)]
    assert b"".join(chunks) == data
    assert len(chunks) == 4
    assert all(len(chunk) <= 300 for chunk in chunks)


@pytest.mark.parametrize(
    ("start", "end"),
    [(0, 10), (5, None), (100, 101), (990, 2000), (999, None), (1000, None), (10, 10), (0, 1000)],
)
async def test_ranged_open_uses_exclusive_end(
    blob_store: BlobStore, start: int, end: int | None
) -> None:
    data = os.urandom(1000)
    stored = await blob_store.put_stream(from_list([data]))
    got = await read_all(blob_store.open(stored.key, start=start, end=end, chunk_size=64))
    assert got == data[start:end]


@pytest.mark.parametrize(("start", "end"), [(-1, None), (10, 5)])
async def test_invalid_range_is_rejected(blob_store: BlobStore, start: int, end: int) -> None:
    stored = await blob_store.put_stream(from_list([b"0123456789abcdef"]))
    with pytest.raises(ValueError):
        await read_all(blob_store.open(stored.key, start=start, end=end))


async def test_missing_object(blob_store: BlobStore) -> None:
    key = content_key(hashlib.sha256(b"never stored").hexdigest())
    assert await blob_store.stat(key) is None
    assert not await blob_store.exists(key)
    with pytest.raises(ObjectNotFound):
        await read_all(blob_store.open(key))
    with pytest.raises(ObjectNotFound):
        await read_all(blob_store.open(key, start=3, end=3))
    with pytest.raises(ObjectNotFound):
        await asyncio.to_thread(blob_store.reader, key)
    await blob_store.delete(key)  # missing is fine


async def test_delete(blob_store: BlobStore, stored_keys) -> None:
    stored = await blob_store.put_stream(from_list([b"to be deleted"]))
    assert stored_keys(blob_store) == [stored.key]
    await blob_store.delete(stored.key)
    assert await blob_store.stat(stored.key) is None
    assert stored_keys(blob_store) == []


async def test_identical_content_is_stored_once(blob_store: BlobStore, stored_keys) -> None:
    data = os.urandom(200_000)
    first = await blob_store.put_stream(chunks_of(data, 7000))
    second = await blob_store.put_stream(chunks_of(data, 50_000))
    assert (second.key, second.sha256, second.size) == (first.key, first.sha256, first.size)
    assert first.created is True and second.created is False
    assert stored_keys(blob_store) == [first.key]
    assert await read_all(blob_store.open(first.key)) == data
    assert scratch_files(blob_store) == []


async def test_empty_object(blob_store: BlobStore) -> None:
    stored = await blob_store.put_stream(from_list([]))
    assert stored.size == 0
    assert stored.sha256 == hashlib.sha256(b"").hexdigest()
    assert (await blob_store.stat(stored.key)).size == 0  # type: ignore[union-attr]
    assert await read_all(blob_store.open(stored.key)) == b""


async def test_max_bytes_stops_at_the_first_chunk_over_the_limit(
    blob_store: BlobStore, stored_keys
) -> None:
    pulled: list[int] = []

    async def endless() -> AsyncIterator[bytes]:
        index = 0
        while True:
            pulled.append(index)
            yield bytes([index % 256]) * 100_000
            index += 1

    with pytest.raises(ObjectTooLarge) as raised:
        await blob_store.put_stream(endless(), max_bytes=1_050_000)
    assert raised.value.max_bytes == 1_050_000
    # 11 chunks make 1.1 MB: the 11th (index 10) exceeds the limit and nothing more is read.
    assert pulled == list(range(11))
    assert stored_keys(blob_store) == []
    assert scratch_files(blob_store) == []


async def test_max_bytes_allows_exactly_the_limit(blob_store: BlobStore) -> None:
    data = os.urandom(4096)
    stored = await blob_store.put_stream(chunks_of(data, 1000), max_bytes=4096)
    assert stored.size == 4096


async def test_failing_source_leaves_nothing_behind(blob_store: BlobStore, stored_keys) -> None:
    class SourceBroke(Exception):
        pass

    async def breaks_midway() -> AsyncIterator[bytes]:
        yield os.urandom(MiB)
        yield os.urandom(MiB + 17)
        raise SourceBroke("client went away")

    with pytest.raises(SourceBroke):
        await blob_store.put_stream(breaks_midway())
    assert stored_keys(blob_store) == []
    assert scratch_files(blob_store) == []


async def test_cancelled_upload_leaves_nothing_behind(blob_store: BlobStore, stored_keys) -> None:
    spooling = asyncio.Event()

    async def stalls() -> AsyncIterator[bytes]:
        yield os.urandom(2 * MiB)
        spooling.set()
        await asyncio.Event().wait()  # never resolves: a client that stopped sending
        yield b"unreachable"

    upload = asyncio.create_task(blob_store.put_stream(stalls()))
    await asyncio.wait_for(spooling.wait(), 10)
    assert scratch_files(blob_store), "the partial upload should be spooling"
    upload.cancel()
    with pytest.raises(asyncio.CancelledError):
        await upload
    assert stored_keys(blob_store) == []
    assert scratch_files(blob_store) == []


async def test_put_file(blob_store: BlobStore, tmp_path: Path) -> None:
    data = os.urandom(2 * MiB + 3)
    source = tmp_path / "normalized.zip"
    source.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()

    stored = await blob_store.put_file(source, sha256=digest)
    assert (stored.key, stored.size) == (content_key(digest), len(data))
    assert await read_all(blob_store.open(stored.key)) == data
    assert source.read_bytes() == data, "put_file copies, the caller keeps its file"
    again = await blob_store.put_file(source)
    assert again.key == stored.key and again.created is False


async def test_put_file_with_wrong_checksum_stores_nothing(
    blob_store: BlobStore, tmp_path: Path, stored_keys
) -> None:
    source = tmp_path / "file.bin"
    source.write_bytes(b"actual content")
    wrong = hashlib.sha256(b"other content").hexdigest()
    with pytest.raises(ChecksumMismatch):
        await blob_store.put_file(source, sha256=wrong)
    assert stored_keys(blob_store) == []
    assert scratch_files(blob_store) == []


async def test_reader_read_at(blob_store: BlobStore) -> None:
    data = os.urandom(100_000)
    stored = await blob_store.put_stream(from_list([data]))
    reader = await asyncio.to_thread(blob_store.reader, stored.key)
    with reader:
        assert reader.size == len(data)
        assert await asyncio.to_thread(reader.read_at, 0, 10) == data[:10]
        assert await asyncio.to_thread(reader.read_at, 50_000, 4096) == data[50_000:54_096]
        assert await asyncio.to_thread(reader.read_at, 99_990, 100) == data[99_990:]
        assert await asyncio.to_thread(reader.read_at, 100_000, 10) == b""
        assert await asyncio.to_thread(reader.read_at, 5, 0) == b""
        with pytest.raises(ValueError):
            reader.read_at(-1, 5)


async def test_reader_as_file_opens_a_zip(blob_store: BlobStore) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("tbv2.yaml", "name: demo\nversion: 1.0.0\n")
        archive.writestr("demo/__init__.py", os.urandom(300_000))
    stored = await blob_store.put_stream(from_list([buffer.getvalue()]))

    def scan() -> tuple[list[str], bytes]:
        with zipfile.ZipFile(as_file(blob_store.reader(stored.key))) as archive:
            return archive.namelist(), archive.read("tbv2.yaml")

    names, manifest = await asyncio.to_thread(scan)
    assert names == ["tbv2.yaml", "demo/__init__.py"]
    assert manifest == b"name: demo\nversion: 1.0.0\n"


async def test_concurrent_puts(blob_store: BlobStore, stored_keys) -> None:
    payloads = [os.urandom(150_000 + index) for index in range(20)]
    payloads += payloads[:5]  # identical content raced against itself
    results = await asyncio.gather(
        *(blob_store.put_stream(chunks_of(data, 32_768)) for data in payloads)
    )
    for data, stored in zip(payloads, results, strict=True):
        assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert len(stored_keys(blob_store)) == 20
    reads = await asyncio.gather(*(read_all(blob_store.open(r.key)) for r in results))
    assert reads == payloads
    assert scratch_files(blob_store) == []


@pytest.mark.parametrize(
    "key",
    [
        "../../etc/passwd",
        "sha256/zz/" + "0" * 64,
        "sha256/ab/" + "0" * 64,  # prefix does not match the digest
        "sha256/00/" + "0" * 63,
        "SHA256/00/" + "0" * 64,
        "sha256/00/" + "0" * 64 + "/..",
    ],
)
async def test_malformed_keys_are_rejected(blob_store: BlobStore, key: str) -> None:
    with pytest.raises(InvalidObjectKey):
        await blob_store.stat(key)
    with pytest.raises(InvalidObjectKey):
        await read_all(blob_store.open(key))
    with pytest.raises(InvalidObjectKey):
        await blob_store.delete(key)


async def test_check_reports_healthy(blob_store: BlobStore) -> None:
    status = await blob_store.check()
    assert status.ok, status.detail
    assert status.detail


async def test_closed_store_refuses_work(blob_store: BlobStore) -> None:
    await blob_store.aclose()
    with pytest.raises(StoreClosed):
        await blob_store.put_stream(from_list([b"late"]))


async def test_a_full_disk_is_a_storage_error_and_leaves_nothing(
    blob_store: BlobStore, stored_keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from storage import StorageError
    from storage.spool import SpoolWriter

    def disk_full(self: SpoolWriter, chunks: list[bytes]) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(SpoolWriter, "_write", disk_full)  # the worker-thread write
    with pytest.raises(StorageError, match="No space left on device"):
        await blob_store.put_stream(chunks_of(os.urandom(3 * MiB), MiB))
    assert stored_keys(blob_store) == []
    assert scratch_files(blob_store) == []
