"""Every players' page renders its real data at 375 and 1440 px, in light and dark mode,
without a serious or critical axe-core finding, sideways scrolling, CSP violation or script
error; screenshots go to $WEB_SCREENSHOTS_DIR when it is set."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.web.conftest import (
    ARTIFACT,
    DEPRECATED,
    HELPER,
    PUBLISHER,
    SCHEMES,
    SHOWCASE,
    WIDTHS,
    OpenPage,
    PageCase,
    UiPage,
    review_pages,
)


async def _home(ui: UiPage) -> None:
    page = ui.page
    await expect(page.get_by_role("heading", name="Popular")).to_be_visible()
    await expect(
        page.get_by_role("list", name="Popular packages").get_by_role("link").first
    ).to_be_visible()
    await expect(page.get_by_role("heading", name="Categories")).to_be_visible()
    await expect(page.get_by_role("link", name="Productivity")).to_be_visible()
    await expect(page.get_by_role("list", name="New packages")).to_be_visible()
    await expect(page.get_by_role("list", name="Recently updated packages")).to_be_visible()
    await expect(page.get_by_role("searchbox", name="Search packages")).to_be_visible()


async def open_filters(ui: UiPage) -> None:
    """On a phone the filters are folded away under one "Filters" disclosure."""
    toggle = ui.page.locator("summary", has_text="Filters")
    if ui.width_name == "phone":
        await toggle.click()
    else:
        await expect(toggle).to_be_hidden()


async def _search(ui: UiPage) -> None:
    await open_filters(ui)
    results = ui.page.get_by_role("list", name="Search results")
    await expect(results.get_by_role("link", name="Showcase Mod", exact=True)).to_be_visible()
    await expect(ui.page.get_by_role("heading", name="Type")).to_be_visible()
    await expect(ui.page.get_by_label("Sort by")).to_be_visible()


async def _search_filtered(ui: UiPage) -> None:
    page = ui.page
    await expect(page.locator("summary", has_text="Filters (1 active)")).to_have_count(1)
    await open_filters(ui)
    await expect(page.get_by_role("heading", name="Category")).to_be_visible()
    active = page.locator("a.facet-value[aria-current='true']")
    await expect(active).to_contain_text("Developer tools")
    await expect(page.get_by_role("link", name="Next page")).to_be_visible()
    await expect(page.get_by_label("Sort by")).to_have_value("DOWNLOADS")


async def _package(ui: UiPage) -> None:
    page = ui.page
    await expect(page.locator("h1")).to_have_count(1)
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Showcase Mod")
    await expect(page.locator(".readme")).to_contain_text("A mod that shows everything")
    await expect(page.locator(".readme strong")).to_have_text("everything")
    await expect(page.get_by_label("Install command")).to_have_text(
        f"tb -c CloudM ModManager install {SHOWCASE}"
    )
    await expect(page.get_by_role("link", name="Download 1.1.0 (")).to_be_visible()
    icon = page.locator(".package-header img.package-icon")
    await expect(icon).to_be_visible()
    assert await icon.evaluate("(img) => img.naturalWidth") > 0
    latest = page.locator(".version-item").first
    await expect(latest).to_contain_text("1.1.0")
    await expect(latest.get_by_role("link", name=HELPER)).to_have_attribute(
        "href", f"/packages/{HELPER}"
    )
    await expect(latest.locator(".prose")).to_contain_text("Added the second thing")
    await expect(
        page.locator(".package-sidebar").get_by_role("link", name="Publisher web-owner")
    ).to_have_attribute("href", f"/publishers/{PUBLISHER}")
    await expect(page.locator(".package-sidebar .badge-verified")).to_be_visible()
    await expect(page.locator(".package-sidebar")).to_contain_text("Downloads")
    await expect(
        page.locator(".package-sidebar").get_by_role("link", name="UI widgets")
    ).to_have_attribute("href", "/search?category=ui-widgets")
    await expect(
        page.locator(".package-sidebar").get_by_role("link", name="example.com/showcase")
    ).to_have_attribute("href", "https://example.com/showcase")


async def _deprecated(ui: UiPage) -> None:
    banner = ui.page.locator(".notice-warning")
    await expect(banner).to_contain_text("This package is deprecated")
    await expect(banner).to_contain_text("Replaced by the new showcase.")
    await expect(banner.get_by_role("link", name=SHOWCASE)).to_have_attribute(
        "href", f"/packages/{SHOWCASE}"
    )


async def _artifact(ui: UiPage) -> None:
    builds = ui.page.locator(".build-list .build")
    await expect(builds).to_have_count(3)
    # Chromium on Linux: the visitor's platform comes first.
    await expect(builds.first).to_contain_text("Linux")
    await expect(builds.first).to_contain_text("your platform")
    href = await builds.first.get_by_role("link").get_attribute("href")
    assert href and "linux" in href, href


async def _publisher(ui: UiPage) -> None:
    page = ui.page
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Publisher web-owner")
    await expect(page.locator("h1 .badge-verified")).to_be_visible()
    listing = page.get_by_role("list", name="Packages by Publisher web-owner")
    await expect(listing.get_by_role("link", name="Showcase Mod", exact=True)).to_be_visible()
    await expect(listing.get_by_role("link", name="Showcase Helper", exact=True)).to_be_visible()


async def _not_found(ui: UiPage) -> None:
    await expect(ui.page.get_by_role("heading", name="Not found")).to_be_visible()
    await expect(ui.page.get_by_role("link", name="Browse packages", exact=True)).to_be_visible()


async def _sign_in(ui: UiPage) -> None:
    await expect(ui.page.get_by_label("Token")).to_be_visible()
    await expect(ui.page.get_by_text("tbr_")).to_be_visible()


PAGES = [
    PageCase("home", "/", _home),
    PageCase("search", "/search?q=showcase", _search),
    PageCase(
        "search-filtered", "/search?category=developer-tools&sort=DOWNLOADS", _search_filtered
    ),
    PageCase("package", f"/packages/{SHOWCASE}", _package),
    PageCase("package-deprecated", f"/packages/{DEPRECATED}", _deprecated),
    PageCase("package-artifact", f"/packages/{ARTIFACT}", _artifact),
    PageCase("publisher", f"/publishers/{PUBLISHER}", _publisher),
    PageCase("not-found", "/packages/NoSuchPackageAnywhere", _not_found),
    PageCase("sign-in", "/signin", _sign_in),
]


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", list(WIDTHS))
async def test_every_page_renders_accessibly(open_page: OpenPage, width: str, scheme: str) -> None:
    async with open_page(width=width, scheme=scheme) as ui:
        findings = await review_pages(ui, PAGES)
        ui.assert_clean()
    assert findings == {}
