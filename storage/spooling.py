"""What both backends share: writes arrive through a local spool file; `exists` is `stat`.

An upload is spooled to the backend's scratch area while its SHA-256 and size are computed
(and checked against a limit or an expected hash), then the backend stores the finished
spool file (`_store_spooled`): a rename into place on a filesystem, an upload to S3. A write
that fails or is interrupted therefore never leaves a partial object behind.
"""

from __future__ import annotations

from collections.abc import AsyncIterable
from pathlib import Path
from typing import ClassVar

from storage.blocking import BlockingRunner
from storage.interface import ObjectInfo, StoredObject
from storage.scratch import ScratchArea
from storage.spool import SpooledObject, file_chunks, spooled


class SpoolingStore:
    # Whether the spool file itself becomes the stored object (and must reach the disk).
    durable_spool: ClassVar[bool]
    _name: str
    _run: BlockingRunner
    _scratch: ScratchArea

    @property
    def name(self) -> str:
        return self._name

    @property
    def scratch_dir(self) -> Path:
        """Where in-flight uploads are spooled (per-process subdirectories)."""
        return self._scratch.base

    async def put_stream(
        self, chunks: AsyncIterable[bytes], *, max_bytes: int | None = None
    ) -> StoredObject:
        return await self._ingest(chunks, max_bytes, None)

    async def put_file(self, path: Path, *, sha256: str | None = None) -> StoredObject:
        # Copied through the spool rather than stored in place: the hash and the stored
        # bytes then come from the same snapshot even if the caller's file changes.
        return await self._ingest(file_chunks(Path(path), self._run), None, sha256)

    async def _ingest(
        self,
        chunks: AsyncIterable[bytes],
        max_bytes: int | None,
        expected_sha256: str | None,
    ) -> StoredObject:
        async with spooled(
            chunks,
            scratch=self._scratch,
            run=self._run,
            max_bytes=max_bytes,
            durable=self.durable_spool,
            expected_sha256=expected_sha256,
        ) as spool:
            return await self._store_spooled(spool)

    async def _store_spooled(self, spool: SpooledObject) -> StoredObject:
        raise NotImplementedError

    async def stat(self, key: str) -> ObjectInfo | None:
        raise NotImplementedError

    async def exists(self, key: str) -> bool:
        return await self.stat(key) is not None
