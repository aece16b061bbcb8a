"""Plain scalar fields answered inside the executor (schema/core/plain_fields.py, the
execution context in schema/core/protection.py) answer exactly what graphql-core's own path
answers: the values, and for a null where the type forbids one, a value the scalar refuses or
an enum value it does not know, the same errors at the same paths."""

from __future__ import annotations

from enum import Enum
from typing import Any

import pytest
import strawberry

from schema.core.plain_fields import NOT_PLAIN, PlainField, resolve_plain_fields_directly
from schema.core.protection import TimeBudget


@strawberry.enum
class Colour(Enum):
    RED = "red"


@strawberry.type
class Item:
    name: str
    note: str | None
    count: int
    colour: Colour
    tags: list[str]
    maybe_tags: list[str | None]


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return ITEMS


ITEMS: list[Any] = []
DOCUMENT = "{ items { name note count colour tags maybeTags } }"


def schemas() -> tuple[strawberry.Schema, strawberry.Schema]:
    plain = strawberry.Schema(query=Query, execution_context_class=TimeBudget)
    assert resolve_plain_fields_directly(plain._schema) == 6
    assert isinstance(plain._schema.type_map["Item"].fields["name"].resolve, PlainField)
    reference = strawberry.Schema(query=Query)  # graphql-core's own path for every field
    return plain, reference


def both(items: list[Any]) -> tuple[Any, Any]:
    ITEMS[:] = items
    plain, reference = schemas()
    return plain.execute_sync(DOCUMENT), reference.execute_sync(DOCUMENT)


def good(**changes: Any) -> Item:
    values: dict[str, Any] = {
        "name": "a",
        "note": None,
        "count": 3,
        "colour": Colour.RED,
        "tags": ["x", "y"],
        "maybe_tags": [None, "z"],
    }
    return Item(**(values | changes))


def test_plain_values_are_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    answered: list[Any] = []
    completed = PlainField.completed

    def counted(self: PlainField, source: Any) -> Any:
        answered.append(completed(self, source))
        return answered[-1]

    monkeypatch.setattr(PlainField, "completed", counted)
    fast, slow = both([good(), good(note="n", tags=[])])
    assert len(answered) == 12 and NOT_PLAIN not in answered  # all in the executor
    assert fast.errors is None and fast.data == slow.data
    assert fast.data == {
        "items": [
            {
                "name": "a",
                "note": None,
                "count": 3,
                "colour": "RED",
                "tags": ["x", "y"],
                "maybeTags": [None, "z"],
            },
            {
                "name": "a",
                "note": "n",
                "count": 3,
                "colour": "RED",
                "tags": [],
                "maybeTags": [None, "z"],
            },
        ]
    }


def test_values_that_are_not_plain_fail_as_graphql_core_fails_them() -> None:
    for bad in (
        good(name=None),  # null for a non-null field
        good(count="many"),  # a value Int refuses
        good(count=2**40),  # outside Int
        good(colour="blue"),  # not an enum value
        good(tags=["x", None]),  # null item where items are non-null
        good(tags="xy"),  # a string is not a list
    ):
        fast, slow = both([good(), bad])
        assert fast.errors, bad
        assert fast.data == slow.data
        assert [(e.message, e.path) for e in fast.errors] == [
            (e.message, e.path) for e in slow.errors or []
        ]
