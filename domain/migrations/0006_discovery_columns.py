from tortoise import fields, migrations

from domain.migration_ops import AddColumnToExistingRows


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
