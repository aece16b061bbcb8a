"""Binary artifacts (REST_CONTRACT §4.10): create, upload builds, pick the build a caller needs.

An artifact has versions; each version has at most one build per (platform, architecture).
Artifacts are always public: creating one needs a verified publisher with the admin-granted
artifact flag (`publishers.check_can_publish(..., artifact=True)`).

Uploading a build follows the same "nothing lost or half-written" order as package publishing:
the object is stored first, then the version (new or existing) and the build row are written in
one transaction; if it fails the object is forgotten again unless another row uses it. A
duplicate (version, platform, architecture) is refused by the database's unique constraint, so
of two concurrent duplicates exactly one wins.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tortoise.exceptions import IntegrityError

from domain.actor import Actor
from domain.changes import write_transaction
from domain.commands import CreateArtifact
from domain.context import RegistryContext
from domain.enums import Architecture, Platform, ScanVerdict, TokenScope, Visibility
from domain.exceptions import Conflict, InvalidInput, NotFound, PermissionDenied
from domain.models import Artifact, ArtifactBuild, ArtifactVersion, Publisher
from domain.names import (
    canonical_architecture,
    canonical_platform,
    lookup_key,
    name_key,
    validate_artifact_type,
    validate_package_name,
)
from domain.scanning import Rule, ScanReport, check_artifact_binary
from domain.services import audit, blobs, packages, publishers, replication
from domain.services.access import is_member
from domain.services.publishing import _check_limits, hold_quota
from domain.uploads import SpooledFile
from domain.versions import loose_version, parse_version, sort_newest_first
from storage.local import LocalFileReader

log = logging.getLogger("registry.artifacts")

ANY = Platform.ALL  # == Architecture.ALL: a build for every platform (or architecture)
MAX_FILENAME = 255
MAX_CHANGELOG = 100_000
MAX_INSTALLER_TYPE = 32
MAX_MIN_OS_VERSION = 50
# A version row created by a concurrent upload makes our insert fail; the next attempt finds
# it and appends. Two retries cover any realistic race.
_VERSION_RACE_ATTEMPTS = 3
_UNSAFE_FILENAME_CHARS = re.compile(r"[^A-Za-z0-9._+\- ]+")


@dataclass
class BuildUpload:
    """One multipart build upload, already spooled to disk (hash and size known)."""

    file: SpooledFile
    version: str
    platform: str
    architecture: str
    changelog: str = ""
    installer_type: str = ""
    min_os_version: str = ""


@dataclass(frozen=True)
class ChosenBuild:
    """A build picked for a caller, with the version it belongs to."""

    artifact: Artifact
    version: ArtifactVersion
    build: ArtifactBuild


def artifact_not_found(name: str) -> NotFound:
    return NotFound(f"Artifact not found: {name}")


def build_not_found(name: str, version: str, platform: str, architecture: str) -> NotFound:
    return NotFound(f"No build of {name} {version} for {platform}/{architecture}")


# --- lookup -------------------------------------------------------------------------------


async def find_artifact(name: str) -> Artifact | None:
    """Case-insensitive lookup; the row carries the canonical spelling."""
    key = lookup_key(name)
    if key is None:
        return None
    return await Artifact.get_or_none(name_key=key).prefetch_related("publisher")


async def get_artifact(name: str) -> Artifact:
    artifact = await find_artifact(name)
    if artifact is None:
        raise artifact_not_found(name)
    return artifact


async def list_artifacts(
    *, page: int, per_page: int, artifact_type: str | None = None
) -> tuple[list[Artifact], int]:
    query = Artifact.all()
    if artifact_type:
        query = query.filter(artifact_type=validate_artifact_type(artifact_type))
    total = await query.count()
    items = await query.order_by("name_key").offset((page - 1) * per_page).limit(per_page)
    return list(items), total


def _position(value: str, ordered: type[Platform] | type[Architecture]) -> int:
    """Where `value` stands in the enum's declared order (unknown values last)."""
    values = [member.value for member in ordered]
    return values.index(value) if value in values else len(values)


