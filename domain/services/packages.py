"""Packages: lookup with visibility, create, update and delete (lists and search:
domain/services/listing.py)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from tortoise.exceptions import IntegrityError

from domain import search_index
from domain.actor import Actor
from domain.categories import CategoryCatalog
from domain.changes import write_transaction
from domain.commands import MAX_DESCRIPTION, CreatePackage, PackageUpdate, present_fields
from domain.enums import (
    PackageStatus,
    PackageType,
    TokenScope,
    VersionStatus,
    Visibility,
    WebhookEvent,
)
from domain.exceptions import Conflict, InvalidInput, PermissionDenied
from domain.models import Package, PackageVersion
from domain.names import (
    lookup_key,
    name_key,
    validate_package_name,
    validate_visibility,
)
from domain.services import audit, blobs, lifecycle, publishers, webhook_outbox
from domain.services.access import not_found, require_manage, require_view
from domain.textrules import bounded_text
from domain.versions import highest_version

MAX_KEYWORDS = 20
_TEXT_LIMITS = {
    "display_name": 200,
    "description": MAX_DESCRIPTION,
    "readme": 200_000,
    "homepage": 500,
    "repository": 500,
    "license": 100,
}
EDITABLE_FIELDS = (
    "display_name",
    "visibility",
    "description",
    "readme",
    "homepage",
    "repository",
    "license",
    "keywords",
    "categories",
)


def _clean_text(field: str, value: object) -> str:
    # The author's README keeps its surrounding whitespace (Markdown can depend on it).
    text = bounded_text(value, field=field, limit=_TEXT_LIMITS[field], strip=field != "readme")
    if field in ("homepage", "repository") and text and not re.match(r"https?://", text):
        raise InvalidInput(f"{field} must be an http(s) URL", field=field)
    return text


def _clean_keywords(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [part for part in re.split(r"[,\s]+", value) if part]
    if not isinstance(value, list) or not all(isinstance(k, str) for k in value):
        raise InvalidInput("keywords must be a list of strings", field="keywords")
    cleaned = list(dict.fromkeys(k.strip().lower() for k in value if k.strip()))
    if len(cleaned) > MAX_KEYWORDS or any(len(k) > 50 for k in cleaned):
        raise InvalidInput(
            f"at most {MAX_KEYWORDS} keywords of at most 50 characters", field="keywords"
        )
    return cleaned


def clean_fields(data: dict[str, Any], catalog: CategoryCatalog | None = None) -> dict[str, Any]:
    """Validate the editable fields present in `data` (categories against `catalog`, which
    a caller passing categories must give); unknown keys are ignored."""
    cleaned: dict[str, Any] = {}
    for field in EDITABLE_FIELDS:
        if field not in data:
            continue
        value = data[field]
        if field == "visibility":
            cleaned[field] = validate_visibility(value)
        elif field == "keywords":
            cleaned[field] = _clean_keywords(value)
        elif field == "categories":
            assert catalog is not None, "categories are checked against the registry's catalog"
            cleaned[field] = catalog.clean(value)
        else:
            cleaned[field] = _clean_text(field, value)
    return cleaned


async def find_package(name: str) -> Package | None:
    key = lookup_key(name)
    if key is None:
        return None
    return await Package.get_or_none(name_key=key, deleted_at__isnull=True).prefetch_related(
        "publisher"
    )


async def get_package(actor: Actor, name: str) -> Package:
    return require_view(actor, await find_package(name), name)


async def create_package(
    actor: Actor, command: CreatePackage, *, catalog: CategoryCatalog, using_db: Any = None
) -> Package:
    """Create a package owned by the caller's publisher (REST_CONTRACT §4.4); its
    categories are checked against `catalog` (the registry's `Policy.categories`)."""
    actor.require_scope(TokenScope.PUBLISH_NEW)
    owner = await publishers.require_own_publisher(actor)
    name = validate_package_name(command.name)
    actor.require_scope(TokenScope.PUBLISH_NEW, name)
    package_type = command.package_type or PackageType.MOD
    fields = clean_fields(
        {**present_fields(command), "visibility": command.visibility or Visibility.PUBLIC},
        catalog,
    )
    publishers.check_can_publish(owner, fields["visibility"])
    if await Package.exists(name_key=name_key(name)):
        raise Conflict(f"Package already exists: {name}")
    package = Package(
        name=name,
        name_key=name_key(name),
        package_type=package_type,
        publisher_id=owner.id,
        owner_id=actor.user_id,
        **fields,
    )
    if not package.display_name:
        package.display_name = name
    try:
        async with write_transaction() as conn:
            db = using_db or conn
            await package.save(using_db=db)
            await audit.record(
                actor,
                "package.create",
                target_type="package",
                target_id=name,
                publisher_id=owner.id,
                details={"visibility": package.visibility, "type": package_type},
                using_db=db,
            )
    except IntegrityError:
        raise Conflict(f"Package already exists: {name}") from None
    package.publisher = owner
    return package


async def update_package(
    actor: Actor, name: str, update: PackageUpdate, *, catalog: CategoryCatalog
) -> Package:
    """Change the fields `update` sets (owner or admin); categories are checked against
    `catalog`. Lifecycle fields (status, deprecation message, successor) change here too; an
    archived package refuses every other change unless the same update un-archives it."""
    package = await get_package(actor, name)
    require_manage(actor, package, TokenScope.PUBLISH_UPDATE)
    requested = update.changes()
    lifecycle_requested = {
        k: requested.pop(k) for k in lifecycle.LIFECYCLE_FIELDS if k in requested
    }
    changes = clean_fields(requested, catalog)
    lifecycle_changes = await lifecycle.clean_changes(
        actor,
        package,
        lifecycle_requested,
        visibility=changes.get("visibility", package.visibility),
    )
    lifecycle.require_editable(package, changes, lifecycle_changes)
    if "visibility" in changes and changes["visibility"] != package.visibility:
        publishers.check_can_publish(package.publisher, changes["visibility"])
    changes.update(lifecycle_changes)
    if not changes:
        return package
    old_visibility = package.visibility
    old_status = package.status
    for field, value in changes.items():
        setattr(package, field, value)
    async with write_transaction() as conn:
        # Only the columns this update sets: the row read above may be stale by now (a
        # publish meanwhile writes latest_version and readme_text; search_index).
        await package.save(using_db=conn, update_fields=[*changes, "updated_at"])
        await audit.record(
            actor,
            "package.update",
            target_type="package",
            target_id=package.name,
            publisher_id=package.publisher_id,
            details={"fields": sorted(changes)},
            using_db=conn,
        )
        if old_visibility != package.visibility:
            details: dict[str, Any] = {"from": old_visibility, "to": package.visibility}
            if package.visibility != Visibility.PUBLIC:
                # Notices elsewhere must not reveal the name of what is now hidden.
                cleared = await lifecycle.forget_as_successor(package, using_db=conn)
                if cleared:
                    details["no_longer_successor_of"] = cleared
            await audit.record(
                actor,
                "package.visibility",
                target_type="package",
                target_id=package.name,
                publisher_id=package.publisher_id,
                details=details,
                using_db=conn,
            )
        if old_status != package.status:
            await audit.record(
                actor,
                "package.status",
                target_type="package",
                target_id=package.name,
                publisher_id=package.publisher_id,
                details={
                    "from": old_status,
                    "to": package.status,
                    "successor": package.successor,
                },
                using_db=conn,
            )
            if package.status == PackageStatus.DEPRECATED:
                await webhook_outbox.emit(
                    WebhookEvent.PACKAGE_DEPRECATED,
                    package.publisher_id,
                    package=package,
                    details={
                        "message": package.deprecation_message,
                        "successor": package.successor,
                    },
                    using_db=conn,
                )
    return package


async def delete_package(actor: Actor, name: str) -> list[str]:
    """Soft-delete: the name stays reserved. Returns blob keys no longer referenced."""
    package = await get_package(actor, name)
    require_manage(actor, package, TokenScope.YANK)
    if not (actor.admin_for(package.name) or actor.has_scope(TokenScope.PUBLISH_UPDATE)):
        raise PermissionDenied("Deleting a package needs the publish-update scope")
    async with write_transaction() as conn:
        package.deleted_at = datetime.now(UTC)
        package.latest_version = ""
        # The package row first (see lock_package); an upload's transaction holds it while it
        # adds a version (lock_live): every version is either listed here or never written.
        await package.save(using_db=conn, update_fields=["deleted_at", "latest_version"])
        rows = await (
            PackageVersion.filter(package_id=package.id)
            .using_db(conn)
            .values_list("blob_key", "icon_key")
        )
        # The archives and the page icons (services/blobs.py counts both as references).
        keys = {str(key) for row in rows for key in row if key}
        await PackageVersion.filter(package_id=package.id).using_db(conn).delete()
        await audit.record(
            actor,
            "package.delete",
            target_type="package",
            target_id=package.name,
            publisher_id=package.publisher_id,
            using_db=conn,
        )
    return [key for key in keys if not await blobs.is_referenced(key)]


async def lock_package(package_id: int, *, using_db: Any) -> Package | None:
    """First statement of every transaction that changes a package's versions: hold the
    package row (FOR NO KEY UPDATE) until commit.

    One order for everyone (package row, then version rows, then the package row's
    `latest_version`) is what keeps a scan verdict, a yank, an upload and a package deletion
    from deadlocking each other on PostgreSQL. SQLite runs one write transaction at a time.
    """
    return await (
        Package.select_for_update(no_key=True).using_db(using_db).get_or_none(id=package_id)
    )


async def lock_live(package: Package, *, using_db: Any) -> None:
    """`lock_package` for a transaction that adds a version: refuse if the package was
    deleted meanwhile (the deletion holds the same row, so it is either seen or waited for),
    or archived meanwhile (the update that archives it holds the row the same way)."""
    row = await lock_package(package.id, using_db=using_db)
    if row is None or row.deleted_at is not None:
        raise not_found(package.name)
    lifecycle.require_accepts_versions(row)


async def refresh_latest_version(package_id: int, using_db: Any = None) -> str:
    """Recompute the cached `latest_version`: highest published, non-yanked (§3)."""
    rows = await (
        PackageVersion.filter(package_id=package_id, status=VersionStatus.PUBLISHED, yanked=False)
        .using_db(using_db)
        .values_list("version", "toolbox_version")
    )
    requirements = {str(version): str(requirement) for version, requirement in rows}
    latest = highest_version(requirements)
    # With the latest version's ToolBoxV2 requirement, as sortable bounds (the listing's
    # `toolbox` filter); the database's triggers then update the package's facet rows.
    await search_index.store_latest(
        package_id, latest, requirements.get(latest, ""), using_db=using_db
    )
    return latest
