"""What the UI does beyond rendering: persisted GraphQL only, private packages stay invisible,
URLs restore pages and Back works, signing in (and being sent back to sign in), and the
1-second target for the search and package pages with 10,000 packages."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs, quote, urlsplit

from playwright.async_api import Route, expect

from domain.models import Package
from tests.web.conftest import (
    ARTIFACT,
    OWNER,
    PRIVATE,
    PUBLISHER,
    SECRET_OWNER,
    SHOWCASE,
    STRANGER,
    OpenPage,
    SeededRegistry,
    UiPage,
    sha256_hex,
)

QUERY_OPERATIONS = {"Home", "Search", "PackagePage", "PublisherPage", "Viewer"}
CONTENT_DEADLINE_SECONDS = 1.0


async def _tour(ui: UiPage) -> None:
    """The players' pages, by URL and by clicking."""
    await ui.goto("/")
    await expect(ui.page.get_by_role("heading", name="Popular")).to_be_visible()
    await ui.page.get_by_role("searchbox", name="Search packages").fill("showcase")
    await ui.page.get_by_role("button", name="Search").click()
    await expect(ui.page.get_by_role("link", name="Showcase Mod", exact=True)).to_be_visible()
    await ui.page.get_by_role("link", name="Showcase Mod", exact=True).click()
    await expect(ui.page.locator(".readme")).to_be_visible()
    await ui.goto(f"/publishers/{PUBLISHER}")
    await expect(ui.page.get_by_role("link", name="Showcase Helper", exact=True)).to_be_visible()
    await ui.goto(f"/packages/{ARTIFACT}")
    await expect(ui.page.locator(".build-list")).to_be_visible()


async def test_every_graphql_request_is_a_persisted_query(
    open_page: OpenPage, registry: SeededRegistry
) -> None:
    for token in (None, registry.token(OWNER)):
        async with open_page(token=token) as ui:
            await _tour(ui)
            ui.assert_clean()
        names = {call.operation_name for call in ui.graphql}
        assert QUERY_OPERATIONS - {"Viewer"} <= names, names
        if token:
            assert "Viewer" in names
        for call in ui.graphql:
            assert call.hash, call
            assert call.hash in registry.manifest, f"{call.operation_name}: not in the manifest"
            if call.query is not None:
                assert sha256_hex(call.query) == call.hash
            assert call.method == "GET", call  # queries only on these pages
            assert call.authorized == bool(token), call
        # The server knows every operation from the build's manifest: the hash alone is
        # enough, and no document text is sent.
        assert [c for c in ui.graphql if c.query is not None] == []


async def test_private_packages_look_exactly_like_missing_ones(
    open_page: OpenPage, registry: SeededRegistry
) -> None:
    seen: dict[str | None, tuple[str, str, str]] = {}
    for user in (None, STRANGER, SECRET_OWNER):
        token = registry.token(user) if user else None
        async with open_page(token=token) as ui:
            await ui.goto(f"/packages/{PRIVATE}")
            if user:
                await expect(ui.page.get_by_text(f"Signed in as user-{user}")).to_be_visible()
            await expect(ui.page.locator("main h1")).to_be_visible()
            private_text, private_title = await ui.main_text(), await ui.page.title()
            await ui.goto(f"/search?q={PRIVATE}")
            await expect(ui.page.locator("#results-heading")).not_to_have_text("Packages")
            search_text = await ui.main_text()
            await ui.goto("/packages/NoSuchPackageAnywhere")
            await expect(ui.page.locator("main h1")).to_be_visible()
            missing = (await ui.main_text(), await ui.page.title())
            seen[user] = (private_text, search_text, repr(missing == (private_text, private_title)))
            ui.assert_clean()
    for user in (None, STRANGER):
        private_text, search_text, same_as_missing = seen[user]
        assert same_as_missing == "True", (user, private_text)
        assert PRIVATE not in private_text
        assert PRIVATE.lower() not in search_text.lower().replace(f"“{PRIVATE.lower()}”", "")
        assert "Nobody else sees it" not in search_text
    # The owner does see it: the checks above can tell the two apart.
    owner_page, owner_search, owner_same = seen[SECRET_OWNER]
    assert owner_same == "False"
    assert "Nobody else sees it" in owner_page and "Private" in owner_page
    assert PRIVATE in owner_search


