"""Package pages end to end on both stacks (SQLite + folder, PostgreSQL + S3): a mod with a
README, a changelog and an icon is published; the REST detail, the icon route (ETag, 304,
caching) and GraphQL show the page; bad page files are warnings; deleting the package removes
the icon object."""

from __future__ import annotations

import hashlib
import re

from domain.services.pages import icon_url
from storage.keys import content_key
from tests.fixtures.stack import Stack, bearer
from tests.helpers import create_package, make_publisher, mod_zip, upload_version
from tests.pages import images
from tests.pages.hostile import assert_safe_html
from tests.pages.test_markdown import CORPUS

README = (
    b"# Page Mod\n\nA mod with a page. [Docs](https://docs.example/page) - [usage](#usage)\n\n"
    b"## Usage\n\n| cmd | what |\n|---|---|\n| run | runs |\n\n"
    b"![shot](docs/shot.png) <img src=x onerror=alert(1)> [bad](javascript:alert(1))\n\n"
    + "\n\n".join(CORPUS).encode()
)
CHANGELOG = b"# Changelog\n\n## 1.0.0\n\n- First release <script>alert(1)</script>\n"

GRAPHQL = """
query($name: String!) {
  package(name: $name) {
    name readme readmeHtml changelogHtml iconUrl
    latest { version readmeHtml changelogHtml }
    versions { version readmeHtml }
  }
}
"""


async def _publish(stack: Stack, name: str, version: str, extra: dict[str, bytes]) -> dict:
    response = await upload_version(
        stack.client, "u1", name, version, mod_zip(name, version, extra=extra)
    )
    assert response.status_code == 201, response.text
    await stack.drain_jobs()
    detail = await stack.client.get(f"/api/v1/packages/{name}/versions/{version}")
    assert detail.status_code == 200, detail.text
    body: dict = detail.json()
    assert body["status"] == "published", body
    return body


async def test_package_page_from_the_archive(stack: Stack) -> None:
    client = stack.client
    await make_publisher("u1", "pages-team")
    created = await create_package(client, "u1", "PageMod", readme="Author-set long text")
    assert created.status_code == 201, created.text
    assert created.json()["readme_html"] == "" and created.json()["icon_url"] == ""
    icon_source = images.png_with_metadata()
    await _publish(
        stack,
        "PageMod",
        "1.0.0",
        {
            "PageMod/README.md": README,
            "PageMod/CHANGELOG.md": CHANGELOG,
            "PageMod/icon.png": icon_source,
        },
    )

    detail = (await client.get("/api/v1/packages/pagemod")).json()
    # Existing fields unchanged: `readme` is still the author's own text.
    assert detail["readme"] == "Author-set long text" and detail["latest_version"] == "1.0.0"
    html = detail["readme_html"]
    assert html.startswith('<h1 id="user-content-page-mod">Page Mod</h1>')
    assert '<a href="#user-content-usage" rel="nofollow noopener noreferrer">usage</a>' in html
    assert "<table>" in html
    assert_safe_html(html)
    assert_safe_html(detail["changelog_html"])
    assert "<li>First release </li>" in detail["changelog_html"]
    url = detail["icon_url"]
    assert re.fullmatch(r"/api/v1/packages/PageMod/icon\?v=[0-9a-f]{16}", url), url

    # The icon: re-encoded, immutable under its own URL, strong ETag, 304.
    icon = await client.get(url)
    assert icon.status_code == 200, icon.text
    assert icon.headers["content-type"] == "image/png"
    assert icon.headers["cache-control"] == "public, max-age=31536000, immutable"
    digest = hashlib.sha256(icon.content).hexdigest()
    assert icon.headers["etag"] == f'"{digest}"' and url.endswith(digest[:16])
    assert set(images.png_chunks(icon.content)) <= {b"IHDR", b"IDAT", b"IEND"}
    assert b"SECRET" not in icon.content and icon.content != icon_source
    cached = await client.get(url, headers={"If-None-Match": icon.headers["etag"]})
    assert cached.status_code == 304 and cached.content == b""
    assert cached.headers["etag"] == icon.headers["etag"]
    bare = await client.get("/api/v1/packages/pagemod/icon")
    assert bare.status_code == 200 and bare.content == icon.content
    assert bare.headers["cache-control"] == "public, max-age=300"

    # GraphQL shows the same page.
    answer = await client.post(
        "/graphql", json={"query": GRAPHQL, "variables": {"name": "PageMod"}}
    )
    data = answer.json()
    assert "errors" not in data, data
    package = data["data"]["package"]
    assert package["readme"] == "Author-set long text"
    assert package["readmeHtml"] == html
    assert package["changelogHtml"] == detail["changelog_html"]
    assert package["iconUrl"] == url
    assert package["latest"] == {
        "version": "1.0.0",
        "readmeHtml": html,
        "changelogHtml": detail["changelog_html"],
    }

    # A bad icon and a broken README are warnings; the version is still published.
    second = await _publish(
        stack,
        "PageMod",
        "1.1.0",
        {"PageMod/README.md": b"\xff\xfe broken", "PageMod/icon.png": images.gif()},
    )
    assert (
        "PageMod/README.md is not UTF-8 text: not shown on the package page" in second["warnings"]
    )
    assert "PageMod/icon.png is not a PNG image: no icon is shown" in second["warnings"]
    detail = (await client.get("/api/v1/packages/PageMod")).json()
    assert detail["latest_version"] == "1.1.0"
    assert detail["readme_html"] == detail["changelog_html"] == detail["icon_url"] == ""
    missing = await client.get("/api/v1/packages/PageMod/icon")
    assert missing.status_code == 404 and set(missing.json()) >= {"detail"}

    # The old version's page stays with it (GraphQL per version).
    answer = await client.post(
        "/graphql", json={"query": GRAPHQL, "variables": {"name": "PageMod"}}
    )
    versions = answer.json()["data"]["package"]["versions"]
    assert versions == [
        {"version": "1.1.0", "readmeHtml": ""},
        {"version": "1.0.0", "readmeHtml": html},
    ]

    # Deleting the package deletes the icon object too (nothing else references it).
    key = content_key(digest)
    assert await stack.ctx.storage.primary.exists(key)
    deleted = await client.delete("/api/v1/packages/PageMod", headers=bearer("u1"))
    assert deleted.status_code == 204, deleted.text
    await stack.drain_jobs()
    assert not await stack.ctx.storage.primary.exists(key)
    gone = await client.get("/api/v1/packages/PageMod/icon")
    assert gone.status_code == 404 and "detail" in gone.json()


