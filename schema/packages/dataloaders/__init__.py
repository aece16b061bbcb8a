"""Per-request loaders for packages, versions and dependencies (see schema/core/dataloaders)."""

from schema.packages.dataloaders.dependencies import (
    DependenciesByVersionIdLoader,
    DependencyByIdLoader,
    DependentPackagesByNameLoader,
)
from schema.packages.dataloaders.packages import PackageByIdLoader, PackageByNameLoader
from schema.packages.dataloaders.versions import (
    LatestVersionLoader,
    VersionByIdLoader,
    VersionsByPackageIdLoader,
)

__all__ = [
    "DependenciesByVersionIdLoader",
    "DependencyByIdLoader",
    "DependentPackagesByNameLoader",
    "PackageByIdLoader",
    "PackageByNameLoader",
    "VersionByIdLoader",
    "VersionsByPackageIdLoader",
    "LatestVersionLoader",
]
