"""README/CHANGELOG rendering against a hostile corpus: whatever the Markdown or raw HTML,
the page holds no script, event handler, javascript:/data: URL or image (remote or not)."""

from __future__ import annotations

import time

import pytest

from domain.pages.markdown import (
    MAX_HTML_DEPTH,
    MAX_MARKDOWN_BYTES,
    MarkdownError,
    render_markdown,
)
from tests.pages.hostile import assert_safe_html

JS_FORMS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "JAVASCRIPT:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "java&#x09;script:alert(1)",
    "&#106;avascript:alert(1)",
    "&#x6A;avascript:alert(1)",
    "&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058alert(1)",
    "javascript&colon;alert(1)",
    "javascript&#58;alert(1)",
    "javascript%3Aalert(1)",
    "\x01javascript:alert(1)",
    "vbscript:msgbox(1)",
    "VBScript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "DATA:text/html,<script>alert(1)</script>",
    "data:image/svg+xml,<svg onload=alert(1)>",
    "livescript:alert(1)",
    "file:///etc/passwd",
    "//evil.example/x",
    "\\\\evil.example\\x",
]

CORPUS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</script>",
    "<<script>script>alert(1)//<</script>/script>",
    '<img src="x" onerror="alert(1)">',
    "<img src=x onerror=alert(1)//",
    "<IMG SRC=javascript:alert('XSS')>",
    "<img srcset='https://evil.example/a.png 1x'>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg><a xlink:href='javascript:alert(1)'><text>x</text></a></svg>",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<iframe src='https://evil.example'></iframe>",
    "<iframe srcdoc='<script>alert(1)</script>'></iframe>",
    "<object data='javascript:alert(1)'></object>",
    "<embed src='javascript:alert(1)'>",
    "<style>body{background:url(javascript:alert(1))}</style>",
    "<div style='background:url(javascript:alert(1))'>x</div>",
    "<p style='position:fixed;top:0'>overlay</p>",
    "<a href='javascript:alert(1)'>x</a>",
    "<a href='https://ok.example' onclick='alert(1)'>x</a>",
    "<a href='https://ok.example' onmouseover=alert(1)>x</a>",
    "<a href='#top' id='top'>x</a>",
    "<div id='user-content-x' name='y'>clobber</div>",
    "<form action='https://evil.example'><input name=a><button>go</button></form>",
    "<base href='https://evil.example/'>",
    "<meta http-equiv='refresh' content='0;url=javascript:alert(1)'>",
    "<link rel=stylesheet href='https://evil.example/x.css'>",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)><summary>s</summary>x</details>",
    "<video><source onerror=alert(1)></video>",
    "<audio src=x onerror=alert(1)>",
    "<template><script>alert(1)</script></template>",
    "<noscript><p title='</noscript><img src=x onerror=alert(1)>'></noscript>",
    "<!-- <script>alert(1)</script> -->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<table background='javascript:alert(1)'><tr><td>x</td></tr></table>",
    "<td style='text-align:right;background:url(x)'>x</td>",
    "<isindex action=javascript:alert(1) type=image>",
    "<a href='jav&#x0A;ascript:alert(1)'>x</a>",
    '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;:alert(1)">x</a>',
    "<a href='  JaVaScRiPt:alert(1)'>x</a>",
    "<a href='data:text/html,<script>alert(1)</script>'>x</a>",
    "<a href='docs/guide.md'>relative</a>",
    "<a href='../../etc/passwd'>relative</a>",
    "![tracker](https://evil.example/pixel.gif)",
    "![local](docs/shot.png)",
    "![data](data:image/png;base64,iVBORw0KGgo=)",
    '![x](https://evil.example/a.png "title" onerror=alert(1))',
    "[![badge](https://img.shields.io/x.svg)](https://ok.example)",
    "[click](javascript:alert(1))",
    "[click](<javascript:alert(1)>)",
    "[click]( javascript:alert(1) )",
    "[click](JAVASCRIPT:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](javascript&#58;alert(1))",
    "[click](data:text/html,hi)",
    "[click](vbscript:msgbox)",
    "[ref]\n\n[ref]: javascript:alert(1)",
    "[ref][r]\n\n[r]: <javascript:alert(1)> 'title'",
    "[ref]\n\n[ref]: data:text/html,x",
    "[ref]\n\n[REF]: https://ok.example\n[ref]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "<https://ok.example/?q=<script>>",
    '[x](https://ok.example/" onclick="alert(1))',
    '[x](https://ok.example "a\\" onmouseover=\\"alert(1)")',
    "[anchor](#install)\n\n## Install",
    "[missing anchor](#nowhere)",
    "[relative](docs/guide.md)",
    "[mail](mailto:dev@example.com)",
    "```html\n<script>alert(1)</script>\n```",
    "`<img src=x onerror=alert(1)>`",
    "    <script>alert(1)</script>",
    "| a | b |\n|---|---|\n| <script>x</script> | <img src=x onerror=alert(1)> |",
    "> <a href=javascript:alert(1)>q</a>",
    "- [ ] <span onclick=alert(1)>task</span>",
    "<div><p><b onmouseover=alert(1)>nested</b></p></div>",
    "<a href='https://ok.example'><img src='https://evil.example/x.png'></a>",
    "<x-custom onclick=alert(1)>custom</x-custom>",
    "<plaintext><script>alert(1)</script>",
    "<xmp><script>alert(1)</script></xmp>",
    "\x00<script>alert(1)</script>",
    "<scr\x00ipt>alert(1)</script>",
    '<a href="java\x00script:alert(1)">x</a>',
    "<ol start='1 onclick=alert(1)'><li>x</li></ol>",
]


