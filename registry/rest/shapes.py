"""Every REST request and response shape (REST_CONTRACT §3), declared once as a msgspec Struct.

Handlers decode request bodies into these types (`registry.rest.params.decode_body`) and
encode responses from them (`registry.rest.params.shape_response`); the OpenAPI document's
component schemas are generated from the same types (`msgspec.json.schema_components`, see
registry/rest/openapi.py). So a field added here is parsed, emitted and documented at once.
Bodies that are the domain's commands themselves (POST /packages, publisher registration,
profile and policy, verification, POST /artifacts) are declared in domain/commands.py.

Response structs list their fields in the order the contract's examples do (msgspec encodes
in field order). A field with a default is optional in the document; defaults are used only
for keys the server may leave out (`scan_report`) or that older shapes lacked.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

import msgspec
from msgspec import UNSET, Meta, UnsetType

from domain.bounds import MAX_UPDATE_ITEMS, VERSION_MAX_LENGTH
from domain.commands import StorableText
from domain.enums import (
    Architecture,
    ArtifactType,
    InvitationState,
    MemberRole,
    PackageStatus,
    PackageType,
    Platform,
    PublisherDecision,
    PublisherStatus,
    ReportAction,
    ReportReason,
    ReportState,
    ScanVerdict,
    TokenScope,
    VersionStatus,
    Visibility,
    YankState,
)
from domain.fieldtypes import NO_NUL, explicit_whitespace
from domain.services.reports import MAX_DETAILS as MAX_REPORT_DETAILS
from domain.services.reports import MAX_NOTE as MAX_REPORT_NOTE

# --- field types ------------------------------------------------------------------------------

TIMESTAMP_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$"
Timestamp = Annotated[
    str,
    Meta(
        pattern=TIMESTAMP_PATTERN,
        extra_json_schema={"format": "date-time"},
        description="ISO 8601 UTC, e.g. 2026-01-31T12:00:00Z",
    ),
]
MaybeTimestamp = Annotated[
    str,
    Meta(
        pattern=r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z)?$",
        description='ISO 8601 UTC, or "" when unset',
    ),
]
# A time a caller sends, as domain/timeparse.py reads it (datetime.fromisoformat): a date, an
# optional time and offset. The pattern gives the form; the calendar (no 31 February) and the
# rule of each use (a future expiry) are the server's 400.
ISO_TIME_PATTERN = explicit_whitespace(
    r"^\s*[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}(:[0-9]{2}(:[0-9]{2}"
    r"(\.[0-9]{1,6})?)?)?([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)?)?\s*$"
)
IsoTime = Annotated[
    str, Meta(pattern=ISO_TIME_PATTERN, description="ISO 8601, e.g. 2026-01-31T12:00:00Z")
]
Text = Annotated[str, Meta(description='"" when unset, never null (§1.5)')]
Sha256 = Annotated[str, Meta(pattern="^[0-9a-f]{64}$", description="64 lowercase hex characters")]
AnyObject = dict[str, Any]
# Text that is not blank once trimmed (the services trim and then require a value).
NonBlank = Annotated[str, Meta(pattern=explicit_whitespace(r"^[^\x00]*[^\s\x00][^\x00]*$"))]
Slug = Annotated[str, Meta(description="Publisher slug")]


class Shape(msgspec.Struct):
    """Base of the response shapes: plain JSON objects, every field always emitted."""


# --- errors and health ------------------------------------------------------------------------


class Error(Shape):
    """Every 4xx/5xx body (§1.7); `code` is a machine-readable reason."""

    detail: Annotated[str, Meta(description="Human-readable reason")]
    code: str = ""


class Health(Shape):
    status: Annotated[str, Meta(extra_json_schema={"enum": ["healthy"]})] = "healthy"


class Ready(Shape):
    status: Annotated[str, Meta(extra_json_schema={"enum": ["ready", "not_ready"]})]
    details: AnyObject
    errors: list[str] = []


# --- users and publishers ---------------------------------------------------------------------


class CurrentUser(Shape):
    id: str
    cloudm_user_id: str
    username: str
    email: Text
    is_admin: bool
    is_verified: Annotated[bool, Meta(description="The user's publisher exists and is verified")]
    publisher_id: str | None
    publisher_name: Text = ""
    verification_status: Annotated[
        str, Meta(description='The publisher\'s status, "" without a publisher')
    ] = ""
    scopes: Annotated[
        list[str] | None,
        Meta(description="null for a CloudM session (every right), else the token's scopes"),
    ] = None


class Publisher(Shape):
    """A publisher; never carries its email (§3)."""

    id: str
    name: str
    display_name: Text
    verification_status: PublisherStatus
    package_count: int
    total_downloads: int
    homepage: Text
    github: Text
    created_at: Timestamp
    verified_at: MaybeTimestamp
    notice: Text


class VerificationRequest(Shape):
    id: int
    method: str
    data: AnyObject
    state: str
    submitted_by: str
    submitted_at: Timestamp
    checked_at: MaybeTimestamp
    check_result: AnyObject | None


class PendingPublisher(Publisher):
    verification_request: VerificationRequest | None


class AdminPublisher(Publisher):
    """The full admin view: flags, limits, notes and the current request."""

    can_publish_public: bool
    can_publish_artifacts: bool
    max_package_bytes: int | None
    storage_quota_bytes: int | None
    email: str | UnsetType = UNSET
    verified_by: str | UnsetType = UNSET
    verification_notes: str | UnsetType = UNSET
    verification_request: VerificationRequest | None | UnsetType = UNSET


class PublisherPage(Shape):
    publishers: list[Publisher]
    total: int
    page: int
    per_page: int


class PendingPublisherPage(Shape):
    publishers: list[PendingPublisher]
    total: int
    page: int
    per_page: int


class AdminDecision(Shape):
    status: PublisherDecision
    publisher_id: str
    verification_status: PublisherStatus


class VerificationSubmitted(Shape):
    status: Annotated[str, Meta(extra_json_schema={"enum": ["submitted"]})]
    message: str
    challenge: str
    challenge_expires_at: MaybeTimestamp
    instructions: str
    method: str
    request_id: int
    verification_status: PublisherStatus


class Challenge(Shape):
    challenge: str
    expires_at: Timestamp
    user_id: str


class Member(Shape):
    user_id: str
    username: str
    role: MemberRole
    added_at: Timestamp


class MemberList(Shape):
    members: list[Member]


class Invitation(Shape):
    id: str
    publisher: Slug
    publisher_id: str
    user_id: str
    username: str
    role: MemberRole
    state: InvitationState
    invited_by: Annotated[str, Meta(description="User id of the inviting owner")]
    created_at: Timestamp
    expires_at: Timestamp
    responded_at: MaybeTimestamp


class InvitationList(Shape):
    invitations: list[Invitation]


# --- packages and versions --------------------------------------------------------------------


class PackageSummary(Shape):
    name: str
    display_name: Text
    package_type: PackageType
    description: Text
    latest_version: Annotated[
        str, Meta(description='Highest published non-yanked version, "" if none')
    ]
    visibility: Visibility
    downloads: int
    total_downloads: int
    publisher: Slug
    publisher_id: str
    publisher_verified: bool
    publisher_notice: Annotated[
        str,
        Meta(
            description="The publisher's notice (why it was suspended or lost its "
            'verification), "" if none'
        ),
    ]
    updated_at: Timestamp


class VersionSummary(Shape):
    version: str
    published_at: Timestamp
    released_at: Timestamp
    yanked: bool
    yank_reason: Text
    downloads: int
    status: VersionStatus


class PackageDetail(PackageSummary):
    id: str
    readme: Text
    homepage: Text
    repository: Text
    license: Text
    keywords: list[str]
    created_at: Timestamp
    versions: Annotated[
        list[VersionSummary], Meta(description="Newest first by precedence, yanked included")
    ]
    categories: Annotated[
        list[str], Meta(description="Curated category slugs (GET /categories), at most 3")
    ]
    status: Annotated[
        PackageStatus,
        Meta(description="Lifecycle: active, deprecated (warns), archived (read-only)"),
    ]
    deprecation_message: Annotated[
        str, Meta(description='Why it is deprecated or archived, "" if not')
    ]
    successor: Annotated[str, Meta(description='The package to use instead, "" if none')]
    # The latest version's page, taken from its archive at scan time (domain/pages/).
    readme_html: Annotated[
        str,
        Meta(
            description="The latest version's README.md as sanitized HTML (no scripts, event "
            'handlers, images or relative links), "" if none'
        ),
    ]
    changelog_html: Annotated[
        str, Meta(description='The latest version\'s CHANGELOG.md as sanitized HTML, "" if none')
    ]
    icon_url: Annotated[
        str,
        Meta(
            description="Root-relative URL of the latest version's icon (a square PNG of at "
            'most 512x512 px; the URL changes with the icon), "" if none'
        ),
    ]


class FacetCount(Shape):
    value: Annotated[str, Meta(description="A value of the facet")]
    count: Annotated[int, Meta(description="How many matching packages have it")]


# Only with `facets=true`: for each facet (type, category, toolbox, platform, architecture,
# verified), how many of the matching packages have each of its values, most first.
Facets = Annotated[
    dict[str, list[FacetCount]],
    Meta(
        description="Per facet (type, category, toolbox, platform, architecture, verified): "
        "how many matching packages have each value; only with facets=true"
    ),
]


class PackagePage(Shape):
    packages: list[PackageSummary]
    total: int
    page: int
    per_page: int
    facets: Facets | UnsetType = UNSET


class CategoryEntry(Shape):
    slug: str
    title: str
    description: Text
    package_count: Annotated[
        int, Meta(description="Packages the caller may see listed that carry the category")
    ]


class CategoryList(Shape):
    """GET /categories: the curated categories in the operator's order, with counts."""

    categories: list[CategoryEntry]


