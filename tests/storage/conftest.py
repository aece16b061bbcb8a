"""`blob_store`: every storage test runs against the filesystem and the S3 (SeaweedFS) backend."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage import BlobStore, LocalBlobStore, S3BlobStore
from tests.fixtures.seaweed_process import SeaweedServer

BACKENDS = ["local", "s3"]


def make_store(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    """A store on a fresh root / bucket. The S3 server is only started when asked for."""
    if kind == "local":
        return LocalBlobStore(tmp_path / "blobs", name="primary")
    server: SeaweedServer = request.getfixturevalue("seaweed_s3")
    return S3BlobStore(
        server.endpoint,
        server.access_key,
        server.secret_key,
        request.getfixturevalue("s3_bucket"),
        name="primary",
        spool_dir=tmp_path / "spool",
    )


@pytest.fixture(params=BACKENDS)
async def blob_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BlobStore]:
    store = make_store(request.param, request, tmp_path)
    await store.ensure_ready()
    try:
        yield store
    finally:
        await store.aclose()


@pytest.fixture
def stored_keys(request: pytest.FixtureRequest):  # returns a callable
    """`stored_keys(store)`: every object key that physically exists in the store, found
    without going through the store's own API."""

    def list_keys(store: BlobStore) -> list[str]:
        if isinstance(store, LocalBlobStore):
            objects = store.root / "sha256"
            if not objects.is_dir():
                return []
            return sorted(
                path.relative_to(store.root).as_posix()
                for path in objects.rglob("*")
                if path.is_file()
            )
        assert isinstance(store, S3BlobStore)
        client = request.getfixturevalue("seaweed_s3").client()
        return sorted(obj.object_name for obj in client.list_objects(store.bucket, recursive=True))

    return list_keys


def scratch_files(store: BlobStore) -> list[Path]:
    """In-flight or leftover upload files (lock files of live owners excluded)."""
    base: Path = store.scratch_dir  # type: ignore[attr-defined]
    if not base.exists():
        return []
    return sorted(path for path in base.rglob("*") if path.is_file() and path.suffix != ".lock")
