"""GraphQL over HTTP (https://graphql.github.io/graphql-over-http/draft/): the response media
type a request gets, the status of an answer in `application/graphql-response+json`, and the
cache headers of answers to GET.

Media types: a client that lists `application/graphql-response+json` in `Accept` at least as
high as `application/json` gets it. Everyone else (no `Accept`, `*/*`, `application/json`, or
nothing the endpoint offers) gets `application/json` and today's behaviour: status 200 for
every GraphQL answer, the `data` entry always present.

In `application/graphql-response+json`, an answer without execution (the document does not
parse or validate, the variables do not coerce, a protection refused it before it ran) is a
request error: it has no `data` entry and status 400, or the status its code names (429 when
rate-limited, 401, 403, 413, 503 when the database is unreachable). An answer from execution
keeps status 200, with `data` (null when a non-null field failed up to the root); a field the
database could not answer then carries `SERVICE_UNAVAILABLE`.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from schema.core.errors import SERVICE_UNAVAILABLE

JSON = "application/json"
GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
_LEGACY_RANGES = frozenset({JSON, "application/*", "*/*"})
# Codes of GraphQL errors (schema/core/errors.py) that name their own status.
_STATUS_BY_CODE = {
    "not_authenticated": 401,
    "forbidden": 403,
    "too_large": 413,
    "rate_limited": 429,
    SERVICE_UNAVAILABLE: 503,  # the database or Redis is unreachable (issue #17)
}


# Clients send a handful of distinct Accept headers, and parsing one costs ~0.1 ms.
@lru_cache(maxsize=256)
def response_media_type(accept: str | None) -> str:
    """The media type of the answer to a request with this `Accept` header."""
    if not accept:
        return JSON
    graphql_quality = legacy_quality = 0.0
    for value, quality in parse_accept_header(accept, MIMEAccept):
        media = value.split(";", 1)[0].strip().lower()
        if media == GRAPHQL_RESPONSE_JSON:
            graphql_quality = max(graphql_quality, quality)
        elif media in _LEGACY_RANGES:
            legacy_quality = max(legacy_quality, quality)
    return (
        GRAPHQL_RESPONSE_JSON if graphql_quality > 0 and graphql_quality >= legacy_quality else JSON
    )


def content_type(media_type: str) -> str:
    return f"{media_type}; charset=utf-8" if media_type == GRAPHQL_RESPONSE_JSON else media_type


def request_error_status(data: Any, errors: Iterable[Any] | None) -> int | None:
    """The status of a request error (no execution took place: `data` is None and no error
    has a path), None for an answer from execution."""
    errors = list(errors or ())
    if data is not None or not errors or any(getattr(e, "path", None) for e in errors):
        return None
    codes = {(getattr(e, "extensions", None) or {}).get("code") for e in errors}
    statuses = {_STATUS_BY_CODE[code] for code in codes if code in _STATUS_BY_CODE}
    return statuses.pop() if len(statuses) == 1 else 400


def get_cache_control(max_age: int, *, authenticated: bool, cacheable: bool) -> str:
    """Cache-Control of an answer to GET: a query that an anonymous caller ran without errors
    may be kept by anyone for `max_age` seconds; nothing else may be kept."""
    if authenticated:
        return "private, no-store"
    if cacheable and max_age > 0:
        return f"public, max-age={max_age}"
    return "no-store"
