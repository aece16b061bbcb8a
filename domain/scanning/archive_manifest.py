"""The one reading of a package archive's manifest: the scanner's strict one.

Publishing takes a version's dependencies (and, for a one-step publish, its name and version)
from the manifest when the upload arrives, before the scan job runs; the scan then checks the
whole archive and parses the manifest it streamed past. Both must see the same manifest, or a
crafted archive could be scanned as one thing and recorded as another: Python's `zipfile`, for
one, follows an end record hidden in the archive comment, forgives prepended bytes and takes the
last of two entries with the same name, where the scanner refuses all three. So both read with
the scanner's ZIP parser (zipformat.py) under the same `ScanLimits`, choose the manifest with
the same rule (`manifest_path_for`) and parse it the same way (`parse_archive_manifest`).

`read_archive_manifest` (the upload's reading) reads only the central directory and the manifest
entry, so memory stays bounded by `max_entries`, `max_name_bytes` and `max_manifest_bytes`. The
manifest entry is read the way the scan reads it: its local header checked against the
directory, inflated with a bound, its size, CRC-32 and data descriptor checked. What the parser
refuses raises `ScanRejected` (for an upload: not a usable ZIP); a manifest the archive names
twice is refused as well, since which one is meant is ambiguous.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from domain.enums import PackageType
from domain.manifest import (
    Manifest,
    ManifestError,
    find_feature_manifest,
    find_manifest,
    manifest_kind_for,
    parse_manifest,
)
from domain.names import is_feature_pack_name
from domain.scanning.reader import BlockCursor
from domain.scanning.rules import Rule, ScanRejected
from domain.scanning.scan_limits import ScanLimits
from domain.scanning.streams import Buffer, Decoder, RawDeflateDecoder, StoredDecoder
from domain.scanning.zipformat import (
    FLAG_DATA_DESCRIPTOR,
    METHOD_STORED,
    ArchiveLayout,
    CentralEntry,
    check_entry_flags,
    consume_descriptor,
    read_layout,
    read_local_header,
)
from storage.interface import RandomAccessReader

# The manifest is small: read in small blocks, not the scanner's 1 MiB.
_BLOCK_SIZE = 64 * 1024


@dataclass(frozen=True)
class ArchiveManifest:
    """What the strict reader found: every entry name (directory order) and the manifest."""

    names: list[str]
    path: str | None
    manifest: Manifest | None


def is_feature_pack(package_type: str | None, package_name: str) -> bool:
    """Feature packs arrive as `library` with the `tbv2-feature-` prefix (REST_CONTRACT §7);
    with no type yet (a one-step publish), the prefix alone decides, as the default type does."""
    if package_type is None:
        return is_feature_pack_name(package_name)
    return package_type == PackageType.FEATURE or (
        package_type == PackageType.LIBRARY and is_feature_pack_name(package_name)
    )


def single_folder_name(names: Sequence[str]) -> str:
    """With no name given, a single top-level folder holding a tbConfig.yaml names the mod."""
    tops = {name.split("/", 1)[0] for name in names if "/" in name}
    if len(tops) == 1:
        top = next(iter(tops))
        if f"{top}/tbConfig.yaml".casefold() in {n.casefold() for n in names}:
            return top
    return ""


def manifest_path_for(
    names: Sequence[str], package_type: str | None, package_name: str
) -> str | None:
    """The entry that is the package's manifest (§6 lookup), or None; feature packs use
    `feature.yaml` at the root only. Without a name, a single top-level folder names it."""
    if is_feature_pack(package_type, package_name):
        return find_feature_manifest(names)
    return find_manifest(names, package_name or single_folder_name(names))


def parse_archive_manifest(data: bytes, path: str, limits: ScanLimits) -> Manifest:
    """Parse a manifest entry's bytes; raises ManifestError."""
    return parse_manifest(
        data, manifest_kind_for(path), path=path, max_bytes=limits.max_manifest_bytes
    )


def read_archive_manifest(
    reader: RandomAccessReader,
    *,
    package_type: str | None,
    package_name: str,
    limits: ScanLimits | None = None,
) -> ArchiveManifest:
    """Read the directory and the manifest of a package archive (blocking: run it in a worker
    thread). Raises ScanRejected for an archive the strict parser refuses and ManifestError
    for a manifest that is too large or not valid; a missing manifest is `manifest=None`."""
    limits = limits or ScanLimits.for_package_type(package_type or PackageType.MOD)
    layout = read_layout(
        reader,
        max_entries=limits.max_entries,
        max_name_bytes=limits.max_name_bytes,
        block_size=_BLOCK_SIZE,
    )
    names = [entry.name for entry in layout.entries]
    path = manifest_path_for(names, package_type, package_name)
    if path is None:
        return ArchiveManifest(names, None, None)
    entries = [entry for entry in layout.entries if entry.name == path]
    if len(entries) > 1:
        raise ScanRejected(
            Rule.DUPLICATE_NAME,
            f"the archive holds {len(entries)} entries named {path!r}: which "
            "one is the manifest is ambiguous",
            entry=path,
        )
    data = read_entry(reader, layout, entries[0], limits.max_manifest_bytes)
    return ArchiveManifest(names, path, parse_archive_manifest(data, path, limits))


def read_entry(
    reader: RandomAccessReader, layout: ArchiveLayout, entry: CentralEntry, limit: int
) -> bytes:
    """The content of one small entry, checked as the scan checks every entry; raises
    ManifestError when it declares more than `limit` bytes."""
    where = entry.name
    if entry.uncompressed_size > limit:
        raise ManifestError(f"{where}: the manifest is larger than {limit} bytes")
    check_entry_flags(entry, where)
    cursor = BlockCursor(reader, entry.local_header_offset, layout.cd_offset, _BLOCK_SIZE)
    local_zip64 = read_local_header(cursor, entry, where)
    if cursor.pos + entry.compressed_size > layout.cd_offset:
        raise ScanRejected(
            Rule.OVERLAPPING_ENTRIES,
            "the entry's data runs into the central directory",
            entry=where,
        )
    decoder: Decoder | None = None
    if entry.compressed_size or entry.uncompressed_size:
        decoder = StoredDecoder() if entry.method == METHOD_STORED else RawDeflateDecoder(where)
    parts: list[bytes] = []
    produced = 0
    crc = 0

    def take(out: Buffer) -> None:
        nonlocal produced, crc
        produced += len(out)
        if produced > entry.uncompressed_size:  # a lying size: stop before holding more
            raise ScanRejected(
                Rule.SIZE_MISMATCH,
                f"decompresses to more bytes than it declares ({entry.uncompressed_size})",
                entry=where,
            )
        crc = zlib.crc32(out, crc)
        parts.append(bytes(out))

    if decoder is not None:
        for chunk in cursor.chunks(entry.compressed_size):
            for out in decoder.feed(chunk):
                take(out)
        for out in decoder.finish():
            take(out)
    if produced != entry.uncompressed_size:
        raise ScanRejected(
            Rule.SIZE_MISMATCH,
            f"decompresses to {produced} bytes but declares {entry.uncompressed_size}",
            entry=where,
        )
    if crc != entry.crc:
        raise ScanRejected(
            Rule.CRC_MISMATCH,
            f"CRC-32 is {crc:#010x} but the directory says {entry.crc:#010x}",
            entry=where,
        )
    if entry.flags & FLAG_DATA_DESCRIPTOR:
        consume_descriptor(cursor, entry, wide=local_zip64 or entry.zip64, where=where)
    return b"".join(parts)
