"""Rate-limit charges of a GraphQL operation: the budgets it spends, by what it does.

The transport pays for the request or message itself (`read`, see
`registry.ratelimit_middleware`) and hands the request's charges to the operation in its
context (`GraphQLContext.charges`); the operation then pays, per field that does the work:

- `search` for every field in `SEARCH_FIELDS` (resolutions, update checks, suggestions) and
  every field given a non-empty `search` argument (`packages(search: "...")`);
- `upload` for every mutation field that takes an `Upload` argument (publishVersion,
  uploadArtifactBuild, and any later one: found in the schema, not listed by hand);
- `write` for every other mutation field (createApiToken among them).

The rule lives here once: `OperationCharges` applies it to HTTP requests and the WebSocket
transport calls `charges_of` / `category_of` for its messages. Fields are counted as they
appear in the document (each fragment once), so fifty aliased `resolve`s cost fifty searches;
how much work one field's arguments ask for is the cost limit's business (schema/core/cost.py).

An operation over a budget is not executed: it answers a GraphQL error with code
`rate_limited` and `retryAfter` (over HTTP also status 429 with `Retry-After`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Mapping
from functools import lru_cache
from typing import Any, Protocol

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    NullValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    StringValueNode,
    ValueNode,
    VariableNode,
    get_named_type,
)
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType as StrawberryOperationType

from domain.exceptions import RateLimited
from schema.core.analysis import AnswerNote, BoundedLRU, operation_key

# Fields charged to the search budget whatever their arguments: each one resolves
# requirements or matches names, as REST's /search, /resolve and /updates do.
SEARCH_FIELDS = frozenset(
    {
        "Query.resolve",
        "Query.checkCompatibility",
        "Query.checkUpdates",
        "Query.suggestPackageNames",
    }
)
# Any field given this argument (non-empty) is a text search.
SEARCH_ARGUMENT = "search"
UPLOAD_SCALAR = "Upload"
# category_of's answer when an operation spends several budgets: the scarcest first.
_PRECEDENCE = ("upload", "search", "write")


class RequestBudgets(Protocol):
    """What an HTTP request has been charged so far, as the transport hands it to the operation
    (registry.ratelimit.RequestCharges): `charge` adds budgets, raising RateLimited over one."""

    async def charge(self, wanted: dict[str, int]) -> None: ...


@lru_cache(maxsize=8)
def _upload_mutations(schema: GraphQLSchema) -> frozenset[str]:
    mutation = schema.mutation_type
    if mutation is None:
        return frozenset()
    return frozenset(
        name
        for name, field in mutation.fields.items()
        if any(get_named_type(arg.type).name == UPLOAD_SCALAR for arg in field.args.values())
    )


def _given(
    value: ValueNode | None, variables: Mapping[str, Any], defaults: Mapping[str, ValueNode | None]
) -> bool:
    """Whether an argument asks for something: null, a blank string or an unset variable
    (without a default) mean the same as leaving the argument out."""
    if value is None or isinstance(value, NullValueNode):
        return False
    if isinstance(value, StringValueNode):
        return bool(value.value.strip())
    if isinstance(value, VariableNode):
        name = value.name.value
        if name not in variables:  # the operation's default for it, if it declares one
            return _given(defaults.get(name), {}, {})
        given = variables[name]
        return given is not None and not (isinstance(given, str) and not given.strip())
    return True  # any other literal: the field will refuse it or search with it


def _operation(
    document: DocumentNode, operation_name: str | None
) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name and o.name.value == operation_name), None)


class _Counter:
    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.defaults = {
            definition.variable.name.value: definition.default_value
            for definition in operation.variable_definitions or ()
        }
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.variables = variables
        self.seen_fragments: set[str] = set()
        self.charges: Counter[str] = Counter()
        self.uploads = _upload_mutations(schema)

    def walk(self, selection_set: SelectionSetNode | None, parent: Any) -> None:
        if selection_set is None:
            return
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                self.field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                self.walk(selection.selection_set, target or parent)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in self.seen_fragments:
                    continue
                self.seen_fragments.add(name)
                target = self.schema.get_type(fragment.type_condition.name.value)
                self.walk(fragment.selection_set, target or parent)

    def field(self, node: FieldNode, parent: Any) -> None:
        fields = getattr(parent, "fields", None) or {}
        definition = fields.get(node.name.value)
        if definition is None:  # __typename and other meta fields, or unknown (invalid)
            return
        name = f"{parent.name}.{node.name.value}"
        if parent is self.schema.mutation_type:
            self.charges["upload" if node.name.value in self.uploads else "write"] += 1
        elif name in SEARCH_FIELDS or any(
            argument.name.value == SEARCH_ARGUMENT
            and _given(argument.value, self.variables, self.defaults)
            for argument in node.arguments or ()
        ):
            self.charges["search"] += 1
        self.walk(node.selection_set, get_named_type(definition.type))


def charges_of(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None = None,
    variables: Mapping[str, Any] | None = None,
) -> dict[str, int]:
    """The budgets the operation spends beyond its request's `read`, e.g. `{"search": 2}`;
    empty for plain reads (and for a document without a runnable operation)."""
    operation = _operation(document, operation_name)
    if operation is None:
        return {}
    root: GraphQLObjectType | None = {
        OperationType.QUERY: schema.query_type,
        OperationType.MUTATION: schema.mutation_type,
        OperationType.SUBSCRIPTION: schema.subscription_type,
    }[operation.operation]
    if root is None:
        return {}
    counter = _Counter(schema, document, operation, variables or {})
    counter.walk(operation.selection_set, root)
    return dict(counter.charges)


def category_of(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None = None,
    variables: Mapping[str, Any] | None = None,
) -> str:
    """The one budget that best describes the operation: `upload`, `search`, `write` or
    `read` (for a transport that charges a single category per message)."""
    charges = charges_of(schema, document, operation_name, variables)
    return next((category for category in _PRECEDENCE if charges.get(category)), "read")


# Each operation's charges by its text, operation name and variables (schema/core/analysis.py).
_CHARGES: BoundedLRU[tuple[GraphQLSchema, str, str | None, str], dict[str, int]] = BoundedLRU()


def operation_charges(
    schema: GraphQLSchema,
    document: DocumentNode,
    query: str | None,
    operation_name: str | None = None,
    variables: Mapping[str, Any] | None = None,
) -> dict[str, int]:
    """`charges_of`, computed once per document text, operation name and variables."""
    operation = operation_key(query, operation_name, variables)
    key = None if operation is None else (schema, *operation)
    found = None if key is None else _CHARGES.get(key)
    if found is None:
        found = charges_of(schema, document, operation_name, variables)
        if key is not None:
            _CHARGES.put(key, found)
    return dict(found)


class OperationCharges(SchemaExtension):
    """Charges an HTTP request's operation, once parsed and validated, to the budgets of what
    it does; over a budget it is not executed. (WebSocket messages are charged by their
    transport, which has no request to hang the charges on.) Tells the HTTP view's answer
    cache (`GraphQLContext.answer_note`) what kind of operation ran and what it was charged,
    so a repeat answered from memory is charged the same."""

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        # The request's charges (GraphQLContext.charges), when rate limits are on.
        charges: RequestBudgets | None = getattr(context.context, "charges", None)
        note: AnswerNote | None = getattr(context.context, "answer_note", None)
        document = context.graphql_document
        if (
            (charges is not None or note is not None)
            and document is not None
            and (context.result is None)
        ):
            wanted = operation_charges(
                context.schema._schema,
                document,
                context.query,
                context.operation_name,
                context.variables,
            )
            if note is not None:
                note.is_query = _is_query(context)
                note.charges = wanted
            if charges is not None:
                try:
                    await charges.charge(wanted)
                except RateLimited as error:
                    # A result set before execution replaces it (Strawberry skips the
                    # resolvers).
                    context.result = ExecutionResult(
                        data=None, errors=[GraphQLError(error.message, original_error=error)]
                    )
        yield


def _is_query(context: Any) -> bool:
    try:
        return bool(context.operation_type is StrawberryOperationType.QUERY)
    except RuntimeError:  # no operation to run
        return False
