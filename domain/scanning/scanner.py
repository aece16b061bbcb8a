"""`scan_archive`: validate an uploaded ZIP, streaming, and decide pass or fail.

Order of checks (the first rule that fires is the verdict):

1. container: end records, ZIP64, central directory (`not_zip`, `truncated`, `trailing_data`,
   `prepended_data`, `hidden_data`, `bad_central_directory`, `multi_disk`, `bad_zip64`), the
   entry count and name length (both before anything is kept in memory);
2. each directory record: name rules, encryption, method, entry type, collisions;
3. overlap, judged from the directory alone (Fifield's bombs are caught before inflating);
4. declared sizes and ratios;
5. one sequential pass over the entries: local headers against the directory, gaps, data
   descriptors, and every entry decompressed in bounded chunks with the limits enforced on the
   bytes actually produced (declared sizes may lie), then size and CRC-32; nested archives are
   spooled to a temporary file and checked recursively, sharing the same budget;
6. content: the manifest and Python sources a `mod` needs, `feature.yaml` for feature packs.

With `collect_pages=True` the same pass also keeps the entries of the package's page
(README.md, CHANGELOG.md, icon: domain/pages/sources.py) in `ScanReport.pages`, each bounded;
what they hold never changes the verdict.

Entries inside nested archives are reported as `outer.whl!/inner/path.py`; the decompressed
content of a gzip/bzip2/xz entry is `data.tar.gz!`, so a member of it is `data.tar.gz!!/a.txt`.

Nothing is extracted and nothing is repaired. Reader failures (OSError) propagate so the job
retries them; only the archive's own content produces a "fail".
"""

from __future__ import annotations

import logging
import stat
import tarfile
import tempfile
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO

from domain.enums import PackageType, ScanVerdict
from domain.manifest import Manifest, ManifestError, compare_manifest, manifest_candidates
from domain.pages.sources import LIMITS as PAGE_LIMITS
from domain.pages.sources import ArchivePages, PageEntry, choose_page_entries
from domain.scanning.archive_manifest import (
    is_feature_pack,
    manifest_path_for,
    parse_archive_manifest,
)
from domain.scanning.entry_names import NameRegistry, check_entry_name
from domain.scanning.reader import DEFAULT_BLOCK_SIZE, BlockCursor, read_exactly
from domain.scanning.rules import Rule, ScanRejected
from domain.scanning.scan_limits import Budget, EntryMeter, ScanLimits
from domain.scanning.scan_report import ScanReport
from domain.scanning.signatures import (
    COMPRESSORS,
    EXECUTABLE_MIMES,
    INSPECTABLE,
    SNIFF_BYTES,
    ArchiveKind,
    detect_archive,
    is_archive_mime,
    looks_like_text,
    sniff_mime,
    sniffer_warning,
)
from domain.scanning.streams import (
    Buffer,
    Decoder,
    RawDeflateDecoder,
    StoredDecoder,
    stream_decoder,
)
from domain.scanning.zipformat import (
    FLAG_DATA_DESCRIPTOR,
    LOCAL_SIZE,
    METHOD_STORED,
    ArchiveLayout,
    CentralEntry,
    check_entry_flags,
    consume_descriptor,
    read_layout,
    read_local_header,
)
from storage.interface import RandomAccessReader
from storage.readers import FileObjectReader

log = logging.getLogger("registry.scan")

UPLOAD_LABEL = "(upload)"
# Nested archives stay in memory up to this size, then spill to a temporary file.
SPOOL_MEMORY = 1024 * 1024
# tarfile reads whole pax and GNU long-name headers at once; bigger ones are refused.
TAR_HEADER_READ_LIMIT = 1024 * 1024
MAX_DETECTED_TYPES = 200
FILE_ATTRIBUTE_REPARSE_POINT = 0x400


