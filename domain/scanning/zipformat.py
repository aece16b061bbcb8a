"""ZIP container structures (PKWARE APPNOTE 6.3): end records, ZIP64, central directory, local
headers and data descriptors.

Parsing is strict: where readers disagree about an archive (two end records, a directory that
does not fill its declared size, a ZIP64 record in the wrong place) the archive is rejected, so
what the scanner validated is what every extractor sees.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from domain.scanning.reader import DEFAULT_BLOCK_SIZE, BlockCursor, read_exactly
from domain.scanning.rules import Rule, ScanRejected
from storage.interface import RandomAccessReader

LOCAL_SIG = b"PK\x03\x04"
CENTRAL_SIG = b"PK\x01\x02"
EOCD_SIG = b"PK\x05\x06"
ZIP64_EOCD_SIG = b"PK\x06\x06"
ZIP64_LOCATOR_SIG = b"PK\x06\x07"
DESCRIPTOR_SIG = b"PK\x07\x08"

EOCD_SIZE = 22
ZIP64_EOCD_SIZE = 56
ZIP64_LOCATOR_SIZE = 20
CENTRAL_SIZE = 46
LOCAL_SIZE = 30
MAX_COMMENT = 0xFFFF
U16_MAX = 0xFFFF
U32_MAX = 0xFFFFFFFF

EXTRA_ZIP64 = 0x0001
EXTRA_UNICODE_PATH = 0x7075

FLAG_ENCRYPTED = 0x0001
FLAG_DATA_DESCRIPTOR = 0x0008
FLAG_STRONG_ENCRYPTION = 0x0040
FLAG_UTF8 = 0x0800
FLAG_MASKED_HEADERS = 0x2000

FLAG_PATCHED_DATA = 0x0020
# Flag bits whose disagreement between the two headers changes what an extractor does.
_SIGNIFICANT_FLAGS = (
    FLAG_ENCRYPTED
    | FLAG_DATA_DESCRIPTOR
    | FLAG_PATCHED_DATA
    | FLAG_STRONG_ENCRYPTION
    | FLAG_MASKED_HEADERS
)

METHOD_STORED = 0
METHOD_DEFLATED = 8
METHOD_AES = 99

# How far before the last 64 KiB we look for an end record when deciding between "something
# was appended" and "the archive was cut short". Bounded so a huge non-ZIP costs little.
APPENDED_SEARCH_BYTES = 16 * 1024 * 1024

_EOCD = struct.Struct("<4sHHHHIIH")
_ZIP64_LOCATOR = struct.Struct("<4sIQI")
_ZIP64_EOCD = struct.Struct("<4sQHHIIQQQQ")
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
_LOCAL = struct.Struct("<4sHHHHHIIIHH")


@dataclass(slots=True)
class CentralEntry:
    """One central directory record, sizes and offset already resolved through ZIP64."""

    index: int
    raw_name: bytes
    name: str  # what Python's zipfile (the ToolBoxV2 client) sees
    other_names: tuple[str, ...]  # what other extractors may see (Unicode Path extra, raw UTF-8)
    unicode_path: str | None  # the Info-ZIP Unicode Path extra, if any
    flags: int
    method: int
    crc: int
    compressed_size: int
    uncompressed_size: int
    local_header_offset: int
    external_attr: int
    create_system: int
    zip64: bool
    # Kept so an archive can be rewritten faithfully (domain.normalize).
    made_by: int = 0
    dos_time: int = 0
    dos_date: int = 0
    internal_attr: int = 0

    @property
    def is_dir(self) -> bool:
        return self.name.endswith("/")


@dataclass(slots=True)
class ArchiveLayout:
    entries: list[CentralEntry]
    cd_offset: int
    cd_size: int
    comment: bytes
    zip64: bool
    warnings: list[str] = field(default_factory=list)


@dataclass(slots=True)
class LocalHeader:
    flags: int
    method: int
    crc: int
    compressed_size: int
    uncompressed_size: int
    name_length: int
    extra_length: int

    @property
    def size(self) -> int:
        return LOCAL_SIZE + self.name_length + self.extra_length


@dataclass(slots=True)
class _EndRecord:
    offset: int
    disk: int
    cd_disk: int
    entries_on_disk: int
    entries_total: int
    cd_size: int
    cd_offset: int
    comment: bytes


def decode_name(raw: bytes, flags: int, *, entry_hint: str | None = None) -> str:
    """Decode an entry name the way Python's zipfile does (UTF-8 if flagged, else cp437)."""
    if flags & FLAG_UTF8:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ScanRejected(
                Rule.BAD_NAME_CHARS,
                "the name is flagged UTF-8 but is not valid UTF-8",
                entry=entry_hint or raw.decode("utf-8", "replace"),
            ) from None
    return raw.decode("cp437")


