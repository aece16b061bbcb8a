"""The signed-in authors' pages against the live, seeded registry (tests/web/conftest.py): each
renders its real data at 375 and 1440 px in light and dark mode without a serious or critical
axe-core finding or sideways scrolling (screenshots into $WEB_SCREENSHOTS_DIR), and the author
flows work end to end through the UI: publish a ZIP and watch the status turn PUBLISHED live
over the subscription, then find it in search; a ZIP the scan quarantines shows its report;
metadata, yank and deprecation; API tokens; registering and verifying a publisher; members."""

from __future__ import annotations

import asyncio
import hashlib
import re

import pytest
from playwright.async_api import Dialog, FileChooser, expect

from tests.fixtures.stack import bearer
from tests.helpers import mod_zip, upload_version
from tests.web.conftest import (
    PRIVATE,
    SCHEMES,
    SHOWCASE,
    STRANGER,
    WIDTHS,
    OpenPage,
    PageCase,
    SeededRegistry,
    UiPage,
    review_pages,
)
from tests.web.fixtures_authors import (
    SubscriptionFrames,
    Uploads,
    assert_all_persisted,
    choose_file,
    drop_file,
    make_author,
    quarantined_zip,
    upload_quarantined,
)

AUTHOR = "web-author"
AUTHOR_PUBLISHER = "author-team"
NEWCOMER = "web-newcomer"  # signs in without a publisher
SHOWN = "AuthorShowcase"  # a published and a quarantined version
LIVE = "AuthorLive"  # published through the UI
RISKY = "AuthorRisky"  # quarantined through the UI
EDITED = "AuthorEdited"  # metadata, yank and deprecation through the UI
TOKEN_NAME = "ci-seeded"


@pytest.fixture(scope="module")
async def authors(registry: SeededRegistry) -> SeededRegistry:
    await make_author(registry, AUTHOR, AUTHOR_PUBLISHER, [SHOWN, LIVE, RISKY, EDITED])
    client = registry.stack.client
    for name in (SHOWN, EDITED):
        response = await upload_version(client, AUTHOR, name, "1.0.0", mod_zip(name, "1.0.0"))
        assert response.status_code == 201, response.text
    await upload_quarantined(registry, AUTHOR, SHOWN, "1.0.1")
    response = await client.post(
        "/graphql",
        headers=bearer(AUTHOR),
        json={
            "query": "mutation($n: String!) { createApiToken(input: "
            "{name: $n, scopes: [PUBLISH_UPDATE]}) { errors { message } } }",
            "variables": {"n": TOKEN_NAME},
        },
    )
    assert response.json()["data"]["createApiToken"]["errors"] == [], response.text
    return registry


def incompressible(size: int) -> bytes:
    """Deterministic bytes that deflate cannot shrink (a SHA-256 chain)."""
    blocks, block = [], b"data"
    while len(blocks) * 32 < size:
        block = hashlib.sha256(block).digest()
        blocks.append(block)
    return b"DATA" + b"".join(blocks)[: size - 4]


def author_token(registry: SeededRegistry) -> str:
    return registry.token(AUTHOR)


async def _my_packages(ui: UiPage) -> None:
    listing = ui.page.get_by_role("list", name="Your packages")
    await expect(listing.get_by_role("link", name=SHOWN, exact=True)).to_be_visible()
    await expect(listing.get_by_role("link", name=LIVE, exact=True)).to_be_visible()
    await expect(ui.page.get_by_role("link", name="Create a package", exact=True)).to_be_visible()
    await expect(
        ui.page.get_by_role("navigation", name="Main").get_by_role("link", name="My packages")
    ).to_be_visible()
    await expect(ui.page.get_by_role("link", name="Admin", exact=True)).to_have_count(0)


async def _new_package(ui: UiPage) -> None:
    await expect(ui.page.get_by_role("textbox", name="Name", exact=True)).to_be_visible()
    await expect(ui.page.get_by_role("checkbox", name="Productivity")).to_be_visible()
    await expect(ui.page.get_by_role("radio", name="Private")).to_be_visible()


