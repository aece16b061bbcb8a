"""Global object ids (Relay): base64 of "TypeName:database id"."""

from __future__ import annotations

from strawberry import relay

from domain.exceptions import InvalidInput


def parse_global_id(value: str, type_name: str, *, field: str = "id") -> str:
    """The database id inside a global id of `type_name`; a bare database id is accepted too,
    so callers can pass ids they got from REST."""
    try:
        global_id = relay.GlobalID.from_id(value)
    except (relay.GlobalIDValueError, ValueError, TypeError):
        return value
    if global_id.type_name != type_name:
        raise InvalidInput(
            f"Expected an id of a {type_name}, got one of a {global_id.type_name}", field=field
        )
    return global_id.node_id