def _build_order(build: ArtifactBuild) -> tuple[int, int]:
    return _position(build.platform, Platform), _position(build.architecture, Architecture)


def builds_of(version: ArtifactVersion) -> list[ArtifactBuild]:
    """The prefetched builds of a version in a stable platform/architecture order."""
    return sorted(version.builds, key=_build_order)


async def versions_by_artifact(artifact_ids: list[int]) -> dict[int, list[ArtifactVersion]]:
    """Versions (builds prefetched) of many artifacts in two queries, each list newest first."""
    grouped: dict[int, list[ArtifactVersion]] = {artifact_id: [] for artifact_id in artifact_ids}
    if not artifact_ids:
        return grouped
    rows = await ArtifactVersion.filter(artifact_id__in=artifact_ids).prefetch_related("builds")
    for row in rows:
        grouped[row.artifact_id].append(row)
    return {
        key: sort_newest_first(value, key=lambda v: v.version) for key, value in grouped.items()
    }


async def versions_of(artifact: Artifact) -> list[ArtifactVersion]:
    """All versions of one artifact, newest first by PEP 440 precedence, builds prefetched."""
    return (await versions_by_artifact([artifact.id]))[artifact.id]


def highest_of(version_texts: list[str]) -> str:
    """The highest version by PEP 440 precedence (§4.10: pre-releases included), "" if none."""
    parsed = [(v, text) for text in version_texts if (v := loose_version(text)) is not None]
    return max(parsed)[1] if parsed else ""


def latest_version_of(versions: list[ArtifactVersion]) -> str:
    """Derived from the rows rather than read from the cached column, so a response is never
    behind concurrent uploads."""
    return highest_of([row.version for row in versions])


async def find_version(artifact: Artifact, version: str) -> ArtifactVersion | None:
    """Exact string first, then PEP 440-normalised equality (as for package versions)."""
    row = await ArtifactVersion.get_or_none(
        artifact_id=artifact.id, version=version
    ).prefetch_related("builds")
    if row is None and (parsed := loose_version(version)) is not None:
        row = await ArtifactVersion.get_or_none(
            artifact_id=artifact.id, version_key=str(parsed)
        ).prefetch_related("builds")
    return row


# --- picking a build ----------------------------------------------------------------------


def _candidates(platform: str, architecture: str) -> list[tuple[str, str]]:
    """Exact first, then the `all` fallbacks from most to least specific."""
    ordered = [(platform, architecture), (platform, ANY), (ANY, architecture), (ANY, ANY)]
    return list(dict.fromkeys(ordered))


def _exact_build(
    version: ArtifactVersion, platform: str, architecture: str
) -> ArtifactBuild | None:
    return next(
        (b for b in version.builds if b.platform == platform and b.architecture == architecture),
        None,
    )


def _fallback_build(
    version: ArtifactVersion, platform: str, architecture: str
) -> ArtifactBuild | None:
    for wanted in _candidates(platform, architecture):
        build = _exact_build(version, *wanted)
        if build is not None:
            return build
    return None


def _query_choice(value: str | None, canonical: Any, what: str) -> str:
    if value is None or not value.strip():
        raise InvalidInput(f"Query parameter {what!r} is required", field=what)
    return canonical(value)


async def latest_build(name: str, platform: str | None, architecture: str | None) -> ChosenBuild:
    """`GET /artifacts/{name}/latest`: the newest version with an exact build; only when no
    version has one, the newest version with a build for platform and/or architecture `all`."""
    wanted_platform = _query_choice(platform, canonical_platform, "platform")
    wanted_arch = _query_choice(architecture, canonical_architecture, "architecture")
    artifact = await get_artifact(name)
    versions = await versions_of(artifact)
    for pick in (_exact_build, _fallback_build):
        for version in versions:
            build = pick(version, wanted_platform, wanted_arch)
            if build is not None:
                return ChosenBuild(artifact, version, build)
    raise NotFound(f"No build of {artifact.name} for {wanted_platform}/{wanted_arch}")


