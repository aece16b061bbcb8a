"""Builders for the lifecycle tests: packages with versions, published through the API."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import yaml

from tests.fixtures.stack import Stack, bearer
from tests.helpers import create_package, mod_zip, upload_version


def manifest_zip(name: str, version: str, **manifest: Any) -> bytes:
    """A mod under `name/` whose tbConfig.yaml carries extra keys (categories, ...)."""
    buffer = io.BytesIO()
    config = {"module_name": name, "version": version, **manifest}
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{name}/tbConfig.yaml", yaml.safe_dump(config))
        archive.writestr(f"{name}/__init__.py", f"__version__ = {version!r}\n")
    return buffer.getvalue()


async def publish(
    stack: Stack,
    name: str,
    version: str,
    deps: list[Any] | None = None,
    *,
    owner: str = "u1",
    **fields: Any,
) -> None:
    """Create `name` when missing (with `fields`), upload `version`; drain the scan after."""
    found = await stack.client.get(f"/api/v1/packages/{name}", headers=bearer(owner))
    if found.status_code == 404:
        created = await create_package(stack.client, owner, name, **fields)
        assert created.status_code == 201, created.text
    uploaded = await upload_version(
        stack.client, owner, name, version, mod_zip(name, version, dependencies=deps)
    )
    assert uploaded.status_code == 201, uploaded.text


async def patch(stack: Stack, name: str, user: str, **body: Any) -> Any:
    return await stack.client.patch(f"/api/v1/packages/{name}", headers=bearer(user), json=body)