def iter_extra(extra: bytes, *, rule: Rule, entry: str) -> list[tuple[int, bytes]]:
    """Split an extra field into (id, data) records; an overrunning record is rejected.

    Fewer than four trailing bytes are ignored, as Python's zipfile does (zipalign pads).
    """
    records: list[tuple[int, bytes]] = []
    offset = 0
    while offset + 4 <= len(extra):
        kind, length = struct.unpack_from("<HH", extra, offset)
        if offset + 4 + length > len(extra):
            raise ScanRejected(rule, f"extra field {kind:#06x} runs past its header", entry=entry)
        records.append((kind, extra[offset + 4 : offset + 4 + length]))
        offset += 4 + length
    return records


def _single_record(records: list[tuple[int, bytes]], kind: int, entry: str) -> bytes | None:
    found = [data for record_kind, data in records if record_kind == kind]
    if len(found) > 1:
        rule = Rule.BAD_ZIP64 if kind == EXTRA_ZIP64 else Rule.BAD_CENTRAL_DIRECTORY
        raise ScanRejected(rule, f"extra field {kind:#06x} appears {len(found)} times", entry=entry)
    return found[0] if found else None


def _unicode_path(data: bytes, entry: str) -> str | None:
    """The Info-ZIP Unicode Path extra (version 1, CRC-32 of the raw name, UTF-8 name).

    Judged even when its CRC no longer matches the raw name: some extractors skip that check.
    """
    if len(data) < 5 or data[0] != 1:
        return None
    try:
        return data[5:].decode("utf-8")
    except UnicodeDecodeError:
        raise ScanRejected(
            Rule.BAD_NAME_CHARS, "the Unicode Path extra field is not valid UTF-8", entry=entry
        ) from None


def _resolve_central_zip64(
    records: list[tuple[int, bytes]],
    values: list[tuple[str, int, int]],
    entry: str,
) -> tuple[dict[str, int], bool]:
    """Replace sentinel values by the ZIP64 extra's, in APPNOTE order.

    `values` holds (field, value, sentinel) in order: uncompressed, compressed, offset, disk.
    """
    data = _single_record(records, EXTRA_ZIP64, entry)
    resolved = {name: value for name, value, _ in values}
    needed = [(name, sentinel) for name, value, sentinel in values if value == sentinel]
    if not needed:
        return resolved, data is not None
    if data is None:
        raise ScanRejected(
            Rule.BAD_ZIP64,
            "sizes or offset are marked as ZIP64 but there is no ZIP64 extra field",
            entry=entry,
        )
    offset = 0
    for name, sentinel in needed:
        width = 4 if sentinel == U16_MAX else 8
        if offset + width > len(data):
            raise ScanRejected(
                Rule.BAD_ZIP64, f"the ZIP64 extra field is too short for the {name}", entry=entry
            )
        resolved[name] = int.from_bytes(data[offset : offset + width], "little")
        offset += width
    return resolved, True


