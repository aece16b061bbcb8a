"""Tortoise models: the registry's persistent state.

Enumerated columns are plain text holding a `domain.enums` member (a StrEnum, so a loaded
`str` compares equal to it); the columns stay `CharField`s as migrated, and the services only
ever write members.

Names that must be unique case-insensitively (packages, artifacts, publishers) carry a lowercase
`*_key` column with the unique constraint, so uniqueness is enforced by the database on SQLite
and PostgreSQL alike (SQLite has no `select_for_update`; constraints are what we rely on).
"""

from __future__ import annotations

import uuid
from typing import Any

from tortoise import fields
from tortoise.models import Model

from domain.enums import (
    CopyState,
    DeliveryState,
    InvitationState,
    MemberRole,
    PackageStatus,
    PackageType,
    PublisherStatus,
    ReportReason,
    ReportState,
    TransferState,
    VerificationRequestState,
    VersionStatus,
    Visibility,
    WebhookFormat,
)

BIGINT_RANGE = range(-(2**63), 2**63)  # what the 64-bit integer columns hold


def fits(model: type[Model], field: str, value: str) -> bool:
    """Whether `value` fits the column: a longer one cannot match an exact lookup, and
    Tortoise refuses to even send it."""
    max_length = getattr(model._meta.fields_map[field], "max_length", None)
    return max_length is None or len(value) <= max_length


def new_id() -> str:
    return uuid.uuid4().hex


class User(Model):
    """A CloudM user, created from the claims of the first valid token it presents."""

    id = fields.CharField(primary_key=True, max_length=128)
    # Reverse relations and `*_id` columns Tortoise adds at runtime, declared for the type
    # checker (annotations only: the model metaclass ignores them).
    memberships: fields.ReverseRelation[PublisherMember]
    invitations: fields.ReverseRelation[PublisherInvitation]
    packages: fields.ReverseRelation[Package]
    artifacts: fields.ReverseRelation[Artifact]
    api_tokens: fields.ReverseRelation[ApiToken]
    username = fields.CharField(max_length=150)
    email = fields.CharField(max_length=320, default="")
    is_admin = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_seen_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "users"


class Publisher(Model):
    id = fields.CharField(primary_key=True, max_length=32, default=new_id)
    members: fields.ReverseRelation[PublisherMember]
    invitations: fields.ReverseRelation[PublisherInvitation]
    verification_requests: fields.ReverseRelation[VerificationRequest]
    packages: fields.ReverseRelation[Package]
    artifacts: fields.ReverseRelation[Artifact]
    name = fields.CharField(max_length=50, unique=True)  # slugs are lowercase by rule
    display_name = fields.CharField(max_length=200)
    email = fields.CharField(max_length=320)
    homepage = fields.CharField(max_length=500, default="")
    github = fields.CharField(max_length=100, default="")
    verification_status = fields.CharField(
        max_length=16, default=PublisherStatus.UNVERIFIED, db_index=True
    )
    verified_at = fields.DatetimeField(null=True)
    verified_by = fields.CharField(max_length=128, default="")
    verification_notes = fields.TextField(default="")
    notice = fields.TextField(default="")
    can_publish_public = fields.BooleanField(default=False)
    can_publish_artifacts = fields.BooleanField(default=False)
    max_package_bytes = fields.BigIntField(null=True)
    storage_quota_bytes = fields.BigIntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "publishers"


class PublisherMember(Model):
    id = fields.IntField(primary_key=True)
    publisher: fields.ForeignKeyRelation[Publisher] = fields.ForeignKeyField(
        "models.Publisher", related_name="members", on_delete=fields.CASCADE
    )
    publisher_id: str
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="memberships", on_delete=fields.CASCADE
    )
    user_id: str
    role = fields.CharField(max_length=16, default=MemberRole.OWNER)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "publisher_members"
        unique_together = (("publisher", "user"),)


