"""File uploads over the GraphQL multipart request spec, streamed to the scratch area.

Strawberry's own multipart support buffers the body through Starlette's form parser before a
resolver can apply a limit. The body is read as it arrives by the same parser as REST uploads
(registry/multipart.py), with the spec's rules as its `PartPolicy`: `operations` and `map` are
small JSON parts (bounded), each file part streams into an `UploadSpool` that hashes, counts and
refuses bytes past the upload limit. Resolvers receive `SpooledFile`s in place of the spec's
`null` placeholders.

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

from strawberry.file_uploads.utils import replace_placeholders_with_files

from domain.exceptions import InvalidInput
from domain.jsontext import load_json
from domain.uploads import SpooledFile, UploadSpool
from registry.multipart import PartHead, read_multipart

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
class _SpecPolicy:
    """The GraphQL multipart request spec's part order, as the parser's `PartPolicy`: first
    `operations` (checked as soon as it is complete), then `map`, then the files it names."""

    new_path: Callable[[], Path]
    max_bytes: int
    check_operations: Callable[[dict[str, Any]], None]
    json_parts: dict[str, Any] = field(default_factory=dict)
    file_names: set[str] = field(default_factory=set)

    def open_part(self, head: PartHead) -> UploadSpool | None:
        name = head.name
        if not self.json_parts and name != "operations":
            raise InvalidInput("The 'operations' part must come first")
        if name in ("operations", "map"):
            if name in self.json_parts:
                raise InvalidInput(f"Duplicate multipart part {name!r}")
            return None
        if "map" not in self.json_parts:
            raise InvalidInput("The 'operations' and 'map' parts must come before the files")
        if name not in self.json_parts["map"]:
            raise InvalidInput(f"File part {name!r} is not in the map")
        if name in self.file_names:
            raise InvalidInput(f"Duplicate file part {name!r}")
        if len(self.file_names) >= MAX_FILES:
            raise InvalidInput(f"At most {MAX_FILES} files per request")
        self.file_names.add(name)
        return UploadSpool(self.new_path(), self.max_bytes, head.filename or "", head.content_type)

    def text_part(self, head: PartHead, data: bytes) -> None:
        value = load_json(data, f"Multipart part {head.name!r} is not valid JSON")
        if head.name == "map":
            if not (
                isinstance(value, dict)
                and all(
                    isinstance(paths, list) and all(isinstance(p, str) for p in paths)
                    for paths in value.values()
                )
            ):
                raise InvalidInput("The 'map' part must map file names to lists of paths")
            _check_map_targets(value)
        if head.name == "operations":
            if not isinstance(value, dict):
                raise InvalidInput("The 'operations' part must be one operation (a JSON object)")
            # Before the parser reads on: no file part is spooled for a non-upload operation.
            self.check_operations(value)
        self.json_parts[head.name] = value


def _check_map_targets(file_map: dict[str, list[str]]) -> None:
    """Files go into `variables` only: a file placed on `query` or `operationName` would reach
    code that prints it (and with it a server path) in an error message."""
    for paths in file_map.values():
        for path in paths:
            head, _, rest = path.partition(".")
            if head != "variables" or not rest:
                raise InvalidInput(
                    "The 'map' part may only place files into 'variables' "
                    "(paths like 'variables.file')"
                )


async def read_graphql_multipart(
    content_type: str,
    body: AsyncIterator[bytes],
    new_path: Callable[[], Path],
    max_bytes: int,
    check_operations: Callable[[dict[str, Any]], None],
) -> GraphQLMultipart:
    """Parse a GraphQL multipart request body; raises InvalidInput or TooLarge.

    `check_operations` sees the `operations` part as soon as it is complete and may refuse it
    before the rest of the body (the files) is read."""
    policy = _SpecPolicy(new_path, max_bytes, check_operations)
    parts = await read_multipart(content_type, body, policy, max_bytes)
    files = {part.head.name: part.file for part in parts}
    request = GraphQLMultipart(policy.json_parts.get("operations"), list(files.values()))
    try:
        if "operations" not in policy.json_parts:
            raise InvalidInput("The multipart body has no 'operations' part")
        request.operations = replace_placeholders_with_files(
            request.operations, policy.json_parts.get("map", {}), files
        )
    except (KeyError, IndexError, TypeError, ValueError):
        request.discard()
        raise InvalidInput("The 'map' part names a file or path that does not exist") from None
    except BaseException:
        request.discard()
        raise
    return request