def resolve_local_zip64(header: LocalHeader, extra: bytes, entry: str) -> tuple[int, int, bool]:
    """Local (compressed, uncompressed) sizes through the local ZIP64 extra, and whether the
    entry is ZIP64 (which makes its data descriptor use 8-byte sizes)."""
    records = iter_extra(extra, rule=Rule.HEADER_MISMATCH, entry=entry)
    data = _single_record(records, EXTRA_ZIP64, entry)
    compressed, uncompressed = header.compressed_size, header.uncompressed_size
    if compressed != U32_MAX and uncompressed != U32_MAX:
        return compressed, uncompressed, data is not None
    if data is None:
        raise ScanRejected(
            Rule.BAD_ZIP64, "the local header marks ZIP64 sizes without a ZIP64 extra", entry=entry
        )
    # APPNOTE says a local ZIP64 extra holds both sizes; some writers store only the marked one.
    fields = [int.from_bytes(data[i : i + 8], "little") for i in range(0, len(data) - 7, 8)]
    needed = (uncompressed == U32_MAX) + (compressed == U32_MAX)
    if len(fields) < needed:
        raise ScanRejected(Rule.BAD_ZIP64, "the local ZIP64 extra field is too short", entry=entry)
    if uncompressed == U32_MAX and compressed == U32_MAX:
        uncompressed, compressed = fields[0], fields[1]
    elif uncompressed == U32_MAX:
        uncompressed = fields[0]
    else:
        compressed = fields[1] if len(fields) >= 2 else fields[0]
    return compressed, uncompressed, True


def parse_local_header(data: bytes, entry: str) -> LocalHeader:
    if len(data) < LOCAL_SIZE or data[:4] != LOCAL_SIG:
        raise ScanRejected(
            Rule.HEADER_MISMATCH,
            "the central directory points at something that is not a local file header",
            entry=entry,
        )
    (
        _sig,
        _version,
        flags,
        method,
        _time,
        _date,
        crc,
        compressed,
        uncompressed,
        name_length,
        extra_length,
    ) = _LOCAL.unpack(data[:LOCAL_SIZE])
    return LocalHeader(flags, method, crc, compressed, uncompressed, name_length, extra_length)


# --- end of central directory -------------------------------------------------------------


def _end_record_at(buffer: bytes, position: int, absolute: int) -> _EndRecord | None:
    if position + EOCD_SIZE > len(buffer):
        return None
    (_sig, disk, cd_disk, on_disk, total, cd_size, cd_offset, comment_length) = _EOCD.unpack_from(
        buffer, position
    )
    comment = buffer[position + EOCD_SIZE : position + EOCD_SIZE + comment_length]
    return _EndRecord(absolute, disk, cd_disk, on_disk, total, cd_size, cd_offset, comment)


def _plausible(record: _EndRecord) -> bool:
    """An end record whose directory could lie before it (or that defers to ZIP64)."""
    if U32_MAX in (record.cd_size, record.cd_offset) or record.entries_total == U16_MAX:
        return True
    return record.cd_offset + record.cd_size <= record.offset


def _appended_end_record(reader: RandomAccessReader, window_start: int) -> bool:
    """Is there a plausible end record somewhere before the last 64 KiB (data appended)?"""
    block = 1024 * 1024
    stop = max(0, window_start - APPENDED_SEARCH_BYTES)
    end = window_start + EOCD_SIZE - 1  # overlap so a record cut by the window is still seen
    while end > stop:
        start = max(stop, end - block)
        chunk = read_exactly(reader, start, min(end, reader.size) - start)
        position = chunk.rfind(EOCD_SIG)
        while position != -1:
            record = _end_record_at(chunk, position, start + position)
            if record is not None and record.disk == 0 and _plausible(record):
                return True
            position = chunk.rfind(EOCD_SIG, 0, position)
        end = start + EOCD_SIZE - 1 if start > stop else stop
    return False


