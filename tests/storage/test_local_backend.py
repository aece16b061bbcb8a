"""Filesystem-specific behaviour: layout on disk and unusable roots."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage import BackendUnavailable, LocalBlobStore


async def one_chunk(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def test_objects_live_under_their_content_path(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    await store.ensure_ready()
    try:
        stored = await store.put_stream(one_chunk(b"hello"))
        digest = hashlib.sha256(b"hello").hexdigest()
        path = tmp_path / "blobs" / "sha256" / digest[:2] / digest
        assert store.path_for(stored.key) == path
        assert path.read_bytes() == b"hello"
    finally:
        await store.aclose()
    assert list((tmp_path / "blobs" / ".tmp").iterdir()) == []


async def test_a_root_that_is_a_file_is_unavailable(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "blobs"
    not_a_dir.write_text("oops")
    store = LocalBlobStore(not_a_dir)
    try:
        with pytest.raises(BackendUnavailable, match=str(not_a_dir)):
            await store.ensure_ready()
        status = await store.check()
        assert not status.ok and str(not_a_dir) in status.detail
    finally:
        await store.aclose()


async def test_a_corrupted_copy_is_replaced_by_a_new_upload(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    await store.ensure_ready()
    try:
        stored = await store.put_stream(one_chunk(b"payload"))
        store.path_for(stored.key).write_bytes(b"pay")  # truncated on disk
        again = await store.put_stream(one_chunk(b"payload"))
        assert again.created is True
        assert store.path_for(stored.key).read_bytes() == b"payload"
    finally:
        await store.aclose()
