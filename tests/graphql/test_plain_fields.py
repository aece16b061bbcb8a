"""Plain scalar fields answered inside the executor (schema/core/plain_fields.py, the
execution context in schema/core/protection.py) answer exactly what graphql-core's own path
answers: the values, and for a null where the type forbids one, a value the scalar refuses or
an enum value it does not know, the same errors at the same paths."""

from __future__ import annotations

from enum import Enum
from typing import Any

import pytest
import strawberry

from schema.core.plain_fields import (
    NOT_PLAIN,
    MethodField,
    PlainField,
    call_plain_methods_directly,
    resolve_plain_fields_directly,
)
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


def test_a_version_reads_each_value_field_from_its_row_on_first_read() -> None:
    """`PackageVersion.from_model` reads its value fields lazily: every plain field of the
    type has a reader, and each answers what the row holds (converted as the field says)."""
    from datetime import UTC, datetime
    from types import SimpleNamespace

    from schema.packages import types as package_types
    from schema.packages.enums import VersionStatus

    definition = package_types.PackageVersion.__strawberry_definition__  # type: ignore[attr-defined]
    value_fields = {
        f.python_name
        for f in definition.fields
        if f.base_resolver is None and f.python_name not in ("pk", "row", "package_row")
    }
    assert value_fields == set(package_types._VERSION_FIELDS)
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    row = SimpleNamespace(
        id=7, version="1.2.3", status="published", yanked=True, yank_reason="bad",
        changelog="log", toolbox_version=">=1", python_version=">=3.11", sha256="a" * 64,
        upload_sha256="b" * 64, size_bytes=12, downloads=34, platforms=["linux", 3],
        warnings=None, published_at=when, created_at=when,
    )  # fmt: skip
    version = package_types.PackageVersion.from_model(row)  # type: ignore[arg-type]
    assert "version" not in vars(version)
    assert (version.pk, version.version, version.status) == ("7", "1.2.3", VersionStatus.PUBLISHED)
    assert (version.yanked, version.yank_reason, version.changelog) == (True, "bad", "log")
    assert (version.toolbox_version, version.python_version) == (">=1", ">=3.11")
    assert (version.checksum_sha256, version.upload_sha256) == ("a" * 64, "b" * 64)
    assert (version.size_bytes, version.downloads) == (12, 34)
    assert (version.platforms, version.warnings) == (["linux", "3"], [])
    assert (version.published_at, version.created_at) == (when, when)
    assert version.package_row is None
    with pytest.raises(AttributeError):
        version.no_such_field  # noqa: B018


@strawberry.type
class Shelf:
    label: str

    @strawberry.field
    def shout(self) -> str:
        return self.label.upper()

    @strawberry.field
    def asked(self, info: strawberry.Info) -> str:
        return f"{self.label} for {info.context['who']} at {info.path.key} ({info.return_type})"

    @strawberry.field
    async def later(self, info: strawberry.Info) -> str:
        return f"{self.label} later for {info.context['who']}"

    @strawberry.field
    def failing(self) -> str | None:
        raise ValueError(f"no {self.label}")

    @strawberry.field
    def with_argument(self, times: int = 2) -> str:
        return self.label * times


@strawberry.type
class ShelfQuery:
    @strawberry.field
    def shelves(self) -> list[Shelf]:
        return [Shelf(label="a"), Shelf(label="b")]


async def test_plain_methods_are_called_directly_with_the_same_answers() -> None:
    """A method taking only `self` (and maybe `info`) is called without Strawberry's wrappers
    (`MethodField`), with the same values, `Info` and errors; a method with arguments is not."""
    direct = strawberry.Schema(query=ShelfQuery, execution_context_class=TimeBudget)
    assert call_plain_methods_directly(direct) == 5  # shelves, and four of Shelf's five
    fields = direct._schema.type_map["Shelf"].fields  # type: ignore[union-attr]
    assert isinstance(fields["asked"].resolve, MethodField)
    assert not isinstance(fields["withArgument"].resolve, MethodField)
    reference = strawberry.Schema(query=ShelfQuery)
    document = "{ shelves { label shout asked later failing withArgument(times: 3) } }"
    answers = [
        await schema.execute(document, context_value={"who": "me"})
        for schema in (direct, reference)
    ]
    assert answers[0].data == answers[1].data
    assert answers[0].data is not None
    assert answers[0].data["shelves"][1]["asked"] == "b for me at asked (<class 'str'>)"
    assert answers[0].data["shelves"][0]["later"] == "a later for me"
    assert [(e.message, e.path) for e in answers[0].errors or []] == [
        (e.message, e.path) for e in answers[1].errors or []
    ]
    assert len(answers[0].errors or []) == 2
