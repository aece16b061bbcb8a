"""Copying the registry's rows between databases (`tb-registry export` / `import`, issue 16):
which tables are copied and in what order, reading them in pages by primary key as JSON-ready
rows, and writing such rows back unchanged (primary keys and timestamps included).

What the rows are written as: one JSON object per row, keyed by column, with datetimes as
ISO 8601 text and JSON columns as JSON values. Writing converts each value with its field
(the database's own encoding: JSONB on PostgreSQL, text on SQLite) and inserts with
"ON CONFLICT DO NOTHING", so a page written again after an interruption adds nothing; the
caller compares the row counts at the end.

Rows are written with SQL built here rather than `bulk_create`: the ORM stamps `auto_now`
columns (`updated_at`, `last_seen_at`) with the current time on every insert, and an import
must keep them as they were.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import date, datetime
from typing import Any

from tortoise import Tortoise
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model
from tortoise.transactions import in_transaction

from domain.models import (
    AbuseReport,
    ApiToken,
    Artifact,
    ArtifactBuild,
    ArtifactVersion,
    AuditEvent,
    BuildDownloadDay,
    Dependency,
    ObjectClaim,
    Package,
    PackageTransfer,
    PackageVersion,
    Publisher,
    PublisherInvitation,
    PublisherMember,
    StoredCopy,
    User,
    VerificationRequest,
    VersionDownloadDay,
    Webhook,
    WebhookAttempt,
    WebhookDelivery,
)
from domain.search_index import is_postgres, marks

PAGE_ROWS = 500

# Every copied table, parents before children (the order rows are inserted in).
COPIED: tuple[type[Model], ...] = (
    User,
    Publisher,
    PublisherMember,
    PublisherInvitation,
    VerificationRequest,
    Package,
    PackageTransfer,  # offers of a package to another publisher, open and closed
    PackageVersion,
    Dependency,
    Artifact,
    ArtifactVersion,
    ArtifactBuild,
    VersionDownloadDay,  # download statistics per day (domain/download_counts.py)
    BuildDownloadDay,
    AbuseReport,  # abuse reports and their resolution (domain/services/reports.py)
    # Publishers' webhooks (their secrets, which sign) and the delivery log; a delivery still
    # pending is sent by the target (domain/services/webhook_outbox.py).
    Webhook,
    WebhookDelivery,
    WebhookAttempt,
    ApiToken,
    AuditEvent,
)

# Tables that are not copied, and why (tests check that COPIED and these cover every model).
NOT_COPIED: dict[type[Model], str] = {
    # Which backend of *this* deployment holds which object: the target's backends differ.
    # The import records the copies it stores on the target's primary itself.
    StoredCopy: "per-backend copy records; the import records its own",
    # An upload's hold on an object while it is being stored: meaningless once it is over.
    ObjectClaim: "transient holds of uploads in flight",
}

# Columns a migration has dropped since: an export taken before it still has them, and the
# import leaves their values out (each held nothing the remaining columns do not).
DROPPED_COLUMNS: dict[type[Model], frozenset[str]] = {
    Package: frozenset({"search_text"}),  # migration 0013_drop_search_text
}

# The listing's search and facet index (domain/search_index.py) is derived from the copied
# rows: the import rebuilds it rather than copying it.

MIGRATIONS_TABLE = "tortoise_migrations"  # Tortoise's record of the applied migrations
MODELS_APP = "models"


def table_of(model: type[Model]) -> str:
    return model._meta.db_table


def model_for(table: str) -> type[Model] | None:
    return next((model for model in COPIED if table_of(model) == table), None)


def columns_of(model: type[Model]) -> list[str]:
    """The table's columns, in the model's field order."""
    return list(model._meta.fields_db_projection.values())


def current_columns(model: type[Model], columns: Iterable[str]) -> list[str]:
    """An export's columns of the model's table, less the ones dropped since."""
    dropped = DROPPED_COLUMNS.get(model, frozenset())
    return [column for column in columns if column not in dropped]


def _fields_by_column(model: type[Model]) -> dict[str, Any]:
    meta = model._meta
    return {column: meta.fields_map[name] for name, column in meta.fields_db_projection.items()}


def _connection() -> BaseDBAsyncClient:
    return Tortoise.get_connection("default")


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


async def applied_migrations() -> list[str]:
    """The names of the migrations applied to the connected database, sorted."""
    rows = await _connection().execute_query_dict(
        f'SELECT "name" FROM "{MIGRATIONS_TABLE}" WHERE "app" = {marks(_connection(), 1)[0]}',
        [MODELS_APP],
    )
    return sorted(str(row["name"]) for row in rows)


async def count_rows(model: type[Model]) -> int:
    return await model.all().count()


async def pages(
    model: type[Model], *, after: Any = None, page_rows: int = PAGE_ROWS
) -> AsyncIterator[list[dict[str, Any]]]:
    """The table's rows as JSON-ready dicts, in pages of up to `page_rows` ordered by primary
    key, starting after the key `after` (None: from the first row)."""
    projection = model._meta.fields_db_projection
    names = list(projection)
    pk = model._meta.pk_attr
    while True:
        query = model.all() if after is None else model.filter(**{f"{pk}__gt": after})
        rows = await query.order_by(pk).limit(page_rows).values(*names)
        if not rows:
            return
        yield [{projection[name]: _jsonable(value) for name, value in row.items()} for row in rows]
        after = rows[-1][pk]


def primary_key_column(model: type[Model]) -> str:
    return model._meta.db_pk_column


async def insert_rows(model: type[Model], rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows as `pages` yields them, unchanged, in one transaction; a row whose key is
    already there is skipped; values of columns dropped since are left out. Raises ValueError
    for a column the table does not have."""
    if not rows:
        return
    fields_by_column = _fields_by_column(model)
    exported = list(rows[0])
    columns = current_columns(model, exported)
    unknown = [column for column in columns if column not in fields_by_column]
    if unknown:
        raise ValueError(f"table {table_of(model)} has no column {', '.join(unknown)}")
    values = []
    for row in rows:
        if list(row) != exported:
            raise ValueError(f"table {table_of(model)}: rows with differing columns")
        converted = []
        for column in columns:
            field = fields_by_column[column]
            value = row[column]
            # Parse text back into the field's type (datetimes); the class (not an instance)
            # as the owner keeps `auto_now` from stamping the current time.
            python_value = None if value is None else field.to_python_value(value)
            converted.append(field.to_db_value(python_value, model))
        values.append(converted)
    async with in_transaction() as connection:
        quoted = ", ".join(f'"{column}"' for column in columns)
        sql = (
            f'INSERT INTO "{table_of(model)}" ({quoted}) '
            f"VALUES ({', '.join(marks(connection, len(columns)))}) ON CONFLICT DO NOTHING"
        )
        await connection.execute_many(sql, values)