class VersionListItem(VersionSummary):
    changelog: Text
    toolbox_version: Text
    python_version: Text


class VersionList(Shape):
    package: str
    versions: list[VersionListItem]


class Dependency(Shape):
    name: str
    version_spec: Annotated[str, Meta(description='"*" means any')]
    optional: bool


class VersionDetail(VersionSummary):
    checksum_sha256: Sha256
    download_url: Annotated[
        str, Meta(description='Bytes route; "" only for a non-published version shown to its owner')
    ]
    dependencies: list[Dependency]
    changelog: Text
    size_bytes: int
    toolbox_version: Text
    python_version: Text
    package: str
    upload_sha256: str = ""
    warnings: list[str] = []
    scan_report: AnyObject | None | UnsetType = UNSET


class UploadResult(Shape):
    status: VersionStatus
    package: str
    version: str
    checksum_sha256: Sha256
    upload_sha256: Sha256
    size_bytes: int
    download_url: str
    warnings: list[str]


class YankResult(Shape):
    status: YankState
    package: str
    version: str
    reason: Text


class DownloadInfo(Shape):
    url: str
    expires_in: int
    package: str
    version: str
    checksum_sha256: Sha256
    size_bytes: int


class SearchResult(Shape):
    packages: list[PackageSummary]
    results: list[PackageSummary]
    total: int
    query: str
    page: int
    per_page: int
    facets: Facets | UnsetType = UNSET


