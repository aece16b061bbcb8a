"""§4.0 rows for packages: discovery, publishing, management and single downloads."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from tests.contract.client import ContractClient, metadata_json, module_zip, token_for
from tests.contract.world import World

SUMMARY_READ_BY_SEARCH = {
    "name",
    "description",
    "latest_version",
    "visibility",
    "downloads",
    "publisher",
}
SUMMARY_READ_BY_MY_PACKAGES = {
    "name",
    "description",
    "latest_version",
    "visibility",
    "total_downloads",
    "publisher_id",
}
DETAIL_READ = {
    "name",
    "description",
    "latest_version",
    "visibility",
    "downloads",
    "publisher",
    "homepage",
    "repository",
    "license",
    "keywords",
    "versions",
}
VERSION_READ = {
    "version",
    "published_at",
    "yanked",
    "downloads",
    "checksum_sha256",
    "download_url",
    "dependencies",
    "changelog",
}


async def test_search_with_the_clients_filters(api: ContractClient, world: World) -> None:
    owner = await world.publisher("p1", "team-one")
    await world.package(owner, "CloudM", description="Cloud manager", keywords=["cloud"])
    await world.version(owner, "CloudM", "1.0.0")
    await world.package(owner, "isaa", description="agents")

    for params in (
        {"q": ""},
        {"q": "cloud"},
        {"q": "cloud", "visibility": "public", "publisher": "team-one"},
    ):
        response = await api.get("/api/v1/search", params=params)
        assert response.status_code == 200, params
        packages = response.json()["packages"]  # mandatory key: the client iterates it
        assert packages and all(SUMMARY_READ_BY_SEARCH <= p.keys() for p in packages)
    everything = (await api.get("/api/v1/search", params={"q": ""})).json()
    assert {p["name"] for p in everything["packages"]} == {"CloudM", "isaa"}
    hit = (await api.get("/api/v1/search", params={"q": "CLOUD"})).json()["packages"][0]
    assert hit["name"] == "CloudM" and hit["latest_version"] == "1.0.0"
    assert hit["publisher"] == "team-one" and hit["downloads"] == 0
    no_q = await api.get("/api/v1/search")
    assert no_q.status_code == 200 and no_q.json()["total"] == 2


async def test_get_package_and_get_version(api: ContractClient, world: World) -> None:
    owner = await world.publisher("p2", "team-two")
    await world.package(
        owner, "DB", license="MIT", homepage="https://db.example", keywords=["storage"]
    )
    await world.version(owner, "DB", "1.0.0", changelog="first")
    await world.version(owner, "DB", "1.10.0")
    await world.version(owner, "DB", "1.2.0-beta.1")

    response = await api.get("/api/v1/packages/db")  # lookups are case-insensitive
    assert response.status_code == 200
    detail = response.json()
    assert DETAIL_READ <= detail.keys() and detail["name"] == "DB"
    assert detail["latest_version"] == "1.10.0"  # precedence, not upload order
    assert [v["version"] for v in detail["versions"]] == ["1.10.0", "1.2.0-beta.1", "1.0.0"]
    assert all(
        {"version", "published_at", "yanked", "downloads"} <= v.keys() for v in detail["versions"]
    )
    assert (await api.get("/api/v1/packages/NoSuchThing")).status_code == 404

    version = await api.get("/api/v1/packages/DB/versions/1.0.0")
    assert version.status_code == 200
    body = version.json()
    assert VERSION_READ <= body.keys() and body["changelog"] == "first"
    assert len(body["checksum_sha256"]) == 64 and body["checksum_sha256"].islower()
    assert body["download_url"] == "/api/v1/packages/DB/versions/1.0.0/file"
    normalised = await api.get("/api/v1/packages/DB/versions/1.2.0b1")
    assert normalised.status_code == 200 and normalised.json()["version"] == "1.2.0-beta.1"
    for missing in ("/api/v1/packages/DB/versions/9.9.9", "/api/v1/packages/Nope/versions/1.0.0"):
        assert (await api.get(missing)).status_code == 404


async def test_download_streams_the_exact_bytes(api: ContractClient, world: World) -> None:
    owner = await world.publisher("p3", "team-three")
    await world.package(owner, "Widgets")
    archive = module_zip("Widgets", "2.0.0", layout="package", padding=b"w" * 50_000)
    await world.version(owner, "Widgets", "2.0.0", data=archive)

    detail = (await api.get("/api/v1/packages/Widgets/versions/2.0.0")).json()
    # The client sends its token (even a stale one) to the download URL as well.
    for token in (None, owner.token, "stale-token"):
        response = await api.download(detail["download_url"], token=token)
        assert response.status_code == 200
        assert hashlib.sha256(response.content).hexdigest() == detail["checksum_sha256"]
        assert response.content == archive  # installer layout: stored as uploaded
    missing = await api.download("/api/v1/packages/Widgets/versions/2.0.1/file")
    assert missing.status_code == 404  # "version not found"


async def test_diff_is_always_404(api: ContractClient, world: World) -> None:
    owner = await world.publisher("p4", "team-four")
    await world.package(owner, "Diffy")
    await world.version(owner, "Diffy", "1.0.0")
    await world.version(owner, "Diffy", "1.1.0")
    for url in (
        "/api/v1/packages/Diffy/diff/1.0.0/1.1.0",
        "/api/v1/packages/Diffy/diff/1.0.0/1.1.0/download",
    ):
        response = await api.get(url)
        assert response.status_code == 404 and response.json()["detail"] == "Diff not available"


async def test_publish_one_step_multipart(api: ContractClient, world: World) -> None:
    owner = await world.publisher("p5", "team-five")
    me = (await api.get("/api/v1/auth/me", token=owner.token)).json()
    assert me["is_verified"] is True  # publish() checks this first
    metadata = metadata_json(
        name="isaa",
        version="0.2.0",
        description="agents",
        author="someone",
        license="MIT",
        homepage="https://isaa.example",
        keywords=["ai", "agents"],
    )
    response = await api.multipart(
        "/api/v1/packages", {"metadata": metadata}, module_zip("isaa", "0.2.0"), token=owner.token
    )
    assert response.status_code == 201
    body = response.json()
    assert body["package"] == "isaa" and body["version"] == "0.2.0"
    assert body["status"] in ("pending", "published") and isinstance(body["warnings"], list)
    await world.stack.drain_jobs()
    package = (await api.get("/api/v1/packages/isaa")).json()
    assert package["license"] == "MIT" and package["keywords"] == ["ai", "agents"]
    assert package["latest_version"] == "0.2.0"

    duplicate = await api.multipart(
        "/api/v1/packages", {"metadata": metadata}, module_zip("isaa", "0.2.0"), token=owner.token
    )
    assert duplicate.status_code == 409 and "0.2.0" in duplicate.json()["detail"]
    stranger = await api.multipart(
        "/api/v1/packages",
        {"metadata": metadata},
        module_zip("isaa", "0.3.0"),
        token=token_for("nobody"),
    )
    assert stranger.status_code == 403  # PublishPermissionError
    broken = await api.multipart(
        "/api/v1/packages",
        {"metadata": metadata_json(name="isaa", version="0.4.0")},
        b"PK\x03\x04 not really a zip",
        token=owner.token,
    )
    assert broken.status_code == 400 and broken.json()["detail"]


async def test_upload_version_and_yank(api: ContractClient, world: World) -> None:
    owner = await world.publisher("p6", "team-six")
    other = await world.publisher("p7", "team-seven")
    await world.package(owner, "Yanky")
    first = await api.multipart(
        "/api/v1/packages/Yanky/versions",
        {"version": "1.0.0"},
        module_zip("Yanky", "1.0.0"),
        token=owner.token,
    )
    assert first.status_code == 201  # never 202, even while the scan is pending
    second = await api.multipart(
        "/api/v1/packages/Yanky/versions",
        {"version": "1.1.0", "changelog": "more"},
        module_zip("Yanky", "1.1.0"),
        token=owner.token,
    )
    assert second.status_code == 201
    denied = await api.multipart(
        "/api/v1/packages/Yanky/versions",
        {"version": "1.2.0"},
        module_zip("Yanky", "1.2.0"),
        token=other.token,
    )
    assert denied.status_code == 403
    await world.stack.drain_jobs()

    denied_yank = await api.post(
        "/api/v1/packages/Yanky/versions/1.1.0/yank", token=other.token, json={"reason": "no"}
    )
    assert denied_yank.status_code == 403
    yanked = await api.post(
        "/api/v1/packages/Yanky/versions/1.1.0/yank",
        token=owner.token,
        json={"reason": "broken build"},
    )
    assert yanked.status_code == 200
    assert yanked.json() == {
        **yanked.json(),
        "status": "yanked",
        "package": "Yanky",
        "version": "1.1.0",
        "reason": "broken build",
    }
    again = await api.post(
        "/api/v1/packages/Yanky/versions/1.1.0/yank",
        token=owner.token,
        json={"reason": "broken build"},
    )
    assert again.status_code == 200  # idempotent
    detail = (await api.get("/api/v1/packages/Yanky")).json()
    assert detail["latest_version"] == "1.0.0"
    assert [v["yanked"] for v in detail["versions"]] == [True, False]
    pinned = (await api.get("/api/v1/packages/Yanky/versions/1.1.0")).json()
    assert pinned["yanked"] is True
    assert (await api.download(pinned["download_url"])).status_code == 200


async def test_create_package_json(api: ContractClient, world: World) -> None:
    owner = await world.publisher("p8", "team-eight")
    payload = {
        "name": "Themer",
        "display_name": "The Themer",
        "package_type": "theme",
        "visibility": "unlisted",
        "description": "colours",
        "readme": "# Themer",
        "homepage": "https://themer.example",
        "repository": "https://git.example/t",
        "license": "Apache-2.0",
        "keywords": ["ui", "colour"],
    }
    created = await api.post("/api/v1/packages", token=owner.token, json=payload)
    assert created.status_code == 201
    body = created.json()
    assert body["id"] == "Themer"
    for key, value in payload.items():  # every field persisted, none dropped
        assert body[key] == value, key
    assert (await api.post("/api/v1/packages", json=payload)).status_code == 401
    assert (
        await api.post(
            "/api/v1/packages", token=token_for("nobody"), json={**payload, "name": "Other"}
        )
    ).status_code == 403
    duplicate = await api.post(
        "/api/v1/packages", token=owner.token, json={**payload, "name": "THEMER"}
    )
    assert duplicate.status_code == 409 and duplicate.json()["detail"]
    for bad in (
        {**payload, "name": "bad name"},
        {**payload, "package_type": "virus"},
        {**payload, "visibility": "secret"},
    ):
        response = await api.post("/api/v1/packages", token=owner.token, json=bad)
        assert response.status_code == 400 and response.json()["detail"], bad


async def test_get_my_packages(api: ContractClient, world: World) -> None:
    owner = await world.publisher("p9", "team-nine")
    await world.package(owner, "Open")
    await world.package(owner, "Hidden", visibility="private")
    await world.package(owner, "Quiet", visibility="unlisted")
    me = (await api.get("/api/v1/auth/me", token=owner.token)).json()
    mine = await api.get(
        "/api/v1/packages", token=owner.token, params={"publisher": me["publisher_id"]}
    )
    assert mine.status_code == 200
    packages = mine.json()["packages"]
    assert {p["name"] for p in packages} == {"Open", "Hidden", "Quiet"}
    assert all(SUMMARY_READ_BY_MY_PACKAGES <= p.keys() for p in packages)
    assert {p["publisher_id"] for p in packages} == {me["publisher_id"]}
    public_view = (
        await api.get("/api/v1/packages", params={"publisher": me["publisher_id"]})
    ).json()
    assert [p["name"] for p in public_view["packages"]] == ["Open"]
    # Without a publisher the client sends no filter at all.
    no_filter = await api.get("/api/v1/packages", token=token_for("nobody"))
    assert no_filter.status_code == 200 and no_filter.json()["per_page"] == 100


async def test_update_and_delete_package(api: ContractClient, world: World) -> None:
    owner = await world.publisher("p10", "team-ten")
    other = await world.publisher("p11", "team-eleven")
    await world.package(owner, "Mutable", license="MIT")
    await world.version(owner, "Mutable", "1.0.0")

    updated = await api.request(
        "PATCH",
        "/api/v1/packages/Mutable",
        token=owner.token,
        json={"description": "new words", "keywords": ["x"]},
    )
    assert updated.status_code == 200
    body = updated.json()
    assert body["description"] == "new words" and body["keywords"] == ["x"]
    assert body["license"] == "MIT"  # keys not sent stay as they were
    assert (
        await api.request("PATCH", "/api/v1/packages/Mutable", json={"description": "x"})
    ).status_code == 401
    assert (
        await api.request(
            "PATCH", "/api/v1/packages/Mutable", token=other.token, json={"description": "x"}
        )
    ).status_code == 403
    assert (
        await api.request(
            "PATCH", "/api/v1/packages/Ghost", token=owner.token, json={"description": "x"}
        )
    ).status_code == 404
    assert (
        await api.request(
            "PATCH", "/api/v1/packages/Mutable", token=owner.token, json={"visibility": "nope"}
        )
    ).status_code == 400

    assert (await api.request("DELETE", "/api/v1/packages/Mutable")).status_code == 401
    assert (
        await api.request("DELETE", "/api/v1/packages/Mutable", token=other.token)
    ).status_code == 403
    deleted = await api.request("DELETE", "/api/v1/packages/Mutable", token=owner.token)
    assert deleted.status_code == 204 and deleted.content == b""  # only 204 counts
    assert (
        await api.request("DELETE", "/api/v1/packages/Mutable", token=owner.token)
    ).status_code == 404
    assert (await api.get("/api/v1/packages/Mutable")).status_code == 404
    retake = await api.post("/api/v1/packages", token=other.token, json={"name": "Mutable"})
    assert retake.status_code == 409  # the name stays reserved


async def test_detail_shows_pending_versions_to_owners_only(
    api: ContractClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = await world.publisher("p12", "team-twelve")
    await world.package(owner, "Pending")
    await world.version(owner, "Pending", "1.0.0")
    queue = world.stack.ctx.jobs
    held: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    async def hold(function: str, *args: Any, **kwargs: Any) -> None:
        held.append((function, args, kwargs))

    monkeypatch.setattr(queue, "enqueue", hold)  # the scan waits until we release it
    upload = await api.multipart(
        "/api/v1/packages/Pending/versions",
        {"version": "1.1.0"},
        module_zip("Pending", "1.1.0"),
        token=owner.token,
    )
    monkeypatch.undo()
    assert upload.status_code == 201 and upload.json()["status"] == "pending"
    anonymous = (await api.get("/api/v1/packages/Pending")).json()
    assert [v["version"] for v in anonymous["versions"]] == ["1.0.0"]
    own = (await api.get("/api/v1/packages/Pending", token=owner.token)).json()
    assert [(v["version"], v["status"]) for v in own["versions"]] == [
        ("1.1.0", "pending"),
        ("1.0.0", "published"),
    ]
    assert own["latest_version"] == "1.0.0"  # not latest until the scan publishes it
    for function, args, kwargs in held:
        await queue.enqueue(function, *args, **kwargs)
    await world.stack.drain_jobs()
    assert (await api.get("/api/v1/packages/Pending")).json()["latest_version"] == "1.1.0"
