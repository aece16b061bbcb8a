"""GraphQL types of packages, versions and dependencies, built from Tortoise rows.

Which rows a caller sees is decided by the domain (`access.can_view`,
`versions.visible_versions`); these types only ask it and load related rows through the
request's DataLoaders.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import cache
from operator import attrgetter
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import LazyType, relay
from strawberry.scalars import JSON

from domain import models
from domain.services import listing, pages, quarantine
from domain.services import versions as version_rules
from domain.services.access import can_view
from domain.services.listing import ListedPackage, ListingQuery
from domain.services.urls import package_file_url
from schema.core.context import Info
from schema.core.pagination import CountableConnection, ListSize, build_connection, sized
from schema.core.scalars import BigInt
from schema.packages.dataloaders import (
    DependenciesByVersionIdLoader,
    DependencyByIdLoader,
    DependentPackagesByNameLoader,
    LatestVersionLoader,
    PackageByIdLoader,
    PackageByNameLoader,
    VersionByIdLoader,
    VersionsByPackageIdLoader,
)
from schema.packages.enums import PackageStatus, PackageType, VersionStatus, Visibility
from schema.packages.listing import PackagePage, asks_for
from schema.publishers.dataloaders import PublisherByIdLoader

if TYPE_CHECKING:
    from schema.publishers.types import Publisher


def _publisher_node(info: Info, row: models.Publisher) -> Publisher:
    """`Package.publisher`'s node. Package and Publisher name each other (`Package.publisher`,
    `Publisher.packages`): the publishers module imports this one, to build a publisher's
    page of packages, so this one refers to Publisher only through the field's lazy return
    type (`strawberry.lazy`), resolved here once; the schema has resolved it long before."""
    if not _PUBLISHER_CLASS:
        publisher_type = info.return_type  # Strawberry resolves it again on every read
        assert isinstance(publisher_type, LazyType)
        _PUBLISHER_CLASS.append(_resolved(publisher_type))
    node: Publisher = _PUBLISHER_CLASS[0].from_model(row)
    return node


# The Publisher class, once `Package.publisher` has resolved it.
_PUBLISHER_CLASS: list[Any] = []


@cache
def _resolved(lazy: LazyType[Any, Any]) -> Any:
    """A lazy type's class, resolved once: `resolve_type` imports the module and compares
    files on disk (two `stat` calls) each time, a third of a millisecond per package listed."""
    return lazy.resolve_type()


# `Package.latest_row` when no listing read it.
NOT_READ: Any = object()

# Both lists clamp an out-of-range `first` instead of refusing it.
VERSIONS = ListSize(default=100, maximum=500, clamp=True)
USED_BY = ListSize(default=20, maximum=100, clamp=True)


async def visible_package(info: Info, row: models.Package | ListedPackage | None) -> Package | None:
    """The package as GraphQL object, or None when it does not exist for this caller."""
    if row is None or not can_view(info.context.actor, row):
        return None
    return Package.from_model(row)


async def visible_version_rows(
    info: Info, package: models.Package | ListedPackage, rows: list[models.PackageVersion]
) -> list[models.PackageVersion]:
    return await version_rules.visible_versions(info.context.actor, package, rows)


async def visible_version(info: Info, row: models.PackageVersion | None) -> PackageVersion | None:
    """A version the caller may see (its package visible, and published unless the caller
    owns it or is an admin), else None."""
    if row is None:
        return None
    package = await info.context.loader(PackageByIdLoader).load(row.package_id)
    if package is None or not can_view(info.context.actor, package):
        return None
    if not await visible_version_rows(info, package, [row]):
        return None
    return PackageVersion.from_model(row)


@strawberry.type(description="A package: a mod, library, theme, plugin, widget or feature pack.")
class Package(relay.Node):
    pk: relay.NodeID[str]
    # A model row, or a listing's plain row (domain/services/listing.ListedPackage).
    row: strawberry.Private[models.Package | ListedPackage]
    name: str = strawberry.field(
        description="Canonical spelling of the name; lookups are case-insensitive."
    )
    display_name: str = strawberry.field(description="Human-friendly name (defaults to name).")
    package_type: PackageType = strawberry.field(description="Kind of package.")
    visibility: Visibility = strawberry.field(description="Who may see the package.")
    description: str = strawberry.field(description="Short description (at most 500 chars).")
    readme: str = strawberry.field(description="Long description, usually Markdown.")
    homepage: str = strawberry.field(description="Project homepage URL, or empty.")
    repository: str = strawberry.field(description="Source repository URL, or empty.")
    license: str = strawberry.field(description="License name or SPDX expression, or empty.")
    keywords: list[str] = strawberry.field(description="Lowercase keywords.")
    categories: list[str] = strawberry.field(
        description="Curated category slugs (see the categories query), at most 3."
    )
    status: PackageStatus = strawberry.field(
        description="Lifecycle: active, deprecated (resolving it warns) or archived (read-only)."
    )
    deprecation_message: str = strawberry.field(
        description="Why it is deprecated or archived, or empty."
    )
    successor: str | None = strawberry.field(
        description="Name of the package to use instead, or null."
    )
    latest_version: str | None = strawberry.field(
        description="Highest published, non-yanked version (PEP 440 order; pre-releases only "
        "when there is no stable one), or null."
    )
    total_downloads: BigInt = strawberry.field(description="Downloads of all versions.")
    created_at: datetime = strawberry.field(description="When the package was created.")
    updated_at: datetime = strawberry.field(description="When the package last changed.")
    # Set by listings, which read a page's publishers in one query (see `publisher`).
    publisher_row: strawberry.Private[models.Publisher | None] = None
    # Set by listings that read their page's latest versions up front (see `latest`): the
    # row, or None for none; `NOT_READ` otherwise.
    latest_row: strawberry.Private[Any] = NOT_READ

    @classmethod
    def from_model(cls, row: models.Package | ListedPackage) -> Package:
        return cls(
            pk=str(row.id),
            row=row,
            name=row.name,
            display_name=row.display_name or row.name,
            package_type=PackageType(row.package_type),
            visibility=Visibility(row.visibility),
            description=row.description,
            readme=row.readme,
            homepage=row.homepage,
            repository=row.repository,
            license=row.license,
            keywords=list(row.keywords or []),
            categories=list(row.categories or []),
            status=PackageStatus(row.status),
            deprecation_message=row.deprecation_message,
            successor=row.successor or None,
            latest_version=row.latest_version or None,
            total_downloads=BigInt(row.total_downloads),
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @classmethod
    # One signature for strawberry's overloads on `required`: a node the caller may not
    # see is None either way (node fields are nullable).
    async def resolve_nodes(  # type: ignore[override]
        cls,
        *,
        info: Info,
        node_ids: Iterable[str],
        required: bool = False,
    ) -> list[Package | None]:
        loader = info.context.loader(PackageByIdLoader)
        rows = await loader.load_many([int(i) if i.isdigit() else -1 for i in node_ids])
        return [await visible_package(info, row) for row in rows]

    @strawberry.field(description="The publisher that owns the package.")
    def publisher(
        self, info: Info
    ) -> Annotated[Publisher, strawberry.lazy("schema.publishers.types")]:
        if self.publisher_row is not None:
            # Listings read their page's publishers up front: answering synchronously keeps
            # graphql-core from turning every item of a 100-item page into an awaitable.
            return _publisher_node(info, self.publisher_row)
        # Otherwise an awaitable of the Publisher, which graphql-core awaits.
        return self._load_publisher(info)  # type: ignore[return-value]

    async def _load_publisher(self, info: Info) -> Any:
        row = await info.context.loader(PublisherByIdLoader).load(self.row.publisher_id)
        assert row is not None, "a package always has a publisher"
        return _publisher_node(info, row)

    @strawberry.field(
        description="Versions newest first by version precedence, yanked ones "
        "included by default; pending and quarantined versions only "
        "for owners and admins."
    )
    async def versions(
        self,
        info: Info,
        include_yanked: Annotated[
            bool, strawberry.argument(description="Include yanked versions.")
        ] = True,
        first: Annotated[
            int,
            strawberry.argument(
                description=f"At most this many versions (max {VERSIONS.maximum}).",
                metadata=sized(VERSIONS),
            ),
        ] = VERSIONS.default,
    ) -> list[PackageVersion]:
        rows = await info.context.loader(VersionsByPackageIdLoader).load(self.row.id)
        visible = await visible_version_rows(info, self.row, rows)
        if not include_yanked:
            visible = [r for r in visible if not r.yanked]
        return [
            PackageVersion.from_model(r, package_row=self.row)
            for r in visible[: VERSIONS.of(first)]
        ]

    @strawberry.field(
        description="One version by its exact string or PEP 440-equal spelling, "
        "or null when it does not exist for the caller."
    )
    async def version(
        self,
        info: Info,
        version: Annotated[str, strawberry.argument(description="The version, e.g. 1.2.3.")],
    ) -> PackageVersion | None:
        row = await version_rules.find_version(self.row, version)
        return await visible_version(info, row)

    @strawberry.field(description="The version named by latestVersion, or null.")
    def latest(self, info: Info) -> PackageVersion | None:
        if self.latest_row is not NOT_READ:
            # A listing read its page's latest versions up front: answering synchronously
            # keeps graphql-core from turning every item of the page into an awaitable.
            return self._latest_of(info, self.latest_row)
        # Otherwise an awaitable of the version, which graphql-core awaits.
        return self._load_latest(info)  # type: ignore[return-value]

    async def _load_latest(self, info: Info) -> PackageVersion | None:
        return self._latest_of(info, await self._latest_row(info))

    def _latest_of(self, info: Info, row: models.PackageVersion | None) -> PackageVersion | None:
        # This package is one the caller sees: only the version's own rule is left to check
        # (no second read of the package, once per item of a listing): a version that is not
        # published only for those who see unpublished ones (as `visible_versions` filters).
        if row is None or not (
            row.status == VersionStatus.PUBLISHED
            or version_rules.sees_unpublished(info.context.actor, self.row)
        ):
            return None
        return PackageVersion.from_model(row, package_row=self.row)

    async def _latest_row(self, info: Info) -> models.PackageVersion | None:
        if not self.row.latest_version:
            return None
        key = (self.row.id, self.row.latest_version)
        return await info.context.loader(LatestVersionLoader).load(key)

    async def _latest_page(self, info: Info) -> pages.PageView:
        # latestVersion is published and not yanked: visible to whoever sees the package.
        return pages.page_of(await self._latest_row(info))

    @strawberry.field(
        description="The latest version's README.md as sanitized HTML (no scripts, event "
        "handlers, images or relative links); empty when it has none."
    )
    async def readme_html(self, info: Info) -> str:
        return (await self._latest_page(info)).readme_html

    @strawberry.field(
        description="The latest version's CHANGELOG.md as sanitized HTML; empty when it has none."
    )
    async def changelog_html(self, info: Info) -> str:
        return (await self._latest_page(info)).changelog_html

    @strawberry.field(
        description="Root-relative URL of the latest version's icon (a square PNG, at most "
        "512x512 px; the URL changes with the icon), or null when it has none."
    )
    async def icon_url(self, info: Info) -> str | None:
        page = await self._latest_page(info)
        return pages.icon_url(self.row.name, page.icon_key) or None

    @strawberry.field(
        description="Listed packages with a published version that depends on "
        "this one, most downloaded first."
    )
    async def used_by(
        self,
        info: Info,
        first: Annotated[
            int,
            strawberry.argument(
                description=f"At most this many packages (max {USED_BY.maximum}).",
                metadata=sized(USED_BY),
            ),
        ] = USED_BY.default,
    ) -> list[Package]:
        rows = await info.context.loader(DependentPackagesByNameLoader).load(self.row.name_key)
        return [Package.from_model(r) for r in rows[: USED_BY.of(first)]]


@strawberry.type(description="One uploaded version of a package.")
class PackageVersion(relay.Node):
    pk: relay.NodeID[str]
    row: strawberry.Private[models.PackageVersion]
    # The package, when the resolver that made this version had it at hand (a package's
    # `versions` and `latest`): `downloadUrl` then answers without an awaitable per version.
    package_row: strawberry.Private[models.Package | ListedPackage | None] = None
    version: str = strawberry.field(description="The version as uploaded, e.g. 1.2.3.")
    status: VersionStatus = strawberry.field(description="Scan status.")
    yanked: bool = strawberry.field(
        description="Withdrawn by its owner: still downloadable by "
        "exact version, never chosen by ranges."
    )
    yank_reason: str = strawberry.field(description="Why it was yanked, or empty.")
    changelog: str = strawberry.field(description="Changes in this version.")
    toolbox_version: str = strawberry.field(
        description="ToolBoxV2 versions it supports (a range), or empty."
    )
    python_version: str = strawberry.field(description="Python versions it supports, or empty.")
    checksum_sha256: str = strawberry.field(
        description="SHA-256 (lowercase hex) of the bytes served for download."
    )
    upload_sha256: str = strawberry.field(
        description="SHA-256 of the file as uploaded (differs when the layout was normalised)."
    )
    size_bytes: BigInt = strawberry.field(description="Size of the stored file in bytes.")
    downloads: BigInt = strawberry.field(description="Downloads of this version.")
    platforms: list[str] = strawberry.field(description="Platforms it declares, if any.")
    warnings: list[str] = strawberry.field(description="Warnings raised at upload.")
    published_at: datetime | None = strawberry.field(
        description="When it passed the scan, or null while not published."
    )
    created_at: datetime = strawberry.field(description="When it was uploaded.")

    @classmethod
    def from_model(
        cls,
        row: models.PackageVersion,
        package_row: models.Package | ListedPackage | None = None,
    ) -> PackageVersion:
        """The version of `row`. Its value fields are read from the row when first asked for
        (see `__getattr__`): a listing or a package page asks for three to eight of them, and
        reading every column (the platforms' and warnings' JSON, two dates) of every version
        was most of the type's cost."""
        version = cls.__new__(cls)
        attributes = version.__dict__
        attributes["pk"] = str(row.id)
        attributes["row"] = row
        attributes["package_row"] = package_row
        return version

    def __getattr__(self, name: str) -> Any:
        # Only called for an attribute not set yet: a value field on its first read.
        read = _VERSION_FIELDS.get(name)
        if read is None:
            raise AttributeError(name)
        value = self.__dict__[name] = read(self.__dict__["row"])
        return value

    @classmethod
    # One signature for strawberry's overloads on `required`: a node the caller may not
    # see is None either way (node fields are nullable).
    async def resolve_nodes(  # type: ignore[override]
        cls,
        *,
        info: Info,
        node_ids: Iterable[str],
        required: bool = False,
    ) -> list[PackageVersion | None]:
        rows = await info.context.loader(VersionByIdLoader).load_many(
            [int(i) if i.isdigit() else -1 for i in node_ids]
        )
        return [await visible_version(info, row) for row in rows]

    async def _package(self, info: Info) -> models.Package | ListedPackage:
        row = await info.context.loader(PackageByIdLoader).load(self.row.package_id)
        assert row is not None, "a version always has a package"
        return row

    @strawberry.field(description="The package this version belongs to.")
    async def package(self, info: Info) -> Package:
        return Package.from_model(await self._package(info))

    @strawberry.field(
        description="Where to download the file (relative to the registry unless "
        "PUBLIC_BASE_URL is set); null while not published."
    )
    def download_url(self, info: Info) -> str | None:
        if self.row.status != VersionStatus.PUBLISHED:
            return None
        if self.package_row is not None:
            return package_file_url(
                self.package_row.name,
                self.row.version,
                info.context.registry.policy.public_base_url,
            )
        # Otherwise an awaitable of the URL, which graphql-core awaits.
        return self._download_url(info)  # type: ignore[return-value]

    async def _download_url(self, info: Info) -> str:
        package = await self._package(info)
        return package_file_url(
            package.name, self.row.version, info.context.registry.policy.public_base_url
        )

    @strawberry.field(
        description="This version's README.md as sanitized HTML (taken from its archive at "
        "scan time); empty when it has none."
    )
    def readme_html(self) -> str:
        return self.row.readme_html or ""

    @strawberry.field(
        description="This version's CHANGELOG.md as sanitized HTML (taken from its archive at "
        "scan time); empty when it has none."
    )
    def changelog_html(self) -> str:
        return self.row.changelog_html or ""

    @strawberry.field(description="Dependencies declared by this version, in manifest order.")
    async def dependencies(self, info: Info) -> list[Dependency]:
        rows = await info.context.loader(DependenciesByVersionIdLoader).load(self.row.id)
        return [Dependency.from_model(r) for r in rows]

    @strawberry.field(description="The security scan report; only for owners and admins.")
    async def scan_report(self, info: Info) -> JSON | None:
        if self.row.scan_report is None:
            return None
        package = await self._package(info)
        if not quarantine.sees_scan_report(info.context.actor, package):
            return None
        report = self.row.scan_report
        return None if report is None else JSON(report)


