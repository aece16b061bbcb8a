"""Publishing a version: validate, read the manifest, normalise, store, record, scan.

Order matters for "nothing lost or half-written": the object is stored (atomically, content-
addressed) under a claim before the rows that point at it are written in one transaction; if
that transaction fails, the object is removed again unless something else uses it
(services/blobs.py has the protocol that keeps deletes and uploads of the same bytes apart).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from tortoise.exceptions import IntegrityError
from tortoise.functions import Sum

from domain.actor import Actor
from domain.changes import write_transaction
from domain.commands import MAX_DESCRIPTION, CreatePackage, PackageUpdate, command_from
from domain.context import RegistryContext
from domain.enums import PackageType, Platform, TokenScope, VersionStatus
from domain.exceptions import Conflict, InvalidInput, QuotaExceeded, TooLarge
from domain.jobs import SCAN_VERSION, enqueue_committed
from domain.manifest import (
    DependencySpec,
    Manifest,
    ManifestError,
    compare_manifest,
    parse_dependencies,
)
from domain.models import ArtifactBuild, Dependency, Package, PackageVersion, Publisher
from domain.names import is_feature_pack_name, name_key, validate_package_type
from domain.normalize import needs_reroot, reroot_zip
from domain.requires import encode_requires
from domain.services import audit, blobs, lifecycle, packages, publishers
from domain.services.access import require_manage, require_view
from domain.services.inspect import inspect_upload
from domain.services.urls import package_file_url
from domain.uploads import SpooledFile
from domain.versions import parse_version


@dataclass
class UploadRequest:
    file: SpooledFile
    version: str
    changelog: str = ""
    toolbox_version: str = ""
    python_version: str = ""
    dependencies: list[DependencySpec] | None = None  # None: take them from the manifest


@dataclass
class PublishResult:
    package: Package
    version: PackageVersion
    download_url: str
    warnings: list[str] = field(default_factory=list)


def _text_field(value: object, name: str, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"{name} must be a string", field=name)
    if len(value) > limit:
        raise InvalidInput(f"{name} is longer than {limit} characters", field=name)
    return value.strip()


async def storage_used(publisher_id: str, using_db: Any = None) -> int:
    """Bytes a publisher stores: every package version plus every artifact build.

    Grouped by the publisher id on purpose: an aggregate without a GROUP BY of its own makes
    Tortoise group by every column of the table, which sums one row at a time."""
    used = 0
    for query, group in (
        (PackageVersion.filter(package__publisher_id=publisher_id), "package__publisher_id"),
        (
            ArtifactBuild.filter(artifact_version__artifact__publisher_id=publisher_id),
            "artifact_version__artifact__publisher_id",
        ),
    ):
        # Tortoise types values_list(flat=True) as tuples; one column gives the values themselves.
        totals = cast(
            "list[int | None]",
            await query.using_db(using_db)
            .group_by(group)
            .annotate(total=Sum("size_bytes"))
            .values_list("total", flat=True),
        )
        used += sum(int(total or 0) for total in totals)
    return used


def _check_size(publisher: Publisher, size: int) -> None:
    if publisher.max_package_bytes is not None and size > publisher.max_package_bytes:
        raise TooLarge(
            f"Upload of {size} bytes exceeds this publisher's maximum package size "
            f"of {publisher.max_package_bytes} bytes"
        )


async def _check_quota(publisher: Publisher, size: int, using_db: Any = None) -> None:
    if publisher.storage_quota_bytes is None:
        return
    used = await storage_used(publisher.id, using_db)
    if used + size > publisher.storage_quota_bytes:
        raise QuotaExceeded(
            f"Storage quota exceeded: {used} of "
            f"{publisher.storage_quota_bytes} bytes used, this upload "
            f"needs {size} more"
        )


async def _check_limits(publisher: Publisher, size: int) -> None:
    """The early answer, before anything is stored; `hold_quota` is the one that decides."""
    _check_size(publisher, size)
    await _check_quota(publisher, size)


async def hold_quota(publisher_id: str, size: int, *, using_db: Any) -> None:
    """Inside the transaction that records `size` new bytes: lock the publisher's row until
    commit, then check the quota against what is committed now.

    Uploads of one publisher queue on its row (PostgreSQL), so each one's SUM sees every
    upload committed before it, and concurrent uploads cannot all pass a check made before
    any of them committed. SQLite needs no lock: the embedded stack runs one write
    transaction at a time (Tortoise holds its connection lock for the whole transaction).
    The quota is read from the locked row, so an admin's change meanwhile is honoured."""
    publisher = await (
        Publisher.select_for_update(no_key=True).using_db(using_db).get(id=publisher_id)
    )
    await _check_quota(publisher, size, using_db)


