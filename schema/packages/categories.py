"""The `categories` query: the curated package categories with their package counts (the
same list and counts as REST GET /categories)."""

from __future__ import annotations

import strawberry

from domain.services.catalog import categories_with_counts
from schema.core.context import Info


@strawberry.type(description="A curated package category.")
class Category:
    slug: str = strawberry.field(
        description="Identifier used in Package.categories and the category filter."
    )
    title: str = strawberry.field(description="Display name.")
    description: str = strawberry.field(description="What belongs in it, or empty.")
    package_count: int = strawberry.field(
        description="Packages the caller may see listed that carry this category."
    )


async def categories(info: Info) -> list[Category]:
    found = await categories_with_counts(
        info.context.actor, info.context.registry.policy.categories
    )
    return [
        Category(
            slug=category.slug,
            title=category.title,
            description=category.description,
            package_count=count,
        )
        for category, count in found
    ]