# How each value field of `PackageVersion` is read from its row, on first read.
_VERSION_FIELDS: dict[str, Any] = {
    "version": attrgetter("version"),
    "status": lambda row: VersionStatus(row.status),
    "yanked": attrgetter("yanked"),
    "yank_reason": attrgetter("yank_reason"),
    "changelog": attrgetter("changelog"),
    "toolbox_version": attrgetter("toolbox_version"),
    "python_version": attrgetter("python_version"),
    "checksum_sha256": attrgetter("sha256"),
    "upload_sha256": attrgetter("upload_sha256"),
    "size_bytes": attrgetter("size_bytes"),
    "downloads": attrgetter("downloads"),
    "platforms": lambda row: [str(p) for p in row.platforms or []],
    "warnings": lambda row: [str(w) for w in row.warnings or []],
    "published_at": attrgetter("published_at"),
    "created_at": attrgetter("created_at"),
}


@strawberry.type(description="A dependency of a version on another package.")
class Dependency(relay.Node):
    pk: relay.NodeID[str]
    row: strawberry.Private[models.Dependency]
    name: str = strawberry.field(description="Name of the package depended on, as declared.")
    version_spec: str = strawberry.field(description="Allowed versions (a range); '*' = any.")
    optional: bool = strawberry.field(
        description="Optional dependencies are not installed by default."
    )

    @classmethod
    def from_model(cls, row: models.Dependency) -> Dependency:
        return cls(
            pk=str(row.id),
            row=row,
            name=row.name,
            version_spec=row.version_spec or "*",
            optional=row.optional,
        )

    @classmethod
    # One signature for strawberry's overloads on `required`: a node the caller may not
    # see is None either way (node fields are nullable).
    async def resolve_nodes(  # type: ignore[override]
        cls,
        *,
        info: Info,
        node_ids: Iterable[str],
        required: bool = False,
    ) -> list[Dependency | None]:
        rows = await info.context.loader(DependencyByIdLoader).load_many(
            [int(i) if i.isdigit() else -1 for i in node_ids]
        )
        results: list[Dependency | None] = []
        for row in rows:
            version = None
            if row is not None:
                version_row = await info.context.loader(VersionByIdLoader).load(row.version_id)
                version = await visible_version(info, version_row)
            results.append(Dependency.from_model(row) if version and row else None)
        return results

    @strawberry.field(
        description="The registry package of that name, or null when the "
        "registry has none visible to the caller (e.g. a pip name)."
    )
    async def package(self, info: Info) -> Package | None:
        row = await info.context.loader(PackageByNameLoader).load(self.row.name_key)
        return await visible_package(info, row)


