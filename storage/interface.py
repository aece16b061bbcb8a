"""The blob store contract shared by every backend (local filesystem, S3).

Semantics every backend guarantees:

* Objects are immutable and content-addressed: the key is `sha256/<first2>/<hex>` of the
  bytes, so writing identical content twice is idempotent and never rewrites the object.
* Writes stream: chunks are hashed and counted while they are spooled to a scratch file
  (inside the store root for the filesystem, a spool directory for S3); the body is never
  held whole in memory. The object appears under its key only once it is complete: a write
  that fails, is cancelled or exceeds `max_bytes` leaves no object and no scratch file, and
  scratch files of a killed process are removed by `startup_cleanup()` on the next start.
* Byte ranges use Python slice semantics: `start` inclusive, `end` **exclusive**. An HTTP
  `Range: bytes=a-b` (inclusive `b`) is `open(key, start=a, end=b + 1)`.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Literal, Protocol, Self, runtime_checkable

from storage.errors import (
    BackendUnavailable,
    ChecksumMismatch,
    InvalidObjectKey,
    ObjectNotFound,
    ObjectTooLarge,
    StorageError,
    StoreClosed,
)

BackendKind = Literal["local", "s3"]

DEFAULT_CHUNK_SIZE = 1024 * 1024

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "BackendKind",
    "BackendUnavailable",
    "BlobStore",
    "ChecksumMismatch",
    "HealthStatus",
    "InvalidObjectKey",
    "ObjectInfo",
    "ObjectNotFound",
    "ObjectTooLarge",
    "RandomAccessReader",
    "StorageError",
    "StoreClosed",
    "StoredObject",
]


@dataclass(frozen=True, slots=True)
class StoredObject:
    """The result of a successful write.

    `created` is False when an object with this key and size already existed and nothing was
    written. It is advisory: a concurrent writer of the same content may race with this one,
    so callers that delete objects on rollback must still consult their own references.
    """

    key: str
    sha256: str
    size: int
    created: bool = True


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    key: str
    size: int


@dataclass(frozen=True, slots=True)
class HealthStatus:
    """Readiness of one backend. `detail` is a short human-readable line."""

    ok: bool
    detail: str


@runtime_checkable
class RandomAccessReader(Protocol):
    """Blocking positional reads of one object: a stored object (a backend's `reader`), a
    local file, a nested archive spooled by the scanner, bytes in memory. Meant for worker
    threads (the ZIP scanner, the upload's manifest reader). Thread-safe: `read_at` keeps no
    cursor. Close it (or use `with`) when done; `ClosingReader` supplies the `with` half."""

    @property
    def size(self) -> int: ...

    def read_at(self, offset: int, length: int) -> bytes:
        """Exactly `min(length, size - offset)` bytes from `offset`: shorter only at the end
        of the object. Infrastructure failures raise (OSError or StorageError), never a
        silently short answer."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class ClosingReader:
    """The context-manager half of RandomAccessReader: `with reader:` closes it."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


@runtime_checkable
class BlobStore(Protocol):
    """One storage backend. All methods except `reader` are coroutines."""

    @property
    def name(self) -> str:
        """Backend name as configured, e.g. "primary", "mirror-1"."""
        ...

    @property
    def kind(self) -> BackendKind: ...

    async def ensure_ready(self) -> None:
        """Create what the backend needs (root directory, bucket). Raises BackendUnavailable
        with a one-line message when it cannot. Call once at process start."""
        ...

    async def put_stream(
        self, chunks: AsyncIterable[bytes], *, max_bytes: int | None = None
    ) -> StoredObject:
        """Store the concatenation of `chunks`. Raises ObjectTooLarge as soon as more than
        `max_bytes` arrived. Any exception from `chunks` propagates unchanged, after the
        partial write is removed."""
        ...

    async def put_file(self, path: Path, *, sha256: str | None = None) -> StoredObject:
        """Store a copy of a local file. With `sha256`, raises ChecksumMismatch (and stores
        nothing) when the file's content hashes differently."""
        ...

    def open(
        self,
        key: str,
        *,
        start: int = 0,
        end: int | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> AsyncGenerator[bytes, None]:
        """Async generator over bytes `[start, end)` of the object (`end` exclusive, None =
        to the end; clamped to the size; a start at or past the end yields nothing).
        Use as `async for chunk in store.open(key)`; ObjectNotFound is raised at the first
        iteration, before any byte is yielded."""
        ...

    async def stat(self, key: str) -> ObjectInfo | None:
        """Size of the object, or None when it does not exist."""
        ...

    async def exists(self, key: str) -> bool: ...

    async def delete(self, key: str) -> None:
        """Remove the object; a missing object is not an error."""
        ...

    async def check(self) -> HealthStatus:
        """Readiness probe; never raises for backend failures."""
        ...

    async def startup_cleanup(self) -> int:
        """Remove scratch files left behind by killed processes (not by live ones sharing
        the same directory). Returns how many scratch entries were removed."""
        ...

    def reader(self, key: str) -> RandomAccessReader:
        """Blocking: open a positional reader. Raises ObjectNotFound. For S3 this performs a
        HEAD request, so call it from a worker thread, not the event loop."""
        ...

    async def aclose(self) -> None:
        """Release threads, connections and this process's scratch directory."""
        ...
