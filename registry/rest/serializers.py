"""Domain rows to the response shapes of registry/rest/shapes.py (REST_CONTRACT §3).
Text fields are "" when unset, never null."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from domain.enums import PackageStatus, PublisherStatus, VersionStatus
from domain.models import Package, PackageVersion, Publisher
from domain.services import pages
from domain.services.listing import ListedPackage, ListedPublisher
from domain.services.pages import PageView
from domain.services.publishers import PublisherStats
from domain.services.urls import package_file_url
from registry.rest import shapes


def iso(value: datetime | None) -> str:
    """ISO 8601 UTC with a Z, as the contract's examples (`2026-01-31T12:00:00Z`)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def publisher_json(publisher: Publisher, stats: PublisherStats | None = None) -> shapes.Publisher:
    stats = stats or PublisherStats()
    return shapes.Publisher(
        id=publisher.id,
        name=publisher.name,
        display_name=publisher.display_name,
        verification_status=PublisherStatus(publisher.verification_status),
        package_count=stats.package_count,
        total_downloads=stats.total_downloads,
        homepage=publisher.homepage,
        github=publisher.github,
        created_at=iso(publisher.created_at),
        verified_at=iso(publisher.verified_at),
        notice=publisher.notice,
    )


def _summary_fields(package: Package | ListedPackage) -> dict[str, Any]:
    publisher: Publisher | ListedPublisher = package.publisher
    return {
        "name": package.name,
        "display_name": package.display_name or package.name,
        "package_type": package.package_type,
        "description": package.description,
        "latest_version": package.latest_version,
        "visibility": package.visibility,
        "downloads": package.total_downloads,
        "total_downloads": package.total_downloads,
        "publisher": publisher.name,
        "publisher_id": publisher.id,
        "publisher_verified": publisher.verification_status == PublisherStatus.VERIFIED,
        # A suspended publisher's packages (and one whose proof vanished) carry its notice.
        "publisher_notice": publisher.notice,
        "updated_at": iso(package.updated_at),
    }


def package_summary(package: Package | ListedPackage) -> shapes.PackageSummary:
    """A listed package: a listing's plain row (domain/services/listing.ListedPackage, what
    `numbered_page` answers) or a model row with its publisher loaded."""
    return shapes.PackageSummary(**_summary_fields(package))


def _version_fields(row: PackageVersion) -> dict[str, Any]:
    published = iso(row.published_at or row.created_at)
    return {
        "version": row.version,
        "published_at": published,
        "released_at": published,
        "yanked": row.yanked,
        "yank_reason": row.yank_reason,
        "downloads": row.downloads,
        "status": row.status,
    }


def version_summary(row: PackageVersion) -> shapes.VersionSummary:
    return shapes.VersionSummary(**_version_fields(row))


def version_list_item(row: PackageVersion) -> shapes.VersionListItem:
    return shapes.VersionListItem(
        **_version_fields(row),
        changelog=row.changelog,
        toolbox_version=row.toolbox_version,
        python_version=row.python_version,
    )


def package_detail(
    package: Package, versions: list[PackageVersion], page: PageView | None = None
) -> shapes.PackageDetail:
    page = page or pages.EMPTY
    return shapes.PackageDetail(
        **_summary_fields(package),
        id=package.name,
        readme=package.readme,
        homepage=package.homepage,
        repository=package.repository,
        license=package.license,
        keywords=list(package.keywords or []),
        created_at=iso(package.created_at),
        versions=[version_summary(v) for v in versions],
        categories=list(package.categories or []),
        status=PackageStatus(package.status),
        deprecation_message=package.deprecation_message,
        successor=package.successor,
        readme_html=page.readme_html,
        changelog_html=page.changelog_html,
        icon_url=pages.icon_url(package.name, page.icon_key),
    )


def dependency_json(dep: Any) -> shapes.Dependency:
    return shapes.Dependency(
        name=dep.name, version_spec=dep.version_spec or "*", optional=dep.optional
    )


def version_detail(
    package: Package, row: PackageVersion, dependencies: list[Any], base_url: str | None
) -> shapes.VersionDetail:
    url = (
        package_file_url(package.name, row.version, base_url)
        if row.status == VersionStatus.PUBLISHED
        else ""
    )
    return shapes.VersionDetail(
        **_version_fields(row),
        checksum_sha256=row.sha256,
        download_url=url,
        dependencies=[dependency_json(d) for d in dependencies],
        changelog=row.changelog,
        size_bytes=row.size_bytes,
        toolbox_version=row.toolbox_version,
        python_version=row.python_version,
        package=package.name,
        upload_sha256=row.upload_sha256,
        warnings=list(row.warnings or []),
    )
