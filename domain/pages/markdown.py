"""README and changelog Markdown to safe HTML: markdown-it-py (CommonMark + tables), then nh3.

What survives, whatever the Markdown or raw HTML asks for:

* an explicit list of tags (`ALLOWED_TAGS`) and, per tag, of attributes (`ALLOWED_ATTRIBUTES`);
  `script`, `style`, `iframe`, `svg`, `math`, `object`, `embed`, `template`, `noscript`, form
  controls and the like are removed together with their content; every other unknown tag is
  removed and its text kept;
* no event handler (`on*`) or `style` attribute (table cells keep `text-align` only);
* links: absolute `http(s)://` and `mailto:` links, with `rel="nofollow noopener noreferrer"`;
  `#fragment` links only when the fragment names a heading of the same document (ids are
  prefixed `user-content-` so a README cannot clobber the page's own ids). Every other link
  (relative paths, `javascript:`, `data:`, `vbscript:`, any other scheme, however encoded) loses
  its `href` and stays as plain text;
* no images at all. The registry does not serve files from inside archives (only the whole
  archive), so an image could only be remote (a tracking pixel, and content that changes after
  the scan) or unresolvable; Markdown images are rendered as their alt text and `<img>` tags
  are removed.

Input is bounded by the caller (`MAX_MARKDOWN_BYTES`); the HTML produced is bounded too
(`MAX_HTML_CHARS`), and nesting by markdown-it's `maxNesting`. Pure CPU work: the scan runs it
on its worker thread, never on the event loop.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token

# markdown-it-py is pure Python and some inputs cost it quadratic time (a long run of `[`):
# 256 KiB keeps the worst document this module was tried on to a few seconds of the scan job.
MAX_MARKDOWN_BYTES = 256 * 1024
# html5ever (inside nh3) slows down quadratically with the depth of open block elements.
MAX_HTML_DEPTH = 200
# Each `[` without a `]` after it makes markdown-it scan to the end of its block.
MAX_UNMATCHED_BRACKETS = 2000
# Rendering can multiply the size (a list item per line); past this the page is not kept.
MAX_HTML_CHARS = 1024 * 1024
MAX_NESTING = 20
MAX_HEADING_IDS = 1000
ID_PREFIX = "user-content-"
LINK_REL = "nofollow noopener noreferrer"

ALLOWED_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "code",
        "dd",
        "del",
        "details",
        "div",
        "dl",
        "dt",
        "em",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "ins",
        "kbd",
        "li",
        "mark",
        "ol",
        "p",
        "pre",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strong",
        "sub",
        "summary",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
        "var",
    }
)
# Removed with everything inside them (the rest of the unknown tags keep their text).
REMOVED_WITH_CONTENT = frozenset(
    {
        "script",
        "style",
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "svg",
        "math",
        "template",
        "noscript",
        "noembed",
        "noframes",
        "textarea",
        "select",
        "option",
        "button",
        "form",
        "title",
        "xmp",
        "plaintext",
        "audio",
        "video",
        "canvas",
        "link",
        "meta",
        "base",
    }
)
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "ol": {"start"},
    "td": {"style"},
    "th": {"style"},
    **{f"h{level}": {"id"} for level in range(1, 7)},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})

_ABSOLUTE = re.compile(r"(?:https?://|mailto:)[^\s\x00-\x1f\x7f]+", re.IGNORECASE)
_SLUG_DROP = re.compile(r"[^\w\- ]+")
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]{0,20})\b[^<>]{0,4096}?(/?)>")
# Elements that never nest: void ones, and ones whose end tag may be left out (the parser closes
# them on the next sibling), which would otherwise be counted as ever deeper.
_FLAT = frozenset(
    {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
        "p",
        "li",
        "dt",
        "dd",
        "tr",
        "td",
        "th",
        "option",
        "thead",
        "tbody",
        "tfoot",
        "colgroup",
        "caption",
        "rt",
        "rp",
        "optgroup",
    }
)


class MarkdownError(Exception):
    """The document could not be turned into a page (the upload gets a warning)."""


def slugify(text: str) -> str:
    """GitHub-style heading anchor: lower case, punctuation dropped, spaces to hyphens."""
    text = unicodedata.normalize("NFKC", text).strip().lower()
    return _SLUG_DROP.sub("", text).replace(" ", "-")[:100]


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "maxNesting": MAX_NESTING}).enable("table")

    def image(
        renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: Any, env: Any
    ) -> str:
        # No images (see the module docstring): the alt text stands in.
        token = tokens[idx]
        return escapeHtml(renderer.renderInlineAsText(token.children or [], options, env))

    md.add_render_rule("image", image)
    return md


_MD = _parser()


def _anchor_headings(tokens: list[Token]) -> set[str]:
    """Give headings `user-content-<slug>` ids; return the slugs (links may point at them)."""
    slugs: set[str] = set()
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or len(slugs) >= MAX_HEADING_IDS:
            continue
        inline = tokens[index + 1] if index + 1 < len(tokens) else None
        base = slugify(inline.content if inline is not None else "")
        if not base:
            continue
        slug, counter = base, 0
        while slug in slugs:
            counter += 1
            slug = f"{base}-{counter}"
        slugs.add(slug)
        token.attrSet("id", ID_PREFIX + slug)
    return slugs


def html_depth(html: str) -> int:
    """An upper estimate of how deep elements nest in `html` (linear, regex without
    backtracking across tags): end tags close the nearest open element of their name."""
    depth = deepest = 0
    open_counts: dict[str, int] = {}
    for match in _TAG.finditer(html):
        closing, name, self_closing = match.group(1), match.group(2).lower(), match.group(3)
        if name in _FLAT or self_closing:
            continue
        if closing:
            if open_counts.get(name):
                open_counts[name] -= 1
                depth -= 1
        else:
            open_counts[name] = open_counts.get(name, 0) + 1
            depth += 1
            deepest = max(deepest, depth)
    return deepest


def sanitize(html: str, slugs: set[str]) -> str:
    """nh3 with the allowlists above; links and ids judged by `_attribute`."""

    def attribute(tag: str, name: str, value: str) -> str | None:
        if name == "href":
            value = value.strip()
            if value.startswith("#"):
                fragment = value[1:]
                if fragment.startswith(ID_PREFIX):
                    fragment = fragment[len(ID_PREFIX) :]
                fragment = fragment.lower()
                return f"#{ID_PREFIX}{fragment}" if fragment in slugs else None
            return value if _ABSOLUTE.fullmatch(value) else None
        if name == "id":
            # Only the ids this module gave headings (raw HTML ids are dropped).
            if value.startswith(ID_PREFIX) and value[len(ID_PREFIX) :] in slugs:
                return value
            return None
        if name == "start":
            return value if value.isdigit() and len(value) <= 9 else None
        return value

    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(REMOVED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=attribute,
        strip_comments=True,
        link_rel=LINK_REL,
        url_schemes=set(URL_SCHEMES),
        filter_style_properties={"text-align"},
    )


def render_markdown(source: bytes) -> str:
    """Render and sanitize one Markdown document. Raises MarkdownError for input that is too
    large, not UTF-8, or whose page would be too large; never returns unsafe HTML."""
    if len(source) > MAX_MARKDOWN_BYTES:
        raise MarkdownError(f"is larger than {MAX_MARKDOWN_BYTES // 1024} KiB")
    try:
        text = source.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MarkdownError("is not UTF-8 text") from None
    if text.count("[") - text.count("]") > MAX_UNMATCHED_BRACKETS:
        raise MarkdownError(f"has more than {MAX_UNMATCHED_BRACKETS} unmatched '['")
    try:
        env: dict[str, Any] = {}
        tokens = _MD.parse(text, env)
        slugs = _anchor_headings(tokens)
        html = _MD.renderer.render(tokens, _MD.options, env)
    except RecursionError:
        raise MarkdownError("is nested too deeply to render") from None
    if len(html) > MAX_HTML_CHARS:
        raise MarkdownError("renders to a page larger than 1 MiB")
    if html_depth(html) > MAX_HTML_DEPTH:
        raise MarkdownError(f"nests HTML elements more than {MAX_HTML_DEPTH} deep")
    clean = sanitize(html, slugs)
    if len(clean) > MAX_HTML_CHARS:  # pragma: no cover - sanitizing only removes
        raise MarkdownError("renders to a page larger than 1 MiB")
    return clean
