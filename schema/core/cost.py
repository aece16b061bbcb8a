"""Query cost: an upper bound of the work a document asks for, computed before execution.

Every object field costs 1 (scalars are free: they come with their object). A list field
multiplies the cost of its selection by its page size: the `first`/`limit` argument (a variable
or literal, else the argument's default), or `ASSUMED_LIST_SIZE` for lists without one. The
`edges`/`nodes` lists of a connection do not multiply again: the connection field already did;
a few lists known to stay short have their own size (`LIST_SIZES`).
Some fields carry an extra cost for work that is not visible in the selection (`FIELD_COSTS`).

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
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SchemaMetaFieldDef,
    SelectionSetNode,
    TypeMetaFieldDef,
    TypeNameMetaFieldDef,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_interface_type,
    is_list_type,
    is_object_type,
)
from strawberry.extensions import SchemaExtension

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
    "Mutation.publishVersion": 20,
    "Mutation.uploadArtifactBuild": 20,
}
_META_FIELDS = {"__schema": SchemaMetaFieldDef, "__type": TypeMetaFieldDef,
                "__typename": TypeNameMetaFieldDef}


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
    variables: dict[str, Any]
    max_expanded_fields: int
    _fragment_memo: dict[tuple[str, str | None], tuple[int, int]] = field(default_factory=dict)
    _in_progress: set[tuple[str, str | None]] = field(default_factory=set)

    def selection_cost(self, selection_set: SelectionSetNode | None, parent: Any,
                       in_connection: bool) -> tuple[int, int]:
        """(cost, expanded field count) of a selection set on `parent` (a GraphQL type)."""
        if selection_set is None:
            return 0, 0
        cost = fields = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                c, f = self.field_cost(selection, parent, in_connection)
            elif isinstance(selection, InlineFragmentNode):
                target = self._type_named(selection.type_condition.name.value) \
                    if selection.type_condition else parent
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
                    "fields")
        return cost, fields

    def spread_cost(self, spread: FragmentSpreadNode, in_connection: bool
                    ) -> tuple[int, int]:
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
            result = self.selection_cost(fragment.selection_set,
                                         self._type_named(fragment.type_condition.name.value),
                                         in_connection)
        finally:
            self._in_progress.discard(memo_key)
        self._fragment_memo[memo_key] = result
        return result

    def field_cost(self, node: FieldNode, parent: Any, in_connection: bool
                   ) -> tuple[int, int]:
        name = node.name.value
        definition = self._field_def(parent, name)
        return_type = definition.type if definition is not None else None
        named = get_named_type(return_type) if return_type is not None else None
        is_introspection = name.startswith("__") or (
            parent is not None and getattr(parent, "name", "").startswith("__"))
        if is_introspection:
            # Free, but still expanded: its fragments count towards the field limit.
            _, fields = self.selection_cost(node.selection_set, named, False)
            return 0, fields + 1
        if named is None or node.selection_set is None:
            return 0, 1  # a scalar, an enum or an unknown field (validation reports it)
        parent_name = getattr(parent, "name", "")
        is_connection = named.name.endswith("Connection")
        child_cost, child_fields = self.selection_cost(node.selection_set, named,
                                                       is_connection)
        multiplier = 1
        nullable = get_nullable_type(return_type)
        size = self._size_argument(node, definition)
        if size is not None:
            multiplier = size
        elif is_list_type(nullable) and not in_connection:
            multiplier = LIST_SIZES.get(f"{parent_name}.{name}", ASSUMED_LIST_SIZE)
        own = 1 + FIELD_COSTS.get(f"{parent_name}.{name}", 0)
        return own + multiplier * child_cost, child_fields + 1

    def _size_argument(self, node: FieldNode, definition: GraphQLField | None) -> int | None:
        given = {arg.name.value: arg.value for arg in node.arguments or ()}
        for name in SIZE_ARGUMENTS:
            if name in given:
                value = given[name]
                if isinstance(value, IntValueNode):
                    return max(int(value.value), 0)
                if isinstance(value, VariableNode):
                    variable = self.variables.get(value.name.value)
                    if isinstance(variable, int) and not isinstance(variable, bool):
                        return max(variable, 0)
                    return self._default_size(definition, name)
                return None
        for name in SIZE_ARGUMENTS:
            default = self._default_size(definition, name)
            if default is not None:
                return default
        return None

    @staticmethod
    def _default_size(definition: GraphQLField | None, name: str) -> int | None:
        if definition is None or name not in definition.args:
            return None
        default = definition.args[name].default_value
        return default if isinstance(default, int) and not isinstance(default, bool) else None

    def _type_named(self, name: str) -> Any:
        return self.schema.get_type(name)

    @staticmethod
    def _field_def(parent: Any, name: str) -> GraphQLField | None:
        if name in _META_FIELDS:
            return _META_FIELDS[name]
        if parent is None or not (is_object_type(parent) or is_interface_type(parent)):
            return None  # unions and unknown types only offer __typename
        return parent.fields.get(name)


def _root_type(schema: GraphQLSchema, operation: OperationDefinitionNode) -> Any:
    return {
        OperationType.QUERY: schema.query_type,
        OperationType.MUTATION: schema.mutation_type,
        OperationType.SUBSCRIPTION: schema.subscription_type,
    }[operation.operation]


def _operations(document: DocumentNode, operation_name: str | None
                ) -> Iterator[OperationDefinitionNode]:
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode) and (
            operation_name is None or (definition.name and
                                       definition.name.value == operation_name)):
            yield definition


def measure(schema: GraphQLSchema, document: DocumentNode, *, operation_name: str | None = None,
            variables: dict[str, Any] | None = None, max_expanded_fields: int = 5000
            ) -> CostReport:
    """Cost of the operation that will run (the most expensive one when none is named)."""
    fragments = {d.name.value: d for d in document.definitions
                 if isinstance(d, FragmentDefinitionNode)}
    walker = _Walker(schema, fragments, variables or {}, max_expanded_fields)
    report = CostReport()
    for operation in _operations(document, operation_name):
        cost, fields = walker.selection_cost(operation.selection_set,
                                             _root_type(schema, operation), False)
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
        from schema.core.protection import limits_of

        context = self.execution_context
        limits = limits_of(context)
        try:
            report = measure(context.schema._schema, document,
                             operation_name=context.operation_name,
                             variables=context.variables,
                             max_expanded_fields=limits.max_expanded_fields)
        except QueryTooComplex as exc:
            return GraphQLError(str(exc), extensions={"code": "query_too_complex"})
        except RecursionError:
            return GraphQLError("Query is too deeply nested",
                                extensions={"code": "query_too_complex"})
        if report.cost > limits.max_cost:
            return GraphQLError(
                f"Query cost {report.cost} exceeds the maximum cost of {limits.max_cost}",
                extensions={"code": "query_too_costly", "cost": report.cost,
                            "maxCost": limits.max_cost})
        return None
