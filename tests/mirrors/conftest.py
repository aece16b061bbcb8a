"""A registry with an S3 primary, an S3 mirror and a folder mirror, on private SeaweedFS
servers that tests may kill, restart empty, or write behind the registry's back."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from domain.context import RegistryContext
from domain.models import StoredCopy
from storage import LocalBlobStore, S3BlobStore
from storage.factory import StorageSpec
from storage.keys import content_key
from tests.fixtures.seaweed import SeaweedFactory
from tests.fixtures.seaweed_process import SeaweedServer
from tests.fixtures.stack import Stack, start_stack, stop_stack
from tests.helpers import create_package, make_publisher, mod_zip, upload_version

BACKENDS = ("primary", "mirror-s3", "mirror-disk")

# Fast enough for tests: replication gives up after a few seconds and leaves the rest to the
# reconciliation, which the tests run by calling the periodic job.
TEST_SETTINGS: dict[str, Any] = {
    "storage_breaker_cooldown_seconds": 30.0,
    "replication_retry_base_seconds": 0.1,
    "reconcile_sample_size": 25,
}


@pytest.fixture(scope="module")
def primary_server(seaweed_factory: SeaweedFactory) -> SeaweedServer:
    return seaweed_factory.start()


@pytest.fixture(scope="module")
def mirror_server(seaweed_factory: SeaweedFactory) -> SeaweedServer:
    return seaweed_factory.start()


def _s3_spec(name: str, server: SeaweedServer) -> StorageSpec:
    return StorageSpec(
        name=name,
        kind="s3",
        endpoint=server.endpoint,
        access_key=server.access_key,
        secret_key=server.secret_key,
        bucket=server.new_bucket_name("m"),
    )


@dataclass
class Mirrored:
    """The stack plus handles on what is behind each backend."""

    stack: Stack
    primary_server: SeaweedServer
    mirror_server: SeaweedServer

    @property
    def ctx(self) -> RegistryContext:
        return self.stack.ctx

    def store(self, name: str) -> Any:
        store = self.ctx.storage.by_name(name)
        assert store is not None
        return store

    def raw_read(self, name: str, key: str) -> bytes | None:
        """The bytes a backend holds, read past the registry (None when absent)."""
        store = self.store(name)
        if isinstance(store, LocalBlobStore):
            path = store.path_for(key)
            return path.read_bytes() if path.is_file() else None
        assert isinstance(store, S3BlobStore)
        server = self.primary_server if name == "primary" else self.mirror_server
        client = server.client()
        try:
            response = client.get_object(store.bucket, key)
        except Exception:  # NoSuchKey / NoSuchBucket: not there
            return None
        try:
            return response.read()
        finally:
            response.close()
            response.release_conn()

    def raw_write(self, name: str, key: str, data: bytes) -> None:
        """Overwrite an object behind the registry's back."""
        store = self.store(name)
        if isinstance(store, LocalBlobStore):
            path = store.path_for(key)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            return
        import io

        server = self.primary_server if name == "primary" else self.mirror_server
        server.client().put_object(store.bucket, key, io.BytesIO(data), len(data))

    async def copy_states(self, key: str) -> dict[str, str]:
        rows = await StoredCopy.filter(blob_key=key).values("backend", "state")
        return {row["backend"]: row["state"] for row in rows}

    async def publish(self, name: str, versions: list[str]) -> dict[str, bytes]:
        """Create and publish a mod; returns the stored bytes per version."""
        client = self.stack.client
        if not await _has_publisher("u1"):
            await make_publisher("u1", "mirror-team")
        created = await create_package(client, "u1", name)
        assert created.status_code == 201, created.text
        stored: dict[str, bytes] = {}
        for version in versions:
            data = mod_zip(name, version)
            response = await upload_version(client, "u1", name, version, data)
            assert response.status_code == 201, response.text
            stored[version] = data
        await self.stack.drain_jobs()
        for version in versions:
            info = (await client.get(f"/api/v1/packages/{name}/versions/{version}")).json()
            assert info["status"] == "published", info
            assert info["checksum_sha256"] == hashlib.sha256(stored[version]).hexdigest()
        return stored


async def _has_publisher(user_id: str) -> bool:
    from domain.models import PublisherMember

    return await PublisherMember.exists(user_id=user_id)


def key_of(data: bytes) -> str:
    return content_key(hashlib.sha256(data).hexdigest())


async def open_mirrored(
    kind: str,
    tmp: Path,
    primary: SeaweedServer,
    mirror: SeaweedServer,
    *,
    start_servers: bool = True,
    **overrides: Any,
) -> tuple[Mirrored, str | None]:
    for server in (primary, mirror):
        if start_servers and not server.is_running:  # a previous test's kill must not leak
            server.start()
    settings = {**TEST_SETTINGS, **overrides}
    stack, pg_url = await start_stack(
        kind,
        tmp,
        primary,
        primary_storage=_s3_spec("primary", primary),
        mirrors=(
            _s3_spec("mirror-s3", mirror),
            StorageSpec(name="mirror-disk", kind="local", root=tmp / "mirror-disk"),
        ),
        **settings,
    )
    await stack.drain_jobs()  # the startup reconciliation
    return Mirrored(stack, primary, mirror), pg_url


@pytest.fixture(params=["embedded", "production"])
async def mirrored(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    primary_server: SeaweedServer,
    mirror_server: SeaweedServer,
) -> AsyncIterator[Mirrored]:
    """A fresh registry (database, buckets, folder) per test, on SQLite and PostgreSQL."""
    setup, pg_url = await open_mirrored(request.param, tmp_path, primary_server, mirror_server)
    try:
        yield setup
    finally:
        for server in (primary_server, mirror_server):
            if not server.is_running:
                server.start()
        await stop_stack(setup.stack, pg_url)
