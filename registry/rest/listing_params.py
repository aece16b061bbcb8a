"""The query parameters of REST's package listings, `GET /packages` and `GET /search`
(REST_CONTRACT §4.4, §4.6), read once for both into the domain's `ListingQuery`.

The contract's parameters (`package_type`, `publisher`, `visibility`, paging) keep their
meaning; issue 14 adds `sort`, the facet filters (`category`, `toolbox_version`, `platform`,
`architecture`, `verified`, `updated_since`) and `facets=true`, which adds the facet counts
to the answer. Their OpenAPI description is `openapi.listing_params`. A bad value is a 400
whose detail names the parameter.
"""

from __future__ import annotations

from starlette.requests import Request

from domain.actor import Actor
from domain.enums import PackageSort
from domain.exceptions import InvalidInput
from domain.services import listing
from domain.services.listing import ListingQuery
from domain.timeparse import parse_timestamp
from registry.rest import shapes
from registry.rest.params import query_bool, query_text

# The longest `toolbox_version` (the domain refuses longer versions, this also blank ones).
MAX_TOOLBOX_VERSION = listing.MAX_FACET_VALUE_LENGTH
# Other spellings of a sort (the word for `created`).
SORT_ALIASES = {"newest": PackageSort.CREATED}
# ListingQuery's fields that are query parameters, by parameter name (for error messages).
_REST_NAMES = {"toolbox_version": "toolbox_version", "search": "q"}


def query_sort(request: Request, default: PackageSort) -> PackageSort:
    raw = query_text(request, "sort")
    if raw is None:
        return default
    lowered = raw.lower()
    if lowered in SORT_ALIASES:
        return SORT_ALIASES[lowered]
    try:
        return PackageSort(lowered)
    except ValueError:
        shown = raw if len(raw) <= 40 else raw[:40] + "..."
        raise InvalidInput(
            f"Query parameter 'sort' must be one of {', '.join(PackageSort)}, got {shown!r}",
            field="sort",
        ) from None


def listing_query(request: Request, *, search: str, default_sort: PackageSort) -> ListingQuery:
    """The listing a request asks for; InvalidInput (400) naming the parameter at fault."""
    params = request.query_params
    updated = query_text(request, "updated_since")
    toolbox = params.get("toolbox_version")
    if toolbox is not None and len(toolbox) > MAX_TOOLBOX_VERSION:  # as documented, blank or not
        raise InvalidInput(
            f"Query parameter 'toolbox_version' is longer than {MAX_TOOLBOX_VERSION} characters",
            field="toolbox_version",
        )
    try:
        return ListingQuery(
            search=search,
            sort=query_sort(request, default_sort),
            package_type=query_text(request, "package_type"),
            publisher=query_text(request, "publisher"),
            visibility=query_text(request, "visibility"),
            category=params.get("category"),
            toolbox=toolbox,
            platform=params.get("platform"),
            architecture=params.get("architecture"),
            verified=query_bool(request, "verified"),
            updated_since=parse_timestamp(updated, "updated_since"),
        )
    except InvalidInput as exc:
        name = _REST_NAMES.get(exc.field or "")
        if name is None:
            raise
        raise InvalidInput(f"Query parameter {name!r}: {exc.message}", field=name) from None


def wants_facets(request: Request) -> bool:
    return bool(query_bool(request, "facets"))


async def facets_of(actor: Actor, query: ListingQuery) -> dict[str, list[shapes.FacetCount]]:
    """The facet counts of the packages `query` matches, as the caller may see them."""
    return facet_shapes(await listing.facet_counts(actor, query))


def facet_shapes(counts: dict[str, list[tuple[str, int]]]) -> dict[str, list[shapes.FacetCount]]:
    """The domain's facet counts (`listing.facet_counts`) as the answer's `facets`."""
    return {
        facet: [shapes.FacetCount(value=value, count=count) for value, count in values]
        for facet, values in counts.items()
    }