def artifact_platforms(names: list[str]) -> list[str]:
    """The manifest's platform names that are artifact platforms (domain.enums.Platform), for
    the version's `platforms` (the listing's platform facet; the resolver and the update check
    read it as the platforms the version runs on). ModManager platform names (server, client,
    desktop, ...) are left out: stored, they would make those readers drop the version."""
    known = {p.value for p in Platform}
    wanted = (name.strip().lower() for name in names if len(name) <= 32)
    return list(dict.fromkeys(name for name in wanted if name in known))


async def upload_version(
    ctx: RegistryContext, actor: Actor, name: str, request: UploadRequest, *, new_path: Any
) -> PublishResult:
    """Publish a new version of an existing package (REST_CONTRACT §4.4, §6)."""
    package = require_view(actor, await packages.find_package(name), name)
    require_manage(actor, package, TokenScope.PUBLISH_UPDATE)
    lifecycle.require_accepts_versions(package)
    publisher: Publisher = package.publisher
    publishers.check_can_publish(publisher, package.visibility)
    version = parse_version(request.version)
    if await PackageVersion.exists(package_id=package.id, version_key=str(version)):
        raise Conflict(f"Version {request.version} of {package.name} already exists")
    changelog = _text_field(request.changelog, "changelog", 100_000)
    toolbox_version = _text_field(request.toolbox_version, "toolbox_version", 200)
    python_version = _text_field(request.python_version, "python_version", 100)
    upload = request.file
    await _check_limits(publisher, upload.size)

    inspection = await inspect_upload(upload.path, package.name, package.package_type)
    manifest: Manifest | None = inspection.manifest
    warnings = list(inspection.warnings)
    if manifest is not None:
        warnings += compare_manifest(manifest, package.name, request.version)
    dependencies = request.dependencies
    if dependencies is None:
        dependencies = list(manifest.dependencies) if manifest else []
    toolbox_version = toolbox_version or (manifest.toolbox_version or "" if manifest else "")

    stored_path, stored_sha = upload.path, upload.sha256
    rerooted: Path | None = None
    if (
        package.package_type == PackageType.MOD
        and ctx.policy.normalize_mod_layout
        and needs_reroot(inspection.names, package.name)
    ):
        rerooted = new_path()
        # False: the archive failed the strict structural checks and was copied unchanged,
        # so the scan judges (and quarantines) the original bytes rather than a cleaned copy.
        if await asyncio.to_thread(reroot_zip, upload.path, rerooted, package.name):
            stored_path, stored_sha = rerooted, await blobs.sha256_of(rerooted)
            warnings.append(
                f"Archive re-rooted under {package.name}/ so that mod managers can install it"
            )
    try:
        stored = await blobs.store_file(ctx, stored_path, stored_sha)
    finally:
        if rerooted is not None:
            with contextlib.suppress(FileNotFoundError):
                rerooted.unlink()
    key = stored.key
    sha256, size = stored.sha256, stored.size

    try:
        async with write_transaction() as conn:
            await packages.lock_live(package, using_db=conn)
            # After the package row: one lock order (package, then publisher) for everyone.
            await hold_quota(publisher.id, size, using_db=conn)
            await blobs.mark_stored(ctx, stored, using_db=conn)
            row = await PackageVersion.create(
                package_id=package.id,
                version=request.version,
                version_key=str(version),
                status=VersionStatus.PENDING,
                changelog=changelog,
                toolbox_version=toolbox_version,
                python_version=python_version,
                blob_key=key,
                sha256=sha256,
                upload_sha256=upload.sha256,
                size_bytes=size,
                warnings=warnings,
                # The listing's architecture facet (domain/search_index.py).
                architectures=list(manifest.architectures) if manifest else [],
                platforms=artifact_platforms(manifest.platforms) if manifest else [],
                requires=encode_requires(dependencies),
                uploaded_by=actor.user_id or "",
                using_db=conn,
            )
            await Dependency.bulk_create(
                [
                    Dependency(
                        version_id=row.id,
                        name=dep.name,
                        name_key=name_key(dep.name),
                        version_spec=dep.version_spec or "*",
                        optional=dep.optional,
                    )
                    for dep in dependencies
                ],
                using_db=conn,
            )
            await audit.record(
                actor,
                "version.upload",
                target_type="version",
                target_id=f"{package.name}=={request.version}",
                publisher_id=publisher.id,
                details={"sha256": sha256, "size": size},
                using_db=conn,
            )
    except IntegrityError:
        await blobs.abandon(ctx, stored)
        raise Conflict(f"Version {request.version} of {package.name} already exists") from None
    except BaseException:
        await blobs.abandon(ctx, stored)
        raise
    await enqueue_committed(ctx.jobs, SCAN_VERSION, "requeue_pending_work", row.id)
    return PublishResult(
        package,
        row,
        package_file_url(package.name, row.version, ctx.policy.public_base_url),
        warnings,
    )


