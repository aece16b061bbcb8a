"""Operations the migrations in domain/migrations/ share (kept outside that folder, which
holds migrations only)."""

from __future__ import annotations

from typing import Any

from tortoise.migrations import operations as ops
from tortoise.migrations.schema_editor.base import BaseSchemaEditor
from tortoise.migrations.schema_generator.state import State


class AddColumnToExistingRows(ops.AddField):
    """AddField for a NOT NULL column on a table that may already have rows.

    Tortoise's AddField emits `ADD COLUMN ... NOT NULL` without a DEFAULT, which PostgreSQL
    refuses once the table has rows: existing rows take the field's default here. `sql_type`
    maps a dialect to the column's type, as Tortoise creates it on a new table.
    """

    def __init__(
        self, *, table: str, default_sql: str, sql_type: dict[str, str], **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.table = table
        self.default_sql = default_sql
        self.sql_type = sql_type

    async def database_forward(
        self,
        app_label: str,
        old_state: State,
        new_state: State,
        state_editor: BaseSchemaEditor | None = None,
    ) -> None:
        if not state_editor:
            return
        dialect = state_editor.client.capabilities.dialect
        column_type = self.sql_type.get(dialect, self.sql_type["default"])
        sql = (
            f'ALTER TABLE "{self.table}" ADD COLUMN "{self.name}" {column_type} NOT NULL '
            f"DEFAULT {self.default_sql}"
        )
        await ops.RunSQL(sql).database_forward(app_label, old_state, new_state, state_editor)
