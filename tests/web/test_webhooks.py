"""Webhooks on the publisher page (issue #18 part 1) against the seeded registry
(tests/web/conftest.py): an owner creates a hook and sees its signing secret once, with a copy
button and a warning, and never again after a reload; disables and enables it, reads its
delivery log and redelivers a failed delivery, rotates the secret (shown once) and deletes the
hook, each change checked in the database; pages through a long delivery log (Older, Newer).
A plain member gets no webhook section. The section
has no serious axe finding or sideways scrolling at 375 and 1440 px in light and dark."""

from __future__ import annotations

import pytest
from playwright.async_api import Dialog, Locator, expect

from domain.enums import DeliveryState, WebhookEvent
from domain.models import Webhook, WebhookDelivery
from tests.publishers.support import join_publisher
from tests.web.conftest import SCHEMES, WIDTHS, OpenPage, SeededRegistry, UiPage
from tests.web.fixtures_authors import make_author
from tests.webhooks.api_support import emit

OWNER = "web-hook-owner"
MEMBER = "web-hook-member"
TEAM = "hook-team"
# A loopback name: a delivery to it is refused by the outbound guard before any connection
# (and not retried).
SHOWN_URL = "http://localhost:9/shown"
MANAGED_URL = "http://localhost:9/managed"
PAGED_URL = "http://localhost:9/paged"


@pytest.fixture(scope="module")
async def team(registry: SeededRegistry) -> SeededRegistry:
    await make_author(registry, OWNER, TEAM, [])
    await join_publisher(registry.stack.client, OWNER, TEAM, MEMBER)
    # A hook that stays while the pages are reviewed, made as REST clients do (it hears only
    # yanks: the version.published events of the tests go to the hook they create).
    response = await registry.stack.client.post(
        f"/api/v1/publishers/{TEAM}/webhooks",
        headers={"Authorization": f"Bearer {registry.token(OWNER)}"},
        json={"url": SHOWN_URL, "events": ["version.yanked"]},
    )
    assert response.status_code == 201, response.text
    return registry


def _section(ui: UiPage) -> Locator:
    return ui.page.get_by_role("region", name="Webhooks")


def _row(ui: UiPage, url: str) -> Locator:
    hooks = _section(ui).get_by_role("list", name="Webhooks")
    return hooks.get_by_role("listitem").filter(has_text=url)


async def _accept(dialog: Dialog) -> None:
    await dialog.accept()


async def test_an_owner_creates_a_hook_and_sees_its_secret_once(
    team: SeededRegistry, open_page: OpenPage
) -> None:
    async with open_page(token=team.token(OWNER)) as owner:
        owner.page.on("dialog", _accept)
        await owner.goto("/my/publisher")
        section = _section(owner)
        form = section.locator("form", has=owner.page.get_by_role("heading", name="New webhook"))
        await form.get_by_label("Endpoint URL").fill(MANAGED_URL)
        await form.get_by_role("checkbox", name="version.yanked").check()
        await form.get_by_role("radio", name="Discord").check()
        await form.get_by_label("Note (optional)").fill("release channel")
        await form.get_by_role("button", name="Create webhook").click()

        shown = section.get_by_label("Webhook signing secret")
        await expect(shown).to_be_visible()
        secret = await shown.inner_text()
        hook = await Webhook.get(url=MANAGED_URL)
        assert secret == hook.secret and secret.startswith("tbwhsec_")
        assert hook.events == ["version.published", "version.yanked"] and hook.format == "discord"
        await expect(section.get_by_role("status").first).to_contain_text("shown only once")
        await expect(section.get_by_role("button", name="Copy")).to_be_visible()
        row = _row(owner, MANAGED_URL)
        await expect(row).to_contain_text("version.published, version.yanked")
        await expect(row).to_contain_text("Discord")
        await expect(row).to_contain_text("Active")
        await section.get_by_role("button", name="I have copied it").click()
        await expect(shown).to_have_count(0)

        # Never again: not after a reload, not anywhere in the page.
        await owner.goto("/my/publisher")
        await expect(_row(owner, MANAGED_URL)).to_be_visible()
        assert secret not in await owner.page.content()

        # Disable and enable.
        await _row(owner, MANAGED_URL).get_by_role("button", name="Disable").click()
        await expect(_row(owner, MANAGED_URL)).to_contain_text("Disabled by")
        assert not (await Webhook.get(id=hook.id)).active
        await _row(owner, MANAGED_URL).get_by_role("button", name="Enable").click()
        await expect(_row(owner, MANAGED_URL)).to_contain_text("Active")
        assert (await Webhook.get(id=hook.id)).active

        # The delivery log and a redelivery.
        # version.published: only this hook hears it; sent at once, and refused (localhost).
        [first] = await emit(TEAM)
        await _row(owner, MANAGED_URL).get_by_role("button", name="Deliveries").click()
        log = _section(owner).get_by_role("table", name=f"Deliveries to {MANAGED_URL}")
        logged = log.locator(f'tr[data-delivery="{first}"]')
        await expect(logged).to_contain_text("version.published")
        await expect(logged).to_contain_text("Failed")
        await expect(logged).to_contain_text("Refused")
        await expect(logged.locator('td[data-label="Status"]')).to_have_text("—")
        await expect(logged.locator('td[data-label="Attempts"]')).to_have_text("1")
        await logged.get_by_role("button", name="Redeliver").click()
        await expect(_section(owner).get_by_text(f"Delivery {first} queued again.")).to_be_visible()
        assert await WebhookDelivery.filter(webhook_id=hook.id, redelivery_of=first).count() == 1

        # A new secret, shown once; then the hook goes.
        await _row(owner, MANAGED_URL).get_by_role("button", name="Rotate secret").click()
        rotated = _section(owner).get_by_label("Webhook signing secret")
        await expect(rotated).to_be_visible()
        new_secret = await rotated.inner_text()
        assert new_secret != secret and new_secret == (await Webhook.get(id=hook.id)).secret
        await _row(owner, MANAGED_URL).get_by_role("button", name="Delete").click()
        await expect(_row(owner, MANAGED_URL)).to_have_count(0)
        assert not await Webhook.exists(id=hook.id)
        owner.assert_clean()


