"""Versions by package and by id."""

from __future__ import annotations

from domain.models import PackageVersion
from schema.core.dataloaders import RegistryDataLoader, group_by


class VersionsByPackageIdLoader(RegistryDataLoader[int, list[PackageVersion]]):
    """Every version row of each package (the domain decides which ones a caller sees)."""

    async def batch_load(self, keys: list[int]) -> list[list[PackageVersion]]:
        grouped = group_by(await PackageVersion.filter(package_id__in=keys), "package_id")
        by_id = self.context.loader(VersionByIdLoader)
        for rows in grouped.values():
            for row in rows:
                by_id.prime(row.id, row)
        return [grouped.get(key, []) for key in keys]


class VersionByIdLoader(RegistryDataLoader[int, PackageVersion | None]):
    async def batch_load(self, keys: list[int]) -> list[PackageVersion | None]:
        rows = {r.id: r for r in await PackageVersion.filter(id__in=keys)}
        return [rows.get(key) for key in keys]


class LatestVersionLoader(RegistryDataLoader[tuple[int, str], PackageVersion | None]):
    """The row named by each package's `latest_version`, by (package id, version): a page of
    packages asking for `latest` reads one row per package, not every version of each."""

    async def batch_load(self, keys: list[tuple[int, str]]) -> list[PackageVersion | None]:
        rows = await PackageVersion.filter(
            package_id__in=sorted({package_id for package_id, _ in keys}),
            version__in=sorted({version for _, version in keys}),
        )
        found = {(row.package_id, row.version): row for row in rows}
        by_id = self.context.loader(VersionByIdLoader)
        for row in rows:
            by_id.prime(row.id, row)
        return [found.get(key) for key in keys]