def _metadata_dependencies(value: object) -> list[DependencySpec] | None:
    if value is None:
        return None
    try:
        return parse_dependencies(value, where="metadata.dependencies")[0]
    except ManifestError as exc:
        raise InvalidInput(f"metadata.dependencies: {exc}", field="dependencies") from None


async def publish_with_metadata(
    ctx: RegistryContext,
    actor: Actor,
    upload: SpooledFile,
    metadata: dict[str, Any],
    *,
    new_path: Any,
) -> PublishResult:
    """One-step publish (multipart POST /packages): create the package when missing."""
    inspection = await inspect_upload(upload.path, metadata.get("name") or "", None)
    manifest = inspection.manifest
    name = metadata.get("name") or (manifest.name if manifest else "")
    if not name:
        raise InvalidInput("No package name: put it in metadata.name or the manifest", field="name")
    version = metadata.get("version") or (manifest.version if manifest else "")
    if not version:
        raise InvalidInput(
            "No version: put it in metadata.version or the manifest", field="version"
        )
    catalog = ctx.policy.categories
    notes: list[str] = []  # what the upload's answer adds to the version's warnings
    package = await packages.find_package(name)
    if package is None:
        default_type = PackageType.LIBRARY if is_feature_pack_name(str(name)) else PackageType.MOD
        fields = {k: metadata.get(k) for k in packages.EDITABLE_FIELDS if metadata.get(k)}
        if manifest is not None:
            for key in ("description", "license", "homepage", "repository", "display_name"):
                fields.setdefault(key, getattr(manifest, key) or None)
            if manifest.keywords and "keywords" not in fields:
                fields["keywords"] = manifest.keywords
            if manifest.categories and "categories" not in fields:
                # A manifest's categories are a wish, not a request: unknown ones are dropped
                # with a warning (metadata.categories, typed by the caller, is checked strictly).
                fields["categories"], dropped = catalog.lenient(
                    manifest.categories, where=f"{manifest.path or 'manifest'} categories"
                )
                notes += dropped
        fields = {k: v for k, v in fields.items() if v is not None}
        description = fields.get("description")
        if isinstance(description, str):
            fields["description"] = description[:MAX_DESCRIPTION]
        package = await packages.create_package(
            actor,
            command_from(
                {
                    **fields,
                    "name": name,
                    # (checked here so a wrong type keeps the domain's message for metadata)
                    "package_type": validate_package_type(
                        metadata.get("package_type") or default_type
                    ),
                },
                CreatePackage,
            ),
            catalog=catalog,
        )
    else:
        require_manage(actor, package, TokenScope.PUBLISH_UPDATE)
        lifecycle.require_accepts_versions(package)
        changes = {
            k: metadata[k]
            for k in packages.EDITABLE_FIELDS
            if k != "visibility" and metadata.get(k)
        }
        if isinstance(changes.get("description"), str):
            changes["description"] = changes["description"][:MAX_DESCRIPTION]
        if changes:
            package = await packages.update_package(
                actor, package.name, command_from(changes, PackageUpdate), catalog=catalog
            )
    result = await upload_version(
        ctx,
        actor,
        package.name,
        UploadRequest(
            file=upload,
            version=str(version),
            changelog=metadata.get("changelog") or "",
            toolbox_version=metadata.get("toolbox_version") or "",
            python_version=metadata.get("python_version") or "",
            dependencies=_metadata_dependencies(metadata.get("dependencies")),
        ),
        new_path=new_path,
    )
    result.warnings += notes
    return result
