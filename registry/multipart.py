"""The one streaming multipart/form-data parser, used by REST uploads and GraphQL multipart.

Starlette's `request.form()` (and Strawberry's multipart support, built on it) buffers the whole
body before a handler sees a byte, so a size limit could only be applied afterwards. Here the
body goes through python-multipart's `MultipartParser`, which does the framing (boundaries,
part headers, with its own caps on header count and size) as bytes arrive. What python-multipart
leaves to its caller is what this module adds, once for both APIs:

- each part's `Content-Disposition` name and file name, refused when unstorable (NUL, lone
  surrogates) and the name required;
- a decision per part, taken by the caller's `PartPolicy` as soon as the part's headers are
  complete and before any of its body is read: refuse it, keep it as a small text part, or
  stream it into an `UploadSpool` (hashed, counted, never whole in memory);
- the limits: text parts of at most `MAX_TEXT_PART` bytes and at most `MAX_TEXT_PARTS` of them,
  all files together at most `max_file_bytes`, the whole body at most that plus
  `FRAMING_ALLOWANCE` (413 before the rest is read, chunked bodies included);
- refusals: a malformed or truncated body is the client's 400, as is a client that goes away;
- cleanup: on any failure every file spooled so far is removed.

python-multipart's own `FormParser` is not used: it decides file-or-field by the presence of a
file name (GraphQL decides by the `map`), spools to its own temporary files without hashing, and
has no hook to refuse a part before its body is read.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from domain.exceptions import InvalidInput
from domain.textrules import refuse_unstorable
from domain.uploads import SpooledFile, UploadSpool, too_large

MAX_TEXT_PART = 1024 * 1024
MAX_TEXT_PARTS = 64
# Multipart framing and text parts ride on top of the files themselves.
FRAMING_ALLOWANCE = 2 * 1024 * 1024


@dataclass(frozen=True)
class PartHead:
    """A part as its headers describe it. `filename` is None when the part names no file."""

    name: str
    filename: str | None
    content_type: str


class PartPolicy(Protocol):
    """What one API accepts in a multipart body; raise InvalidInput to refuse."""

    def open_part(self, head: PartHead) -> UploadSpool | None:
        """Decide about a part before its body is read: the spool to stream a file part into,
        or None to keep it as a text part."""
        ...

    def text_part(self, head: PartHead, data: bytes) -> None:
        """A complete text part. Checked here, it is refused before the next part is read."""
        ...


@dataclass(frozen=True)
class SpooledPart:
    head: PartHead
    file: SpooledFile


def is_multipart(content_type: str) -> bool:
    kind, _ = parse_options_header(content_type)
    return kind == b"multipart/form-data"


def _boundary(content_type: str) -> bytes:
    kind, params = parse_options_header(content_type)
    if kind != b"multipart/form-data" or b"boundary" not in params:
        raise InvalidInput("Expected a multipart/form-data body with a boundary")
    return params[b"boundary"]


@dataclass
class _Reading:
    """python-multipart's callbacks: part headers gathered, each part routed by the policy."""

    policy: PartPolicy
    max_file_bytes: int
    spools: list[tuple[PartHead, UploadSpool]] = field(default_factory=list)
    text_parts: int = 0
    file_bytes: int = 0
    ended: bool = False
    headers: dict[bytes, bytes] = field(default_factory=dict)
    header_name: bytearray = field(default_factory=bytearray)
    header_value: bytearray = field(default_factory=bytearray)
    head: PartHead | None = None
    spool: UploadSpool | None = None
    text: bytearray = field(default_factory=bytearray)

    def on_part_begin(self) -> None:
        self.headers, self.head, self.spool, self.text = {}, None, None, bytearray()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        self.headers[bytes(self.header_name).lower()] = bytes(self.header_value).strip(b" \t")
        self.header_name, self.header_value = bytearray(), bytearray()

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.headers.get(b"content-disposition", b""))
        if b"name" not in options:
            raise InvalidInput("A multipart part has no name")
        name = options[b"name"].decode("utf-8", "replace")
        refuse_unstorable(name, "A form field name")
        filename = None
        if b"filename" in options:
            filename = options[b"filename"].decode("utf-8", "replace")
            refuse_unstorable(filename, "The file name", field=name)
        content_type = self.headers.get(b"content-type", b"").decode("latin-1")
        self.head = PartHead(name, filename, content_type)
        self.spool = self.policy.open_part(self.head)
        if self.spool is not None:
            self.spools.append((self.head, self.spool))
        else:
            self.text_parts += 1
            if self.text_parts > MAX_TEXT_PARTS:
                raise InvalidInput("Too many form fields")

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.spool is not None:
            self.file_bytes += end - start
            if self.file_bytes > self.max_file_bytes:  # all files together share one limit
                raise too_large(self.max_file_bytes)
            self.spool.feed(data[start:end])
            return
        if len(self.text) + (end - start) > MAX_TEXT_PART:
            assert self.head is not None
            raise InvalidInput(f"Form field {self.head.name!r} is too large")
        self.text += data[start:end]

    def on_part_end(self) -> None:
        if self.spool is None and self.head is not None:
            self.policy.text_part(self.head, bytes(self.text))

    def on_end(self) -> None:
        self.ended = True

    def parser(self, boundary: bytes) -> MultipartParser:
        return MultipartParser(
            boundary,
            {
                "on_part_begin": self.on_part_begin,
                "on_part_data": self.on_part_data,
                "on_part_end": self.on_part_end,
                "on_header_field": self.on_header_field,
                "on_header_value": self.on_header_value,
                "on_header_end": self.on_header_end,
                "on_headers_finished": self.on_headers_finished,
                "on_end": self.on_end,
            },
        )