async def test_urls_restore_pages_and_back_works(open_page: OpenPage) -> None:
    async with open_page(width="phone") as ui:
        page = ui.page
        await ui.goto("/")
        await page.get_by_role("link", name="Developer tools").first.click()
        await expect(page).to_have_url(ui.url("/search?category=developer-tools"))
        await page.get_by_label("Sort by").select_option("NAME")
        await expect(page).to_have_url(ui.url("/search?category=developer-tools&sort=NAME"))
        first = page.get_by_role("list", name="Search results").get_by_role("link").first
        first_name = await first.inner_text()
        await page.get_by_role("link", name="Next page").click()
        await expect(page.get_by_role("heading", name="page 2")).to_be_visible()
        page_two_url = page.url
        second_first = await first.inner_text()
        assert second_first != first_name
        await page.go_back()
        await expect(first).to_have_text(first_name)
        await page.go_forward()
        await expect(first).to_have_text(second_first)
        # The same URL in a fresh tab shows the same page.
        fresh = await page.context.new_page()
        await fresh.goto(page_two_url)
        await expect(
            fresh.get_by_role("list", name="Search results").get_by_role("link").first
        ).to_have_text(second_first)
        await fresh.close()
        await page.get_by_role("link", name="Previous page").click()
        await expect(first).to_have_text(first_name)
        await page.go_back()
        await page.go_back()
        await page.go_back()
        await expect(page).to_have_url(ui.url("/search?category=developer-tools"))
        await expect(page.get_by_label("Sort by")).to_have_value("RELEVANCE")
        ui.assert_clean()


async def test_sign_in_returns_to_the_page_and_a_refused_token_comes_back_to_sign_in(
    open_page: OpenPage, registry: SeededRegistry
) -> None:
    back_to = "/search?q=showcase&sort=NAME"
    async with open_page() as ui:
        page = ui.page
        await ui.goto(back_to)
        await page.get_by_role("link", name="Sign in", exact=True).click()
        await expect(page).to_have_url(ui.url(f"/signin?next={quote(back_to, safe='')}"))
        await page.get_by_label("Token").fill("tbr_not-a-real-token")
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.get_by_role("alert")).to_contain_text("did not accept")
        token = registry.token(OWNER)
        await page.get_by_label("Token").fill(token)
        await page.get_by_role("button", name="Sign in").click()
        await expect(page).to_have_url(ui.url(back_to))
        await expect(page.get_by_text(f"Signed in as user-{OWNER}")).to_be_visible()
        stored = await page.evaluate("() => sessionStorage.getItem('tb-registry.token')")
        assert stored == token
        assert await page.context.cookies() == []
        await page.get_by_role("button", name="Sign out").click()
        assert await page.evaluate("() => sessionStorage.getItem('tb-registry.token')") is None
    # A token the registry no longer accepts (here: signed with another secret, as after a
    # rotation) sends the visitor to sign-in, and back to the same page afterwards.
    expired = registry.token(OWNER)[:-4] + "AAAA"
    async with open_page(token=expired) as ui:
        page = ui.page
        await ui.goto(back_to)
        await expect(page).to_have_url(ui.url(f"/signin?next={quote(back_to, safe='')}&expired=1"))
        await expect(page.get_by_text("refused or has expired")).to_be_visible()
        await page.get_by_label("Token").fill(registry.token(OWNER))
        await page.get_by_role("button", name="Sign in").click()
        await expect(page).to_have_url(ui.url(back_to))
        await expect(page.get_by_label("Sort by")).to_have_value("NAME")


async def _time_to_content(ui: UiPage, path: str, selector: str) -> float:
    started = time.perf_counter()
    await ui.page.goto(ui.url(path), wait_until="commit")
    await ui.page.locator(selector).first.wait_for(state="visible")
    return time.perf_counter() - started


async def test_search_and_package_pages_show_content_within_a_second(
    open_page: OpenPage, registry: SeededRegistry
) -> None:
    assert await Package.all().count() >= 10_000
    async with open_page() as ui:
        await ui.goto("/")  # the bundle is cached, as for any second page of a visit
        await expect(ui.page.get_by_role("heading", name="Popular")).to_be_visible()
        timings = {}
        for label, path, selector in (
            ("search", "/search?q=newsletter", "ul[aria-label='Search results'] li"),
            (
                "search-facet",
                "/search?category=productivity&sort=UPDATED",
                "ul[aria-label='Search results'] li",
            ),
            ("package", f"/packages/{SHOWCASE}", ".readme"),
        ):
            # Best of three: one slow run on a shared machine is not the page's speed.
            timings[label] = min([await _time_to_content(ui, path, selector) for _ in range(3)])
        # Client-side navigation (no page load): from a search result to its package.
        clicks = []
        for _ in range(3):
            await ui.goto("/search?q=newsletter")
            results = ui.page.get_by_role("list", name="Search results")
            link = results.get_by_role("link").first
            await link.wait_for(state="visible")
            started = time.perf_counter()
            await link.click()
            await ui.page.locator(".package-main").wait_for(state="visible")
            clicks.append(time.perf_counter() - started)
        timings["click-to-package"] = min(clicks)
        ui.assert_clean()
    print("seconds from navigation to content:", {k: round(v, 3) for k, v in timings.items()})
    slow = {k: round(v, 3) for k, v in timings.items() if v >= CONTENT_DEADLINE_SECONDS}
    assert slow == {}, timings


