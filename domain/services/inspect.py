"""A quick look inside an upload at publish time: is it a ZIP, where is its manifest.

This only reads the central directory and the manifest, so the upload can be answered at once
(400 for what is plainly wrong). The full security scan runs later in the scan job.
"""

from __future__ import annotations

import asyncio
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from domain.exceptions import InvalidInput
from domain.manifest import (
    Manifest,
    ManifestError,
    find_manifest,
    manifest_kind_for,
    parse_manifest,
)

MAX_MANIFEST_BYTES = 256 * 1024


@dataclass
class Inspection:
    names: list[str]
    manifest: Manifest | None
    manifest_path: str | None
    warnings: list[str] = field(default_factory=list)


def _folder_name(names: list[str]) -> str:
    """With no name given, a single top-level folder holding a tbConfig.yaml names the mod."""
    tops = {name.split("/", 1)[0] for name in names if "/" in name}
    if len(tops) == 1:
        top = next(iter(tops))
        if f"{top}/tbConfig.yaml".casefold() in {n.casefold() for n in names}:
            return top
    return ""


def _inspect(path: Path, package_name: str, package_type: str | None) -> Inspection:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            manifest_path = find_manifest(names, package_name or _folder_name(names))
            manifest = None
            if manifest_path is not None:
                info = archive.getinfo(manifest_path)
                if info.file_size > MAX_MANIFEST_BYTES:
                    raise InvalidInput(f"Manifest {manifest_path} is larger than "
                                       f"{MAX_MANIFEST_BYTES} bytes")
                with archive.open(info) as handle:
                    raw = handle.read(MAX_MANIFEST_BYTES + 1)
                manifest = parse_manifest(raw, manifest_kind_for(manifest_path),
                                          path=manifest_path)
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError, OSError) as exc:
        if isinstance(exc, ManifestError):
            raise InvalidInput(f"Invalid manifest: {exc}") from None
        if isinstance(exc, InvalidInput):
            raise
        raise InvalidInput(f"The file is not a valid ZIP archive: {exc}") from None
    if not names:
        raise InvalidInput("The ZIP archive is empty")
    if package_type == "mod" and manifest is None:
        raise InvalidInput(
            f"No manifest found for mod {package_name}: expected {package_name}/tbConfig.yaml, "
            f"tbConfig.yaml, {package_name}.yaml or {package_name}/{package_name}.yaml")
    return Inspection(names, manifest, manifest_path,
                      list(manifest.warnings) if manifest else [])


async def inspect_upload(path: Path, package_name: str, package_type: str | None
                         ) -> Inspection:
    return await asyncio.to_thread(_inspect, path, package_name, package_type)
