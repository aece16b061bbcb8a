"""The latest version's README in the full-text index (issue 14: "description and README text
D"): `packages.readme_text`, the README as plain text, written with the latest version
(domain/search_index.py `store_latest`); the text triggers of generation 2 read it, and the
packages already there get theirs here."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from domain.migration_ops import AddColumnToExistingRows


async def index_readme_text(apps, state_editor) -> None:
    # Generation 2 exactly (not "the current one"): a later generation has its own migration.
    from domain.search_index import backfill_readme_text, readme_text_ddl

    client = state_editor.client
    for statement in readme_text_ddl(client.capabilities.dialect):
        await client.execute_script(statement)
    await backfill_readme_text(using_db=client)


class Migration(migrations.Migration):
    dependencies = [("models", "0007_search_index")]

    initial = False

    operations = [
        AddColumnToExistingRows(
            table="packages",
            default_sql="''",
            sql_type={"default": "TEXT"},
            model_name="Package",
            name="readme_text",
            field=fields.TextField(default=""),
        ),
        ops.RunPython(index_readme_text),
    ]