@dataclass
class _Context:
    limits: ScanLimits
    budget: Budget
    block_size: int
    detected: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    capture_path: str | None = None  # top-level manifest, kept while streaming
    captured: bytes | None = None
    magic_on_text: bool = False
    top_level_entries: int = 0
    pages: ArchivePages | None = None  # set when the scan collects the package's page
    page_entries: dict[str, str] = field(default_factory=dict)  # entry name -> page kind

    def note_type(self, where: str, mime: str | None) -> None:
        if mime and (where in self.detected or len(self.detected) < MAX_DETECTED_TYPES):
            self.detected[where] = mime

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)


def scan_archive(
    reader: RandomAccessReader,
    *,
    limits: ScanLimits | None = None,
    package_type: str,
    package_name: str,
    package_version: str | None = None,
    block_size: int = DEFAULT_BLOCK_SIZE,
    magic_on_text: bool = False,
    collect_pages: bool = False,
) -> ScanReport:
    """Validate an uploaded package ZIP; never raises for the archive's content.

    `limits` defaults to `ScanLimits.for_package_type(package_type)`. `package_version`, when
    given, adds a warning if the manifest disagrees (§6: never a rejection). libmagic sniffs
    the upload and every entry that is not plain UTF-8 text; `magic_on_text=True` sends text
    entries through it as well (slower: see bench/README.md). `collect_pages=True` fills
    `report.pages` with the page's entries (README, changelog, icon), read in the same pass.
    """
    started = time.perf_counter()
    limits = limits or ScanLimits.for_package_type(package_type)
    context = _Context(
        limits=limits, budget=Budget(limits), block_size=block_size, magic_on_text=magic_on_text
    )
    report = ScanReport(verdict=ScanVerdict.PASS, compressed_size=reader.size)
    try:
        head = read_exactly(reader, 0, SNIFF_BYTES)
        context.note_type(UPLOAD_LABEL, sniff_mime(head))
        if reader.size == 0:
            raise ScanRejected(Rule.NOT_ZIP, "the upload is empty")

        def choose_manifest(layout: ArchiveLayout) -> None:
            context.capture_path = manifest_path_for(
                [entry.name for entry in layout.entries], package_type, package_name
            )
            if collect_pages:
                context.pages = choose_page_entries(
                    [
                        PageEntry(entry.name, entry.compressed_size, entry.uncompressed_size)
                        for entry in layout.entries
                    ],
                    context.capture_path,
                )
                context.page_entries = context.pages.wanted()

        layout = _scan_zip(reader, context, depth=0, prefix="", before_stream=choose_manifest)
        report.manifest = _check_contents(
            layout, context, package_type, package_name, package_version
        )
        report.message = "all checks passed"
    except ScanRejected as rejected:
        report.verdict = ScanVerdict.FAIL
        report.rule = rejected.rule
        report.entry = rejected.entry
        report.message = rejected.message
    except (OSError, MemoryError):
        raise  # storage or machine trouble: the job retries, no verdict
    except Exception as exc:  # fail closed on input that trips a scanner bug
        log.exception("scanner error on %s %s", package_type, package_name)
        report.verdict = ScanVerdict.FAIL
        report.rule = Rule.SCANNER_ERROR
        report.message = f"the scanner could not judge this archive ({type(exc).__name__})"
    report.entry_count = context.top_level_entries
    if (problem := sniffer_warning()) is not None:
        context.warn(problem)
    report.total_uncompressed = context.budget.total_out
    report.max_ratio = context.budget.max_ratio
    report.detected_types = context.detected
    report.warnings = context.warnings
    report.pages = context.pages if report.passed else None
    report.duration_ms = (time.perf_counter() - started) * 1000
    return report


# --- one ZIP layer ------------------------------------------------------------------------