class PublisherInvitation(Model):
    """An owner's offer of membership, which makes the invitee a member only once accepted.

    `state` is pending, accepted, declined, cancelled or expired; a pending row past
    `expires_at` counts as expired whether or not a later write has marked it. `pending_key`
    ("<publisher id>:<user id>") is set only while pending, so the unique constraint allows
    one open invitation per publisher and user (NULLs never collide) and any number of
    answered ones."""

    id = fields.CharField(primary_key=True, max_length=32, default=new_id)
    publisher: fields.ForeignKeyRelation[Publisher] = fields.ForeignKeyField(
        "models.Publisher", related_name="invitations", on_delete=fields.CASCADE
    )
    publisher_id: str
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="invitations", on_delete=fields.CASCADE
    )
    user_id: str
    role = fields.CharField(max_length=16, default=MemberRole.MEMBER)
    state = fields.CharField(max_length=16, default=InvitationState.PENDING)
    pending_key = fields.CharField(max_length=200, null=True, unique=True)
    invited_by = fields.CharField(max_length=128, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    responded_at = fields.DatetimeField(null=True)

    class Meta:
        table = "publisher_invitations"
        # "My invitations" reads by invitee; foreign keys get no index of their own.
        indexes = (("user_id", "state"),)


class PackageTransfer(Model):
    """An owner's offer of a package to another publisher, which moves the package only once
    an owner of the receiving publisher accepts (domain/services/package_transfers.py).

    `state` is a TransferState; a pending row past `expires_at` counts as expired whether or
    not a later write has marked it. `pending_key` (the package id) is set only while pending,
    so the unique constraint allows one open transfer per package and any number of closed
    ones. The publishers are kept as ids (no foreign keys): the history outlives neither side's
    renames, and a transfer's record stays readable after the package moved again."""

    id = fields.CharField(primary_key=True, max_length=32, default=new_id)
    package: fields.ForeignKeyRelation[Package] = fields.ForeignKeyField(
        "models.Package", related_name="transfers", on_delete=fields.CASCADE
    )
    package_id: int
    from_publisher_id = fields.CharField(max_length=32)
    to_publisher_id = fields.CharField(max_length=32)
    state = fields.CharField(max_length=16, default=TransferState.PENDING)
    pending_key = fields.CharField(max_length=32, null=True, unique=True)
    requested_by = fields.CharField(max_length=128, default="")
    responded_by = fields.CharField(max_length=128, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    responded_at = fields.DatetimeField(null=True)

    class Meta:
        table = "package_transfers"
        # Each side lists its own transfers (incoming / outgoing).
        indexes = (("to_publisher_id", "state"), ("from_publisher_id", "state"))


class VerificationRequest(Model):
    """One verification attempt of a publisher. The newest row is the current request."""

    id = fields.IntField(primary_key=True)
    publisher: fields.ForeignKeyRelation[Publisher] = fields.ForeignKeyField(
        "models.Publisher", related_name="verification_requests", on_delete=fields.CASCADE
    )
    publisher_id: str
    method = fields.CharField(max_length=16)  # a VerificationMethod, "" for a bare challenge
    data: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    challenge = fields.CharField(max_length=128, default="")
    challenge_expires_at = fields.DatetimeField(null=True)
    state = fields.CharField(max_length=16, default=VerificationRequestState.PENDING)
    check_result: fields.JSONField[dict[str, Any] | None] = fields.JSONField(null=True)
    submitted_by = fields.CharField(max_length=128, default="")
    submitted_at = fields.DatetimeField(auto_now_add=True)
    checked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "verification_requests"


class Package(Model):
    id = fields.IntField(primary_key=True)
    versions: fields.ReverseRelation[PackageVersion]
    name = fields.CharField(max_length=100)
    name_key = fields.CharField(max_length=100, unique=True)
    display_name = fields.CharField(max_length=200, default="")
    package_type = fields.CharField(max_length=16, default=PackageType.MOD, db_index=True)
    visibility = fields.CharField(max_length=16, default=Visibility.PUBLIC, db_index=True)
    publisher: fields.ForeignKeyRelation[Publisher] = fields.ForeignKeyField(
        "models.Publisher", related_name="packages", on_delete=fields.RESTRICT
    )
    publisher_id: str
    owner: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="packages", null=True, on_delete=fields.SET_NULL
    )
    owner_id: str | None
    description = fields.CharField(max_length=500, default="")
    readme = fields.TextField(default="")
    # The latest published version's README as plain text, for the full-text index only
    # (domain/search_index.py `store_latest`; bounded to MAX_README_TEXT).
    readme_text = fields.TextField(default="")
    homepage = fields.CharField(max_length=500, default="")
    repository = fields.CharField(max_length=500, default="")
    license = fields.CharField(max_length=100, default="")
    keywords: fields.JSONField[list[str]] = fields.JSONField(default=list)
    latest_version = fields.CharField(max_length=100, default="")
    total_downloads = fields.BigIntField(default=0)
    # Up to MAX_PACKAGE_CATEGORIES slugs from the operator's category list (config).
    categories: fields.JSONField[list[str]] = fields.JSONField(default=list)
    status = fields.CharField(max_length=16, default=PackageStatus.ACTIVE)
    deprecation_message = fields.TextField(default="")
    successor = fields.CharField(max_length=100, default="")  # a package name, "" = none
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    # Deleted packages keep their row so the name stays reserved (no takeover).
    deleted_at = fields.DatetimeField(null=True)

    class Meta:
        table = "packages"


class PackageVersion(Model):
    id = fields.IntField(primary_key=True)
    dependencies: fields.ReverseRelation[Dependency]
    package: fields.ForeignKeyRelation[Package] = fields.ForeignKeyField(
        "models.Package", related_name="versions", on_delete=fields.CASCADE
    )
    package_id: int
    version = fields.CharField(max_length=100)
    version_key = fields.CharField(max_length=100)  # PEP 440 normalised, for duplicate checks
    status = fields.CharField(max_length=16, default=VersionStatus.PENDING, db_index=True)
    yanked = fields.BooleanField(default=False)
    yank_reason = fields.TextField(default="")
    changelog = fields.TextField(default="")
    toolbox_version = fields.CharField(max_length=200, default="")
    python_version = fields.CharField(max_length=100, default="")
    blob_key = fields.CharField(max_length=200)
    sha256 = fields.CharField(max_length=64, db_index=True)
    upload_sha256 = fields.CharField(max_length=64, db_index=True, default="")
    size_bytes = fields.BigIntField()
    downloads = fields.BigIntField(default=0)
    platforms: fields.JSONField[list[str]] = fields.JSONField(default=list)
    # CPU architectures the manifest declares (domain.enums.Architecture values; [] = any).
    architectures: fields.JSONField[list[str]] = fields.JSONField(default=list)
    # The version's dependency rows again, as compact JSON `[[name, range, optional], ...]`,
    # written with them at upload (versions never change their dependencies). The resolver
    # reads tens of thousands of versions per request: one column beats a join with the
    # dependency table per level. "" = not recorded (rows written before this column).
    requires = fields.TextField(default="")
    warnings: fields.JSONField[list[str]] = fields.JSONField(default=list)
    # Taken from the archive's root at scan time (domain/pages/): README.md and CHANGELOG.md
    # rendered and sanitized, and the re-encoded icon's object key ("" = none).
    readme_html = fields.TextField(default="")
    changelog_html = fields.TextField(default="")
    icon_key = fields.CharField(max_length=200, default="")
    scan_report: fields.JSONField[dict[str, Any] | None] = fields.JSONField(null=True)
    uploaded_by = fields.CharField(max_length=128, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    published_at = fields.DatetimeField(null=True)

    class Meta:
        table = "package_versions"
        unique_together = (("package", "version_key"),)


class Dependency(Model):
    id = fields.IntField(primary_key=True)
    version: fields.ForeignKeyRelation[PackageVersion] = fields.ForeignKeyField(
        "models.PackageVersion", related_name="dependencies", on_delete=fields.CASCADE
    )
    version_id: int
    name = fields.CharField(max_length=100)
    name_key = fields.CharField(max_length=100, db_index=True)
    version_spec = fields.CharField(max_length=200, default="*")
    optional = fields.BooleanField(default=False)

    class Meta:
        table = "dependencies"
        # Foreign keys get no index of their own: every "dependencies of these versions"
        # read (resolver, version detail, GraphQL loader) would scan the whole table.
        indexes = (("version_id",),)


class Artifact(Model):
    id = fields.IntField(primary_key=True)
    versions: fields.ReverseRelation[ArtifactVersion]
    name = fields.CharField(max_length=100)
    name_key = fields.CharField(max_length=100, unique=True)
    artifact_type = fields.CharField(max_length=32)  # an ArtifactType
    publisher: fields.ForeignKeyRelation[Publisher] = fields.ForeignKeyField(
        "models.Publisher", related_name="artifacts", on_delete=fields.RESTRICT
    )
    publisher_id: str
    owner: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="artifacts", null=True, on_delete=fields.SET_NULL
    )
    owner_id: str | None
    description = fields.CharField(max_length=500, default="")
    homepage = fields.CharField(max_length=500, default="")
    repository = fields.CharField(max_length=500, default="")
    latest_version = fields.CharField(max_length=100, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "artifacts"


class ArtifactVersion(Model):
    id = fields.IntField(primary_key=True)
    builds: fields.ReverseRelation[ArtifactBuild]
    artifact: fields.ForeignKeyRelation[Artifact] = fields.ForeignKeyField(
        "models.Artifact", related_name="versions", on_delete=fields.CASCADE
    )
    artifact_id: int
    version = fields.CharField(max_length=100)
    version_key = fields.CharField(max_length=100)
    changelog = fields.TextField(default="")
    min_os_version = fields.CharField(max_length=50, default="")
    released_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "artifact_versions"
        unique_together = (("artifact", "version_key"),)


class ArtifactBuild(Model):
    id = fields.IntField(primary_key=True)
    artifact_version: fields.ForeignKeyRelation[ArtifactVersion] = fields.ForeignKeyField(
        "models.ArtifactVersion", related_name="builds", on_delete=fields.CASCADE
    )
    artifact_version_id: int
    platform = fields.CharField(max_length=16)  # a Platform
    architecture = fields.CharField(max_length=16)  # an Architecture
    filename = fields.CharField(max_length=255)
    blob_key = fields.CharField(max_length=200)
    sha256 = fields.CharField(max_length=64, db_index=True)
    size_bytes = fields.BigIntField()
    installer_type = fields.CharField(max_length=32, default="")
    downloads = fields.BigIntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "artifact_builds"
        unique_together = (("artifact_version", "platform", "architecture"),)


class VersionDownloadDay(Model):
    """Downloads of one package version on one UTC day, summed in memory and added here in
    batches (domain/download_counts.py); rows older than DOWNLOAD_STATS_RETENTION_DAYS are
    deleted by a periodic job (domain/services/download_stats.py)."""

    id = fields.BigIntField(primary_key=True)
    package: fields.ForeignKeyRelation[Package] = fields.ForeignKeyField(
        "models.Package", related_name="download_days", on_delete=fields.CASCADE
    )
    package_id: int  # the version's package again: a package's stats read one index range
    version: fields.ForeignKeyRelation[PackageVersion] = fields.ForeignKeyField(
        "models.PackageVersion", related_name="download_days", on_delete=fields.CASCADE
    )
    version_id: int
    day = fields.DateField()
    downloads = fields.BigIntField(default=0)

    class Meta:
        table = "version_download_days"
        unique_together = (("version", "day"),)
        indexes = (("package_id", "day"), ("day",))


class BuildDownloadDay(Model):
    """Downloads of one artifact build on one UTC day (as VersionDownloadDay)."""

    id = fields.BigIntField(primary_key=True)
    build: fields.ForeignKeyRelation[ArtifactBuild] = fields.ForeignKeyField(
        "models.ArtifactBuild", related_name="download_days", on_delete=fields.CASCADE
    )
    build_id: int
    day = fields.DateField()
    downloads = fields.BigIntField(default=0)

    class Meta:
        table = "build_download_days"
        unique_together = (("build", "day"),)
        indexes = (("day",),)


class AbuseReport(Model):
    """A signed-in user's report of a package (or one of its versions) to the admins
    (domain/services/reports.py): open in the admin queue until an admin dismisses it or
    quarantines the reported version. The version is kept as its string and PEP 440 key, not
    a foreign key: the report (and its history) outlives a version an admin deletes."""

    id = fields.IntField(primary_key=True)
    package: fields.ForeignKeyRelation[Package] = fields.ForeignKeyField(
        "models.Package", related_name="abuse_reports", on_delete=fields.CASCADE
    )
    package_id: int
    version = fields.CharField(max_length=100, default="")  # "" = the package as a whole
    version_key = fields.CharField(max_length=100, default="")
    reporter_id = fields.CharField(max_length=128)
    reason = fields.CharField(max_length=16, default=ReportReason.OTHER)
    details = fields.TextField(default="")
    state = fields.CharField(max_length=16, default=ReportState.OPEN)
    action = fields.CharField(max_length=16, default="")  # a ReportAction once resolved
    resolved_by = fields.CharField(max_length=128, default="")
    resolved_at = fields.DatetimeField(null=True)
    resolution_note = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "abuse_reports"
        # The queue by state; a reporter's own reports (and their rate limit) by time; the
        # open reports on one version, resolved together when it is quarantined.
        indexes = (("state", "id"), ("reporter_id", "created_at"), ("package_id", "state"))


class Webhook(Model):
    """A publisher's subscription of a URL to events on its packages
    (domain/services/webhooks.py). `secret` signs every delivery, so it is kept as written
    (a hash could not sign); it is shown to the owner once, like an API token. A hook that
    failed WEBHOOK_DISABLE_AFTER deliveries in a row is disabled (`active` False, with the
    reason and time) until an owner enables it again."""

    id = fields.IntField(primary_key=True)
    deliveries: fields.ReverseRelation[WebhookDelivery]
    publisher: fields.ForeignKeyRelation[Publisher] = fields.ForeignKeyField(
        "models.Publisher", related_name="webhooks", on_delete=fields.CASCADE
    )
    publisher_id: str
    url = fields.CharField(max_length=2048)
    events: fields.JSONField[list[str]] = fields.JSONField(default=list)  # WebhookEvent values
    format = fields.CharField(max_length=16, default=WebhookFormat.JSON)
    description = fields.CharField(max_length=200, default="")
    secret = fields.CharField(max_length=128)
    active = fields.BooleanField(default=True)
    disabled_reason = fields.CharField(max_length=500, default="")
    disabled_at = fields.DatetimeField(null=True)
    consecutive_failures = fields.IntField(default=0)
    created_by = fields.CharField(max_length=128, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "webhooks"
        # An event looks up the publisher's active hooks.
        indexes = (("publisher_id", "active"),)


class WebhookDelivery(Model):
    """One event's message to one hook: the outbox row written in the event's own
    transaction, and its log entry. `body` is the exact bytes sent (as text), so retries and
    redeliveries send the same message. While `pending`, `next_attempt_at` says when the
    next attempt is due; a running attempt moves it past its own deadline (a lease), so a
    second job finds nothing due and a crashed one is retried once the lease runs out."""

    id = fields.IntField(primary_key=True)
    attempt_log: fields.ReverseRelation[WebhookAttempt]
    webhook: fields.ForeignKeyRelation[Webhook] = fields.ForeignKeyField(
        "models.Webhook", related_name="deliveries", on_delete=fields.CASCADE
    )
    webhook_id: int
    event = fields.CharField(max_length=32)  # a WebhookEvent
    body = fields.TextField()
    state = fields.CharField(max_length=16, default=DeliveryState.PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True)
    last_status_code = fields.IntField(null=True)
    last_duration_ms = fields.IntField(null=True)
    last_error = fields.CharField(max_length=500, default="")
    redelivery_of = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "webhook_deliveries"
        # A hook's log newest first; the sweep's due pending deliveries; the retention prune.
        indexes = (("webhook_id", "id"), ("state", "next_attempt_at"), ("created_at",))


class WebhookAttempt(Model):
    """One HTTP attempt of a delivery: when, the answer's status (None: no answer), how long
    it took and what went wrong."""

    id = fields.IntField(primary_key=True)
    delivery: fields.ForeignKeyRelation[WebhookDelivery] = fields.ForeignKeyField(
        "models.WebhookDelivery", related_name="attempt_log", on_delete=fields.CASCADE
    )
    delivery_id: int
    attempt = fields.IntField()
    at = fields.DatetimeField()
    status_code = fields.IntField(null=True)
    duration_ms = fields.IntField(default=0)
    error = fields.CharField(max_length=500, default="")

    class Meta:
        table = "webhook_attempts"
        indexes = (("delivery_id", "attempt"),)


class StoredCopy(Model):
    """Which backend holds a copy of which content-addressed object, and when it was verified."""

    id = fields.IntField(primary_key=True)
    blob_key = fields.CharField(max_length=200)
    backend = fields.CharField(max_length=32)
    sha256 = fields.CharField(max_length=64)
    size_bytes = fields.BigIntField()
    state = fields.CharField(max_length=16, default=CopyState.PRESENT)
    verified_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "stored_copies"
        unique_together = (("blob_key", "backend"),)


class ObjectClaim(Model):
    """An upload's hold on an object from just before it is stored until the row that uses
    it commits (or the upload gives up): no delete removes an object while a claim on it is
    live. Claims of a process that died are ignored once stale (services/blobs.py)."""

    id = fields.CharField(primary_key=True, max_length=32, default=new_id)
    blob_key = fields.CharField(max_length=200, db_index=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "object_claims"


class ApiToken(Model):
    id = fields.CharField(primary_key=True, max_length=32, default=new_id)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="api_tokens", on_delete=fields.CASCADE
    )
    user_id: str
    name = fields.CharField(max_length=100)
    token_hash = fields.CharField(max_length=64, unique=True)
    scopes: fields.JSONField[list[str]] = fields.JSONField(default=list)  # TokenScope values
    package_globs: fields.JSONField[list[str]] = fields.JSONField(default=list)
    expires_at = fields.DatetimeField(null=True)
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "api_tokens"


class AuditEvent(Model):
    id = fields.IntField(primary_key=True)
    actor_id = fields.CharField(max_length=128, default="", db_index=True)
    action = fields.CharField(max_length=64, db_index=True)
    target_type = fields.CharField(max_length=32, default="")
    target_id = fields.CharField(max_length=200, default="", db_index=True)
    publisher_id = fields.CharField(max_length=32, default="", db_index=True)
    request_id = fields.CharField(max_length=64, default="")
    ip = fields.CharField(max_length=64, default="")
    details: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "audit_events"
