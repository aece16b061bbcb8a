"""Hostile and benign icon files, built in memory."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image, PngImagePlugin


def png(size: tuple[int, int] = (64, 64), mode: str = "RGBA", **save: object) -> bytes:
    image = Image.new(mode, size, (200, 30, 30, 128) if mode == "RGBA" else 120)
    out = io.BytesIO()
    image.save(out, format="PNG", **save)
    return out.getvalue()


def png_with_metadata() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "SECRET-AUTHOR")
    info.add_text("Comment", "SECRET-COMMENT", zip=True)
    info.add_itxt("Description", "SECRET-ITXT", lang="en", tkey="d")
    exif = Image.Exif()
    exif[0x010E] = "SECRET-EXIF"  # ImageDescription
    exif[0x8825] = {2: (1.0, 2.0, 3.0)}  # GPS
    image = Image.new("RGB", (32, 32), (1, 2, 3))
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info, exif=exif, icc_profile=b"SECRET-ICC" * 10)
    return out.getvalue()


def chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def png_chunks(data: bytes) -> list[bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    kinds: list[bytes] = []
    offset = 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kinds.append(data[offset + 4 : offset + 8])
        offset += 12 + length
    return kinds


def bomb_png(side: int = 100_000) -> bytes:
    """A small PNG declaring a huge 1-bit canvas (a decompression bomb)."""
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * 1_000_000, 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


def oversized_png() -> bytes:
    """A valid 64x64 PNG padded past 1 MiB with a private ancillary chunk."""
    base = png()
    return base[:-12] + chunk(b"prVt", b"\x00" * (1024 * 1024)) + base[-12:]


def bad_crc_png() -> bytes:
    data = bytearray(png())
    data[-20] ^= 0xFF  # inside the IDAT payload or its CRC
    return bytes(data)


def gif() -> bytes:
    out = io.BytesIO()
    Image.new("P", (32, 32)).save(out, format="GIF")
    return out.getvalue()


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32)).save(out, format="JPEG")
    return out.getvalue()


def webp(size: tuple[int, int] = (48, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (0, 128, 0, 200)).save(out, format="WEBP", lossless=True)
    return out.getvalue()


def polyglot() -> bytes:
    """A valid PNG followed by an HTML/script payload and a ZIP end record."""
    return png() + b"<html><script>alert(1)</script></html>" + b"PK\x05\x06" + b"\x00" * 18


def palette_with_transparency() -> bytes:
    image = Image.new("P", (16, 16), 0)
    image.putpalette([255, 0, 0, 0, 255, 0] + [0] * 762)
    out = io.BytesIO()
    image.save(out, format="PNG", transparency=0)
    return out.getvalue()
