"""Webhooks (issue 18 part 1): a publisher's hooks, each delivery of an event to one of them
(the outbox and its log), and each HTTP attempt of a delivery (domain/services/webhooks.py)."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0013_drop_search_text")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Webhook",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("publisher", fields.ForeignKeyField("models.Publisher", source_field="publisher_id", db_constraint=True, to_field="id", related_name="webhooks", on_delete=OnDelete.CASCADE)),
                ("url", fields.CharField(max_length=2048)),
                ("events", fields.JSONField(default=list)),
                ("format", fields.CharField(default="json", max_length=16)),
                ("description", fields.CharField(default="", max_length=200)),
                ("secret", fields.CharField(max_length=128)),
                ("active", fields.BooleanField(default=True)),
                ("disabled_reason", fields.CharField(default="", max_length=500)),
                ("disabled_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("consecutive_failures", fields.IntField(default=0)),
                ("created_by", fields.CharField(default="", max_length=128)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={"table": "webhooks", "app": "models", "indexes": [Index(fields=["publisher_id", "active"])], "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="WebhookDelivery",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("webhook", fields.ForeignKeyField("models.Webhook", source_field="webhook_id", db_constraint=True, to_field="id", related_name="deliveries", on_delete=OnDelete.CASCADE)),
                ("event", fields.CharField(max_length=32)),
                ("body", fields.TextField()),
                ("state", fields.CharField(default="pending", max_length=16)),
                ("attempts", fields.IntField(default=0)),
                ("next_attempt_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("last_status_code", fields.IntField(null=True)),
                ("last_duration_ms", fields.IntField(null=True)),
                ("last_error", fields.CharField(default="", max_length=500)),
                ("redelivery_of", fields.IntField(null=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={"table": "webhook_deliveries", "app": "models", "indexes": [Index(fields=["webhook_id", "id"]), Index(fields=["state", "next_attempt_at"]), Index(fields=["created_at"])], "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="WebhookAttempt",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("delivery", fields.ForeignKeyField("models.WebhookDelivery", source_field="delivery_id", db_constraint=True, to_field="id", related_name="attempt_log", on_delete=OnDelete.CASCADE)),
                ("attempt", fields.IntField()),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("status_code", fields.IntField(null=True)),
                ("duration_ms", fields.IntField(default=0)),
                ("error", fields.CharField(default="", max_length=500)),
            ],
            options={"table": "webhook_attempts", "app": "models", "indexes": [Index(fields=["delivery_id", "attempt"])], "pk_attr": "id"},
            bases=["Model"],
        ),
    ]
