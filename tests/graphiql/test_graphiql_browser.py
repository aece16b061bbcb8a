"""Drives the self-hosted GraphiQL in Debian's headless Chromium (through Playwright) against a
live uvicorn server.

Needs /usr/bin/chromium (apt-get install -y chromium; scripts/test does it); skipped without it
locally, failed without it under CI=true. Set GRAPHIQL_SCREENSHOT_DIR to keep the screenshots.
"""

import json
import os
import secrets
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.async_api import BrowserContext, ConsoleMessage, Page, Request, Response

from tests.graphiql.chromium import headless_chromium, require_chromium
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
TIMEOUT_MS = 30_000


@dataclass(frozen=True)
class LiveRegistry:
    base_url: str
    greeting: str
    browser: BrowserContext


@pytest.fixture(scope="module")
async def live_registry(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[LiveRegistry]:
    require_chromium()
    greeting = f"hello from the registry {secrets.token_hex(6)}"
    work_dir = tmp_path_factory.mktemp("chromium")
    async with (
        serve_on_free_port(build_demo_app(greeting)) as base_url,
        headless_chromium(work_dir) as browser,
    ):
        yield LiveRegistry(base_url, greeting, browser)


@dataclass
class Tab:
    """A page and what it did: requests, WebSockets, answers, failures, script errors."""

    page: Page
    requests: list[str] = field(default_factory=list)
    websockets: list[str] = field(default_factory=list)
    failed_responses: list[tuple[str, int]] = field(default_factory=list)
    failed_loads: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    @classmethod
    async def open(cls, browser: BrowserContext) -> "Tab":
        tab = cls(await browser.new_page())
        tab.page.set_default_timeout(TIMEOUT_MS)
        tab.page.on("request", lambda request: tab.requests.append(request.url))
        tab.page.on("websocket", lambda socket: tab.websockets.append(socket.url))
        tab.page.on("response", tab._response)
        tab.page.on("requestfailed", tab._failed)
        tab.page.on("pageerror", lambda error: tab.exceptions.append(str(error)))
        tab.page.on("console", tab._console)
        return tab

    def _response(self, response: Response) -> None:
        if response.status >= 400:
            self.failed_responses.append((response.url, response.status))

    def _failed(self, request: Request) -> None:
        self.failed_loads.append(f"{request.url}: {request.failure}")

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)


async def _open_graphiql(live: LiveRegistry) -> Tab:
    tab = await Tab.open(live.browser)
    await tab.page.goto(f"{live.base_url}/graphql")
    await tab.page.wait_for_selector(QUERY_EDITOR)
    return tab


async def _set_editor_text(tab: Tab, selector: str, text: str) -> None:
    # CodeMirror 5 keeps its instance on the element; setValue fires the same change events as
    # typing, so GraphiQL's state follows (and typing would fight bracket auto-closing).
    await tab.page.eval_on_selector(
        selector, "(element, text) => element.CodeMirror.setValue(text)", text
    )


async def _set_query(tab: Tab, query: str) -> None:
    await _set_editor_text(tab, QUERY_EDITOR, query)
    # GraphiQL works out the operation name in a debounced change handler; running before it fires
    # would send the previous operation name. The same handler writes the query into the URL
    # (?q=, for sharing links), so that is the signal that the edit has been taken in.
    await tab.page.wait_for_function(
        "query => new URLSearchParams(location.search).get('q') === query", arg=query
    )


async def _result_when(tab: Tab, expected_fragment: str) -> object:
    answer = await tab.page.wait_for_function(
        """([selector, fragment]) => {
            const text = document.querySelector(selector).CodeMirror.getValue();
            return text.includes(fragment) && text;
        }""",
        arg=[RESULT_VIEWER, expected_fragment],
    )
    return json.loads(await answer.json_value())


async def _save_screenshot(tab: Tab, directory: Path, name: str) -> Path:
    png = await tab.page.screenshot()
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
    urls = tab.requests + tab.websockets
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            continue
        assert parts.scheme in ("http", "ws"), f"unexpected scheme: {url}"
        assert parts.hostname == LOCAL_HOST, f"the page contacted another host: {url}"
        assert parts.netloc == server, f"the page contacted another local server: {url}"
    assert not tab.failed_responses, tab.failed_responses
    assert not tab.failed_loads, tab.failed_loads
    return urls


def _assert_no_script_errors(tab: Tab) -> None:
    assert not tab.exceptions, tab.exceptions
    assert not tab.console_errors, tab.console_errors


async def test_runs_a_query_in_graphiql_and_shows_the_result(
    live_registry: LiveRegistry, tmp_path: Path
) -> None:
    tab = await _open_graphiql(live_registry)
    query = "query Greeting {\n  hello\n}"
    await _set_query(tab, query)
    await tab.page.click(EXECUTE_BUTTON)

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
    await tab.page.click(HEADERS_TAB)
    await tab.page.wait_for_selector(f"{HEADERS_TAB}.active")
    await _set_editor_text(tab, VISIBLE_TOOL_EDITOR, json.dumps({"X-Demo-User": "alice"}))
    await _set_query(tab, "subscription Ticks {\n  ticks(count: 3)\n}")
    await tab.page.click(EXECUTE_BUTTON)

    result = await _result_when(tab, "tick 3 of 3")

    assert result == {"data": {"ticks": f"tick 3 of 3 for alice: {live_registry.greeting}"}}
    await _save_screenshot(tab, tmp_path, "graphiql-subscription.png")
    urls = _assert_only_local_traffic(tab, live_registry.base_url)
    websocket_url = live_registry.base_url.replace("http://", "ws://") + "/graphql"
    assert websocket_url in urls
    _assert_no_script_errors(tab)


async def test_documentation_explorer_shows_the_live_schema(live_registry: LiveRegistry) -> None:
    tab = await _open_graphiql(live_registry)
    await tab.page.click(DOCS_BUTTON)

    # The explorer is filled from the server's introspection answer: developers learn the API here.
    explored = await tab.page.wait_for_function(
        """([selector, expected]) => {
            const text = document.querySelector(selector)?.innerText ?? '';
            return text.includes(expected) && text;
        }""",
        arg=[DOC_EXPLORER, "subscription: Subscription"],
    )
    docs = await explored.json_value()

    assert "query: Query" in docs
    _assert_only_local_traffic(tab, live_registry.base_url)
    _assert_no_script_errors(tab)
