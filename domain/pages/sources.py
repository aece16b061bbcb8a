"""Which archive entries make a package's page: README.md, CHANGELOG.md and icon.png/.webp.

They are taken from the package's root: the folder holding its manifest (`Name/` for a mod
laid out as `Name/tbConfig.yaml`, the archive root otherwise), then the archive root. Exact
spellings win over other cases (`readme.md`), as for the manifest; folders never match. Only
the top-level archive counts, never a nested one.

The scanner reads the chosen entries during its one sequential pass (no second pass over the
archive), keeping at most each one's limit; an entry over its limit (declared or compressed)
is not read and becomes a warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from domain.pages.icons import MAX_ICON_BYTES
from domain.pages.markdown import MAX_MARKDOWN_BYTES

README = "readme"
CHANGELOG = "changelog"
ICON = "icon"

CANDIDATES: dict[str, tuple[str, ...]] = {
    README: ("README.md",),
    CHANGELOG: ("CHANGELOG.md",),
    ICON: ("icon.png", "icon.webp"),
}
LIMITS = {README: MAX_MARKDOWN_BYTES, CHANGELOG: MAX_MARKDOWN_BYTES, ICON: MAX_ICON_BYTES}


@dataclass(frozen=True, slots=True)
class PageEntry:
    name: str
    compressed_size: int
    uncompressed_size: int


@dataclass(slots=True)
class ArchivePages:
    """What the scan found for the page: kind → entry name, kind → bytes read, and the
    entries that were found but not read (kind → why)."""

    paths: dict[str, str] = field(default_factory=dict)
    data: dict[str, bytes] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

    def wanted(self) -> dict[str, str]:
        """Entry name → kind, for the entries the scan should keep."""
        return {path: kind for kind, path in self.paths.items() if kind not in self.skipped}


def _roots(manifest_path: str | None) -> list[str]:
    roots: list[str] = []
    if manifest_path and "/" in manifest_path:
        roots.append(manifest_path.rsplit("/", 1)[0] + "/")
    roots.append("")
    return roots


def choose_page_entries(entries: Sequence[PageEntry], manifest_path: str | None) -> ArchivePages:
    """Pick the page's entries among the archive's (see the module docstring)."""
    files = {entry.name: entry for entry in entries if not entry.name.endswith("/")}
    folded: dict[str, PageEntry] = {}
    for entry in files.values():
        folded.setdefault(entry.name.casefold(), entry)
    pages = ArchivePages()
    for kind, names in CANDIDATES.items():
        found: PageEntry | None = None
        for root in _roots(manifest_path):
            for name in names:
                found = files.get(root + name) or folded.get((root + name).casefold())
                if found is not None:
                    break
            if found is not None:
                break
        if found is None:
            continue
        pages.paths[kind] = found.name
        limit = LIMITS[kind]
        if found.uncompressed_size > limit or found.compressed_size > limit:
            pages.skipped[kind] = f"is larger than {limit // 1024} KiB"
    return pages
