"""Parse and validation results cached across requests, keyed by the exact query text (and
the limits, which are part of the validation rules). Frontends send the same few documents
over and over; validating one costs milliseconds, looking it up microseconds.

Both caches are bounded LRUs, so unique documents only evict each other. Validation is cached
in our own extension rather than Strawberry's `ValidationCache`, which would overwrite an
error the cost limiter already set, and is keyed by the query text rather than the parsed
document (whose hash and equality walk the whole tree on every lookup).
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import DocumentNode, GraphQLError, GraphQLSchema
from graphql.validation import ASTValidationRule
from strawberry.extensions import ParserCache, SchemaExtension

from schema.core.analysis import BoundedLRU

CACHE_SIZE = 256

_Rules = tuple[type[ASTValidationRule], ...]
_VALIDATED: BoundedLRU[tuple[GraphQLSchema, str, _Rules], list[GraphQLError]] = BoundedLRU(
    CACHE_SIZE
)


def _validate(
    schema: GraphQLSchema, query: str | None, document: DocumentNode, rules: _Rules
) -> list[GraphQLError]:
    from strawberry.schema.schema import validate_document

    if query is None:
        return validate_document(schema, document, rules)
    key = (schema, query, rules)
    errors = _VALIDATED.get(key)
    if errors is None:
        errors = validate_document(schema, document, rules)
        _VALIDATED.put(key, errors)
    return errors


class DocumentCache(ParserCache):
    """Strawberry's parser cache with the registry's size."""

    def __init__(self) -> None:
        super().__init__(maxsize=CACHE_SIZE)


class CachedValidation(SchemaExtension):
    """Validates like Strawberry does, from the cache when the same document and rules were
    validated before; leaves errors an earlier extension (the cost limiter) set alone."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if (
            context.pre_execution_errors is None
            and context.graphql_document is not None
            and context.validation_rules
        ):
            context.pre_execution_errors = list(
                _validate(
                    context.schema._schema,
                    context.query,
                    context.graphql_document,
                    tuple(context.validation_rules),
                )
            )
        yield
