"""Issue #18 on the package page (tests/web/conftest.py's seeded registry): the download chart
draws the counted downloads (30 days by day; 12 weeks, 12 months on a switch) with the same
numbers in an image label and a hidden table, in light and dark at 375 and 1440 px without a
serious axe finding or sideways scrolling and without a CSP violation (it is SVG attributes and
classes only); the page and the document point to their Atom feeds; a changelog that opens
with its own "# Changelog" shows that heading once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from playwright.async_api import expect

from domain import download_counts
from domain.models import PackageVersion
from tests.helpers import mod_zip, upload_version
from tests.web.charts import downloads_drawn, expect_chart_drawn
from tests.web.conftest import (
    SCHEMES,
    SHOWCASE,
    WIDTHS,
    OpenPage,
    PageCase,
    SeededRegistry,
    UiPage,
    review_pages,
)
from tests.web.fixtures_authors import make_author

CHARTED = "ChartedMod"
CHART_OWNER = "web-chart-owner"
TODAY = datetime.now(UTC).date()
# Downloads counted on days before today: within the last 30 days, and one day only the
# 12-week view reaches.
COUNTED = {TODAY: 4, TODAY - timedelta(days=3): 7, TODAY - timedelta(days=12): 2}
OLDER = {TODAY - timedelta(days=45): 5}
IN_30_DAYS = sum(COUNTED.values())


@pytest.fixture(scope="module")
async def charted(registry: SeededRegistry) -> SeededRegistry:
    """A package with downloads counted on chosen days through the registry's own counter
    (as downloads on those days would have been), flushed to the daily rows."""
    await make_author(registry, CHART_OWNER, "chart-team", [CHARTED])
    response = await upload_version(
        registry.stack.client, CHART_OWNER, CHARTED, "1.0.0", mod_zip(CHARTED, "1.0.0")
    )
    assert response.status_code == 201, response.text
    await registry.stack.drain_jobs()
    version = await PackageVersion.get(package__name=CHARTED, version="1.0.0")
    counter = registry.stack.ctx.downloads
    with pytest.MonkeyPatch.context() as patch:
        for day, n in {**COUNTED, **OLDER}.items():
            number = (day - date(1970, 1, 1)).days
            patch.setattr(download_counts, "day_number", lambda number=number: number)
            for _ in range(n):
                counter.count_version(version.package_id, version.id)
    await counter.flush()
    return registry


async def _chart_drawn(ui: UiPage) -> None:
    await expect_chart_drawn(ui, today=TODAY, total=IN_30_DAYS, peak=7)


async def test_the_chart_shows_the_counted_downloads(
    charted: SeededRegistry, open_page: OpenPage
) -> None:
    async with open_page() as ui:
        await ui.goto(f"/packages/{CHARTED}")
        await _chart_drawn(ui)
        section = ui.page.locator(".download-chart")
        await expect(section.locator(".chart-total")).to_contain_text(f"{IN_30_DAYS} in the last")
        assert await downloads_drawn(section) == {day.isoformat(): n for day, n in COUNTED.items()}
        # The tallest bar is the busiest day; a day without downloads draws nothing.
        tallest = section.locator('rect[data-downloads="7"]')
        assert float(await tallest.get_attribute("height") or 0) > float(
            await section.locator('rect[data-downloads="4"]').get_attribute("height") or 0
        )
        assert (
            float(
                await section.locator('rect[data-downloads="0"]').first.get_attribute("height") or 1
            )
            == 0
        )
        # Screen readers get the numbers as a table.
        table = section.locator("table")
        await expect(table.locator("tr", has_text=TODAY.isoformat())).to_contain_text("4")
        await expect(table.locator("tbody tr")).to_have_count(30)

        # 12 weeks reach the older downloads; the pressed switch says which view this is.
        weeks = section.get_by_role("button", name="12 weeks")
        await weeks.click()
        await expect(weeks).to_have_attribute("aria-pressed", "true")
        await expect(section.get_by_role("button", name="30 days")).to_have_attribute(
            "aria-pressed", "false"
        )
        total = IN_30_DAYS + sum(OLDER.values())
        await expect(section.locator(".chart-total")).to_contain_text(
            f"{total} in the last 12 weeks"
        )
        assert (
            12 <= int(await section.locator("svg.chart").get_attribute("data-periods") or 0) <= 13
        )
        await section.get_by_role("button", name="12 months").click()
        await expect(section.locator(".chart-total")).to_contain_text(
            f"{total} in the last 12 months"
        )
        ui.assert_clean()


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", list(WIDTHS))
async def test_the_chart_renders_accessibly(
    charted: SeededRegistry, open_page: OpenPage, width: str, scheme: str
) -> None:
    async with open_page(width=width, scheme=scheme) as ui:
        findings = await review_pages(
            ui, [PageCase("package-chart", f"/packages/{CHARTED}", _chart_drawn)]
        )
        assert findings == {}, findings
        # The bars take the accent colour of the scheme (a class, not an inline style).
        fill = await ui.page.locator("rect.chart-bar").first.evaluate(
            "(bar) => getComputedStyle(bar).fill"
        )
        accent = {"light": "rgb(31, 95, 191)", "dark": "rgb(76, 141, 240)"}[scheme]
        assert fill == accent
        ui.assert_clean()


async def test_the_pages_point_to_their_atom_feeds(
    charted: SeededRegistry, open_page: OpenPage
) -> None:
    async with open_page() as ui:
        await ui.goto(f"/packages/{CHARTED}")
        link = ui.page.get_by_role("link", name="Atom feed")
        await expect(link).to_have_attribute("href", f"/api/v1/feeds/packages/{CHARTED}.atom")
        discovery = ui.page.locator('head link[rel="alternate"][type="application/atom+xml"]')
        await expect(discovery).to_have_attribute("href", "/api/v1/feeds/packages.atom")
        await expect(discovery).to_have_attribute("title", "New packages")
        for href in (
            await link.get_attribute("href"),
            await discovery.get_attribute("href"),
        ):
            response = await ui.page.request.get(ui.url(href or ""))
            assert response.status == 200, href
            assert "application/atom+xml" in response.headers["content-type"]
        feed = await ui.page.request.get(ui.url(f"/api/v1/feeds/packages/{CHARTED}.atom"))
        assert "1.0.0" in await feed.text()
        ui.assert_clean()


async def test_a_changelog_heading_is_shown_once(open_page: OpenPage) -> None:
    async with open_page() as ui:
        await ui.goto(f"/packages/{SHOWCASE}")
        latest = ui.page.locator(".version-item details[open]")
        await expect(latest.locator(".prose")).to_contain_text("Added the second thing")
        headings = latest.get_by_role("heading", name="Changelog", exact=True)
        await expect(headings).to_have_count(1)
        # The changelog's own sub-headings stay.
        await expect(latest.get_by_role("heading", name="1.1.0")).to_have_count(1)
        ui.assert_clean()
