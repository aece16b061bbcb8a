"""Streaming a chunk iterator into a scratch file while computing SHA-256 and size.

Both backends ingest this way: the filesystem backend spools inside its root and renames the
finished file into place; the S3 backend spools to its spool directory and uploads the file.
Memory stays bounded by one batch of chunks regardless of the object size.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from storage.errors import ChecksumMismatch, ObjectTooLarge, StorageError
from storage.interface import DEFAULT_CHUNK_SIZE
from storage.scratch import ScratchArea

log = logging.getLogger(__name__)

Runner = Callable[..., Awaitable[Any]]


class SpoolWriter:
    """Blocking writer of one scratch file. Thread-safe: `discard` waits for a write that is
    still running in a worker thread (e.g. after the awaiting task was cancelled)."""

    def __init__(self, path: Path, *, durable: bool) -> None:
        self.path = path
        self._durable = durable
        self._lock = threading.Lock()
        # "x": never clobber an existing file; scratch names are random anyway.
        self._file: BinaryIO | None = open(path, "xb")  # noqa: SIM115 - closed in finish/discard
        self._hasher = hashlib.sha256()
        self.size = 0

    def write(self, chunks: Sequence[bytes]) -> None:
        with self._lock:
            if self._file is None:
                raise ValueError("spool file already closed")
            for chunk in chunks:
                self._hasher.update(chunk)
                self._file.write(chunk)
                self.size += len(chunk)

    def finish(self) -> tuple[str, int]:
        """Flush (and fsync when durable), close, and return (sha256 hex, size)."""
        with self._lock:
            if self._file is None:
                raise ValueError("spool file already closed")
            self._file.flush()
            if self._durable:
                os.fsync(self._file.fileno())
            self._file.close()
            self._file = None
            return self._hasher.hexdigest(), self.size

    def discard(self) -> None:
        """Close and delete the scratch file; idempotent, never raises."""
        with self._lock:
            if self._file is not None:
                try:
                    self._file.close()
                except OSError:
                    pass
                self._file = None
            try:
                self.path.unlink(missing_ok=True)
            except OSError as exc:
                # startup_cleanup() of the next start will get it.
                log.warning("could not remove spool file %s: %s", self.path, exc)


@dataclass(frozen=True, slots=True)
class SpooledObject:
    """A complete, closed scratch file and the digest of its content."""

    path: Path
    sha256: str
    size: int


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
    if max_bytes is not None and max_bytes < 0:
        raise ValueError("max_bytes must not be negative")
    try:
        path = await run(scratch.new_path, "upload-")
        writer: SpoolWriter = await run(SpoolWriter, path, durable=durable)
    except OSError as exc:
        raise _scratch_error(scratch.base, exc) from exc
    try:
        await _pump(chunks, writer, run, max_bytes=max_bytes, batch_bytes=batch_bytes)
        try:
            digest, size = await run(writer.finish)
        except OSError as exc:
            raise _scratch_error(path, exc) from exc
        if expected_sha256 is not None and expected_sha256 != digest:
            raise ChecksumMismatch(expected_sha256, digest)
        yield SpooledObject(path, digest, size)
    finally:
        # Synchronous on purpose: it must also run when the task is being cancelled.
        writer.discard()


async def _pump(
    chunks: AsyncIterable[bytes],
    writer: SpoolWriter,
    run: Runner,
    *,
    max_bytes: int | None,
    batch_bytes: int,
) -> None:
    # Small chunks (e.g. 64 KiB from an HTTP body) are batched so that each hop to the worker
    # thread moves about `batch_bytes`; the batch is the only body data held in memory.
    pending: list[bytes] = []
    pending_size = 0
    total = 0
    async for chunk in chunks:
        if not chunk:
            continue
        total += len(chunk)
        if max_bytes is not None and total > max_bytes:
            raise ObjectTooLarge(max_bytes)
        pending.append(chunk if isinstance(chunk, bytes) else bytes(chunk))
        pending_size += len(chunk)
        if pending_size >= batch_bytes:
            await _write(writer, run, pending)
            pending, pending_size = [], 0
    if pending:
        await _write(writer, run, pending)


async def _write(writer: SpoolWriter, run: Runner, chunks: list[bytes]) -> None:
    # Only the scratch file's errors are wrapped; errors of the source iterator propagate as
    # they are, because they mean "the client failed", not "storage failed".
    try:
        await run(writer.write, chunks)
    except OSError as exc:
        raise _scratch_error(writer.path, exc) from exc


def _scratch_error(path: Path, exc: OSError) -> StorageError:
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
