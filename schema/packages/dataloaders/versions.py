"""Versions by package and by id: rows for reading (`select_models(plain=True)`: the
GraphQL types only read them)."""

from __future__ import annotations

from domain.models import PackageVersion
from schema.core.dataloaders import RegistryDataLoader, group_by, select_models


class VersionsByPackageIdLoader(RegistryDataLoader[int, list[PackageVersion]]):
    """Every version row of each package (the domain decides which ones a caller sees)."""

    async def batch_load(self, keys: list[int]) -> list[list[PackageVersion]]:
        ids = list(keys)
        rows = await select_models(
            PackageVersion,
            "versions-by-package",
            (len(ids),),
            ids,
            lambda: PackageVersion.filter(package_id__in=ids),
            plain=True,
        )
        grouped = group_by(rows, "package_id")
        by_id = self.context.loader(VersionByIdLoader)
        for rows in grouped.values():
            for row in rows:
                by_id.prime(row.id, row)
        return [grouped.get(key, []) for key in keys]


class VersionByIdLoader(RegistryDataLoader[int, PackageVersion | None]):
    async def batch_load(self, keys: list[int]) -> list[PackageVersion | None]:
        ids = list(keys)
        found = await select_models(
            PackageVersion,
            "version-by-id",
            (len(ids),),
            ids,
            lambda: PackageVersion.filter(id__in=ids),
            plain=True,
        )
        rows = {r.id: r for r in found}
        return [rows.get(key) for key in keys]


class LatestVersionLoader(RegistryDataLoader[tuple[int, str], PackageVersion | None]):
    """The row named by each package's `latest_version`, by (package id, version): a page of
    packages asking for `latest` reads one row per package, not every version of each."""

    async def batch_load(self, keys: list[tuple[int, str]]) -> list[PackageVersion | None]:
        wanted = set(keys)
        package_ids = sorted({package_id for package_id, _ in keys})
        versions = sorted({version for _, version in keys})
        rows = await select_models(
            PackageVersion,
            "latest-versions",
            (len(package_ids), len(versions)),
            [*package_ids, *versions],
            lambda: PackageVersion.filter(package_id__in=package_ids, version__in=versions),
            # The IN lists match every listed version of each package, not only its latest.
            keep=lambda row: (row["package_id"], row["version"]) in wanted,
            plain=True,
        )
        found = {(row.package_id, row.version): row for row in rows}
        by_id = self.context.loader(VersionByIdLoader)
        for row in rows:
            by_id.prime(row.id, row)
        return [found.get(key) for key in keys]
