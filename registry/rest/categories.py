"""GET /categories: the curated package categories with how many listed packages carry each."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.actor import Actor
from domain.categories import CategoryCatalog
from domain.services.catalog import categories_with_counts
from registry.rest import shapes
from registry.rest.cached import anonymous_cached
from registry.rest.encode import encode


async def category_list(actor: Actor, catalog: CategoryCatalog) -> shapes.CategoryList:
    """Every category of `catalog`, in its order, with the caller's counts."""
    return shapes.CategoryList(
        categories=[
            shapes.CategoryEntry(
                slug=category.slug,
                title=category.title,
                description=category.description,
                package_count=count,
            )
            for category, count in await categories_with_counts(actor, catalog)
        ]
    )


async def list_categories(request: Request) -> Response:
    # Anonymous answers come from memory until the next committed write (rest/cached.py).
    return await anonymous_cached(request, request.app.state.runtime.page_cache, _categories)


async def _categories(request: Request, actor: Actor) -> bytes:
    catalog = request.app.state.runtime.ctx.policy.categories
    return encode(await category_list(actor, catalog))


routes = [Route("/categories", list_categories, methods=["GET"])]
