"""A registry with a few published versions, stopped again: the commands under test open
their own database, as they do from the shell."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from domain.enums import VersionStatus
from domain.models import PackageVersion
from registry.config import Settings
from tests.fixtures.stack import start_stack, stop_stack
from tests.helpers import create_package, make_publisher, mod_zip, upload_version

OWNER = "cli-owner"
VERSIONS = [("Alpha", "1.0.0"), ("Alpha", "1.1.0"), ("Beta", "1.0.0")]


class Interrupted(Exception):
    """Stands in for Ctrl-C in the middle of a run (pytest stops on a real
    KeyboardInterrupt)."""


@dataclass
class Seeded:
    settings: Settings
    blobs: dict[tuple[str, str], Path]  # (package, version) -> the archive's file on primary


async def seed(data_dir: Path, **overrides: Any) -> Seeded:
    """`VERSIONS` published on the embedded default (settings `overrides` applied)."""
    stack, _ = await start_stack("embedded", data_dir, None, **overrides)
    try:
        await make_publisher(OWNER)
        for name in sorted({name for name, _ in VERSIONS}):
            assert (await create_package(stack.client, OWNER, name)).status_code == 201
        for name, version in VERSIONS:
            response = await upload_version(
                stack.client, OWNER, name, version, mod_zip(name, version)
            )
            assert response.status_code == 201, response.text
        await stack.drain_jobs()
        rows = await PackageVersion.all().prefetch_related("package")
        assert {row.status for row in rows} == {VersionStatus.PUBLISHED}
        root = stack.settings.primary_storage.root
        assert root is not None
        blobs = {(row.package.name, row.version): root / row.blob_key for row in rows}
        return Seeded(stack.settings, blobs)
    finally:
        await stop_stack(stack, None)
