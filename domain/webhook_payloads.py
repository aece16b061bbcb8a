"""What a webhook receives: the event's JSON document, or the Discord-compatible message
made from it (a hook's `format`). Pure functions over plain data; the outbox
(domain/services/webhook_outbox.py) gathers the data and stores the rendered bytes.

JSON document (`format` json):

    {"id": "<event id>", "event": "version.published", "created_at": "<ISO 8601>",
     "publisher": {...}, "package": {...}, "version": {...}, "details": {...}}

`id` names the event: the same in every retry and redelivery (receivers dedupe by it);
`package` and `version` appear when the event is about one; `details` holds what only that
event has (a yank's reason, a transfer's two publishers, ...). Everything in it is what the
hook's owners (the publisher's owners) may see anyway.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from domain.enums import WebhookEvent, WebhookFormat

DISCORD_USERNAME = "TB Registry"
# Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
DISCORD_CONTENT_MAX = 2000
DISCORD_TITLE_MAX = 256
DISCORD_DESCRIPTION_MAX = 4096
DISCORD_FIELD_NAME_MAX = 256
DISCORD_FIELD_VALUE_MAX = 1024
DISCORD_FIELDS_MAX = 25
DISCORD_EMBED_TOTAL_MAX = 6000

# One line per event: what happened, for Discord's content and embed title.
HEADLINES: dict[WebhookEvent, str] = {
    WebhookEvent.VERSION_PUBLISHED: "{package} {version} was published",
    WebhookEvent.VERSION_QUARANTINED: "{package} {version} was quarantined",
    WebhookEvent.VERSION_YANKED: "{package} {version} was yanked",
    WebhookEvent.PACKAGE_DEPRECATED: "{package} was deprecated",
    WebhookEvent.PACKAGE_TRANSFERRED: "{package} was transferred",
    WebhookEvent.PUBLISHER_VERIFIED: "Publisher {publisher} was verified",
    WebhookEvent.PUBLISHER_SUSPENDED: "Publisher {publisher} was suspended",
}
# Embed colours: green for good news, amber for warnings, red for trouble, blue otherwise.
COLORS: dict[WebhookEvent, int] = {
    WebhookEvent.VERSION_PUBLISHED: 0x2E7D32,
    WebhookEvent.VERSION_QUARANTINED: 0xC62828,
    WebhookEvent.VERSION_YANKED: 0xF9A825,
    WebhookEvent.PACKAGE_DEPRECATED: 0xF9A825,
    WebhookEvent.PACKAGE_TRANSFERRED: 0x1565C0,
    WebhookEvent.PUBLISHER_VERIFIED: 0x2E7D32,
    WebhookEvent.PUBLISHER_SUSPENDED: 0xC62828,
}


@dataclass(frozen=True)
class EventData:
    """One event, as the payload shows it (JSON-ready dicts)."""

    event_id: str
    event: WebhookEvent
    created_at: datetime
    publisher: dict[str, Any]
    package: dict[str, Any] | None = None
    version: dict[str, Any] | None = None
    details: dict[str, Any] = field(default_factory=dict)


def package_page_url(name: str, base_url: str | None) -> str | None:
    """The package's page in the web UI, when the registry knows its public address."""
    return f"{base_url}/packages/{quote(name, safe='')}" if base_url else None


def document(data: EventData) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": data.event_id,
        "event": str(data.event),
        "created_at": data.created_at.isoformat(),
        "publisher": data.publisher,
    }
    if data.package is not None:
        doc["package"] = data.package
    if data.version is not None:
        doc["version"] = data.version
    doc["details"] = data.details
    return doc


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def headline(data: EventData) -> str:
    return HEADLINES[data.event].format(
        package=(data.package or {}).get("name", ""),
        version=(data.version or {}).get("version", ""),
        publisher=data.publisher.get("name", ""),
    )


def _fields(data: EventData) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = [("Publisher", str(data.publisher.get("name", "")))]
    if data.package is not None:
        pairs.append(("Package", str(data.package.get("name", ""))))
    if data.version is not None:
        pairs.append(("Version", str(data.version.get("version", ""))))
    for key, value in data.details.items():
        if value not in (None, "", [], {}):
            pairs.append((key.replace("_", " ").capitalize(), str(value)))
    return pairs


def discord_message(data: EventData) -> dict[str, Any]:
    """A message Discord's "execute webhook" accepts, within its limits."""
    title = _clip(headline(data), DISCORD_TITLE_MAX)
    description = _clip(
        str(data.details.get("reason") or data.details.get("message") or ""),
        DISCORD_DESCRIPTION_MAX,
    )
    # The embed's text counts against one total; the fields go first to the cut.
    budget = DISCORD_EMBED_TOTAL_MAX - len(title) - len(description)
    fields: list[dict[str, Any]] = []
    for name, value in _fields(data)[:DISCORD_FIELDS_MAX]:
        name = _clip(name, DISCORD_FIELD_NAME_MAX)
        value = _clip(value, DISCORD_FIELD_VALUE_MAX)
        if len(name) + len(value) > budget:
            break
        budget -= len(name) + len(value)
        fields.append({"name": name, "value": value, "inline": len(value) <= 40})
    embed: dict[str, Any] = {
        "title": title,
        "color": COLORS[data.event],
        "timestamp": data.created_at.isoformat(),
        "fields": fields,
    }
    if description:
        embed["description"] = description
    url = (data.package or {}).get("url")
    if url:
        embed["url"] = url
    return {
        "username": DISCORD_USERNAME,
        "content": _clip(headline(data), DISCORD_CONTENT_MAX),
        "embeds": [embed],
        # A package name is the publisher's text: never let it ping anyone.
        "allowed_mentions": {"parse": []},
    }


def render(data: EventData, format: WebhookFormat) -> str:
    """The body a hook of `format` is sent, as text (sent UTF-8 encoded)."""
    payload = discord_message(data) if format == WebhookFormat.DISCORD else document(data)
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False, default=str)