async def _manage(ui: UiPage) -> None:
    versions = ui.page.get_by_role("list", name=f"Versions of {SHOWN}")
    await expect(versions.locator("[data-version='1.0.0']")).to_contain_text("Published")
    quarantined = versions.locator("[data-version='1.0.1']")
    await expect(quarantined).to_contain_text("Quarantined")
    await expect(quarantined.get_by_role("region", name="Scan report of 1.0.1")).to_contain_text(
        "unsafe_path"
    )
    await expect(ui.page.get_by_label("Display name")).to_be_visible()
    await expect(ui.page.get_by_role("radio", name="Deprecated")).to_be_visible()


async def _publish(ui: UiPage) -> None:
    await expect(ui.page.get_by_label("Version ZIP")).to_be_visible()
    await expect(ui.page.get_by_label("Version", exact=True)).to_be_visible()


async def _publish_status(ui: UiPage) -> None:
    await expect(ui.page.get_by_role("status").filter(has_text="Status:")).to_contain_text(
        "Quarantined"
    )
    await expect(ui.page.get_by_role("region", name="Scan report")).to_contain_text("unsafe_path")


async def _tokens(ui: UiPage) -> None:
    tokens = ui.page.get_by_role("list", name="API tokens")
    await expect(tokens.locator(f"[data-token='{TOKEN_NAME}']")).to_contain_text("Publish update")
    await expect(ui.page.get_by_role("checkbox", name="Yank")).to_be_visible()


async def _publisher(ui: UiPage) -> None:
    await expect(ui.page.get_by_role("heading", level=1)).to_have_text(f"Publisher {AUTHOR}")
    await expect(ui.page.locator(".verification-state")).to_contain_text("Verified")
    await expect(ui.page.get_by_role("list", name="Members")).to_contain_text(f"user-{AUTHOR}")
    await expect(ui.page.get_by_label("Username")).to_be_visible()


PAGES = [
    PageCase("my-packages", "/my/packages", _my_packages),
    PageCase("new-package", "/my/packages/new", _new_package),
    PageCase("manage-package", f"/my/packages/{SHOWN}", _manage),
    PageCase("publish", f"/my/packages/{SHOWN}/publish", _publish),
    PageCase("publish-status", f"/my/packages/{SHOWN}/publish?version=1.0.1", _publish_status),
    PageCase("tokens", "/my/tokens", _tokens),
    PageCase("my-publisher", "/my/publisher", _publisher),
]


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", list(WIDTHS))
async def test_every_author_page_renders_accessibly(
    authors: SeededRegistry, open_page: OpenPage, width: str, scheme: str
) -> None:
    async with open_page(width=width, scheme=scheme, token=author_token(authors)) as ui:
        findings = await review_pages(ui, PAGES, shot_prefix="author-")
        ui.assert_clean()
    assert findings == {}


async def test_signed_out_visitors_go_to_sign_in_and_come_back(
    authors: SeededRegistry, open_page: OpenPage
) -> None:
    async with open_page() as ui:
        await ui.goto(f"/my/packages/{SHOWN}")
        await expect(ui.page).to_have_url(ui.url(f"/signin?next=%2Fmy%2Fpackages%2F{SHOWN}"))
        await ui.page.get_by_label("Token").fill(author_token(authors))
        await ui.page.get_by_role("button", name="Sign in").click()
        await expect(ui.page).to_have_url(ui.url(f"/my/packages/{SHOWN}"))
        await expect(ui.page.get_by_role("heading", level=1)).to_contain_text(SHOWN)


