"""GraphQL types of artifacts, their versions and builds. Artifacts are always public."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry import relay

from domain import models
from domain.enums import ArtifactType
from domain.exceptions import NotFound
from domain.names import canonical_architecture, canonical_platform
from domain.services import artifacts, download_stats
from domain.services.download_stats import BuildFilter, Granularity
from domain.services.urls import artifact_build_url
from schema.artifacts.dataloaders import ArtifactByIdLoader, ArtifactVersionsByArtifactIdLoader
from schema.core.context import Info
from schema.core.enums import graphql_enum
from schema.core.pagination import CountableConnection
from schema.core.scalars import BigInt
from schema.publishers.dataloaders import PublisherByIdLoader
from schema.publishers.types import Publisher
from schema.stats.arguments import StatsFrom, StatsGranularityArgument, StatsTo
from schema.stats.types import ArtifactDownloadStats

graphql_enum(
    ArtifactType,
    "Kinds of binary artifacts (REST_CONTRACT §7).",
    {
        ArtifactType.TAURI_APP: "A Tauri desktop app.",
        ArtifactType.CLI_EXECUTABLE: "A CLI executable.",
        ArtifactType.BROWSER_EXTENSION: "A browser extension.",
        ArtifactType.MOBILE_APP: "A mobile app.",
        ArtifactType.LIBRARY: "A native library.",
    },
)


PlatformArgument = Annotated[
    str | None,
    strawberry.argument(
        description="all, windows, linux, macos, android or ios (aliases such as win64 or darwin "
        "are accepted)."
    ),
]
ArchitectureArgument = Annotated[
    str | None,
    strawberry.argument(
        description="all, x64, x86, arm64 or arm32 (aliases such as amd64 or aarch64 are accepted)."
    ),
]


@strawberry.type(description="One file of an artifact version for a platform/architecture.")
class ArtifactBuild(relay.Node):
    pk: relay.NodeID[str]
    row: strawberry.Private[models.ArtifactBuild]
    artifact_name: strawberry.Private[str]
    version: strawberry.Private[str]
    platform: str = strawberry.field(description="Canonical platform (all = any).")
    architecture: str = strawberry.field(description="Canonical architecture (all = any).")
    filename: str = strawberry.field(description="File name served on download.")
    checksum_sha256: str = strawberry.field(description="SHA-256 of the file (lowercase hex).")
    size_bytes: BigInt = strawberry.field(description="Size in bytes.")
    installer_type: str = strawberry.field(description="msi, exe, dmg, deb, appimage, apk, …")
    downloads: BigInt = strawberry.field(description="Downloads of this build.")

    @classmethod
    def from_model(
        cls, row: models.ArtifactBuild, artifact_name: str, version: str
    ) -> ArtifactBuild:
        return cls(
            pk=str(row.id),
            row=row,
            artifact_name=artifact_name,
            version=version,
            platform=row.platform,
            architecture=row.architecture,
            filename=row.filename,
            checksum_sha256=row.sha256,
            size_bytes=row.size_bytes,
            installer_type=row.installer_type,
            downloads=row.downloads,
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
    ) -> list[ArtifactBuild | None]:
        ids = [int(i) for i in node_ids if i.isdigit()]
        rows = {
            b.id: b
            for b in await models.ArtifactBuild.filter(id__in=ids).prefetch_related(
                "artifact_version__artifact"
            )
        }
        results: list[ArtifactBuild | None] = []
        for node_id in node_ids:
            row = rows.get(int(node_id)) if node_id.isdigit() else None
            results.append(
                cls.from_model(
                    row, row.artifact_version.artifact.name, row.artifact_version.version
                )
                if row
                else None
            )
        return results

    @strawberry.field(description="Where to download the file.")
    def download_url(self, info: Info) -> str:
        return artifact_build_url(
            self.artifact_name,
            self.version,
            self.row.platform,
            self.row.architecture,
            info.context.registry.policy.public_base_url,
        )


@strawberry.type(description="A released version of an artifact.")
class ArtifactVersion(relay.Node):
    pk: relay.NodeID[str]
    row: strawberry.Private[models.ArtifactVersion]
    artifact_name: strawberry.Private[str]
    version: str = strawberry.field(description="The version string.")
    released_at: datetime = strawberry.field(description="When its first build was uploaded.")
    changelog: str = strawberry.field(description="Changes in this version.")
    min_os_version: str = strawberry.field(description="Oldest supported OS version, or empty.")

    @classmethod
    def from_model(cls, row: models.ArtifactVersion, artifact_name: str) -> ArtifactVersion:
        return cls(
            pk=str(row.id),
            row=row,
            artifact_name=artifact_name,
            version=row.version,
            released_at=row.released_at,
            changelog=row.changelog,
            min_os_version=row.min_os_version,
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
    ) -> list[ArtifactVersion | None]:
        ids = [int(i) for i in node_ids if i.isdigit()]
        rows = {
            v.id: v
            for v in await models.ArtifactVersion.filter(id__in=ids).prefetch_related(
                "builds", "artifact"
            )
        }
        results: list[ArtifactVersion | None] = []
        for node_id in node_ids:
            row = rows.get(int(node_id)) if node_id.isdigit() else None
            results.append(cls.from_model(row, row.artifact.name) if row else None)
        return results

    @strawberry.field(
        description="Its builds in platform/architecture order, optionally only "
        "those for one platform and/or architecture."
    )
    def builds(
        self, platform: PlatformArgument = None, architecture: ArchitectureArgument = None
    ) -> list[ArtifactBuild]:
        wanted_platform = canonical_platform(platform) if platform else None
        wanted_arch = canonical_architecture(architecture) if architecture else None
        return [
            ArtifactBuild.from_model(b, self.artifact_name, self.row.version)
            for b in artifacts.builds_of(self.row)
            if wanted_platform in (None, b.platform) and wanted_arch in (None, b.architecture)
        ]


@strawberry.type(description="A build chosen for a platform and architecture.")
class ChosenArtifactBuild:
    version: ArtifactVersion = strawberry.field(description="The version it belongs to.")
    build: ArtifactBuild = strawberry.field(description="The build.")

    @classmethod
    def from_chosen(cls, chosen: artifacts.ChosenBuild) -> ChosenArtifactBuild:
        name = chosen.artifact.name
        return cls(
            version=ArtifactVersion.from_model(chosen.version, name),
            build=ArtifactBuild.from_model(chosen.build, name, chosen.version.version),
        )


@strawberry.type(description="A binary artifact (desktop app, CLI, extension, …).")
class Artifact(relay.Node):
    pk: relay.NodeID[str]
    row: strawberry.Private[models.Artifact]
    name: str = strawberry.field(description="Canonical name.")
    artifact_type: ArtifactType = strawberry.field(description="Kind of artifact.")
    description: str = strawberry.field(description="Short description.")
    homepage: str = strawberry.field(description="Homepage URL, or empty.")
    repository: str = strawberry.field(description="Source repository URL, or empty.")
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="When it last changed.")

    @classmethod
    def from_model(cls, row: models.Artifact) -> Artifact:
        return cls(
            pk=str(row.id),
            row=row,
            name=row.name,
            artifact_type=ArtifactType(row.artifact_type),
            description=row.description,
            homepage=row.homepage,
            repository=row.repository,
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
    ) -> list[Artifact | None]:
        rows = await info.context.loader(ArtifactByIdLoader).load_many(
            [int(i) if i.isdigit() else -1 for i in node_ids]
        )
        return [cls.from_model(row) if row else None for row in rows]

    async def _versions(self, info: Info) -> list[models.ArtifactVersion]:
        return await info.context.loader(ArtifactVersionsByArtifactIdLoader).load(self.row.id)

    @strawberry.field(description="The publisher that owns it.")
    async def publisher(self, info: Info) -> Publisher:
        row = await info.context.loader(PublisherByIdLoader).load(self.row.publisher_id)
        assert row is not None, "an artifact always has a publisher"
        return Publisher.from_model(row)

    @strawberry.field(description="Highest version (PEP 440, pre-releases included), or null.")
    async def latest_version(self, info: Info) -> str | None:
        return artifacts.latest_version_of(await self._versions(info)) or None

    @strawberry.field(description="Versions newest first, with their builds.")
    async def versions(self, info: Info) -> list[ArtifactVersion]:
        return [ArtifactVersion.from_model(v, self.row.name) for v in await self._versions(info)]

    @strawberry.field(
        description="The build to install on a platform/architecture: the newest "
        "version with an exact build, else one built for 'all'; null "
        "when there is none."
    )
    async def latest_build(
        self,
        info: Info,
        platform: Annotated[str, strawberry.argument(description="Target platform.")],
        architecture: Annotated[str, strawberry.argument(description="Target architecture.")],
    ) -> ChosenArtifactBuild | None:
        try:
            chosen = await artifacts.latest_build(self.row.name, platform, architecture)
        except NotFound:
            return None
        return ChosenArtifactBuild.from_chosen(chosen)

    @strawberry.field(
        description="The build a download of one version serves (REST: GET "
        "/artifacts/{name}/versions/{version}/download): the exact "
        "platform/architecture, else one built for 'all'; with only "
        "one of them given, the single build matching it. Null when "
        "the version or a matching build does not exist; an error "
        "when several builds match."
    )
    async def download_build(
        self,
        info: Info,
        version: Annotated[
            str,
            strawberry.argument(
                description="The version (exact string, then PEP 440-equal spelling)."
            ),
        ],
        platform: PlatformArgument = None,
        architecture: ArchitectureArgument = None,
    ) -> ChosenArtifactBuild | None:
        try:
            chosen = await artifacts.build_for_download(
                self.row.name, version, platform, architecture
            )
        except NotFound:
            return None
        return ChosenArtifactBuild.from_chosen(chosen)

    @strawberry.field(
        description="Downloads of its builds per day, week or month (UTC) over at most 1096 "
        "days (REST: GET /artifacts/{name}/stats/downloads): all builds, or only those of "
        "one version, platform and/or architecture (exact: `all` selects the builds made for "
        "every platform or architecture); an error `invalid` for a bad range or filter, "
        "`not_found` for an unknown version."
    )
    async def download_stats(
        self,
        info: Info,
        from_: StatsFrom = None,
        to: StatsTo = None,
        granularity: StatsGranularityArgument = Granularity.DAY,
        version: Annotated[
            str | None,
            strawberry.argument(
                description="Only this version's builds (exact string, then PEP 440-equal)."
            ),
        ] = None,
        platform: PlatformArgument = None,
        architecture: ArchitectureArgument = None,
    ) -> ArtifactDownloadStats:
        only = BuildFilter.parse(version, platform, architecture)
        stats = await download_stats.artifact_downloads(self.row.name, from_, to, granularity, only)
        return ArtifactDownloadStats.from_domain(stats)


@strawberry.type(description="A page of artifacts.")
class ArtifactConnection(CountableConnection[Artifact]):
    pass
