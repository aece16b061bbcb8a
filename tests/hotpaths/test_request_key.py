"""registry/rest/cached.request_key: one key for the same query in any order or spelling,
remembered per raw request within a bound, never for a long one."""

from __future__ import annotations

from starlette.requests import Request

from registry.rest import cached


def _request(path: str, query: str) -> Request:
    return Request(
        {
            "type": "http",
            "method": "GET",
            "path": path,
            "query_string": query.encode(),
            "headers": [],
        }
    )


def test_canonical_key_whatever_the_order_and_empties() -> None:
    first = cached.request_key(_request("/api/v1/search", "q=alpha&page=2&sort="))
    again = cached.request_key(_request("/api/v1/search", "page=2&q=alpha"))
    assert first == again == "/api/v1/search?page=2&q=alpha"
    assert cached.request_key(_request("/api/v1/search", "q=alpha")) != first
    assert cached.request_key(_request("/api/v1/packages", "page=2&q=alpha")) != first


def test_remembered_answers_are_bounded_and_long_queries_are_not_kept() -> None:
    cached._memo.clear()
    for number in range(cached.MEMO_ENTRIES + 10):
        assert cached.request_key(_request("/api/v1/search", f"q=w{number}")) == (
            f"/api/v1/search?q=w{number}"
        )
        assert len(cached._memo) <= cached.MEMO_ENTRIES
    cached._memo.clear()
    long_query = "q=" + "a" * cached.MEMO_REQUEST_CHARS
    assert cached.request_key(_request("/api/v1/search", long_query)) is None  # too long to cache
    assert cached._memo == {}