@strawberry.type(description="How many of the matching packages have one value of a facet.")
class FacetValue:
    value: str = strawberry.field(
        description="The value (a type, category, ToolBoxV2 version, platform, architecture, "
        "or true/false for verified)."
    )
    count: int = strawberry.field(description="How many matching packages have it.")


@strawberry.type(description="The values of one facet among the matching packages.")
class PackageFacet:
    facet: str = strawberry.field(
        description="The facet: type, category, toolbox, platform, architecture or verified."
    )
    values: list[FacetValue] = strawberry.field(description="Its values, most frequent first.")


@strawberry.type(description="A page of packages.")
class PackageConnection(CountableConnection[Package]):
    # The listing this page belongs to and its facet counts when they were counted with the
    # page (both set by `package_connection`), for `facets`.
    query: strawberry.Private[ListingQuery | None] = None
    facet_counts: strawberry.Private[dict[str, list[tuple[str, int]]] | None] = None

    @strawberry.field(
        description="For each facet, how many of all matching packages (every page, as the "
        "caller may see them) have each value; counted only when selected."
    )
    async def facets(self, info: Info) -> list[PackageFacet]:
        if self.query is None:
            return []
        counts = self.facet_counts
        if counts is None:  # not seen as selected when the page was read
            counts = await listing.facet_counts(info.context.actor, self.query)
        return [
            PackageFacet(
                facet=facet,
                values=[FacetValue(value=value, count=count) for value, count in values],
            )
            for facet, values in counts.items()
        ]


