"""A store wrapper whose reads can be made to fail, for failover tests without servers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from storage import DEFAULT_CHUNK_SIZE, BackendUnavailable, BlobStore


class FlakyStore:
    """Delegates to a real store; `down` makes every read fail at once, `break_after` makes
    a read fail once that many bytes were delivered, `stall` makes it hang. Counts the reads
    it was asked for."""

    def __init__(self, inner: BlobStore) -> None:
        self.inner = inner
        self.down = False
        self.break_after: int | None = None
        self.stall = False  # accept the read, then send nothing (a frozen process)
        self.opens = 0

    @property
    def name(self) -> str:
        return self.inner.name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self.inner, attribute)

    def open(
        self,
        key: str,
        *,
        start: int = 0,
        end: int | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> AsyncIterator[bytes]:
        self.opens += 1
        return self._open(key, start, end, chunk_size)

    async def _open(
        self, key: str, start: int, end: int | None, chunk_size: int
    ) -> AsyncIterator[bytes]:
        if self.down:
            raise BackendUnavailable(f"{self.name} is down")
        if self.stall:
            await asyncio.Event().wait()
        sent = 0
        async for chunk in self.inner.open(key, start=start, end=end, chunk_size=chunk_size):
            if self.break_after is not None and sent + len(chunk) > self.break_after:
                raise BackendUnavailable(f"{self.name}: connection broken")
            sent += len(chunk)
            yield chunk
