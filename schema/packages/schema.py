"""Package queries and mutations (merged into the root types by schema/schema.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from domain.exceptions import NotFound
from domain.services import listing, updates, versions
from domain.services.listing import ListingQuery
from schema.core.arguments import After, First, PackageName, VersionString
from schema.core.context import Info
from schema.core.pagination import PAGE, ListSize, sized
from schema.packages.categories import Category, categories
from schema.packages.dataloaders import PackageByNameLoader
from schema.packages.enums import PackageSort, PackageStatus, PackageType, Visibility
from schema.packages.listing import list_packages
from schema.packages.mutations.create_package import create_package
from schema.packages.mutations.delete_package import delete_package
from schema.packages.mutations.publish_version import publish_version
from schema.packages.mutations.unyank_version import unyank_version
from schema.packages.mutations.update_package import update_package
from schema.packages.mutations.yank_version import yank_version
from schema.packages.types import (
    Package,
    PackageConnection,
    PackageVersion,
    package_connection,
    visible_package,
)

SUGGESTIONS = ListSize(default=5, maximum=10, clamp=True)


@strawberry.input(description="Narrows the package list; all given conditions must hold.")
class PackageFilter:
    type: PackageType | None = strawberry.field(
        default=None, description="Only packages of this type."
    )
    publisher: str | None = strawberry.field(
        default=None,
        description="Only packages of this publisher (slug or id). Members of "
        "it also see its unlisted and private packages.",
    )
    keyword: str | None = strawberry.field(
        default=None, description="Only packages with this keyword."
    )
    visibility: Visibility | None = strawberry.field(
        default=None,
        description="Only packages with this visibility (among those the caller "
        "may list: members see their unlisted and private ones).",
    )
    verified_only: bool = strawberry.field(
        default=False,
        description="Only packages of verified publishers (the same as `verified: true`).",
    )
    verified: bool | None = strawberry.field(
        default=None,
        description="true: only packages of verified publishers; false: only packages of "
        "unverified ones; null: either.",
    )
    include_yanked: bool = strawberry.field(
        default=False, description="Also packages whose every published version is yanked."
    )
    category: str | None = strawberry.field(
        default=None, description="Only packages in this category (a slug of `categories`)."
    )
    toolbox_version: str | None = strawberry.field(
        default=None,
        description="Only packages whose latest version admits this ToolBoxV2 version "
        "(PEP 440, e.g. 0.1.24).",
    )
    platform: str | None = strawberry.field(
        default=None, description="Only packages whose latest version supports this platform."
    )
    architecture: str | None = strawberry.field(
        default=None,
        description="Only packages whose latest version is built for this architecture.",
    )
    updated_since: datetime | None = strawberry.field(
        default=None,
        description="Only packages changed at or after this time (without an offset: UTC).",
    )

    def listing(self, search: str, sort: PackageSort) -> ListingQuery:
        """The domain's listing for these conditions (the one REST's list and search read);
        a bad value is InvalidInput naming its field of this input."""
        return ListingQuery(
            search=search,
            package_type=self.type,
            publisher=self.publisher,
            keyword=self.keyword,
            visibility=self.visibility,
            verified_only=self.verified_only,
            verified=self.verified,
            include_yanked=self.include_yanked,
            category=self.category,
            toolbox=self.toolbox_version,
            platform=self.platform,
            architecture=self.architecture,
            updated_since=self.updated_since,
            sort=sort,
        )


@strawberry.type(description="The latest version of one package.")
class LatestVersion:
    name: str = strawberry.field(description="Canonical package name.")
    latest_version: str | None = strawberry.field(
        description="Highest published, non-yanked version, or null."
    )


@strawberry.input(
    description="One installed file to check for updates: by hash, or by name and current version."
)
class UpdateQueryInput:
    sha256: str | None = strawberry.field(
        default=None, description="SHA-256 of the installed file."
    )
    name: str | None = strawberry.field(default=None, description="Package name.")
    version: str | None = strawberry.field(default=None, description="Installed version.")


@strawberry.type(description="Whether a newer compatible version exists.")
class UpdateCheck:
    query: JSON = strawberry.field(description="The item as it was asked.")
    found: bool = strawberry.field(description="Whether the package is known and visible.")
    name: str | None = strawberry.field(description="Canonical package name.")
    current_version: str | None = strawberry.field(description="The installed version.")
    latest_version: str | None = strawberry.field(
        description="Newest compatible, stable, non-yanked version."
    )
    update_available: bool = strawberry.field(description="latestVersion > currentVersion.")
    checksum_sha256: str | None = strawberry.field(description="SHA-256 of latestVersion.")
    status: PackageStatus | None = strawberry.field(
        default=None, description="The package's lifecycle status (null when not found)."
    )
    warnings: list[str] = strawberry.field(
        default_factory=list,
        description="A deprecated or archived package's notice, naming its successor.",
    )


@strawberry.type(description="Package queries.")
class PackageQueries:
    categories: list[Category] = strawberry.field(
        resolver=categories,
        description="The curated package categories in the operator's order, with how "
        "many listed packages carry each.",
    )

    @strawberry.field(
        description="A package by name; null when it does not exist or the caller may not see it."
    )
    async def package(self, info: Info, name: PackageName) -> Package | None:
        row = await info.context.loader(PackageByNameLoader).load(name)
        return await visible_package(info, row)

    @strawberry.field(
        description="Listed packages (public, plus the caller's own unlisted and "
        "private ones), filtered, searched and sorted, in pages."
    )
    async def packages(
        self,
        info: Info,
        search: Annotated[
            str | None,
            strawberry.argument(
                description="Case-insensitive text matched against name, display name, "
                "description, keywords, categories and README."
            ),
        ] = None,
        filter: Annotated[
            PackageFilter | None,
            strawberry.argument(
                description="Conditions on type, publisher, keyword, category, ToolBoxV2 "
                "version, platform, architecture, verified publisher and last change."
            ),
        ] = None,
        sort: Annotated[
            PackageSort, strawberry.argument(description="Order of the results.")
        ] = PackageSort.RELEVANCE,
        first: First = PAGE.default,
        after: After = None,
    ) -> PackageConnection:
        query = (filter or PackageFilter()).listing(search or "", sort)
        return await package_connection(
            info, await list_packages(info, query, first=first, after=after)
        )

    @strawberry.field(
        description="One version of a package; null when either does not exist "
        "for the caller (unpublished versions: owners and admins)."
    )
    async def version(
        self, info: Info, package: PackageName, version: VersionString
    ) -> PackageVersion | None:
        try:
            _, row = await versions.get_version(info.context.actor, package, version)
        except NotFound:
            return None
        return PackageVersion.from_model(row)

    @strawberry.field(
        description="Published versions whose served or uploaded file has this SHA-256."
    )
    async def file_by_sha256(
        self,
        info: Info,
        sha256: Annotated[str, strawberry.argument(description="64 hexadecimal characters.")],
    ) -> list[PackageVersion]:
        matches = await updates.find_by_sha256(info.context.actor, sha256)
        return [PackageVersion.from_model(m.version) for m in matches]

    @strawberry.field(
        description="Latest versions by package name (unknown and invisible names "
        "are left out); without names, every listed package."
    )
    async def latest_versions(
        self,
        info: Info,
        names: Annotated[
            list[str] | None, strawberry.argument(description="Package names (at most 500).")
        ] = None,
    ) -> list[LatestVersion]:
        found = await updates.latest_versions(info.context.actor, names)
        return [LatestVersion(name=name, latest_version=latest) for name, latest in found.items()]

    @strawberry.field(description="For each installed file: the newest compatible version.")
    async def check_updates(
        self,
        info: Info,
        items: Annotated[
            list[UpdateQueryInput],
            strawberry.argument(description="Installed files (at most 500)."),
        ],
        toolbox_version: Annotated[
            str | None,
            strawberry.argument(description="The ToolBoxV2 version to stay compatible with."),
        ] = None,
        platform: Annotated[
            str | None, strawberry.argument(description="Only versions for this platform.")
        ] = None,
    ) -> list[UpdateCheck]:
        asked = [
            {
                k: v
                for k, v in (("sha256", i.sha256), ("name", i.name), ("version", i.version))
                if v is not None
            }
            for i in items
        ]
        answers = await updates.newest_compatible(
            info.context.actor, asked, toolbox_version=toolbox_version, platform=platform
        )
        return [
            UpdateCheck(
                query=a["query"],
                found=a["found"],
                name=a.get("name"),
                current_version=a.get("current_version"),
                latest_version=a.get("latest_version") or None,
                update_available=bool(a.get("update_available")),
                checksum_sha256=a.get("checksum_sha256") or None,
                status=PackageStatus(a["status"]) if a.get("status") else None,
                warnings=list(a.get("warnings") or []),
            )
            for a in answers
        ]

    @strawberry.field(
        description="Names of listed packages starting with a prefix, most "
        "downloaded first (for autocompletion)."
    )
    async def suggest_package_names(
        self,
        info: Info,
        prefix: Annotated[str, strawberry.argument(description="Start of the name.")],
        limit: Annotated[
            int,
            strawberry.argument(
                description=f"At most this many names (max {SUGGESTIONS.maximum}).",
                metadata=sized(SUGGESTIONS),
            ),
        ] = SUGGESTIONS.default,
    ) -> list[str]:
        return await listing.suggest_names(
            info.context.actor, prefix, SUGGESTIONS.of(limit, field="limit")
        )


@strawberry.type(description="Package mutations.")
class PackageMutations:
    create_package = strawberry.mutation(
        resolver=create_package, description="Create a package owned by your publisher."
    )
    update_package = strawberry.mutation(
        resolver=update_package,
        description="Change a package's editable fields (owners and admins).",
    )
    delete_package = strawberry.mutation(
        resolver=delete_package,
        description="Delete a package (owners and admins); its name stays reserved.",
    )
    publish_version = strawberry.mutation(
        resolver=publish_version,
        description="Upload a new version (multipart request); it "
        "is published once the security scan passes.",
    )
    yank_version = strawberry.mutation(
        resolver=yank_version, description="Yank a version (owners and admins); idempotent."
    )
    unyank_version = strawberry.mutation(
        resolver=unyank_version, description="Undo a yank (owners and admins)."
    )