def _scan_zip(
    reader: RandomAccessReader,
    context: _Context,
    *,
    depth: int,
    prefix: str,
    before_stream: Callable[[ArchiveLayout], None] | None = None,
) -> ArchiveLayout:
    limits = context.limits
    try:
        layout = read_layout(
            reader,
            max_entries=context.budget.remaining_entries(),
            max_name_bytes=limits.max_name_bytes,
            block_size=context.block_size,
        )
    except ScanRejected as rejected:
        if prefix and rejected.entry is None:
            rejected.entry = prefix.removesuffix("!/")
        elif prefix and rejected.entry is not None:
            rejected.entry = prefix + rejected.entry
        raise
    if depth == 0:
        context.top_level_entries = len(layout.entries)
    context.budget.add_entries(len(layout.entries), where=prefix.removesuffix("!/") or None)

    registry = NameRegistry()
    for entry in layout.entries:
        where = prefix + entry.name
        check_entry_name(entry.name, entry=where)
        for other in entry.other_names:
            check_entry_name(other, entry=where)
        check_entry_flags(entry, where)
        _check_entry_type(entry, where, context)
        registry.add(
            entry.index, [entry.name, *entry.other_names], is_dir=entry.is_dir, entry=where
        )
    _check_overlap(layout, prefix)
    _check_declared_sizes(layout, context, prefix, top_level=depth == 0)
    if before_stream is not None:
        before_stream(layout)
    _stream_entries(reader, layout, context, depth=depth, prefix=prefix)
    return layout


def _check_entry_type(entry: CentralEntry, where: str, context: _Context) -> None:
    mode = entry.external_attr >> 16
    file_type = stat.S_IFMT(mode)
    if file_type == stat.S_IFLNK:
        raise ScanRejected(Rule.SYMLINK_ENTRY, "the entry is a symbolic link", entry=where)
    if entry.external_attr & FILE_ATTRIBUTE_REPARSE_POINT:
        raise ScanRejected(
            Rule.SYMLINK_ENTRY, "the entry is a Windows reparse point (link)", entry=where
        )
    if file_type not in (0, stat.S_IFREG, stat.S_IFDIR):
        kind = {
            stat.S_IFCHR: "character device",
            stat.S_IFBLK: "block device",
            stat.S_IFIFO: "FIFO",
            stat.S_IFSOCK: "socket",
        }.get(file_type, "special file")
        raise ScanRejected(Rule.SYMLINK_ENTRY, f"the entry is a {kind}", entry=where)
    if file_type == stat.S_IFDIR and not entry.is_dir:
        raise ScanRejected(
            Rule.SYMLINK_ENTRY, "the entry is marked as a folder but named as a file", entry=where
        )
    if entry.is_dir and entry.uncompressed_size > 0:
        raise ScanRejected(Rule.SYMLINK_ENTRY, "a folder entry carries data", entry=where)
    if mode & (stat.S_ISUID | stat.S_ISGID):
        context.warn(f"{where}: setuid/setgid bits are set (extractors should drop them)")


def _check_overlap(layout: ArchiveLayout, prefix: str) -> None:
    """Entries must not share bytes. Judged from the directory before anything is inflated,
    using each entry's smallest possible extent (fixed header + compressed data; the local
    name is checked against the directory later, in the sequential pass)."""
    ordered = sorted(layout.entries, key=lambda entry: entry.local_header_offset)
    previous: CentralEntry | None = None
    previous_end = 0
    for entry in ordered:
        if previous is not None and entry.local_header_offset < previous_end:
            shared = (
                "the same local header"
                if entry.local_header_offset == previous.local_header_offset
                else "overlapping bytes"
            )
            raise ScanRejected(
                Rule.OVERLAPPING_ENTRIES,
                f"'{previous.name}' and '{entry.name}' use {shared} (overlapping-entry bomb)",
                entry=prefix + entry.name,
            )
        previous = entry
        previous_end = entry.local_header_offset + LOCAL_SIZE + entry.compressed_size
    if previous is not None and previous_end > layout.cd_offset:
        raise ScanRejected(
            Rule.OVERLAPPING_ENTRIES,
            "the entry's data overlaps the central directory",
            entry=prefix + previous.name,
        )