async def test_publish_a_zip_and_watch_it_turn_published_live(
    authors: SeededRegistry, open_page: OpenPage
) -> None:
    async with open_page(width="phone", token=author_token(authors)) as ui:
        frames, uploads = SubscriptionFrames(), Uploads()
        frames.watch(ui.page)
        await uploads.watch(ui.page)
        await ui.goto("/my/packages")
        await ui.page.get_by_role("link", name=f"Publish a version of {LIVE}").click()
        await expect(ui.page).to_have_url(ui.url(f"/my/packages/{LIVE}/publish"))
        archive = mod_zip(LIVE, "1.2.0", extra={f"{LIVE}/data.bin": incompressible(96_000)})
        await choose_file(ui, "#publish-file", "live.zip", archive)
        await expect(ui.page.get_by_text("Selected: live.zip")).to_be_visible()
        await ui.page.get_by_label("Version", exact=True).fill("1.2.0")
        await ui.page.get_by_label("Changelog (optional)").fill("First release from the browser.")
        # A slow uplink (about 3 s for the archive), so the upload's progress can be seen.
        network = await ui.page.context.new_cdp_session(ui.page)
        await network.send("Network.enable")
        await network.send(
            "Network.emulateNetworkConditions",
            {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 32_000},
        )
        await ui.page.get_by_role("button", name="Publish").click()
        progress = ui.page.locator("#upload-progress")
        await expect(progress).to_be_visible()
        await ui.page.wait_for_function(
            "() => { const bar = document.getElementById('upload-progress');"
            " return !bar || bar.value > 0; }"
        )
        await expect(ui.page.get_by_text(re.compile(r"Uploading \d+%"))).to_have_count(1)
        await network.send(
            "Network.emulateNetworkConditions",
            {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
        )

        await expect(ui.page).to_have_url(ui.url(f"/my/packages/{LIVE}/publish?version=1.2.0"))
        status = ui.page.get_by_role("status").filter(has_text="Status:")
        await expect(status).to_contain_text("Published", timeout=30_000)
        # The change came over the subscription, not from a reload.
        assert "PUBLISHED" in frames.statuses("1.2.0"), frames.received
        sent = await uploads.operations()
        assert [operations["operationName"] for operations in sent] == ["PublishVersion"]

        await ui.page.get_by_role("link", name="Find it in search").click()
        results = ui.page.get_by_role("list", name="Search results")
        await expect(results.get_by_role("link", name=LIVE)).to_be_visible()
        await ui.page.get_by_role("link", name=LIVE).first.click()
        await expect(ui.page.get_by_role("heading", level=1)).to_contain_text(LIVE)
        await expect(ui.page.locator(".version-item").first).to_contain_text("1.2.0")
        # Back returns through search to the status view, which the URL restores.
        await ui.page.go_back()
        await ui.page.go_back()
        await expect(status).to_contain_text("Published")
        await assert_all_persisted(ui, uploads)
        ui.assert_clean()


async def test_a_quarantined_zip_shows_its_scan_report(
    authors: SeededRegistry, open_page: OpenPage
) -> None:
    async with open_page(token=author_token(authors)) as ui:
        frames, uploads = SubscriptionFrames(), Uploads()
        frames.watch(ui.page)
        await uploads.watch(ui.page)
        await ui.goto(f"/my/packages/{RISKY}/publish")
        await expect(ui.page.get_by_label("Version ZIP")).to_be_visible()
        await drop_file(ui, ".drop-zone", "risky.zip", quarantined_zip(RISKY, "0.1.0"))
        await expect(ui.page.get_by_text("Selected: risky.zip")).to_be_visible()
        await ui.page.get_by_label("Version", exact=True).fill("0.1.0")
        await ui.page.get_by_role("button", name="Publish").click()

        status = ui.page.get_by_role("status").filter(has_text="Status:")
        await expect(status).to_contain_text("Quarantined", timeout=30_000)
        assert "QUARANTINED" in frames.statuses("0.1.0"), frames.received
        report = ui.page.get_by_role("region", name="Scan report")
        await expect(report).to_contain_text("fail")
        await expect(report).to_contain_text("unsafe_path")
        await expect(report).to_contain_text("evil.py")
        await ui.screenshot("author-publish-quarantined")
        # Back leads to the empty form again.
        await ui.page.go_back()
        await expect(ui.page).to_have_url(ui.url(f"/my/packages/{RISKY}/publish"))
        await expect(ui.page.get_by_label("Version ZIP")).to_be_visible()
        await assert_all_persisted(ui, uploads)
        ui.assert_clean()


async def test_a_file_that_is_not_a_zip_is_refused_before_upload(
    authors: SeededRegistry, open_page: OpenPage
) -> None:
    async with open_page(token=author_token(authors)) as ui:
        uploads = Uploads()
        await uploads.watch(ui.page)
        # Listening for the file chooser before the page loads: Playwright turns Chromium's
        # chooser interception on when the first listener is added, asynchronously, and a key
        # press that lands before that opens an uninterceptable (headless: invisible) dialog.
        choosers: asyncio.Queue[FileChooser] = asyncio.Queue()
        ui.page.on("filechooser", choosers.put_nowait)
        await ui.goto(f"/my/packages/{RISKY}/publish")
        # The file input is reached and opened with the keyboard alone.
        await ui.page.get_by_role("link", name=RISKY, exact=True).focus()
        await ui.page.keyboard.press("Tab")
        await expect(ui.page.get_by_label("Version ZIP")).to_be_focused()
        await ui.page.keyboard.press("Enter")
        chooser = await asyncio.wait_for(choosers.get(), timeout=15)
        await chooser.set_files(
            files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"hello"}]
        )
        await expect(ui.page.get_by_text("Selected: notes.txt")).to_be_visible()
        await ui.page.get_by_label("Version", exact=True).fill("0.2.0")
        await ui.page.get_by_role("button", name="Publish").click()
        await expect(ui.page.get_by_role("alert")).to_contain_text("must be a ZIP archive")
        assert await uploads.operations() == []
        # A version the server refuses (not PEP 440): its message next to the form.
        await choose_file(ui, "#publish-file", "bad.zip", mod_zip(RISKY, "0.2.0"))
        await ui.page.get_by_label("Version", exact=True).fill("not-a-version")
        await ui.page.get_by_role("button", name="Publish").click()
        await expect(ui.page.get_by_role("alert")).to_contain_text(re.compile("version", re.I))
        await expect(ui.page).to_have_url(ui.url(f"/my/packages/{RISKY}/publish"))


