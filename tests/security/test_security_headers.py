"""Security headers on every kind of response (REST, GraphQL, GraphiQL, the web UI, errors,
404s, 429s, the unexpected 500), merged with a route's own policy rather than duplicated, and
downloads that a browser saves instead of rendering."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest

from registry.app import create_app
from registry.rest import categories
from registry.security_headers import with_security_headers
from registry.web_ui import CONTENT_SECURITY_POLICY
from tests.fixtures.stack import Stack, bearer
from tests.helpers import create_package, make_publisher, mod_zip, upload_version
from tests.ops.support import embedded

__all__ = ["embedded"]


def assert_secured(response: httpx.Response) -> None:
    headers = response.headers
    assert headers["x-content-type-options"] == "nosniff", response.url
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] in ("strict-origin-when-cross-origin", "same-origin")
    [policy] = headers.get_list("content-security-policy")  # one policy, never two
    assert "frame-ancestors 'none'" in policy
    assert policy.count("frame-ancestors") == 1
    for name in ("x-content-type-options", "x-frame-options", "referrer-policy"):
        assert len(headers.get_list(name)) == 1, name
    assert headers["x-request-id"]


@pytest.mark.parametrize(
    ("method", "path", "status", "headers"),
    [
        ("GET", "/api/v1/health", 200, {}),
        ("GET", "/api/v1/packages", 200, {}),
        ("GET", "/api/v1/packages/none-such", 404, {}),
        ("GET", "/api/v1/no-such-route", 404, {}),
        ("DELETE", "/api/v1/health", 405, {}),
        ("GET", "/api/v1/search?q=%00", 400, {}),  # the text guard, before routing
        ("GET", "/api/v1/auth/me", 401, {"Authorization": "Bearer forged"}),
        ("GET", "/graphql", 200, {"Accept": "text/html"}),  # GraphiQL
        ("GET", "/", 200, {"Accept": "text/html"}),  # the web UI
        ("GET", "/some/ui/route", 200, {"Accept": "text/html"}),
        ("GET", "/health", 200, {}),
    ],
)
async def test_every_kind_of_response_is_secured(
    embedded: Stack, method: str, path: str, status: int, headers: dict[str, str]
) -> None:
    response = await embedded.client.request(method, path, headers=headers)
    assert response.status_code == status, response.text
    assert_secured(response)


async def test_graphql_answers_and_errors_are_secured(embedded: Stack) -> None:
    ok = await embedded.client.post("/graphql", json={"query": "{ __typename }"})
    assert ok.status_code == 200
    assert_secured(ok)
    bad = await embedded.client.post("/graphql", json={"query": "{ nope }"})
    assert bad.json()["errors"]
    assert_secured(bad)


async def test_route_policies_are_merged_not_replaced(embedded: Stack) -> None:
    ui = await embedded.client.get("/", headers={"Accept": "text/html"})
    # The UI's own policy (which names frame-ancestors already) and Referrer-Policy stay.
    assert ui.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert ui.headers["referrer-policy"] == "same-origin"
    api = await embedded.client.get("/api/v1/health")
    assert api.headers["content-security-policy"] == "frame-ancestors 'none'"
    assert api.headers["referrer-policy"] == "strict-origin-when-cross-origin"


async def test_rate_limited_answer_is_secured(embedded: Stack) -> None:
    app = create_app(replace(embedded.settings, rate_limit_read=(1, 60)), runtime=embedded.runtime)
    transport = httpx.ASGITransport(app=app, client=("192.0.2.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        await client.get("/api/v1/packages")
        refused = await client.get("/api/v1/packages")
    await app.state.rate_limiter.aclose()
    assert refused.status_code == 429
    assert_secured(refused)


async def test_unexpected_error_is_secured(
    embedded: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def exploding(*args: object) -> None:
        raise RuntimeError("unexpected")

    monkeypatch.setattr(categories, "categories_with_counts", exploding)
    app = create_app(embedded.settings, runtime=embedded.runtime)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get(
            "/api/v1/categories", headers={**bearer("u1"), "X-Request-ID": "boom-1"}
        )
    assert response.status_code == 500
    assert response.json()["detail"] == "Internal server error (request id boom-1)"
    assert_secured(response)


async def test_download_is_an_attachment_and_secured(embedded: Stack) -> None:
    client = embedded.client
    await make_publisher("dl", "dl-team")
    assert (await create_package(client, "dl", "HeaderMod")).status_code == 201
    uploaded = await upload_version(
        client, "dl", "HeaderMod", "1.0.0", mod_zip("HeaderMod", "1.0.0")
    )
    assert uploaded.status_code == 201, uploaded.text
    await embedded.drain_jobs()
    download = await client.get("/api/v1/packages/HeaderMod/versions/1.0.0/file")
    assert download.status_code == 200, download.text
    assert download.headers["content-disposition"] == 'attachment; filename="HeaderMod-1.0.0.zip"'
    assert_secured(download)


def test_frame_ancestors_joins_a_policy_that_lacks_it() -> None:
    # The package icon's own policy (registry/rest/pages.py) and its nosniff stay as they are.
    headers = with_security_headers(
        [
            (b"content-security-policy", b"default-src 'none'; sandbox"),
            (b"x-content-type-options", b"nosniff"),
        ]
    )
    assert headers.count((b"x-content-type-options", b"nosniff")) == 1
    assert dict(headers)[b"content-security-policy"] == (
        b"default-src 'none'; sandbox; frame-ancestors 'none'"
    )
    assert dict(headers)[b"x-frame-options"] == b"DENY"
    assert len(headers) == 4


def test_headers_of_a_cached_answer_are_not_changed() -> None:
    # A cached answer sends the same list each time: the merge builds a new one.
    sent = [(b"content-type", b"application/json")]
    request_id = (b"x-request-id", b"abc")
    for headers in (sent, [*sent, (b"x-frame-options", b"SAMEORIGIN")]):
        before = list(headers)
        merged = with_security_headers(headers, request_id)
        assert headers == before and merged is not headers
        assert merged[: len(headers) + 1] == [*headers, request_id]
        assert dict(merged)[b"x-frame-options"] == dict(headers).get(b"x-frame-options", b"DENY")
        assert dict(merged)[b"content-security-policy"] == b"frame-ancestors 'none'"
