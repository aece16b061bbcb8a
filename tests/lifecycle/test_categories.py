"""Curated categories through the API on both stacks: set on create (JSON, one-step publish,
manifest), changed by PATCH and updatePackage, read in the detail and GraphQL, and listed by
GET /categories and the `categories` query with counts that respect visibility."""

from __future__ import annotations

import json

from tests.fixtures.stack import Stack, bearer
from tests.graphql.support import actor, data, execute
from tests.helpers import create_package, make_publisher, mod_zip
from tests.lifecycle.support import manifest_zip, patch

CATEGORIES = "{ categories { slug title description packageCount } }"
UPDATE = """mutation($name: String!, $input: UpdatePackageInput!) {
  updatePackage(name: $name, input: $input) {
    package { name categories } errors { field code message } } }"""
CREATE = """mutation($input: CreatePackageInput!) { createPackage(input: $input) {
  package { name categories } errors { field code message } } }"""


def _counts(body: dict) -> dict[str, int]:
    return {entry["slug"]: entry["package_count"] for entry in body["categories"]}


async def test_rest_create_patch_and_detail(stack: Stack) -> None:
    client = stack.client
    await make_publisher("u1")
    created = await create_package(client, "u1", "Widgets", categories=["UI-Widgets", "themes"])
    assert created.status_code == 201, created.text
    assert created.json()["categories"] == ["ui-widgets", "themes"]
    detail = (await client.get("/api/v1/packages/Widgets")).json()
    assert detail["categories"] == ["ui-widgets", "themes"]

    changed = await patch(stack, "Widgets", "u1", categories="ai, ai, data")
    assert changed.status_code == 200, changed.text
    assert changed.json()["categories"] == ["ai", "data"]
    for bad, words in (
        (["cooking"], "cooking"),
        (["ai", "data", "media", "games"], "At most 3"),
        ([1], "categories"),
    ):
        refused = await patch(stack, "Widgets", "u1", categories=bad)
        assert refused.status_code == 400, refused.text
        assert words in refused.json()["detail"]
    refused = await create_package(client, "u1", "Other", categories=["nope"])
    assert refused.status_code == 400 and "nope" in refused.json()["detail"]
    cleared = await patch(stack, "Widgets", "u1", categories=None)
    assert cleared.json()["categories"] == []


async def test_one_step_publish_takes_metadata_and_manifest_categories(stack: Stack) -> None:
    client = stack.client
    await make_publisher("u1")
    published = await client.post(
        "/api/v1/packages",
        headers=bearer("u1"),
        data={"metadata": json.dumps({"name": "isaa", "version": "0.1.0", "categories": ["ai"]})},
        files={"file": ("tmp1.zip", mod_zip("isaa", "0.1.0"), "application/zip")},
    )
    assert published.status_code == 201, published.text
    assert (await client.get("/api/v1/packages/isaa")).json()["categories"] == ["ai"]

    strict = await client.post(
        "/api/v1/packages",
        headers=bearer("u1"),
        data={"metadata": json.dumps({"name": "Strict", "version": "0.1.0", "categories": "x"})},
        files={"file": ("tmp2.zip", mod_zip("Strict", "0.1.0"), "application/zip")},
    )
    assert strict.status_code == 400 and "categor" in strict.json()["detail"]

    from_manifest = await client.post(
        "/api/v1/packages",
        headers=bearer("u1"),
        data={"metadata": json.dumps({"name": "Themed", "version": "1.0.0"})},
        files={
            "file": (
                "tmp3.zip",
                manifest_zip("Themed", "1.0.0", categories=["themes", "cooking"]),
                "application/zip",
            )
        },
    )
    assert from_manifest.status_code == 201, from_manifest.text
    assert any("cooking" in warning for warning in from_manifest.json()["warnings"])
    assert (await client.get("/api/v1/packages/Themed")).json()["categories"] == ["themes"]


async def test_graphql_create_update_and_read(stack: Stack) -> None:
    await make_publisher("u1")
    owner = await actor("u1")
    created = (
        await data(
            stack, CREATE, {"input": {"name": "Gfx", "categories": ["media"]}}, as_actor=owner
        )
    )["createPackage"]
    assert created == {"package": {"name": "Gfx", "categories": ["media"]}, "errors": []}
    updated = (
        await data(
            stack,
            UPDATE,
            {"name": "Gfx", "input": {"categories": ["games", "media"]}},
            as_actor=owner,
        )
    )["updatePackage"]
    assert updated["package"]["categories"] == ["games", "media"] and updated["errors"] == []
    refused = (
        await data(stack, UPDATE, {"name": "Gfx", "input": {"categories": ["x"]}}, as_actor=owner)
    )["updatePackage"]
    assert refused["package"] is None
    assert refused["errors"][0]["field"] == "categories"
    read = await data(stack, '{ package(name: "gfx") { categories } }')
    assert read["package"]["categories"] == ["games", "media"]
    rest = (await stack.client.get("/api/v1/packages/Gfx")).json()
    assert rest["categories"] == read["package"]["categories"]


async def test_category_counts_respect_visibility(stack: Stack) -> None:
    client = stack.client
    await make_publisher("u1")
    await make_publisher("u2")
    for name, visibility, categories in (
        ("PubA", "public", ["ai", "data"]),
        ("PubB", "public", ["ai"]),
        ("Secret", "private", ["ai", "security"]),
        ("Quiet", "unlisted", ["security"]),
    ):
        response = await create_package(
            client, "u1", name, visibility=visibility, categories=categories
        )
        assert response.status_code == 201, response.text

    anonymous = await client.get("/api/v1/categories")
    assert anonymous.status_code == 200, anonymous.text
    body = anonymous.json()
    slugs = [entry["slug"] for entry in body["categories"]]
    assert slugs[0] == "ui-widgets" and "ai" in slugs  # the catalog's order, every category
    assert all(
        set(entry) == {"slug", "title", "description", "package_count"}
        for entry in body["categories"]
    )
    counts = _counts(body)
    assert counts["ai"] == 2 and counts["data"] == 1 and counts["security"] == 0
    assert counts["themes"] == 0
    assert _counts((await client.get("/api/v1/categories", headers=bearer("u2"))).json()) == counts

    owner = _counts((await client.get("/api/v1/categories", headers=bearer("u1"))).json())
    assert owner["ai"] == 3 and owner["security"] == 2

    graphql_anonymous = await data(stack, CATEGORIES)
    assert {c["slug"]: c["packageCount"] for c in graphql_anonymous["categories"]} == counts
    graphql_owner = await data(stack, CATEGORIES, as_actor=await actor("u1"))
    assert {c["slug"]: c["packageCount"] for c in graphql_owner["categories"]} == owner

    # A deleted package no longer counts.
    assert (await client.delete("/api/v1/packages/PubB", headers=bearer("u1"))).status_code == 204
    assert _counts((await client.get("/api/v1/categories")).json())["ai"] == 1


async def test_categories_query_needs_no_login_and_is_described(stack: Stack) -> None:
    result = await execute(stack, "{ categories { slug title } }")
    assert result.errors is None
    assert len(result.data["categories"]) >= 12
