"""Issue #18 part 3 on the artifact page (tests/web/conftest.py's seeded ShowcaseDesk): the
download chart draws the downloads of all the artifact's builds (artifact.downloadStats), those
fetched through the build's file route today and those counted on an earlier day, in light and
dark at 375 and 1440 px without a serious axe finding, sideways scrolling or a CSP violation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from playwright.async_api import expect

from domain import download_counts
from domain.models import ArtifactBuild
from tests.web.charts import downloads_drawn, expect_chart_drawn
from tests.web.conftest import (
    ARTIFACT,
    SCHEMES,
    WIDTHS,
    OpenPage,
    PageCase,
    SeededRegistry,
    UiPage,
    review_pages,
)

TODAY = datetime.now(UTC).date()
FETCHED_TODAY = {("windows", "x64"): 2, ("linux", "x64"): 1}
EARLIER = TODAY - timedelta(days=6)
COUNTED_EARLIER = 4  # of the macOS build, through the counter as if on that day
TOTAL = sum(FETCHED_TODAY.values()) + COUNTED_EARLIER


@pytest.fixture(scope="module")
async def downloaded(registry: SeededRegistry) -> SeededRegistry:
    client = registry.stack.client
    for (platform, architecture), n in FETCHED_TODAY.items():
        for _ in range(n):
            response = await client.get(
                f"/api/v1/artifacts/{ARTIFACT}/versions/3.0.0/builds/{platform}/{architecture}/file"
            )
            assert response.status_code == 200, response.text
    macos = await ArtifactBuild.get(
        artifact_version__artifact__name=ARTIFACT, platform="macos", architecture="arm64"
    )
    counter = registry.stack.ctx.downloads
    number = (EARLIER - date(1970, 1, 1)).days
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(download_counts, "day_number", lambda: number)
        for _ in range(COUNTED_EARLIER):
            counter.count_build(macos.id)
    await counter.flush()
    return registry


async def _chart_drawn(ui: UiPage) -> None:
    await expect_chart_drawn(ui, today=TODAY, total=TOTAL, peak=4)


async def test_the_artifact_page_charts_its_builds_downloads(
    downloaded: SeededRegistry, open_page: OpenPage
) -> None:
    async with open_page() as ui:
        await ui.goto(f"/packages/{ARTIFACT}")
        await _chart_drawn(ui)
        section = ui.page.locator(".download-chart")
        await expect(section.locator(".chart-total")).to_contain_text(f"{TOTAL} in the last")
        assert await downloads_drawn(section) == {
            TODAY.isoformat(): sum(FETCHED_TODAY.values()),
            EARLIER.isoformat(): COUNTED_EARLIER,
        }
        await section.get_by_role("button", name="12 weeks").click()
        await expect(section.locator(".chart-total")).to_contain_text(
            f"{TOTAL} in the last 12 weeks"
        )
        assert "ArtifactDownloadStats" in {call.operation_name for call in ui.graphql}
        ui.assert_clean()


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", list(WIDTHS))
async def test_the_artifact_chart_renders_accessibly(
    downloaded: SeededRegistry, open_page: OpenPage, width: str, scheme: str
) -> None:
    async with open_page(width=width, scheme=scheme) as ui:
        findings = await review_pages(
            ui, [PageCase("artifact-chart", f"/packages/{ARTIFACT}", _chart_drawn)]
        )
        assert findings == {}, findings
        ui.assert_clean()