async def build_for_download(
    name: str, version: str, platform: str | None, architecture: str | None
) -> ChosenBuild:
    """The build a download of one version serves: exact, then the `all` fallback.

    A caller that leaves out platform or architecture gets the only build matching what it
    did give; when that is ambiguous it is told which builds exist."""
    artifact = await get_artifact(name)
    row = await find_version(artifact, version)
    if row is None:
        raise NotFound(f"Version not found: {artifact.name} {version}")
    wanted_platform = canonical_platform(platform) if platform and platform.strip() else None
    wanted_arch = (
        canonical_architecture(architecture) if architecture and architecture.strip() else None
    )
    if wanted_platform is not None and wanted_arch is not None:
        build = _fallback_build(row, wanted_platform, wanted_arch)
        if build is None:
            raise build_not_found(artifact.name, row.version, wanted_platform, wanted_arch)
        return ChosenBuild(artifact, row, build)
    matching = [
        b
        for b in builds_of(row)
        if wanted_platform in (None, b.platform, ANY) and wanted_arch in (None, b.architecture, ANY)
    ]
    if len(matching) == 1:
        return ChosenBuild(artifact, row, matching[0])
    if not matching:
        raise build_not_found(
            artifact.name, row.version, wanted_platform or "any", wanted_arch or "any"
        )
    available = ", ".join(f"{b.platform}/{b.architecture}" for b in matching)
    raise InvalidInput(
        f"Query parameters 'platform' and 'architecture' are required: "
        f"{artifact.name} {row.version} has builds for {available}"
    )


async def exact_build(name: str, version: str, platform: str, architecture: str) -> ChosenBuild:
    """The build a bytes URL names (no fallback: the URL was made from the build itself).
    Unknown platform or architecture spellings in a path are simply not found."""
    artifact = await get_artifact(name)
    try:
        wanted_platform = canonical_platform(platform)
        wanted_arch = canonical_architecture(architecture)
    except InvalidInput:
        raise build_not_found(artifact.name, version, platform, architecture) from None
    row = await find_version(artifact, version)
    build = _exact_build(row, wanted_platform, wanted_arch) if row is not None else None
    if row is None or build is None:
        raise build_not_found(artifact.name, version, wanted_platform, wanted_arch)
    return ChosenBuild(artifact, row, build)


# --- creating -----------------------------------------------------------------------------


async def create_artifact(actor: Actor, command: CreateArtifact) -> Artifact:
    """Create an artifact owned by the caller's publisher (§4.10)."""
    actor.require_scope(TokenScope.PUBLISH_NEW)
    owner = await publishers.require_own_publisher(actor)
    name = validate_package_name(command.name, what="artifact")
    actor.require_scope(TokenScope.PUBLISH_NEW, name)
    artifact_type = command.artifact_type
    # Same text rules (length, http(s) URLs) as the matching package fields.
    fields = packages.clean_fields(
        {
            "description": command.description,
            "homepage": command.homepage,
            "repository": command.repository,
        }
    )
    publishers.check_can_publish(owner, Visibility.PUBLIC, artifact=True)
    if await Artifact.exists(name_key=name_key(name)):
        raise Conflict(f"Artifact already exists: {name}")
    try:
        async with write_transaction() as conn:
            artifact = await Artifact.create(
                name=name,
                name_key=name_key(name),
                artifact_type=artifact_type,
                publisher_id=owner.id,
                owner_id=actor.user_id,
                using_db=conn,
                **fields,
            )
            await audit.record(
                actor,
                "artifact.create",
                target_type="artifact",
                target_id=name,
                publisher_id=owner.id,
                details={"type": artifact_type},
                using_db=conn,
            )
    except IntegrityError:
        raise Conflict(f"Artifact already exists: {name}") from None
    artifact.publisher = owner
    return artifact


