"""Dependencies of versions, and the reverse: which packages depend on a name."""

from __future__ import annotations

from domain.enums import VersionStatus
from domain.models import Dependency, Package
from domain.names import lookup_key, lookup_keys
from domain.services.access import listed_filter
from schema.core.dataloaders import RegistryDataLoader, group_by


class DependenciesByVersionIdLoader(RegistryDataLoader[int, list[Dependency]]):
    async def batch_load(self, keys: list[int]) -> list[list[Dependency]]:
        rows = await Dependency.filter(version_id__in=keys).order_by("id")
        grouped = group_by(rows, "version_id")
        return [grouped.get(key, []) for key in keys]


class DependencyByIdLoader(RegistryDataLoader[int, Dependency | None]):
    async def batch_load(self, keys: list[int]) -> list[Dependency | None]:
        rows = {d.id: d for d in await Dependency.filter(id__in=keys)}
        return [rows.get(key) for key in keys]


class DependentPackagesByNameLoader(RegistryDataLoader[str, list[Package]]):
    """Packages with a published version that depends on the name ("used by"), restricted to
    the packages a listing may show this caller; most downloaded first."""

    async def batch_load(self, keys: list[str]) -> list[list[Package]]:
        lowered = [lookup_key(key) or "" for key in keys]
        links = await Dependency.filter(
            name_key__in=lookup_keys(keys), version__status=VersionStatus.PUBLISHED
        ).values_list("name_key", "version__package_id")
        package_ids = {int(package_id) for _, package_id in links}
        packages: dict[int, Package] = {}
        if package_ids:
            packages = {
                p.id: p
                for p in await Package.filter(
                    await listed_filter(self.context.actor), id__in=list(package_ids)
                )
            }
        dependents: dict[str, set[int]] = {}
        for key, package_id in links:
            if int(package_id) in packages:
                dependents.setdefault(str(key), set()).add(int(package_id))
        return [
            sorted(
                (packages[i] for i in dependents.get(key, ())),
                key=lambda p: (-p.total_downloads, p.name_key),
            )
            for key in lowered
        ]
