"""GraphQL's edge of the unstorable-text rule (`domain.textrules`): every string literal in the
document and every string in the variables is checked once, before validation and before any
resolver could hand one to the database (where a NUL was a masked 500 on PostgreSQL).

One extension covers HTTP, multipart and WebSocket operations alike."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import DocumentNode, GraphQLError, StringValueNode, Visitor, visit
from strawberry.extensions import SchemaExtension

from domain.textrules import first_unstorable_path, has_unstorable
from schema.core.analysis import BoundedLRU

_PROBLEM = "contains a NUL character or an invalid Unicode code point"


class _StringLiteralFinder(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def enter_string_value(self, node: StringValueNode, *_: object) -> object:
        if has_unstorable(node.value):
            self.found = True
            return self.BREAK
        return None


def _literal_is_unstorable(document: DocumentNode) -> bool:
    finder = _StringLiteralFinder()
    visit(document, finder)  # graphql-core's visit is iterative: no recursion on deep input
    return finder.found


# Verdicts by query text (schema/core/analysis.py): a document's literals never change.
_VERDICTS: BoundedLRU[str, bool] = BoundedLRU()


def _document_is_unstorable(query: str | None, document: DocumentNode) -> bool:
    if not isinstance(query, str):
        return _literal_is_unstorable(document)
    verdict = _VERDICTS.get(query)
    if verdict is None:
        verdict = _literal_is_unstorable(document)
        _VERDICTS.put(query, verdict)
    return verdict


class UnstorableTextGuard(SchemaExtension):
    """Refuses an operation whose literals or variables hold a NUL or a lone surrogate."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if context.pre_execution_errors is None:
            where = first_unstorable_path(context.variables or {})
            if where is not None:
                context.pre_execution_errors = [
                    GraphQLError(f"Variable {where} {_PROBLEM}", extensions={"code": "invalid"})
                ]
            elif context.graphql_document is not None and _document_is_unstorable(
                context.query, context.graphql_document
            ):
                context.pre_execution_errors = [
                    GraphQLError(
                        f"A string literal in the query {_PROBLEM}", extensions={"code": "invalid"}
                    )
                ]
        yield
