"""Byte-level ZIP construction for the scanner tests.

`zipfile` only writes well-formed archives; attacks need lying headers, shared data, broken
ZIP64 records and so on. `build_zip` writes every structure with `struct`, and each field can be
overridden separately in the local header and in the central directory.
"""

from __future__ import annotations

import io
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

S_IFREG = 0o100000
S_IFDIR = 0o040000
S_IFLNK = 0o120000
S_IFIFO = 0o010000
S_IFCHR = 0o020000


def deflate(data: bytes, level: int = 6) -> bytes:
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def unicode_path_extra(name: str, crc: int = 0) -> bytes:
    """An Info-ZIP Unicode Path extra field (0x7075) naming the entry `name`."""
    data = b"\x01" + struct.pack("<I", crc) + name.encode()
    return struct.pack("<HH", 0x7075, len(data)) + data


def zero_bomb(total: int, block: int = 1 << 20) -> tuple[bytes, int]:
    """Raw deflate data expanding to `total` zero bytes (total a multiple of `block`), built
    without compressing `total` bytes: a full-flushed block of zeros repeats verbatim. Returns
    (compressed, crc32)."""
    assert total % block == 0
    zeros = bytes(block)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    final = compressor.flush()
    crc = 0
    for _ in range(total // block):
        crc = zlib.crc32(zeros, crc)
    return piece * (total // block) + final, crc


@dataclass
class Entry:
    name: str | bytes
    data: bytes = b""
    method: int = 8
    flags: int | None = None  # default: UTF-8 flag when the name is non-ASCII text
    external_attr: int = (S_IFREG | 0o644) << 16
    create_system: int = 3
    compressed: bytes | None = None  # default: `data` stored or deflated
    crc: int | None = None
    usize: int | None = None
    csize: int | None = None
    extra: bytes = b""
    descriptor: bool = False  # bit 3: zeros in the local header, a signed descriptor after
    zip64: bool = False  # sizes and offset through ZIP64 extras
    descriptor_fields: dict[str, int] = field(default_factory=dict)  # lies in the descriptor
    local: dict[str, Any] = field(default_factory=dict)  # overrides for the local header only
    central: dict[str, Any] = field(default_factory=dict)  # overrides for the directory only

    def raw_name(self) -> bytes:
        return self.name if isinstance(self.name, bytes) else self.name.encode("utf-8")

    def resolved(self) -> dict[str, Any]:
        raw = self.raw_name()
        flags = self.flags
        if flags is None:
            flags = 0x800 if isinstance(self.name, str) and not self.name.isascii() else 0
        if self.descriptor:
            flags |= 0x8
        compressed = self.compressed
        if compressed is None:
            compressed = deflate(self.data) if self.method == 8 else self.data
        return {
            "name": raw,
            "flags": flags,
            "method": self.method,
            "crc": zlib.crc32(self.data) if self.crc is None else self.crc,
            "usize": len(self.data) if self.usize is None else self.usize,
            "csize": len(compressed) if self.csize is None else self.csize,
            "compressed": compressed,
            "extra": self.extra,
        }


def _local_header(entry: Entry, values: dict[str, Any]) -> bytes:
    fields = {**values, **entry.local}
    crc, csize, usize = fields["crc"], fields["csize"], fields["usize"]
    extra = fields["extra"]
    if entry.descriptor and not entry.local.keys() & {"crc", "csize", "usize"}:
        crc = csize = usize = 0
    if entry.zip64:
        extra = struct.pack("<HHQQ", 1, 16, usize, csize) + extra
        csize = usize = 0xFFFFFFFF
    name = fields["name"]
    return (
        struct.pack(
            "<4sHHHHHIIIHH",
            fields.get("signature", b"PK\x03\x04"),
            45 if entry.zip64 else 20,
            fields["flags"],
            fields["method"],
            0,
            0x5A21,
            crc,
            csize,
            usize,
            len(name),
            len(extra),
        )
        + name
        + extra
    )


def _descriptor(values: dict[str, Any], wide: bool) -> bytes:
    if wide:
        return struct.pack("<4sIQQ", b"PK\x07\x08", values["crc"], values["csize"], values["usize"])
    return struct.pack("<4sIII", b"PK\x07\x08", values["crc"], values["csize"], values["usize"])


def _central_header(entry: Entry, values: dict[str, Any], offset: int) -> bytes:
    fields = {**values, "offset": offset, **entry.central}
    csize, usize, offset = fields["csize"], fields["usize"], fields["offset"]
    extra = fields["extra"]
    if entry.zip64:
        extra = struct.pack("<HHQQQ", 1, 24, usize, csize, offset) + extra
        csize = usize = offset = 0xFFFFFFFF
    name = fields["name"]
    return (
        struct.pack(
            "<4sBBHHHHHIIIHHHHHII",
            b"PK\x01\x02",
            20,
            entry.create_system,
            45 if entry.zip64 else 20,
            fields["flags"],
            fields["method"],
            0,
            0x5A21,
            fields["crc"],
            csize,
            usize,
            len(name),
            len(extra),
            0,
            fields.get("disk", 0),
            0,
            fields.get("external_attr", entry.external_attr),
            offset,
        )
        + name
        + extra
    )


def build_zip(
    entries: Iterable[Entry],
    *,
    comment: bytes = b"",
    prepend: bytes = b"",
    append: bytes = b"",
    gap_after: dict[int, bytes] | None = None,
    offsets_include_prepend: bool = False,
    zip64_end: bool = False,
    end_overrides: dict[str, int] | None = None,
    zip64_overrides: dict[str, int] | None = None,
    locator_overrides: dict[str, int] | None = None,
) -> bytes:
    """Assemble an archive. `gap_after[i]` inserts bytes after entry i's data."""
    out = io.BytesIO()
    out.write(prepend)
    base = 0 if offsets_include_prepend else len(prepend)
    central = []
    entry_list = list(entries)
    for index, entry in enumerate(entry_list):
        values = entry.resolved()
        offset = out.tell() - base
        out.write(_local_header(entry, values))
        out.write(values["compressed"])
        if entry.descriptor:
            out.write(_descriptor({**values, **entry.descriptor_fields}, entry.zip64))
        if gap_after and index in gap_after:
            out.write(gap_after[index])
        central.append(_central_header(entry, values, offset))
    cd_offset = out.tell() - base
    for record in central:
        out.write(record)
    cd_size = out.tell() - base - cd_offset
    count = len(entry_list)
    end = {
        "disk": 0,
        "cd_disk": 0,
        "on_disk": count,
        "total": count,
        "cd_size": cd_size,
        "cd_offset": cd_offset,
        **(end_overrides or {}),
    }
    if zip64_end:
        record_at = out.tell() - base
        wide = {
            "size": 44,
            "disk": 0,
            "cd_disk": 0,
            "on_disk": count,
            "total": count,
            "cd_size": cd_size,
            "cd_offset": cd_offset,
            **(zip64_overrides or {}),
        }
        out.write(
            struct.pack(
                "<4sQHHIIQQQQ",
                b"PK\x06\x06",
                wide["size"],
                45,
                45,
                wide["disk"],
                wide["cd_disk"],
                wide["on_disk"],
                wide["total"],
                wide["cd_size"],
                wide["cd_offset"],
            )
        )
        locator = {"disk": 0, "offset": record_at, "disks": 1, **(locator_overrides or {})}
        out.write(
            struct.pack(
                "<4sIQI", b"PK\x06\x07", locator["disk"], locator["offset"], locator["disks"]
            )
        )
        end = {
            **end,
            "on_disk": 0xFFFF,
            "total": 0xFFFF,
            "cd_size": 0xFFFFFFFF,
            "cd_offset": 0xFFFFFFFF,
            **(end_overrides or {}),
        }
    out.write(
        struct.pack(
            "<4sHHHHIIH",
            b"PK\x05\x06",
            end["disk"],
            end["cd_disk"],
            end["on_disk"],
            end["total"],
            end["cd_size"],
            end["cd_offset"],
            len(comment),
        )
    )
    out.write(comment)
    out.write(append)
    return out.getvalue()


def stdlib_zip(
    files: dict[str, bytes | str],
    *,
    method: int = zipfile.ZIP_DEFLATED,
    comment: bytes = b"",
    directories: Iterable[str] = (),
) -> bytes:
    """A well-formed archive written by the standard library."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for directory in directories:
            archive.writestr(zipfile.ZipInfo(directory.rstrip("/") + "/"), b"")
        for name, content in files.items():
            archive.writestr(name, content)
        archive.comment = comment
    return buffer.getvalue()


def streamed_zip(files: dict[str, bytes]) -> bytes:
    """Written to a non-seekable stream: data descriptors after every entry."""

    class Unseekable(io.RawIOBase):
        def __init__(self) -> None:
            self.buffer = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, data: Any) -> int:
            self.buffer += data
            return len(data)

    sink = Unseekable()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:  # type: ignore[arg-type]
        for name, content in files.items():
            with archive.open(name, "w") as handle:
                handle.write(content)
    return bytes(sink.buffer)


def tar_bytes(
    members: dict[str, bytes], *, symlinks: dict[str, str] | None = None, compression: str = ""
) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=f"w:{compression}") as archive:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
        for name, target in (symlinks or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            archive.addfile(info)
    return buffer.getvalue()


def fifield_full_overlap(copies: int, kernel_size: int) -> bytes:
    """Fifield's "full overlap": every directory record points at one local header."""
    data = bytes(kernel_size)
    compressed = deflate(data, 9)
    header = (
        struct.pack(
            "<4sHHHHHIIIHH",
            b"PK\x03\x04",
            20,
            0,
            8,
            0,
            0x5A21,
            zlib.crc32(data),
            len(compressed),
            len(data),
            1,
            0,
        )
        + b"0"
    )
    body = header + compressed
    central = b"".join(
        struct.pack(
            "<4sBBHHHHHIIIHHHHHII",
            b"PK\x01\x02",
            20,
            3,
            20,
            0,
            8,
            0,
            0x5A21,
            zlib.crc32(data),
            len(compressed),
            len(data),
            len(name),
            0,
            0,
            0,
            0,
            (S_IFREG | 0o644) << 16,
            0,
        )
        + name
        for name in (str(i).encode() for i in range(copies))
    )
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, copies, copies, len(central), len(body), 0)
    return body + central + end


def fifield_quoted_overlap(files: int, kernel_size: int) -> bytes:
    """Fifield's "quoted overlap": each file's deflate data starts with a stored block that
    quotes the next file's local header, then runs on into the shared kernel. Every file is a
    valid deflate stream with correct sizes and CRCs, and all of them end in the same kernel."""
    kernel_data = bytes(kernel_size)
    kernel = deflate(kernel_data, 9)
    names = [f"{i:03d}".encode() for i in range(files)]
    # Build from the last file backwards: file i's data = quote(header i+1) + data of file i+1.
    compressed = kernel
    content = kernel_data
    headers: list[bytes] = [b""] * files
    sizes: list[tuple[int, int, int]] = [(0, 0, 0)] * files
    for i in reversed(range(files)):
        crc, csize, usize = zlib.crc32(content), len(compressed), len(content)
        header = (
            struct.pack(
                "<4sHHHHHIIIHH",
                b"PK\x03\x04",
                20,
                0,
                8,
                0,
                0x5A21,
                crc,
                csize,
                usize,
                len(names[i]),
                0,
            )
            + names[i]
        )
        headers[i], sizes[i] = header, (crc, csize, usize)
        if i > 0:
            quote = struct.pack("<BHH", 0x00, len(header), len(header) ^ 0xFFFF)
            compressed = quote + header + compressed
            content = header + content
    body = bytearray()
    offsets = []
    for i in range(files):
        offsets.append(len(body))
        body += headers[i]
        if i < files - 1:
            body += struct.pack("<BHH", 0x00, len(headers[i + 1]), len(headers[i + 1]) ^ 0xFFFF)
    body += kernel
    central = b"".join(
        struct.pack(
            "<4sBBHHHHHIIIHHHHHII",
            b"PK\x01\x02",
            20,
            3,
            20,
            0,
            8,
            0,
            0x5A21,
            sizes[i][0],
            sizes[i][1],
            sizes[i][2],
            len(names[i]),
            0,
            0,
            0,
            0,
            (S_IFREG | 0o644) << 16,
            offsets[i],
        )
        + names[i]
        for i in range(files)
    )
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, files, files, len(central), len(body), 0)
    return bytes(body) + central + end
