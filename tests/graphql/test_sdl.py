"""The SDL is a committed contract, and every part of it documents itself in GraphiQL."""

from __future__ import annotations

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
)

from schema.export import SDL_PATH, current_sdl
from schema.schema import schema

BUILT_IN_SCALARS = {"String", "Int", "Float", "Boolean", "ID"}


def test_committed_sdl_matches_the_code() -> None:
    committed = SDL_PATH.read_text(encoding="utf-8")
    assert committed == current_sdl(), (
        "schema/schema.graphql is out of date: run `uv run python -m schema.export` and "
        "review the diff (it is the API contract)"
    )


def _undocumented() -> list[str]:
    missing: list[str] = []
    for name, graphql_type in schema._schema.type_map.items():
        if name.startswith("__") or name in BUILT_IN_SCALARS:
            continue
        if not graphql_type.description:
            missing.append(name)
        if isinstance(graphql_type, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in graphql_type.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
                missing += [
                    f"{name}.{field_name}({arg_name})"
                    for arg_name, arg in field.args.items()
                    if not arg.description
                ]
        elif isinstance(graphql_type, GraphQLInputObjectType):
            missing += [
                f"{name}.{field_name}"
                for field_name, field in graphql_type.fields.items()
                if not field.description
            ]
        elif isinstance(graphql_type, GraphQLEnumType):
            missing += [
                f"{name}.{value_name}"
                for value_name, value in graphql_type.values.items()
                if not value.description
            ]
        else:
            assert isinstance(graphql_type, GraphQLScalarType | GraphQLObjectType), name
    return missing


def test_every_type_field_argument_and_enum_value_is_described() -> None:
    assert _undocumented() == []


def test_every_object_with_an_identity_is_a_node() -> None:
    node_types = {
        t.name
        for t in schema._schema.type_map.values()
        if isinstance(t, GraphQLObjectType) and any(i.name == "Node" for i in t.interfaces)
    }
    assert {
        "Package",
        "PackageVersion",
        "Dependency",
        "Publisher",
        "VerificationRequest",
        "Artifact",
        "ArtifactVersion",
        "ArtifactBuild",
        "ApiToken",
        "User",
        "AuditEvent",
    } <= node_types
