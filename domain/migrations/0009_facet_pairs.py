"""Facet pair totals (issue 14, search at 100,000 packages): `facet_pair_deltas`, how many
public packages have each pair of facet values, kept by triggers on `package_facets`
(domain/search_index.py, generation 3) and counted here for the rows already there. The
facet counts of a listing filtered by one facet value are read from it, not from every facet
row of every matching package (a category of 14,000 packages: 7 rows each)."""

from tortoise import migrations
from tortoise.migrations import operations as ops


async def build_facet_pairs(apps, state_editor) -> None:
    # Generation 3 exactly (not "the current one"): a later generation has its own migration.
    from domain.search_index import facet_pairs_ddl

    client = state_editor.client
    for statement in facet_pairs_ddl(client.capabilities.dialect):
        await client.execute_script(statement)


class Migration(migrations.Migration):
    dependencies = [("models", "0008_readme_search_text")]

    initial = False

    operations = [ops.RunPython(build_facet_pairs)]
