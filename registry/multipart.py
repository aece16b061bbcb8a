"""Streaming multipart/form-data reader for uploads.

Starlette's `request.form()` buffers the whole body before a handler sees a byte, so a size
limit could only be applied afterwards. This reader feeds python-multipart directly: text parts
are kept (small, bounded), the single file part streams into an UploadSpool that hashes and
counts, and the limit is enforced as bytes arrive (chunked bodies included).
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from domain.exceptions import InvalidInput
from domain.textrules import refuse_unstorable
from domain.uploads import SpooledFile, UploadSpool, too_large

MAX_TEXT_PART = 1024 * 1024
MAX_TEXT_PARTS = 64
# Multipart framing and text parts ride on top of the file itself.
FRAMING_ALLOWANCE = 2 * 1024 * 1024


async def feed_multipart(parser: MultipartParser, body: AsyncIterable[bytes], max_bytes: int,
                         writers: Callable[[], Iterable[UploadSpool]],
                         ended: Callable[[], bool]) -> None:
    """Push a request body through `parser`, flushing the spooled files as they fill.

    The body is refused (413) once it exceeds `max_bytes` plus the framing allowance, before
    the rest is read; parser errors and a missing closing boundary are the client's 400."""
    received = 0
    async for chunk in body:
        received += len(chunk)
        if received > max_bytes + FRAMING_ALLOWANCE:
            raise too_large(max_bytes)
        try:
            parser.write(chunk)
        except FormParserError as exc:
            raise InvalidInput(f"Malformed multipart body: {exc}") from None
        for writer in writers():
            if writer.needs_flush:
                await writer.flush()
    try:
        parser.finalize()
    except FormParserError as exc:
        raise InvalidInput(f"Malformed multipart body: {exc}") from None
    if not ended():
        raise InvalidInput("Truncated multipart body: the closing boundary is missing")


@dataclass
class UploadForm:
    fields: dict[str, str]
    file: SpooledFile | None

    def discard(self) -> None:
        if self.file is not None:
            self.file.remove()


@dataclass
class _Part:
    name: str = ""
    filename: str | None = None
    content_type: str = ""
    data: bytearray = field(default_factory=bytearray)
    writer: UploadSpool | None = None


def check_declared_length(request: Request, limit: int) -> None:
    """413 before reading the body when Content-Length already says it is too large."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            length = int(declared)
        except ValueError:
            raise InvalidInput("Invalid Content-Length header") from None
        if length > limit + FRAMING_ALLOWANCE:
            raise too_large(limit)


async def read_upload_form(request: Request, new_path: Callable[[], Path], max_bytes: int,
                           *, file_field: str = "file") -> UploadForm:
    """Parse the request; the file part named `file_field` is spooled to `new_path()`."""
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    if content_type != b"multipart/form-data" or b"boundary" not in params:
        raise InvalidInput("Expected a multipart/form-data body with a boundary")
    check_declared_length(request, max_bytes)

    fields: dict[str, str] = {}
    spooled: list[UploadSpool] = []
    state = {"part": _Part(), "header_name": b"", "header_value": b"", "headers": {}}

    def on_part_begin() -> None:
        state["part"] = _Part()
        state["headers"] = {}

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state["header_name"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state["header_value"] += data[start:end]

    def on_header_end() -> None:
        state["headers"][state["header_name"].lower()] = state["header_value"]
        state["header_name"] = b""
        state["header_value"] = b""

    def on_headers_finished() -> None:
        part: _Part = state["part"]
        _, options = parse_options_header(state["headers"].get(b"content-disposition", b""))
        if b"name" not in options:
            raise InvalidInput("A multipart part has no name")
        part.name = options[b"name"].decode("utf-8", "replace")
        refuse_unstorable(part.name, "A form field name")
        part.content_type = state["headers"].get(b"content-type", b"").decode("latin-1")
        if b"filename" in options or part.name == file_field:
            part.filename = options.get(b"filename", b"").decode("utf-8", "replace")
            refuse_unstorable(part.filename, "The file name", field=file_field)
            if part.name != file_field:
                raise InvalidInput(f"Unexpected file part {part.name!r}; send the file as "
                                   f"{file_field!r}")
            if spooled:
                raise InvalidInput("Only one file may be uploaded per request")
            part.writer = UploadSpool(new_path(), max_bytes, part.filename, part.content_type)
            spooled.append(part.writer)
        elif len(fields) >= MAX_TEXT_PARTS:
            raise InvalidInput("Too many form fields")

    def on_part_data(data: bytes, start: int, end: int) -> None:
        part: _Part = state["part"]
        if part.writer is not None:
            part.writer.feed(data[start:end])
            return
        if len(part.data) + (end - start) > MAX_TEXT_PART:
            raise InvalidInput(f"Form field {part.name!r} is too large")
        part.data.extend(data[start:end])

    def on_part_end() -> None:
        part: _Part = state["part"]
        if part.writer is None:
            try:
                fields[part.name] = part.data.decode("utf-8")
            except UnicodeDecodeError:
                raise InvalidInput(f"Form field {part.name!r} is not valid UTF-8") from None
            refuse_unstorable(fields[part.name], f"Form field {part.name!r}", field=part.name)

    def on_end() -> None:
        state["ended"] = True

    parser = MultipartParser(params[b"boundary"], {
        "on_end": on_end,
        "on_part_begin": on_part_begin, "on_part_data": on_part_data,
        "on_part_end": on_part_end, "on_header_field": on_header_field,
        "on_header_value": on_header_value, "on_header_end": on_header_end,
        "on_headers_finished": on_headers_finished,
    })
    try:
        await feed_multipart(parser, request.stream(), max_bytes, lambda: spooled,
                             lambda: bool(state.get("ended")))
        file = await spooled[0].finish() if spooled else None
    except ClientDisconnect:
        for writer in spooled:
            writer.discard()
        raise InvalidInput("The client disconnected during the upload") from None
    except BaseException:
        for writer in spooled:
            writer.discard()
        raise
    return UploadForm(fields, file)
