"""Fast checks of the self-hosted GraphiQL page and assets, through the ASGI app (no browser)."""

import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Route

from schema.graphiql import LONG_CACHE_CONTROL, SelfHostedGraphiQL, graphiql_html
from schema.graphiql.assets import STATIC_DIR
from tests.graphiql.demo_app import build_demo_app, build_demo_schema

BROWSER_ACCEPT = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
MAX_TOTAL_ASSET_BYTES = 3 * 1024 * 1024
# Hosts a GraphiQL build would typically pull code, styles or fonts from at runtime.
CDN_HOSTS = ("unpkg.com", "cdn.jsdelivr.net", "cdnjs.cloudflare.com", "esm.sh", "fonts.googleapis")


class _ReferenceCollector(HTMLParser):
    """Collects every src/href in the page, and the JSON config block."""

    def __init__(self) -> None:
        super().__init__()
        self.references: list[str] = []
        self.config_json = ""
        self._in_config = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.references += [value for name, value in attrs if name in ("src", "href") and value]
        self._in_config = tag == "script" and attributes.get("id") == "graphiql-config"

    def handle_endtag(self, tag: str) -> None:
        self._in_config = False

    def handle_data(self, data: str) -> None:
        if self._in_config:
            self.config_json += data


def _parse(page: str) -> _ReferenceCollector:
    collector = _ReferenceCollector()
    collector.feed(page)
    return collector


def _client(app: Starlette) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def test_page_references_no_external_url_and_every_asset_is_served() -> None:
    async with _client(build_demo_app("hello")) as client:
        page = await client.get("/graphql", headers=BROWSER_ACCEPT)
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert not re.search(r"(?i)(https?:|wss?:)?//", page.text), "page holds an absolute URL"

        references = _parse(page.text).references
        local = [ref for ref in references if not ref.startswith("data:")]
        assert sorted(ref.split("?")[0] for ref in local) == [
            "/graphql/static/graphiql.css",
            "/graphql/static/graphiql.js",
        ]
        for reference in local:
            asset = await client.get(reference)
            assert asset.status_code == 200, reference
            assert asset.headers["cache-control"] == LONG_CACHE_CONTROL
            expected_type = "text/css" if ".css" in reference else "javascript"
            assert expected_type in asset.headers["content-type"]
            # The ?v= cache-buster must follow the content, or browsers keep a stale build.
            version = reference.split("?v=")[1]
            assert version == hashlib.sha256(asset.content).hexdigest()[:16]


async def test_view_still_answers_graphql_posts() -> None:
    async with _client(build_demo_app("posted")) as client:
        response = await client.post("/graphql", json={"query": "{ hello }"})
    assert response.json() == {"data": {"hello": "posted"}}


async def test_switching_the_ide_off_hides_the_page() -> None:
    async with _client(build_demo_app("off", graphql_ide_enabled=False)) as client:
        response = await client.get("/graphql", headers=BROWSER_ACCEPT)
    assert response.status_code == 404


async def test_page_posts_to_the_path_it_was_served_from() -> None:
    view = SelfHostedGraphiQL(build_demo_schema("elsewhere"))
    app = Starlette(routes=[Route("/api/v2/graphql", endpoint=view)])
    async with _client(app) as client:
        page = await client.get("/api/v2/graphql", headers=BROWSER_ACCEPT)
    config = json.loads(_parse(page.text).config_json)
    assert config["endpoint"] == "/api/v2/graphql"
    assert config["subscriptions"] is True


@pytest.mark.parametrize(
    "hostile_text",
    ["</script><script>alert(1)</script>", "<!-- & -->", '"\\u2028\u2028'],
)
def test_config_cannot_break_out_of_its_script_block(hostile_text: str) -> None:
    page = graphiql_html(default_query=hostile_text, endpoint="/graphql?a=1&b=<x>")
    assert page.count("</script>") == 2  # the config block's and the bundle tag's
    config = json.loads(_parse(page).config_json)
    assert config["defaultQuery"] == hostile_text
    assert config["endpoint"] == "/graphql?a=1&b=<x>"


def test_shipped_assets_are_minified_offline_and_small() -> None:
    files = {path.name: path for path in STATIC_DIR.iterdir()}
    assert {"graphiql.js", "graphiql.css", "THIRD_PARTY_LICENSES.txt"} <= files.keys()
    total = sum(path.stat().st_size for path in files.values())
    assert total < MAX_TOTAL_ASSET_BYTES, f"assets grew to {total} bytes"
    for name in ("graphiql.js", "graphiql.css"):
        content = Path(files[name]).read_text(encoding="utf-8")
        assert "sourceMappingURL" not in content
        for host in CDN_HOSTS:
            assert host not in content, f"{name} mentions CDN host {host}"
