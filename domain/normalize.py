"""Mod layout normalization (REST_CONTRACT.md §6).

The client's `publish()` zips a module folder's *contents* at the archive root, but ModManager
installs only from a top-level `N/` folder. `reroot_zip` moves every entry under `N/`.

Entries are copied raw, one at a time in bounded chunks: compressed bytes, CRC-32, sizes, flags,
attributes and timestamps stay as they were and the raw name only gains the `N/` prefix (the
Unicode Path extra field too), so the scan judges exactly what was uploaded, just re-rooted.
Nothing is recompressed: rerooting a 500 MiB mod costs one sequential copy.

Rewriting must never launder an attack. Before anything is written the archive is parsed with
the scanner's strict structure checks (end records, ZIP64, directory, local headers against the
directory, gaps and overlaps, data descriptors). If any of them fails, the upload is copied
unchanged instead, so the scan job quarantines the original bytes with the right rule.
"""

from __future__ import annotations

import os
import shutil
import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO

from domain.manifest import TBCONFIG_FILE
from domain.scanning.reader import BlockCursor
from domain.scanning.rules import Rule, ScanRejected
from domain.scanning.scan_limits import ScanLimits
from domain.scanning.zipformat import (
    FLAG_DATA_DESCRIPTOR,
    CentralEntry,
    consume_descriptor,
    read_layout,
    read_local_header,
)
from storage.local import LocalFileReader

COPY_BLOCK = 1024 * 1024
_U16_MAX = 0xFFFF
_U32_MAX = 0xFFFFFFFF
_ZIP64_VERSION = 45
_DEFAULT_VERSION = 20


def needs_reroot(names: Iterable[str], package_name: str) -> bool:
    """A mod whose manifest (`tbConfig.yaml` or `N.yaml`) sits at the root, with no top-level
    `N/` folder. Names compare case-insensitively, like the manifest lookup."""
    folder = package_name.casefold() + "/"
    root_files: set[str] = set()
    for name in names:
        folded = name.casefold()
        if folded.startswith(folder):
            return False
        if "/" not in folded:
            root_files.add(folded)
    return TBCONFIG_FILE.casefold() in root_files or f"{package_name}.yaml".casefold() in root_files


@dataclass
class _Written:
    entry: CentralEntry
    name: bytes
    extra: bytes
    offset: int


def _unicode_path_extra(unicode_name: str | None, prefix: str, raw_name: bytes) -> bytes:
    """The Info-ZIP Unicode Path extra for the new name, or nothing if the entry had none."""
    if unicode_name is None:
        return b""
    data = b"\x01" + struct.pack("<I", zlib.crc32(raw_name)) + f"{prefix}/{unicode_name}".encode()
    return struct.pack("<HH", 0x7075, len(data)) + data


