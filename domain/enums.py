"""Every closed vocabulary of the registry, declared once.

The Tortoise fields (domain/models.py), the domain rules, the GraphQL enums (derived in
schema/, which adds their descriptions) and the OpenAPI document all use these. Members are
`StrEnum`s, so a member equals its stored string: rows keep plain text columns, JSON encodes
the value, and `row.status == VersionStatus.PUBLISHED` holds whether the row was just loaded
(a `str`) or built in code (a member).

The database migrations in domain/migrations/ are history: they keep the literals they were
written with.
"""

from __future__ import annotations

from enum import StrEnum

from storage.copying import CopyCheck


class PackageType(StrEnum):
    """What kind of thing a package is (REST_CONTRACT §7)."""

    MOD = "mod"
    LIBRARY = "library"
    THEME = "theme"
    PLUGIN = "plugin"
    ARTIFACT = "artifact"
    WIDGET = "widget"
    FEATURE = "feature"


class Visibility(StrEnum):
    """Who may see a package."""

    PUBLIC = "public"
    UNLISTED = "unlisted"
    PRIVATE = "private"


class VersionStatus(StrEnum):
    """Where a package version is in the publishing pipeline: `pending` until its scan,
    then `published` (installable) or `quarantined` (an admin may release it). Yanking is a
    separate flag (`PackageVersion.yanked`), not a status."""

    PENDING = "pending"
    PUBLISHED = "published"
    QUARANTINED = "quarantined"


class PackageStatus(StrEnum):
    """A package's lifecycle. `deprecated` still takes versions but warns (with a message and
    an optional successor) wherever it is resolved or listed, and ranks last in search;
    `archived` is read-only: no new versions."""

    ACTIVE = "active"
    DEPRECATED = "deprecated"
    ARCHIVED = "archived"


class YankState(StrEnum):
    """What a yank or unyank request left a version as (REST_CONTRACT §4.4 answer)."""

    YANKED = "yanked"
    UNYANKED = "unyanked"


class ArtifactType(StrEnum):
    """Kinds of binary artifacts (REST_CONTRACT §7)."""

    TAURI_APP = "tauri_app"
    CLI_EXECUTABLE = "cli_executable"
    BROWSER_EXTENSION = "browser_extension"
    MOBILE_APP = "mobile_app"
    LIBRARY = "library"


class Platform(StrEnum):
    """Platforms an artifact build targets; `all` is a build for every platform.
    Aliases such as win64 or darwin are mapped in domain/names.py."""

    ALL = "all"
    WINDOWS = "windows"
    LINUX = "linux"
    MACOS = "macos"
    ANDROID = "android"
    IOS = "ios"


class Architecture(StrEnum):
    """CPU architectures an artifact build targets; `all` is a build for every one."""

    ALL = "all"
    X64 = "x64"
    X86 = "x86"
    ARM64 = "arm64"
    ARM32 = "arm32"


class PublisherStatus(StrEnum):
    """Verification state of a publisher (REST_CONTRACT §7): `unverified` → `pending`
    (request) → `verified` or `rejected`; `verified` → `unverified` (revoke or failed
    re-check); any → `suspended` (admin)."""

    UNVERIFIED = "unverified"
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"
    SUSPENDED = "suspended"


class PublisherDecision(StrEnum):
    """What an admin decision on a publisher did: the `status` of its REST answer
    (REST_CONTRACT §4.3)."""

    VERIFIED = "verified"
    REJECTED = "rejected"
    REVOKED = "revoked"
    SUSPENDED = "suspended"
    UNSUSPENDED = "unsuspended"


class VerificationMethod(StrEnum):
    """How a publisher proves its identity."""

    GITHUB = "github"
    DOMAIN = "domain"
    MANUAL = "manual"

    @property
    def automatic(self) -> bool:
        """Checked by a job that fetches the proof (manual ones wait for an admin)."""
        return self is not VerificationMethod.MANUAL


