"""Enums of the package part of the schema; values are the domain's strings."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="What kind of thing a package is (REST_CONTRACT §7).")
class PackageType(Enum):
    MOD = strawberry.enum_value("mod", description="A ToolBoxV2 mod (module).")
    LIBRARY = strawberry.enum_value("library", description="A library; feature packs may "
                                    "arrive as libraries.")
    THEME = strawberry.enum_value("theme", description="A UI theme.")
    PLUGIN = strawberry.enum_value("plugin", description="A plugin.")
    ARTIFACT = strawberry.enum_value("artifact", description="A packaged binary artifact.")
    WIDGET = strawberry.enum_value("widget", description="A dashboard widget.")
    FEATURE = strawberry.enum_value("feature", description="A ToolBoxV2 feature pack.")


@strawberry.enum(description="Who may see a package.")
class Visibility(Enum):
    PUBLIC = strawberry.enum_value("public", description="Everyone; listed and searchable.")
    UNLISTED = strawberry.enum_value(
        "unlisted", description="Anyone who names it exactly; never listed or searched.")
    PRIVATE = strawberry.enum_value(
        "private", description="Only members of the owning publisher and admins.")


@strawberry.enum(description="Where a version is in the publishing pipeline.")
class VersionStatus(Enum):
    PENDING = strawberry.enum_value(
        "pending", description="Uploaded, waiting for the security scan; owners only.")
    PUBLISHED = strawberry.enum_value("published", description="Scanned and installable.")
    QUARANTINED = strawberry.enum_value(
        "quarantined", description="Rejected by the scan; owners and admins only.")


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