class LatestVersions(Shape):
    versions: dict[str, str | None]


class FileMatchEntry(Shape):
    package: str
    version: str


class FileMatch(Shape):
    package: str
    version: str
    checksum_sha256: Sha256
    download_url: str
    matches: list[FileMatchEntry]


class FeatureLatest(Shape):
    name: str
    version: str
    checksum_sha256: Sha256
    download_url: Annotated[
        str, Meta(extra_json_schema={"format": "uri"}, description="Always absolute")
    ]


# --- tokens and audit -------------------------------------------------------------------------


class Token(Shape):
    id: str
    name: str
    scopes: list[str]
    package_globs: list[str]
    expires_at: Timestamp | None
    last_used_at: Timestamp | None
    created_at: Timestamp
    prefix: str


class TokenCreated(Token):
    token: str
    warning: str


class TokenList(Shape):
    tokens: list[Token]


class AuditEvent(Shape):
    id: int
    created_at: Timestamp
    actor_id: str
    action: str
    target_type: str
    target_id: str
    publisher_id: str
    request_id: str
    ip: str
    details: AnyObject


class AuditPage(Shape):
    events: list[AuditEvent]
    total: int
    page: int
    per_page: int


# --- request bodies ---------------------------------------------------------------------------
# Unknown keys are ignored (older and newer clients send more than this server reads); a known
# key of the wrong type is a 400 naming it. Strings are StorableText: NUL is refused (§1.7).