def _find_end_record(reader: RandomAccessReader, head: bytes) -> _EndRecord:
    size = reader.size
    looks_like_zip = head.startswith(LOCAL_SIG)
    if size < EOCD_SIZE:
        if looks_like_zip:
            raise ScanRejected(Rule.TRUNCATED, "the archive ends before its end record")
        raise ScanRejected(Rule.NOT_ZIP, "the upload is not a ZIP archive")
    window_start = max(0, size - (EOCD_SIZE + MAX_COMMENT))
    tail = read_exactly(reader, window_start, size - window_start)
    appended: _EndRecord | None = None
    exact: list[_EndRecord] = []
    position = tail.rfind(EOCD_SIG)
    while position != -1:
        record = _end_record_at(tail, position, window_start + position)
        if record is not None:
            record_end = position + EOCD_SIZE + len(record.comment)
            declared_end = position + EOCD_SIZE + _EOCD.unpack_from(tail, position)[7]
            if declared_end == len(tail):
                exact.append(record)
            elif record_end == declared_end and appended is None and _plausible(record):
                appended = record
        position = tail.rfind(EOCD_SIG, 0, position)
    if len(exact) > 1 or (exact and EOCD_SIG in exact[0].comment):
        # Readers that search from the end and readers that check comment lengths would pick
        # different end records, so they would see different archives.
        raise ScanRejected(
            Rule.BAD_CENTRAL_DIRECTORY,
            "the archive has more than one end record (ambiguous archive)",
        )
    if exact:
        return exact[0]
    if appended is not None:
        raise ScanRejected(
            Rule.TRAILING_DATA,
            f"{size - appended.offset - EOCD_SIZE - len(appended.comment)} bytes follow the "
            "end of the archive",
        )
    if looks_like_zip:
        if window_start > 0 and _appended_end_record(reader, window_start):
            raise ScanRejected(Rule.TRAILING_DATA, "data was appended after the end of the archive")
        raise ScanRejected(Rule.TRUNCATED, "the archive has no end record (cut short?)")
    raise ScanRejected(Rule.NOT_ZIP, "the upload is not a ZIP archive")


def _zip64_end(reader: RandomAccessReader, record: _EndRecord) -> tuple[int, int, int, int] | None:
    """(entries, cd_size, cd_offset, directory_end) from the ZIP64 records, or None if absent."""
    locator_at = record.offset - ZIP64_LOCATOR_SIZE
    locator = read_exactly(reader, locator_at, ZIP64_LOCATOR_SIZE) if locator_at >= 0 else b""
    needs_zip64 = (
        record.entries_total == U16_MAX
        or record.entries_on_disk == U16_MAX
        or record.cd_size == U32_MAX
        or record.cd_offset == U32_MAX
    )
    if not locator.startswith(ZIP64_LOCATOR_SIG):
        if needs_zip64:
            raise ScanRejected(
                Rule.BAD_ZIP64, "the end record defers to ZIP64 but there is no ZIP64 locator"
            )
        return None
    _sig, record_disk, record_at, total_disks = _ZIP64_LOCATOR.unpack(locator)
    if record_disk != 0 or total_disks > 1:
        raise ScanRejected(Rule.MULTI_DISK, "the ZIP64 locator describes a multi-disk archive")
    if record_at + ZIP64_EOCD_SIZE > locator_at:
        raise ScanRejected(Rule.BAD_ZIP64, "the ZIP64 locator points outside the archive")
    data = read_exactly(reader, record_at, ZIP64_EOCD_SIZE)
    if not data.startswith(ZIP64_EOCD_SIG):
        raise ScanRejected(Rule.BAD_ZIP64, "the ZIP64 locator does not point at a ZIP64 end record")
    (_sig, record_size, _made_by, _needed, disk, cd_disk, on_disk, total, cd_size, cd_offset) = (
        _ZIP64_EOCD.unpack(data)
    )
    if record_size < ZIP64_EOCD_SIZE - 12 or record_at + 12 + record_size != locator_at:
        raise ScanRejected(
            Rule.BAD_ZIP64, "the ZIP64 end record's size does not match its position"
        )
    if disk != 0 or cd_disk != 0 or on_disk != total:
        raise ScanRejected(Rule.MULTI_DISK, "the ZIP64 end record describes a multi-disk archive")
    for label, classic, sentinel, wide in (
        ("entry count", record.entries_total, U16_MAX, total),
        ("directory size", record.cd_size, U32_MAX, cd_size),
        ("directory offset", record.cd_offset, U32_MAX, cd_offset),
    ):
        if classic != sentinel and classic != wide:
            raise ScanRejected(
                Rule.BAD_ZIP64, f"the ZIP64 {label} ({wide}) contradicts the end record ({classic})"
            )
    if cd_offset + cd_size > record_at or total * CENTRAL_SIZE > cd_size:
        raise ScanRejected(
            Rule.BAD_ZIP64, "the ZIP64 end record's directory does not fit in the archive"
        )
    return total, cd_size, cd_offset, record_at


