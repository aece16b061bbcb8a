"""Drives the self-hosted GraphiQL in Debian's headless Chromium against a live uvicorn server.

Needs /usr/bin/chromium (apt-get install -y chromium chromium-driver); skipped without it locally,
failed without it under CI=true. Set GRAPHIQL_SCREENSHOT_DIR to keep the screenshots.
"""

import json
import os
import secrets
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.graphiql.cdp import CdpConnection, Tab
from tests.graphiql.chromium import WINDOW_SIZE, headless_chromium, require_chromium
from tests.graphiql.demo_app import build_demo_app
from tests.graphiql.server import serve_on_free_port

QUERY_EDITOR = ".graphiql-query-editor .CodeMirror"
VISIBLE_TOOL_EDITOR = ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror"
HEADERS_TAB = ".graphiql-editor-tools button[data-name='headers']"
RESULT_VIEWER = ".graphiql-response .CodeMirror"
EXECUTE_BUTTON = ".graphiql-execute-button"
DOCS_BUTTON = ".graphiql-sidebar button[aria-label='Show Documentation Explorer']"
DOC_EXPLORER = ".graphiql-doc-explorer"
LOCAL_HOST = "127.0.0.1"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class LiveRegistry:
    base_url: str
    greeting: str
    devtools: CdpConnection


@pytest.fixture(scope="module")
async def live_registry(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[LiveRegistry]:
    require_chromium()
    greeting = f"hello from the registry {secrets.token_hex(6)}"
    work_dir = tmp_path_factory.mktemp("chromium")
    async with (
        serve_on_free_port(build_demo_app(greeting)) as base_url,
        headless_chromium(work_dir) as devtools_url,
    ):
        devtools = await CdpConnection.open(devtools_url)
        try:
            yield LiveRegistry(base_url, greeting, devtools)
        finally:
            await devtools.close()


async def _open_graphiql(live: LiveRegistry) -> Tab:
    tab = await Tab.open(live.devtools, *WINDOW_SIZE)
    await tab.navigate(f"{live.base_url}/graphql")
    await tab.wait_until(f"!!document.querySelector({json.dumps(QUERY_EDITOR)})")
    return tab


async def _set_editor_text(tab: Tab, selector: str, text: str) -> None:
    # CodeMirror 5 keeps its instance on the element; setValue fires the same change events as
    # typing, so GraphiQL's state follows (and typing would fight bracket auto-closing).
    await tab.evaluate(
        f"document.querySelector({json.dumps(selector)}).CodeMirror.setValue({json.dumps(text)})"
    )


async def _set_query(tab: Tab, query: str) -> None:
    await _set_editor_text(tab, QUERY_EDITOR, query)
    # GraphiQL works out the operation name in a debounced change handler; running before it fires
    # would send the previous operation name. The same handler writes the query into the URL
    # (?q=, for sharing links), so that is the signal that the edit has been taken in.
    await tab.wait_until(f"new URLSearchParams(location.search).get('q') === {json.dumps(query)}")


async def _result_when(tab: Tab, expected_fragment: str) -> object:
    text = await tab.wait_until(
        f"document.querySelector({json.dumps(RESULT_VIEWER)}).CodeMirror.getValue()",
        lambda value: isinstance(value, str) and expected_fragment in value,
    )
    return json.loads(text)


async def _save_screenshot(tab: Tab, directory: Path, name: str) -> Path:
    png = await tab.screenshot_png()
    assert png.startswith(PNG_SIGNATURE)
    path = directory / name
    path.write_bytes(png)
    keep_dir = os.environ.get("GRAPHIQL_SCREENSHOT_DIR")
    if keep_dir:
        shutil.copy(path, Path(keep_dir) / name)
    return path


def _assert_only_local_traffic(tab: Tab, base_url: str) -> list[str]:
    """Every request and WebSocket the page opened went to the test server; returns their URLs."""
    server = urlsplit(base_url).netloc
    urls = [event["request"]["url"] for event in tab.events("Network.requestWillBeSent")]
    urls += [event["url"] for event in tab.events("Network.webSocketCreated")]
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            continue
        assert parts.scheme in ("http", "ws"), f"unexpected scheme: {url}"
        assert parts.hostname == LOCAL_HOST, f"the page contacted another host: {url}"
        assert parts.netloc == server, f"the page contacted another local server: {url}"
    failed = [
        event
        for event in tab.events("Network.responseReceived")
        if event["response"]["status"] >= 400
    ]
    assert not failed, [(event["response"]["url"], event["response"]["status"]) for event in failed]
    assert not tab.events("Network.loadingFailed"), tab.events("Network.loadingFailed")
    return urls


def _assert_no_script_errors(tab: Tab) -> None:
    assert not tab.events("Runtime.exceptionThrown"), tab.events("Runtime.exceptionThrown")
    console_errors = [
        event for event in tab.events("Runtime.consoleAPICalled") if event["type"] == "error"
    ]
    assert not console_errors, console_errors


async def test_runs_a_query_in_graphiql_and_shows_the_result(
    live_registry: LiveRegistry, tmp_path: Path
) -> None:
    tab = await _open_graphiql(live_registry)
    query = "query Greeting {\n  hello\n}"
    await _set_query(tab, query)
    await tab.click(EXECUTE_BUTTON)

    result = await _result_when(tab, live_registry.greeting)

    assert result == {"data": {"hello": live_registry.greeting}}
    screenshot = await _save_screenshot(tab, tmp_path, "graphiql-query.png")
    assert screenshot.stat().st_size > 10_000  # a rendered IDE, not a blank page
    urls = _assert_only_local_traffic(tab, live_registry.base_url)
    static = f"{live_registry.base_url}/graphql/static/"
    assert any(url.startswith(static + "graphiql.js?v=") for url in urls)
    assert any(url.startswith(static + "graphiql.css?v=") for url in urls)
    _assert_no_script_errors(tab)


async def test_runs_a_subscription_over_websocket_with_editor_headers(
    live_registry: LiveRegistry, tmp_path: Path
) -> None:
    tab = await _open_graphiql(live_registry)
    await tab.click(HEADERS_TAB)
    await tab.wait_until(
        f"document.querySelector({json.dumps(HEADERS_TAB)}).classList.contains('active')"
    )
    await _set_editor_text(tab, VISIBLE_TOOL_EDITOR, json.dumps({"X-Demo-User": "alice"}))
    await _set_query(tab, "subscription Ticks {\n  ticks(count: 3)\n}")
    await tab.click(EXECUTE_BUTTON)

    result = await _result_when(tab, "tick 3 of 3")

    assert result == {"data": {"ticks": f"tick 3 of 3 for alice: {live_registry.greeting}"}}
    await _save_screenshot(tab, tmp_path, "graphiql-subscription.png")
    urls = _assert_only_local_traffic(tab, live_registry.base_url)
    websocket_url = live_registry.base_url.replace("http://", "ws://") + "/graphql"
    assert websocket_url in urls
    _assert_no_script_errors(tab)


async def test_documentation_explorer_shows_the_live_schema(live_registry: LiveRegistry) -> None:
    tab = await _open_graphiql(live_registry)
    await tab.click(DOCS_BUTTON)

    # The explorer is filled from the server's introspection answer: developers learn the API here.
    docs = await tab.wait_until(
        f"document.querySelector({json.dumps(DOC_EXPLORER)})?.innerText ?? ''",
        lambda text: "subscription: Subscription" in text,
    )

    assert "query: Query" in docs
    _assert_only_local_traffic(tab, live_registry.base_url)
    _assert_no_script_errors(tab)
