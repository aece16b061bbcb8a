"""GraphQL types of a resolution (domain.resolver's results)."""

from __future__ import annotations

import strawberry

from domain.resolver import NoSolution, Resolution
from domain.resolver import ResolvedPackage as ResolvedRow
from domain.services.resolution import Artifact as FileInfo
from schema.core.context import Info
from schema.core.scalars import BigInt
from schema.packages.dataloaders import PackageByNameLoader
from schema.packages.types import Package, visible_package


@strawberry.type(description="A direct dependency of a resolved package.")
class ResolvedDependency:
    name: str = strawberry.field(description="Package name.")
    version_spec: str = strawberry.field(description="The declared range ('*' = any).")
    version: str | None = strawberry.field(
        description="The version chosen for it, or null when it was not resolved (optional, "
        "or not a registry package)."
    )
    optional: bool = strawberry.field(description="Whether the dependency is optional.")


@strawberry.type(description="One package of the resolved set.")
class ResolvedPackage:
    row: strawberry.Private[ResolvedRow]
    name: str = strawberry.field(description="Canonical name.")
    version: str = strawberry.field(description="The chosen version.")
    yanked: bool = strawberry.field(description="Chosen although yanked (pinned exactly).")
    checksum_sha256: str = strawberry.field(description="SHA-256 of the file to download.")
    size_bytes: BigInt = strawberry.field(description="Size of the file in bytes.")
    download_url: str = strawberry.field(description="Where to download it.")
    dependencies: list[ResolvedDependency] = strawberry.field(
        description="Its direct dependencies with their chosen versions."
    )

    @classmethod
    def from_result(cls, row: ResolvedRow) -> ResolvedPackage:
        file = row.payload
        assert isinstance(file, FileInfo)
        return cls(
            row=row,
            name=row.name,
            version=row.version,
            yanked=row.yanked,
            checksum_sha256=file.sha256,
            size_bytes=BigInt(file.size_bytes),
            download_url=file.download_url,
            dependencies=[
                ResolvedDependency(
                    name=d.name, version_spec=d.spec, version=d.version or None, optional=d.optional
                )
                for d in row.dependencies
            ],
        )

    @strawberry.field(description="The package itself.")
    async def package(self, info: Info) -> Package | None:
        return await visible_package(
            info, await info.context.loader(PackageByNameLoader).load(self.row.name)
        )


@strawberry.type(
    description="A term of an incompatibility: a package within (or, when not "
    "positive, outside) a range."
)
class IncompatibilityTerm:
    package: str = strawberry.field(description="Package name (or the root request).")
    positive: bool = strawberry.field(description="Within (true) or outside (false) the range.")
    constraint: str = strawberry.field(description="The range.")
    text: str = strawberry.field(description="The term in words.")


@strawberry.type(description="A node of the derivation that proves there is no solution.")
class Incompatibility:
    id: int = strawberry.field(description="Number of this incompatibility in the derivation.")
    kind: str = strawberry.field(
        description="root, dependency, no_versions, unsatisfiable_dependency, "
        "invalid_dependency, self_dependency, not_found or derived."
    )
    text: str = strawberry.field(description="The incompatibility in words.")
    terms: list[IncompatibilityTerm] = strawberry.field(description="Its terms.")
    causes: list[int] = strawberry.field(
        description="For derived ones: the ids of the two incompatibilities it follows from."
    )


@strawberry.type(description="Why no set of versions satisfies the request.")
class ResolveConflict:
    explanation: str = strawberry.field(description="The derivation in plain sentences.")
    errors: list[str] = strawberry.field(description="Short reasons, one per line of output.")
    incompatibilities: list[Incompatibility] = strawberry.field(
        description="The derivation as a graph, for tools."
    )


@strawberry.type(description="The answer of resolve: a set of versions, or a conflict.")
class ResolveResult:
    success: bool = strawberry.field(description="Whether a solution was found.")
    packages: list[ResolvedPackage] = strawberry.field(
        description="The chosen versions (requested packages and every non-optional "
        "dependency); empty on failure."
    )
    install_order: list[str] = strawberry.field(
        description="Names in an order that installs dependencies first."
    )
    warnings: list[str] = strawberry.field(
        description="Non-fatal notes (cycles, skipped names, compatibility)."
    )
    conflict: ResolveConflict | None = strawberry.field(
        description="The explanation when success is false."
    )

    @classmethod
    def from_result(cls, result: Resolution | NoSolution) -> ResolveResult:
        if isinstance(result, Resolution):
            return cls(
                success=True,
                packages=[
                    ResolvedPackage.from_result(result.packages[name])
                    for name in result.install_order
                    if name in result.packages
                ],
                install_order=list(result.install_order),
                warnings=list(result.warnings),
                conflict=None,
            )
        return cls(
            success=False,
            packages=[],
            install_order=[],
            warnings=list(result.warnings),
            conflict=ResolveConflict(
                explanation=result.explanation,
                errors=list(result.errors),
                incompatibilities=[
                    Incompatibility(
                        id=i.id,
                        kind=i.kind,
                        text=i.text,
                        causes=list(i.causes),
                        terms=[
                            IncompatibilityTerm(
                                package=t.package,
                                positive=t.positive,
                                constraint=t.constraint,
                                text=t.text,
                            )
                            for t in i.terms
                        ],
                    )
                    for i in result.incompatibilities
                ],
            ),
        )


@strawberry.type(
    description="Whether one exact version can be installed (REST: GET /resolve/check)."
)
class CompatibilityCheck:
    compatible: bool = strawberry.field(
        description="Its dependencies resolve and no ToolBoxV2 compatibility warning was raised."
    )
    warnings: list[str] = strawberry.field(description="Non-fatal notes of the resolution.")
    conflicts: list[str] = strawberry.field(
        description="Why it cannot be installed; empty when its dependencies resolve."
    )
