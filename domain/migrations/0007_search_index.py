"""The listing's search and facet index (issue 14; domain/search_index.py says what each
table, column, index and trigger is for), built for the rows already there.

The DDL comes from domain/search_index.py, which keeps it beside the SQL that reads it; a
later change to that DDL needs a migration of its own (this one has run by then), and this
one asks for the DDL of its own generation (`schema=1`: before 0008's `readme_text`)."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class AddColumnToExistingRows(ops.AddField):
    """AddField for a NOT NULL column on a table that may already have rows (as in 0006):
    existing rows take the field's default."""

    def __init__(self, *, table: str, default_sql: str, sql_type: dict[str, str], **kwargs):
        super().__init__(**kwargs)
        self.table = table
        self.default_sql = default_sql
        self.sql_type = sql_type

    async def database_forward(self, app_label, old_state, new_state, state_editor=None):
        if not state_editor:
            return
        dialect = state_editor.client.capabilities.dialect
        column_type = self.sql_type.get(dialect, self.sql_type["default"])
        sql = (
            f'ALTER TABLE "{self.table}" ADD COLUMN "{self.name}" {column_type} NOT NULL '
            f"DEFAULT {self.default_sql}"
        )
        await ops.RunSQL(sql).database_forward(app_label, old_state, new_state, state_editor)


async def build_search_index(apps, state_editor) -> None:
    from domain.search_index import postgres_ddl, rebuild_search_index, sqlite_ddl

    client = state_editor.client
    postgres = client.capabilities.dialect == "postgres"
    for statement in postgres_ddl(schema=1) if postgres else sqlite_ddl(schema=1):
        await client.execute_script(statement)
    await rebuild_search_index(using_db=client, schema=1)


JSON = {"default": "JSON", "postgres": "JSONB"}


class Migration(migrations.Migration):
    dependencies = [("models", "0006_discovery_columns")]

    initial = False

    operations = [
        AddColumnToExistingRows(
            table="package_versions",
            default_sql="'[]'",
            sql_type=JSON,
            model_name="PackageVersion",
            name="architectures",
            field=fields.JSONField(default=list),
        ),
        ops.RunPython(build_search_index),
    ]
