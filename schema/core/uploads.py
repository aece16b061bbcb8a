"""Uploads as the schema sees them: which operations may be uploads, and a resolver's file.

The HTTP side (registry/graphql/uploads.py) reads a multipart request and places a
`SpooledFile` where the spec puts its `null` placeholder; it asks `UploadOperations.check`
whether the `operations` part may be an upload at all before any file is read. That rule is
derived from the schema, so it lives here with it. Resolvers turn their `Upload` argument into a
spooled file with `as_spooled_file`, using the scratch area their context names.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInputObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLSyntaxError,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    get_named_type,
    parse,
)

from domain.exceptions import InvalidInput
from domain.uploads import SpooledFile, spool_stream, too_large

UPLOAD_SCALAR = "Upload"


def _takes_upload(input_types: list[Any]) -> bool:
    """True when any of these argument types is, or (through input objects) holds, an Upload."""
    pending, seen = list(input_types), set()
    while pending:
        named = get_named_type(pending.pop())
        if isinstance(named, GraphQLScalarType) and named.name == UPLOAD_SCALAR:
            return True
        if isinstance(named, GraphQLInputObjectType) and named.name not in seen:
            seen.add(named.name)
            pending.extend(input_field.type for input_field in named.fields.values())
    return False


@dataclass(frozen=True)
class UploadOperations:
    """Which operations may come as a multipart request: mutations whose top-level fields are
    all upload mutations, i.e. take an `Upload` somewhere in their arguments. The set is
    derived from the schema, so a new upload mutation needs no list to be kept up to date."""

    fields: frozenset[str]
    max_tokens: int

    @classmethod
    def of(cls, schema: GraphQLSchema, *, max_tokens: int) -> UploadOperations:
        mutation = schema.mutation_type
        fields = (
            frozenset()
            if mutation is None
            else frozenset(
                name
                for name, mutation_field in mutation.fields.items()
                if _takes_upload([arg.type for arg in mutation_field.args.values()])
            )
        )
        return cls(fields, max_tokens)

    def check(self, operations: dict[str, Any]) -> None:
        """InvalidInput unless `operations` selects an upload mutation and nothing else."""
        query, name = operations.get("query"), operations.get("operationName")
        if not isinstance(query, str):
            raise InvalidInput("The 'operations' part needs a 'query' string")
        if name is not None and not isinstance(name, str):
            raise InvalidInput("'operationName' must be a string")
        try:
            document = parse(query, max_tokens=self.max_tokens)
        except (GraphQLSyntaxError, RecursionError):  # bounded by max_tokens, but be sure
            raise InvalidInput("The 'operations' query is not a valid GraphQL document") from None
        operation = _chosen_operation(document, name)
        if operation.operation is not OperationType.MUTATION:
            raise InvalidInput("Multipart requests are only for upload mutations")
        selected = _top_level_fields(document, operation) - {"__typename"}
        if not selected or not selected <= self.fields:
            raise InvalidInput(
                "Multipart requests are only for upload mutations ("
                + ", ".join(sorted(self.fields))
                + ")"
            )


def _chosen_operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [op for op in operations if name is None or (op.name and op.name.value == name)]
    if len(chosen) != 1:
        raise InvalidInput("The 'operations' part must name exactly one operation to run")
    return chosen[0]


def _top_level_fields(document: DocumentNode, operation: OperationDefinitionNode) -> set[str]:
    """The root field names an operation selects, through fragments (each expanded once)."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    names: set[str] = set()
    expanded: set[str] = set()
    pending = list(operation.selection_set.selections)
    while pending:
        selection = pending.pop()
        if isinstance(selection, FieldNode):
            names.add(selection.name.value)
        elif isinstance(selection, InlineFragmentNode):
            pending.extend(selection.selection_set.selections)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is None:
                raise InvalidInput(f"Unknown fragment {selection.name.value!r}")
            if fragment.name.value not in expanded:
                expanded.add(fragment.name.value)
                pending.extend(fragment.selection_set.selections)
    return names


async def as_spooled_file(value: Any, new_path: Callable[[], Path], max_bytes: int) -> SpooledFile:
    """The upload as a spooled file: already one when it came through `read_graphql_multipart`;
    anything with an async `read(size)` (e.g. a Starlette UploadFile) is streamed into one."""
    if isinstance(value, SpooledFile):
        if value.size > max_bytes:
            raise too_large(max_bytes)
        return value
    read = getattr(value, "read", None)
    if read is None:
        raise InvalidInput("Expected a file upload", field="file")

    async def chunks() -> AsyncIterator[bytes]:
        while chunk := await read(1024 * 1024):
            yield chunk

    return await spool_stream(
        chunks(),
        new_path(),
        max_bytes,
        filename=getattr(value, "filename", "") or "",
        content_type=getattr(value, "content_type", "") or "",
    )
