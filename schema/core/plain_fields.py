"""Plain attribute fields resolved by a bare `getattr`.

Strawberry resolves a field without a resolver of its own through two wrappers
(`_get_basic_result` -> `StrawberryField.get_result` -> the default resolver). A 100-item
page selects over a thousand such fields, and graphql-core's own work per field is already
most of a list query's time, so after the schema is built each such field gets a resolver
that reads the attribute directly. Fields with a resolver, permission classes, field
extensions or directives keep Strawberry's path.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any, TypeGuard

from graphql import GraphQLObjectType
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField


def _is_plain(field: Any) -> TypeGuard[StrawberryField]:
    return (
        isinstance(field, StrawberryField)
        and field.base_resolver is None
        and not field.permission_classes
        and not field.extensions
        and not field.directives
        and field.is_basic_field
    )


def resolve_plain_fields_directly(graphql_schema: Any) -> int:
    """Point every plain attribute field at `attrgetter(python_name)`; returns how many."""
    count = 0
    for graphql_type in graphql_schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type.name.startswith("__"):
            continue
        for graphql_field in graphql_type.fields.values():
            field = (graphql_field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
            if _is_plain(field) and getattr(graphql_field.resolve, "_is_default", False):
                getter = attrgetter(field.python_name)
                graphql_field.resolve = lambda source, _info, _get=getter, **_: _get(source)
                count += 1
    return count