class _RawZipWriter:
    """Writes entries whose compressed bytes are copied verbatim from another archive."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._written: list[_Written] = []

    def add(self, entry: CentralEntry, prefix: str, cursor: BlockCursor) -> None:
        name = prefix.encode("ascii") + b"/" + entry.raw_name
        extra = _unicode_path_extra(entry.unicode_path, prefix, name)
        flags = entry.flags & ~FLAG_DATA_DESCRIPTOR  # sizes go in the local header now
        offset = self._out.tell()
        wide = entry.uncompressed_size >= _U32_MAX or entry.compressed_size >= _U32_MAX
        local_extra = extra
        if wide:
            local_extra = (
                struct.pack("<HHQQ", 1, 16, entry.uncompressed_size, entry.compressed_size) + extra
            )
        self._out.write(
            struct.pack(
                "<4sHHHHHIIIHH",
                b"PK\x03\x04",
                _ZIP64_VERSION if wide else _DEFAULT_VERSION,
                flags,
                entry.method,
                entry.dos_time,
                entry.dos_date,
                entry.crc,
                _U32_MAX if wide else entry.compressed_size,
                _U32_MAX if wide else entry.uncompressed_size,
                len(name),
                len(local_extra),
            )
        )
        self._out.write(name)
        self._out.write(local_extra)
        copied = 0
        for chunk in cursor.chunks(entry.compressed_size):
            self._out.write(chunk)
            copied += len(chunk)
        if copied != entry.compressed_size:  # pragma: no cover - the layout was verified
            raise ValueError(f"{entry.name}: the source archive is truncated")
        self._written.append(_Written(entry, name, extra, offset))

    def close(self, comment: bytes) -> None:
        cd_start = self._out.tell()
        for item in self._written:
            entry = item.entry
            wide_fields: list[int] = []
            uncompressed, compressed, offset = (
                entry.uncompressed_size,
                entry.compressed_size,
                item.offset,
            )
            if uncompressed >= _U32_MAX:
                wide_fields.append(uncompressed)
                uncompressed = _U32_MAX
            if compressed >= _U32_MAX:
                wide_fields.append(compressed)
                compressed = _U32_MAX
            if offset >= _U32_MAX:
                wide_fields.append(offset)
                offset = _U32_MAX
            extra = item.extra
            if wide_fields:
                extra = (
                    struct.pack(f"<HH{len(wide_fields)}Q", 1, 8 * len(wide_fields), *wide_fields)
                    + extra
                )
            self._out.write(
                struct.pack(
                    "<4sHHHHHHIIIHHHHHII",
                    b"PK\x01\x02",
                    entry.made_by,
                    _ZIP64_VERSION if wide_fields else _DEFAULT_VERSION,
                    entry.flags & ~FLAG_DATA_DESCRIPTOR,
                    entry.method,
                    entry.dos_time,
                    entry.dos_date,
                    entry.crc,
                    compressed,
                    uncompressed,
                    len(item.name),
                    len(extra),
                    0,
                    0,
                    entry.internal_attr,
                    entry.external_attr,
                    offset,
                )
            )
            self._out.write(item.name)
            self._out.write(extra)
        cd_end = self._out.tell()
        count, cd_size = len(self._written), cd_end - cd_start
        if count >= _U16_MAX or cd_start >= _U32_MAX or cd_size >= _U32_MAX:
            self._out.write(
                struct.pack(
                    "<4sQHHIIQQQQ",
                    b"PK\x06\x06",
                    44,
                    _ZIP64_VERSION,
                    _ZIP64_VERSION,
                    0,
                    0,
                    count,
                    count,
                    cd_size,
                    cd_start,
                )
            )
            self._out.write(struct.pack("<4sIQI", b"PK\x06\x07", 0, cd_end, 1))
        self._out.write(
            struct.pack(
                "<4sHHHHIIH",
                b"PK\x05\x06",
                0,
                0,
                min(count, _U16_MAX),
                min(count, _U16_MAX),
                min(cd_size, _U32_MAX),
                min(cd_start, _U32_MAX),
                len(comment),
            )
        )
        self._out.write(comment)


def _rewrite(reader: LocalFileReader, out: BinaryIO, prefix: str, limits: ScanLimits) -> None:
    """Raises ScanRejected as soon as the archive's structure is not clean."""
    layout = read_layout(
        reader, max_entries=limits.max_entries, max_name_bytes=limits.max_name_bytes
    )
    writer = _RawZipWriter(out)
    cursor = BlockCursor(reader, 0, layout.cd_offset, COPY_BLOCK)
    for entry in sorted(layout.entries, key=lambda item: item.local_header_offset):
        if entry.local_header_offset != cursor.pos:
            raise ScanRejected(  # a gap or an overlap; the scan names it precisely
                Rule.HIDDEN_DATA,
                "entries are not contiguous",
                entry=entry.name,
            )
        local_zip64 = read_local_header(cursor, entry, entry.name)
        if cursor.pos + entry.compressed_size > layout.cd_offset:
            raise ScanRejected(
                Rule.OVERLAPPING_ENTRIES,
                "the entry runs into the central directory",
                entry=entry.name,
            )
        writer.add(entry, prefix, cursor)
        if entry.flags & FLAG_DATA_DESCRIPTOR:
            consume_descriptor(cursor, entry, wide=local_zip64 or entry.zip64, where=entry.name)
    if cursor.pos != layout.cd_offset:
        raise ScanRejected(
            Rule.HIDDEN_DATA,
            "bytes before the central directory belong to no entry",
        )
    writer.close(layout.comment)


def reroot_zip(
    src_path: str | os.PathLike[str],
    dst_path: str | os.PathLike[str],
    prefix: str,
    *,
    limits: ScanLimits | None = None,
) -> bool:
    """Write `src_path` to `dst_path` with every entry moved under `prefix/`.

    Returns True when the archive was re-rooted, False when its structure is not clean (see
    the module docstring) and it was copied unchanged for the scan to judge. `prefix` is the
    package name (ASCII by the name rules); anything else raises ValueError.
    """
    folder = prefix.strip("/")
    if (
        not folder
        or not folder.isascii()
        or any(c in folder for c in "/\\:")
        or folder
        in (
            ".",
            "..",
        )
    ):
        raise ValueError(f"invalid folder name {prefix!r}")
    with LocalFileReader(src_path) as reader:
        try:
            with open(dst_path, "wb") as out:
                _rewrite(reader, out, folder, limits or ScanLimits())
            return True
        except ScanRejected:
            pass
    shutil.copyfile(src_path, dst_path)
    return False
