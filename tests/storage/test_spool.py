"""The one spool writer (storage/spool.py), as the blob stores and the HTTP uploads use it."""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from domain.exceptions import TooLarge
from domain.uploads import SpooledFile, UploadSpool, spool_stream
from storage.errors import ObjectTooLarge
from storage.spool import SpooledObject, SpoolWriter, pump

MiB = 1024 * 1024


def leftovers(directory: Path) -> list[str]:
    return sorted(os.listdir(directory))


async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def test_feed_flush_finish_hashes_and_counts(tmp_path: Path) -> None:
    writer = SpoolWriter(tmp_path / "a.part", durable=True, flush_bytes=4096)
    data = os.urandom(3 * 4096 + 5)
    for start in range(0, len(data), 1000):
        writer.feed(data[start : start + 1000])
        if writer.needs_flush:
            await writer.flush()
    spool = await writer.finish()
    assert spool == SpooledObject(tmp_path / "a.part", hashlib.sha256(data).hexdigest(), len(data))
    assert spool.path.read_bytes() == data


async def test_an_empty_stream_is_an_empty_file(tmp_path: Path) -> None:
    spool = await spool_stream(chunks(), tmp_path / "empty.part", 10)
    assert spool.size == 0 and spool.path.read_bytes() == b""
    assert spool.sha256 == hashlib.sha256(b"").hexdigest()


async def test_the_limit_holds_while_streaming_and_nothing_is_left(tmp_path: Path) -> None:
    writer = SpoolWriter(tmp_path / "big.part", durable=False, max_bytes=MiB, flush_bytes=1)
    with pytest.raises(ObjectTooLarge):
        await pump(chunks(b"x" * (MiB - 1), b"yy"), writer)
    # The chunk that crossed the limit was refused before it was queued or written.
    assert writer.size == MiB - 1
    assert (tmp_path / "big.part").stat().st_size == MiB - 1
    writer.discard()
    writer.discard()  # idempotent
    assert leftovers(tmp_path) == []


async def test_uploads_refuse_with_the_callers_413_and_leave_nothing(tmp_path: Path) -> None:
    with pytest.raises(TooLarge, match="maximum size of 10 bytes"):
        await spool_stream(chunks(b"12345", b"678901"), tmp_path / "up.part", 10)
    assert leftovers(tmp_path) == []


async def test_a_failing_client_stream_leaves_nothing(tmp_path: Path) -> None:
    class Gone(Exception):
        pass

    async def breaks() -> AsyncIterator[bytes]:
        yield os.urandom(2 * MiB)
        raise Gone

    with pytest.raises(Gone):
        await spool_stream(breaks(), tmp_path / "up.part", 10 * MiB)
    assert leftovers(tmp_path) == []


async def test_discard_waits_for_a_write_running_in_a_thread(tmp_path: Path) -> None:
    started, release = threading.Event(), threading.Event()

    async def slow_run(function, *args):  # a runner that stalls once
        def call():
            started.set()
            release.wait(10)
            return function(*args)

        return await asyncio.to_thread(call)

    writer = SpoolWriter(tmp_path / "slow.part", durable=False, run=slow_run)
    writer.feed(b"data")
    flushing = asyncio.create_task(writer.flush())
    await asyncio.to_thread(started.wait, 10)
    flushing.cancel()  # the awaiting task goes away; the thread still writes
    release.set()
    await asyncio.to_thread(writer.discard)
    with pytest.raises((asyncio.CancelledError, ValueError)):
        await flushing
    assert leftovers(tmp_path) == []


async def test_server_paths_stay_out_of_reprs(tmp_path: Path) -> None:
    writer = UploadSpool(tmp_path / "secret-upload.part", 100, "mod.zip", "application/zip")
    writer.feed(b"zip")
    spooled = await writer.finish()
    assert isinstance(spooled, SpooledFile)
    assert (spooled.filename, spooled.content_type, spooled.size) == (
        "mod.zip",
        "application/zip",
        3,
    )
    for value in (writer, spooled, SpooledObject(spooled.path, spooled.sha256, 3)):
        assert str(tmp_path) not in repr(value)
        assert "secret-upload" not in repr(value)
    spooled.remove()
    assert leftovers(tmp_path) == []
