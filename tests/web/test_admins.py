"""The admins' pages against the live, seeded registry (tests/web/conftest.py): the quarantine
queue with scan reports, pending publisher verifications, the audit log with filters and the
storage status each render their real data at 375 and 1440 px in light and dark mode without a
serious or critical axe-core finding or sideways scrolling (screenshots into
$WEB_SCREENSHOTS_DIR); an admin releases a quarantined version and verifies a publisher through
the UI; people who are not admins never see these pages."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.web.conftest import (
    SCHEMES,
    STRANGER,
    WIDTHS,
    OpenPage,
    PageCase,
    SeededRegistry,
    UiPage,
    review_pages,
)
from tests.web.fixtures_authors import (
    ADMIN,
    PENDING_PUBLISHER,
    Uploads,
    assert_all_persisted,
    make_admin,
    make_author,
    make_pending_publisher,
    upload_quarantined,
)

SUSPECT_OWNER = "web-suspect-owner"
SUSPECT = "AdminSuspect"  # two quarantined versions: one released, one deleted
SHOWN_SUSPECT = "AdminShown"  # stays quarantined (the pages' real data)
LATE_PUBLISHER = "late-team"  # stays pending
LATE_OWNER = "web-late-owner"


@pytest.fixture(scope="module")
async def admins(registry: SeededRegistry) -> SeededRegistry:
    await make_admin(ADMIN)
    await make_author(registry, SUSPECT_OWNER, "suspect-team", [SUSPECT, SHOWN_SUSPECT])
    for name, version in ((SUSPECT, "1.0.0"), (SUSPECT, "1.1.0"), (SHOWN_SUSPECT, "0.5.0")):
        await upload_quarantined(registry, SUSPECT_OWNER, name, version)
    await make_pending_publisher(registry)
    await make_pending_publisher(registry, LATE_OWNER, LATE_PUBLISHER)
    return registry


async def _quarantine(ui: UiPage) -> None:
    queue = ui.page.get_by_role("list", name="Quarantined versions")
    item = queue.locator(f"[data-version='{SHOWN_SUSPECT} 0.5.0']")
    await expect(
        item.get_by_role("region", name=f"Scan report of {SHOWN_SUSPECT} 0.5.0")
    ).to_contain_text("unsafe_path")
    await expect(item.get_by_role("button", name=f"Release {SHOWN_SUSPECT} 0.5.0")).to_be_visible()
    await expect(
        ui.page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin", exact=True)
    ).to_be_visible()


async def _quarantine_filtered(ui: UiPage) -> None:
    queue = ui.page.get_by_role("list", name="Quarantined versions")
    await expect(queue.locator(".queue-item")).to_have_count(1)
    await expect(queue).to_contain_text(SHOWN_SUSPECT)
    await expect(ui.page.get_by_label("Package name")).to_have_value(SHOWN_SUSPECT)


async def _verifications(ui: UiPage) -> None:
    pending = ui.page.get_by_role("list", name="Pending publishers")
    item = pending.locator(f"[data-publisher='{LATE_PUBLISHER}']")
    await expect(item).to_contain_text("Manual")
    await expect(item).to_contain_text(f"{LATE_OWNER}@example.com")
    await expect(item.get_by_label(f"Notes on Publisher {LATE_OWNER}")).to_be_visible()


async def _audit(ui: UiPage) -> None:
    table = ui.page.get_by_role("region", name="Audit events")
    await expect(table.get_by_role("link", name="verification.submit").first).to_be_visible()
    await expect(
        ui.page.get_by_label("Action (exact, or a prefix like publisher.*)")
    ).to_have_value("verification.*")


async def _storage(ui: UiPage) -> None:
    backends = ui.page.get_by_role("list", name="Storage backends")
    primary = backends.locator("[data-backend='primary']")
    await expect(primary).to_contain_text("Primary")
    await expect(primary).to_contain_text("Up")
    await expect(primary).to_contain_text("Replication lag")
    # The breaker's state, whichever it is (the bulk-seeded rows name objects that were never
    # stored, so reconciliation may have opened it: the page shows it with the last error).
    await expect(primary.get_by_role("definition").nth(2)).to_have_text(
        re.compile(r"^(Closed|Open|Half open)")
    )


PAGES = [
    PageCase("admin-quarantine", "/admin/quarantine", _quarantine),
    PageCase(
        "admin-quarantine-filtered",
        f"/admin/quarantine?package={SHOWN_SUSPECT}",
        _quarantine_filtered,
    ),
    PageCase("admin-verifications", "/admin/verifications", _verifications),
    PageCase("admin-audit", "/admin/audit?action=verification.*", _audit),
    PageCase("admin-storage", "/admin/storage", _storage),
]


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", list(WIDTHS))
async def test_every_admin_page_renders_accessibly(
    admins: SeededRegistry, open_page: OpenPage, width: str, scheme: str
) -> None:
    async with open_page(width=width, scheme=scheme, token=admins.token(ADMIN)) as ui:
        findings = await review_pages(ui, PAGES)
        ui.assert_clean()
    assert findings == {}


async def test_admin_releases_and_deletes_quarantined_versions(
    admins: SeededRegistry, open_page: OpenPage
) -> None:
    async with open_page(width="phone", token=admins.token(ADMIN)) as ui:
        page = ui.page
        uploads = Uploads()
        await uploads.watch(page)
        page.on("dialog", lambda dialog: dialog.accept())
        await ui.goto("/")
        await page.get_by_role("link", name="Admin", exact=True).click()
        await expect(page).to_have_url(ui.url("/admin/quarantine"))
        await page.get_by_label("Package name").fill(SUSPECT)
        await page.get_by_role("button", name="Filter").click()
        await expect(page).to_have_url(ui.url(f"/admin/quarantine?package={SUSPECT}"))
        queue = page.get_by_role("list", name="Quarantined versions")
        await expect(queue.locator(".queue-item")).to_have_count(2)

        released = queue.locator(f"[data-version='{SUSPECT} 1.0.0']")
        # Releasing needs a reason: the server's message shows next to the item.
        await released.get_by_role("button", name=f"Release {SUSPECT} 1.0.0").click()
        await expect(released.get_by_role("alert")).to_contain_text("A reason is required")
        await released.get_by_label(f"Reason for {SUSPECT} 1.0.0").fill(
            "Reviewed: a false positive"
        )
        await released.get_by_role("button", name=f"Release {SUSPECT} 1.0.0").click()
        await expect(page.get_by_role("status")).to_contain_text(f"Released {SUSPECT} 1.0.0")
        await expect(queue.locator(".queue-item")).to_have_count(1)

        deleted = queue.locator(f"[data-version='{SUSPECT} 1.1.0']")
        await deleted.get_by_role("button", name=f"Delete {SUSPECT} 1.1.0").click()
        await expect(page.get_by_role("status")).to_contain_text(f"Deleted {SUSPECT} 1.1.0")
        await expect(page.get_by_text("Nothing is waiting.")).to_be_visible()

        # The released version is installable: the package page offers it.
        await ui.goto(f"/packages/{SUSPECT}")
        await expect(page.get_by_role("link", name="Download 1.0.0 (")).to_be_visible()

        # Both decisions are in the audit log, found by its filters (kept in the URL).
        await ui.goto("/admin/audit")
        await page.get_by_label("Action (exact, or a prefix like publisher.*)").fill("version.*")
        await page.get_by_label("Actor (user id)").fill(ADMIN)
        await page.get_by_role("button", name="Apply filters").click()
        await expect(page).to_have_url(ui.url(f"/admin/audit?actor={ADMIN}&action=version.*"))
        table = page.get_by_role("region", name="Audit events")
        await expect(table.get_by_role("link", name="version.release")).to_be_visible()
        await expect(table.get_by_role("link", name="version.delete")).to_be_visible()
        await expect(table).to_contain_text("Reviewed: a false positive")
        await page.go_back()
        await expect(page).to_have_url(ui.url("/admin/audit"))
        await assert_all_persisted(ui, uploads)
        ui.assert_clean()


async def test_admin_verifies_a_publisher_with_notes(
    admins: SeededRegistry, open_page: OpenPage
) -> None:
    async with open_page(token=admins.token(ADMIN)) as ui:
        page = ui.page
        await ui.goto("/admin/verifications")
        pending = page.get_by_role("list", name="Pending publishers")
        item = pending.locator(f"[data-publisher='{PENDING_PUBLISHER}']")
        await expect(item).to_contain_text("We make the pending-team mods.")
        name = "Publisher web-pending-owner"
        await item.get_by_label(f"Notes on {name}").fill("Known author, checked by mail")
        await item.get_by_role("button", name=f"Verify {name}").click()
        await expect(page.get_by_role("status")).to_contain_text(f"Verified {name}.")
        await expect(pending.locator(f"[data-publisher='{PENDING_PUBLISHER}']")).to_have_count(0)

        await ui.goto(f"/publishers/{PENDING_PUBLISHER}")
        await expect(page.locator("h1 .badge-verified")).to_be_visible()
        ui.assert_clean()

    # The publisher's owner sees the new state and the admin's note.
    async with open_page(token=admins.token("web-pending-owner")) as owner:
        await owner.goto("/my/publisher")
        await expect(owner.page.locator(".verification-state")).to_contain_text("Verified")
        await expect(
            owner.page.get_by_text("An admin’s note: Known author, checked by mail")
        ).to_be_visible()
        await expect(owner.page.get_by_role("button", name="Request verification")).to_have_count(0)


async def test_admin_pages_are_hidden_from_others(
    admins: SeededRegistry, open_page: OpenPage
) -> None:
    async with open_page(token=admins.token(STRANGER)) as ui:
        for path in ("/admin/quarantine", "/admin/verifications", "/admin/audit", "/admin/storage"):
            await ui.goto(path)
            await expect(ui.page.get_by_role("heading", name="Not found")).to_be_visible()
        await expect(ui.page.get_by_role("link", name="Admin", exact=True)).to_have_count(0)
        names = {call.operation_name for call in ui.graphql}
        assert names.isdisjoint(
            {"QuarantineQueue", "PendingPublishers", "AuditLog", "StorageStatus"}
        )
    async with open_page() as anonymous:
        await anonymous.goto("/admin/storage")
        await expect(anonymous.page).to_have_url(anonymous.url("/signin?next=%2Fadmin%2Fstorage"))