def _check_declared_sizes(
    layout: ArchiveLayout, context: _Context, prefix: str, *, top_level: bool
) -> None:
    limits = context.limits
    budget = context.budget
    for entry in layout.entries:
        if entry.uncompressed_size > limits.max_entry_size:
            raise ScanRejected(
                Rule.ENTRY_TOO_LARGE,
                f"declares {entry.uncompressed_size} bytes (limit {limits.max_entry_size})",
                entry=prefix + entry.name,
            )
    declared_total = sum(entry.uncompressed_size for entry in layout.entries)
    payload = sum(entry.compressed_size for entry in layout.entries)
    if budget.total_out + declared_total > limits.max_total_size:
        raise ScanRejected(
            Rule.TOTAL_TOO_LARGE,
            f"entries declare {declared_total} bytes in total (limit {limits.max_total_size})",
            entry=prefix.removesuffix("!/") or None,
        )
    for entry in layout.entries:
        declared = entry.uncompressed_size
        if (
            declared > limits.ratio_grace_bytes
            and declared > max(entry.compressed_size, 1) * limits.max_ratio
        ):
            raise ScanRejected(
                Rule.RATIO_EXCEEDED,
                f"declares a compression ratio above {limits.max_ratio:g} "
                f"({declared} from {entry.compressed_size} bytes)",
                entry=prefix + entry.name,
            )
    if top_level:
        budget.compressed_payload = payload
        if (
            declared_total > limits.ratio_grace_bytes
            and declared_total > max(payload, 1) * limits.max_total_ratio
        ):
            raise ScanRejected(
                Rule.RATIO_EXCEEDED,
                f"entries declare a total ratio above {limits.max_total_ratio:g} "
                f"({declared_total} from {payload} bytes)",
            )


# --- the sequential pass ------------------------------------------------------------------


def _stream_entries(
    reader: RandomAccessReader,
    layout: ArchiveLayout,
    context: _Context,
    *,
    depth: int,
    prefix: str,
) -> None:
    cursor = BlockCursor(reader, 0, layout.cd_offset, context.block_size)
    for entry in sorted(layout.entries, key=lambda item: item.local_header_offset):
        where = prefix + entry.name
        if entry.local_header_offset > cursor.pos:
            raise ScanRejected(
                Rule.HIDDEN_DATA,
                f"{entry.local_header_offset - cursor.pos} bytes before this entry belong to "
                "no entry",
                entry=where,
            )
        if entry.local_header_offset < cursor.pos:
            raise ScanRejected(
                Rule.OVERLAPPING_ENTRIES, "the entry starts inside the previous one", entry=where
            )
        local_zip64 = read_local_header(cursor, entry, where)
        if cursor.pos + entry.compressed_size > layout.cd_offset:
            raise ScanRejected(
                Rule.OVERLAPPING_ENTRIES,
                "the entry's data runs into the central directory",
                entry=where,
            )
        _inflate_entry(cursor, entry, context, depth=depth, where=where)
        if entry.flags & FLAG_DATA_DESCRIPTOR:
            consume_descriptor(cursor, entry, wide=local_zip64 or entry.zip64, where=where)
    if cursor.pos != layout.cd_offset:
        raise ScanRejected(
            Rule.HIDDEN_DATA,
            f"{layout.cd_offset - cursor.pos} bytes between the last entry and the central "
            "directory belong to no entry",
            entry=prefix.removesuffix("!/") or None,
        )


