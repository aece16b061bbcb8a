"""File uploads over the GraphQL multipart request spec, streamed to the scratch area.

Strawberry's own multipart support buffers the body through Starlette's form parser before a
resolver can apply a limit. This parser reads the body as it arrives: `operations` and `map`
are small JSON parts (bounded), each file part streams into an `UploadSpool` that hashes,
counts and refuses bytes past the upload limit, exactly like REST uploads. Resolvers receive
`SpooledFile`s in place of the spec's `null` placeholders.

Nothing is spooled for a request that cannot be an upload: the view authenticates the caller
before the body is read, and the `operations` part (first, as the spec orders it) must name an
upload mutation (`schema.core.uploads.UploadOperations`) before any file part is accepted. The
map may only place files into `variables`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from python_multipart.multipart import MultipartParser, parse_options_header
from strawberry.file_uploads.utils import replace_placeholders_with_files

from domain.exceptions import InvalidInput
from domain.jsontext import load_json
from domain.textrules import refuse_unstorable
from domain.uploads import SpooledFile, UploadSpool, too_large
from registry.multipart import feed_multipart

MAX_JSON_PART = 1024 * 1024
MAX_FILES = 4


@dataclass
class GraphQLMultipart:
    """A parsed multipart request: the operations with files in place, and the spooled files."""

    operations: Any
    files: list[SpooledFile] = field(default_factory=list)

    def discard(self) -> None:
        for spooled in self.files:
            spooled.remove()


@dataclass
class _Part:
    name: str = ""
    data: bytearray = field(default_factory=bytearray)
    writer: UploadSpool | None = None


class _Parser:
    """Callbacks for python-multipart, enforcing the spec's part order and every limit."""

    def __init__(self, new_path: Callable[[], Path], max_bytes: int,
                 check_operations: Callable[[dict[str, Any]], None]) -> None:
        self.new_path = new_path
        self.max_bytes = max_bytes
        self.check_operations = check_operations
        self.json_parts: dict[str, Any] = {}
        self.writers: dict[str, UploadSpool] = {}
        self.file_bytes = 0
        self.part = _Part()
        self.headers: dict[bytes, bytes] = {}
        self.header_name = b""
        self.header_value = b""
        self.ended = False

    def on_part_begin(self) -> None:
        self.part = _Part()
        self.headers = {}

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        self.headers[self.header_name.lower()] = self.header_value
        self.header_name = self.header_value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.headers.get(b"content-disposition", b""))
        if b"name" not in options:
            raise InvalidInput("A multipart part has no name")
        name = options[b"name"].decode("utf-8", "replace")
        self.part.name = name
        if not self.json_parts and name != "operations":
            raise InvalidInput("The 'operations' part must come first")
        if name in ("operations", "map"):
            if name in self.json_parts:
                raise InvalidInput(f"Duplicate multipart part {name!r}")
            return
        if "map" not in self.json_parts:
            raise InvalidInput("The 'operations' and 'map' parts must come before the files")
        if name not in self.json_parts["map"]:
            raise InvalidInput(f"File part {name!r} is not in the map")
        if name in self.writers:
            raise InvalidInput(f"Duplicate file part {name!r}")
        if len(self.writers) >= MAX_FILES:
            raise InvalidInput(f"At most {MAX_FILES} files per request")
        filename = options.get(b"filename", b"").decode("utf-8", "replace")
        refuse_unstorable(filename, "The file name")
        content_type = self.headers.get(b"content-type", b"").decode("latin-1")
        self.part.writer = UploadSpool(self.new_path(), self.max_bytes, filename, content_type)
        self.writers[name] = self.part.writer

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.part.writer is not None:
            self.file_bytes += end - start
            if self.file_bytes > self.max_bytes:  # all files together share one limit
                raise too_large(self.max_bytes)
            self.part.writer.feed(data[start:end])
            return
        if len(self.part.data) + (end - start) > MAX_JSON_PART:
            raise InvalidInput(f"Multipart part {self.part.name!r} is too large")
        self.part.data.extend(data[start:end])

    def on_part_end(self) -> None:
        if self.part.writer is not None:
            return
        value = load_json(bytes(self.part.data),
                          f"Multipart part {self.part.name!r} is not valid JSON")
        if self.part.name == "map" and not (
            isinstance(value, dict) and all(isinstance(paths, list) and
                                            all(isinstance(p, str) for p in paths)
                                            for paths in value.values())):
            raise InvalidInput("The 'map' part must map file names to lists of paths")
        if self.part.name == "map":
            _check_map_targets(value)
        if self.part.name == "operations":
            if not isinstance(value, dict):
                raise InvalidInput("The 'operations' part must be one operation (a JSON object)")
            # Before the parser reads on: no file part is spooled for a non-upload operation.
            self.check_operations(value)
        self.json_parts[self.part.name] = value

    def on_end(self) -> None:
        self.ended = True

    def callbacks(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in (
            "on_part_begin", "on_part_data", "on_part_end", "on_header_field",
            "on_header_value", "on_header_end", "on_headers_finished", "on_end")}


def _check_map_targets(file_map: dict[str, list[str]]) -> None:
    """Files go into `variables` only: a file placed on `query` or `operationName` would reach
    code that prints it (and with it a server path) in an error message."""
    for paths in file_map.values():
        for path in paths:
            head, _, rest = path.partition(".")
            if head != "variables" or not rest:
                raise InvalidInput("The 'map' part may only place files into 'variables' "
                                   "(paths like 'variables.file')")


def is_multipart(content_type: str) -> bool:
    kind, _ = parse_options_header(content_type)
    return kind == b"multipart/form-data"


async def read_graphql_multipart(content_type: str, body: AsyncIterator[bytes],
                                 new_path: Callable[[], Path], max_bytes: int,
                                 check_operations: Callable[[dict[str, Any]], None]
                                 ) -> GraphQLMultipart:
    """Parse a GraphQL multipart request body; raises InvalidInput or TooLarge.

    `check_operations` sees the `operations` part as soon as it is complete and may refuse it
    before the rest of the body (the files) is read."""
    kind, params = parse_options_header(content_type)
    if kind != b"multipart/form-data" or b"boundary" not in params:
        raise InvalidInput("Expected a multipart/form-data body with a boundary")
    state = _Parser(new_path, max_bytes, check_operations)
    parser = MultipartParser(params[b"boundary"], state.callbacks())
    try:
        await feed_multipart(parser, body, max_bytes, state.writers.values,
                             lambda: state.ended)
        if "operations" not in state.json_parts:
            raise InvalidInput("The multipart body has no 'operations' part")
        files = {name: await writer.finish() for name, writer in state.writers.items()}
    except BaseException:
        for writer in state.writers.values():
            writer.discard()
        raise
    request = GraphQLMultipart(state.json_parts["operations"], list(files.values()))
    try:
        request.operations = replace_placeholders_with_files(
            request.operations, state.json_parts.get("map", {}), files)
    except (KeyError, IndexError, TypeError, ValueError):
        request.discard()
        raise InvalidInput("The 'map' part names a file or path that does not exist") from None
    return request