# --- central directory --------------------------------------------------------------------


def read_layout(
    reader: RandomAccessReader,
    *,
    max_entries: int | None = None,
    max_name_bytes: int | None = None,
    block_size: int = DEFAULT_BLOCK_SIZE,
) -> ArchiveLayout:
    """Locate and parse the end records and the central directory.

    Raises ScanRejected for anything malformed, for more than `max_entries` entries (checked
    before the directory is read) and for names over `max_name_bytes` (checked before they
    are kept), so memory stays bounded by those two limits.
    """
    head = read_exactly(reader, 0, 4)
    record = _find_end_record(reader, head)
    if record.disk not in (0, U16_MAX) or record.cd_disk not in (0, U16_MAX):
        raise ScanRejected(Rule.MULTI_DISK, "the archive spans several disks")
    wide = _zip64_end(reader, record)
    if wide is None:
        spanned = record.disk != 0 or record.cd_disk != 0
        if spanned or record.entries_on_disk != record.entries_total:
            raise ScanRejected(Rule.MULTI_DISK, "the archive spans several disks")
        count, cd_size, cd_offset, directory_end = (
            record.entries_total,
            record.cd_size,
            record.cd_offset,
            record.offset,
        )
        if count * CENTRAL_SIZE > cd_size:
            raise ScanRejected(
                Rule.BAD_CENTRAL_DIRECTORY,
                f"{count} entries cannot fit in a {cd_size}-byte central directory",
            )
    else:
        count, cd_size, cd_offset, directory_end = wide

    if max_entries is not None and count > max_entries:
        raise ScanRejected(
            Rule.TOO_MANY_ENTRIES, f"the archive has {count} entries (limit {max_entries})"
        )
    if count > 0 and not head.startswith(LOCAL_SIG):
        raise ScanRejected(Rule.PREPENDED_DATA, "data precedes the first entry of the archive")
    if count == 0 and directory_end > 0:
        raise ScanRejected(Rule.PREPENDED_DATA, "data precedes the end of an empty archive")
    if cd_offset + cd_size != directory_end:
        if cd_offset + cd_size > directory_end:
            raise ScanRejected(
                Rule.BAD_CENTRAL_DIRECTORY, "the central directory overlaps the end record"
            )
        shifted_start = directory_end - cd_size
        if read_exactly(reader, shifted_start, 4) == CENTRAL_SIG:
            raise ScanRejected(
                Rule.PREPENDED_DATA,
                f"offsets are shifted by {shifted_start - cd_offset} bytes (data was prepended)",
            )
        raise ScanRejected(
            Rule.HIDDEN_DATA,
            f"{directory_end - cd_offset - cd_size} bytes lie between the central directory "
            "and the end record",
        )

    entries = _read_central_directory(
        reader, count, cd_offset, cd_size, max_name_bytes=max_name_bytes, block_size=block_size
    )
    return ArchiveLayout(
        entries=entries,
        cd_offset=cd_offset,
        cd_size=cd_size,
        comment=record.comment,
        zip64=wide is not None,
    )


