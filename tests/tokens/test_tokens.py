"""API tokens over REST: create (shown once), list, revoke, expiry, globs; the plaintext never
reaches the database, the logs or any later response."""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime, timedelta

import pytest
from tortoise import Tortoise

from domain.models import ApiToken
from domain.services import tokens
from tests.fixtures.stack import Stack, bearer
from tests.helpers import make_publisher
from tests.publishers.support import make_admin


def token_header(plaintext: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {plaintext}"}


async def create(stack: Stack, user: str, **body: object):
    return await stack.client.post(
        "/api/v1/tokens",
        headers=bearer(user),
        json={"name": "ci", "scopes": ["publish-update"], **body},
    )


async def dump_database() -> str:
    """Every row of every table, as text."""
    conn = Tortoise.get_connection("default")
    parts = []
    for app in Tortoise.apps.values():
        for model in app.values():
            _, rows = await conn.execute_query(f'SELECT * FROM "{model._meta.db_table}"')
            parts.extend(repr(dict(row)) for row in rows)
    return "\n".join(parts)


async def test_plaintext_is_shown_once_and_never_stored_or_logged(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await make_publisher("u1", "ci-team")
    created = await create(
        stack, "u1", name="deploy", scopes=["publish-update", "yank"], package_globs=["ci-*"]
    )
    assert created.status_code == 201, created.text
    body = created.json()
    plaintext = body["token"]
    assert plaintext.startswith("tbr_") and tokens.well_formed(plaintext)
    assert body["scopes"] == ["publish-update", "yank"] and body["package_globs"] == ["ci-*"]
    assert body["expires_at"] is None and created.headers["cache-control"] == "no-store"

    me = await stack.client.get("/api/v1/auth/me", headers=token_header(plaintext))
    assert me.status_code == 200 and me.json()["id"] == "u1"
    assert me.json()["scopes"] == ["publish-update", "yank"]
    listed = await stack.client.get("/api/v1/tokens", headers=bearer("u1"))
    assert [t["id"] for t in listed.json()["tokens"]] == [body["id"]]
    assert listed.json()["tokens"][0]["last_used_at"]
    audit = await stack.client.get("/api/v1/audit", headers=bearer("u1"))
    assert "token.create" in {e["action"] for e in audit.json()["events"]}
    revoked = await stack.client.delete(f"/api/v1/tokens/{body['id']}", headers=bearer("u1"))
    assert revoked.status_code == 204
    after = await stack.client.get("/api/v1/auth/me", headers=token_header(plaintext))
    assert after.status_code == 401 and after.json()["detail"] == "Invalid or expired token"

    for later in (me, listed, audit, revoked, after):
        assert plaintext not in later.text
        assert plaintext[4:] not in later.text  # not even without its prefix
    database = await dump_database()
    assert plaintext[4:] not in database
    stored = await ApiToken.get(id=body["id"])
    assert stored.token_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    assert plaintext[4:] not in caplog.text


async def test_token_validation(stack: Stack) -> None:
    await make_publisher("u1", "team")
    for body in (
        {"scopes": []},
        {"scopes": ["everything"]},
        {"scopes": "nope-scope"},
        {"name": ""},
        {"name": "x" * 101},
        {"name": 7},
        {"expires_at": "yesterday"},
        {"expires_at": "2001-01-01T00:00:00Z"},
        {"package_globs": ["bad glob/"]},
        {"package_globs": "x" * 200},
    ):
        response = await create(stack, "u1", **body)
        assert response.status_code == 400, (body, response.text)
    admin_scope = await create(stack, "u1", scopes=["admin"])
    assert admin_scope.status_code == 403
    await make_admin("root")
    assert (await create(stack, "root", scopes=["admin"])).status_code == 201
    assert (
        await stack.client.post("/api/v1/tokens", json={"name": "x", "scopes": ["yank"]})
    ).status_code == 401

    soon = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    expiring = await create(stack, "u1", expires_at=soon)
    assert expiring.status_code == 201 and expiring.json()["expires_at"].endswith("Z")
    plaintext = expiring.json()["token"]
    # Tokens cannot mint tokens.
    minted = await stack.client.post(
        "/api/v1/tokens",
        headers=token_header(plaintext),
        json={"name": "child", "scopes": ["yank"]},
    )
    assert minted.status_code == 403
    await ApiToken.filter(id=expiring.json()["id"]).update(
        expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    expired = await stack.client.get("/api/v1/auth/me", headers=token_header(plaintext))
    assert expired.status_code == 401


async def test_revocation_rights(stack: Stack) -> None:
    await make_publisher("u1", "team")
    await make_publisher("u2", "other")
    first = (await create(stack, "u1", name="one")).json()
    second = (await create(stack, "u1", name="two")).json()
    foreign = (await create(stack, "u2", name="theirs")).json()

    assert (
        await stack.client.delete(f"/api/v1/tokens/{foreign['id']}", headers=bearer("u1"))
    ).status_code == 404
    # A token may revoke itself, never a sibling.
    sibling = await stack.client.delete(
        f"/api/v1/tokens/{second['id']}", headers=token_header(first["token"])
    )
    assert sibling.status_code == 403
    itself = await stack.client.delete(
        f"/api/v1/tokens/{first['id']}", headers=token_header(first["token"])
    )
    assert itself.status_code == 204
    remaining = (await stack.client.get("/api/v1/tokens", headers=bearer("u1"))).json()
    assert [t["name"] for t in remaining["tokens"]] == ["two"]
    assert (
        await stack.client.delete("/api/v1/tokens/unknown", headers=bearer("u1"))
    ).status_code == 404


async def test_malformed_and_unknown_tokens_are_anonymous_on_public_routes(stack: Stack) -> None:
    forged = tokens.generate_plaintext()  # well formed, never issued
    for value in (forged, forged[:-1] + ("A" if forged[-1] != "A" else "B"), "tbr_short"):
        assert (
            await stack.client.get("/api/v1/publishers", headers=token_header(value))
        ).status_code == 200
        assert (
            await stack.client.get("/api/v1/auth/me", headers=token_header(value))
        ).status_code == 401
