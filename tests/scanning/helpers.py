"""Shared builders: a valid mod around whatever entry a test wants to add."""

from __future__ import annotations

from domain.scanning import ScanLimits, ScanReport, scan_archive
from storage.readers import BytesReader
from tests.scanning.zipcraft import Entry, build_zip

MOD = "CloudM"
TBCONFIG = (
    b"module_name: CloudM\n"
    b"version: 1.2.3\n"
    b"config_version: '2.0'\n"
    b"module_type: package\n"
    b"description: Cloud management\n"
    b"dependencies:\n  - DB>=1.0.0\n"
)


def mod_entries(prefix: str = f"{MOD}/") -> list[Entry]:
    return [
        Entry(f"{prefix}tbConfig.yaml", TBCONFIG),
        Entry(f"{prefix}__init__.py", b"from .core import run\n"),
        Entry(f"{prefix}core.py", b"def run():\n    return 42\n" * 20),
    ]


def mod_with(*extra: Entry, **build: object) -> bytes:
    """A valid package-layout mod plus `extra` entries."""
    return build_zip([*mod_entries(), *extra], **build)  # type: ignore[arg-type]


def scan(
    data: bytes,
    *,
    package_type: str = "mod",
    package_name: str = MOD,
    limits: ScanLimits | None = None,
    version: str | None = None,
    block_size: int = 64 * 1024,
) -> ScanReport:
    # A small block size exercises block boundaries in every test.
    return scan_archive(
        BytesReader(data),
        limits=limits,
        package_type=package_type,
        package_name=package_name,
        package_version=version,
        block_size=block_size,
    )