class Body(msgspec.Struct, kw_only=True):
    """Base of the request bodies.

    `json_schema_extra` holds rules between fields that no field type states (one of two
    keys required, a proof per method); the document merges it into the body's component
    (registry/rest/openapi.py), and the services enforce it."""

    json_schema_extra: ClassVar[dict[str, Any]] = {}


# POST /auth/register-publisher and PATCH /publishers/{name} are decoded straight into
# domain/commands.py RegisterPublisher and PublisherProfile.


# POST /publishers/verify is decoded straight into domain/commands.py VerificationSubmission.


class AdminNotes(Body):
    notes: StorableText | None = None


# PATCH /publishers/admin/{publisher_id} is decoded straight into domain/commands.py
# PublisherPolicy.


class AddMember(Body):
    """Who to invite: `user_id` or `username`."""

    user_id: NonBlank | None = None
    username: NonBlank | None = None
    role: MemberRole | None = None

    json_schema_extra: ClassVar[dict[str, Any]] = {
        "anyOf": [
            {"required": [name], "properties": {name: {"type": "string"}}}
            for name in ("user_id", "username")
        ]
    }


class RemoveMember(Body):
    user_id: NonBlank


# POST /packages (JSON) is decoded straight into domain/commands.py CreatePackage.


class YankBody(Body):
    reason: StorableText | None = None


# POST /artifacts is decoded straight into domain/commands.py CreateArtifact.


class CreateToken(Body):
    name: Annotated[
        str, Meta(pattern=explicit_whitespace(r"^\s*[^\s\x00][^\x00]{0,99}$"), max_length=100)
    ]
    scopes: Annotated[list[TokenScope], Meta(min_length=1)] | TokenScope
    package_globs: (
        Annotated[
            list[StorableText] | StorableText,
            Meta(description="Package name globs (* ? [ ]); none: every package"),
        ]
        | None
    ) = None
    expires_at: Annotated[IsoTime, Meta(description="Must lie in the future")] | None = None


class UpdateItem(Body):
    """A file by `sha256`, or a package by `name` (and the `version` installed)."""

    sha256: (
        Annotated[str, Meta(pattern=explicit_whitespace(r"^\s*[0-9A-Fa-f]{64}\s*$"))] | UnsetType
    ) = UNSET
    name: NonBlank | UnsetType = UNSET
    version: Annotated[str, Meta(pattern=NO_NUL, max_length=VERSION_MAX_LENGTH)] | UnsetType = UNSET

    json_schema_extra: ClassVar[dict[str, Any]] = {
        "anyOf": [{"required": [key]} for key in ("sha256", "name")]
    }


# Either key names the item: an item with neither is refused (400).
_ITEMS = Annotated[list[UpdateItem], Meta(max_length=MAX_UPDATE_ITEMS)]


class UpdatesRequest(Body):
    """`files` is accepted as an alias of `items`."""

    def __post_init__(self) -> None:
        for items in (self.items, self.files):
            if items is not UNSET and any(
                item.sha256 is UNSET and item.name is UNSET for item in items
            ):
                raise ValueError("every item needs sha256 or name")

    items: _ITEMS | UnsetType = UNSET
    files: _ITEMS | UnsetType = UNSET
    toolbox_version: Annotated[str, Meta(pattern=NO_NUL, max_length=VERSION_MAX_LENGTH)] | None = (
        None
    )
    platform: StorableText | None = None

    def item_list(self) -> list[dict[str, Any]]:
        """The items as the service reads them (`files` when `items` is absent)."""
        chosen = self.items if self.items is not UNSET else self.files
        return msgspec.to_builtins(chosen if chosen is not UNSET else [])


class UpdateAnswer(Shape):
    query: AnyObject
    found: bool
    name: str | UnsetType = UNSET
    current_version: str | UnsetType = UNSET
    latest_version: str | UnsetType = UNSET
    update_available: bool | UnsetType = UNSET
    checksum_sha256: str | UnsetType = UNSET
    status: Annotated[
        PackageStatus | UnsetType, Meta(description="The package's lifecycle status")
    ] = UNSET
    warnings: Annotated[
        list[str] | UnsetType,
        Meta(description="A deprecated or archived package's notice, naming its successor"),
    ] = UNSET


