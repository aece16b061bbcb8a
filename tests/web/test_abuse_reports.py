"""Abuse reports through the UI (issue #18) against the seeded registry (tests/web/conftest.py):
a signed-in user reports a version and a whole package from the package page (a second open
report of the same thing is refused next to the form; anonymous visitors are offered sign-in);
an admin's /admin/reports queue quarantines the reported version (it can no longer be installed)
and dismisses the other report with a note, and shows both resolved on request. The queue has no
serious axe finding or sideways scrolling at 375 and 1440 px in light and dark, and is hidden
from people who are not admins."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import Route, expect

from domain.enums import VersionStatus
from domain.models import PackageVersion
from tests.helpers import mod_zip, upload_version
from tests.web.conftest import (
    SCHEMES,
    STRANGER,
    WIDTHS,
    OpenPage,
    PageCase,
    SeededRegistry,
    UiPage,
    graphql_call,
    review_pages,
)
from tests.web.fixtures_authors import ADMIN, make_admin, make_author

OWNER = "web-reported-owner"
REPORTER = "web-reporter"
WATCHER = "web-report-watcher"  # files the report that stays open for the pages' review
BAD = "ReportedMod"  # 1.0.1 reported and quarantined
SPAMMY = "ReportedWhole"  # reported as a whole, dismissed
SHOWN = "ReportedShown"  # its report stays open


@pytest.fixture(scope="module")
async def reported(registry: SeededRegistry) -> SeededRegistry:
    await make_admin(ADMIN)
    await make_author(registry, OWNER, "reported-team", [BAD, SPAMMY, SHOWN])
    for name, version in ((BAD, "1.0.0"), (BAD, "1.0.1"), (SPAMMY, "1.0.0"), (SHOWN, "2.0.0")):
        response = await upload_version(
            registry.stack.client, OWNER, name, version, mod_zip(name, version)
        )
        assert response.status_code == 201, response.text
    await registry.stack.drain_jobs()
    return registry


async def _report(ui: UiPage, package: str, reason: str, version: str, details: str) -> None:
    await ui.goto(f"/packages/{package}")
    # Exact: "Sign in to report this package" also holds the words.
    await ui.page.get_by_text("Report this package", exact=True).click()
    form = ui.page.get_by_role("form", name=f"Report {package}")
    await form.get_by_label("Why").select_option(label=reason)
    await form.get_by_label("Which version").select_option(label=version)
    await form.get_by_label("What is wrong").fill(details)
    await form.get_by_role("button", name="Send report").click()


async def test_anonymous_visitors_are_offered_sign_in(
    reported: SeededRegistry, open_page: OpenPage
) -> None:
    async with open_page() as ui:
        await ui.goto(f"/packages/{BAD}")
        link = ui.page.get_by_role("link", name="Sign in to report this package")
        await expect(link).to_have_attribute("href", f"/signin?next=%2Fpackages%2F{BAD}")
        await expect(ui.page.get_by_text("Report this package", exact=True)).to_have_count(0)
        ui.assert_clean()


async def test_a_signed_in_user_is_never_offered_sign_in_while_the_token_is_checked(
    reported: SeededRegistry, open_page: OpenPage
) -> None:
    """The kept token's check (the Viewer query) is held until the package page has drawn:
    in that moment the report area offers nothing, not "Sign in to report" (which a user a
    moment from being signed in would click), and the report form once the check answers."""
    released = asyncio.Event()

    async def hold_the_viewer_check(route: Route) -> None:
        call = graphql_call(route.request)
        if call is not None and call.operation_name == "Viewer":
            await released.wait()
        await route.continue_()

    async with open_page(token=reported.token(REPORTER)) as ui:
        await ui.page.route("**/graphql?*", hold_the_viewer_check)
        await ui.goto(f"/packages/{BAD}")
        await expect(ui.page.get_by_role("heading", level=1)).to_be_visible()
        await expect(ui.page.get_by_text("Signing in…")).to_be_visible()
        sidebar = ui.page.get_by_role("complementary", name="About this package")
        await expect(sidebar).to_be_visible()
        await expect(sidebar.get_by_role("link", name="Sign in to report")).to_have_count(0)
        await expect(sidebar.get_by_text("Report this package", exact=True)).to_have_count(0)
        released.set()
        await expect(sidebar.get_by_text("Report this package", exact=True)).to_be_visible()
        ui.assert_clean()


async def test_a_report_is_quarantined_and_another_dismissed_through_the_ui(
    reported: SeededRegistry, open_page: OpenPage
) -> None:
    async with open_page(token=reported.token(REPORTER)) as ui:
        await _report(ui, BAD, "Malicious code", "1.0.1", "It uploads ~/.ssh somewhere.")
        await expect(ui.page.get_by_role("status").filter(has_text="report")).to_contain_text(
            "your report is with the admins"
        )
        # One open report per reporter and thing: the registry's reason shows at the form.
        await _report(ui, BAD, "Spam or junk", "1.0.1", "And again.")
        await expect(
            ui.page.get_by_role("form", name=f"Report {BAD}").get_by_role("alert")
        ).to_be_visible()
        await _report(ui, SPAMMY, "Spam or junk", "The whole package", "Only ads inside.")
        await expect(ui.page.get_by_role("status").filter(has_text="report")).to_contain_text(
            "your report is with the admins"
        )
        ui.assert_clean()

    async with open_page(width="phone", token=reported.token(ADMIN)) as admin:
        page = admin.page
        page.on("dialog", lambda dialog: dialog.accept())
        await admin.goto("/admin/quarantine")
        await page.get_by_role("link", name="Reports", exact=True).click()
        await expect(page).to_have_url(admin.url("/admin/reports"))
        queue = page.get_by_role("list", name="Reports")
        bad = queue.locator(".queue-item", has_text=f"{BAD}").filter(has_text="1.0.1")
        await expect(bad).to_contain_text("It uploads ~/.ssh somewhere.")
        await expect(bad).to_contain_text("Malware")
        await bad.get_by_label(f"Note on {BAD} 1.0.1 (optional, audited)").fill("Confirmed.")
        await bad.get_by_role("button", name=f"Quarantine {BAD} 1.0.1").click()
        await expect(page.get_by_role("status").filter(has_text="report")).to_contain_text(
            f"Quarantined {BAD} 1.0.1; 1 report(s) resolved."
        )
        await expect(queue.locator(".queue-item", has_text=BAD)).to_have_count(0)

        whole = queue.locator(".queue-item", has_text=SPAMMY)
        await expect(whole).to_contain_text("(whole package)")
        await whole.get_by_label(f"Note on {SPAMMY} (optional, audited)").fill("Not spam.")
        await whole.get_by_role("button", name=f"Dismiss report of {SPAMMY}").click()
        await expect(page.get_by_role("status").filter(has_text="report")).to_contain_text(
            f"Dismissed the report of {SPAMMY}."
        )
        await expect(queue.locator(".queue-item", has_text=SPAMMY)).to_have_count(0)

        await page.get_by_role("link", name="Resolved reports too").click()
        await expect(page).to_have_url(admin.url("/admin/reports?state=all"))
        resolved = page.get_by_role("list", name="Reports").locator(".queue-item", has_text=SPAMMY)
        await expect(resolved).to_contain_text("Dismissed")
        await expect(resolved).to_contain_text("Note: Not spam.")
        admin.assert_clean()
    quarantined = await PackageVersion.get(package__name=BAD, version="1.0.1")
    assert quarantined.status == VersionStatus.QUARANTINED
    kept = await PackageVersion.get(package__name=SPAMMY, version="1.0.0")
    assert kept.status == VersionStatus.PUBLISHED


async def _queue_shows_open_report(ui: UiPage) -> None:
    queue = ui.page.get_by_role("list", name="Reports")
    item = queue.locator(".queue-item", has_text=SHOWN)
    await expect(item.get_by_role("button", name=f"Quarantine {SHOWN} 2.0.0")).to_be_visible()
    # The count agrees with its noun ("1 open report", "2 open reports").
    shown = await queue.locator(".queue-item").count()
    noun = "open report" if shown == 1 else "open reports"
    await expect(ui.page.get_by_text(f"{shown} {noun}", exact=True)).to_be_visible()


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", list(WIDTHS))
async def test_the_report_queue_renders_accessibly(
    reported: SeededRegistry, open_page: OpenPage, width: str, scheme: str
) -> None:
    if not await _has_open_report():
        async with open_page(token=reported.token(WATCHER)) as watcher:
            await _report(watcher, SHOWN, "Poses as someone else", "2.0.0", "Not the real one.")
            await expect(
                watcher.page.locator("details.report").get_by_role("status")
            ).to_contain_text("with the admins")
    async with open_page(width=width, scheme=scheme, token=reported.token(ADMIN)) as ui:
        findings = await review_pages(
            ui, [PageCase("admin-reports", "/admin/reports", _queue_shows_open_report)]
        )
        assert findings == {}, findings
        ui.assert_clean()


async def _has_open_report() -> bool:
    from domain.models import AbuseReport

    return await AbuseReport.filter(package__name=SHOWN).exists()


async def test_the_report_queue_is_hidden_from_others(
    reported: SeededRegistry, open_page: OpenPage
) -> None:
    async with open_page(token=reported.token(STRANGER)) as ui:
        await ui.goto("/admin/reports")
        await expect(ui.page.get_by_role("heading", name="Not found")).to_be_visible()
        assert "AbuseReports" not in {call.operation_name for call in ui.graphql}
