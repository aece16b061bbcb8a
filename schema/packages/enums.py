"""Enums of the package part of the schema: the domain's (domain/enums.py) with their GraphQL
documentation, and the list orders, which only GraphQL offers."""

from __future__ import annotations

from enum import Enum

import strawberry

from domain.enums import PackageType, VersionStatus, Visibility
from schema.core.enums import graphql_enum

__all__ = ["PackageSort", "PackageType", "VersionStatus", "Visibility"]

graphql_enum(PackageType, "What kind of thing a package is (REST_CONTRACT §7).", {
    PackageType.MOD: "A ToolBoxV2 mod (module).",
    PackageType.LIBRARY: "A library; feature packs may arrive as libraries.",
    PackageType.THEME: "A UI theme.",
    PackageType.PLUGIN: "A plugin.",
    PackageType.ARTIFACT: "A packaged binary artifact.",
    PackageType.WIDGET: "A dashboard widget.",
    PackageType.FEATURE: "A ToolBoxV2 feature pack.",
})

graphql_enum(Visibility, "Who may see a package.", {
    Visibility.PUBLIC: "Everyone; listed and searchable.",
    Visibility.UNLISTED: "Anyone who names it exactly; never listed or searched.",
    Visibility.PRIVATE: "Only members of the owning publisher and admins.",
})

graphql_enum(VersionStatus, "Where a version is in the publishing pipeline.", {
    VersionStatus.PENDING: "Uploaded, waiting for the security scan; owners only.",
    VersionStatus.PUBLISHED: "Scanned and installable.",
    VersionStatus.QUARANTINED: "Rejected by the scan; owners and admins only.",
})


@strawberry.enum(description="Orders of the package list.")
class PackageSort(Enum):
    RELEVANCE = strawberry.enum_value(
        "relevance", description="Best match first: exact name, name prefix, name substring, "
                                 "then other text; ties by downloads. Without a search: "
                                 "downloads.")
    DOWNLOADS = strawberry.enum_value("downloads", description="Most downloaded first.")
    NAME = strawberry.enum_value("name", description="By name, A to Z (case-insensitive).")
    UPDATED = strawberry.enum_value("updated", description="Most recently changed first.")
    CREATED = strawberry.enum_value("created", description="Newest first.")
