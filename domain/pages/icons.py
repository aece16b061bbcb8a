"""A package icon: decoded with Pillow under bounds, re-encoded as a clean PNG.

Checks, in order, each one before any pixel is decoded where it can be:

* at most `MAX_ICON_BYTES` (1 MiB) as stored in the archive and as read (the scanner bounds
  both before the bytes reach here);
* only the decoder its name promises is tried (`icon.png` → PNG, `icon.webp` → WebP): a GIF
  or a JPEG renamed `.png` is refused, and no other Pillow plugin ever parses the bytes;
* the header's size, before decoding: square, at most 512×512 px. A decompression bomb (a
  small file declaring a huge canvas) stops here, before a pixel is decoded (Pillow's own
  global limit is left alone: it is shared by every thread);
* `verify()` (chunk CRCs, structure), then a full decode of the first frame; a truncated or
  corrupt file fails either one;
* the pixels are copied into a new image (no metadata: no EXIF, XMP, ICC profile, text
  chunks, trailing bytes or polyglot payloads) and saved as PNG.

Pure CPU work: the scan runs it on its worker thread.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from PIL import Image, ImageFile

MAX_ICON_BYTES = 1024 * 1024
MAX_ICON_SIDE = 512
ICON_CONTENT_TYPE = "image/png"
# The format each accepted file name promises.
ICON_FORMATS = {"icon.png": "PNG", "icon.webp": "WEBP"}


class IconError(Exception):
    """The icon was not used (the upload gets a warning)."""


@dataclass(frozen=True, slots=True)
class CleanIcon:
    data: bytes  # PNG
    sha256: str
    width: int
    height: int


def _expected_format(filename: str) -> str:
    base = filename.rsplit("/", 1)[-1].lower()
    expected = ICON_FORMATS.get(base)
    if expected is None:
        raise IconError("is not named icon.png or icon.webp")
    return expected


def clean_icon(data: bytes, filename: str) -> CleanIcon:
    """Check and re-encode an icon; raises IconError saying what is wrong with it."""
    expected = _expected_format(filename)
    if len(data) > MAX_ICON_BYTES:
        raise IconError(f"is larger than {MAX_ICON_BYTES // 1024} KiB")
    if not data:
        raise IconError("is empty")
    try:
        return _decode(data, expected)
    except IconError:
        raise
    except Image.DecompressionBombError:
        raise IconError("declares more pixels than an icon may have (a bomb?)") from None
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError, IndexError, TypeError) as exc:
        raise IconError(f"cannot be decoded ({type(exc).__name__})") from None


def _decode(data: bytes, expected: str) -> CleanIcon:
    if ImageFile.LOAD_TRUNCATED_IMAGES:  # pragma: no cover - nothing in the registry sets it
        raise IconError("cannot be checked (truncated images are being accepted)")
    try:
        probe = Image.open(io.BytesIO(data), formats=[expected])
    except Image.UnidentifiedImageError:
        raise IconError(f"is not a {expected} image") from None
    with probe:
        width, height = probe.size
        _check_size(width, height)
        probe.verify()
    with Image.open(io.BytesIO(data), formats=[expected]) as image:
        if image.size != (width, height):  # pragma: no cover - same bytes, same header
            raise IconError("changed size between two reads")
        image.seek(0)  # animated: the first frame only
        image.load()
        has_alpha = image.mode in ("RGBA", "LA", "PA") or (
            image.mode == "P" and "transparency" in image.info
        )
        mode = "RGBA" if has_alpha else "RGB"
        pixels = image.convert(mode)
    # A new image holds the pixels and nothing else: no info, EXIF, ICC or text chunks.
    clean = Image.frombytes(mode, pixels.size, pixels.tobytes())
    out = io.BytesIO()
    clean.save(out, format="PNG", optimize=False, compress_level=9)
    encoded = out.getvalue()
    if len(encoded) > MAX_ICON_BYTES:
        raise IconError(f"is larger than {MAX_ICON_BYTES // 1024} KiB once re-encoded")
    return CleanIcon(encoded, hashlib.sha256(encoded).hexdigest(), width, height)


def _check_size(width: int, height: int) -> None:
    if width <= 0 or height <= 0:
        raise IconError("has no pixels")
    if width > MAX_ICON_SIDE or height > MAX_ICON_SIDE:
        raise IconError(
            f"is {width}×{height} px (at most {MAX_ICON_SIDE}×{MAX_ICON_SIDE} px allowed)"
        )
    if width != height:
        raise IconError(f"is {width}×{height} px (it must be square)")