class VerificationRequestState(StrEnum):
    """Where one verification request stands (services/verification.py,
    services/publishers.py)."""

    CHALLENGE = "challenge"  # a bare issued challenge, not a request yet
    PENDING = "pending"  # open: waiting for the automatic check or an admin
    SUPERSEDED = "superseded"  # replaced by a newer request of the same publisher
    VERIFIED = "verified"  # the automatic check found the proof
    REJECTED = "rejected"  # the check failed, or an admin refused
    APPROVED = "approved"  # an admin verified the publisher
    CANCELLED = "cancelled"  # closed by a suspension
    WITHDRAWN = "withdrawn"  # a re-check no longer found the proof


class MemberRole(StrEnum):
    """A member's role in a publisher: owners manage members and verification."""

    OWNER = "owner"
    MEMBER = "member"


class InvitationState(StrEnum):
    """Where an invitation to a publisher stands. A pending one past its expiry counts as
    expired whether or not a write has marked it yet."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class TransferState(StrEnum):
    """Where a package's transfer to another publisher stands (domain/services/
    package_transfers.py). A pending one past its expiry counts as expired whether or not a
    write has marked it yet."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class TokenScope(StrEnum):
    """What an API token may do. A CloudM session carries every scope."""

    READ_PRIVATE = "read-private"
    PUBLISH_NEW = "publish-new"
    PUBLISH_UPDATE = "publish-update"
    YANK = "yank"
    ADMIN = "admin"


class ReportReason(StrEnum):
    """Why a signed-in user reports a package or version to the admins
    (domain/services/reports.py)."""

    MALWARE = "malware"
    ABUSE = "abuse"
    SPAM = "spam"
    COPYRIGHT = "copyright"
    IMPERSONATION = "impersonation"
    OTHER = "other"


class ReportState(StrEnum):
    """An abuse report is `open` in the admin queue until an admin resolves it."""

    OPEN = "open"
    RESOLVED = "resolved"


class ReportAction(StrEnum):
    """What the admin who resolved a report did: quarantined the reported version, or
    dismissed the report."""

    QUARANTINED = "quarantined"
    DISMISSED = "dismissed"


class ScanVerdict(StrEnum):
    """The outcome of a security scan: `pass` publishes the version, `fail` quarantines it."""

    PASS = "pass"
    FAIL = "fail"


class StorageRole(StrEnum):
    """What a storage backend is for."""

    PRIMARY = "primary"
    MIRROR = "mirror"


class CopyState(StrEnum):
    """State of a `StoredCopy` row (services/replication.py). The first three are what
    checking a copy finds (storage.copying.CopyCheck, whose values they take); the others
    mark work under way."""

    PRESENT = CopyCheck.PRESENT.value  # a verified copy
    MISSING = CopyCheck.MISSING.value
    CORRUPT = CopyCheck.CORRUPT.value
    COPYING = "copying"  # a copy attempt under way or interrupted
    WRITING = "writing"  # on the primary: the first upload of the object under way
    DELETING = "deleting"  # on the primary: a delete holds the object (services/blobs.py)


class PackageSort(StrEnum):
    """Orders of the package listing (domain/services/listing.py declares what each one
    sorts by). REST search uses `relevance`, REST `GET /packages` uses `name`."""

    RELEVANCE = "relevance"
    DOWNLOADS = "downloads"
    NAME = "name"
    UPDATED = "updated"
    CREATED = "created"


class WebhookEvent(StrEnum):
    """What a publisher's webhook may subscribe to (domain/services/webhooks.py)."""

    VERSION_PUBLISHED = "version.published"
    VERSION_QUARANTINED = "version.quarantined"
    VERSION_YANKED = "version.yanked"
    PACKAGE_DEPRECATED = "package.deprecated"
    PACKAGE_TRANSFERRED = "package.transferred"
    PUBLISHER_VERIFIED = "publisher.verified"
    PUBLISHER_SUSPENDED = "publisher.suspended"


class WebhookFormat(StrEnum):
    """The body a webhook receives: the registry's signed JSON, or a Discord-compatible
    message (for a Discord channel's webhook URL; still signed)."""

    JSON = "json"
    DISCORD = "discord"


class DeliveryState(StrEnum):
    """Where one webhook delivery stands: `pending` until a 2xx answer (`succeeded`) or its
    last allowed attempt (`failed`); `cancelled` when its hook was disabled or deleted first."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