async def test_an_owner_pages_through_a_long_delivery_log(
    team: SeededRegistry, open_page: OpenPage
) -> None:
    # Its own hook, subscribed to an event no test sends; its log written directly: two full
    # pages of 20 and 5 more.
    response = await team.stack.client.post(
        f"/api/v1/publishers/{TEAM}/webhooks",
        headers={"Authorization": f"Bearer {team.token(OWNER)}"},
        json={"url": PAGED_URL, "events": ["publisher.suspended"]},
    )
    assert response.status_code == 201, response.text
    hook_id = response.json()["id"]
    for _ in range(45):
        await WebhookDelivery.create(
            webhook_id=hook_id,
            event=WebhookEvent.PUBLISHER_SUSPENDED,
            body="{}",
            state=DeliveryState.SUCCEEDED,
            attempts=1,
            last_status_code=204,
        )
    ids = (
        await WebhookDelivery.filter(webhook_id=hook_id)
        .order_by("-id")
        .values_list("id", flat=True)
    )
    try:
        async with open_page(token=team.token(OWNER)) as owner:
            await owner.goto("/my/publisher")
            await _row(owner, PAGED_URL).get_by_role("button", name="Deliveries").click()
            log = _section(owner).get_by_role("table", name=f"Deliveries to {PAGED_URL}")
            pages = _section(owner).get_by_role(
                "navigation", name=f"Pages of deliveries to {PAGED_URL}"
            )
            rows = log.locator("tr[data-delivery]")

            async def shows(expected: list[int]) -> None:
                # Waits for the page's first and last rows (the previous page has as many
                # rows), then reads them all at once.
                await expect(rows.first).to_have_attribute("data-delivery", str(expected[0]))
                await expect(rows.last).to_have_attribute("data-delivery", str(expected[-1]))
                shown = await rows.evaluate_all("rows => rows.map((r) => r.dataset.delivery)")
                assert shown == [str(i) for i in expected]

            await shows(ids[:20])  # the newest first
            await expect(pages.get_by_role("button", name="Newer")).to_have_count(0)
            await pages.get_by_role("button", name="Older").click()
            await shows(ids[20:40])
            await pages.get_by_role("button", name="Older").click()
            await shows(ids[40:])  # the log's end: a short page, nothing older offered
            await expect(pages.get_by_role("button", name="Older")).to_have_count(0)
            await pages.get_by_role("button", name="Newer").click()
            await shows(ids[20:40])
            await pages.get_by_role("button", name="Newer").click()
            await shows(ids[:20])
            await expect(pages.get_by_role("button", name="Newer")).to_have_count(0)
            owner.assert_clean()
    finally:
        await WebhookDelivery.filter(webhook_id=hook_id).delete()
        await Webhook.filter(id=hook_id).delete()


async def test_a_plain_member_gets_no_webhook_section(
    team: SeededRegistry, open_page: OpenPage
) -> None:
    async with open_page(token=team.token(MEMBER)) as member:
        await member.goto("/my/publisher")
        await expect(member.page.get_by_role("heading", name="Members")).to_be_visible()
        await expect(member.page.get_by_role("heading", name="Webhooks")).to_have_count(0)
        assert SHOWN_URL not in await member.page.content()
        member.assert_clean()


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", list(WIDTHS))
async def test_the_webhook_section_renders_accessibly(
    team: SeededRegistry, open_page: OpenPage, width: str, scheme: str
) -> None:
    async with open_page(width=width, scheme=scheme, token=team.token(OWNER)) as ui:
        await ui.goto("/my/publisher")
        await expect(_row(ui, SHOWN_URL)).to_be_visible()
        await _row(ui, SHOWN_URL).get_by_role("button", name="Deliveries").click()
        await expect(_section(ui).get_by_text("Nothing delivered yet.")).to_be_visible()
        await ui.screenshot("webhooks")
        assert await ui.axe_violations() == []
        assert await ui.horizontal_overflow() <= 0
        ui.assert_clean()
