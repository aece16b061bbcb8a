"""Reading a package's page (domain/pages/): the latest version's README and changelog HTML
and its icon, as the REST detail, the icon route and GraphQL show them.

The page is the latest version's (`Package.latest_version`: highest published, non-yanked), so
it follows the same visibility as the detail: whoever may see the package sees its page.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import quote

from domain.context import RegistryContext
from domain.enums import VersionStatus
from domain.models import Package, PackageVersion
from domain.pages.icons import MAX_ICON_BYTES
from domain.services import replication
from domain.services.downloads import open_blob
from storage.keys import sha256_of_key

# The icon URL names its content (`?v=`), so a new icon gets a new URL and an answer to a
# URL naming the current icon may be cached for good.
ICON_TOKEN_CHARS = 16


@dataclass(frozen=True, slots=True)
class PageView:
    readme_html: str = ""
    changelog_html: str = ""
    icon_key: str = ""

    @property
    def icon_sha256(self) -> str:
        return sha256_of_key(self.icon_key) if self.icon_key else ""

    @property
    def icon_token(self) -> str:
        return self.icon_sha256[:ICON_TOKEN_CHARS]


EMPTY = PageView()


def icon_url(package_name: str, icon_key: str) -> str:
    """Root-relative URL of the package's icon route, naming this icon; "" without one."""
    if not icon_key:
        return ""
    token = sha256_of_key(icon_key)[:ICON_TOKEN_CHARS]
    return f"/api/v1/packages/{quote(package_name, safe='')}/icon?v={token}"


def page_of(row: PackageVersion | None) -> PageView:
    if row is None:
        return EMPTY
    return PageView(row.readme_html or "", row.changelog_html or "", row.icon_key or "")


async def latest_page(package: Package) -> PageView:
    """The page of the package's latest version (empty when it has none). The caller has
    already checked that the package is visible."""
    if not package.latest_version:
        return EMPTY
    rows = await (
        PackageVersion.filter(
            package_id=package.id,
            version=package.latest_version,
            status=VersionStatus.PUBLISHED,
        )
        .limit(1)
        .values("readme_html", "changelog_html", "icon_key")
    )
    if not rows:
        return EMPTY
    row = rows[0]
    return PageView(
        str(row["readme_html"] or ""), str(row["changelog_html"] or ""), str(row["icon_key"] or "")
    )


@dataclass(frozen=True, slots=True)
class IconBytes:
    data: bytes
    sha256: str


async def read_icon(ctx: RegistryContext, key: str) -> IconBytes | None:
    """The stored icon (at most MAX_ICON_BYTES, read whole), or None when no copy is known."""
    obj = await replication.icon_object(key)
    if obj is None or obj.size > MAX_ICON_BYTES:
        return None
    parts: list[bytes] = []
    chunks: AsyncIterator[bytes] = open_blob(ctx, key, 0, obj.size)
    async for chunk in chunks:
        parts.append(chunk)
    return IconBytes(b"".join(parts), obj.sha256)
