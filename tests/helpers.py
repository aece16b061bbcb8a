"""Builders shared by tests: publishers, mod archives and uploads."""

from __future__ import annotations

import asyncio
import io
import zipfile
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from domain.actor import Actor
from domain.commands import RegisterPublisher
from domain.models import Publisher
from domain.services import publishers
from tests.fixtures.stack import bearer


async def make_publisher(
    user_id: str, slug: str | None = None, *, verified: bool = True, artifacts: bool = False
) -> Publisher:
    """A publisher owned by `user_id`; verified ones may publish public packages."""
    from domain.services.users import upsert_user

    await upsert_user(user_id, f"user-{user_id}", f"{user_id}@example.com")
    publisher = await publishers.register_publisher(
        Actor(user_id=user_id),
        RegisterPublisher(
            name=slug or f"pub-{user_id}".lower(),
            display_name=f"Publisher {user_id}",
            email=f"{user_id}@example.com",
        ),
    )
    if verified:
        publisher.verification_status = "verified"
        publisher.can_publish_public = True
        publisher.can_publish_artifacts = artifacts
        await publisher.save()
    return publisher


def mod_zip(
    name: str,
    version: str,
    *,
    dependencies: list[Any] | None = None,
    layout: str = "package",
    extra: dict[str, bytes] | None = None,
    manifest_fields: dict[str, Any] | None = None,
) -> bytes:
    """A well-formed mod: `package` puts everything under `name/`, `root` at the top;
    `manifest_fields` are added to (or replace) its tbConfig.yaml's fields."""
    manifest = {
        "module_name": name,
        "version": version,
        "config_version": "2.0",
        "module_type": "package",
        "description": f"The {name} mod",
        "dependencies": dependencies or [],
        **(manifest_fields or {}),
    }
    import yaml

    prefix = f"{name}/" if layout == "package" else ""
    buffer = io.BytesIO()

    def entry(path: str) -> zipfile.ZipInfo:
        # A fixed timestamp, so the same arguments always give the same bytes (and checksum).
        info = zipfile.ZipInfo(path, date_time=(2026, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        return info

    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(entry(f"{prefix}tbConfig.yaml"), yaml.safe_dump(manifest))
        archive.writestr(entry(f"{prefix}__init__.py"), f"__version__ = {version!r}\n")
        archive.writestr(entry(f"{prefix}main.py"), "def run():\n    return 'ok'\n" * 20)
        for path, data in (extra or {}).items():
            archive.writestr(entry(path), data)
    return buffer.getvalue()


async def upload_version(
    client: httpx.AsyncClient, user_id: str, name: str, version: str, data: bytes, **fields: str
) -> httpx.Response:
    return await client.post(
        f"/api/v1/packages/{name}/versions",
        headers=bearer(user_id),
        data={"version": version, **fields},
        files={"file": ("tmpabc123.zip", data, "application/zip")},
    )


async def create_package(
    client: httpx.AsyncClient, user_id: str, name: str, **fields: Any
) -> httpx.Response:
    return await client.post(
        "/api/v1/packages", headers=bearer(user_id), json={"name": name, **fields}
    )


class Gate:
    """Holds a store method at its start until released, recording that it was reached."""

    def __init__(self, method: Callable[..., Awaitable[object]]) -> None:
        self.method = method
        self.reached = asyncio.Event()
        self.release = asyncio.Event()
        self.calls = 0

    async def __call__(self, *args: object, **kwargs: object) -> object:
        self.calls += 1
        self.reached.set()
        await self.release.wait()
        return await self.method(*args, **kwargs)
