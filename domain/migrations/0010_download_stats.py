"""Download statistics (issue 18 part 3): downloads per package version and per artifact
build per UTC day, added in batches by the process's DownloadCounter
(domain/download_counts.py) and pruned after DOWNLOAD_STATS_RETENTION_DAYS."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0009_facet_pairs")]

    initial = False

    operations = [
        ops.CreateModel(
            name="VersionDownloadDay",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("package", fields.ForeignKeyField("models.Package", source_field="package_id", db_constraint=True, to_field="id", related_name="download_days", on_delete=OnDelete.CASCADE)),
                ("version", fields.ForeignKeyField("models.PackageVersion", source_field="version_id", db_constraint=True, to_field="id", related_name="download_days", on_delete=OnDelete.CASCADE)),
                ("day", fields.DateField()),
                ("downloads", fields.BigIntField(default=0)),
            ],
            options={"table": "version_download_days", "app": "models", "unique_together": (("version", "day"),), "indexes": [Index(fields=["package_id", "day"]), Index(fields=["day"])], "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="BuildDownloadDay",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("build", fields.ForeignKeyField("models.ArtifactBuild", source_field="build_id", db_constraint=True, to_field="id", related_name="download_days", on_delete=OnDelete.CASCADE)),
                ("day", fields.DateField()),
                ("downloads", fields.BigIntField(default=0)),
            ],
            options={"table": "build_download_days", "app": "models", "unique_together": (("build", "day"),), "indexes": [Index(fields=["day"])], "pk_attr": "id"},
            bases=["Model"],
        ),
    ]
