"""Query cost: an upper bound of the work a document asks for, computed before execution.

Every object field costs 1 (scalars are free: they come with their object). A list field
multiplies the cost of its selection by its size, or `ASSUMED_LIST_SIZE` for lists without a
size argument. The `edges`/`nodes` lists of a connection do not multiply again: the connection
field already did; a few lists known to stay short have their own size (`LIST_SIZES`).
Some fields carry an extra cost for work that is not visible in the selection (`FIELD_COSTS`),
and batch fields pay for every item of their list argument (`BATCH_FIELDS`).

Arguments are read the way execution will read them: the operation's variables are coerced
with graphql-core's own functions and each field's arguments are coerced against its
definition, so literals, variables, defaults (of the argument and of the variable), null and
an Int given as `100.0` all count by what the resolver will receive. A size argument's
null, omitted value and out-of-range value count by the `ListSize` its resolver pages with
(schema/core/pagination.py): both read the same declaration.

Fragments are costed once each (memoised), so the walk is linear in the size of the document
even for "fragment bombs"; the same walk counts the fields the document expands to.

Introspection is free (it reads the in-memory schema); its abusive shape, lists of types'
members nested in one another, is refused by graphql-core's own introspection depth rule.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SchemaMetaFieldDef,
    SelectionSetNode,
    TypeMetaFieldDef,
    TypeNameMetaFieldDef,
    get_named_type,
    get_nullable_type,
    is_interface_type,
    is_list_type,
    is_object_type,
)
from graphql.execution.values import (
    VariableValues,
    coerce_variable_values,
    get_argument_values,
)
from strawberry.extensions import SchemaExtension

from domain.bounds import MAX_UPDATE_ITEMS
from schema.core.analysis import BoundedLRU, operation_key
from schema.core.pagination import list_size_of
from schema.core.protection import limits_of, operation_cost

SIZE_ARGUMENTS = ("first", "last", "limit")
ASSUMED_LIST_SIZE = 10
# Lists without a size argument whose real length is known to stay small.
LIST_SIZES = {
    "PackageVersion.dependencies": 5,
    "ArtifactVersion.builds": 6,
    "ResolveResult.packages": 50,
}
FIELD_COSTS = {
    "Query.resolve": 50,
    "Query.fileBySha256": 5,
    "Query.checkCompatibility": 50,  # a resolution, like Query.resolve
    "Query.storageStatus": 10,  # probes every backend and counts the copy records
    # One grouped count over every matching package (not only the page's).
    "PackageConnection.facets": 10,
    "Mutation.publishVersion": 20,
    # Page HTML is up to 1 MiB each (domain/pages/markdown.py): a page of 100 packages may
    # ask for one of them, not for every one of every version.
    "Package.readmeHtml": 40,
    "Package.changelogHtml": 40,
    "PackageVersion.readmeHtml": 40,
    "PackageVersion.changelogHtml": 40,
    "Mutation.uploadArtifactBuild": 20,
}


@dataclass(frozen=True)
class PerItem:
    """A batch field: its work grows with the items of one list argument, and a list it
    returns has one entry per item. The domain caps the item count (domain/bounds.py) and
    refuses longer lists; the cost charges every item given, so a document of many such
    fields is refused before any of them runs."""

    argument: str
    cost: int
    # Items charged when the argument is null or left out.
    when_absent: int = 0


BATCH_FIELDS = {
    # A batch is answered in four queries, but every item is still looked up, compared and
    # answered (about 0.2 ms each, as long as 10 objects of a page). 9 lets one full batch
    # (MAX_UPDATE_ITEMS, as REST /updates takes) fit the default maximum cost of 5000, and no
    # second one beside it.
    "Query.checkUpdates": PerItem("items", 9),
    # Each requirement is parsed and solved for (its versions come in batched queries, so
    # well under 1 ms a requirement); a full MAX_RESOLVE_REQUIREMENTS batch fits.
    "Query.resolve": PerItem("requirements", 5),
    # One IN query for all names. Without names it answers every listed package, a number
    # only the database knows: charged like a full batch of names.
    "Query.latestVersions": PerItem("names", 1, when_absent=MAX_UPDATE_ITEMS),
}
_META_FIELDS = {
    "__schema": SchemaMetaFieldDef,
    "__type": TypeMetaFieldDef,
    "__typename": TypeNameMetaFieldDef,
}
_NO_VARIABLES = VariableValues({}, {})


class QueryTooComplex(Exception):
    """The document is over a limit; the message is meant for the client."""


@dataclass
class CostReport:
    cost: int = 0
    expanded_fields: int = 0


@dataclass
class _Walker:
    schema: GraphQLSchema
    fragments: dict[str, FragmentDefinitionNode]
    # The operation's variables, coerced as execution will coerce them.
    variables: VariableValues
    max_expanded_fields: int
    _fragment_memo: dict[tuple[str, bool], tuple[int, int]] = field(default_factory=dict)
    _in_progress: set[tuple[str, bool]] = field(default_factory=set)

    def selection_cost(
        self, selection_set: SelectionSetNode | None, parent: Any, in_connection: bool
    ) -> tuple[int, int]:
        """(cost, expanded field count) of a selection set on `parent` (a GraphQL type)."""
        if selection_set is None:
            return 0, 0
        cost = fields = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                c, f = self.field_cost(selection, parent, in_connection)
            elif isinstance(selection, InlineFragmentNode):
                target = (
                    self._type_named(selection.type_condition.name.value)
                    if selection.type_condition
                    else parent
                )
                c, f = self.selection_cost(selection.selection_set, target, in_connection)
            elif isinstance(selection, FragmentSpreadNode):
                c, f = self.spread_cost(selection, in_connection)
            else:  # pragma: no cover - graphql-core has no other selection kinds
                continue
            cost += c
            fields += f
            if fields > self.max_expanded_fields:
                raise QueryTooComplex(
                    f"Query is too complex: it expands to more than {self.max_expanded_fields} "
                    "fields"
                )
        return cost, fields

    def spread_cost(self, spread: FragmentSpreadNode, in_connection: bool) -> tuple[int, int]:
        name = spread.name.value
        fragment = self.fragments.get(name)
        if fragment is None:
            return 0, 0  # reported by validation
        memo_key = (name, in_connection)
        if memo_key in self._fragment_memo:
            return self._fragment_memo[memo_key]
        if memo_key in self._in_progress:
            return 0, 0  # a fragment cycle: reported by validation
        self._in_progress.add(memo_key)
        try:
            result = self.selection_cost(
                fragment.selection_set,
                self._type_named(fragment.type_condition.name.value),
                in_connection,
            )
        finally:
            self._in_progress.discard(memo_key)
        self._fragment_memo[memo_key] = result
        return result

    def field_cost(self, node: FieldNode, parent: Any, in_connection: bool) -> tuple[int, int]:
        name = node.name.value
        definition = self._field_def(parent, name)
        return_type = definition.type if definition is not None else None
        named = get_named_type(return_type) if return_type is not None else None
        is_introspection = name.startswith("__") or (
            parent is not None and getattr(parent, "name", "").startswith("__")
        )
        if is_introspection:
            # Free, but still expanded: its fragments count towards the field limit.
            _, fields = self.selection_cost(node.selection_set, named, False)
            return 0, fields + 1
        key = f"{getattr(parent, 'name', '')}.{name}"
        batch = BATCH_FIELDS.get(key)
        if definition is None or (node.selection_set is None and batch is None):
            return 0, 1  # a scalar, an enum or an unknown field (validation reports it)
        arguments = self._arguments(definition, node)
        items = _item_count(arguments, batch) if batch is not None else 0
        own = 1 + FIELD_COSTS.get(key, 0) + (batch.cost * items if batch is not None else 0)
        if node.selection_set is None or named is None:
            return own, 1  # a batch field of scalars
        is_connection = named.name.endswith("Connection")
        child_cost, child_fields = self.selection_cost(node.selection_set, named, is_connection)
        multiplier = 1
        is_list = is_list_type(get_nullable_type(return_type))
        size = _size(definition, arguments)
        if size is not None:
            multiplier = size
        elif batch is not None and is_list:
            multiplier = items  # one entry per item asked about
        elif is_list and not in_connection:
            multiplier = LIST_SIZES.get(key, ASSUMED_LIST_SIZE)
        return own + multiplier * child_cost, child_fields + 1

    def _arguments(self, definition: GraphQLField, node: FieldNode) -> dict[str, Any] | None:
        """The field's arguments as its resolver will receive them; None when they cannot be
        coerced: then the field never runs (validation refuses the document, or execution
        fails this field before calling its resolver), and the walk charges its defaults."""
        try:
            return get_argument_values(definition, node, self.variables)
        except (GraphQLError, TypeError, ValueError):
            return None

    def _type_named(self, name: str) -> Any:
        return self.schema.get_type(name)

    @staticmethod
    def _field_def(parent: Any, name: str) -> GraphQLField | None:
        if name in _META_FIELDS:
            return _META_FIELDS[name]
        if parent is None or not (is_object_type(parent) or is_interface_type(parent)):
            return None  # unions and unknown types only offer __typename
        return parent.fields.get(name)


def _size(definition: GraphQLField, arguments: dict[str, Any] | None) -> int | None:
    """Items a list field with a size argument returns; None when it has no size argument."""
    for name in SIZE_ARGUMENTS:
        argument = definition.args.get(name)
        if argument is None:
            continue
        requested = arguments.get(name) if arguments is not None else None
        if not isinstance(requested, int) or isinstance(requested, bool):
            requested = None  # null, left out, or not coercible
        rule = list_size_of(argument)
        if rule is not None:
            return rule.charged(requested)
        # A size argument without a declared ListSize (tests/security/test_graphql_cost.py
        # keeps the schema free of them): its value as given, else its default.
        if requested is not None:
            return max(requested, 0)
        default = argument.default_value
        if isinstance(default, int) and not isinstance(default, bool):
            return max(default, 0)
        return ASSUMED_LIST_SIZE
    return None


def _item_count(arguments: dict[str, Any] | None, batch: PerItem) -> int:
    if arguments is None:
        return 0  # the field does not run
    items = arguments.get(batch.argument)
    if items is None:
        return batch.when_absent
    return len(items) if isinstance(items, list) else 1


def _root_type(schema: GraphQLSchema, operation: OperationDefinitionNode) -> Any:
    return {
        OperationType.QUERY: schema.query_type,
        OperationType.MUTATION: schema.mutation_type,
        OperationType.SUBSCRIPTION: schema.subscription_type,
    }[operation.operation]


def _operations(
    document: DocumentNode, operation_name: str | None
) -> Iterator[OperationDefinitionNode]:
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode) and (
            operation_name is None or (definition.name and definition.name.value == operation_name)
        ):
            yield definition


def coerced_variables(
    schema: GraphQLSchema, operation: OperationDefinitionNode, raw: Any
) -> VariableValues:
    """The operation's variables as execution will coerce them (`100.0` for an Int is 100, a
    left-out variable takes its definition's default). A value that does not coerce is left
    out: execution refuses the whole operation on it, and until then the walk charges the
    arguments it feeds as if they were not given."""
    if not operation.variable_definitions:
        return _NO_VARIABLES
    return coerce_variable_values(
        schema,
        operation.variable_definitions,
        raw if isinstance(raw, dict) else {},
        lambda _error: None,
    )


def measure(
    schema: GraphQLSchema,
    document: DocumentNode,
    *,
    operation_name: str | None = None,
    variables: dict[str, Any] | None = None,
    max_expanded_fields: int = 5000,
) -> CostReport:
    """Cost of the operation that will run (the most expensive one when none is named)."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operations = list(_operations(document, operation_name))
    if len(operations) == 1:
        coerced = coerced_variables(schema, operations[0], variables)
    else:
        # No operation, or several that match: execution runs none of them (it needs a name
        # that picks exactly one). The walk only bounds the expansion then, with one walker
        # whose fragment memo all operations share, so it stays linear in the document.
        coerced = _NO_VARIABLES
    walker = _Walker(schema, fragments, coerced, max_expanded_fields)
    report = CostReport()
    for operation in operations:
        cost, fields = walker.selection_cost(
            operation.selection_set, _root_type(schema, operation), False
        )
        report.cost = max(report.cost, cost)
        report.expanded_fields = max(report.expanded_fields, fields)
    return report


