"""Search quality on each database's own engine (issue 14 acceptance): 50 real-looking
ToolBoxV2 mods, and a table of queries with the results that must come first. The same table
passes on SQLite (FTS5) and PostgreSQL (tsvector + pg_trgm)."""

from __future__ import annotations

import pytest

from domain.actor import Actor
from domain.models import Package
from domain.names import name_key
from domain.services import listing
from domain.services.listing import ListingQuery
from tests.fixtures.stack import Stack
from tests.helpers import make_publisher

# name, description, keywords, downloads
MODS: list[tuple[str, str, list[str], int]] = [
    ("auto-save", "Saves your open sessions every few minutes", ["backup", "session"], 5400),
    ("autosave-cloud", "Uploads autosaves to your CloudM storage", ["cloud", "backup"], 310),
    ("dark-theme", "A dark colour theme for the ToolBox desktop", ["theme", "ui"], 9100),
    ("solarized-theme", "Solarized light and dark palettes", ["theme", "colors"], 2200),
    ("isaa-agents", "Autonomous agents on top of the ISAA assistant", ["ai", "agents"], 7700),
    ("isaa-memory", "Long term vector memory for ISAA", ["ai", "memory"], 1300),
    ("cloudm-auth", "Login with CloudM accounts and API keys", ["auth", "cloud"], 8800),
    ("cloudm-sync", "Two way file sync with CloudM", ["sync", "cloud"], 640),
    ("db-sqlite", "SQLite backend for the ToolBox database interface", ["database"], 4100),
    ("db-redis", "Redis backend with pub/sub events", ["database", "cache"], 3900),
    ("web-dashboard", "Live dashboard widgets in the browser", ["web", "widgets"], 2500),
    ("weather-widget", "Shows the local weather forecast", ["widget", "weather"], 1200),
    ("pomodoro-timer", "Focus timer with the pomodoro technique", ["productivity"], 980),
    ("task-board", "Kanban board for your todo items", ["productivity", "kanban"], 1500),
    ("markdown-notes", "Write notes in Markdown with live preview", ["notes", "markdown"], 3300),
    ("pdf-export", "Export any page as a PDF document", ["pdf", "export"], 870),
    ("git-helper", "Commit, push and review pull requests from ToolBox", ["git", "dev"], 2900),
    ("docker-manager", "Start, stop and inspect Docker containers", ["docker", "devops"], 2400),
    ("ssh-tunnel", "Manage SSH tunnels and port forwards", ["ssh", "network"], 760),
    ("log-viewer", "Tail and filter log files with colours", ["logs", "dev"], 1900),
    ("cron-scheduler", "Run ToolBox commands on a schedule", ["cron", "automation"], 1100),
    ("email-digest", "A daily digest of your unread email", ["email"], 450),
    ("rss-reader", "Follow feeds and read articles offline", ["rss", "news"], 690),
    ("music-player", "Play local music with a mini player", ["music", "media"], 2100),
    ("video-transcoder", "Convert videos with ffmpeg presets", ["video", "ffmpeg"], 530),
    ("image-resizer", "Batch resize and compress images", ["images"], 1400),
    ("qr-codes", "Generate and scan QR codes", ["qr"], 820),
    ("password-vault", "Encrypted password storage with a master key", ["security"], 3600),
    ("totp-authenticator", "Two factor one time passwords", ["security", "2fa"], 1700),
    ("vpn-switch", "Toggle WireGuard VPN profiles", ["vpn", "network"], 540),
    ("system-monitor", "CPU, memory and disk usage graphs", ["monitoring"], 4400),
    ("battery-saver", "Reduce background work on laptops", ["power"], 300),
    ("clipboard-history", "Searchable history of everything you copied", ["clipboard"], 2600),
    ("screenshot-tool", "Capture regions and annotate screenshots", ["screenshots"], 1800),
    ("translator", "Translate text between 100 languages", ["language"], 2000),
    ("spell-checker", "Spelling and grammar hints while typing", ["language"], 900),
    ("code-formatter", "Format Python, JavaScript and Rust sources", ["dev", "format"], 2300),
    ("api-tester", "Send HTTP requests and inspect responses", ["http", "dev"], 1600),
    ("json-viewer", "Pretty print and query JSON documents", ["json", "dev"], 1000),
    ("csv-tools", "Join, filter and convert CSV tables", ["csv", "data"], 700),
    ("chart-builder", "Plot data as bar, line and pie charts", ["charts", "data"], 1250),
    ("calendar-sync", "Sync events with CalDAV calendars", ["calendar"], 610),
    ("contact-book", "Address book with vCard import", ["contacts"], 350),
    ("habit-tracker", "Track daily habits and streaks", ["productivity"], 480),
    ("expense-tracker", "Budgets and receipts in one place", ["finance"], 760),
    ("crypto-ticker", "Live prices of crypto currencies", ["finance", "crypto"], 520),
    ("home-assistant-bridge", "Control Home Assistant devices", ["smart-home"], 1450),
    ("mqtt-client", "Publish and subscribe to MQTT topics", ["mqtt", "iot"], 430),
    ("game-launcher", "Launch Steam and local games", ["games"], 980),
    ("retro-terminal", "A CRT terminal theme with scanlines", ["theme", "terminal"], 660),
]

