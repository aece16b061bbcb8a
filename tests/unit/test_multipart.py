"""The one multipart parser (registry/multipart.py) that REST uploads and GraphQL multipart share:
a part is decided before its body is read, limits hold across parts, and a failed body leaves
no spooled file behind."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from domain.exceptions import InvalidInput, TooLarge
from domain.uploads import UploadSpool
from registry.multipart import MAX_TEXT_PARTS, PartHead, read_multipart

BOUNDARY = "b0undary"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


def part(name: str, data: bytes, filename: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"'
    if filename is not None:
        disposition += f'; filename="{filename}"'
    return f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + data + b"\r\n"


def body(*parts: bytes, closed: bool = True) -> bytes:
    return b"".join(parts) + (f"--{BOUNDARY}--\r\n".encode() if closed else b"")


def leftovers(scratch: Path) -> list[Path]:
    return list(scratch.iterdir())


async def chunks(data: bytes, size: int = 7) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


class Policy:
    """Files are the parts with a file name; a part named `refused` is refused."""

    def __init__(self, scratch: Path, max_bytes: int = 1000) -> None:
        self.scratch = scratch
        self.max_bytes = max_bytes
        self.texts: dict[str, bytes] = {}
        self.opened: list[str] = []

    def open_part(self, head: PartHead) -> UploadSpool | None:
        if head.name == "refused":
            raise InvalidInput("refused part")
        if head.filename is None:
            return None
        self.opened.append(head.name)
        return UploadSpool(
            self.scratch / f"{head.name}.part", self.max_bytes, head.filename, head.content_type
        )

    def text_part(self, head: PartHead, data: bytes) -> None:
        self.texts[head.name] = data


async def test_text_and_file_parts_in_body_order(tmp_path: Path) -> None:
    policy = Policy(tmp_path)
    files = await read_multipart(
        CONTENT_TYPE,
        chunks(
            body(
                part("version", b"1.0.0"),
                part("a", b"first file", "a.zip"),
                part("b", b"second", "b.zip"),
            )
        ),
        policy,
        1000,
    )
    assert policy.texts == {"version": b"1.0.0"}
    assert [(f.head.name, f.file.filename, f.file.size) for f in files] == [
        ("a", "a.zip", 10),
        ("b", "b.zip", 6),
    ]
    assert files[0].file.path.read_bytes() == b"first file"


async def test_a_refused_part_stops_the_body_and_removes_earlier_files(tmp_path: Path) -> None:
    policy = Policy(tmp_path)
    with pytest.raises(InvalidInput, match="refused part"):
        await read_multipart(
            CONTENT_TYPE,
            chunks(
                body(
                    part("a", b"spooled first", "a.zip"),
                    part("refused", b"x" * 100),
                    part("c", b"never read", "c.zip"),
                )
            ),
            policy,
            1000,
        )
    assert policy.opened == ["a"]  # the part after the refusal was never opened
    assert leftovers(tmp_path) == []


async def test_all_files_together_share_the_limit(tmp_path: Path) -> None:
    policy = Policy(tmp_path, max_bytes=100)
    with pytest.raises(TooLarge):
        await read_multipart(
            CONTENT_TYPE,
            chunks(body(part("a", b"x" * 60, "a.zip"), part("b", b"y" * 60, "b.zip"))),
            policy,
            100,
        )
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (body(part("a", b"content", "a.zip"), closed=False), "closing boundary is missing"),
        (b"--not-the-boundary\r\n", "Malformed multipart body"),
        (body(*(part(f"f{i}", b"v") for i in range(MAX_TEXT_PARTS + 1))), "Too many form fields"),
        (body(part("bad\x00name", b"v")), "form field name"),
        (body(part("a", b"v", "bad\x00name.zip")), "file name"),
    ],
)
async def test_bad_bodies_are_the_clients_400(tmp_path: Path, data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        await read_multipart(CONTENT_TYPE, chunks(data), Policy(tmp_path), 1000)
    assert leftovers(tmp_path) == []


async def test_not_multipart_is_refused_before_reading(tmp_path: Path) -> None:
    async def never() -> AsyncIterator[bytes]:
        raise AssertionError("the body was read")
        yield b""

    with pytest.raises(InvalidInput, match="multipart/form-data"):
        await read_multipart("application/json", never(), Policy(tmp_path), 1000)
