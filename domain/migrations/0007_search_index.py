"""The listing's search and facet index (issue 14; domain/search_index.py says what each
table, column, index and trigger is for), built for the rows already there.

The DDL comes from domain/search_index.py, which keeps it beside the SQL that reads it; a
later change to that DDL needs a migration of its own (this one has run by then), and this
one asks for the DDL of its own generation (`schema=1`: before 0008's `readme_text`)."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from domain.migration_ops import AddColumnToExistingRows


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
