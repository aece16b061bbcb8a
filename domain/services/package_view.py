"""The package detail read (`GET /packages/{name}`, the registry's hottest route) in one query.

The ORM path costs three round trips (package, its publisher, its versions) plus query building
for each; this reads package, publisher and version summaries with one pre-built JOIN and turns
the rows into the same model instances, so visibility (`access.require_view`) and version rules
(`versions.visible_versions`) are applied exactly as everywhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from tortoise import connections
from tortoise.models import Model

from domain.actor import Actor
from domain.models import Package, PackageVersion, Publisher
from domain.names import name_key
from domain.services import versions
from domain.services.access import require_view

_VERSION_FIELDS = ("package_id", *versions.SUMMARY_FIELDS)


@dataclass(slots=True)
class VersionSummaryRow:
    """The columns of a version that its summary shows, without building a full model (the
    ORM's partial-model path costs more than the query itself)."""

    id: int
    package_id: int
    version: str
    status: str
    yanked: bool
    yank_reason: str
    downloads: int
    published_at: datetime | None
    created_at: datetime
    changelog: str
    toolbox_version: str
    python_version: str


def _columns(model: type[Model], fields: tuple[str, ...] | None = None) -> list[str]:
    projection: dict[str, str] = model._meta.fields_db_projection
    return [projection[f] for f in fields] if fields else list(projection.values())


@dataclass(frozen=True)
class _Layout:
    """Which result columns belong to which table (known once the ORM is initialised)."""

    package: list[str]
    publisher: list[str]
    version: list[str]
    converters: list[Callable[[Any], Any]]

    @property
    def publisher_start(self) -> int:
        return len(self.package)

    @property
    def version_start(self) -> int:
        return len(self.package) + len(self.publisher)


@cache
def _layout() -> _Layout:
    fields_map = PackageVersion._meta.fields_map
    return _Layout(
        _columns(Package),
        _columns(Publisher),
        _columns(PackageVersion, _VERSION_FIELDS),
        [fields_map[f].to_python_value for f in _VERSION_FIELDS],
    )


@cache
def _detail_sql(dialect: str) -> str:
    layout = _layout()
    placeholder = "$1" if dialect == "postgres" else "?"
    selected = [
        f'{alias}."{column}"'
        for alias, columns in (
            ("p", layout.package),
            ("pub", layout.publisher),
            ("v", layout.version),
        )
        for column in columns
    ]
    return (
        f'SELECT {", ".join(selected)} FROM "{Package._meta.db_table}" p '
        f'JOIN "{Publisher._meta.db_table}" pub ON pub."id" = p."publisher_id" '
        f'LEFT JOIN "{PackageVersion._meta.db_table}" v ON v."package_id" = p."id" '
        f'WHERE p."name_key" = {placeholder} AND p."deleted_at" IS NULL'
    )


def _version_row(
    converters: list[Callable[[Any], Any]], values: Sequence[Any]
) -> VersionSummaryRow:
    # The fields' own converters: SQLite hands back text timestamps and 0/1 booleans.
    return VersionSummaryRow(
        *(convert(value) for convert, value in zip(converters, values, strict=True))
    )


async def load_package_with_versions(name: str) -> tuple[Package, list[VersionSummaryRow]] | None:
    """The live package named `name` (any case) with its publisher and the summary columns of
    every version, or None. No visibility rule is applied here."""
    if not isinstance(name, str) or not name:
        return None
    conn = connections.get("default")
    _, rows = await conn.execute_query(_detail_sql(conn.capabilities.dialect), [name_key(name)])
    if not rows:
        return None
    layout = _layout()
    first = tuple(rows[0])
    package = Package._init_from_db(
        **dict(zip(layout.package, first[: layout.publisher_start], strict=True))
    )
    package.publisher = Publisher._init_from_db(
        **dict(
            zip(layout.publisher, first[layout.publisher_start : layout.version_start], strict=True)
        )
    )
    start = layout.version_start
    found = [
        _version_row(layout.converters, tuple(row)[start:])
        for row in rows
        if row[start] is not None
    ]
    return package, found


async def package_detail(actor: Actor, name: str) -> tuple[Package, list[Any]]:
    """The package as `actor` may see it (404 otherwise) with its visible version summaries,
    newest first: the same answer as `packages.get_package` + `versions.visible_versions`."""
    found = await load_package_with_versions(name)
    package = require_view(actor, found[0] if found else None, name)
    assert found is not None
    rows: list[Any] = found[1]
    return package, await versions.visible_versions(actor, package, rows)
