"""Scalars shared by every part of the schema (registered in the schema's `scalar_map`)."""

from __future__ import annotations

from typing import NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

from domain.models import BIGINT_RANGE


def _to_int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"BigInt cannot represent {value!r}")
    number = int(value)
    if number not in BIGINT_RANGE:
        raise ValueError("BigInt must fit in 64 bits")
    return number


# GraphQL's Int is 32-bit: byte sizes, quotas and download counters can exceed it.
BigInt = NewType("BigInt", int)

SCALARS: dict[object, ScalarDefinition] = {
    BigInt: strawberry.scalar(
        name="BigInt",
        description="A whole number that may exceed 32 bits (byte sizes, download counts); "
        "serialized as a JSON number.",
        serialize=_to_int,
        parse_value=_to_int,
    ),
}
