"""The Atom writer alone (registry/rest/feeds.render): text no database would even store
(NUL, lone surrogates, U+FFFF) and markup-like text still make well-formed XML that
feedparser reads back as the text given, less what XML cannot carry."""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import feedparser

from registry.rest.feeds import MAX_SUMMARY_CHARS, Entry, Feed, render

ATOM_NS = "{http://www.w3.org/2005/Atom}"
WHEN = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)
NASTY = "a\x00b\x01c\ud800d\uffffe ]]><![CDATA[ <script>x</script> &amp; \"'\t\nf"
SHOWN = "abcde ]]><![CDATA[ <script>x</script> &amp; \"'\t\nf"


def _feed(text: str, summary: str | None = None) -> Feed:
    entry = Entry(
        title=text,
        page="/packages/p",
        api="/api/v1/packages/p",
        entry_id="urn:tb-registry:package:p",
        summary=text if summary is None else summary,
        author=text,
        published=WHEN,
        updated=WHEN,
    )
    return Feed("urn:tb-registry:feed:test", text, text, "/", [entry])


def test_unstorable_and_markup_text_stays_well_formed() -> None:
    body = render(_feed(NASTY), "https://registry.example", "/api/v1/feeds/test.atom")
    root = ET.fromstring(body)  # raises on anything not well-formed
    assert root.tag == f"{ATOM_NS}feed"
    assert root.findtext(f"{ATOM_NS}entry/{ATOM_NS}title") == SHOWN
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    entry = parsed.entries[0]
    assert entry.title == SHOWN
    assert html.unescape(entry.summary) == SHOWN  # shown as text, never as markup
    assert entry.link == "https://registry.example/packages/p"
    assert parsed.feed.updated_parsed[:5] == (2026, 1, 31, 12, 0)


def test_long_summaries_are_cut_and_links_stay_relative_without_a_base() -> None:
    body = render(_feed("p", "y" * (MAX_SUMMARY_CHARS * 3)), None, "/api/v1/feeds/test.atom")
    entry = ET.fromstring(body).find(f"{ATOM_NS}entry")
    assert entry is not None
    summary = entry.findtext(f"{ATOM_NS}summary") or ""
    assert summary == "y" * MAX_SUMMARY_CHARS + "…"
    hrefs = {link.get("rel"): link.get("href") for link in entry.iter(f"{ATOM_NS}link")}
    assert hrefs == {"alternate": "/packages/p", "related": "/api/v1/packages/p"}
