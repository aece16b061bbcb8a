"""Download failover: serve an object from the first healthy backend with a verified copy.

Candidates are the backends whose `StoredCopy` row says `present`, the primary first, then the
mirrors in configured order; the per-backend breakers of storage/failover.py skip dead ones.
Nothing happens until the first chunk is pulled, and every failover decision for the start of
the body is taken while pulling it, so the bytes route can still answer a clean error before
its response starts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import TYPE_CHECKING

from domain.services import replication
from storage.failover import read_with_failover
from storage.interface import DEFAULT_CHUNK_SIZE, BlobStore

if TYPE_CHECKING:
    from domain.context import RegistryContext


async def read_candidates(ctx: RegistryContext, key: str) -> list[BlobStore]:
    """Backends recorded as holding a verified copy, in failover order.

    With no verified copy recorded at all (objects stored before copies were tracked, or
    every copy marked missing) the primary is still tried: the worst outcome is the 404
    the caller would report anyway.
    """
    stores = replication.in_configured_order(ctx, await replication.present_backends(key))
    return stores or [ctx.storage.primary]


async def _stream(
    ctx: RegistryContext, key: str, start: int, end: int | None, chunk_size: int
) -> AsyncIterator[bytes]:
    stores = await read_candidates(ctx, key)

    async def on_missing(backend: str) -> None:
        await replication.report_missing(ctx, key, backend)

    chunks = read_with_failover(
        stores,
        key,
        breakers=ctx.storage.breakers,
        start=start,
        end=end,
        chunk_size=chunk_size,
        on_missing=on_missing,
    )
    async with aclosing(chunks):
        async for chunk in chunks:
            yield chunk


def open_with_failover(
    ctx: RegistryContext,
    key: str,
    start: int = 0,
    end: int | None = None,
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> AsyncIterator[bytes]:
    """Bytes `[start, end)` of `key`; raises ObjectNotFound (no backend has it) or
    BackendUnavailable (the ones that might are down) at the first iteration."""
    return _stream(ctx, key, start, end, chunk_size)