def _read_central_directory(
    reader: RandomAccessReader,
    count: int,
    cd_offset: int,
    cd_size: int,
    *,
    max_name_bytes: int | None,
    block_size: int,
) -> list[CentralEntry]:
    cursor = BlockCursor(reader, cd_offset, cd_offset + cd_size, block_size)
    entries: list[CentralEntry] = []
    for index in range(count):
        fixed = cursor.read(CENTRAL_SIZE)
        if len(fixed) < CENTRAL_SIZE or not fixed.startswith(CENTRAL_SIG):
            raise ScanRejected(
                Rule.BAD_CENTRAL_DIRECTORY,
                f"central directory record {index + 1} of {count} is missing or malformed",
            )
        (
            _sig,
            made_by,
            _needed,
            flags,
            method,
            dos_time,
            dos_date,
            crc,
            compressed,
            uncompressed,
            name_length,
            extra_length,
            comment_length,
            disk_start,
            internal,
            external,
            offset,
        ) = _CENTRAL.unpack(fixed)
        if max_name_bytes is not None and name_length > max_name_bytes:
            preview = cursor.read(min(name_length, 80)).decode("utf-8", "replace")
            raise ScanRejected(
                Rule.NAME_TOO_LONG,
                f"an entry name is {name_length} bytes long (limit {max_name_bytes})",
                entry=preview + "...",
            )
        raw_name = cursor.read(name_length)
        extra = cursor.read(extra_length)
        skipped = cursor.skip(comment_length)
        if len(raw_name) != name_length or len(extra) != extra_length or skipped != comment_length:
            raise ScanRejected(
                Rule.BAD_CENTRAL_DIRECTORY,
                f"central directory record {index + 1} runs past the directory",
            )
        name = decode_name(raw_name, flags)
        records = iter_extra(extra, rule=Rule.BAD_CENTRAL_DIRECTORY, entry=name)
        resolved, is_zip64 = _resolve_central_zip64(
            records,
            [
                ("uncompressed size", uncompressed, U32_MAX),
                ("compressed size", compressed, U32_MAX),
                ("header offset", offset, U32_MAX),
                ("disk number", disk_start, U16_MAX),
            ],
            name,
        )
        if resolved["disk number"] != 0:
            raise ScanRejected(Rule.MULTI_DISK, "the entry starts on another disk", entry=name)
        other_names: list[str] = []
        unicode_name: str | None = None
        unicode_data = _single_record(records, EXTRA_UNICODE_PATH, name)
        if unicode_data is not None:
            unicode_name = _unicode_path(unicode_data, name)
            if unicode_name is not None:
                if max_name_bytes is not None and len(unicode_name.encode()) > max_name_bytes:
                    raise ScanRejected(
                        Rule.NAME_TOO_LONG,
                        f"the Unicode Path name is longer than {max_name_bytes} bytes",
                        entry=name,
                    )
                if unicode_name != name:
                    other_names.append(unicode_name)
        if not flags & FLAG_UTF8 and not raw_name.isascii():
            # Unzip on Linux and macOS uses the raw bytes; judge that reading too.
            try:
                raw_utf8 = raw_name.decode("utf-8")
            except UnicodeDecodeError:
                raw_utf8 = None
            if raw_utf8 is not None and raw_utf8 != name and raw_utf8 not in other_names:
                other_names.append(raw_utf8)
        entries.append(
            CentralEntry(
                index=index,
                raw_name=raw_name,
                name=name,
                other_names=tuple(other_names),
                unicode_path=unicode_name,
                flags=flags,
                method=method,
                crc=crc,
                compressed_size=resolved["compressed size"],
                uncompressed_size=resolved["uncompressed size"],
                local_header_offset=resolved["header offset"],
                external_attr=external,
                create_system=made_by >> 8,
                zip64=is_zip64,
                made_by=made_by,
                dos_time=dos_time,
                dos_date=dos_date,
                internal_attr=internal,
            )
        )
    if cursor.pos != cursor.end:
        raise ScanRejected(
            Rule.BAD_CENTRAL_DIRECTORY,
            f"the central directory holds {cursor.end - cursor.pos} bytes beyond its "
            f"{count} declared records",
        )
    return entries


# --- local headers and data descriptors --------------------------------------------------


def _local_unicode_path(extra: bytes, where: str) -> str | None:
    for kind, data in iter_extra(extra, rule=Rule.HEADER_MISMATCH, entry=where):
        if kind == EXTRA_UNICODE_PATH and len(data) >= 5 and data[0] == 1:
            return data[5:].decode("utf-8", "surrogateescape")
    return None