class _EntrySink:
    """Receives an entry's decompressed bytes: counts them, checksums them, sniffs the first
    SNIFF_BYTES, keeps the manifest, and spools nested archives for a recursive check."""

    def __init__(
        self,
        context: _Context,
        where: str,
        depth: int,
        meter: EntryMeter,
        *,
        capture: bool = False,
        page_kind: str | None = None,
        page_limit: int = 0,
    ) -> None:
        self._context = context
        self._where = where
        self._depth = depth
        self._meter = meter
        self.crc = 0
        self.size = 0
        self._head = bytearray()
        self._pending: list[bytes] = []
        self._decided = False
        self.kind: ArchiveKind | None = None
        self.spool: IO[bytes] | None = None
        self._capture: bytearray | None = bytearray() if capture else None
        self._page_kind = page_kind
        self._page_limit = page_limit
        self._page: bytearray | None = bytearray() if page_kind is not None else None

    def write(self, data: Buffer) -> None:
        self._meter.add(len(data))
        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data)
        if self._capture is not None:
            room = self._context.limits.max_manifest_bytes + 1 - len(self._capture)
            if room > 0:
                self._capture += data[:room]
        if self._page is not None:
            room = self._page_limit + 1 - len(self._page)
            if room > 0:
                self._page += data[:room]
        if self._decided:
            if self.spool is not None:
                self.spool.write(data)
            return
        self._head += data[: SNIFF_BYTES - len(self._head)]
        if len(self._head) < SNIFF_BYTES:
            self._pending.append(bytes(data))
            return
        self._decide()
        if self.spool is not None:
            self.spool.write(data)

    def _decide(self) -> None:
        self._decided = True
        head = bytes(self._head)
        context = self._context
        kind = detect_archive(head)
        mime: str | None = None
        if head and (
            kind is not None
            or self._capture is not None
            or context.magic_on_text
            or not looks_like_text(head)
        ):
            # libmagic costs ~0.3-0.9 ms a call, more than inflating a small source file;
            # plain text cannot hide an archive or executable, so it skips the call.
            mime = sniff_mime(head)
        if kind is None and is_archive_mime(mime):
            kind = ArchiveKind.OTHER
        if kind is not None or self._capture is not None:
            context.note_type(self._where, mime)
        if mime in EXECUTABLE_MIMES:
            context.note_type(self._where, mime)
            context.warn(f"{self._where}: native executable ({mime})")
        if kind is not None:
            if kind not in INSPECTABLE:
                raise ScanRejected(
                    Rule.NESTED_ARCHIVE,
                    f"a nested {kind} archive ({mime or 'unknown type'}) cannot be inspected",
                    entry=self._where,
                )
            if self._depth + 1 > context.limits.max_nesting_depth:
                raise ScanRejected(
                    Rule.NESTED_ARCHIVE,
                    f"a nested {kind} archive is deeper than "
                    f"{context.limits.max_nesting_depth} levels",
                    entry=self._where,
                )
            self.kind = kind
            self.spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY)
            for piece in self._pending:
                self.spool.write(piece)
        self._pending.clear()

    def finish(self) -> None:
        if not self._decided:
            self._decide()
        if self._capture is not None:
            self._context.captured = bytes(self._capture)
        pages = self._context.pages
        if self._page is not None and self._page_kind is not None and pages is not None:
            pages.data[self._page_kind] = bytes(self._page)

    def close(self) -> None:
        if self.spool is not None:
            self.spool.close()
            self.spool = None


def _inflate_entry(
    cursor: BlockCursor, entry: CentralEntry, context: _Context, *, depth: int, where: str
) -> None:
    meter = context.budget.meter(where, entry.compressed_size)
    capture = depth == 0 and entry.name == context.capture_path
    page_kind = context.page_entries.get(entry.name) if depth == 0 else None
    sink = _EntrySink(
        context,
        where,
        depth,
        meter,
        capture=capture,
        page_kind=page_kind,
        page_limit=PAGE_LIMITS.get(page_kind or "", 0),
    )
    try:
        if entry.compressed_size == 0 and entry.uncompressed_size == 0:
            decoder: Decoder | None = None  # empty file or folder, whatever the method says
        elif entry.method == METHOD_STORED:
            decoder = StoredDecoder()
        else:
            decoder = RawDeflateDecoder(where)
        if decoder is not None:
            for chunk in cursor.chunks(entry.compressed_size):
                for out in decoder.feed(chunk):
                    sink.write(out)
            for out in decoder.finish():
                sink.write(out)
        meter.finish()
        if sink.size != entry.uncompressed_size:
            raise ScanRejected(
                Rule.SIZE_MISMATCH,
                f"decompresses to {sink.size} bytes but declares {entry.uncompressed_size}",
                entry=where,
            )
        if sink.crc != entry.crc:
            raise ScanRejected(
                Rule.CRC_MISMATCH,
                f"CRC-32 is {sink.crc:#010x} but the directory says {entry.crc:#010x}",
                entry=where,
            )
        sink.finish()
        if sink.kind is not None and sink.spool is not None:
            _inspect_nested(sink.spool, sink.size, sink.kind, where, depth + 1, context)
    finally:
        sink.close()