async def read_multipart(
    content_type: str, body: AsyncIterable[bytes], policy: PartPolicy, max_file_bytes: int
) -> list[SpooledPart]:
    """Read a whole multipart body: text parts go to `policy.text_part` as they complete, file
    parts are spooled; returns the spooled files in body order. Raises InvalidInput (400) or
    TooLarge (413); on any failure no spooled file is left behind."""
    reading = _Reading(policy, max_file_bytes)
    parser = reading.parser(_boundary(content_type))
    received = 0
    try:
        try:
            async for chunk in body:
                received += len(chunk)
                if received > max_file_bytes + FRAMING_ALLOWANCE:
                    raise too_large(max_file_bytes)
                parser.write(chunk)
                for _, spool in reading.spools:
                    if spool.needs_flush:
                        await spool.flush()
            parser.finalize()
        except FormParserError as exc:
            raise InvalidInput(f"Malformed multipart body: {exc}") from None
        except ClientDisconnect:
            raise InvalidInput("The client disconnected during the upload") from None
        if not reading.ended:
            raise InvalidInput("Truncated multipart body: the closing boundary is missing")
        finished: list[SpooledPart] = []
        for head, spool in reading.spools:
            finished.append(SpooledPart(head, await spool.finish()))
        return finished
    except BaseException:
        for _, spool in reading.spools:
            spool.discard()
        raise


def check_declared_length(content_length: str | None, limit: int) -> None:
    """413 before reading the body when Content-Length already says it is too large."""
    if content_length is not None:
        try:
            length = int(content_length)
        except ValueError:
            raise InvalidInput("Invalid Content-Length header") from None
        if length > limit + FRAMING_ALLOWANCE:
            raise too_large(limit)


# --- the REST upload form ---------------------------------------------------------------------


@dataclass
class UploadForm:
    fields: dict[str, str]
    file: SpooledFile | None

    def discard(self) -> None:
        if self.file is not None:
            self.file.remove()


@dataclass
class _FormPolicy:
    """REST uploads: text fields plus at most one file, sent as `file_field`."""

    new_path: Callable[[], Path]
    max_bytes: int
    file_field: str
    fields: dict[str, str] = field(default_factory=dict)
    has_file: bool = False

    def open_part(self, head: PartHead) -> UploadSpool | None:
        if head.filename is None and head.name != self.file_field:
            return None
        if head.name != self.file_field:
            raise InvalidInput(
                f"Unexpected file part {head.name!r}; send the file as {self.file_field!r}"
            )
        if self.has_file:
            raise InvalidInput("Only one file may be uploaded per request")
        self.has_file = True
        return UploadSpool(self.new_path(), self.max_bytes, head.filename or "", head.content_type)

    def text_part(self, head: PartHead, data: bytes) -> None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput(f"Form field {head.name!r} is not valid UTF-8") from None
        refuse_unstorable(text, f"Form field {head.name!r}", field=head.name)
        self.fields[head.name] = text


async def read_upload_form(
    request: Request, new_path: Callable[[], Path], max_bytes: int, *, file_field: str = "file"
) -> UploadForm:
    """Parse the request; the file part named `file_field` is spooled to `new_path()`."""
    content_type = request.headers.get("content-type", "")
    _boundary(content_type)  # not multipart: 400 before the length is even looked at
    check_declared_length(request.headers.get("content-length"), max_bytes)
    policy = _FormPolicy(new_path, max_bytes, file_field)
    files = await read_multipart(content_type, request.stream(), policy, max_bytes)
    return UploadForm(policy.fields, files[0].file if files else None)
