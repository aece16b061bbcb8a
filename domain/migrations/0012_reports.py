"""Abuse and malware reports (issue 18 part 4): signed-in users report a package or one of
its versions; admins dismiss a report or quarantine the reported version
(domain/services/reports.py)."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0011_package_transfers")]

    initial = False

    operations = [
        ops.CreateModel(
            name="AbuseReport",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("package", fields.ForeignKeyField("models.Package", source_field="package_id", db_constraint=True, to_field="id", related_name="abuse_reports", on_delete=OnDelete.CASCADE)),
                ("version", fields.CharField(default="", max_length=100)),
                ("version_key", fields.CharField(default="", max_length=100)),
                ("reporter_id", fields.CharField(max_length=128)),
                ("reason", fields.CharField(default="other", max_length=16)),
                ("details", fields.TextField(default="")),
                ("state", fields.CharField(default="open", max_length=16)),
                ("action", fields.CharField(default="", max_length=16)),
                ("resolved_by", fields.CharField(default="", max_length=128)),
                ("resolved_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("resolution_note", fields.TextField(default="")),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={"table": "abuse_reports", "app": "models", "indexes": [Index(fields=["state", "id"]), Index(fields=["reporter_id", "created_at"]), Index(fields=["package_id", "state"])], "pk_attr": "id"},
            bases=["Model"],
        ),
    ]
