"""/api/docs over HTTP: the page, its headers and its vendored assets (no browser)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import httpx

from registry.api_docs import SCRIPTS, STATIC_DIR, STYLESHEETS
from registry.web_ui import CONTENT_SECURITY_POLICY, LONG_CACHE_CONTROL
from tests.process.server import ServerProcess

FETCH_SCRIPT = Path(__file__).resolve().parents[2] / "infra" / "apidocs" / "fetch.sh"


class _Tags(HTMLParser):
    """The page's <script> and <link rel=stylesheet> elements, and any inline script text."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str | None] = []
        self.stylesheets: list[str] = []
        self.inline_script_text = ""
        self.inline_styles: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if "style" in found:
            self.inline_styles.append(tag)
        if tag == "script":
            self.scripts.append(found.get("src"))
            self._in_script = True
        elif tag == "style":
            self.inline_styles.append(tag)
        elif tag == "link" and found.get("rel") == "stylesheet":
            self.stylesheets.append(found["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.inline_script_text += data.strip()


def _page_tags(text: str) -> _Tags:
    tags = _Tags()
    tags.feed(text)
    return tags


def test_page_is_served_with_the_strict_csp_and_no_cache(docs_server: ServerProcess) -> None:
    response = httpx.get(f"{docs_server.url}/api/docs")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert "unsafe-eval" not in CONTENT_SECURITY_POLICY
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-cache"
    tags = _page_tags(response.text)
    assert tags.inline_script_text == "" and tags.inline_styles == []
    # Only the registry's own files, relative to the page, with a content hash for caching.
    assert [src and src.split("?")[0] for src in tags.scripts] == [
        f"docs/static/{name}" for name in SCRIPTS
    ]
    assert [href.split("?")[0] for href in tags.stylesheets] == [
        f"docs/static/{name}" for name in STYLESHEETS
    ]
    assert all(
        re.fullmatch(r"docs/static/[\w.-]+\?v=[0-9a-f]{16}", url or "")
        for url in [
            *tags.scripts,
            *tags.stylesheets,
        ]
    )
    assert 'data-spec-url="v1/openapi.json"' in response.text
    head = httpx.head(f"{docs_server.url}/api/docs")
    assert head.status_code == 200 and head.content == b""


def test_assets_are_served_from_the_registry_with_a_long_cache(
    docs_server: ServerProcess,
) -> None:
    page = _page_tags(httpx.get(f"{docs_server.url}/api/docs").text)
    for url in [*page.scripts, *page.stylesheets]:
        response = httpx.get(f"{docs_server.url}/api/{url}")
        assert response.status_code == 200, url
        assert response.headers["cache-control"] == LONG_CACHE_CONTROL
        name = (url or "").split("?")[0].rsplit("/", 1)[1]
        assert response.content == (STATIC_DIR / name).read_bytes()
    for notice in ("LICENSE", "NOTICE", "swagger-ui-bundle.js.LICENSE.txt", "SOURCE.txt"):
        assert httpx.get(f"{docs_server.url}/api/docs/static/{notice}").status_code == 200


def test_unknown_paths_under_the_page_are_json_404s(docs_server: ServerProcess) -> None:
    for path in ("/api/docs/", "/api/docs/static/missing.js", "/api/docs/other"):
        response = httpx.get(f"{docs_server.url}{path}")
        assert response.status_code == 404, path
        assert isinstance(response.json()["detail"], str)


def test_vendored_version_note_matches_the_fetch_script() -> None:
    """SOURCE.txt names the package, version and integrity that fetch.sh pins and checks."""
    script = FETCH_SCRIPT.read_text()
    version = re.search(r'^VERSION="([^"]+)"$', script, re.MULTILINE)
    integrity = re.search(r'^INTEGRITY="([^"]+)"$', script, re.MULTILINE)
    assert version and integrity
    note = (STATIC_DIR / "SOURCE.txt").read_text()
    assert f"swagger-ui-dist {version[1]} " in note
    assert f"Integrity: {integrity[1]}\n" in note
    assert "Apache License" in (STATIC_DIR / "LICENSE").read_text()
