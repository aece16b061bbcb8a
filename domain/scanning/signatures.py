"""Content sniffing: our own magic-byte table (authoritative for nested archives) and libmagic
(a first filter: it labels entries for the report and flags archive formats the table misses).
"""

from __future__ import annotations

import codecs
import threading
from enum import StrEnum
from typing import Any

SNIFF_BYTES = 2048


class ArchiveKind(StrEnum):
    ZIP = "zip"
    GZIP = "gzip"
    BZIP2 = "bzip2"
    XZ = "xz"
    TAR = "tar"
    SEVEN_ZIP = "7z"
    RAR = "rar"
    ZSTD = "zstd"
    LZ4 = "lz4"
    LZIP = "lzip"
    CAB = "cab"
    XAR = "xar"
    AR = "ar"
    RPM = "rpm"
    CPIO = "cpio"
    OTHER = "other"  # libmagic says "archive" but the table does not know it


# Formats the scanner opens and checks (within `ScanLimits.max_nesting_depth`).
INSPECTABLE = frozenset(
    {ArchiveKind.ZIP, ArchiveKind.GZIP, ArchiveKind.BZIP2, ArchiveKind.XZ, ArchiveKind.TAR}
)
COMPRESSORS = frozenset({ArchiveKind.GZIP, ArchiveKind.BZIP2, ArchiveKind.XZ})

_PREFIXES: tuple[tuple[bytes, ArchiveKind], ...] = (
    (b"PK\x03\x04", ArchiveKind.ZIP),
    (b"PK\x05\x06", ArchiveKind.ZIP),  # empty archive
    (b"PK\x07\x08", ArchiveKind.ZIP),  # spanned-archive marker
    (b"\x1f\x8b\x08", ArchiveKind.GZIP),
    (b"\xfd7zXZ\x00", ArchiveKind.XZ),
    (b"7z\xbc\xaf\x27\x1c", ArchiveKind.SEVEN_ZIP),
    (b"Rar!\x1a\x07", ArchiveKind.RAR),
    (b"\x28\xb5\x2f\xfd", ArchiveKind.ZSTD),
    (b"\x04\x22\x4d\x18", ArchiveKind.LZ4),
    (b"LZIP", ArchiveKind.LZIP),
    (b"MSCF\x00\x00\x00\x00", ArchiveKind.CAB),
    (b"xar!", ArchiveKind.XAR),
    (b"!<arch>\n", ArchiveKind.AR),
    (b"\xed\xab\xee\xdb", ArchiveKind.RPM),
    (b"070701", ArchiveKind.CPIO),
    (b"070702", ArchiveKind.CPIO),
    (b"070707", ArchiveKind.CPIO),
)
_BZIP2_BLOCK = (b"\x31\x41\x59\x26\x53\x59", b"\x17\x72\x45\x38\x50\x90")

# libmagic MIME types that mean "an archive or a compressed stream".
ARCHIVE_MIMES = frozenset(
    {
        "application/zip",
        "application/x-zip-compressed",
        "application/java-archive",
        "application/x-java-archive",
        "application/epub+zip",
        "application/vnd.android.package-archive",
        "application/gzip",
        "application/x-gzip",
        "application/x-bzip2",
        "application/x-xz",
        "application/x-tar",
        "application/x-gtar",
        "application/x-ustar",
        "application/x-7z-compressed",
        "application/x-rar",
        "application/x-rar-compressed",
        "application/vnd.rar",
        "application/zstd",
        "application/x-zstd",
        "application/x-lz4",
        "application/x-lzip",
        "application/x-lzma",
        "application/x-compress",
        "application/vnd.ms-cab-compressed",
        "application/x-xar",
        "application/x-archive",
        "application/x-debian-package",
        "application/x-rpm",
        "application/x-cpio",
        "application/x-iso9660-image",
        "application/x-arj",
        "application/x-lzh-compressed",
        "application/x-lha",
        "application/x-ace-compressed",
        "application/x-stuffit",
        "application/x-alz-compressed",
        "application/x-apple-diskimage",
    }
)
_ARCHIVE_MIME_PREFIXES = (
    "application/vnd.openxmlformats-officedocument.",
    "application/vnd.oasis.opendocument.",
)

EXECUTABLE_MIMES = frozenset(
    {
        "application/x-executable",
        "application/x-sharedlib",
        "application/x-pie-executable",
        "application/x-dosexec",
        "application/x-msdownload",
        "application/vnd.microsoft.portable-executable",
        "application/x-mach-binary",
        "application/x-elf",
        "application/x-object",
    }
)


def detect_archive(head: bytes) -> ArchiveKind | None:
    """The archive format these first bytes announce, by magic bytes only (never the name)."""
    for prefix, kind in _PREFIXES:
        if head.startswith(prefix):
            return kind
    if head[:3] == b"BZh" and head[3:4] in b"123456789" and head[4:10] in _BZIP2_BLOCK:
        return ArchiveKind.BZIP2
    if head[257:262] == b"ustar":
        return ArchiveKind.TAR
    return None


# Bytes that may appear in text: printable ASCII, common whitespace, ESC, and any byte >= 0x80
# (validated as UTF-8 separately). Everything else is a control byte.
_TEXT_BYTES = bytes(range(0x20, 0x7F)) + b"\t\n\r\f\v\x1b" + bytes(range(0x80, 0x100))


def looks_like_text(head: bytes) -> bool:
    """Plain UTF-8 text without control bytes (a multi-byte character cut off at the end of
    the head is fine). No archive or executable format the scanner or libmagic recognises
    starts like this except ASCII cpio and `ar`, which `detect_archive` catches first."""
    if head.translate(None, _TEXT_BYTES):
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def is_archive_mime(mime: str | None) -> bool:
    if not mime:
        return False
    return mime in ARCHIVE_MIMES or mime.startswith(_ARCHIVE_MIME_PREFIXES)


class _Sniffer:
    """libmagic, loaded once. A missing libmagic degrades to our table plus a report warning."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded = False
        self._magic: Any = None
        self.error: str | None = None

    def _load(self) -> None:
        with self._lock:
            if self._loaded:
                return
            try:
                import magic

                self._magic = magic.Magic(mime=True)
            except (ImportError, OSError) as exc:  # libmagic not installed
                self.error = f"libmagic is unavailable ({exc}); only magic bytes were checked"
            self._loaded = True

    def mime(self, head: bytes) -> str | None:
        if not head:
            return None
        if not self._loaded:
            self._load()
        if self._magic is None:
            return None
        try:
            return str(self._magic.from_buffer(head))
        except Exception as exc:  # libmagic failing on odd input is no verdict
            return f"unknown ({type(exc).__name__})"


_SNIFFER = _Sniffer()


def sniff_mime(head: bytes) -> str | None:
    """libmagic's MIME type for the first bytes (>= SNIFF_BYTES where available)."""
    return _SNIFFER.mime(head)


def sniffer_warning() -> str | None:
    return _SNIFFER.error
