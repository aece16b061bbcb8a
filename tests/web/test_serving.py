"""How the registry serves the built UI (registry/web_ui.py) and what the build holds: the
first load's size, no inline code, a CSP without 'unsafe-inline', cache headers, the API's
404s left alone, the persisted-operations manifest, and a fresh clone serving the UI with no
Node.js on the machine."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from graphql import build_schema, parse, validate

from registry.web_ui import DIST_DIR
from tests.process.server import ServerProcess
from tests.web.conftest import SHOWCASE, SeededRegistry

FIRST_LOAD_BUDGET_BYTES = 200 * 1024
REPO = Path(__file__).resolve().parents[2]
INDEX = DIST_DIR / "index.html"


def _first_load_files() -> list[str]:
    html = INDEX.read_text()
    scripts = re.findall(r'<script[^>]*\bsrc="([^"]+)"', html)
    styles = re.findall(r'<link[^>]*rel="(?:stylesheet|modulepreload)"[^>]*href="([^"]+)"', html)
    return scripts + styles


def test_first_load_is_under_200_kb_compressed_and_has_no_inline_code() -> None:
    html = INDEX.read_text()
    files = _first_load_files()
    assert any(f.endswith(".js") for f in files) and any(f.endswith(".css") for f in files)
    sizes = {}
    for url in files:
        assert url.startswith("/assets/"), url  # self-hosted, no CDN
        sizes[url] = len(gzip.compress((DIST_DIR / url.lstrip("/")).read_bytes(), 9))
    assert sum(sizes.values()) < FIRST_LOAD_BUDGET_BYTES, sizes
    # Nothing that a CSP without 'unsafe-inline' would block.
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert "<style" not in html and " style=" not in html
    assert not re.search(r"\son[a-z]+=", html)


def test_the_persisted_operations_manifest_maps_hashes_to_their_documents() -> None:
    manifest = json.loads((DIST_DIR / "persisted-operations.json").read_text())
    assert {"Home", "Search", "PackagePage", "PublisherPage", "Viewer"} <= {
        m.group(1)
        for text in manifest.values()
        if (m := re.match(r"(?:query|mutation|subscription) (\w+)", text))
    }
    for key, text in manifest.items():
        assert hashlib.sha256(text.encode()).hexdigest() == key


def test_every_ui_operation_is_valid_against_the_committed_schema() -> None:
    """The build checks this with Node (gql.tada check); this checks the committed build
    against schema/schema.graphql without Node, so a schema change that breaks the shipped UI
    fails the suite even when nobody rebuilt web/."""
    schema = build_schema((REPO / "schema" / "schema.graphql").read_text())
    manifest = json.loads((DIST_DIR / "persisted-operations.json").read_text())
    problems = {
        key[:12]: [error.message for error in validate(schema, parse(text))]
        for key, text in manifest.items()
    }
    assert {key: found for key, found in problems.items() if found} == {}


async def test_the_ui_is_served_with_csp_and_cache_headers(registry: SeededRegistry) -> None:
    client = registry.stack.client
    for path in ("/", f"/packages/{SHOWCASE}", "/search?q=x", "/no/such/page"):
        response = await client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html")
        assert '<div id="app">' in response.text
        csp = response.headers["content-security-policy"]
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "script-src 'self'" in csp and "style-src 'self'" in csp
        assert "default-src 'none'" in csp
        assert response.headers["cache-control"] == "no-cache"
    for url in _first_load_files():
        asset = await client.get(url)
        assert asset.status_code == 200
        assert "immutable" in asset.headers["cache-control"]
        assert "max-age=31536000" in asset.headers["cache-control"]
    licences = await client.get("/THIRD_PARTY_LICENSES.txt")
    assert licences.status_code == 200 and "preact" in licences.text


async def test_api_paths_keep_their_json_answers(registry: SeededRegistry) -> None:
    client = registry.stack.client
    for path in ("/api", "/api/v2/packages", "/graphql/nope", "/graphiql", "/assets/missing.js"):
        response = await client.get(path)
        assert response.status_code == 404, path
        if not path.startswith("/assets"):
            assert response.json() == {"detail": "Not found"}, path
    assert (await client.get("/api/v1/health")).json()["status"] == "healthy"
    graphql = await client.post("/graphql", json={"query": "{ __typename }"})
    assert graphql.json() == {"data": {"__typename": "Query"}}
    ide = await client.get("/graphql", headers={"Accept": "text/html"})
    assert ide.status_code == 200 and "graphiql" in ide.text.lower()
    # A method the UI does not serve is refused, not answered with the page.
    assert (await client.post("/some/page")).status_code == 405


def test_a_fresh_clone_serves_the_ui_without_node(tmp_path: Path) -> None:
    git = shutil.which("git")
    assert git, "git is needed to list the committed files"
    listed = subprocess.run(
        [git, "ls-files", "--", "web/dist"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    needed = ["web/dist/index.html", "web/dist/persisted-operations.json"]
    needed += [f"web/dist{url}" for url in _first_load_files()]
    assert [path for path in needed if path not in listed] == [], "built UI not committed"
    # Only the interpreter's folder on PATH: no node or npm to be found.
    env = {"PATH": str(Path(sys.executable).parent)}
    assert shutil.which("node", path=env["PATH"]) is None
    server = ServerProcess(tmp_path / "data", env={**env, "HOME": str(tmp_path)})
    os.makedirs(server.data_dir, exist_ok=True)
    server.start()
    try:
        page = httpx.get(f"{server.url}/", timeout=10)
        assert page.status_code == 200 and '<div id="app">' in page.text
        for url in _first_load_files():
            assert httpx.get(f"{server.url}{url}", timeout=10).status_code == 200
    finally:
        server.stop()


@pytest.mark.parametrize("path", ["/", "/packages/x"])
async def test_head_requests_answer_like_get(registry: SeededRegistry, path: str) -> None:
    response = await registry.stack.client.head(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
