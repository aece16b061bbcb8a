from tortoise import migrations
from tortoise.migrations import operations as ops
from domain.models import new_id
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0004_object_claims')]

    initial = False

    operations = [
        ops.CreateModel(
            name='PublisherInvitation',
            fields=[
                ('id', fields.CharField(primary_key=True, default=new_id, unique=True, db_index=True, max_length=32)),
                ('publisher', fields.ForeignKeyField('models.Publisher', source_field='publisher_id', db_constraint=True, to_field='id', related_name='invitations', on_delete=OnDelete.CASCADE)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='invitations', on_delete=OnDelete.CASCADE)),
                ('role', fields.CharField(default='member', max_length=16)),
                ('state', fields.CharField(default='pending', max_length=16)),
                ('pending_key', fields.CharField(null=True, unique=True, max_length=200)),
                ('invited_by', fields.CharField(default='', max_length=128)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('responded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'publisher_invitations', 'app': 'models', 'indexes': [Index(fields=['user_id', 'state'])], 'pk_attr': 'id', 'table_description': "An owner's offer of membership, which makes the invitee a member only once accepted."},
            bases=['Model'],
        ),
    ]
