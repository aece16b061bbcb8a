"""Checking and copying content-addressed objects between backends, trusting nothing.

A key names the SHA-256 of its bytes, but a backend can still hold the wrong bytes under it
(bit rot, an operator's manual upload, a truncated restore). So a copy is only called intact
after its bytes were read back and hashed, and a copy between stores hashes the source while
streaming: bytes that do not match their key never become an object on the target.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncGenerator
from contextlib import aclosing
from enum import StrEnum

from storage.errors import ObjectNotFound, StorageError
from storage.interface import BlobStore, StoredObject
from storage.keys import sha256_of_key


class CopyCheck(StrEnum):
    """What checking a backend's copy of an object finds (the domain's copy rows take these
    values: domain.enums.CopyState)."""

    PRESENT = "present"  # readable, and (deep check) its bytes hash to its key
    MISSING = "missing"
    CORRUPT = "corrupt"


# Hashing 1 MiB takes a few milliseconds: off the event loop, so a server that reconciles in
# process keeps answering requests meanwhile.
_HASH_IN_THREAD_FROM = 256 * 1024


class CorruptCopy(StorageError):
    """A backend's object does not hash to (or is not the size of) its key's content."""

    def __init__(self, store: str, key: str, detail: str) -> None:
        super().__init__(f"copy of {key} on {store} is corrupt: {detail}")
        self.store = store
        self.key = key


class SourceFailed(StorageError):
    """Reading the source of a copy failed; `cause` says how (ObjectNotFound, unavailable)."""

    def __init__(self, store: str, cause: StorageError) -> None:
        super().__init__(f"reading the source copy on {store} failed: {cause}")
        self.store = store
        self.cause = cause


class CopyNotVerified(StorageError):
    """The target kept other bytes than were written to it, twice in a row."""


async def _update(hasher: hashlib._Hash, chunk: bytes) -> None:
    if len(chunk) >= _HASH_IN_THREAD_FROM:
        await asyncio.to_thread(hasher.update, chunk)
    else:
        hasher.update(chunk)


async def hash_object(store: BlobStore, key: str) -> tuple[str, int]:
    """SHA-256 hex digest and size of the bytes `store` holds under `key`, read in full.
    Raises ObjectNotFound, or the store's error when it cannot be read."""
    hasher = hashlib.sha256()
    size = 0
    chunks = store.open(key)
    async with aclosing(chunks):
        async for chunk in chunks:
            size += len(chunk)
            await _update(hasher, chunk)
    return hasher.hexdigest(), size


async def inspect_copy(store: BlobStore, key: str, size: int, *, deep: bool) -> CopyCheck:
    """Is the copy there and intact? Shallow: the size matches. Deep: the content hashes to
    the key. Errors of the store itself (unreachable) propagate."""
    info = await store.stat(key)
    if info is None:
        return CopyCheck.MISSING
    if info.size != size:
        return CopyCheck.CORRUPT
    if not deep:
        return CopyCheck.PRESENT
    try:
        digest, actual_size = await hash_object(store, key)
    except ObjectNotFound:
        return CopyCheck.MISSING  # deleted between the stat and the read
    if digest != sha256_of_key(key) or actual_size != size:
        return CopyCheck.CORRUPT
    return CopyCheck.PRESENT


async def _checked_chunks(store: BlobStore, key: str, size: int) -> AsyncGenerator[bytes, None]:
    """The source's bytes, passed on while they are hashed. Raises CorruptCopy before the
    stream ends when they turn out wrong (so the target discards its partial write), and
    wraps the source's own errors in SourceFailed so they are not blamed on the target."""
    hasher = hashlib.sha256()
    count = 0
    chunks = store.open(key)
    try:
        async with aclosing(chunks):
            async for chunk in chunks:
                count += len(chunk)
                if count > size:
                    raise CorruptCopy(store.name, key, f"longer than {size} bytes")
                await _update(hasher, chunk)
                yield chunk
    except (CorruptCopy, SourceFailed):
        raise
    except StorageError as exc:
        raise SourceFailed(store.name, exc) from exc
    if count != size:
        raise CorruptCopy(store.name, key, f"{count} bytes instead of {size}")
    if hasher.hexdigest() != sha256_of_key(key):
        raise CorruptCopy(store.name, key, f"content hashes to {hasher.hexdigest()}")


async def _put_checked(source: BlobStore, target: BlobStore, key: str, size: int) -> StoredObject:
    chunks = _checked_chunks(source, key, size)
    async with aclosing(chunks):
        return await target.put_stream(chunks, max_bytes=size)


async def copy_object(
    source: BlobStore, target: BlobStore, key: str, size: int, *, replace_existing: bool = False
) -> None:
    """Copy `key` from `source` to `target` and verify the target's copy by reading it back.

    Streams (memory stays at the stores' chunk size). `replace_existing` deletes a known-bad
    target copy first: a store does not rewrite an object that already exists with the same
    size, so a same-size corrupt copy would otherwise survive. A target that still holds
    wrong bytes after a second, replacing attempt raises CopyNotVerified.

    Raises SourceFailed / CorruptCopy (attributed to the source; the target is left without
    a partial object) or the target's own StorageError.
    """
    for attempt in range(2):
        if replace_existing or attempt > 0:
            await target.delete(key)
        await _put_checked(source, target, key, size)
        if await inspect_copy(target, key, size, deep=True) is CopyCheck.PRESENT:
            return
    raise CopyNotVerified(f"{target.name} does not keep {key} intact after a rewrite")