async def test_the_pages_work_from_the_keyboard(open_page: OpenPage) -> None:
    async with open_page(width="phone", scheme="dark") as ui:
        page = ui.page
        await ui.goto("/")
        await expect(page.get_by_role("heading", name="Popular")).to_be_visible()
        await page.keyboard.press("Tab")
        skip = page.get_by_role("link", name="Skip to content")
        await expect(skip).to_be_focused()
        await page.keyboard.press("Enter")
        await expect(page.locator("main")).to_be_focused()
        # From the main content, the search box is the first control.
        await page.keyboard.press("Tab")
        await expect(page.get_by_role("searchbox", name="Search packages")).to_be_focused()
        await page.keyboard.type("showcase")
        await page.keyboard.press("Enter")
        await expect(page).to_have_url(ui.url("/search?q=showcase"))
        result = page.get_by_role("list", name="Search results").get_by_role(
            "link", name="Showcase Mod"
        )
        await result.focus()
        await page.keyboard.press("Enter")
        await expect(page.locator(".package-main")).to_be_visible()
        # After a client-side navigation, focus starts at the new page's content.
        await expect(page.locator("main")).to_be_focused()
        # A version's details open and close with the keyboard.
        older = page.locator(".version-item summary").nth(1)
        await older.focus()
        await page.keyboard.press("Enter")
        await expect(page.locator(".version-item details").nth(1)).to_have_attribute("open", "")
        # Every focused control shows where focus is (an outline of the focus colour).
        await page.get_by_role("button", name="Copy").focus()
        outline = await page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
        assert outline == "solid"
        ui.assert_clean()


def _refusing_hash_only(
    status: int, error: dict[str, object], refused: list[str]
) -> Callable[[Route], Awaitable[None]]:
    """A route handler answering `error` to GraphQL GETs that carry no document text."""

    async def handle(route: Route) -> None:
        if "query=" in route.request.url:
            await route.continue_()
            return
        # By operation: the pages' other queries (e.g. the package's download chart) are
        # refused too, but when they fire is not what this test is about.
        if parse_qs(urlsplit(route.request.url).query).get("operationName") in (
            ["Search"],
            ["PackagePage"],
        ):
            refused.append(route.request.url)
        await route.fulfill(status=status, json={"errors": [error]})

    return handle


async def test_the_client_sends_the_text_when_the_server_does_not_know_the_hash(
    open_page: OpenPage,
) -> None:
    """Against a server that lost its persisted queries (PERSISTED_QUERY_NOT_FOUND), and one
    without persisted queries at all (it asks for a query), every page still loads: the
    client repeats the request with the document text (under the same hash)."""
    answers: dict[str, tuple[int, dict[str, object]]] = {
        "not-found": (
            200,
            {
                "message": "PersistedQueryNotFound",
                "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
            },
        ),
        "no-apq": (400, {"message": "No GraphQL query found in the request"}),
    }
    for label, (status, error) in answers.items():
        async with open_page() as ui:
            refused: list[str] = []

            handler = _refusing_hash_only(status, error, refused)
            await ui.page.route("**/graphql?*", handler)
            await ui.goto("/search?q=showcase")
            await expect(
                ui.page.get_by_role("link", name="Showcase Mod", exact=True)
            ).to_be_visible()
            await ui.page.get_by_role("link", name="Showcase Mod", exact=True).click()
            await expect(ui.page.locator(".readme")).to_be_visible()
            with_text = [call for call in ui.graphql if call.query is not None]
            assert {call.operation_name for call in with_text} >= {"Search", "PackagePage"}
            assert all(sha256_hex(call.query or "") == call.hash for call in with_text)
            if label == "not-found":  # asks by hash each time, then sends the text
                assert len(refused) == 2, (label, refused)
            else:  # learns that the server has no persisted queries and sends the text at once
                assert len(refused) == 1, (label, refused)
                # Chromium logs the simulated 400 itself; nothing else may fail.
                ui.errors[:] = [e for e in ui.errors if "status of 400" not in e]
            ui.assert_clean()
