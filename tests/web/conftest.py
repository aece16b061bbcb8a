"""The browser UI (web/) against a live registry, driven by Playwright in Debian's Chromium.

- `registry`: one embedded-default registry (SQLite + folder) for the whole tests/web package:
  10,000 packages bulk-inserted first (bench/discovery_bench.py's scale seeding), then a
  showcase seeded through REST as users would (README, changelog, icon, dependencies, a
  deprecated package, a private one, an artifact with builds per platform), served by uvicorn
  on a free loopback port.
- `browser`: /usr/bin/chromium, headless (never a downloaded browser). `open_page` gives a page
  at a width (375 or 1440 px) and colour scheme, with axe-core injected (tests/web/vendor,
  added as an init script, so the page's CSP does not have to allow it) and a record of every
  GraphQL request, CSP violation and script error.
- `WEB_SCREENSHOTS_DIR`: when set, `UiPage.screenshot` saves full-page PNGs there.

Chromium is required: missing, the tests skip locally and fail under CI=true.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.async_api import Browser, ConsoleMessage, Page, Request, async_playwright

from bench.discovery_bench import bulk_seed
from registry.app import create_app
from registry.config import load_settings
from registry.web_ui import DIST_DIR
from tests.fixtures.stack import Stack, make_jwt, start_stack, stop_stack
from tests.graphiql.chromium import (
    CHROMIUM_FLAGS,
    STARTUP_TIMEOUT_MS,
    _temporary_files_in,
    require_chromium,
)
from tests.graphiql.server import serve_on_free_port
from tests.helpers import create_package, make_publisher, mod_zip, upload_version
from tests.pages.images import png

SCALE_PACKAGES = 10_000
WIDTHS = {"phone": 375, "desktop": 1440}
HEIGHTS = {"phone": 812, "desktop": 900}
SCHEMES = ("light", "dark")
VENDOR = Path(__file__).parent / "vendor"
AXE_SCRIPT = VENDOR / "axe.min.js"
TIMEOUT_MS = 15_000
SCREENSHOTS_ENV = "WEB_SCREENSHOTS_DIR"
MANIFEST = DIST_DIR / "persisted-operations.json"

OWNER = "web-owner"  # publishes the showcase (verified publisher "showcase-team")
STRANGER = "web-stranger"  # another signed-in user
SECRET_OWNER = "web-secret-owner"  # owns the private package
ARTIFACT_OWNER = "web-artifacts"

SHOWCASE = "ShowcaseMod"
HELPER = "ShowcaseHelper"
DEPRECATED = "OldShowcase"
PRIVATE = "SecretShowcase"
ARTIFACT = "ShowcaseDesk"
PUBLISHER = "showcase-team"
README = """# Showcase mod

A mod that shows **everything** a package page has.

- fast
- small

