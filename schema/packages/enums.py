"""Enums of the package part of the schema: the domain's (domain/enums.py) with their GraphQL
documentation."""

from __future__ import annotations

from domain.enums import PackageSort, PackageStatus, PackageType, VersionStatus, Visibility
from schema.core.enums import graphql_enum

__all__ = ["PackageSort", "PackageStatus", "PackageType", "VersionStatus", "Visibility"]

graphql_enum(
    PackageType,
    "What kind of thing a package is (REST_CONTRACT §7).",
    {
        PackageType.MOD: "A ToolBoxV2 mod (module).",
        PackageType.LIBRARY: "A library; feature packs may arrive as libraries.",
        PackageType.THEME: "A UI theme.",
        PackageType.PLUGIN: "A plugin.",
        PackageType.ARTIFACT: "A packaged binary artifact.",
        PackageType.WIDGET: "A dashboard widget.",
        PackageType.FEATURE: "A ToolBoxV2 feature pack.",
    },
)

graphql_enum(
    Visibility,
    "Who may see a package.",
    {
        Visibility.PUBLIC: "Everyone; listed and searchable.",
        Visibility.UNLISTED: "Anyone who names it exactly; never listed or searched.",
        Visibility.PRIVATE: "Only members of the owning publisher and admins.",
    },
)

graphql_enum(
    PackageStatus,
    "Where a package is in its lifecycle.",
    {
        PackageStatus.ACTIVE: "Maintained; the default.",
        PackageStatus.DEPRECATED: "Still installable and updatable, but resolving it warns "
        "(with its message and successor).",
        PackageStatus.ARCHIVED: "Read-only: no new versions and no changes until un-archived; "
        "resolving it warns like a deprecated package.",
    },
)

graphql_enum(
    VersionStatus,
    "Where a version is in the publishing pipeline.",
    {
        VersionStatus.PENDING: "Uploaded, waiting for the security scan; owners only.",
        VersionStatus.PUBLISHED: "Scanned and installable.",
        VersionStatus.QUARANTINED: "Rejected by the scan; owners and admins only.",
    },
)


graphql_enum(
    PackageSort,
    "Orders of the package list.",
    {
        PackageSort.RELEVANCE: "Best match first: exact name, name prefix, name substring, then "
        "other text; ties by downloads. Without a search: downloads.",
        PackageSort.DOWNLOADS: "Most downloaded first.",
        PackageSort.NAME: "By name, A to Z (case-insensitive).",
        PackageSort.UPDATED: "Most recently changed first.",
        PackageSort.CREATED: "Newest first.",
    },
)
