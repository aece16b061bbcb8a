"""Anonymous GraphQL answers from memory, until the next committed write.

A frontend's anonymous visitors send the same few queries with the same few variables. The
answer to one depends only on the operation (document text, variables, operation name), the
endpoint's limits and the registry's state, never on who asks, as long as nobody presents a
credential. So an identical anonymous query is answered from `Runtime.graphql_cache` (a
`registry.read_cache.ResponseCache`) with the same invalidation as the REST package detail:
every committed write empties it (registry/change_feed.py, across processes with Redis), a
fill that raced a write is dropped, and a TTL and byte budget bound the rest.

What is never kept: mutations and subscriptions (only an operation that ran as a query is
stored), answers with any error (limits, rate limits, time budget, field errors), requests
with an `Authorization` header of any kind, batches, uploads and requests with `extensions`
other than `persistedQuery`. A GET, or a request naming a persisted query, is keyed on the
document it runs with its variables and operation name (registry/graphql/view.py). What
still happens for a cached answer: the rate-limit middleware charges the request its `read`
before the view sees it, and the view charges the budgets the operation
was charged when it ran (`search` for `packages(search: ...)`) before answering; over
budget, the same `rate_limited` error as a fresh operation.
"""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec

from domain.exceptions import RateLimited
from domain.jsontext import load_json
from registry.logs import REQUEST_ID
from schema.core.graphql_limits import GraphQLLimits

# Bodies larger than this are answered normally, not looked up (keys stay small, and the
# slow path for large documents keeps its own queue in the view).
MAX_CACHED_REQUEST_BYTES = 2048
# A single answer larger than this is not kept.
MAX_CACHED_ANSWER_BYTES = 512 * 1024

_ENCODER = msgspec.json.Encoder(order="deterministic")
_SEPARATOR = b"\n"  # after the charges; msgspec's JSON never holds a raw newline


def answer_key(body: bytes, limits: GraphQLLimits) -> str | None:
    """The cache key of a JSON request body, or None when the request may not be cached:
    anything but `{"query": str, "variables"?: object|null, "operationName"?: str|null}`
    (no `extensions`, no batch)."""
    try:
        data = load_json(body, "invalid JSON", storable=False)
    except Exception:
        return None
    if not isinstance(data, dict) or not set(data) <= {"query", "variables", "operationName"}:
        return None
    query = data.get("query")
    variables = data.get("variables")
    operation_name = data.get("operationName")
    if (
        not isinstance(query, str)
        or not isinstance(variables, dict | None)
        or not isinstance(operation_name, str | None)
    ):
        return None
    # The body as sent: another spelling of the same operation is another entry (a miss,
    # never a wrong answer). The limits decide what is refused, so they are part of it.
    digest = hashlib.blake2b(body, digest_size=20, person=b"tbr-graphql")
    digest.update(repr(limits).encode())
    return "graphql:" + digest.hexdigest()


def pack(charges: dict[str, int], body: bytes) -> bytes:
    """One cache entry: the budgets the operation was charged, then its answer."""
    return _ENCODER.encode(charges) + _SEPARATOR + body


def unpack(entry: bytes) -> tuple[dict[str, int], bytes]:
    charges, _, body = entry.partition(_SEPARATOR)
    decoded: dict[str, int] = msgspec.json.decode(charges)
    return decoded, body


def rate_limited_body(error: RateLimited) -> bytes:
    """What a fresh operation over a budget answers (schema/core/charging.py, formatted by
    schema/core/errors.py)."""
    extensions: dict[str, Any] = {"code": error.code, "retryAfter": error.retry_after}
    request_id = REQUEST_ID.get()
    if request_id:  # as every GraphQL error does (schema/core/errors.py)
        extensions["requestId"] = request_id
    answer = {"data": None, "errors": [{"message": error.message, "extensions": extensions}]}
    return msgspec.json.encode(answer)
