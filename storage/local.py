"""Filesystem backend: objects are files under `root/sha256/<first2>/<hex>`.

Uploads are spooled into `root/.tmp/` (same filesystem, so the final `os.replace` is atomic),
fsynced, then renamed into place; readers therefore never see a partial object.
"""

from __future__ import annotations

import errno
import os
import shutil
import threading
from collections.abc import AsyncGenerator
from pathlib import Path
from typing import BinaryIO

from storage.blocking import BlockingRunner
from storage.byte_ranges import clamp_range
from storage.errors import BackendUnavailable, ObjectNotFound, StorageError
from storage.interface import (
    DEFAULT_CHUNK_SIZE,
    BackendKind,
    ClosingReader,
    HealthStatus,
    ObjectInfo,
    StoredObject,
)
from storage.keys import content_key, validate_key
from storage.scratch import ScratchArea
from storage.spool import SpooledObject
from storage.spooling import SpoolingStore

SCRATCH_DIR_NAME = ".tmp"


class LocalBlobStore(SpoolingStore):
    durable_spool = True  # the spool file is renamed into place: it is the object

    def __init__(self, root: Path, name: str = "primary", *, max_workers: int = 4) -> None:
        self.root = Path(root).absolute()
        self._name = name
        self._run = BlockingRunner(max_workers, thread_name_prefix=f"blob-{name}")
        self._scratch = ScratchArea(self.root / SCRATCH_DIR_NAME)

    def __repr__(self) -> str:
        return f"LocalBlobStore(name={self._name!r}, root={str(self.root)!r})"

    @property
    def kind(self) -> BackendKind:
        return "local"

    def path_for(self, key: str) -> Path:
        """Filesystem path of an object (whether or not it exists)."""
        return self.root / validate_key(key)

    # -- lifecycle --------------------------------------------------------------------------

    async def ensure_ready(self) -> None:
        try:
            await self._run(self._scratch.base.mkdir, parents=True, exist_ok=True)
        except OSError as exc:
            raise BackendUnavailable(
                f"storage directory {self.root} is not usable: {exc.strerror or exc}"
            ) from exc
        status = await self.check()
        if not status.ok:
            raise BackendUnavailable(status.detail)

    async def startup_cleanup(self) -> int:
        return await self._run(self._scratch.cleanup_stale)

    async def check(self) -> HealthStatus:
        try:
            return await self._run(self._probe)
        except OSError as exc:
            return HealthStatus(False, f"storage directory {self.root}: {exc.strerror or exc}")

    def _probe(self) -> HealthStatus:
        # A real write catches read-only remounts and full disks that os.access() misses.
        probe = self._scratch.new_path("probe-")
        probe.write_bytes(b"ok")
        probe.unlink()
        free = shutil.disk_usage(self.root).free
        return HealthStatus(True, f"{self.root}: {free / 2**30:.1f} GiB free")

    async def aclose(self) -> None:
        self._run.shutdown()
        self._scratch.release()

    # -- writes -----------------------------------------------------------------------------

    async def _store_spooled(self, spool: SpooledObject) -> StoredObject:
        try:
            created = await self._run(self._commit, spool)
        except OSError as exc:
            raise StorageError(
                f"cannot store object in {self.root}: {exc.strerror or exc}"
            ) from exc
        return StoredObject(content_key(spool.sha256), spool.sha256, spool.size, created)

    def _commit(self, spool: SpooledObject) -> bool:
        final = self.root / content_key(spool.sha256)
        final.parent.mkdir(parents=True, exist_ok=True)
        try:
            if final.stat().st_size == spool.size:
                return False  # identical content already stored; the spool file is discarded
        except FileNotFoundError:
            pass
        os.replace(spool.path, final)
        _fsync_directory(final.parent)
        return True

    async def delete(self, key: str) -> None:
        path = self.path_for(key)
        await self._run(path.unlink, missing_ok=True)

    # -- reads ------------------------------------------------------------------------------

    async def stat(self, key: str) -> ObjectInfo | None:
        path = self.path_for(key)
        try:
            result = await self._run(path.stat)
        except FileNotFoundError:
            return None
        return ObjectInfo(key, result.st_size)

    async def open(
        self,
        key: str,
        *,
        start: int = 0,
        end: int | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> AsyncGenerator[bytes, None]:
        if chunk_size < 1:
            raise ValueError("chunk_size must be positive")
        path = self.path_for(key)
        try:
            handle: BinaryIO = await self._run(open, path, "rb")
        except FileNotFoundError:
            raise ObjectNotFound(key, self._name) from None
        try:
            size = os.fstat(handle.fileno()).st_size
            start, end = clamp_range(start, end, size)
            if start < end:
                await self._run(handle.seek, start)
            remaining = end - start
            while remaining > 0:
                chunk = await self._run(handle.read, min(chunk_size, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
                yield chunk
        finally:
            handle.close()

    def reader(self, key: str) -> LocalFileReader:
        try:
            return LocalFileReader(self.path_for(key))
        except FileNotFoundError:
            raise ObjectNotFound(key, self._name) from None


class LocalFileReader(ClosingReader):
    """Positional reads with `os.pread`, so concurrent threads never share a file cursor."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        self._size = os.fstat(self._fd).st_size
        self._seek_lock = threading.Lock()

    @property
    def size(self) -> int:
        return self._size

    def read_at(self, offset: int, length: int) -> bytes:
        if offset < 0 or length < 0:
            raise ValueError("offset and length must not be negative")
        if self._fd < 0:
            raise ValueError("reader is closed")
        parts: list[bytes] = []
        while length > 0:
            data = self._pread(length, offset)
            if not data:
                break
            parts.append(data)
            offset += len(data)
            length -= len(data)
        return b"".join(parts)

    if hasattr(os, "pread"):

        def _pread(self, length: int, offset: int) -> bytes:
            return os.pread(self._fd, length, offset)

    else:  # pragma: no cover - Windows has no pread; serialise seek+read instead

        def _pread(self, length: int, offset: int) -> bytes:
            with self._seek_lock:
                os.lseek(self._fd, offset, os.SEEK_SET)
                return os.read(self._fd, length)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def _fsync_directory(directory: Path) -> None:
    """Persist a rename: without it a crash can forget the new directory entry."""
    if os.name == "nt":  # directories cannot be opened on Windows; NTFS journals renames
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno != errno.EINVAL:  # some filesystems do not support fsync on directories
            raise
    finally:
        os.close(fd)
