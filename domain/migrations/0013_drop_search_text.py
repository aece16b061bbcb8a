"""Drop `packages.search_text`: the lowercased name, display name, description and keywords
that every create and update wrote, and nothing read since the listing searches the full-text
index (migration 0007; domain/search_index.py builds it from the package's own columns)."""

from tortoise import migrations

from domain.migration_ops import DropColumn


class Migration(migrations.Migration):
    dependencies = [("models", "0012_reports")]

    initial = False

    operations = [
        DropColumn(table="packages", model_name="Package", name="search_text"),
    ]
