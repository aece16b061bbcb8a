from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class AddTextFieldToExistingRows(ops.AddField):
    """AddField for a NOT NULL text column on a table that may already have rows.

    Tortoise's AddField emits `ADD COLUMN ... NOT NULL` without a DEFAULT, which PostgreSQL
    refuses once the table has rows; existing versions get "" ("not recorded"), which the
    resolver answers from the dependency rows instead.
    """

    async def database_forward(self, app_label, old_state, new_state, state_editor=None):
        sql = (f'ALTER TABLE "package_versions" ADD COLUMN "{self.name}" TEXT NOT NULL '
               "DEFAULT ''")
        await ops.RunSQL(sql).database_forward(app_label, old_state, new_state, state_editor)


class Migration(migrations.Migration):
    dependencies = [('models', '0002_dependency_version_index')]

    initial = False

    operations = [
        AddTextFieldToExistingRows(
            model_name='PackageVersion',
            name='requires',
            field=fields.TextField(default='', unique=False),
        ),
    ]
