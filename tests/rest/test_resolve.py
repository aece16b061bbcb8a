"""POST /resolve through the API on both stacks (REST_CONTRACT §4.7)."""

from __future__ import annotations

from tests.fixtures.stack import Stack, bearer
from tests.helpers import create_package, make_publisher, mod_zip, upload_version


async def _publish(
    stack: Stack,
    name: str,
    version: str,
    deps: list | None = None,
    visibility: str = "public",
    owner: str = "u1",
) -> None:
    response = await stack.client.get(f"/api/v1/packages/{name}", headers=bearer(owner))
    if response.status_code == 404:
        created = await create_package(stack.client, owner, name, visibility=visibility)
        assert created.status_code == 201, created.text
    uploaded = await upload_version(
        stack.client, owner, name, version, mod_zip(name, version, dependencies=deps)
    )
    assert uploaded.status_code == 201, uploaded.text


async def test_resolve_both_shapes_and_failures(stack: Stack) -> None:
    client = stack.client
    await make_publisher("u1")
    await _publish(stack, "DB", "1.0.0")
    await _publish(stack, "DB", "2.0.0")
    await _publish(stack, "CloudM", "1.0.0", ["DB>=1.0.0,<2.0.0", "requests"])
    await _publish(
        stack,
        "isaa",
        "0.1.0",
        [{"name": "CloudM", "version": "^1.0.0"}, {"name": "Extras", "optional": True}],
    )
    await stack.drain_jobs()

    shape_a = await client.post("/api/v1/resolve", json={"requirements": ["isaa==0.1.0"]})
    assert shape_a.status_code == 200, shape_a.text
    body = shape_a.json()
    assert body["success"] is True
    assert set(body["resolved"]) == {"isaa", "CloudM", "DB"}
    assert body["resolved"]["DB"]["version"] == "1.0.0"
    db = body["resolved"]["DB"]
    assert db["checksum_sha256"] == db["checksum"] and len(db["checksum_sha256"]) == 64
    assert db["download_url"] == "/api/v1/packages/DB/versions/1.0.0/file"
    assert body["install_order"].index("DB") < body["install_order"].index("CloudM")
    cloudm_deps = {d["name"]: d for d in body["resolved"]["CloudM"]["dependencies"]}
    assert cloudm_deps["DB"]["version"] == "1.0.0"
    assert any("requests" in w for w in body["warnings"])

    shape_b = await client.post("/api/v1/resolve", json={"packages": [{"name": "db"}]})
    assert shape_b.json()["resolved"]["DB"]["version"] == "2.0.0"
    exact = await client.post(
        "/api/v1/resolve", json={"packages": [{"name": "DB", "version": "1.0.0"}]}
    )
    assert exact.json()["resolved"]["DB"]["version"] == "1.0.0"

    missing = (await client.post("/api/v1/resolve", json={"requirements": ["Nope"]})).json()
    assert missing["success"] is False
    assert missing["errors"] == missing["conflicts"] == ["Package not found: Nope"]

    impossible = await client.post(
        "/api/v1/resolve", json={"requirements": ["CloudM", "DB>=2.0.0"]}
    )
    result = impossible.json()
    assert impossible.status_code == 200 and result["success"] is False
    assert result["errors"] and "DB" in result["explanation"]

    for bad in ({"requirements": "DB"}, {"requirements": ["DB >=="]}, {"nothing": 1}):
        response = await client.post("/api/v1/resolve", json=bad)
        assert response.status_code == 400 and isinstance(response.json()["detail"], str)


async def test_private_packages_resolve_like_unknown_ones(stack: Stack) -> None:
    await make_publisher("owner", verified=False)
    await _publish(stack, "Secret", "1.0.0", visibility="private", owner="owner")
    await stack.drain_jobs()
    anonymous = (
        await stack.client.post("/api/v1/resolve", json={"requirements": ["Secret"]})
    ).json()
    assert anonymous["errors"] == ["Package not found: Secret"]
    own = (
        await stack.client.post(
            "/api/v1/resolve", json={"requirements": ["Secret"]}, headers=bearer("owner")
        )
    ).json()
    assert own["success"] is True and own["resolved"]["Secret"]["version"] == "1.0.0"


async def test_yanked_excluded_unless_pinned(stack: Stack) -> None:
    await make_publisher("u1")
    await _publish(stack, "Lib", "1.0.0")
    await _publish(stack, "Lib", "1.1.0")
    await stack.drain_jobs()
    await stack.client.post(
        "/api/v1/packages/Lib/versions/1.1.0/yank", headers=bearer("u1"), json={"reason": "bad"}
    )
    ranged = (await stack.client.post("/api/v1/resolve", json={"requirements": ["Lib"]})).json()
    assert ranged["resolved"]["Lib"]["version"] == "1.0.0"
    pinned = (
        await stack.client.post("/api/v1/resolve", json={"requirements": ["Lib==1.1.0"]})
    ).json()
    assert pinned["resolved"]["Lib"]["version"] == "1.1.0"


async def test_versions_without_recorded_requires_resolve_from_dependency_rows(
    stack: Stack,
) -> None:
    """Versions written before `requires` existed (the column is "") fall back to the rows,
    and give the same answer as versions that carry it."""
    from domain.models import PackageVersion

    await make_publisher("u1")
    await _publish(stack, "Base", "1.0.0")
    await _publish(stack, "Base", "2.0.0")
    await _publish(stack, "Top", "1.0.0", ["Base<2.0.0"])
    await stack.drain_jobs()
    top = await PackageVersion.get(package__name_key="top", version="1.0.0")
    assert top.requires == '[["Base","<2.0.0",false]]'

    async def resolved() -> dict:
        response = await stack.client.post("/api/v1/resolve", json={"requirements": ["Top"]})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["success"] is True, body
        return {name: entry["version"] for name, entry in body["resolved"].items()}

    assert await resolved() == {"Top": "1.0.0", "Base": "1.0.0"}
    await PackageVersion.filter(id=top.id).update(requires="")
    assert await resolved() == {"Top": "1.0.0", "Base": "1.0.0"}


async def test_check_flags_only_real_toolbox_conflicts_and_versions_match_pep440(
    stack: Stack,
) -> None:
    await make_publisher("u1")
    await create_package(stack.client, "u1", "Core")
    uploaded = await upload_version(
        stack.client, "u1", "Core", "1.0.0", mod_zip("Core", "1.0.0"), toolbox_version=">=2.0"
    )
    assert uploaded.status_code == 201, uploaded.text
    # A dependency merely named like ToolBox is a warning, not an incompatibility.
    await _publish(stack, "App", "1.0.0", ["toolbox-helpers>=1"])
    await stack.drain_jobs()

    async def check(package: str, version: str, toolbox: str) -> dict:
        response = await stack.client.get(
            "/api/v1/resolve/check",
            params={"package": package, "version": version, "toolbox_version": toolbox},
        )
        assert response.status_code == 200, response.text
        return response.json()

    app = await check("App", "1.0.0", "1.5.0")
    assert app["compatible"] is True and any("toolbox-helpers" in w for w in app["warnings"])
    core = await check("Core", "1.0.0", "1.5.0")
    assert core["compatible"] is False and any("requires ToolBox" in w for w in core["warnings"])
    assert (await check("Core", "1.0.0", "2.1.0"))["compatible"] is True

    # PEP 440 equality: 1.0 names 1.0.0 (REST_CONTRACT §4.4).
    detail = await stack.client.get("/api/v1/packages/App/versions/1.0")
    assert detail.status_code == 200, detail.text
    assert detail.json()["version"] == "1.0.0"