async def package_connection(info: Info, page: PackagePage) -> PackageConnection:
    """A listing's page (schema/packages/listing.py) as a connection of Package nodes."""
    # Every listing shows who published each package: read the page's publishers in one
    # query now, so that `Package.publisher` answers without awaiting (see there).
    loader = info.context.loader(PackageByIdLoader)
    for row in page.rows:
        loader.prime(row.id, row)
    publishers = await info.context.loader(PublisherByIdLoader).load_many(
        sorted({row.publisher_id for row in page.rows[: page.limit]})
    )
    by_id = {publisher.id: publisher for publisher in publishers if publisher is not None}

    # The same for the latest versions, in one query, when the page's items ask for them.
    latest: dict[int, Any] = {}
    if asks_for(info.selected_fields, "latest"):
        keys = [(row.id, row.latest_version) for row in page.rows[: page.limit]]
        wanted = [key for key in keys if key[1]]
        found = await info.context.loader(LatestVersionLoader).load_many(wanted)
        latest = {package_id: row for (package_id, _), row in zip(wanted, found, strict=True)}

    def node_of(row: ListedPackage) -> Package:
        node = Package.from_model(row)
        node.publisher_row = by_id.get(row.publisher_id)
        if latest or not row.latest_version:
            node.latest_row = latest.get(row.id)
        return node

    connection: PackageConnection = build_connection(
        PackageConnection,
        page.rows,
        limit=page.limit,
        cursor_of=page.cursor_of,
        node_of=node_of,
        total=page.total,
        after=page.after,
    )
    connection.query = page.query
    connection.facet_counts = page.facets
    return connection