@pytest.mark.parametrize("source", CORPUS)
def test_hostile_document_is_safe(source: str) -> None:
    html = render_markdown(source.encode())
    assert_safe_html(html)


@pytest.mark.parametrize("url", JS_FORMS)
def test_every_form_of_dangerous_link_loses_its_href(url: str) -> None:
    for source in (
        f"[x]({url})",
        f"[x](<{url}>)",
        f"[x][r]\n\n[r]: {url}",
        f'<a href="{url}">x</a>',
        f"<a href='{url}'>x</a>",
        f"![x]({url})",
        f'<img src="{url}">',
    ):
        html = render_markdown(source.encode())
        assert_safe_html(html)
        assert "href" not in html, (source, html)


def test_everything_at_once_is_safe() -> None:
    source = "\n\n".join(CORPUS + [f"[x]({url})" for url in JS_FORMS])
    assert_safe_html(render_markdown(source.encode()))


def test_kept_markup() -> None:
    html = render_markdown(
        b"# My Mod\n\nSee [docs](https://docs.example/x?a=1&b=2) and [install](#install).\n\n"
        b"## Install\n\n| key | value |\n|:--|--:|\n| a | 1 |\n\n"
        b"![Screenshot](shot.png)\n\n<details><summary>More</summary>text</details>\n\n"
        b"```py\nprint('<hi>')\n```\n"
    )
    assert '<h1 id="user-content-my-mod">My Mod</h1>' in html
    assert (
        '<a href="https://docs.example/x?a=1&amp;b=2" rel="nofollow noopener noreferrer">docs</a>'
        in html
    )
    assert '<a href="#user-content-install" rel="nofollow noopener noreferrer">install</a>' in html
    assert '<h2 id="user-content-install">Install</h2>' in html
    assert "<table>" in html and '<td style="text-align:right">1</td>' in html
    assert "Screenshot" in html and "shot.png" not in html  # images become their alt text
    assert "<details><summary>More</summary>text</details>" in html
    assert "print('&lt;hi&gt;')" in html
    assert_safe_html(html)


def test_relative_links_keep_their_text_only() -> None:
    html = render_markdown(b"[guide](docs/guide.md) [up](../x) [q](?a=1) [abs](/etc)")
    assert "href" not in html and "guide" in html and "up" in html
    assert_safe_html(html)


def test_duplicate_headings_get_distinct_anchors() -> None:
    html = render_markdown(b"# A\n# A\n[second](#a-1)")
    assert 'id="user-content-a"' in html and 'id="user-content-a-1"' in html
    assert 'href="#user-content-a-1"' in html


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        (b"\xff\xfe\x00bad", "not UTF-8"),
        (b"x" * (MAX_MARKDOWN_BYTES + 1), "larger than"),
        (b"<div>" * (MAX_HTML_DEPTH + 1), "nests HTML"),
        (b"[" * 5000, "unmatched"),
    ],
)
def test_broken_documents_are_refused_with_a_reason(source: bytes, problem: str) -> None:
    with pytest.raises(MarkdownError, match=problem):
        render_markdown(source)


@pytest.mark.parametrize(
    "source",
    [
        b">" * 100_000,
        b"- " * 100_000,
        b"*" * 200_000,
        b"_a" * 100_000,
        b"`" * 200_000,
        b"<span>" * 40_000,
        b"[a](" * 50_000,
        b"&amp;" * 50_000,
        b"\n".join(b"  " * i + b"- x" for i in range(2_000)),
        b"".join(b"[%d]: https://x.example/%d\n" % (i, i) for i in range(5_000)),
    ],
    ids=[
        "quotes",
        "list-markers",
        "stars",
        "underscores",
        "backticks",
        "spans",
        "open-links",
        "entities",
        "indented-lists",
        "reference-definitions",
    ],
)
def test_pathological_nesting_is_bounded(source: bytes) -> None:
    started = time.perf_counter()
    try:
        html = render_markdown(source)
    except MarkdownError:
        return
    assert_safe_html(html)
    # Generous: the machine is shared; the point is "seconds, not minutes".
    assert time.perf_counter() - started < 30
