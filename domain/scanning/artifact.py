"""Artifact builds: is the uploaded file a binary or installer of the declared platform?

Formats are recognised by magic bytes (libmagic's answer is recorded alongside):

| platform | accepted formats |
|---|---|
| windows | PE (exe/dll), MSI (OLE compound file), MSIX/AppX, ZIP, 7z |
| linux | ELF, AppImage, deb, rpm, squashfs (snap), tarballs (tar, gzip, xz, bzip2, zstd), ZIP |
| macos | Mach-O (thin or universal), DMG, pkg (xar), tarballs (`.app.tar.gz`), ZIP |
| android | APK, AAB, ELF (native command-line tools) |
| ios | IPA, Mach-O |
| all | any non-empty file |

Desktop platforms accept generic archives because portable builds and updater bundles (Tauri's
`.app.tar.gz`, `.msi.zip`) ship that way. The contents of such archives are not inspected here:
artifacts are downloaded and run by users, not loaded by the registry client.
"""

from __future__ import annotations

import struct
import time
from enum import StrEnum

from domain.enums import Platform, ScanVerdict
from domain.names import canonical_platform
from domain.scanning.reader import read_exactly
from domain.scanning.rules import Rule, ScanRejected
from domain.scanning.scan_report import ScanReport
from domain.scanning.signatures import ArchiveKind, detect_archive, sniff_mime
from domain.scanning.zipformat import read_layout
from storage.interface import RandomAccessReader

HEAD_BYTES = 4096
DMG_TRAILER = 512
MAX_ARTIFACT_ZIP_ENTRIES = 200_000


class BinaryFormat(StrEnum):
    PE = "pe"
    MSI = "msi"
    MSIX = "msix"
    ELF = "elf"
    APPIMAGE = "appimage"
    MACHO = "macho"
    MACHO_UNIVERSAL = "macho-universal"
    DMG = "dmg"
    PKG = "pkg"
    DEB = "deb"
    RPM = "rpm"
    SQUASHFS = "squashfs"
    APK = "apk"
    AAB = "aab"
    IPA = "ipa"
    CRX = "crx"
    ZIP = "zip"
    TARBALL = "tarball"
    SEVEN_ZIP = "7z"


_DESKTOP_ARCHIVES = {BinaryFormat.ZIP, BinaryFormat.TARBALL}
PLATFORM_FORMATS: dict[Platform, frozenset[BinaryFormat]] = {
    Platform.WINDOWS: frozenset(
        {
            BinaryFormat.PE,
            BinaryFormat.MSI,
            BinaryFormat.MSIX,
            BinaryFormat.SEVEN_ZIP,
            BinaryFormat.ZIP,
        }
    ),
    Platform.LINUX: frozenset(
        {
            BinaryFormat.ELF,
            BinaryFormat.APPIMAGE,
            BinaryFormat.DEB,
            BinaryFormat.RPM,
            BinaryFormat.SQUASHFS,
            *_DESKTOP_ARCHIVES,
        }
    ),
    Platform.MACOS: frozenset(
        {
            BinaryFormat.MACHO,
            BinaryFormat.MACHO_UNIVERSAL,
            BinaryFormat.DMG,
            BinaryFormat.PKG,
            *_DESKTOP_ARCHIVES,
        }
    ),
    Platform.ANDROID: frozenset({BinaryFormat.APK, BinaryFormat.AAB, BinaryFormat.ELF}),
    Platform.IOS: frozenset({BinaryFormat.IPA, BinaryFormat.MACHO, BinaryFormat.MACHO_UNIVERSAL}),
}

