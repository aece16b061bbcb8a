"""Anonymous answers from memory: the one way a REST read is served from a `ResponseCache`
(registry/read_cache.py), used by the package detail, the package list, search and the
categories.

An answer is cached, and served from the cache, only when the request presents no
credential (no `Authorization: Bearer`): anonymous answers are the same for everyone, so a
private or unlisted package can only be in one when anonymous callers may see it, and a
caller with a token (whose answer may hold more) always reads the database. Every committed
write empties the cache (registry/change_feed.py), and a fill that raced a write is dropped.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from domain.actor import Actor
from registry.auth import bearer_token, optional_actor
from registry.read_cache import ResponseCache

# A longer query string is answered, but not cached: keys stay small.
MAX_KEY_QUERY = 512


# request_key's answers by raw path and query: canonicalising (parsing, sorting, encoding the
# query) costs more than serving the cached answer. Up to MEMO_ENTRIES short requests, then
# forgotten all at once: unbounded requests cannot grow memory.
MEMO_ENTRIES = 4096
MEMO_REQUEST_CHARS = 1024
_memo: dict[tuple[str, bytes], str | None] = {}


def request_key(request: Request) -> str | None:
    """The route and its canonical query string: parameters ordered by name (the values of a
    repeated name keep their order, which may matter), empty ones left out (every parameter
    of the cached routes means the same empty as absent). None: too long to cache."""
    raw = (request.scope["path"], request.scope.get("query_string", b""))
    if len(raw[0]) + len(raw[1]) > MEMO_REQUEST_CHARS:
        return _canonical(request)
    try:
        return _memo[raw]
    except KeyError:
        pass
    if len(_memo) >= MEMO_ENTRIES:
        _memo.clear()
    key = _memo[raw] = _canonical(request)
    return key


def _canonical(request: Request) -> str | None:
    items = [(name, value) for name, value in request.query_params.multi_items() if value]
    query = urlencode(sorted(items, key=lambda item: item[0]))
    if len(query) > MAX_KEY_QUERY:
        return None
    return f"{request.url.path}?{query}"


async def anonymous_cached(
    request: Request,
    cache: ResponseCache,
    render: Callable[[Request, Actor], Awaitable[bytes]],
    *,
    key: str | None = None,
) -> Response:
    """The JSON body `render(request, actor)` encodes, from `cache` for anonymous repeats.

    `key` names the answer (default: `request_key`); it must cover everything the answer
    depends on besides the caller."""
    cache_key = None
    if cache.enabled and bearer_token(request) is None:
        cache_key = key or request_key(request)
    if cache_key is not None:
        body = cache.get(cache_key)
        if body is not None:
            return Response(body, media_type="application/json")
        generation = cache.generation
    body = await render(request, await optional_actor(request))
    if cache_key is not None:
        cache.put(cache_key, body, generation)
    return Response(body, media_type="application/json")
