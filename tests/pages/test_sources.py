"""The scanner's one pass collects the page's files from the package's root, bounded; what
they hold never changes the verdict."""

from __future__ import annotations

import io
import zipfile

from domain.pages.build import build_pages
from domain.pages.sources import CHANGELOG, ICON, README, PageEntry, choose_page_entries
from domain.scanning import ScanReport, scan_archive
from storage.readers import BytesReader
from tests.helpers import mod_zip
from tests.pages import images


def _scan(data: bytes, name: str = "PageMod") -> ScanReport:
    return scan_archive(
        BytesReader(data), package_type="mod", package_name=name, collect_pages=True
    )


def test_choose_prefers_the_manifest_folder_then_the_root_exact_case_first() -> None:
    entries = [
        PageEntry("Mod/tbConfig.yaml", 10, 10),
        PageEntry("Mod/readme.md", 10, 10),
        PageEntry("Mod/README.md", 10, 10),
        PageEntry("README.md", 10, 10),
        PageEntry("CHANGELOG.md", 10, 10),
        PageEntry("Mod/docs/CHANGELOG.md", 10, 10),
        PageEntry("Mod/icon.webp", 10, 10),
        PageEntry("icon.png", 10, 10),
        PageEntry("Mod/icon.png/", 0, 0),
    ]
    pages = choose_page_entries(entries, "Mod/tbConfig.yaml")
    assert pages.paths == {
        README: "Mod/README.md",
        CHANGELOG: "CHANGELOG.md",
        ICON: "Mod/icon.webp",
    }
    lower = choose_page_entries([PageEntry("Readme.MD", 1, 1)], None)
    assert lower.paths == {README: "Readme.MD"}
    nested_only = choose_page_entries([PageEntry("Mod/docs/README.md", 1, 1)], "Mod/tbConfig.yaml")
    assert nested_only.paths == {}


def test_oversized_entries_are_skipped_before_reading() -> None:
    pages = choose_page_entries(
        [PageEntry("README.md", 100, 300 * 1024), PageEntry("icon.png", 2 << 20, 100)], None
    )
    assert set(pages.skipped) == {README, ICON} and pages.wanted() == {}


def test_the_scan_collects_readme_changelog_and_icon() -> None:
    data = mod_zip(
        "PageMod",
        "1.0.0",
        extra={
            "PageMod/README.md": b"# Page Mod\n\n<script>alert(1)</script>[x](javascript:y)",
            "PageMod/CHANGELOG.md": b"## 1.0.0\n- first",
            "PageMod/icon.png": images.png_with_metadata(),
            "PageMod/docs/README.md": b"# not this one",
        },
    )
    report = _scan(data)
    assert report.passed, report.message
    pages = report.pages
    assert pages is not None
    assert pages.paths == {
        README: "PageMod/README.md",
        CHANGELOG: "PageMod/CHANGELOG.md",
        ICON: "PageMod/icon.png",
    }
    built = build_pages(pages)
    assert built.warnings == []
    assert built.readme_html.startswith('<h1 id="user-content-page-mod">Page Mod</h1>')
    assert "<script" not in built.readme_html and "alert(1)" not in built.readme_html
    assert "href" not in built.readme_html
    assert "<li>first</li>" in built.changelog_html
    assert built.icon is not None and b"SECRET" not in built.icon.data


def test_bad_pages_never_change_the_verdict() -> None:
    data = mod_zip(
        "PageMod",
        "1.0.0",
        extra={
            "PageMod/README.md": b"\xff\xfe not utf-8",
            "PageMod/CHANGELOG.md": b"x" * (300 * 1024),
            "PageMod/icon.png": images.gif(),
        },
    )
    report = _scan(data)
    assert report.passed, report.message
    built = build_pages(report.pages)
    assert built.readme_html == built.changelog_html == "" and built.icon is None
    assert built.warnings == [
        "PageMod/README.md is not UTF-8 text: not shown on the package page",
        "PageMod/CHANGELOG.md is larger than 256 KiB: not shown on the package page",
        "PageMod/icon.png is not a PNG image: no icon is shown",
    ]


def test_a_readme_inside_a_nested_archive_is_not_used() -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr("README.md", "# inner")
    data = mod_zip("PageMod", "1.0.0", extra={"PageMod/bundle.zip": inner.getvalue()})
    report = _scan(data)
    assert report.passed
    assert report.pages is not None and report.pages.paths == {}


def test_a_failed_scan_has_no_pages() -> None:
    data = mod_zip("PageMod", "1.0.0", extra={"PageMod/README.md": b"# hi"}) + b"trailing"
    report = _scan(data)
    assert not report.passed and report.pages is None


def test_without_collect_pages_nothing_is_kept() -> None:
    data = mod_zip("PageMod", "1.0.0", extra={"PageMod/README.md": b"# hi"})
    report = scan_archive(BytesReader(data), package_type="mod", package_name="PageMod")
    assert report.passed and report.pages is None