async def test_edit_metadata_yank_and_deprecate(
    authors: SeededRegistry, open_page: OpenPage
) -> None:
    async with open_page(token=author_token(authors)) as ui:
        page = ui.page
        await ui.goto(f"/my/packages/{EDITED}")
        await page.get_by_label("Description").first.fill("Edited in the browser")
        await page.get_by_role("checkbox", name="Productivity").check()
        await page.get_by_role("radio", name="Unlisted").check()
        await page.get_by_role("button", name="Save details").click()
        details = page.get_by_role("form", name="Details")
        await expect(details.get_by_role("status")).to_have_text("Saved.")

        version = page.locator("[data-version='1.0.0']")
        await version.get_by_label("Why yank 1.0.0").fill("broken on Windows")
        await version.get_by_role("button", name="Yank 1.0.0").click()
        await expect(version).to_contain_text("Yanked")
        await expect(version).to_contain_text("broken on Windows")
        await version.get_by_role("button", name="Unyank 1.0.0").click()
        await expect(version.get_by_role("button", name="Yank 1.0.0")).to_be_visible()

        await page.get_by_role("radio", name="Deprecated").check()
        await page.get_by_label("Deprecation message").fill("Use AuthorLive instead.")
        await page.get_by_label("Successor package").fill(LIVE)
        await page.get_by_role("button", name="Save lifecycle").click()
        lifecycle = page.get_by_role("form", name="Lifecycle")
        await expect(lifecycle.get_by_role("status")).to_have_text("Saved.")

        await ui.goto(f"/my/packages/{EDITED}")  # a reload restores what was saved
        await expect(page.get_by_label("Description").first).to_have_value("Edited in the browser")
        await expect(page.get_by_role("checkbox", name="Productivity")).to_be_checked()
        await expect(page.get_by_role("radio", name="Unlisted")).to_be_checked()
        await page.get_by_role("link", name="Public page", exact=True).click()
        banner = page.locator(".notice-warning")
        await expect(banner).to_contain_text("This package is deprecated")
        await expect(banner).to_contain_text("Use AuthorLive instead.")
        ui.assert_clean()


