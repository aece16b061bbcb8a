"""The curated categories with their package counts, for REST GET /categories and the
GraphQL `categories` query alike."""

from __future__ import annotations

from domain.actor import Actor
from domain.categories import Category, CategoryCatalog
from domain.services import listing


async def categories_with_counts(
    actor: Actor, catalog: CategoryCatalog
) -> list[tuple[Category, int]]:
    """Every category of `catalog`, in the operator's order, with how many packages the
    caller may see listed carry it (`listing.category_counts`: private and unlisted packages
    count only for those who may list them). Slugs no longer in the catalog are left out."""
    counts = dict(await listing.category_counts(actor))
    return [(category, int(counts.get(category.slug, 0))) for category in catalog]
