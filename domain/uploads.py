"""Files a client uploads, spooled to local disk while hashed and counted; never whole in memory.

The writing is storage's `SpoolWriter` (storage/spool.py), the one spool writer every upload
path shares; this module adds what an upload knows beyond its bytes (the file name and type the
client sent) and answers an oversized upload with the caller's 413 (`TooLarge`).

A spooled upload lives in the process's scratch area (see storage/scratch.py), so a process
killed mid-upload leaves nothing that the next start does not remove.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterable
from dataclasses import dataclass
from pathlib import Path

from domain.exceptions import TooLarge
from storage.spool import SpooledObject, SpoolWriter, pump


def too_large(limit: int) -> TooLarge:
    return TooLarge(f"Upload exceeds the maximum size of {limit} bytes ({limit // 1024**2} MiB)")


@dataclass(frozen=True, slots=True)
class SpooledFile(SpooledObject):
    """A complete upload on local disk with its SHA-256 and size (the path is never in its
    repr), and the file name and content type the client gave."""

    filename: str = ""
    content_type: str = ""

    def remove(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


class UploadSpool(SpoolWriter):
    """The spool writer for one file a client sends (a multipart part, a GraphQL `Upload`)."""

    def __init__(
        self, path: Path, max_bytes: int, filename: str = "", content_type: str = ""
    ) -> None:
        # Not durable: the upload is scratch until a blob store copies it, and a crash removes
        # it anyway, so an fsync would only slow every upload down.
        super().__init__(path, durable=False, max_bytes=max_bytes)
        self.filename = filename
        self.content_type = content_type

    def too_large(self) -> TooLarge:
        return too_large(self.max_bytes or 0)

    async def finish(self) -> SpooledFile:
        spool = await super().finish()
        return SpooledFile(spool.path, spool.sha256, spool.size, self.filename, self.content_type)


async def spool_stream(
    chunks: AsyncIterable[bytes],
    path: Path,
    max_bytes: int,
    *,
    filename: str = "",
    content_type: str = "",
) -> SpooledFile:
    """Spool a whole stream into `path`; on any failure nothing is left at `path`."""
    writer = UploadSpool(path, max_bytes, filename, content_type)
    try:
        await pump(chunks, writer)
        return await writer.finish()
    except BaseException:
        writer.discard()
        raise
