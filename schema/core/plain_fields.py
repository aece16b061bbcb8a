"""Plain attribute fields resolved by a bare `getattr`, and completed without graphql-core's
per-field machinery when their value is an ordinary scalar.

Strawberry resolves a field without a resolver of its own through two wrappers
(`_get_basic_result` -> `StrawberryField.get_result` -> the default resolver). A 100-item
page selects over a thousand such fields, and graphql-core's own work per field is already
most of a list query's time, so after the schema is built each such field gets a resolver
(`PlainField`) that reads the attribute directly. Fields with a resolver, permission classes,
field extensions or directives keep Strawberry's path.

For a plain field of a leaf type (a scalar or enum, or a list of them) the executor
(`schema.core.protection.TimeBudget`) goes one step further: `PlainField.completed` reads
the attribute and coerces it with the type's own `coerce_output_value`, which is all
graphql-core would do for it, without building a resolve info, wrapping the resolver or
walking `complete_value`. Anything else, a null, an error, a value the type refuses, gets
`NOT_PLAIN`, and graphql-core's own path answers the field as it always did (so null
checks, error messages and locations are graphql-core's); a null is answered directly only
where the type allows it.

A field whose resolver is a method taking only `self` and, optionally, `info` (no GraphQL
arguments, extensions, permission classes, directives or exception handlers) is called
directly too (`MethodField`): Strawberry would convert its (absent) arguments, look up which
reserved parameters it takes and chain its (absent) extensions on every call, and a 20-item
listing makes forty such calls (`Package.latest`, `Package.publisher`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from operator import attrgetter
from typing import TYPE_CHECKING, Any, TypeGuard, cast

from graphql import (
    GraphQLObjectType,
    GraphQLOutputType,
    Undefined,
    get_nullable_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
)
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

if TYPE_CHECKING:
    from strawberry import Schema

NOT_PLAIN: Any = object()  # `completed`'s answer when graphql-core must complete the value


def _is_plain(field: Any) -> TypeGuard[StrawberryField]:
    return (
        isinstance(field, StrawberryField)
        and field.base_resolver is None
        and not field.permission_classes
        and not field.extensions
        and not field.directives
        and field.is_basic_field
    )


def _leaf_coercion(graphql_type: GraphQLOutputType) -> Callable[[Any], Any] | None:
    named = get_nullable_type(graphql_type)
    return named.coerce_output_value if is_leaf_type(named) else None


class PlainField:
    """The resolver of a plain attribute field (graphql-core calls it like any resolver)."""

    __slots__ = ("_coerce", "_get", "_is_list", "_items_nullable", "_nullable")

    def __init__(self, python_name: str, graphql_type: GraphQLOutputType) -> None:
        self._get = attrgetter(python_name)
        self._coerce = _leaf_coercion(graphql_type)
        self._nullable = not is_non_null_type(graphql_type)
        self._is_list = False
        self._items_nullable = False
        nullable = get_nullable_type(graphql_type)
        if self._coerce is None and is_list_type(nullable):
            item_type = nullable.of_type
            self._coerce = _leaf_coercion(item_type)
            self._is_list = True
            self._items_nullable = not is_non_null_type(item_type)

    def __call__(self, source: Any, _info: Any, **_: Any) -> Any:
        return self._get(source)

    def completed(self, source: Any) -> Any:
        """The field's value as graphql-core would complete it, or NOT_PLAIN when it is not
        a present, acceptable leaf value (or list of them)."""
        coerce = self._coerce
        if coerce is None:
            return NOT_PLAIN
        try:
            value = self._get(source)
            if value is None and self._nullable:
                return None
            if not self._is_list:
                if value is None or isinstance(value, Exception):
                    return NOT_PLAIN
                coerced = coerce(value)
                return NOT_PLAIN if coerced is None or coerced is Undefined else coerced
            if type(value) is not list and type(value) is not tuple:
                return NOT_PLAIN
            items: list[Any] = []
            for item in value:
                if item is None and self._items_nullable:
                    items.append(None)
                    continue
                if item is None or isinstance(item, Exception):
                    return NOT_PLAIN
                coerced = coerce(item)
                if coerced is None or coerced is Undefined:
                    return NOT_PLAIN
                items.append(coerced)
            return items
        except Exception:  # graphql-core's path raises it again, located in the result
            return NOT_PLAIN


def resolve_plain_fields_directly(graphql_schema: Any) -> int:
    """Point every plain attribute field at a `PlainField`; returns how many."""
    count = 0
    for graphql_type in graphql_schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type.name.startswith("__"):
            continue
        for graphql_field in graphql_type.fields.values():
            field = (graphql_field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
            if _is_plain(field) and getattr(graphql_field.resolve, "_is_default", False):
                graphql_field.resolve = PlainField(field.python_name, graphql_field.type)
                count += 1
    return count


class MethodField:
    """The resolver of a field whose method takes only `self` and maybe `info`: graphql-core
    calls it like any resolver, and it calls the method with the source and, when asked for,
    the same Strawberry `Info` Strawberry's own wrapper would build."""

    __slots__ = ("_field", "_info_class", "_info_name", "_method")

    def __init__(self, field: StrawberryField, info_class: type[Any]) -> None:
        assert field.base_resolver is not None
        self._field = field
        # A plain function (`_is_plain_method` checked it), called with the source as `self`.
        self._method = cast(Callable[..., Any], field.base_resolver.wrapped_func)
        info = field.base_resolver.info_parameter
        self._info_name = None if info is None else info.name
        self._info_class = info_class

    def __call__(self, source: Any, info: Any, **_: Any) -> Any:
        if self._info_name is None:
            return self._method(source)
        strawberry_info = self._info_class(_raw_info=info, _field=self._field)
        return self._method(source, **{self._info_name: strawberry_info})


def _is_plain_method(field: Any, converter: GraphQLCoreConverter) -> TypeGuard[StrawberryField]:
    if not isinstance(field, StrawberryField):
        return False
    resolver = field.base_resolver
    if (
        resolver is None
        or field.permission_classes
        or field.extensions
        or field.directives
        or field.arguments
        or converter._get_field_exception_handlers(field)
    ):
        return False
    reserved = {name for name, value in resolver.reserved_parameters.items() if value}
    parameters = resolver.signature.parameters
    return (
        resolver.self_parameter is not None
        and resolver.root_parameter is None
        and resolver.parent_parameter is None
        and len(parameters) == len(reserved)
        and inspect.isfunction(resolver.wrapped_func)
    )


def call_plain_methods_directly(schema: Schema) -> int:
    """Point every field whose resolver is a plain method (see `MethodField`) at a
    `MethodField`; returns how many."""
    converter = schema.schema_converter
    count = 0
    for graphql_type in schema._schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type.name.startswith("__"):
            continue
        for graphql_field in graphql_type.fields.values():
            field = (graphql_field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
            if _is_plain_method(field, converter):
                graphql_field.resolve = MethodField(field, converter.config.info_class)
                count += 1
    return count