```python
print("hello")
```
"""
CHANGELOG = "# Changelog\n\n## 1.1.0\n\n- Added the second thing.\n"


@dataclass(frozen=True)
class SeededRegistry:
    base_url: str
    stack: Stack
    manifest: dict[str, str]

    def token(self, user_id: str) -> str:
        return make_jwt(user_id, f"user-{user_id}")


async def _check(response: Any, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response


async def seed_showcase(stack: Stack) -> None:
    """Packages seeded the way authors make them: REST uploads, scanned by the registry."""
    client = stack.client
    await make_publisher(OWNER, PUBLISHER)
    await make_publisher(SECRET_OWNER, "secret-team")
    await make_publisher(STRANGER, "stranger-team")
    await _check(
        await create_package(
            client,
            OWNER,
            HELPER,
            display_name="Showcase Helper",
            description="A library the showcase depends on",
            package_type="library",
            categories=["developer-tools"],
        )
    )
    await _check(await upload_version(client, OWNER, HELPER, "2.0.0", mod_zip(HELPER, "2.0.0")))
    await _check(
        await create_package(
            client,
            OWNER,
            SHOWCASE,
            display_name="Showcase Mod",
            description="Shows every part of a package page",
            keywords=["showcase", "demo"],
            categories=["productivity", "ui-widgets"],
            homepage="https://example.com/showcase",
            license="MIT",
        )
    )
    for version, changelog in (("1.0.0", "# Changelog\n\n- First.\n"), ("1.1.0", CHANGELOG)):
        archive = mod_zip(
            SHOWCASE,
            version,
            dependencies=[{"name": HELPER, "version": ">=2.0"}, "requests>=2"],
            extra={
                f"{SHOWCASE}/README.md": README.encode(),
                f"{SHOWCASE}/CHANGELOG.md": changelog.encode(),
                f"{SHOWCASE}/icon.png": png((128, 128)),
            },
        )
        await _check(await upload_version(client, OWNER, SHOWCASE, version, archive))
    await _check(await create_package(client, OWNER, DEPRECATED, description="The old showcase"))
    await _check(
        await upload_version(client, OWNER, DEPRECATED, "0.9.0", mod_zip(DEPRECATED, "0.9.0"))
    )
    await _check(
        await create_package(
            client, SECRET_OWNER, PRIVATE, visibility="private", description="Nobody else sees it"
        )
    )
    await _check(
        await upload_version(client, SECRET_OWNER, PRIVATE, "1.0.0", mod_zip(PRIVATE, "1.0.0"))
    )
    await stack.drain_jobs()
    await _check(
        await client.patch(
            f"/api/v1/packages/{DEPRECATED}",
            headers={"Authorization": f"Bearer {make_jwt(OWNER)}"},
            json={
                "status": "deprecated",
                "deprecation_message": "Replaced by the new showcase.",
                "successor": SHOWCASE,
            },
        ),
        200,
    )
    await seed_artifact(stack)


async def seed_artifact(stack: Stack) -> None:
    from tests.rest.test_artifacts import create_artifact, payload, upload_build

    client = stack.client
    await make_publisher(ARTIFACT_OWNER, "desk-team", artifacts=True)
    await _check(await create_artifact(client, ARTIFACT_OWNER, ARTIFACT))
    for platform, architecture in (("windows", "x64"), ("linux", "x64"), ("macos", "arm64")):
        await _check(
            await upload_build(
                client,
                ARTIFACT_OWNER,
                ARTIFACT,
                "3.0.0",
                platform,
                architecture,
                payload(f"{platform}-{architecture}"),
                filename=f"desk-{platform}.zip",
            )
        )


@pytest.fixture(scope="package")
async def registry(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SeededRegistry]:
    require_chromium()
    tmp = tmp_path_factory.mktemp("web-registry")
    # The embedded default's own database URL for this data dir, filled before the registry
    # starts (bulk_seed opens and closes its own connection).
    await bulk_seed(load_settings({"DATA_DIR": str(tmp)}).database_url, SCALE_PACKAGES)
    stack, _ = await start_stack("embedded", tmp, None, rate_limit_enabled=False)
    try:
        await seed_showcase(stack)
        manifest = json.loads(MANIFEST.read_text())
        app = create_app(stack.settings, runtime=stack.runtime)
        async with serve_on_free_port(app) as base_url:
            yield SeededRegistry(base_url, stack, manifest)
    finally:
        await stop_stack(stack, None)


@pytest.fixture(scope="package")
async def browser(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Browser]:
    binary = require_chromium()
    work_dir = tmp_path_factory.mktemp("chromium")
    with _temporary_files_in(work_dir):
        playwright = await async_playwright().start()
    try:
        launched = await playwright.chromium.launch(
            executable_path=binary,
            headless=True,
            chromium_sandbox=False,  # CI runs as root, where the sandbox refuses to start
            args=CHROMIUM_FLAGS,
            env={**os.environ, "TMPDIR": str(work_dir)},
            timeout=STARTUP_TIMEOUT_MS,
        )
        try:
            yield launched
        finally:
            await launched.close()
    finally:
        await playwright.stop()


@dataclass(frozen=True)
class GraphQLCall:
    method: str
    operation_name: str | None
    hash: str | None
    query: str | None
    authorized: bool


def graphql_call(request: Request) -> GraphQLCall | None:
    if urlsplit(request.url).path != "/graphql":
        return None
    if request.method == "GET":
        params = {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}
    else:
        try:
            params = json.loads(request.post_data or "{}")
        except json.JSONDecodeError:  # multipart uploads: the operations part
            params = {}
    extensions = params.get("extensions") or {}
    if isinstance(extensions, str):
        extensions = json.loads(extensions)
    persisted = extensions.get("persistedQuery") or {}
    return GraphQLCall(
        method=request.method,
        operation_name=params.get("operationName"),
        hash=persisted.get("sha256Hash"),
        query=params.get("query"),
        authorized="authorization" in request.headers,
    )


@dataclass
class UiPage:
    """A page of the UI and what it did."""

    page: Page
    base_url: str
    width_name: str
    scheme: str
    graphql: list[GraphQLCall] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base_url + path

    async def goto(self, path: str) -> None:
        await self.page.goto(self.url(path), wait_until="domcontentloaded")

    async def main_text(self) -> str:
        return await self.page.locator("main").inner_text()

    async def axe_violations(self) -> list[dict[str, Any]]:
        """Serious and critical findings of axe-core on the page as it is now."""
        found = await self.page.evaluate(
            """async () => {
                const result = await window.axe.run(document, { resultTypes: ['violations'] });
                return result.violations.map((v) => ({
                    id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
                }));
            }"""
        )
        return [v for v in found if v["impact"] in ("serious", "critical")]

    async def horizontal_overflow(self) -> int:
        """Pixels the page is wider than the window (0: no sideways scrolling)."""
        return int(
            await self.page.evaluate(
                "() => document.documentElement.scrollWidth - window.innerWidth"
            )
        )

    async def screenshot(self, name: str) -> Path | None:
        directory = os.environ.get(SCREENSHOTS_ENV)
        if not directory:
            return None
        path = Path(directory) / f"{name}-{WIDTHS[self.width_name]}-{self.scheme}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        await self.page.screenshot(path=str(path), full_page=True)
        return path

    def assert_clean(self) -> None:
        assert self.csp_violations == [], self.csp_violations
        assert self.errors == [], self.errors


OpenPage = Callable[..., Any]


@pytest.fixture
def open_page(registry: SeededRegistry, browser: Browser) -> Callable[..., Any]:
    """`async with open_page(width="phone", scheme="dark", token=None) as ui:` a fresh browser
    context (own sessionStorage) with the token, if any, already signed in."""

    @asynccontextmanager
    async def opener(
        width: str = "desktop", scheme: str = "light", token: str | None = None
    ) -> AsyncIterator[UiPage]:
        context = await browser.new_context(
            viewport={"width": WIDTHS[width], "height": HEIGHTS[width]},
            color_scheme=scheme,  # type: ignore[arg-type]
            base_url=registry.base_url,
        )
        try:
            await context.add_init_script(path=str(AXE_SCRIPT))
            if token:
                await context.add_init_script(
                    f"sessionStorage.setItem('tb-registry.token', {json.dumps(token)});"
                )
            page = await context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            ui = UiPage(page, registry.base_url, width, scheme)

            def on_request(request: Request) -> None:
                call = graphql_call(request)
                if call:
                    ui.graphql.append(call)

            def on_console(message: ConsoleMessage) -> None:
                if "Content Security Policy" in message.text:
                    ui.csp_violations.append(message.text)
                elif message.type == "error" and "status of 404" not in message.text:
                    ui.errors.append(message.text)

            page.on("request", on_request)
            page.on("console", on_console)
            page.on("pageerror", lambda error: ui.errors.append(str(error)))
            yield ui
        finally:
            await context.close()

    return opener


@dataclass(frozen=True)
class PageCase:
    """A page of the UI: its screenshot name, its URL, and what must show on it."""

    name: str
    path: str
    check: Callable[[UiPage], Awaitable[None]]


async def review_pages(
    ui: UiPage, pages: Sequence[PageCase], *, shot_prefix: str = ""
) -> dict[str, object]:
    """Each page loaded and checked, then screenshot, axe and sideways overflow: what was found
    wrong, by page (empty when all is well)."""
    findings: dict[str, object] = {}
    for case in pages:
        await ui.goto(case.path)
        await case.check(ui)
        await ui.screenshot(f"{shot_prefix}{case.name}")
        violations = await ui.axe_violations()
        if violations:
            findings[f"{case.name} axe"] = violations
        overflow = await ui.horizontal_overflow()
        if overflow > 0:
            findings[f"{case.name} overflow"] = f"{overflow}px wider than the window"
    return findings


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
