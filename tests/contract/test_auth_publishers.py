"""§4.0 rows for auth and publishers: the client's exact requests and the keys it reads."""

from __future__ import annotations

from tests.contract.client import ContractClient, expired_token, token_for
from tests.contract.world import World
from tests.fixtures.stack import make_jwt

PUBLISHER_KEYS = {
    "id",
    "name",
    "display_name",
    "verification_status",
    "package_count",
    "total_downloads",
}


async def test_get_current_user_login_and_is_authenticated(
    api: ContractClient, world: World
) -> None:
    token = token_for("u1", "alice")
    me = await api.get("/api/v1/auth/me", token=token)
    assert me.status_code == 200
    body = me.json()
    assert body["id"] == body["cloudm_user_id"] == "u1"
    assert body["username"] == "alice" and body["email"] == "u1@example.com"
    assert body["is_verified"] is False and body["is_admin"] is False
    assert "publisher_id" in body and body["publisher_id"] is None  # JSON null, not ""

    publisher = await world.publisher("u1", "alice-team", verified=False)
    body = (await api.get("/api/v1/auth/me", token=token)).json()
    assert body["publisher_id"] == publisher.id and body["is_verified"] is False
    await api.post(
        f"/api/v1/publishers/admin/{publisher.id}/verify",
        token=world.admin_token,
        json={"notes": ""},
    )
    body = (await api.get("/api/v1/auth/me", token=token)).json()
    assert body["is_verified"] is True  # publish() refuses to run without it
    admin = (await api.get("/api/v1/auth/me", token=world.admin_token)).json()
    assert admin["is_admin"] is True  # CLI admin commands check this


async def test_auth_me_refuses_bad_tokens_with_401(api: ContractClient) -> None:
    cases = {
        None: "Not authenticated",
        "garbage": "Invalid or expired token",
        expired_token("u1"): "Invalid or expired token",
        make_jwt("u1", type="refresh", username=None): "Invalid or expired token",
        make_jwt(
            "u1", secret="another-secret-of-sufficient-length-123"
        ): "Invalid or expired token",
    }
    for token, detail in cases.items():
        response = await api.get("/api/v1/auth/me", token=token)
        assert response.status_code == 401, token  # never 403: the client refreshes on 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["detail"] == detail


async def test_get_my_publisher_null_then_object(api: ContractClient, world: World) -> None:
    token = token_for("u2")
    response = await api.get("/api/v1/auth/publisher", token=token)
    assert response.status_code == 200 and response.content == b"null"
    publisher = await world.publisher("u2", "bob-team")
    body = (await api.get("/api/v1/auth/publisher", token=token)).json()
    assert PUBLISHER_KEYS <= body.keys() and body["id"] == publisher.id
    assert body["verification_status"] == "verified" and body["package_count"] == 0


async def test_register_publisher_201_400_409(api: ContractClient) -> None:
    token = token_for("u3")
    payload = {"name": "carol", "display_name": "Carol", "email": "carol@example.com"}
    created = await api.post("/api/v1/auth/register-publisher", token=token, json=payload)
    assert created.status_code == 201
    body = created.json()
    assert PUBLISHER_KEYS <= body.keys()
    assert body["name"] == "carol" and body["verification_status"] == "unverified"
    assert body["package_count"] == 0 and body["total_downloads"] == 0
    assert "email" not in body

    again = await api.post(
        "/api/v1/auth/register-publisher", token=token, json={**payload, "name": "carol2"}
    )
    assert again.status_code == 400 and again.json()["detail"]  # already a publisher
    taken = await api.post(
        "/api/v1/auth/register-publisher",
        token=token_for("u4"),
        json={**payload, "homepage": "https://carol.example"},
    )
    assert taken.status_code == 409 and "taken" in taken.json()["detail"]
    for bad in (
        {**payload, "name": "Bad Slug"},
        {**payload, "name": "admin"},
        {**payload, "email": "nope"},
        {**payload, "display_name": ""},
    ):
        response = await api.post(
            "/api/v1/auth/register-publisher", token=token_for("u5"), json=bad
        )
        assert response.status_code == 400, bad


