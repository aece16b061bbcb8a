"""Packages by id and by name. Rows are returned as stored: visibility is applied by the
domain's access rules where a row is turned into a GraphQL object."""

from __future__ import annotations

from domain.models import Package
from domain.names import lookup_key, lookup_keys
from domain.services.listing import ListedPackage
from schema.core.dataloaders import RegistryDataLoader, select_models


class PackageByIdLoader(RegistryDataLoader[int, Package | ListedPackage | None]):
    """Model rows, or a listing's plain rows (domain/services/listing.ListedPackage) when a
    listed page primed them."""

    async def batch_load(self, keys: list[int]) -> list[Package | ListedPackage | None]:
        ids = list(keys)
        found = await select_models(
            Package, "package-by-id", (len(ids),), ids, lambda: Package.filter(id__in=ids)
        )
        rows = {p.id: p for p in found}
        return [rows.get(key) for key in keys]


class PackageByNameLoader(RegistryDataLoader[str, Package | None]):
    """Live (not deleted) packages by case-insensitive name."""

    async def batch_load(self, keys: list[str]) -> list[Package | None]:
        names = list(lookup_keys(keys))
        found = await select_models(
            Package,
            "package-by-name",
            (len(names),),
            names,
            lambda: Package.filter(name_key__in=names, deleted_at__isnull=True),
        )
        rows = {p.name_key: p for p in found}
        packages = [rows.get(lookup_key(key) or "") for key in keys]
        ids = self.context.loader(PackageByIdLoader)
        for package in packages:
            if package is not None:
                ids.prime(package.id, package)
        return packages
