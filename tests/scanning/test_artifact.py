"""Artifact builds: the binary must belong to the declared platform."""

from __future__ import annotations

import io
import struct
import tarfile

import pytest

from domain.exceptions import InvalidInput
from domain.scanning import Rule, check_artifact_binary
from storage.readers import BytesReader
from tests.scanning.zipcraft import stdlib_zip


def pe() -> bytes:
    dos = bytearray(b"MZ" + bytes(0x3A) + struct.pack("<I", 0x80))
    return bytes(dos) + bytes(0x80 - len(dos)) + b"PE\x00\x00" + bytes(400)


def elf(appimage: bool = False) -> bytes:
    ident = b"\x7fELF\x02\x01\x01\x00" + (b"AI\x02" if appimage else bytes(3)) + bytes(5)
    return ident + struct.pack("<HHI", 2, 0x3E, 1) + bytes(300)


MACHO = b"\xcf\xfa\xed\xfe" + struct.pack("<II", 0x01000007, 3) + bytes(300)
MACHO_FAT = b"\xca\xfe\xba\xbe" + struct.pack(">I", 2) + bytes(300)
JAVA_CLASS = b"\xca\xfe\xba\xbe" + struct.pack(">HH", 0, 61) + bytes(300)
MSI = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)
DEB = b"!<arch>\ndebian-binary   " + bytes(200)
RPM = b"\xed\xab\xee\xdb" + bytes(200)
DMG = b"\x78\x01" + bytes(2000) + b"koly" + bytes(508)
PKG = b"xar!" + bytes(100)
APK = stdlib_zip({"AndroidManifest.xml": "<manifest/>", "classes.dex": "dex"})
IPA = stdlib_zip({"Payload/App.app/Info.plist": "<plist/>", "Payload/App.app/App": "bin"})
PLAIN_ZIP = stdlib_zip({"app/readme.txt": "portable build"})


def tarball() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo("App.app/Contents/MacOS/App")
        info.size = 3
        archive.addfile(info, io.BytesIO(b"bin"))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("platform", "data"),
    [
        ("windows", pe()),
        ("win64", pe()),
        ("windows", MSI),
        ("windows", PLAIN_ZIP),
        ("linux", elf()),
        ("linux", elf(appimage=True)),
        ("linux", DEB),
        ("linux", RPM),
        ("linux", tarball()),
        ("macos", MACHO),
        ("darwin", MACHO_FAT),
        ("macos", DMG),
        ("macos", PKG),
        ("macos", tarball()),
        ("android", APK),
        ("android", elf()),
        ("ios", IPA),
        ("ios", MACHO),
        ("all", b"anything at all"),
        ("all", pe()),
    ],
)
def test_matching_platform_passes(platform: str, data: bytes) -> None:
    report = check_artifact_binary(BytesReader(data), platform)
    assert report.verdict == "pass", report.to_dict()
    assert report.detected_types["format"] != ""


@pytest.mark.parametrize(
    ("platform", "data"),
    [
        ("windows", elf()),
        ("linux", pe()),
        ("macos", pe()),
        ("macos", JAVA_CLASS),
        ("android", PLAIN_ZIP),
        ("android", pe()),
        ("ios", APK),
        ("ios", elf()),
        ("windows", b"#!/bin/sh\necho not a binary\n"),
        ("linux", b"just text"),
    ],
)
def test_other_platform_or_unknown_format_fails(platform: str, data: bytes) -> None:
    report = check_artifact_binary(BytesReader(data), platform)
    assert (report.verdict, report.rule) == ("fail", Rule.TYPE_MISMATCH), report.to_dict()
    assert platform.replace("win64", "windows") in report.message or "build" in report.message


def test_empty_artifact() -> None:
    report = check_artifact_binary(BytesReader(b""), "all")
    assert (report.verdict, report.rule) == ("fail", Rule.EMPTY_FILE)


def test_unknown_platform_is_a_caller_error() -> None:
    with pytest.raises(InvalidInput):
        check_artifact_binary(BytesReader(pe()), "amiga")


def test_report_records_what_was_found() -> None:
    report = check_artifact_binary(BytesReader(APK), "android")
    assert report.detected_types["format"] == "apk"
    assert report.detected_types["(upload)"] in {
        "application/zip",
        "application/vnd.android.package-archive",
        "application/java-archive",
    }
    assert report.to_dict()["rule"] is None