async def test_submit_verification_is_exactly_202(api: ContractClient, world: World) -> None:
    owner = await world.publisher("u6", "dave", verified=False)
    submitted = await api.post(
        "/api/v1/publishers/verify",
        token=owner.token,
        json={"method": "manual", "data": {"notes": "hi"}},
    )
    assert submitted.status_code == 202
    assert submitted.json()["status"] == "submitted"
    resubmitted = await api.post(
        "/api/v1/publishers/verify",
        token=owner.token,
        json={"method": "manual", "data": {"notes": "again"}},
    )
    assert resubmitted.status_code == 202  # replaces the pending request
    for body in (
        {"method": "email", "data": {}},
        {"method": "github", "data": {}},
        {"method": "domain", "data": {"domain": "not a domain"}},
    ):
        response = await api.post("/api/v1/publishers/verify", token=owner.token, json=body)
        assert response.status_code == 400 and response.json()["detail"], body
    stranger = await api.post(
        "/api/v1/publishers/verify",
        token=token_for("nobody"),
        json={"method": "manual", "data": {}},
    )
    assert stranger.status_code == 400  # "not a publisher" is among the 400s


async def test_get_and_list_publishers(api: ContractClient, world: World) -> None:
    verified = await world.publisher("u7", "erin")
    await world.publisher("u8", "frank", verified=False)
    by_slug = await api.get("/api/v1/publishers/erin")
    assert by_slug.status_code == 200 and PUBLISHER_KEYS <= by_slug.json().keys()
    by_id = await api.get(f"/api/v1/publishers/{verified.id}")
    assert by_id.status_code == 200 and by_id.json()["name"] == "erin"
    assert (await api.get("/api/v1/publishers/nobody-here")).status_code == 404

    listing = await api.get("/api/v1/publishers", params={"page": 1, "per_page": 20})
    body = listing.json()
    assert listing.status_code == 200 and body["total"] == 2
    assert {p["name"] for p in body["publishers"]} == {"erin", "frank"}
    only = (
        await api.get(
            "/api/v1/publishers", params={"page": 1, "per_page": 20, "status": "unverified"}
        )
    ).json()
    assert [p["name"] for p in only["publishers"]] == ["frank"] and only["total"] == 1
    legacy = (
        await api.get(
            "/api/v1/publishers", params={"page": 1, "per_page": 20, "verified_only": "true"}
        )
    ).json()
    assert [p["name"] for p in legacy["publishers"]] == ["erin"]


async def test_admin_pending_and_decisions(api: ContractClient, world: World) -> None:
    owner = await world.publisher("u9", "gina", verified=False)
    await api.post(
        "/api/v1/publishers/verify",
        token=owner.token,
        json={"method": "manual", "data": {"notes": "please"}},
    )
    params = {"page": 1, "per_page": 50}
    denied = await api.get("/api/v1/publishers/admin/pending", token=owner.token, params=params)
    assert denied.status_code == 403
    pending = await api.get(
        "/api/v1/publishers/admin/pending", token=world.admin_token, params=params
    )
    assert pending.status_code == 200
    items = pending.json()["publishers"]
    assert [p["name"] for p in items] == ["gina"]
    assert items[0]["verification_status"] == "pending"
    assert items[0]["verification_request"]["method"] == "manual"

    for action in ("verify", "reject", "revoke"):
        response = await api.post(
            f"/api/v1/publishers/admin/{owner.id}/{action}", token=owner.token, json={"notes": ""}
        )
        assert response.status_code == 403, action
        missing = await api.post(
            f"/api/v1/publishers/admin/no-such-id/{action}",
            token=world.admin_token,
            json={"notes": ""},
        )
        assert missing.status_code == 404, action

    rejected = await api.post(
        f"/api/v1/publishers/admin/{owner.id}/reject",
        token=world.admin_token,
        json={"notes": "not yet"},
    )
    assert rejected.status_code == 200
    assert rejected.json() == {**rejected.json(), "status": "rejected", "publisher_id": owner.id}
    not_verified = await api.post(
        f"/api/v1/publishers/admin/{owner.id}/revoke", token=world.admin_token, json={"notes": ""}
    )
    assert not_verified.status_code == 400 and not_verified.json()["detail"]
    # The CLI lets admins type the slug; the legacy /packages/admin prefix answers too.
    verified = await api.post(
        "/api/v1/packages/admin/gina/verify", token=world.admin_token, json={"notes": ""}
    )
    assert verified.status_code == 200 and verified.json()["status"] == "verified"
    revoked = await api.post(
        "/api/v1/publishers/admin/gina/revoke", token=world.admin_token, json={"notes": "policy"}
    )
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    status = (await api.get("/api/v1/publishers/gina")).json()["verification_status"]
    assert status == "unverified"
