"""Shared checks of the hostile-input tests: what sanitized page HTML may hold."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from domain.pages.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS

SAFE_HREF = re.compile(r"(?:https?://|mailto:|#user-content-)[^\s\x00-\x1f]*", re.IGNORECASE)
FORBIDDEN_TAGS = {
    "script",
    "style",
    "iframe",
    "frame",
    "object",
    "embed",
    "svg",
    "math",
    "img",
    "image",
    "link",
    "meta",
    "base",
    "form",
    "input",
    "button",
    "textarea",
    "template",
    "video",
    "audio",
    "source",
    "picture",
    "use",
    "animate",
    "set",
}


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.comments: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)


def assert_safe_html(html: str) -> None:
    """No script, event handler, javascript:/data:/vbscript: URL, image or other active
    content: every tag and attribute is on the allowlists and every link is absolute http(s),
    mailto or an anchor of the same page."""
    collector = _Collector()
    collector.feed(html)
    collector.close()
    assert not collector.comments, collector.comments
    for tag, attrs in collector.tags:
        assert tag not in FORBIDDEN_TAGS, (tag, html)
        assert tag in ALLOWED_TAGS, (tag, html)
        allowed = ALLOWED_ATTRIBUTES.get(tag, set()) | {"rel"}
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name, html)
            assert name in allowed, (tag, name, html)
            value = value or ""
            if name == "href":
                assert SAFE_HREF.fullmatch(value), (value, html)
            if name == "style":
                assert re.fullmatch(r"text-align:\s*(left|right|center)", value), value
            if name == "rel":
                assert value == "nofollow noopener noreferrer"
            lowered = re.sub(r"[\s\x00-\x1f]", "", value).lower()
            for scheme in ("javascript:", "vbscript:", "data:"):
                assert scheme not in lowered, (tag, name, value)
    lowered_html = html.lower()
    # Text may mention these words (escaped), but never as markup.
    assert "<script" not in lowered_html and "<img" not in lowered_html