async def test_private_package_icon(stack: Stack) -> None:
    client = stack.client
    await make_publisher("u1", "pages-team")
    created = await create_package(client, "u1", "SecretPage", visibility="private")
    assert created.status_code == 201, created.text
    await _publish_private(stack)
    detail = await client.get("/api/v1/packages/SecretPage", headers=bearer("u1"))
    url = detail.json()["icon_url"]
    assert url.startswith("/api/v1/packages/SecretPage/icon?v=")
    anonymous = await client.get(url)
    assert anonymous.status_code == 404 and "detail" in anonymous.json()
    owner = await client.get(url, headers=bearer("u1"))
    assert owner.status_code == 200
    assert owner.headers["cache-control"] == "private, no-cache"
    revalidated = await client.get(
        url, headers={**bearer("u1"), "If-None-Match": f'W/"x", {owner.headers["etag"]}'}
    )
    assert revalidated.status_code == 304


async def _publish_private(stack: Stack) -> None:
    response = await upload_version(
        stack.client,
        "u1",
        "SecretPage",
        "1.0.0",
        mod_zip("SecretPage", "1.0.0", extra={"icon.webp": images.webp()}),
    )
    assert response.status_code == 201, response.text
    await stack.drain_jobs()


async def test_unknown_package_icon_is_404(stack: Stack) -> None:
    response = await stack.client.get("/api/v1/packages/NoSuchThing/icon")
    assert response.status_code == 404 and "detail" in response.json()
    assert icon_url("x", "") == ""


async def test_an_icon_shared_by_versions_lives_until_its_last_version_goes(stack: Stack) -> None:
    from domain.actor import Actor
    from domain.services import quarantine

    client = stack.client
    await make_publisher("u1", "pages-team")
    assert (await create_package(client, "u1", "Twins")).status_code == 201
    icon = images.png((128, 128))
    for version in ("1.0.0", "1.1.0"):
        await _publish(stack, "Twins", version, {"Twins/icon.png": icon})
    url = (await client.get("/api/v1/packages/Twins")).json()["icon_url"]
    served = await client.get(url)
    key = content_key(hashlib.sha256(served.content).hexdigest())
    admin = Actor(user_id="admin", is_admin=True)

    await quarantine.delete_version(admin, stack.ctx, "Twins", "1.1.0", "test")
    await stack.drain_jobs()
    assert await stack.ctx.storage.primary.exists(key)  # 1.0.0 still uses it
    detail = (await client.get("/api/v1/packages/Twins")).json()
    assert detail["latest_version"] == "1.0.0" and detail["icon_url"] == url
    assert (await client.get(url)).content == served.content

    await quarantine.delete_version(admin, stack.ctx, "Twins", "1.0.0", "test")
    await stack.drain_jobs()
    assert not await stack.ctx.storage.primary.exists(key)
    assert (await client.get("/api/v1/packages/Twins/icon")).status_code == 404
