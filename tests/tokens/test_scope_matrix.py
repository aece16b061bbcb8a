"""The token scope matrix: for each mutating (or private-reading) endpoint, a token with only
the needed scopes succeeds, and a token with any other single scope fails (403, or 404 where
the resource is invisible without the scope). Account management needs a CloudM session.

The tokens belong to a user who is both the owning publisher's owner and an admin, so every
refusal comes from the token's scopes alone, never from a lack of rights."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from domain.actor import SCOPES, Actor
from domain.models import ApiToken
from domain.services import tokens
from tests.fixtures.stack import Stack, bearer
from tests.helpers import create_package, make_publisher, mod_zip, upload_version
from tests.publishers.support import make_admin

Setup = Callable[[Stack, str], Awaitable[None]]
Call = Callable[[httpx.AsyncClient, dict[str, str], str], Awaitable[httpx.Response]]


async def _nothing(stack: Stack, key: str) -> None:
    return None


async def _package(stack: Stack, key: str, *, visibility: str = "public") -> None:
    response = await create_package(stack.client, "dev", f"Pkg{key}", visibility=visibility)
    assert response.status_code == 201, response.text


async def _private_package(stack: Stack, key: str) -> None:
    await _package(stack, key, visibility="private")


async def _published_version(stack: Stack, key: str) -> None:
    await _package(stack, key)
    name = f"Pkg{key}"
    response = await upload_version(stack.client, "dev", name, "1.0.0", mod_zip(name, "1.0.0"))
    assert response.status_code == 201, response.text
    await stack.drain_jobs()


async def _yanked_version(stack: Stack, key: str) -> None:
    await _published_version(stack, key)
    response = await stack.client.post(
        f"/api/v1/packages/Pkg{key}/versions/1.0.0/yank",
        headers=bearer("dev"),
        json={"reason": "x"},
    )
    assert response.status_code == 200, response.text


async def _artifact(stack: Stack, key: str) -> None:
    response = await stack.client.post(
        "/api/v1/artifacts",
        headers=bearer("dev"),
        json={"name": f"app-{key}", "artifact_type": "tauri_app", "description": "app"},
    )
    assert response.status_code == 201, response.text


async def _candidate(stack: Stack, key: str) -> None:
    await make_publisher(f"cand{key}", f"cand{key.lower()}", verified=False)


def _multipart_publish(
    client: httpx.AsyncClient, h: dict[str, str], key: str
) -> Awaitable[httpx.Response]:
    name = f"One{key}"
    return client.post(
        "/api/v1/packages",
        headers=h,
        data={"metadata": json.dumps({"name": name, "version": "1.0.0"})},
        files={"file": ("t.zip", mod_zip(name, "1.0.0"), "application/zip")},
    )


@dataclass(frozen=True)
class Case:
    name: str
    needed: frozenset[str]
    setup: Setup
    call: Call
    ok: int
    denied: int = 403
    also_enough: tuple[frozenset[str], ...] = ()  # other scope sets that suffice on their own


CASES = [
    Case(
        "create package",
        frozenset({"publish-new"}),
        _nothing,
        lambda c, h, k: c.post("/api/v1/packages", headers=h, json={"name": f"New{k}"}),
        201,
    ),
    # Publishing the first version of a new package is both a create and an update.
    Case(
        "one-step publish",
        frozenset({"publish-new", "publish-update"}),
        _nothing,
        _multipart_publish,
        201,
    ),
    Case(
        "upload version",
        frozenset({"publish-update"}),
        _package,
        lambda c, h, k: c.post(
            f"/api/v1/packages/Pkg{k}/versions",
            headers=h,
            data={"version": "1.0.0"},
            files={"file": ("t.zip", mod_zip(f"Pkg{k}", "1.0.0"))},
        ),
        201,
    ),
    Case(
        "update package",
        frozenset({"publish-update"}),
        _package,
        lambda c, h, k: c.patch(f"/api/v1/packages/Pkg{k}", headers=h, json={"description": "new"}),
        200,
    ),
    Case(
        "yank",
        frozenset({"yank"}),
        _published_version,
        lambda c, h, k: c.post(
            f"/api/v1/packages/Pkg{k}/versions/1.0.0/yank", headers=h, json={"reason": "bad"}
        ),
        200,
    ),
    Case(
        "unyank",
        frozenset({"yank"}),
        _yanked_version,
        lambda c, h, k: c.post(f"/api/v1/packages/Pkg{k}/versions/1.0.0/unyank", headers=h),
        200,
    ),
    # Deleting is destructive: it needs both the yank and the publish-update scope.
    Case(
        "delete package",
        frozenset({"yank", "publish-update"}),
        _package,
        lambda c, h, k: c.delete(f"/api/v1/packages/Pkg{k}", headers=h),
        204,
    ),
    Case(
        "read private package",
        frozenset({"read-private"}),
        _private_package,
        lambda c, h, k: c.get(f"/api/v1/packages/Pkg{k}", headers=h),
        200,
        denied=404,
    ),
    Case(
        "create artifact",
        frozenset({"publish-new"}),
        _nothing,
        lambda c, h, k: c.post(
            "/api/v1/artifacts",
            headers=h,
            json={"name": f"app-{k}", "artifact_type": "tauri_app", "description": "d"},
        ),
        201,
    ),
    Case(
        "upload artifact build",
        frozenset({"publish-update"}),
        _artifact,
        lambda c, h, k: c.post(
            f"/api/v1/artifacts/app-{k}/builds",
            headers=h,
            data={"version": "1.0.0", "platform": "linux", "architecture": "x64", "changelog": ""},
            files={"file": ("app.bin", b"\x7fELF" + b"0" * 64, "application/octet-stream")},
        ),
        201,
    ),
    # Publishers read their own events with read-private; the admin scope reads everything.
    Case(
        "read audit log",
        frozenset({"read-private"}),
        _nothing,
        lambda c, h, k: c.get("/api/v1/audit", headers=h),
        200,
        also_enough=(frozenset({"admin"}),),
    ),
    Case(
        "admin verify",
        frozenset({"admin"}),
        _candidate,
        lambda c, h, k: c.post(
            f"/api/v1/publishers/admin/cand{k.lower()}/verify", headers=h, json={"notes": ""}
        ),
        200,
    ),
    Case(
        "admin policy",
        frozenset({"admin"}),
        _candidate,
        lambda c, h, k: c.patch(
            f"/api/v1/packages/admin/cand{k.lower()}",
            headers=h,
            json={"storage_quota_bytes": 10**9},
        ),
        200,
    ),
]


async def _token(user: str, scopes: frozenset[str], is_admin: bool = True) -> dict[str, str]:
    created = await tokens.create_token(
        Actor(user_id=user, is_admin=is_admin), "matrix", sorted(scopes)
    )
    return {"Authorization": f"Bearer {created.plaintext}"}


async def test_scope_matrix(stack: Stack) -> None:
    await make_publisher("dev", "devs", artifacts=True)
    await make_admin("dev")
    failures: list[str] = []
    for number, case in enumerate(CASES):
        attempts = [case.needed] + [
            frozenset({scope}) for scope in SCOPES if scope not in case.needed
        ]
        for index, scopes in enumerate(attempts):
            key = f"M{number}x{index}"
            await case.setup(stack, key)
            header = await _token("dev", scopes)
            response = await case.call(stack.client, header, key)
            # One token per attempt, retired after it: a user holds a bounded number of
            # active tokens (MAX_API_TOKENS_PER_USER), and the matrix makes ~70.
            await ApiToken.filter(user_id="dev", revoked_at=None).update(
                revoked_at=datetime.now(UTC)
            )
            enough = scopes == case.needed or scopes in case.also_enough
            expected = case.ok if enough else case.denied
            if response.status_code != expected:
                failures.append(
                    f"{case.name} with {sorted(scopes)}: {response.status_code} "
                    f"(expected {expected}) {response.text[:200]}"
                )
    await stack.drain_jobs()
    assert not failures, "\n".join(failures)


async def test_account_management_needs_a_session(stack: Stack) -> None:
    """Even a token with every scope, held by an admin owner, cannot manage accounts."""
    await make_admin("root")
    await make_publisher("root", "roots", verified=False)
    await stack.client.get("/api/v1/auth/me", headers=bearer("helper"))
    everything = await _token("root", frozenset(SCOPES))
    calls = [
        ("POST", "/api/v1/tokens", {"name": "x", "scopes": ["yank"]}),
        ("POST", "/api/v1/publishers/verify", {"method": "manual", "data": {}}),
        ("POST", "/api/v1/publishers/verify/challenge", None),
        ("POST", "/api/v1/publishers/roots/members", {"user_id": "helper"}),
        ("PATCH", "/api/v1/publishers/roots", {"display_name": "Taken over"}),
    ]
    for method, path, body in calls:
        response = await stack.client.request(method, path, headers=everything, json=body)
        assert response.status_code == 403, (path, response.text)
        assert "CloudM session" in response.json()["detail"]
    fresh = await _token("helper", frozenset({"publish-new"}), is_admin=False)
    register = await stack.client.post(
        "/api/v1/auth/register-publisher",
        headers=fresh,
        json={"name": "helpers", "display_name": "H", "email": "h@example.com"},
    )
    assert register.status_code == 403


async def test_package_globs_limit_a_token(stack: Stack) -> None:
    await make_publisher("dev", "devs")
    created = await tokens.create_token(
        Actor(user_id="dev"), "globbed", ["publish-new", "publish-update"], package_globs=["team-*"]
    )
    header = {"Authorization": f"Bearer {created.plaintext}"}
    inside = await stack.client.post(
        "/api/v1/packages", headers=header, json={"name": "Team-Tools"}
    )
    assert inside.status_code == 201
    outside = await stack.client.post("/api/v1/packages", headers=header, json={"name": "Other"})
    assert outside.status_code == 403 and "not valid for package" in outside.json()["detail"]
    await create_package(stack.client, "dev", "Elsewhere")
    patched = await stack.client.patch(
        "/api/v1/packages/Elsewhere", headers=header, json={"description": "x"}
    )
    assert patched.status_code == 403
