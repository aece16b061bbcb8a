"""Icons against a hostile corpus: every bad file is refused with a reason (a warning on the
upload, never a rejection), and what is accepted comes out re-encoded with no metadata."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from domain.pages.build import build_pages
from domain.pages.icons import MAX_ICON_BYTES, IconError, clean_icon
from domain.pages.sources import ICON, ArchivePages
from tests.pages import images

CLEAN_CHUNKS = {b"IHDR", b"IDAT", b"IEND"}


def _decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data), formats=["PNG"])
    image.load()
    return image


def test_metadata_is_gone_after_reencoding() -> None:
    source = images.png_with_metadata()
    assert b"SECRET-AUTHOR" in source and b"SECRET-EXIF" in source
    assert {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"iCCP"} <= set(images.png_chunks(source))
    icon = clean_icon(source, "icon.png")
    assert set(images.png_chunks(icon.data)) <= CLEAN_CHUNKS
    assert b"SECRET" not in icon.data
    decoded = _decoded(icon.data)
    assert decoded.info == {} or set(decoded.info) <= {"dpi"}
    assert not decoded.getexif()
    assert decoded.size == (32, 32) and decoded.getpixel((5, 5)) == (1, 2, 3)


def test_webp_becomes_png() -> None:
    icon = clean_icon(images.webp(), "icon.webp")
    assert icon.data.startswith(b"\x89PNG")
    assert set(images.png_chunks(icon.data)) <= CLEAN_CHUNKS
    assert _decoded(icon.data).mode == "RGBA"


def test_polyglot_payload_is_dropped() -> None:
    icon = clean_icon(images.polyglot(), "icon.png")
    assert b"<script" not in icon.data and b"PK\x05\x06" not in icon.data
    assert set(images.png_chunks(icon.data)) <= CLEAN_CHUNKS


def test_palette_transparency_is_kept_as_alpha() -> None:
    icon = clean_icon(images.palette_with_transparency(), "icon.png")
    assert _decoded(icon.data).getpixel((0, 0))[3] == 0


def test_largest_allowed_icon() -> None:
    icon = clean_icon(images.png((512, 512)), "icon.png")
    assert (icon.width, icon.height) == (512, 512)


@pytest.mark.parametrize(
    ("name", "data", "problem"),
    [
        ("icon.png", images.png((64, 32)), "must be square"),
        ("icon.png", images.png((600, 600)), "at most 512"),
        ("icon.png", images.bomb_png(), "bomb"),
        ("icon.png", images.bomb_png(20_000), "bomb"),
        ("icon.png", images.bomb_png(10_000), "at most 512"),
        ("icon.png", images.bomb_png(9_000), "at most 512"),
        ("icon.png", images.oversized_png(), "larger than"),
        ("icon.png", images.png()[:200], "cannot be decoded"),
        ("icon.png", images.png()[:40], "cannot be decoded|is not a PNG"),
        ("icon.png", images.bad_crc_png(), "cannot be decoded"),
        ("icon.png", images.gif(), "is not a PNG"),
        ("icon.png", images.jpeg(), "is not a PNG"),
        ("icon.webp", images.png(), "is not a WEBP"),
        ("icon.png", images.webp(), "is not a PNG"),
        ("icon.png", b"", "is empty"),
        ("icon.png", b"<svg onload=alert(1)></svg>", "is not a PNG"),
        ("icon.gif", images.gif(), "icon.png or icon.webp"),
    ],
    ids=[
        "non-square",
        "too-many-pixels",
        "decompression-bomb",
        "decompression-bomb-20k",
        "bomb-in-pillow-warning-range",
        "bomb-under-pillow-limit",
        "over-1-MiB",
        "truncated",
        "truncated-header",
        "bad-crc",
        "gif-renamed-png",
        "jpeg-renamed-png",
        "png-renamed-webp",
        "webp-renamed-png",
        "empty",
        "svg",
        "wrong-name",
    ],
)
def test_bad_icons_are_refused_with_a_reason(name: str, data: bytes, problem: str) -> None:
    with pytest.raises(IconError, match=problem):
        clean_icon(data, name)


def test_a_bad_icon_is_a_warning_not_a_failure() -> None:
    pages = ArchivePages(paths={ICON: "Mod/icon.png"}, data={ICON: images.gif()})
    built = build_pages(pages)
    assert built.icon is None
    assert built.warnings == ["Mod/icon.png is not a PNG image: no icon is shown"]


def test_an_icon_over_the_limit_is_not_even_read() -> None:
    pages = ArchivePages(paths={ICON: "icon.png"}, skipped={ICON: "is larger than 1024 KiB"})
    built = build_pages(pages)
    assert built.icon is None and "larger than 1024 KiB" in built.warnings[0]
    assert MAX_ICON_BYTES == 1024 * 1024
