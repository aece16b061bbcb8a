"""Search, suggestions and update checks (REST_CONTRACT §4.6, §4.8) plus hash lookups."""

from __future__ import annotations

import msgspec
from msgspec import UNSET, UnsetType
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.actor import Actor
from domain.enums import PackageSort
from domain.exceptions import NotFound
from domain.services import listing, updates
from registry.auth import optional_actor
from registry.rest import serializers, shapes
from registry.rest.cached import anonymous_cached
from registry.rest.encode import ShapeResponse, encode
from registry.rest.listing_params import facet_shapes, listing_query, wants_facets
from registry.rest.params import decode_body, paging, query_int


async def search(request: Request) -> Response:
    return await anonymous_cached(request, request.app.state.runtime.page_cache, _search_page)


async def _search_page(request: Request, actor: Actor) -> bytes:
    page, per_page = paging(request, default_per_page=100)
    with_facets = wants_facets(request)
    text = request.query_params.get("q", "") or ""
    # §4.6: ranked exact name > prefix > substring > the rest; an empty q lists everything.
    query = listing_query(request, search=text, default_sort=PackageSort.RELEVANCE)
    facets: dict[str, list[shapes.FacetCount]] | UnsetType = UNSET
    if with_facets:  # one plan for both (a search reads its matching set once)
        items, total, counts = await listing.numbered_page_and_facets(
            actor, query, page=page, per_page=per_page
        )
        facets = facet_shapes(counts)
    else:
        items, total = await listing.numbered_page(actor, query, page=page, per_page=per_page)
    found = [serializers.package_summary(p) for p in items]
    return encode(
        shapes.SearchResult(
            packages=found,
            results=found,
            total=total,
            query=text,
            page=page,
            per_page=per_page,
            facets=facets,
        )
    )


async def suggest(request: Request) -> Response:
    actor = await optional_actor(request)
    limit = query_int(request, "limit", 5, maximum=10, clamp=True)
    return ShapeResponse(
        await listing.suggest_names(actor, request.query_params.get("q", ""), limit)
    )


async def latest_versions(request: Request) -> Response:
    actor = await optional_actor(request)
    raw = request.query_params.getlist("names")
    names = [n.strip() for value in raw for n in value.split(",") if n.strip()] if raw else None
    return ShapeResponse(
        shapes.LatestVersions(versions=await updates.latest_versions(actor, names))
    )


async def file_by_sha256(request: Request) -> Response:
    actor = await optional_actor(request)
    matches = await updates.find_by_sha256(actor, request.path_params["sha256"])
    if not matches:
        raise NotFound("No published file has this SHA-256")
    base = request.app.state.runtime.ctx.policy.public_base_url
    first = matches[0]
    return ShapeResponse(
        shapes.FileMatch(
            package=first.package.name,
            version=first.version.version,
            checksum_sha256=first.version.sha256,
            download_url=serializers.version_detail(
                first.package, first.version, [], base
            ).download_url,
            matches=[
                shapes.FileMatchEntry(package=m.package.name, version=m.version.version)
                for m in matches
            ],
        )
    )


async def batch_updates(request: Request) -> Response:
    actor = await optional_actor(request)
    body = await decode_body(request, shapes.UpdatesRequest)
    answers = await updates.newest_compatible(
        actor, body.item_list(), toolbox_version=body.toolbox_version, platform=body.platform
    )
    return ShapeResponse(
        shapes.UpdatesResult(
            updates=[msgspec.convert(answer, shapes.UpdateAnswer) for answer in answers],
            warnings=list(
                dict.fromkeys(text for answer in answers for text in answer.get("warnings", ()))
            ),
        )
    )


routes = [
    Route("/search", search, methods=["GET"]),
    Route("/search/suggest", suggest, methods=["GET"]),
    Route("/versions", latest_versions, methods=["GET"]),
    Route("/files/{sha256}", file_by_sha256, methods=["GET"]),
    Route("/updates", batch_updates, methods=["POST"]),
]