async def test_api_tokens_are_shown_once_listed_and_revoked(
    authors: SeededRegistry, open_page: OpenPage
) -> None:
    async with open_page(token=author_token(authors)) as ui:
        page = ui.page

        async def accept(dialog: Dialog) -> None:
            await dialog.accept()

        page.on("dialog", accept)
        await ui.goto("/my/tokens")
        await page.get_by_label("Name").fill("from-the-browser")
        await page.get_by_role("checkbox", name="Yank").check()
        await page.get_by_role("button", name="Create token").click()
        secret = page.get_by_label("Your new token")
        await expect(secret).to_contain_text("tbr_")
        plaintext = await secret.inner_text()
        row = page.get_by_role("list", name="API tokens").locator("[data-token='from-the-browser']")
        await expect(row).to_contain_text("Yank")
        assert plaintext not in await row.inner_text()

        # The new token signs in (and is not shown again anywhere).
        async with open_page(token=plaintext.strip()) as other:
            await other.goto("/my/packages")
            await expect(other.page.get_by_role("list", name="Your packages")).to_contain_text(
                SHOWN
            )

        await row.get_by_role("button", name="Revoke from-the-browser").click()
        await expect(row).to_have_count(0)  # revoked tokens leave the list
        await ui.goto("/my/tokens")
        await expect(page.get_by_label("Your new token")).to_have_count(0)
        await expect(page.locator("[data-token='from-the-browser']")).to_have_count(0)
        await expect(page.locator(f"[data-token='{TOKEN_NAME}']")).to_be_visible()
        async with open_page(token=plaintext.strip()) as other:
            await other.goto("/my/packages")
            await expect(other.page).to_have_url(
                other.url("/signin?next=%2Fmy%2Fpackages&expired=1")
            )
        ui.assert_clean()


async def test_register_a_publisher_request_verification_and_invite(
    authors: SeededRegistry, open_page: OpenPage
) -> None:
    async with open_page(token=authors.token(NEWCOMER)) as ui:
        page = ui.page
        page.on("dialog", lambda dialog: dialog.accept())
        await ui.goto("/my/packages")
        await page.get_by_role("link", name="register one").click()
        await expect(page).to_have_url(ui.url("/my/publisher"))
        await page.get_by_label("Slug").fill("newcomer-team")
        await page.get_by_label("Display name").fill("Newcomer Team")
        await page.get_by_label("Contact e-mail").fill("newcomer@example.com")
        await page.get_by_role("button", name="Register").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Newcomer Team")
        await expect(page.locator(".verification-state")).to_contain_text("Unverified")

        await page.get_by_role("button", name="Get a proof string").click()
        await expect(page.get_by_label("Proof string")).not_to_be_empty()
        await page.get_by_role("radio", name="Manual").check()
        await page.get_by_label("Who you are (for the admin)").fill("A newcomer making mods.")
        await page.get_by_role("button", name="Request verification").click()
        await expect(page.get_by_text("an admin will review it")).to_be_visible()
        await expect(page.locator(".verification-state")).to_contain_text("Pending")
        await ui.screenshot("author-publisher-pending")

        await page.get_by_label("Username").fill(f"user-{STRANGER}")
        await page.get_by_role("button", name="Invite").click()
        invitations = page.get_by_role("list", name="Open invitations")
        await expect(invitations).to_contain_text(f"user-{STRANGER}")
        await invitations.get_by_role(
            "button", name=f"Cancel invitation of user-{STRANGER}"
        ).click()
        await expect(page.get_by_role("list", name="Open invitations")).to_have_count(0)
        ui.assert_clean()


async def test_others_packages_are_not_managed_and_private_ones_not_shown(
    authors: SeededRegistry, open_page: OpenPage
) -> None:
    async with open_page(token=author_token(authors)) as ui:
        await ui.goto(f"/my/packages/{PRIVATE}")
        await expect(ui.page.get_by_role("heading", name="Not found")).to_be_visible()
        assert PRIVATE not in await ui.main_text()
        await ui.goto(f"/my/packages/{SHOWCASE}")
        await expect(ui.page.locator(".notice-warning")).to_contain_text("Only members of")
        await expect(ui.page.get_by_role("button", name="Save details")).to_have_count(0)
        await ui.goto(f"/my/packages/{PRIVATE}/publish?version=1.0.0")
        await expect(ui.page.locator(".notice-error")).to_contain_text("no version 1.0.0")
        assert "Nobody else sees it" not in await ui.main_text()
        ui.assert_clean()


async def test_admin_pages_are_not_shown_to_authors(
    authors: SeededRegistry, open_page: OpenPage
) -> None:
    async with open_page(token=author_token(authors)) as ui:
        await ui.goto("/admin/quarantine")
        await expect(ui.page.get_by_role("heading", name="Not found")).to_be_visible()
        await expect(ui.page.get_by_role("link", name="Admin", exact=True)).to_have_count(0)
        assert not any(call.operation_name == "QuarantineQueue" for call in ui.graphql)