# query -> the names that must come first, in this order
EXPECTED: list[tuple[str, list[str]]] = [
    ("auto-save", ["auto-save"]),  # exact name (hyphenated) first
    ("AUTO-SAVE", ["auto-save"]),
    ("autosave", ["autosave-cloud"]),  # name prefix
    ("auto save", ["auto-save"]),  # words of a hyphenated name
    ("autosvae", ["auto-save"]),  # one typo (transposition)
    ("dokcer-manager", ["docker-manager"]),  # one typo in a hyphenated name
    ("pomodoro", ["pomodoro-timer"]),  # prefix
    ("theme", ["dark-theme", "solarized-theme", "retro-terminal"]),  # substring, then text
    ("kanban", ["task-board"]),  # a keyword
    ("ffmpeg", ["video-transcoder"]),  # a word from the description
    ("containers", ["docker-manager"]),
    ("wireguard", ["vpn-switch"]),
    ('"vector memory"', ["isaa-memory"]),  # a quoted phrase
    ('"memory vector"', []),  # a phrase holds its word order
    ("isaa", ["isaa-agents", "isaa-memory"]),  # prefix, by downloads
    ("markdown", ["markdown-notes"]),
    ("cloudm", ["cloudm-auth", "cloudm-sync"]),
]


async def _catalogue() -> None:
    publisher = await make_publisher("u1", "mods")
    for name, description, keywords, downloads in MODS:
        await Package.create(
            name=name,
            name_key=name_key(name),
            display_name=name.replace("-", " ").title(),
            publisher_id=publisher.id,
            description=description,
            keywords=keywords,
            total_downloads=downloads,
        )


async def _names(search: str) -> list[str]:
    rows, _ = await listing.numbered_page(Actor(), ListingQuery(search=search), page=1, per_page=10)
    return [row.name for row in rows]


async def test_the_query_table(stack: Stack) -> None:
    assert len(MODS) == 50
    await _catalogue()
    for query, expected in EXPECTED:
        found = await _names(query)
        if expected:
            assert found[: len(expected)] == expected, (query, found)
        else:
            assert found == [], (query, found)


async def test_deprecated_packages_rank_last(stack: Stack) -> None:
    await _catalogue()
    await Package.filter(name="dark-theme").update(status="deprecated")
    found = await _names("theme")
    assert found[0] == "solarized-theme" and found[-1] == "dark-theme", found


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "-",
        "--",
        '""',
        "'",
        "a OR b",
        "theme NOT dark",
        "NEAR(a b)",
        "*",
        "theme*",
        "^theme",
        "col:theme",
        "{name}: theme",
        "(((",
        "a & b | !c",
        "<->",
        "%_%",
        "\\",
        "ünïcödé ☃ 漢字",
        "x" * 500,
        "auto-save " * 60,
        '"unterminated phrase',
        "pkg-0001",
    ],
)
async def test_hostile_searches_never_fail(stack: Stack, query: str) -> None:
    await _catalogue()
    response = await stack.client.get("/api/v1/search", params={"q": query})
    assert response.status_code == 200, (query, response.text)
    graphql = await stack.client.post(
        "/graphql",
        json={
            "query": "query($q: String) { packages(search: $q, first: 5) { totalCount } }",
            "variables": {"q": query},
        },
    )
    assert graphql.status_code == 200 and "errors" not in graphql.json(), graphql.text
    await listing.facet_counts(Actor(), ListingQuery(search=query))
