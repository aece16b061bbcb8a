from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class AddColumnToExistingRows(ops.AddField):
    """AddField for a NOT NULL column on a table that may already have rows.

    Tortoise's AddField emits `ADD COLUMN ... NOT NULL` without a DEFAULT, which PostgreSQL
    refuses once the table has rows: existing rows take the field's default here. `sql_type`
    maps a dialect to the column's type, as Tortoise creates it on a new table.
    """

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
        sql = (f'ALTER TABLE "{self.table}" ADD COLUMN "{self.name}" {column_type} NOT NULL '
               f"DEFAULT {self.default_sql}")
        await ops.RunSQL(sql).database_forward(app_label, old_state, new_state, state_editor)


TEXT = {"default": "TEXT"}
JSON = {"default": "JSON", "postgres": "JSONB"}


def varchar(length: int) -> dict[str, str]:
    return {"default": f"VARCHAR({length})"}


class Migration(migrations.Migration):
    dependencies = [('models', '0005_publisher_invitations')]

    initial = False

    operations = [
        AddColumnToExistingRows(
            table='packages', default_sql="'[]'", sql_type=JSON,
            model_name='Package', name='categories', field=fields.JSONField(default=list),
        ),
        AddColumnToExistingRows(
            table='packages', default_sql="'active'", sql_type=varchar(16),
            model_name='Package', name='status',
            field=fields.CharField(default='active', max_length=16),
        ),
        AddColumnToExistingRows(
            table='packages', default_sql="''", sql_type=TEXT,
            model_name='Package', name='deprecation_message', field=fields.TextField(default=''),
        ),
        AddColumnToExistingRows(
            table='packages', default_sql="''", sql_type=varchar(100),
            model_name='Package', name='successor',
            field=fields.CharField(default='', max_length=100),
        ),
        AddColumnToExistingRows(
            table='package_versions', default_sql="''", sql_type=TEXT,
            model_name='PackageVersion', name='readme_html', field=fields.TextField(default=''),
        ),
        AddColumnToExistingRows(
            table='package_versions', default_sql="''", sql_type=TEXT,
            model_name='PackageVersion', name='changelog_html', field=fields.TextField(default=''),
        ),
        AddColumnToExistingRows(
            table='package_versions', default_sql="''", sql_type=varchar(200),
            model_name='PackageVersion', name='icon_key',
            field=fields.CharField(default='', max_length=200),
        ),
    ]
