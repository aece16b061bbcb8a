"""What the authors' and admins' UI tests need besides the seeded registry (tests/web/conftest.py):
an author with a verified publisher and a package of their own, an admin, a publisher waiting
for verification, mod archives the scan publishes or quarantines, and ways to hand a file to the
page (its file input, or a drop on the drop zone) and to watch the subscription's frames."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from playwright.async_api import Page, WebSocket

from domain.services import users
from tests.fixtures.stack import bearer
from tests.helpers import create_package, make_publisher, mod_zip, upload_version
from tests.web.conftest import SeededRegistry, UiPage, sha256_hex

ADMIN = "web-admin"
PENDING_OWNER = "web-pending-owner"
PENDING_PUBLISHER = "pending-team"
ZIP_TYPE = "application/zip"


def quarantined_zip(name: str, version: str) -> bytes:
    """A well-formed mod with an entry that climbs out of the archive: the scan quarantines it
    with the rule `unsafe_path` (tests/pipeline/support.py's path_traversal attack)."""
    return mod_zip(name, version, extra={f"{name}/../../evil.py": b"import os\n"})


async def make_author(
    registry: SeededRegistry, user_id: str, slug: str, packages: list[str]
) -> None:
    """A user with a verified publisher and public packages without versions."""
    await make_publisher(user_id, slug)
    for name in packages:
        response = await create_package(
            registry.stack.client, user_id, name, description=f"{name} by {user_id}"
        )
        assert response.status_code == 201, response.text


async def make_admin(user_id: str = ADMIN) -> None:
    await users.set_admin(user_id, True, username=f"user-{user_id}")


async def upload_quarantined(
    registry: SeededRegistry, user_id: str, name: str, version: str
) -> None:
    """A version uploaded through REST that the scan quarantines (waits for the scan)."""
    response = await upload_version(
        registry.stack.client, user_id, name, version, quarantined_zip(name, version)
    )
    assert response.status_code == 201, response.text
    await registry.stack.drain_jobs()


async def make_pending_publisher(
    registry: SeededRegistry, user_id: str = PENDING_OWNER, slug: str = PENDING_PUBLISHER
) -> None:
    """An unverified publisher that asked an admin to review it (manual verification)."""
    await make_publisher(user_id, slug, verified=False)
    response = await registry.stack.client.post(
        "/graphql",
        headers=bearer(user_id),
        json={
            "query": "mutation($d: JSON!) { requestVerification(method: MANUAL, data: $d) "
            "{ errors { code message } publisher { verificationStatus } } }",
            "variables": {"d": {"message": "We make the pending-team mods."}},
        },
    )
    body = response.json()
    assert body["data"]["requestVerification"]["errors"] == [], body
    assert body["data"]["requestVerification"]["publisher"]["verificationStatus"] == "PENDING"


async def choose_file(ui: UiPage, selector: str, name: str, data: bytes) -> None:
    await ui.page.locator(selector).set_input_files(
        files=[{"name": name, "mimeType": ZIP_TYPE, "buffer": data}]
    )


async def drop_file(ui: UiPage, selector: str, name: str, data: bytes) -> None:
    """Drops a file on the element as a person dragging it from their desktop would."""
    await ui.page.locator(selector).evaluate(
        """(zone, [name, type, b64]) => {
            const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name, { type }));
            for (const kind of ['dragenter', 'dragover', 'drop']) {
                const init = { bubbles: true, cancelable: true, dataTransfer: transfer };
                zone.dispatchEvent(new DragEvent(kind, init));
            }
        }""",
        [name, ZIP_TYPE, base64.b64encode(data).decode()],
    )


@dataclass
class SubscriptionFrames:
    """The graphql-transport-ws messages the page received."""

    received: list[dict[str, Any]] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        def on_socket(socket: WebSocket) -> None:
            socket.on("framereceived", self._on_frame)

        page.on("websocket", on_socket)

    def _on_frame(self, payload: str | bytes) -> None:
        text = payload.decode() if isinstance(payload, bytes) else payload
        try:
            self.received.append(json.loads(text))
        except json.JSONDecodeError:
            pass

    def statuses(self, version: str) -> list[str]:
        """The statuses `versionStatusChanged` pushed for `version`, in order."""
        found = []
        for message in self.received:
            event = ((message.get("payload") or {}).get("data") or {}).get("versionStatusChanged")
            if message.get("type") == "next" and event and event["version"]["version"] == version:
                found.append(event["status"])
        return found


# Chromium does not hand a FormData body with a file to Playwright's request events, so the page
# records each multipart request's `operations` part itself (kept in sessionStorage, which lasts
# across reloads of the tab).
RECORD_UPLOADS = """(() => {
    const send = XMLHttpRequest.prototype.send;
    XMLHttpRequest.prototype.send = function (body) {
        if (body instanceof FormData && typeof body.get('operations') === 'string') {
            const seen = JSON.parse(sessionStorage.getItem('test.uploads') || '[]');
            seen.push(JSON.parse(body.get('operations')));
            sessionStorage.setItem('test.uploads', JSON.stringify(seen));
        }
        return send.call(this, body);
    };
})();"""


@dataclass
class Uploads:
    """The `operations` part of every GraphQL multipart request the page sent."""

    page: Page | None = None

    async def watch(self, page: Page) -> None:
        self.page = page
        await page.add_init_script(RECORD_UPLOADS)

    async def operations(self) -> list[dict[str, Any]]:
        assert self.page is not None
        seen = await self.page.evaluate("() => sessionStorage.getItem('test.uploads') || '[]'")
        return list(json.loads(seen))


async def assert_all_persisted(ui: UiPage, uploads: Uploads) -> None:
    """Every GraphQL request named its operation by hash; queries and mutations went without
    their text (the build's manifest knows them). An upload is sent once, so it carries its
    text with the hash, which must be the text's SHA-256."""
    assert ui.graphql, "the page sent no GraphQL request"
    sent = await uploads.operations()
    unnamed = [call for call in ui.graphql if call.hash is None]
    assert len(unnamed) == len(sent), ui.graphql
    for call in ui.graphql:
        if call.hash is not None:
            assert call.query is None, call
    for operations in sent:
        persisted = operations["extensions"]["persistedQuery"]
        assert persisted["sha256Hash"] == sha256_hex(operations["query"]), operations
