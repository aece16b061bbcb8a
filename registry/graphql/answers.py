"""GraphQL answers from memory, until the next committed write.

A frontend's visitors send the same few queries with the same few variables. The answer to
one depends on the operation (document text, variables, operation name), the endpoint's
limits, the registry's state and, when it reads them, on what the caller may see and on who
the caller is. So an identical query is answered from `Runtime.graphql_cache` (a
`registry.read_cache.ResponseCache`) with the same invalidation as the REST package detail:
every committed write empties it (registry/change_feed.py, across processes with Redis), a
fill that raced a write is dropped, and a TTL and byte budget bound the rest.

Who gets a kept answer: an entry is keyed on the operation and the caller's visibility class
(`domain.services.access.visibility_class`; a signed-in reader without memberships or admin
rights is in the anonymous caller's class, so both share one entry). The operation ran with a
watched caller (schema/core/personal.py): an answer that read nothing of who its caller is
beyond that class is `shared`, and serves everyone in the class; one that did (`me`, your
tokens, "is this you") is kept only from an anonymous caller, for anonymous callers, as
before, and never from a signed-in one. A membership, admin or token change is a committed
write, so no entry outlives the class it was filed under.

What is never kept: mutations and subscriptions (only an operation that ran as a query is
stored), answers with any error (limits, rate limits, time budget, field errors), batches,
uploads and requests with `extensions` other than `persistedQuery`. A GET, or a request
naming a persisted query, is keyed on the document it runs with its variables and operation
name (registry/graphql/view.py). What still happens for a cached answer: the caller's
credential is checked (as the request would have been), the rate-limit middleware charges
the request its `read` before the view sees it, and the view charges the budgets the
operation was charged when it ran (`search` for `packages(search: ...)`) before answering;
over budget, the same `rate_limited` error as a fresh operation.
"""

from __future__ import annotations

import hashlib

import msgspec

from domain.actor import ANONYMOUS, Actor
from domain.exceptions import RateLimited
from domain.jsontext import load_json
from domain.services.access import visibility_class
from registry.logs import REQUEST_ID
from schema.core.analysis import BoundedLRU
from schema.core.errors import naming_request
from schema.core.graphql_limits import GraphQLLimits

# Bodies larger than this are answered normally, not looked up (keys stay small, and the
# slow path for large documents keeps its own queue in the view).
MAX_CACHED_REQUEST_BYTES = 2048
# A single answer larger than this is not kept.
MAX_CACHED_ANSWER_BYTES = 512 * 1024

_ENCODER = msgspec.json.Encoder(order="deterministic")
_SEPARATOR = b"\n"  # after the charges; msgspec's JSON never holds a raw newline


# Keys of recent bodies: a frontend repeats the same few, and decoding one to check its shape
# (and spelling the limits) is most of a cached answer's own work. "" for "not cacheable".
_KEYS: BoundedLRU[tuple[bytes, GraphQLLimits], str] = BoundedLRU(1024)


def answer_key(body: bytes, limits: GraphQLLimits) -> str | None:
    """The cache key of a JSON request body, or None when the request may not be cached:
    anything but `{"query": str, "variables"?: object|null, "operationName"?: str|null}`
    (no `extensions`, no batch)."""
    memo = (body, limits)
    key = _KEYS.get(memo)
    if key is None:
        key = _answer_key(body, limits) or ""
        _KEYS.put(memo, key)
    return key or None


def _answer_key(body: bytes, limits: GraphQLLimits) -> str | None:
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


_ANONYMOUS_CLASS = visibility_class(ANONYMOUS)
_SHARED, _PERSONAL = b"s", b"p"  # an entry's first byte


def class_key(key: str, actor: Actor) -> str:
    """The entry of `key` for `actor`'s visibility class (the anonymous class: `key`)."""
    seen = visibility_class(actor)
    if seen == _ANONYMOUS_CLASS:
        return key
    digest = hashlib.blake2b(repr(seen).encode(), digest_size=12, person=b"tbr-class")
    return f"{key}.{digest.hexdigest()}"


def pack(charges: dict[str, int], body: bytes, *, shared: bool) -> bytes:
    """One cache entry: whether it may serve callers other than anonymous ones, the budgets
    the operation was charged, then its answer."""
    return (_SHARED if shared else _PERSONAL) + _ENCODER.encode(charges) + _SEPARATOR + body


def unpack(entry: bytes) -> tuple[bool, dict[str, int], bytes]:
    charges, _, body = entry[1:].partition(_SEPARATOR)
    decoded: dict[str, int] = msgspec.json.decode(charges)
    return entry[:1] == _SHARED, decoded, body


def rate_limited_body(error: RateLimited) -> bytes:
    """What a fresh operation over a budget answers (schema/core/charging.py, formatted by
    schema/core/errors.py)."""
    extensions = naming_request(
        {"code": error.code, "retryAfter": error.retry_after}, REQUEST_ID.get()
    )
    answer = {"data": None, "errors": [{"message": error.message, "extensions": extensions}]}
    return msgspec.json.encode(answer)