class QueryCostLimiter(SchemaExtension):
    """Rejects a document whose cost is over `limits.max_cost` (read from the request's
    context), after parsing and before validation, so no validation rule or resolver ever
    walks an oversized document."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.pre_execution_errors is None:
            error = self._check(document)
            if error is not None:
                context.pre_execution_errors = [error]
        yield

    def _check(self, document: DocumentNode) -> GraphQLError | None:
        context = self.execution_context
        limits = limits_of(context)
        schema = context.schema._schema
        operation = operation_key(context.query, context.operation_name, context.variables)
        key = None if operation is None else (schema, *operation, limits.max_expanded_fields)
        measured = None if key is None else _MEASURED.get(key)
        if measured is None:
            measured = _measure(schema, document, context, limits)
            if key is not None:
                _MEASURED.put(key, measured)
        if isinstance(measured, str):
            return GraphQLError(measured, extensions={"code": "query_too_complex"})
        operation_cost.set(measured.cost)
        if measured.cost > limits.max_cost:
            return GraphQLError(
                f"Query cost {measured.cost} exceeds the maximum cost of {limits.max_cost}",
                extensions={
                    "code": "query_too_costly",
                    "cost": measured.cost,
                    "maxCost": limits.max_cost,
                },
            )
        return None


# Each operation's measurement (its cost report, or why it is too complex) by its text,
# operation name, variables and expansion limit (schema/core/analysis.py): the same document
# is walked once, and refused (or charged its cost) every time from what the walk found.
_MEASURED: BoundedLRU[tuple[GraphQLSchema, str, str | None, str, int], CostReport | str] = (
    BoundedLRU()
)


def _measure(
    schema: GraphQLSchema, document: DocumentNode, context: Any, limits: Any
) -> CostReport | str:
    """The operation's cost report, or the message refusing it as too complex."""
    try:
        return measure(
            schema,
            document,
            operation_name=context.operation_name,
            variables=context.variables,
            max_expanded_fields=limits.max_expanded_fields,
        )
    except QueryTooComplex as exc:
        return str(exc)
    except RecursionError:
        return "Query is too deeply nested"