# --- nested archives ----------------------------------------------------------------------


def _inspect_nested(
    spool: IO[bytes], size: int, kind: ArchiveKind, where: str, depth: int, context: _Context
) -> None:
    """Check an archive found inside the upload; `depth` is its own nesting level (>= 1)."""
    spool.flush()
    if kind == ArchiveKind.ZIP:
        _scan_zip(FileObjectReader(spool, size), context, depth=depth, prefix=f"{where}!/")
    elif kind in COMPRESSORS:
        _inspect_compressed(spool, size, kind, where, depth, context)
    elif kind == ArchiveKind.TAR:
        _walk_tar(spool, where, depth, context)
    else:  # pragma: no cover - _EntrySink only spools INSPECTABLE kinds
        raise ScanRejected(Rule.NESTED_ARCHIVE, f"{kind} cannot be inspected", entry=where)


def _inspect_compressed(
    spool: IO[bytes], size: int, kind: ArchiveKind, where: str, depth: int, context: _Context
) -> None:
    """A gzip/bzip2/xz stream: decompress it against the limits; if it holds an archive
    (a .tar.gz), check that one level deeper."""
    inner = f"{where}!"
    meter = context.budget.meter(inner, size)
    sink = _EntrySink(context, inner, depth, meter)
    try:
        decoder = stream_decoder(kind, inner)
        cursor = BlockCursor(FileObjectReader(spool, size), 0, size, context.block_size)
        for chunk in cursor.chunks(size):
            for out in decoder.feed(chunk):
                sink.write(out)
        for out in decoder.finish():
            sink.write(out)
        meter.finish()
        sink.finish()
        if sink.kind is not None and sink.spool is not None:
            _inspect_nested(sink.spool, sink.size, sink.kind, inner, depth + 1, context)
    finally:
        sink.close()


