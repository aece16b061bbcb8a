"""/api/docs in Debian's headless Chromium (Playwright): Swagger UI renders every operation of
the live OpenAPI document, under the page's strict CSP, without script errors, and without a
single request to anything but the registry itself.

Needs /usr/bin/chromium (skipped without it locally, failed without it under CI=true).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import httpx
from playwright.async_api import ConsoleMessage, Request

from tests.graphiql.chromium import headless_chromium, require_chromium
from tests.process.server import ServerProcess

TIMEOUT_MS = 30_000
OPERATION = ".opblock"
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


async def test_swagger_ui_renders_the_operations_offline(
    docs_server: ServerProcess, tmp_path: Path
) -> None:
    require_chromium()
    async with httpx.AsyncClient() as client:
        document = (await client.get(f"{docs_server.url}/api/v1/openapi.json")).json()
    operations = sum(
        1 for item in document["paths"].values() for method in item if method in HTTP_METHODS
    )
    requests: list[str] = []
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        # CSP violations are console errors too ("Refused to ... Content Security Policy").
        if message.type in ("error", "warning") or "Content Security Policy" in message.text:
            problems.append(f"{message.type}: {message.text}")

    def on_request(request: Request) -> None:
        requests.append(request.url)

    async with headless_chromium(tmp_path) as browser:
        page = await browser.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.on("console", on_console)
        page.on("pageerror", lambda error: problems.append(f"exception: {error}"))
        page.on("request", on_request)
        page.on("requestfailed", lambda r: problems.append(f"failed: {r.url} {r.failure}"))
        page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status}: {r.url}"))

        await page.goto(f"{docs_server.url}/api/docs")
        await page.get_by_text("/api/v1/packages/{name}", exact=True).first.wait_for()
        rendered = await page.locator(OPERATION).count()
        title = await page.locator(".info .title").inner_text()

        # Open one operation: its parameters and responses render from the document too.
        detail = page.locator(".opblock-get", has_text="/api/v1/packages/{name}").first
        await detail.locator(".opblock-summary").click()
        await detail.locator(".parameters").wait_for()
        parameters = await detail.locator(".parameters").inner_text()
        await page.screenshot(path=str(tmp_path / "api-docs.png"), full_page=False)

        # "Try it out" calls the registry from the page, within the CSP's connect-src 'self'.
        health = page.locator(".opblock-get", has_text="/api/v1/health").first
        await health.locator(".opblock-summary").click()
        await health.locator(".try-out__btn").click()
        await health.locator(".execute").click()
        live = health.locator(".live-responses-table tr.response .response-col_status")
        await live.wait_for()
        live_status = (await live.inner_text()).strip()
        live_body = await health.locator(
            ".live-responses-table tr.response .response-col_description pre"
        ).first.inner_text()

    assert rendered == operations > 40
    assert title.startswith(document["info"]["title"])
    assert "name" in parameters
    assert live_status == "200" and '"status": "healthy"' in live_body
    assert problems == []
    server = urlsplit(docs_server.url).netloc
    foreign = [
        url for url in requests if urlsplit(url).netloc != server and not url.startswith("data:")
    ]
    assert foreign == []
    assert f"{docs_server.url}/api/v1/openapi.json" in requests
    assert f"{docs_server.url}/api/v1/health" in requests