class UpdatesResult(Shape):
    updates: list[UpdateAnswer]
    warnings: Annotated[
        list[str], Meta(description="The answers' warnings, each once, in order")
    ] = []


class Requirement(Body):
    name: StorableText
    version_spec: StorableText | None = None
    version: StorableText | None = None
    optional: bool | None = None


class ResolveRequest(Body):
    """`requirements` (strings like "name >=1.0" or objects) or the older `packages`."""

    requirements: Annotated[list[StorableText | Requirement], Meta(min_length=1)] | UnsetType = (
        UNSET
    )
    packages: Annotated[list[Requirement], Meta(min_length=1)] | UnsetType = UNSET
    toolbox_version: StorableText | None = None
    platform: StorableText | None = None
    include_optional: bool | None = None


class ResolvedDependency(Shape):
    name: str
    version: str
    version_spec: str
    optional: bool


class ResolvedPackage(Shape):
    name: str
    version: str
    download_url: str
    checksum_sha256: Sha256
    checksum: Sha256
    size_bytes: int
    yanked: bool
    dependencies: list[ResolvedDependency]


class ResolveResult(Shape):
    success: bool
    resolved: dict[str, ResolvedPackage]
    install_order: list[str]
    conflicts: list[str]
    errors: list[str]
    warnings: list[str]
    explanation: str | UnsetType = UNSET


class CompatibilityCheck(Shape):
    compatible: bool
    warnings: list[str]
    conflicts: list[str]


# --- artifacts --------------------------------------------------------------------------------


class ArtifactBuild(Shape):
    platform: Platform
    architecture: Architecture
    filename: str
    checksum_sha256: Sha256
    size_bytes: int
    installer_type: Text
    downloads: int
    download_url: str


class ArtifactVersion(Shape):
    version: str
    released_at: Timestamp
    changelog: Text
    min_os_version: Text
    builds: list[ArtifactBuild]


class Artifact(Shape):
    id: str
    name: str
    artifact_type: ArtifactType
    publisher_id: str
    description: Text
    homepage: Text
    repository: Text
    latest_version: Text
    created_at: Timestamp
    updated_at: Timestamp
    versions: list[ArtifactVersion]


class ArtifactPage(Shape):
    artifacts: list[Artifact]
    total: int
    page: int
    per_page: int


class LatestBuild(Shape):
    version: str
    released_at: Timestamp
    changelog: Text
    min_os_version: Text
    build: ArtifactBuild


class ArtifactDownload(Shape):
    url: str
    expires_in: int
    filename: str
    checksum_sha256: Sha256
    size_bytes: int
    version: str | UnsetType = UNSET
    platform: Platform | UnsetType = UNSET
    architecture: Architecture | UnsetType = UNSET


# --- multipart forms (documented only: registry/multipart.py reads them) ----------------------

ZipFile = Annotated[
    str, Meta(extra_json_schema={"format": "binary", "contentMediaType": "application/zip"})
]
BinaryFile = Annotated[
    str,
    Meta(extra_json_schema={"format": "binary", "contentMediaType": "application/octet-stream"}),
]


class PublishForm(Body):
    file: ZipFile
    metadata: Annotated[
        str, Meta(description="A JSON object as a string: name, version, description, ...")
    ]


class UploadVersionForm(Body):
    file: ZipFile
    version: StorableText
    changelog: StorableText | None = None
    toolbox_version: StorableText | None = None
    python_version: StorableText | None = None


class UploadBuildForm(Body):
    file: BinaryFile
    version: StorableText
    platform: StorableText
    architecture: StorableText
    changelog: StorableText
    installer_type: StorableText | None = None
    min_os_version: StorableText | None = None


# --- scans and the quarantine queue (registry/rest/admin_versions.py) -------------------------


class ScanReport(Shape):
    """What the scan found; `rule` names the first rule that fired (null on a pass)."""

    verdict: ScanVerdict
    rule: str | None
    entry: str | None
    message: str
    total_uncompressed: int
    compressed_size: int
    entry_count: int
    max_ratio: float
    detected_types: AnyObject
    duration_ms: float
    warnings: list[str]
    manifest: AnyObject | None = None


class VersionScan(Shape):
    """scan_report is null while the version is pending."""

    package: str
    version: str
    status: VersionStatus
    scan_report: ScanReport | None


