from tortoise import migrations
from tortoise.migrations import operations as ops
from domain.models import new_id
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0003_version_requires')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ObjectClaim',
            fields=[
                ('id', fields.CharField(primary_key=True, default=new_id, unique=True, db_index=True, max_length=32)),
                ('blob_key', fields.CharField(db_index=True, max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'object_claims', 'app': 'models', 'pk_attr': 'id', 'table_description': "An upload's hold on an object from just before it is stored until the row that uses"},
            bases=['Model'],
        ),
    ]
