"""The one way bytes reach local disk before they are stored: a scratch file written while its
SHA-256 and size are computed, with memory bounded by one batch of chunks.

Every upload path spools through `SpoolWriter`: the blob stores' `put_stream`/`put_file`
(`spooled`, below: the filesystem backend renames the finished file into place, the S3 backend
uploads it), and the HTTP uploads of REST and GraphQL (`domain.uploads.UploadSpool`, fed by the
multipart parser as the body arrives). What it guarantees to all of them:

* the size limit holds while streaming: a chunk that would pass `max_bytes` is refused before
  it is written;
* a failed, cancelled or refused write leaves no file (`discard`, safe from any thread);
* the scratch file's server path never appears in a repr (`SpooledObject.path`).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import threading
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from storage.errors import ChecksumMismatch, ObjectTooLarge, StorageError
from storage.interface import DEFAULT_CHUNK_SIZE
from storage.scratch import ScratchArea

log = logging.getLogger(__name__)

# Runs a blocking call off the event loop: a store's own thread pool, or asyncio.to_thread.
Runner = Callable[..., Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class SpooledObject:
    """A complete, closed scratch file and the digest of its content."""

    path: Path = field(repr=False)  # a server path: never part of a message a caller sees
    sha256: str
    size: int


class SpoolWriter:
    """One scratch file being written.

    `feed` takes chunks without blocking (it only counts them against `max_bytes` and queues
    them); `flush` hashes and writes the queued chunks in a worker thread, so small chunks (64
    KiB of an HTTP body) hop to the thread about `flush_bytes` at a time, and `needs_flush`
    says when that much is queued. `finish` closes the file and returns it as a
    `SpooledObject`; `discard` deletes it. The file is created by the first write, never over an
    existing one (scratch names are random anyway).

    Thread-safe where it matters: `discard` waits for a write still running in a worker thread
    (e.g. after the awaiting task was cancelled) before it deletes the file.
    """

    def __init__(
        self,
        path: Path,
        *,
        durable: bool,
        max_bytes: int | None = None,
        run: Runner = asyncio.to_thread,
        flush_bytes: int = DEFAULT_CHUNK_SIZE,
    ) -> None:
        if max_bytes is not None and max_bytes < 0:
            raise ValueError("max_bytes must not be negative")
        self.path = path
        self.max_bytes = max_bytes
        self.size = 0  # bytes accepted by `feed`, written or still queued
        # Whether the file must reach the disk at `finish` (it becomes the stored object).
        self._durable = durable
        self._run = run
        self._flush_bytes = flush_bytes
        self._queued: list[bytes] = []
        self._queued_size = 0
        self._lock = threading.Lock()
        self._file: BinaryIO | None = None
        self._closed = False
        self._hasher = hashlib.sha256()

    def too_large(self) -> Exception:
        """The error for a chunk past `max_bytes`; subclasses speak their caller's language."""
        return ObjectTooLarge(self.max_bytes or 0)

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        """Queue `data`; raises `too_large()` (and queues nothing) past `max_bytes`."""
        if not data:
            return
        if self.max_bytes is not None and self.size + len(data) > self.max_bytes:
            raise self.too_large()
        self.size += len(data)
        self._queued.append(data if isinstance(data, bytes) else bytes(data))
        self._queued_size += len(data)

    @property
    def needs_flush(self) -> bool:
        return self._queued_size >= self._flush_bytes

    async def flush(self) -> None:
        """Hash and write the queued chunks in a worker thread."""
        if not self._queued:
            return
        chunks, self._queued, self._queued_size = self._queued, [], 0
        try:
            await self._run(self._write, chunks)
        except OSError as exc:
            raise _scratch_error(self.path, exc) from exc

    async def finish(self) -> SpooledObject:
        """Write what is queued, flush (and fsync when durable), close; the file stays."""
        await self.flush()
        try:
            digest = await self._run(self._close_kept)
        except OSError as exc:
            raise _scratch_error(self.path, exc) from exc
        return SpooledObject(self.path, digest, self.size)

    def discard(self) -> None:
        """Close and delete the scratch file; idempotent, never raises. Synchronous on purpose:
        it must also run while the owning task is being cancelled."""
        with self._lock:
            self._closed = True
            self._queued, self._queued_size = [], 0
            if self._file is not None:
                try:
                    self._file.close()
                except OSError:
                    pass
                self._file = None
            try:
                self.path.unlink(missing_ok=True)
            except OSError as exc:
                # The scratch area's cleanup at the next start will get it.
                log.warning("could not remove spool file %s: %s", self.path, exc)

    # -- in the worker thread ---------------------------------------------------------------

    def _open(self) -> BinaryIO:
        if self._closed:
            raise ValueError("spool file already closed")
        if self._file is None:
            self._file = open(self.path, "xb")  # closed in finish/discard
        return self._file

    def _write(self, chunks: list[bytes]) -> None:
        with self._lock:
            handle = self._open()
            for chunk in chunks:
                self._hasher.update(chunk)
                handle.write(chunk)

    def _close_kept(self) -> str:
        with self._lock:
            handle = self._open()  # an empty upload still gets its (empty) file
            handle.flush()
            if self._durable:
                os.fsync(handle.fileno())
            handle.close()
            self._file = None
            self._closed = True
            return self._hasher.hexdigest()


async def pump(chunks: AsyncIterable[bytes], writer: SpoolWriter) -> None:
    """Feed an async stream of chunks into `writer`, flushing whenever a batch is queued.

    Errors of the stream itself propagate as they are: they mean "the client failed", not
    "storage failed"."""
    async for chunk in chunks:
        writer.feed(chunk)
        if writer.needs_flush:
            await writer.flush()


@asynccontextmanager
async def spooled(
    chunks: AsyncIterable[bytes],
    *,
    scratch: ScratchArea,
    run: Runner,
    max_bytes: int | None,
    durable: bool,
    expected_sha256: str | None = None,
    batch_bytes: int = DEFAULT_CHUNK_SIZE,
) -> AsyncIterator[SpooledObject]:
    """Spool `chunks` into a scratch file and yield it; the file is deleted on exit unless the
    body moved it away. Raises ObjectTooLarge once more than `max_bytes` arrived (the
    oversized chunk is never written) and ChecksumMismatch against `expected_sha256`."""
    try:
        path = await run(scratch.new_path, "upload-")
    except OSError as exc:
        raise _scratch_error(scratch.base, exc) from exc
    writer = SpoolWriter(
        path, durable=durable, max_bytes=max_bytes, run=run, flush_bytes=batch_bytes
    )
    try:
        await pump(chunks, writer)
        spool = await writer.finish()
        if expected_sha256 is not None and expected_sha256 != spool.sha256:
            raise ChecksumMismatch(expected_sha256, spool.sha256)
        yield spool
    finally:
        writer.discard()


def _scratch_error(path: Path, exc: OSError) -> StorageError:
    # Logged by the HTTP layer, never shown to a caller: it names a server path.
    return StorageError(f"cannot write scratch file under {path}: {exc.strerror or exc}")


async def file_chunks(
    path: Path, run: Runner, chunk_size: int = DEFAULT_CHUNK_SIZE
) -> AsyncIterator[bytes]:
    """Read a local file chunk by chunk in worker threads."""
    handle: BinaryIO = await run(open, path, "rb")
    try:
        while chunk := await run(handle.read, chunk_size):
            yield chunk
    finally:
        handle.close()