def _compare_local_header(
    entry: CentralEntry, header: LocalHeader, local_name: bytes, local_extra: bytes, where: str
) -> bool:
    """Local header and central record must describe the same entry. Returns whether the
    local header uses ZIP64 sizes (its data descriptor then has 8-byte sizes)."""
    if local_name != entry.raw_name:
        local = local_name.decode("utf-8", "replace")
        raise ScanRejected(
            Rule.HEADER_MISMATCH, f"the local header names the entry {local!r}", entry=where
        )
    # Flags that change how the entry is read must agree; compression-level hints (bits 1-2)
    # may differ, and the UTF-8 bit only matters when the name is not plain ASCII (some
    # writers set it in one header only).
    significant = _SIGNIFICANT_FLAGS | (0 if entry.raw_name.isascii() else FLAG_UTF8)
    if (header.flags ^ entry.flags) & significant:
        raise ScanRejected(
            Rule.HEADER_MISMATCH,
            f"flags differ (local {header.flags:#06x}, directory {entry.flags:#06x})",
            entry=where,
        )
    if header.method != entry.method:
        raise ScanRejected(
            Rule.HEADER_MISMATCH,
            f"compression methods differ (local {header.method}, directory {entry.method})",
            entry=where,
        )
    compressed, uncompressed, local_zip64 = resolve_local_zip64(header, local_extra, where)
    deferred = bool(entry.flags & FLAG_DATA_DESCRIPTOR)
    for label, local_value, central_value in (
        ("CRC-32", header.crc, entry.crc),
        ("compressed size", compressed, entry.compressed_size),
        ("uncompressed size", uncompressed, entry.uncompressed_size),
    ):
        # With a data descriptor the local values may be left zero; if present they must agree.
        if local_value != central_value and not (deferred and local_value == 0):
            raise ScanRejected(
                Rule.HEADER_MISMATCH,
                f"the {label} differs (local {local_value}, directory {central_value})",
                entry=where,
            )
    local_unicode = _local_unicode_path(local_extra, where)
    if local_unicode is not None and local_unicode not in (entry.unicode_path, entry.name):
        raise ScanRejected(
            Rule.HEADER_MISMATCH,
            f"the local Unicode Path extra names the entry {local_unicode!r}",
            entry=where,
        )
    return local_zip64


def consume_descriptor(cursor: BlockCursor, entry: CentralEntry, *, wide: bool, where: str) -> None:
    """The data descriptor after a streamed entry must repeat the directory's CRC and sizes."""
    data = cursor.peek(24)
    signed = data.startswith(DESCRIPTOR_SIG)
    body = data[4:] if signed else data
    for wide_sizes in (wide, not wide):
        fmt = "<IQQ" if wide_sizes else "<III"
        length = struct.calcsize(fmt)
        if len(body) < length:
            continue
        crc, compressed, uncompressed = struct.unpack_from(fmt, body)
        if (crc, compressed, uncompressed) == (
            entry.crc,
            entry.compressed_size,
            entry.uncompressed_size,
        ):
            cursor.skip(length + (4 if signed else 0))
            return
    raise ScanRejected(
        Rule.HEADER_MISMATCH,
        "the data descriptor does not match the central directory",
        entry=where,
    )


def read_local_header(cursor: BlockCursor, entry: CentralEntry, where: str) -> bool:
    """Read the local header at the cursor and check it against the directory record; the
    cursor is left at the entry's data. Returns whether the local header uses ZIP64 sizes."""
    header = parse_local_header(cursor.read(LOCAL_SIZE), where)
    local_name = cursor.read(header.name_length)
    local_extra = cursor.read(header.extra_length)
    if len(local_extra) != header.extra_length or len(local_name) != header.name_length:
        raise ScanRejected(
            Rule.OVERLAPPING_ENTRIES,
            "the local header runs into the central directory",
            entry=where,
        )
    return _compare_local_header(entry, header, local_name, local_extra, where)


# --- entry checks shared by the scan and the manifest reader -----------------------------


def check_entry_flags(entry: CentralEntry, where: str) -> None:
    """Encrypted entries and compression methods other than stored and deflate are refused."""
    encrypted = entry.flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION | FLAG_MASKED_HEADERS)
    if encrypted or entry.method == METHOD_AES:
        raise ScanRejected(Rule.ENCRYPTED_ENTRY, "the entry is encrypted", entry=where)
    if entry.method not in (METHOD_STORED, METHOD_DEFLATED):
        raise ScanRejected(
            Rule.UNSUPPORTED_METHOD,
            f"compression method {entry.method} (only stored and deflate are accepted)",
            entry=where,
        )
