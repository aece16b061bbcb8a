"""What the download chart (web/src/components/DownloadChart.tsx) draws, read the same way by
the package page's tests and the artifact page's."""

from __future__ import annotations

from datetime import date, timedelta

from playwright.async_api import Locator, expect

from tests.web.conftest import UiPage

CHART_DAYS = 30  # the chart's default window


async def expect_chart_drawn(ui: UiPage, *, today: date, total: int, peak: int) -> None:
    """The chart of the last 30 days is drawn and its label says `total` and the busiest day."""
    chart = ui.page.locator(".download-chart svg.chart")
    await expect(chart).to_be_visible()
    await expect(chart).to_have_attribute("data-periods", str(CHART_DAYS))
    await expect(chart).to_have_attribute(
        "aria-label",
        f"{total} downloads from {today - timedelta(days=CHART_DAYS - 1)} to {today}, "
        f"at most {peak} in one day",
    )


async def downloads_drawn(section: Locator) -> dict[str, int]:
    """The days the chart draws a bar with downloads for, and how many (one bar per day)."""
    bars = section.locator("rect.chart-bar")
    await expect(bars).to_have_count(CHART_DAYS)
    drawn = {
        (await bar.locator("title").text_content() or "").split(":")[0]: int(
            await bar.get_attribute("data-downloads") or "0"
        )
        for bar in await bars.all()
    }
    return {day: n for day, n in drawn.items() if n}
