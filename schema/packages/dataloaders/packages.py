"""Packages by id and by name. Rows are returned as stored: visibility is applied by the
domain's access rules where a row is turned into a GraphQL object."""

from __future__ import annotations

from domain.models import Package
from domain.names import lookup_key, lookup_keys
from domain.services.listing import ListedPackage
from schema.core.dataloaders import RegistryDataLoader


class PackageByIdLoader(RegistryDataLoader[int, Package | ListedPackage | None]):
    """Model rows, or a listing's plain rows (domain/services/listing.ListedPackage) when a
    listed page primed them."""

    async def batch_load(self, keys: list[int]) -> list[Package | ListedPackage | None]:
        rows = {p.id: p for p in await Package.filter(id__in=keys)}
        return [rows.get(key) for key in keys]


class PackageByNameLoader(RegistryDataLoader[str, Package | None]):
    """Live (not deleted) packages by case-insensitive name."""

    async def batch_load(self, keys: list[str]) -> list[Package | None]:
        rows = {
            p.name_key: p
            for p in await Package.filter(name_key__in=lookup_keys(keys), deleted_at__isnull=True)
        }
        packages = [rows.get(lookup_key(key) or "") for key in keys]
        ids = self.context.loader(PackageByIdLoader)
        for package in packages:
            if package is not None:
                ids.prime(package.id, package)
        return packages
