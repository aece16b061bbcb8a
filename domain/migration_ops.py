"""Operations the migrations in domain/migrations/ share (kept outside that folder, which
holds migrations only)."""

from __future__ import annotations

from typing import Any

from tortoise.migrations import operations as ops
from tortoise.migrations.schema_editor.base import BaseSchemaEditor
from tortoise.migrations.schema_generator.state import State


class _OneStatement:
    """An operation on `table` run as the one SQL statement `statement` writes for the
    dialect (mixed in before the Tortoise operation it replaces the SQL of)."""

    def __init__(self, *, table: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.table = table

    def statement(self, dialect: str) -> str:
        raise NotImplementedError

    async def database_forward(
        self,
        app_label: str,
        old_state: State,
        new_state: State,
        state_editor: BaseSchemaEditor | None = None,
    ) -> None:
        if not state_editor:
            return
        sql = self.statement(state_editor.client.capabilities.dialect)
        await ops.RunSQL(sql).database_forward(app_label, old_state, new_state, state_editor)


class AddColumnToExistingRows(_OneStatement, ops.AddField):
    """AddField for a NOT NULL column on a table that may already have rows.

    Tortoise's AddField emits `ADD COLUMN ... NOT NULL` without a DEFAULT, which PostgreSQL
    refuses once the table has rows: existing rows take the field's default here. `sql_type`
    maps a dialect to the column's type, as Tortoise creates it on a new table.
    """

    def __init__(self, *, default_sql: str, sql_type: dict[str, str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.default_sql = default_sql
        self.sql_type = sql_type

    def statement(self, dialect: str) -> str:
        column_type = self.sql_type.get(dialect, self.sql_type["default"])
        return (
            f'ALTER TABLE "{self.table}" ADD COLUMN "{self.name}" {column_type} NOT NULL '
            f"DEFAULT {self.default_sql}"
        )


class DropColumn(_OneStatement, ops.RemoveField):
    """RemoveField as one `ALTER TABLE ... DROP COLUMN` on every dialect (SQLite has it since
    3.35).

    Tortoise's RemoveField rebuilds the whole table on SQLite (create a copy, copy the rows,
    drop the original, rename): that drops the search index's triggers on the table and every
    index it does not recreate, and with foreign keys enforced, dropping the original deletes
    its children's rows by their ON DELETE CASCADE. Only for a column no index or trigger
    reads (SQLite refuses to drop one that is).
    """

    def statement(self, dialect: str) -> str:
        return f'ALTER TABLE "{self.table}" DROP COLUMN "{self.name}"'