class _BoundedReads:
    """A file wrapper that refuses single reads above a limit (tar pax/long-name headers are
    read whole by tarfile; a 1 GiB header must not be)."""

    def __init__(self, fileobj: IO[bytes], limit: int, where: str) -> None:
        self._file = fileobj
        self._limit = limit
        self._where = where

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0 or size > self._limit:
            raise ScanRejected(
                Rule.NESTED_ARCHIVE, "a tar header is larger than allowed", entry=self._where
            )
        return self._file.read(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()


def _walk_tar(spool: IO[bytes], where: str, depth: int, context: _Context) -> None:
    """Check every member of a tar (names, types, sizes) and archives inside it."""
    limits = context.limits
    registry = NameRegistry()
    spool.seek(0)
    guarded = _BoundedReads(spool, TAR_HEADER_READ_LIMIT, where)
    try:
        # typeshed's tar file object also has write() and close(); reading a tar opened on a
        # caller's file object calls neither.
        archive = tarfile.open(fileobj=guarded, mode="r:")  # type: ignore[call-overload]
    except (tarfile.TarError, EOFError, ValueError) as exc:
        raise ScanRejected(Rule.NESTED_ARCHIVE, f"unreadable tar: {exc}", entry=where) from None
    with archive:
        index = 0
        while True:
            try:
                member = archive.next()
            except (tarfile.TarError, EOFError, ValueError) as exc:
                raise ScanRejected(
                    Rule.NESTED_ARCHIVE, f"unreadable tar: {exc}", entry=where
                ) from None
            if member is None:
                break
            name = member.name + ("/" if member.isdir() else "")
            label = f"{where}!/{name}"
            context.budget.add_entries(1, where=label)
            if len(name.encode("utf-8", "surrogateescape")) > limits.max_name_bytes:
                raise ScanRejected(
                    Rule.NAME_TOO_LONG,
                    f"the name is longer than {limits.max_name_bytes} bytes",
                    entry=label,
                )
            check_entry_name(name, entry=label)
            if member.issym() or member.islnk():
                raise ScanRejected(Rule.SYMLINK_ENTRY, "the member is a link", entry=label)
            if member.issparse() or not (member.isreg() or member.isdir()):
                raise ScanRejected(
                    Rule.SYMLINK_ENTRY, "the member is not a regular file", entry=label
                )
            registry.add(index, [name], is_dir=member.isdir(), entry=label)
            if member.size > limits.max_entry_size:
                raise ScanRejected(
                    Rule.ENTRY_TOO_LARGE,
                    f"declares {member.size} bytes (limit {limits.max_entry_size})",
                    entry=label,
                )
            if member.isreg() and member.size > 0:
                _check_tar_member(archive, member, label, depth, context)
            index += 1
            archive.members.clear()  # the walk needs no history; keep memory flat


def _check_tar_member(
    archive: tarfile.TarFile, member: tarfile.TarInfo, label: str, depth: int, context: _Context
) -> None:
    extracted = archive.extractfile(member)
    if extracted is None:  # pragma: no cover - regular members always extract
        return
    # The member's bytes were already counted as part of the tar; this meter only sniffs.
    shadow = Budget(context.limits)
    sink = _EntrySink(context, label, depth, shadow.meter(label, member.size))
    try:
        head = extracted.read(SNIFF_BYTES)
        sink.write(head)
        sink.finish()
        if sink.kind is None or sink.spool is None:
            return
        while chunk := extracted.read(1024 * 1024):
            sink.spool.write(chunk)
        _inspect_nested(sink.spool, member.size, sink.kind, label, depth + 1, context)
    finally:
        sink.close()


# --- content ------------------------------------------------------------------------------


def _check_contents(
    layout: ArchiveLayout,
    context: _Context,
    package_type: str,
    package_name: str,
    package_version: str | None,
) -> Manifest | None:
    path = context.capture_path
    feature_pack = is_feature_pack(package_type, package_name)
    required = feature_pack or package_type == PackageType.MOD
    manifest: Manifest | None = None
    if path is None:
        if feature_pack:
            raise ScanRejected(
                Rule.MANIFEST_MISSING, "a feature pack needs feature.yaml at the archive root"
            )
        if package_type == PackageType.MOD:
            raise ScanRejected(
                Rule.MANIFEST_MISSING,
                "a mod needs a manifest; looked for "
                + ", ".join(manifest_candidates(package_name)),
            )
    else:
        try:
            manifest = parse_archive_manifest(context.captured or b"", path, context.limits)
        except ManifestError as exc:
            if required:
                raise ScanRejected(Rule.MANIFEST_INVALID, exc.message, entry=path) from None
            context.warn(f"the manifest was ignored: {exc.message}")
    if package_type == PackageType.MOD and not any(
        not entry.is_dir and entry.name.lower().endswith(".py") for entry in layout.entries
    ):
        raise ScanRejected(Rule.TYPE_MISMATCH, "a mod must contain Python sources (.py files)")
    if manifest is not None:
        for warning in manifest.warnings:
            context.warn(f"{path}: {warning}")
        for warning in compare_manifest(manifest, package_name, package_version):
            context.warn(warning)
    return manifest
