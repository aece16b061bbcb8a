"""A quick look inside an upload at publish time: is it a ZIP, where is its manifest.

The archive is read with the scanner's strict reader (`domain.scanning.archive_manifest`): the
central directory and the manifest entry only, so the upload is answered at once (400 for what
is plainly wrong), and the manifest whose dependencies are stored is the very one the scan job
later validates with the rest of the archive.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

from domain.enums import PackageType
from domain.exceptions import InvalidInput
from domain.manifest import Manifest, ManifestError, manifest_candidates
from domain.scanning.archive_manifest import ArchiveManifest, read_archive_manifest
from domain.scanning.rules import ScanRejected
from storage.local import LocalFileReader


@dataclass
class Inspection:
    names: list[str]
    manifest: Manifest | None
    manifest_path: str | None
    warnings: list[str] = field(default_factory=list)


def _read(path: Path, package_name: str, package_type: str | None) -> ArchiveManifest:
    try:
        with LocalFileReader(path) as reader:
            return read_archive_manifest(
                reader, package_type=package_type, package_name=package_name
            )
    except ScanRejected as rejected:
        where = f" ({rejected.entry})" if rejected.entry else ""
        raise InvalidInput(
            f"The file is not a valid ZIP archive: {rejected.message}{where} [{rejected.rule}]"
        ) from None
    except ManifestError as exc:
        raise InvalidInput(f"Invalid manifest: {exc.message}") from None


def _inspect(path: Path, package_name: str, package_type: str | None) -> Inspection:
    found = _read(path, package_name, package_type)
    if not found.names:
        raise InvalidInput("The ZIP archive is empty")
    manifest = found.manifest
    if package_type == PackageType.MOD and manifest is None:
        *mod_layouts, last, _feature = manifest_candidates(package_name)
        raise InvalidInput(
            f"No manifest found for mod {package_name}: expected {', '.join(mod_layouts)} or {last}"
        )
    return Inspection(
        found.names, manifest, found.path, list(manifest.warnings) if manifest else []
    )


async def inspect_upload(path: Path, package_name: str, package_type: str | None) -> Inspection:
    return await asyncio.to_thread(_inspect, path, package_name, package_type)