_MACHO_MAGICS = (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe")
_TARBALL_KINDS = {
    ArchiveKind.GZIP,
    ArchiveKind.XZ,
    ArchiveKind.BZIP2,
    ArchiveKind.ZSTD,
    ArchiveKind.TAR,
}


def _zip_flavour(reader: RandomAccessReader) -> BinaryFormat:
    """APK, AAB, IPA and MSIX are ZIPs; tell them apart by their well-known entries."""
    try:
        names = [
            entry.name
            for entry in read_layout(reader, max_entries=MAX_ARTIFACT_ZIP_ENTRIES).entries
        ]
    except ScanRejected:
        return BinaryFormat.ZIP
    if "AndroidManifest.xml" in names:
        return BinaryFormat.APK
    if "base/manifest/AndroidManifest.xml" in names:
        return BinaryFormat.AAB
    if any(name.startswith("Payload/") and ".app/" in name for name in names):
        return BinaryFormat.IPA
    if "AppxManifest.xml" in names or "AppxBlockMap.xml" in names:
        return BinaryFormat.MSIX
    return BinaryFormat.ZIP


def detect_binary_format(reader: RandomAccessReader) -> BinaryFormat | None:
    """The executable, installer or bundle format of a file, by magic bytes."""
    head = read_exactly(reader, 0, HEAD_BYTES)
    if head.startswith(b"MZ") and len(head) >= 0x40:
        pe_offset = struct.unpack_from("<I", head, 0x3C)[0]
        if read_exactly(reader, pe_offset, 4) == b"PE\x00\x00":
            return BinaryFormat.PE
    if head.startswith(b"\x7fELF"):
        return BinaryFormat.APPIMAGE if head[8:10] == b"AI" else BinaryFormat.ELF
    if head.startswith(_MACHO_MAGICS):
        return BinaryFormat.MACHO
    if head.startswith((b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf")) and len(head) >= 8:
        # Java class files share this magic; there the next word is a version (>= 45).
        if 0 < struct.unpack_from(">I", head, 4)[0] < 45:
            return BinaryFormat.MACHO_UNIVERSAL
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return BinaryFormat.MSI
    if head.startswith(b"!<arch>\ndebian-binary"):
        return BinaryFormat.DEB
    if head.startswith(b"\xed\xab\xee\xdb"):
        return BinaryFormat.RPM
    if head.startswith(b"xar!"):
        return BinaryFormat.PKG
    if head.startswith((b"hsqs", b"sqsh")):
        return BinaryFormat.SQUASHFS
    if head.startswith(b"Cr24"):
        return BinaryFormat.CRX
    kind = detect_archive(head)
    if kind == ArchiveKind.ZIP:
        return _zip_flavour(reader)
    if kind in _TARBALL_KINDS:
        return BinaryFormat.TARBALL
    if kind == ArchiveKind.SEVEN_ZIP:
        return BinaryFormat.SEVEN_ZIP
    if reader.size >= DMG_TRAILER and read_exactly(reader, reader.size - DMG_TRAILER, 4) == b"koly":
        return BinaryFormat.DMG
    return None


def check_artifact_binary(reader: RandomAccessReader, platform: str) -> ScanReport:
    """Pass when the file is a binary or installer of `platform` (aliases accepted)."""
    started = time.perf_counter()
    canonical = canonical_platform(platform)
    report = ScanReport(
        verdict=ScanVerdict.PASS,
        compressed_size=reader.size,
        total_uncompressed=reader.size,
        entry_count=1,
    )
    mime = sniff_mime(read_exactly(reader, 0, HEAD_BYTES))
    if mime:
        report.detected_types["(upload)"] = mime
    if reader.size == 0:
        report.verdict, report.rule = ScanVerdict.FAIL, Rule.EMPTY_FILE
        report.message = "the artifact is empty"
    else:
        found = detect_binary_format(reader)
        report.detected_types["format"] = str(found) if found else "unknown"
        if canonical is Platform.ALL:
            report.message = f"accepted for all platforms ({found or 'unknown format'})"
        elif found is None or found not in PLATFORM_FORMATS[canonical]:
            expected = ", ".join(sorted(PLATFORM_FORMATS[canonical]))
            report.verdict, report.rule = ScanVerdict.FAIL, Rule.TYPE_MISMATCH
            report.message = (
                f"a {canonical} build must be one of: {expected}; "
                f"this file is {found or mime or 'of an unknown format'}"
            )
        else:
            report.message = f"{found} build for {canonical}"
    report.duration_ms = (time.perf_counter() - started) * 1000
    return report
