"""Incoming files, spooled to local disk while hashed and counted; never whole in memory.

A spooled upload lives in the process's scratch area (see storage/scratch.py), so a process
killed mid-upload leaves nothing that the next start does not remove.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
from collections.abc import AsyncIterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from domain.exceptions import TooLarge

_FLUSH_BYTES = 1024 * 1024


def too_large(limit: int) -> TooLarge:
    return TooLarge(f"Upload exceeds the maximum size of {limit} bytes ({limit // 1024**2} MiB)")


@dataclass
class SpooledFile:
    """A complete upload on local disk with its SHA-256 and size."""

    path: Path = field(repr=False)  # a server path: never part of a message a caller sees
    sha256: str
    size: int
    filename: str = ""
    content_type: str = ""

    def remove(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


@dataclass
class SpoolWriter:
    """Incremental writer: `feed` chunks (sync, cheap), `flush` to disk off the event loop."""

    path: Path = field(repr=False)  # a server path, like SpooledFile.path
    max_bytes: int
    filename: str = ""
    content_type: str = ""
    _hash: hashlib._Hash = field(default_factory=hashlib.sha256)
    _size: int = 0
    _pending: bytearray = field(default_factory=bytearray)
    _file: BinaryIO | None = None

    def feed(self, data: bytes) -> None:
        self._size += len(data)
        if self._size > self.max_bytes:
            raise too_large(self.max_bytes)
        self._hash.update(data)
        self._pending.extend(data)

    @property
    def needs_flush(self) -> bool:
        return len(self._pending) >= _FLUSH_BYTES

    async def flush(self) -> None:
        if not self._pending:
            return
        data, self._pending = bytes(self._pending), bytearray()
        await asyncio.to_thread(self._write, data)

    def _write(self, data: bytes) -> None:
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = open(self.path, "wb")  # noqa: SIM115 - closed in finish/abort
        self._file.write(data)

    async def finish(self) -> SpooledFile:
        await self.flush()
        await asyncio.to_thread(self._close, True)
        return SpooledFile(self.path, self._hash.hexdigest(), self._size, self.filename,
                           self.content_type)

    def _close(self, keep: bool) -> None:
        if self._file is None:
            if keep:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.path.touch()
            return
        self._file.flush()
        if keep:
            os.fsync(self._file.fileno())
        self._file.close()
        self._file = None

    def abort(self) -> None:
        self._close(False)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


async def spool_stream(chunks: AsyncIterable[bytes], path: Path, max_bytes: int, *,
                       filename: str = "", content_type: str = "") -> SpooledFile:
    writer = SpoolWriter(path, max_bytes, filename, content_type)
    try:
        async for chunk in chunks:
            writer.feed(chunk)
            if writer.needs_flush:
                await writer.flush()
        return await writer.finish()
    except BaseException:
        writer.abort()
        raise