async def reset_sequences() -> None:
    """After rows were inserted with their own keys, make PostgreSQL's id sequences continue
    after the highest key (SQLite's AUTOINCREMENT follows inserted keys by itself)."""
    connection = _connection()
    if not is_postgres(connection):
        return
    for model in COPIED:
        pk = model._meta.pk
        if not pk.generated:
            continue
        table, column = table_of(model), primary_key_column(model)
        await connection.execute_query(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column}'), "
            f'COALESCE((SELECT MAX("{column}") FROM "{table}"), 0) + 1, false)'
        )


# Every referenced object key: version archives, build files and page icons ("" = none).
_REFERENCED_KEYS = (
    "SELECT blob_key AS k FROM package_versions UNION SELECT blob_key FROM artifact_builds "
    "UNION SELECT icon_key FROM package_versions WHERE icon_key <> ''"
)


async def referenced_keys(
    *, after: str | None = None, page_rows: int = PAGE_ROWS
) -> AsyncIterator[list[str]]:
    """Every object key a version, build or page icon refers to, once each, in key order and
    pages, starting after `after` (keys are ASCII: the order is the same on every engine).
    Each branch is filtered by the last key before the union, so a page sorts only the keys
    still to come."""
    connection = _connection()
    last = after or ""
    while True:
        mark = marks(connection, 4)
        rows = await connection.execute_query_dict(
            f"SELECT k FROM (SELECT blob_key AS k FROM package_versions WHERE blob_key > {mark[0]} "
            f"UNION SELECT blob_key FROM artifact_builds WHERE blob_key > {mark[1]} "
            f"UNION SELECT icon_key FROM package_versions WHERE icon_key > {mark[2]}) "
            f"AS referenced ORDER BY k LIMIT {mark[3]}",
            [last, last, last, page_rows],
        )
        if not rows:
            return
        keys = [str(row["k"]) for row in rows]
        yield keys
        last = keys[-1]


async def referenced_key_count() -> int:
    rows = await _connection().execute_query_dict(
        f"SELECT COUNT(*) AS n FROM ({_REFERENCED_KEYS}) AS referenced"
    )
    return int(rows[0]["n"])