def require_manage_artifact(actor: Actor, artifact: Artifact, scope: TokenScope) -> None:
    """Members of the owning publisher, or admins, holding the action's token scope."""
    actor.require_user()
    publisher_id: str = artifact.publisher_id
    if not (is_member(actor, publisher_id) or actor.admin_for(artifact.name)):
        raise PermissionDenied(f"You do not own artifact {artifact.name}")
    actor.require_scope(scope, artifact.name)


def _required(value: object, field: str) -> object:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidInput(f"{field} is required", field=field)
    return value


def _text(value: object, field: str, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be a string", field=field)
    value = value.strip()
    if len(value) > limit:
        raise InvalidInput(f"{field} is longer than {limit} characters", field=field)
    return value


def stored_filename(
    uploaded: str, name: str, version: str, platform: str, architecture: str
) -> str:
    """The uploaded file name without any directory, reduced to characters that are safe in a
    quoted Content-Disposition header; a fallback name when nothing usable remains."""
    base = re.split(r"[/\\]", uploaded or "")[-1]
    cleaned = _UNSAFE_FILENAME_CHARS.sub("_", base).strip(" .")
    if not cleaned.strip("_"):
        cleaned = _UNSAFE_FILENAME_CHARS.sub("_", f"{name}-{version}-{platform}-{architecture}")
    if len(cleaned) > MAX_FILENAME:
        stem, dot, extension = cleaned.rpartition(".")
        if dot and 0 < len(extension) <= 16:
            cleaned = f"{stem[: MAX_FILENAME - len(extension) - 1]}.{extension}"
        else:
            cleaned = cleaned[:MAX_FILENAME]
    return cleaned


async def _build_exists(
    artifact: Artifact, version_key: str, platform: str, architecture: str
) -> bool:
    return await ArtifactBuild.exists(
        artifact_version__artifact_id=artifact.id,
        artifact_version__version_key=version_key,
        platform=platform,
        architecture=architecture,
    )


async def _write_build(
    artifact: Artifact,
    actor: Actor,
    *,
    ctx: RegistryContext,
    stored: blobs.ClaimedObject,
    version: str,
    version_key: str,
    platform: str,
    architecture: str,
    changelog: str,
    installer_type: str,
    min_os_version: str,
    filename: str,
) -> ArtifactVersion:
    """One transaction: the stored copy becomes real, the version exists, the build is added."""
    async with write_transaction() as conn:
        await hold_quota(artifact.publisher_id, stored.size, using_db=conn)
        await blobs.mark_stored(ctx, stored, using_db=conn)
        row = await ArtifactVersion.get_or_none(
            artifact_id=artifact.id, version_key=version_key, using_db=conn
        )
        if row is None:
            row = await ArtifactVersion.create(
                artifact_id=artifact.id,
                version=version,
                version_key=version_key,
                changelog=changelog,
                min_os_version=min_os_version,
                using_db=conn,
            )
        else:
            # Appending a build: fill in notes the first upload left empty, never overwrite.
            updates = {
                k: v
                for k, v in (("changelog", changelog), ("min_os_version", min_os_version))
                if v and not getattr(row, k)
            }
            if updates:
                await ArtifactVersion.filter(id=row.id).using_db(conn).update(**updates)
        await ArtifactBuild.create(
            artifact_version_id=row.id,
            platform=platform,
            architecture=architecture,
            filename=filename,
            blob_key=stored.key,
            sha256=stored.sha256,
            size_bytes=stored.size,
            installer_type=installer_type,
            using_db=conn,
        )
        await audit.record(
            actor,
            "artifact.build.upload",
            target_type="artifact_build",
            target_id=f"{artifact.name}=={version}:{platform}/{architecture}",
            publisher_id=artifact.publisher_id,
            details={"sha256": stored.sha256, "size": stored.size, "filename": filename},
            using_db=conn,
        )
    return row


async def _refresh_latest_version(artifact: Artifact) -> None:
    """Keep the cached column in step (responses derive it from the rows themselves)."""
    versions = await ArtifactVersion.filter(artifact_id=artifact.id).values_list(
        "version", flat=True
    )
    await Artifact.filter(id=artifact.id).update(
        latest_version=highest_of([str(text) for text in versions])
    )


def _check_binary(path: Path, platform: str) -> ScanReport:
    with LocalFileReader(path) as reader:
        try:
            return check_artifact_binary(reader, platform)
        except (OSError, MemoryError):
            raise
        except Exception as exc:  # fail closed, like the package scanner
            log.exception("artifact check failed on a %s build", platform)
            return ScanReport(
                verdict=ScanVerdict.FAIL,
                rule=Rule.SCANNER_ERROR,
                message=f"the file could not be judged ({type(exc).__name__})",
            )


async def require_platform_binary(path: Path, platform: str) -> None:
    """The upload must be a binary or installer of its declared platform (magic bytes).

    Checked synchronously, before anything is stored: an artifact build has no pending state
    (REST_CONTRACT §4.10 answers 201 with the build and its download URL at once), so a
    mismatch is refused with a 400 naming the rule rather than quarantined later."""
    report = await asyncio.to_thread(_check_binary, path, platform)
    if not report.passed:
        raise InvalidInput(
            f"Build refused by the content check ({report.rule}): {report.message}", field="file"
        )


async def upload_build(
    ctx: RegistryContext, actor: Actor, name: str, upload: BuildUpload
) -> ArtifactVersion:
    """Add one build to a version of an artifact, creating the version when it is new.

    Returns the version with all its builds prefetched."""
    artifact = await get_artifact(name)
    require_manage_artifact(actor, artifact, TokenScope.PUBLISH_UPDATE)
    publisher: Publisher = artifact.publisher
    publishers.check_can_publish(publisher, Visibility.PUBLIC, artifact=True)
    version = upload.version.strip()
    version_key = str(parse_version(version))
    platform = canonical_platform(_required(upload.platform, "platform"))
    architecture = canonical_architecture(_required(upload.architecture, "architecture"))
    changelog = _text(upload.changelog, "changelog", MAX_CHANGELOG)
    installer_type = _text(upload.installer_type, "installer_type", MAX_INSTALLER_TYPE)
    min_os_version = _text(upload.min_os_version, "min_os_version", MAX_MIN_OS_VERSION)
    duplicate = Conflict(
        f"A build of {artifact.name} {version} for {platform}/{architecture} already exists"
    )
    # Cheap early answer; the unique constraint below is what actually decides races.
    if await _build_exists(artifact, version_key, platform, architecture):
        raise duplicate
    await _check_limits(publisher, upload.file.size)
    await require_platform_binary(upload.file.path, platform)
    filename = stored_filename(upload.file.filename, artifact.name, version, platform, architecture)

    stored = await blobs.store_file(ctx, upload.file.path, upload.file.sha256)
    try:
        for attempt in range(_VERSION_RACE_ATTEMPTS):
            try:
                row = await _write_build(
                    artifact,
                    actor,
                    ctx=ctx,
                    stored=stored,
                    version=version,
                    version_key=version_key,
                    platform=platform,
                    architecture=architecture,
                    changelog=changelog,
                    installer_type=installer_type,
                    min_os_version=min_os_version,
                    filename=filename,
                )
                break
            except IntegrityError:
                # Either the same build won a race (409), or another upload created this
                # version between our lookup and insert: then append to it on the next try.
                if (
                    await _build_exists(artifact, version_key, platform, architecture)
                    or attempt == _VERSION_RACE_ATTEMPTS - 1
                ):
                    raise duplicate from None
    except BaseException:
        await blobs.abandon(ctx, stored)
        raise
    await replication.enqueue_replication(ctx, stored.key)
    await _refresh_latest_version(artifact)
    return await ArtifactVersion.get(id=row.id).prefetch_related("builds")
