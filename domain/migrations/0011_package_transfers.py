"""Package transfers (issue 18 part 4): an owner offers a package to another publisher, which
takes it over once one of its owners accepts (domain/services/package_transfers.py)."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from domain.models import new_id
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0010_download_stats")]

    initial = False

    operations = [
        ops.CreateModel(
            name="PackageTransfer",
            fields=[
                ("id", fields.CharField(primary_key=True, default=new_id, unique=True, db_index=True, max_length=32)),
                ("package", fields.ForeignKeyField("models.Package", source_field="package_id", db_constraint=True, to_field="id", related_name="transfers", on_delete=OnDelete.CASCADE)),
                ("from_publisher_id", fields.CharField(max_length=32)),
                ("to_publisher_id", fields.CharField(max_length=32)),
                ("state", fields.CharField(default="pending", max_length=16)),
                ("pending_key", fields.CharField(null=True, unique=True, max_length=32)),
                ("requested_by", fields.CharField(default="", max_length=128)),
                ("responded_by", fields.CharField(default="", max_length=128)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("responded_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={"table": "package_transfers", "app": "models", "indexes": [Index(fields=["to_publisher_id", "state"]), Index(fields=["from_publisher_id", "state"])], "pk_attr": "id", "table_description": "An owner's offer of a package to another publisher, which moves the package only once an owner of the receiving publisher accepts."},
            bases=["Model"],
        ),
    ]