class QuarantinedVersion(Shape):
    package: str
    version: str
    status: VersionStatus
    publisher: str
    publisher_id: str
    uploaded_by: Text
    uploaded_at: Timestamp
    checksum_sha256: Sha256
    size_bytes: int
    rule: Text
    message: Text
    scan_report: ScanReport | None


class QuarantinePage(Shape):
    versions: list[QuarantinedVersion]
    total: int
    page: int
    per_page: int


class ReleaseBody(Body):
    """Why the scan's verdict is overruled."""

    reason: NonBlank


class DeleteVersionBody(Body):
    reason: StorableText | None = None


# --- download statistics (registry/rest/download_stats.py) -----------------------------------


class DownloadPeriod(Shape):
    start: Annotated[
        str,
        Meta(
            description="The period's first day, YYYY-MM-DD (UTC; a Monday for week, the "
            "1st for month)"
        ),
    ]
    downloads: Annotated[int, Meta(description="Downloads on the period's days within the range")]


class VersionDownloadCount(Shape):
    version: str
    downloads: Annotated[int, Meta(description="Downloads within the range")]


class DownloadSeries(Shape):
    """What a package's and an artifact's statistics both answer, then each its own fields."""

    from_: Annotated[str, Meta(description="First day of the range, YYYY-MM-DD")] = msgspec.field(
        name="from"
    )
    to: Annotated[str, Meta(description="Last day of the range, YYYY-MM-DD")]
    granularity: Annotated[str, Meta(description="day, week or month")]
    total: Annotated[int, Meta(description="Downloads within the range")]
    periods: list[DownloadPeriod]
    versions: Annotated[
        list[VersionDownloadCount],
        Meta(description="Downloads per version within the range, most first; none: left out"),
    ]


class DownloadStats(DownloadSeries):
    """GET /packages/{name}/stats/downloads: every period of the range, zeros included."""

    package: str


class BuildDownloadCount(Shape):
    version: str
    platform: str
    architecture: str
    downloads: Annotated[int, Meta(description="Downloads within the range")]


class ArtifactDownloadStats(DownloadSeries):
    """GET /artifacts/{name}/stats/downloads: every period of the range, zeros included, for
    the builds the query selects (all by default): every count is of those builds."""

    artifact: str
    builds: Annotated[
        list[BuildDownloadCount],
        Meta(description="Downloads per build within the range, most first; none: left out"),
    ]


# --- abuse reports (registry/rest/reports.py) -------------------------------------------------


class ReportBody(Body):
    """A report on a package, or on one of its versions when `version` is given."""

    reason: ReportReason
    details: Annotated[
        str, Meta(max_length=MAX_REPORT_DETAILS, description="What is wrong (required)")
    ]
    version: Annotated[str, Meta(max_length=VERSION_MAX_LENGTH)] | None = None


class DismissReportBody(Body):
    note: Annotated[StorableText, Meta(max_length=MAX_REPORT_NOTE)] | None = None


class QuarantineReportBody(Body):
    note: Annotated[StorableText, Meta(max_length=MAX_REPORT_NOTE)] | None = None
    version: (
        Annotated[
            str,
            Meta(
                max_length=VERSION_MAX_LENGTH,
                description="The version to quarantine; defaults to the reported one "
                "(required when the report names none)",
            ),
        ]
        | None
    ) = None


class Report(Shape):
    id: int
    package: str
    version: Annotated[str | None, Meta(description="null: the package as a whole")]
    reason: ReportReason
    details: str
    state: ReportState
    action: Annotated[ReportAction | None, Meta(description="null while open")]
    reporter_id: str
    created_at: Timestamp
    resolved_at: Annotated[Timestamp | None, Meta(description="null while open")]
    resolved_by: Annotated[
        str | None, Meta(description="The admin who resolved it (admins only; else null)")
    ]
    resolution_note: str


class ReportPage(Shape):
    reports: list[Report]
    total: int
    page: int
    per_page: int


class ReportQuarantined(Shape):
    report: Report
    package: str
    version: str
    status: VersionStatus
    newly_quarantined: Annotated[
        bool, Meta(description="false: the version was quarantined already")
    ]
    resolved: Annotated[list[int], Meta(description="Every report resolved by this action")]
