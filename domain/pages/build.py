"""Turn what the scan collected (domain/pages/sources.py) into a version's page: sanitized
README and changelog HTML and a re-encoded icon, plus a warning for each part that could not
be used. Never raises for the archive's content: a bad icon or a broken document is a warning
on the upload, never a rejection. Pure CPU work, run on the scan's worker thread.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from domain.pages.icons import CleanIcon, IconError, clean_icon
from domain.pages.markdown import MarkdownError, render_markdown
from domain.pages.sources import CHANGELOG, ICON, README, ArchivePages

log = logging.getLogger("registry.pages")


@dataclass(slots=True)
class BuiltPages:
    readme_html: str = ""
    changelog_html: str = ""
    icon: CleanIcon | None = None
    warnings: list[str] = field(default_factory=list)


def _render(pages: ArchivePages, kind: str, built: BuiltPages) -> str:
    path = pages.paths.get(kind)
    if path is None:
        return ""
    if kind in pages.skipped:
        built.warnings.append(f"{path} {pages.skipped[kind]}: not shown on the package page")
        return ""
    try:
        return render_markdown(pages.data.get(kind, b""))
    except MarkdownError as exc:
        built.warnings.append(f"{path} {exc}: not shown on the package page")
    except Exception as exc:  # a renderer bug must not fail the scan: fail closed (no page)
        log.exception("rendering %s failed", path)
        built.warnings.append(
            f"{path} could not be rendered ({type(exc).__name__}): not shown on the package page"
        )
    return ""


def build_pages(pages: ArchivePages | None) -> BuiltPages:
    built = BuiltPages()
    if pages is None:
        return built
    built.readme_html = _render(pages, README, built)
    built.changelog_html = _render(pages, CHANGELOG, built)
    path = pages.paths.get(ICON)
    if path is not None:
        if ICON in pages.skipped:
            built.warnings.append(f"{path} {pages.skipped[ICON]}: no icon is shown")
        else:
            try:
                built.icon = clean_icon(pages.data.get(ICON, b""), path)
            except IconError as exc:
                built.warnings.append(f"{path} {exc}: no icon is shown")
            except Exception as exc:  # a decoder bug: no icon, never a failed scan
                log.exception("decoding %s failed", path)
                built.warnings.append(
                    f"{path} could not be decoded ({type(exc).__name__}): no icon is shown"
                )
    return built
