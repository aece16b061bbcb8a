"""Package transfers through the UI (issue #18) against the seeded registry (tests/web/conftest.py):
an owner offers a package from its manage page, the offer shows on both publishers' pages, the
receiving owner accepts it and the package's public page names the new publisher; a declined
offer and a withdrawn one leave the package where it was; a refused offer says why. The
publisher page with open offers has no serious axe finding or sideways scrolling at 375 and
1440 px in light and dark."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from domain.models import Package
from tests.fixtures.stack import bearer
from tests.web.conftest import SCHEMES, WIDTHS, OpenPage, SeededRegistry, UiPage
from tests.web.fixtures_authors import make_author

GIVER = "web-transfer-giver"
GIVER_TEAM = "giver-team"
TAKER = "web-transfer-taker"
TAKER_TEAM = "taker-team"
GIVEN = "GivenMod"  # accepted
KEPT = "KeptMod"  # declined, then withdrawn
SHOWN = "ShownOfferMod"  # stays offered while the pages are reviewed


@pytest.fixture(scope="module")
async def teams(registry: SeededRegistry) -> SeededRegistry:
    await make_author(registry, GIVER, GIVER_TEAM, [GIVEN, KEPT, SHOWN])
    await make_author(registry, TAKER, TAKER_TEAM, [])
    # An offer that stays open while the pages are reviewed, made as REST/GraphQL clients do.
    response = await registry.stack.client.post(
        "/graphql",
        headers=bearer(GIVER),
        json={
            "query": "mutation($p: String!, $t: String!) { requestPackageTransfer(package: $p, "
            "toPublisher: $t) { errors { message } transfer { state } } }",
            "variables": {"p": SHOWN, "t": TAKER_TEAM},
        },
    )
    payload = response.json()["data"]["requestPackageTransfer"]
    assert payload == {"errors": [], "transfer": {"state": "PENDING"}}, response.text
    return registry


async def _offer(ui: UiPage, package: str, to: str) -> None:
    await ui.goto(f"/my/packages/{package}")
    form = ui.page.locator(
        "form", has=ui.page.get_by_role("heading", name="Transfer to another publisher")
    )
    await form.get_by_label("Receiving publisher (its slug)").fill(to)
    await form.get_by_role("button", name="Offer the package").click()


async def _publisher_of(name: str) -> str:
    package = await Package.get(name=name).prefetch_related("publisher")
    return str(package.publisher.name)


async def test_an_offered_package_is_accepted_through_the_ui(
    teams: SeededRegistry, open_page: OpenPage
) -> None:
    async with open_page(token=teams.token(GIVER)) as giver:
        await _offer(giver, GIVEN, TAKER_TEAM)
        await expect(giver.page.get_by_role("status")).to_contain_text(
            f"Offered {GIVEN} to {TAKER_TEAM} until"
        )
        await giver.goto("/my/publisher")
        offered = giver.page.get_by_role("list", name="Transfers you offered")
        await expect(offered.get_by_role("listitem").filter(has_text=GIVEN)).to_contain_text(
            f"{GIVEN} to {TAKER_TEAM}"
        )
        await expect(
            offered.get_by_role("button", name=f"Withdraw offer of {GIVEN}")
        ).to_be_visible()
        giver.assert_clean()
    assert await _publisher_of(GIVEN) == GIVER_TEAM  # nothing moves before an answer

    async with open_page(token=teams.token(TAKER)) as taker:
        await taker.goto("/my/publisher")
        incoming = taker.page.get_by_role("list", name="Transfers offered to you")
        await expect(incoming.get_by_role("listitem").filter(has_text=GIVEN)).to_contain_text(
            f"{GIVEN} from {GIVER_TEAM}"
        )
        await incoming.get_by_role("button", name=f"Accept {GIVEN}").click()
        await expect(incoming.get_by_role("button", name=f"Accept {GIVEN}")).to_have_count(0)
        await taker.goto(f"/packages/{GIVEN}")
        await expect(
            taker.page.locator(".package-sidebar").get_by_role("link", name=f"Publisher {TAKER}")
        ).to_have_attribute("href", f"/publishers/{TAKER_TEAM}")
        # The new owners manage it now.
        await taker.goto(f"/my/packages/{GIVEN}")
        await expect(
            taker.page.get_by_role("heading", name="Transfer to another publisher")
        ).to_be_visible()
        taker.assert_clean()
    assert await _publisher_of(GIVEN) == TAKER_TEAM

    async with open_page(token=teams.token(GIVER)) as giver:
        await giver.goto("/my/publisher")
        await expect(
            giver.page.get_by_role("button", name=f"Withdraw offer of {SHOWN}")
        ).to_be_visible()
        await expect(
            giver.page.get_by_role("button", name=f"Withdraw offer of {GIVEN}")
        ).to_have_count(0)
        giver.assert_clean()


async def test_declined_and_withdrawn_offers_leave_the_package(
    teams: SeededRegistry, open_page: OpenPage
) -> None:
    async with open_page(token=teams.token(GIVER)) as giver:
        # An unknown publisher: the registry's reason, next to the form.
        await _offer(giver, KEPT, "no-such-team")
        await expect(giver.page.get_by_role("alert")).to_be_visible()
        await _offer(giver, KEPT, TAKER_TEAM)
        await expect(giver.page.get_by_role("status")).to_contain_text(f"Offered {KEPT}")
    async with open_page(token=teams.token(TAKER)) as taker:
        await taker.goto("/my/publisher")
        incoming = taker.page.get_by_role("list", name="Transfers offered to you")
        await incoming.get_by_role("button", name=f"Decline {KEPT}").click()
        await expect(incoming.get_by_role("button", name=f"Decline {KEPT}")).to_have_count(0)
        taker.assert_clean()
    assert await _publisher_of(KEPT) == GIVER_TEAM

    async with open_page(token=teams.token(GIVER)) as giver:
        await _offer(giver, KEPT, TAKER_TEAM)
        await expect(giver.page.get_by_role("status")).to_contain_text(f"Offered {KEPT}")
        await giver.goto("/my/publisher")
        withdraw = giver.page.get_by_role("button", name=f"Withdraw offer of {KEPT}")
        await withdraw.click()
        await expect(withdraw).to_have_count(0)
        giver.assert_clean()
    async with open_page(token=teams.token(TAKER)) as taker:
        await taker.goto("/my/publisher")
        await expect(taker.page.get_by_role("button", name=f"Accept {SHOWN}")).to_be_visible()
        await expect(taker.page.get_by_role("button", name=f"Accept {KEPT}")).to_have_count(0)
    assert await _publisher_of(KEPT) == GIVER_TEAM


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", list(WIDTHS))
async def test_publisher_pages_with_offers_render_accessibly(
    teams: SeededRegistry, open_page: OpenPage, width: str, scheme: str
) -> None:
    for user, name in ((TAKER, f"Accept {SHOWN}"), (GIVER, f"Withdraw offer of {SHOWN}")):
        async with open_page(width=width, scheme=scheme, token=teams.token(user)) as ui:
            await ui.goto("/my/publisher")
            await expect(ui.page.get_by_role("button", name=name)).to_be_visible()
            await ui.screenshot(f"transfers-{user}")
            assert await ui.axe_violations() == []
            assert await ui.horizontal_overflow() <= 0
            ui.assert_clean()
