"""OpenAPI 3.1 description of the REST API, served at `GET /api/v1/openapi.json`.

The document is built from the app's real route table (paths and methods come from Starlette,
via `starlette.schemas.BaseSchemaGenerator.get_endpoints`) joined with the per-route metadata in
`OPERATIONS` below: summaries, parameters, bodies and responses. A route without metadata still
appears (marked undocumented) and metadata without a route is dropped; the contract tests
(`tests/contract/test_openapi.py`) fail on either, and validate real responses against the
schemas here, so the document cannot drift from the server.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route
from starlette.schemas import BaseSchemaGenerator

API_PREFIX = "/api/v1"
# Routes outside /api/v1 that belong to the REST surface (the client and the feature loader
# call them); everything else at the root (GraphQL, its IDE) is described elsewhere.
ROOT_REST_PATHS = frozenset({"/health", "/features/{package}-latest.zip"})

Schema = dict[str, Any]


# --- schema building blocks ----------------------------------------------------------------

def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


def obj(required: dict[str, Schema], optional: dict[str, Schema] | None = None,
        description: str = "") -> Schema:
    """An object whose `required` keys are always emitted; extra keys are harmless (§1.4)."""
    schema: Schema = {"type": "object", "properties": {**required, **(optional or {})},
                      "required": list(required)}
    if description:
        schema["description"] = description
    return schema


STR: Schema = {"type": "string"}
TEXT: Schema = {"type": "string", "description": "\"\" when unset, never null (§1.5)"}
INT: Schema = {"type": "integer"}
BOOL: Schema = {"type": "boolean"}
TIMESTAMP: Schema = {"type": "string", "format": "date-time",
                     "description": "ISO 8601 UTC, e.g. 2026-01-31T12:00:00Z"}
MAYBE_TIMESTAMP: Schema = {"anyOf": [TIMESTAMP, {"const": ""}],
                           "description": "ISO 8601 UTC, or \"\" when unset"}
SHA256: Schema = {"type": "string", "pattern": "^[0-9a-f]{64}$",
                  "description": "64 lowercase hex characters"}
ANY_OBJECT: Schema = {"type": "object"}


def enum(*values: str) -> Schema:
    return {"type": "string", "enum": list(values)}


PUBLISHER_STATUS = enum("unverified", "pending", "verified", "rejected", "suspended")
VISIBILITY = enum("public", "unlisted", "private")
PACKAGE_TYPE = enum("mod", "library", "theme", "plugin", "artifact", "widget", "feature")
VERSION_STATUS = enum("pending", "published", "quarantined")
PLATFORM = enum("all", "windows", "linux", "macos", "android", "ios")
ARCHITECTURE = enum("all", "x64", "x86", "arm64", "arm32")
ARTIFACT_TYPE = enum("tauri_app", "cli_executable", "browser_extension", "mobile_app",
                     "library")


def _page_of(key: str, item: Schema) -> Schema:
    return obj({key: array(item), "total": INT, "page": INT, "per_page": INT})


PUBLISHER = obj({
    "id": STR, "name": STR, "display_name": TEXT, "verification_status": PUBLISHER_STATUS,
    "package_count": INT, "total_downloads": INT, "homepage": TEXT, "created_at": TIMESTAMP,
    "verified_at": MAYBE_TIMESTAMP,
}, {"github": TEXT, "notice": TEXT}, "A publisher; never carries its email (§3)")

VERIFICATION_REQUEST = obj({
    "method": STR, "data": ANY_OBJECT, "submitted_at": TIMESTAMP,
    "check_result": nullable(ANY_OBJECT),
}, {"id": INT, "state": STR, "submitted_by": STR, "checked_at": MAYBE_TIMESTAMP})

PACKAGE_SUMMARY = obj({
    "name": STR, "display_name": TEXT, "package_type": PACKAGE_TYPE, "description": TEXT,
    "latest_version": {"type": "string",
                       "description": "Highest published non-yanked version, \"\" if none"},
    "visibility": VISIBILITY, "downloads": INT, "total_downloads": INT,
    "publisher": {"type": "string", "description": "Publisher slug"},
    "publisher_id": STR, "updated_at": TIMESTAMP,
}, {"publisher_verified": BOOL,
    "publisher_notice": {"type": "string", "description": "The publisher's notice (why it "
                         "was suspended or lost its verification), \"\" if none"}})

VERSION_SUMMARY = obj({
    "version": STR, "published_at": TIMESTAMP, "released_at": TIMESTAMP, "yanked": BOOL,
    "yank_reason": TEXT, "downloads": INT,
}, {"status": VERSION_STATUS})

DEPENDENCY = obj({"name": STR, "version_spec": {"type": "string",
                                                 "description": "\"*\" means any"},
                  "optional": BOOL})

SCHEMAS: dict[str, Schema] = {
    "Error": obj({"detail": {"type": "string", "description": "Human-readable reason"}},
                 {"code": STR}),
    "Health": obj({"status": enum("healthy")}),
    "Ready": obj({"status": enum("ready", "not_ready"), "details": ANY_OBJECT},
                 {"errors": array(STR)}),
    "CurrentUser": obj({
        "id": STR, "cloudm_user_id": STR, "username": STR, "email": TEXT, "is_admin": BOOL,
        "is_verified": {"type": "boolean",
                        "description": "The user's publisher exists and is verified"},
        "publisher_id": nullable(STR),
    }, {"publisher_name": TEXT, "verification_status": TEXT,
        "scopes": nullable(array(STR))}),
    "Publisher": PUBLISHER,
    "PublisherPage": _page_of("publishers", ref("Publisher")),
    "PendingPublisher": {"allOf": [ref("Publisher"), obj(
        {"verification_request": nullable(ref("VerificationRequest"))})]},
    "PendingPublisherPage": _page_of("publishers", ref("PendingPublisher")),
    "VerificationRequest": VERIFICATION_REQUEST,
    "AdminPublisher": {"allOf": [ref("Publisher"), obj({
        "can_publish_public": BOOL, "can_publish_artifacts": BOOL,
        "max_package_bytes": nullable(INT), "storage_quota_bytes": nullable(INT),
    }, {"email": STR, "verified_by": STR, "verification_notes": STR,
        "verification_request": nullable(ref("VerificationRequest"))})]},
    "AdminDecision": obj({"status": enum("verified", "rejected", "revoked", "suspended",
                                         "unsuspended"),
                          "publisher_id": STR}, {"verification_status": PUBLISHER_STATUS}),
    "VerificationSubmitted": obj({"status": enum("submitted"), "message": STR},
                                 {"challenge": STR, "challenge_expires_at": MAYBE_TIMESTAMP,
                                  "instructions": STR, "method": STR, "request_id": INT,
                                  "verification_status": PUBLISHER_STATUS}),
    "Challenge": obj({"challenge": STR, "expires_at": TIMESTAMP, "user_id": STR}),
    "Member": obj({"user_id": STR, "username": STR, "role": enum("owner", "member"),
                   "added_at": TIMESTAMP}),
    "MemberList": obj({"members": array(ref("Member"))}),
    "Invitation": obj({
        "id": STR, "publisher": {"type": "string", "description": "Publisher slug"},
        "publisher_id": STR, "user_id": STR, "username": STR,
        "role": enum("owner", "member"),
        "state": enum("pending", "accepted", "declined", "cancelled", "expired"),
        "invited_by": {"type": "string", "description": "User id of the inviting owner"},
        "created_at": TIMESTAMP, "expires_at": TIMESTAMP,
        "responded_at": MAYBE_TIMESTAMP}),
    "InvitationList": obj({"invitations": array(ref("Invitation"))}),
    "PackageSummary": PACKAGE_SUMMARY,
    "PackagePage": _page_of("packages", ref("PackageSummary")),
    "PackageDetail": {"allOf": [ref("PackageSummary"), obj({
        "id": STR, "readme": TEXT, "homepage": TEXT, "repository": TEXT, "license": TEXT,
        "keywords": array(STR), "created_at": TIMESTAMP,
        "versions": {**array(ref("VersionSummary")),
                     "description": "Newest first by precedence, yanked included"},
    })]},
    "VersionSummary": VERSION_SUMMARY,
    "VersionListItem": {"allOf": [ref("VersionSummary"), obj(
        {"changelog": TEXT, "toolbox_version": TEXT, "python_version": TEXT})]},
    "VersionList": obj({"package": STR, "versions": array(ref("VersionListItem"))}),
    "Dependency": DEPENDENCY,
    "VersionDetail": {"allOf": [ref("VersionSummary"), obj({
        "checksum_sha256": SHA256,
        "download_url": {"type": "string",
                         "description": "Bytes route; \"\" only for a non-published version "
                                        "shown to its owner"},
        "dependencies": array(ref("Dependency")), "changelog": TEXT, "size_bytes": INT,
        "toolbox_version": TEXT, "python_version": TEXT, "package": STR,
        "status": VERSION_STATUS,
    }, {"upload_sha256": {"type": "string"}, "warnings": array(STR),
        "scan_report": ANY_OBJECT})]},
    "UploadResult": obj({
        "status": VERSION_STATUS, "package": STR, "version": STR, "checksum_sha256": SHA256,
        "size_bytes": INT, "download_url": STR, "warnings": array(STR),
    }, {"upload_sha256": SHA256}),
    "YankResult": obj({"status": enum("yanked", "unyanked"), "package": STR, "version": STR,
                       "reason": TEXT}),
    "DownloadInfo": obj({"url": STR, "expires_in": INT, "package": STR, "version": STR,
                         "checksum_sha256": SHA256, "size_bytes": INT}),
    "SearchResult": obj({"packages": array(ref("PackageSummary")),
                         "results": array(ref("PackageSummary")), "total": INT,
                         "query": STR, "page": INT, "per_page": INT}),
    "LatestVersions": obj({"versions": {"type": "object",
                                        "additionalProperties": nullable(STR)}}),
    "FileMatch": obj({"package": STR, "version": STR, "checksum_sha256": SHA256,
                      "download_url": STR,
                      "matches": array(obj({"package": STR, "version": STR}))}),
    "UpdatesRequest": obj({"items": array(obj({}, {
        "sha256": STR, "name": STR, "version": STR}))},
        {"toolbox_version": STR, "platform": STR},
        "`files` is accepted as an alias of `items`"),
    "UpdatesResult": obj({"updates": array(obj({"query": ANY_OBJECT, "found": BOOL}, {
        "name": STR, "current_version": STR, "latest_version": STR,
        "update_available": BOOL, "checksum_sha256": STR}))}),
    "ResolveRequest": {"oneOf": [
        obj({"requirements": array({"anyOf": [STR, obj({"name": STR}, {
            "version_spec": STR, "version": STR, "optional": BOOL})]})},
            {"toolbox_version": STR, "platform": STR, "include_optional": BOOL}),
        obj({"packages": array(obj({"name": STR}, {"version": STR}))},
            {"toolbox_version": STR, "platform": STR, "include_optional": BOOL}),
    ]},
    "ResolvedPackage": obj({
        "name": STR, "version": STR, "download_url": STR, "checksum_sha256": SHA256,
        "checksum": SHA256, "size_bytes": INT,
        "dependencies": array(obj({"name": STR, "version": STR, "version_spec": STR,
                                   "optional": BOOL})),
    }, {"yanked": BOOL}),
    "ResolveResult": obj({
        "success": BOOL,
        "resolved": {"type": "object", "additionalProperties": ref("ResolvedPackage")},
        "conflicts": array(STR), "errors": array(STR), "warnings": array(STR),
    }, {"install_order": array(STR), "explanation": STR}),
    "CompatibilityCheck": obj({"compatible": BOOL, "warnings": array(STR),
                               "conflicts": array(STR)}),
    "ArtifactBuild": obj({
        "platform": PLATFORM, "architecture": ARCHITECTURE, "filename": STR,
        "checksum_sha256": SHA256, "size_bytes": INT, "installer_type": TEXT,
        "downloads": INT, "download_url": STR,
    }),
    "ArtifactVersion": obj({"version": STR, "released_at": TIMESTAMP, "changelog": TEXT,
                            "min_os_version": TEXT,
                            "builds": array(ref("ArtifactBuild"))}),
    "Artifact": obj({
        "id": STR, "name": STR, "artifact_type": ARTIFACT_TYPE, "publisher_id": STR,
        "description": TEXT, "homepage": TEXT, "repository": TEXT, "latest_version": TEXT,
        "created_at": TIMESTAMP, "updated_at": TIMESTAMP,
        "versions": array(ref("ArtifactVersion")),
    }),
    "ArtifactPage": _page_of("artifacts", ref("Artifact")),
    "LatestBuild": obj({"version": STR, "released_at": TIMESTAMP, "changelog": TEXT,
                        "build": ref("ArtifactBuild")}, {"min_os_version": TEXT}),
    "ArtifactDownload": obj({"url": STR, "expires_in": INT, "filename": STR,
                             "checksum_sha256": SHA256, "size_bytes": INT},
                            {"version": STR, "platform": PLATFORM,
                             "architecture": ARCHITECTURE}),
    "FeatureLatest": obj({"name": STR, "version": STR, "checksum_sha256": SHA256,
                          "download_url": {"type": "string", "format": "uri",
                                           "description": "Always absolute"}}),
    "Token": obj({"id": STR, "name": STR, "scopes": array(STR), "package_globs": array(STR),
                  "expires_at": nullable(TIMESTAMP), "last_used_at": nullable(TIMESTAMP),
                  "created_at": TIMESTAMP}, {"prefix": STR}),
    "TokenCreated": {"allOf": [ref("Token"), obj({"token": STR}, {"warning": STR})]},
    "TokenList": obj({"tokens": array(ref("Token"))}),
    "AuditEvent": obj({"id": INT, "created_at": TIMESTAMP, "actor_id": STR, "action": STR,
                       "target_type": STR, "target_id": STR, "publisher_id": STR,
                       "request_id": STR, "ip": STR, "details": ANY_OBJECT}),
    "AuditPage": _page_of("events", ref("AuditEvent")),
    # --- request bodies ---
    "RegisterPublisher": obj({"name": STR, "display_name": STR, "email": STR},
                             {"homepage": STR, "github": STR}),
    "PublisherProfile": obj({}, {"display_name": STR, "email": STR, "homepage": STR,
                                 "github": STR}),
    "VerificationSubmission": obj({"method": enum("github", "domain", "manual"),
                                   "data": ANY_OBJECT}),
    "AdminNotes": obj({}, {"notes": STR}),
    "PublisherPolicy": obj({}, {"can_publish_public": BOOL, "can_publish_artifacts": BOOL,
                                "max_package_bytes": nullable(INT),
                                "storage_quota_bytes": nullable(INT)}),
    "AddMember": obj({}, {"user_id": STR, "username": STR, "role": enum("owner", "member")}),
    "RemoveMember": obj({"user_id": STR}),
    "CreatePackage": obj({"name": STR}, {
        "display_name": STR, "package_type": PACKAGE_TYPE, "visibility": VISIBILITY,
        "description": {"type": "string", "maxLength": 500}, "readme": STR, "homepage": STR,
        "repository": STR, "license": STR, "keywords": array(STR)}),
    "UpdatePackage": obj({}, {
        "display_name": STR, "visibility": VISIBILITY, "description": STR, "readme": STR,
        "homepage": STR, "repository": STR, "license": STR, "keywords": array(STR)}),
    "YankBody": obj({}, {"reason": STR}),
    "CreateArtifact": obj({"name": STR, "artifact_type": ARTIFACT_TYPE},
                          {"description": STR, "homepage": STR, "repository": STR}),
    "CreateToken": obj({"name": STR, "scopes": array(enum(
        "read-private", "publish-new", "publish-update", "yank", "admin"))},
        {"package_globs": array(STR), "expires_at": TIMESTAMP}),
    # --- multipart forms ---
    "PublishForm": obj({"file": {"type": "string", "contentMediaType": "application/zip"},
                        "metadata": {"type": "string",
                                     "description": "A JSON object as a string: name, "
                                                    "version, description, ..."}}),
    "UploadVersionForm": obj({
        "file": {"type": "string", "contentMediaType": "application/zip"}, "version": STR,
    }, {"changelog": STR, "toolbox_version": STR, "python_version": STR}),
    "UploadBuildForm": obj({
        "file": {"type": "string", "contentMediaType": "application/octet-stream"},
        "version": STR, "platform": STR, "architecture": STR, "changelog": STR,
    }, {"installer_type": STR, "min_os_version": STR}),
}


# --- operations ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Param:
    name: str
    schema: Schema = field(default_factory=lambda: dict(STR))
    description: str = ""
    required: bool = False
    explode: bool | None = None

    def to_openapi(self) -> dict[str, Any]:
        param: dict[str, Any] = {"name": self.name, "in": "query", "required": self.required,
                                 "schema": self.schema}
        if self.description:
            param["description"] = self.description
        if self.explode is not None:
            param["explode"] = self.explode
        return param


@dataclass(frozen=True)
class Op:
    summary: str
    tag: str
    auth: str = "public"  # public (token optional) | user | admin
    query: tuple[Param, ...] = ()
    body: str | None = None  # components schema name of a JSON body
    forms: tuple[str, ...] = ()  # components schema names of multipart bodies
    body_required: bool = True
    ok: dict[int, str | None] = field(default_factory=lambda: {200: None})
    errors: tuple[int, ...] = ()
    bytes_type: str | None = None  # media type of a 200 byte stream
    head: bool = False  # HEAD is part of the contract for this route


PAGE = Param("page", {"type": "integer", "minimum": 1, "default": 1})


def per_page(default: int, maximum: int = 100) -> Param:
    return Param("per_page", {"type": "integer", "minimum": 1, "maximum": maximum,
                              "default": default}, "Values above the maximum are clamped")


PACKAGE_FILTERS = (Param("package_type", PACKAGE_TYPE), Param("visibility", VISIBILITY),
                   Param("publisher", description="Publisher slug or id"))
PLATFORM_QUERY = (Param("platform", description="Canonical name or alias (§7)"),
                  Param("architecture", description="Canonical name or alias (§7)"))
_ADMIN_ACTIONS = {
    "verify": "Verify a publisher (any status → verified)",
    "reject": "Reject a publisher's verification request",
    "revoke": "Revoke verification (verified → unverified; 400 otherwise)",
    "suspend": "Suspend a publisher: nothing can be published",
    "unsuspend": "Lift a suspension",
}


def _admin_operations(prefix: str) -> dict[tuple[str, str], Op]:
    tag = "admin"
    ops = {
        ("GET", f"{prefix}/admin/pending"): Op(
            "Publishers awaiting a verification decision", tag, "admin",
            (PAGE, per_page(50)), ok={200: "PendingPublisherPage"}),
        ("GET", f"{prefix}/admin/{{publisher_id}}"): Op(
            "Full admin view of a publisher (id or slug)", tag, "admin",
            ok={200: "AdminPublisher"}, errors=(404,)),
        ("PATCH", f"{prefix}/admin/{{publisher_id}}"): Op(
            "Set publishing flags and size limits", tag, "admin", body="PublisherPolicy",
            ok={200: "AdminPublisher"}, errors=(400, 404)),
    }
    for action, summary in _ADMIN_ACTIONS.items():
        ops[("POST", f"{prefix}/admin/{{publisher_id}}/{action}")] = Op(
            summary, tag, "admin", body="AdminNotes", body_required=False,
            ok={200: "AdminDecision"}, errors=(400, 404))
    return ops


V = API_PREFIX
OPERATIONS: dict[tuple[str, str], Op] = {
    ("GET", "/health"): Op("Liveness (root alias)", "health", ok={200: "Health"}, head=True),
    ("GET", f"{V}/health"): Op("Liveness", "health", ok={200: "Health"}, head=True),
    ("GET", f"{V}/ready"): Op("Readiness of database, storage and Redis", "health",
                              ok={200: "Ready"}, errors=(503,)),
    ("GET", f"{V}/openapi.json"): Op("This document", "meta", ok={200: None}),
    # auth
    ("GET", f"{V}/auth/me"): Op("The caller", "auth", "user", ok={200: "CurrentUser"}),
    ("GET", f"{V}/auth/publisher"): Op(
        "The caller's publisher, or JSON null", "auth", "user", ok={200: "MaybePublisher"}),
    ("POST", f"{V}/auth/register-publisher"): Op(
        "Become a publisher (caller is owner)", "auth", "user", body="RegisterPublisher",
        ok={201: "Publisher"}, errors=(400, 409)),
    # publishers
    **_admin_operations(f"{V}/publishers"),
    **_admin_operations(f"{V}/packages"),
    ("GET", f"{V}/publishers"): Op(
        "List publishers", "publishers",
        query=(PAGE, per_page(20), Param("status", PUBLISHER_STATUS, "Wins over verified_only"),
               Param("verified_only", BOOL, "Legacy filter")),
        ok={200: "PublisherPage"}, errors=(400,)),
    ("POST", f"{V}/publishers/verify"): Op(
        "Request verification (exactly 202)", "publishers", "user",
        body="VerificationSubmission", ok={202: "VerificationSubmitted"}, errors=(400, 403)),
    ("POST", f"{V}/publishers/verify/challenge"): Op(
        "Issue a verification challenge", "publishers", "user", body_required=False,
        ok={200: "Challenge"}, errors=(400, 403)),
    ("GET", f"{V}/publishers/{{name}}"): Op(
        "A publisher by slug or id", "publishers", ok={200: "Publisher"}, errors=(404,)),
    ("PATCH", f"{V}/publishers/{{name}}"): Op(
        "Edit a publisher's profile (owners)", "publishers", "user", body="PublisherProfile",
        ok={200: "Publisher"}, errors=(400, 403, 404)),
    ("GET", f"{V}/publishers/{{name}}/members"): Op(
        "Members of a publisher", "publishers", "user", ok={200: "MemberList"},
        errors=(403, 404)),
    ("POST", f"{V}/publishers/{{name}}/members"): Op(
        "Invite a member (owners; alias of POST .../invitations: nobody joins without "
        "accepting)", "publishers", "user", body="AddMember",
        ok={201: "Invitation"}, errors=(400, 403, 404, 409)),
    ("DELETE", f"{V}/publishers/{{name}}/members/me"): Op(
        "Leave a publisher (the last owner cannot)", "publishers", "user", ok={204: None},
        errors=(400, 403, 404)),
    ("GET", f"{V}/publishers/{{name}}/invitations"): Op(
        "Open invitations of a publisher (owners)", "publishers", "user",
        ok={200: "InvitationList"}, errors=(403, 404)),
    ("POST", f"{V}/publishers/{{name}}/invitations"): Op(
        "Invite a user (owners); it expires after 14 days", "publishers", "user",
        body="AddMember", ok={201: "Invitation"}, errors=(400, 403, 404, 409)),
    ("DELETE", f"{V}/publishers/{{name}}/invitations/{{invitation_id}}"): Op(
        "Cancel an open invitation (owners)", "publishers", "user", ok={204: None},
        errors=(403, 404, 409)),
    ("GET", f"{V}/auth/invitations"): Op(
        "The caller's open invitations", "auth", "user", ok={200: "InvitationList"}),
    ("POST", f"{V}/invitations/{{invitation_id}}/accept"): Op(
        "Accept an invitation (you may belong to one publisher)", "publishers", "user",
        body_required=False, ok={200: "Invitation"}, errors=(403, 404, 409)),
    ("POST", f"{V}/invitations/{{invitation_id}}/decline"): Op(
        "Decline an invitation", "publishers", "user", body_required=False,
        ok={200: "Invitation"}, errors=(403, 404, 409)),
    ("DELETE", f"{V}/publishers/{{name}}/members"): Op(
        "Remove a member named in the body (owners)", "publishers", "user",
        body="RemoveMember", ok={204: None}, errors=(400, 403, 404)),
    ("DELETE", f"{V}/publishers/{{name}}/members/{{user_id}}"): Op(
        "Remove a member (owners)", "publishers", "user", ok={204: None},
        errors=(400, 403, 404)),
    # tokens and audit
    ("POST", f"{V}/tokens"): Op("Create an API token (shown once)", "tokens", "user",
                                body="CreateToken", ok={201: "TokenCreated"},
                                errors=(400, 403)),
    ("GET", f"{V}/tokens"): Op("The caller's API tokens", "tokens", "user",
                               ok={200: "TokenList"}),
    ("DELETE", f"{V}/tokens/{{token_id}}"): Op("Revoke an API token", "tokens", "user",
                                               ok={204: None}, errors=(403, 404)),
    ("GET", f"{V}/audit"): Op(
        "Audit events (admins: all; publishers: their own)", "audit", "user",
        query=(PAGE, per_page(50, 200), Param("actor"), Param("action",
               description="Exact, or a prefix ending in *"), Param("target"),
               Param("target_type"), Param("publisher", description="Slug or id"),
               Param("since", TIMESTAMP), Param("until", TIMESTAMP)),
        ok={200: "AuditPage"}, errors=(400, 403, 404)),
    # packages
    ("GET", f"{V}/packages"): Op(
        "List packages (members of `publisher` also see its hidden ones)", "packages",
        query=(PAGE, per_page(100), *PACKAGE_FILTERS), ok={200: "PackagePage"},
        errors=(400,)),
    ("POST", f"{V}/packages"): Op(
        "Create a package (JSON) or publish in one step (multipart file + metadata)",
        "packages", "user", body="CreatePackage", forms=("PublishForm",),
        ok={201: "CreatedOrPublished"}, errors=(400, 403, 409, 413, 503)),
    ("GET", f"{V}/packages/{{name}}"): Op(
        "Package detail with its versions", "packages", ok={200: "PackageDetail"},
        errors=(404,)),
    ("PATCH", f"{V}/packages/{{name}}"): Op(
        "Update package fields (only the keys present change)", "packages", "user",
        body="UpdatePackage", ok={200: "PackageDetail"}, errors=(400, 403, 404)),
    ("DELETE", f"{V}/packages/{{name}}"): Op(
        "Delete a package (204, the name stays reserved)", "packages", "user",
        ok={204: None}, errors=(403, 404)),
    ("GET", f"{V}/packages/{{name}}/versions"): Op(
        "Versions of a package", "packages", ok={200: "VersionList"}, errors=(404,)),
    ("POST", f"{V}/packages/{{name}}/versions"): Op(
        "Upload a version (never 202, even while scanning)", "packages", "user",
        forms=("UploadVersionForm",), ok={201: "UploadResult"},
        errors=(400, 403, 404, 409, 413, 503)),
    ("POST", f"{V}/packages/{{name}}/upload"): Op(
        "Upload a version (documented alias)", "packages", "user",
        forms=("UploadVersionForm",), ok={201: "UploadResult"},
        errors=(400, 403, 404, 409, 413, 503)),
    ("GET", f"{V}/packages/{{name}}/versions/{{version}}"): Op(
        "Version detail with checksum, download_url and dependencies", "packages",
        ok={200: "VersionDetail"}, errors=(404,)),
    ("POST", f"{V}/packages/{{name}}/versions/{{version}}/yank"): Op(
        "Yank a version (idempotent)", "packages", "user", body="YankBody",
        body_required=False, ok={200: "YankResult"}, errors=(400, 403, 404)),
    ("DELETE", f"{V}/packages/{{name}}/versions/{{version}}/yank"): Op(
        "Unyank a version", "packages", "user", ok={200: "YankResult"}, errors=(403, 404)),
    ("POST", f"{V}/packages/{{name}}/versions/{{version}}/unyank"): Op(
        "Unyank a version", "packages", "user", body_required=False, ok={200: "YankResult"},
        errors=(403, 404)),
    ("GET", f"{V}/packages/{{name}}/versions/{{version}}/download"): Op(
        "Legacy JSON download descriptor", "downloads", ok={200: "DownloadInfo"},
        errors=(401, 404)),
    ("GET", f"{V}/packages/{{name}}/versions/{{version}}/file"): Op(
        "The version's bytes (200; 206 for Range requests)", "downloads",
        ok={200: None, 206: None}, errors=(401, 404, 416, 503), bytes_type="application/zip",
        head=True),
    ("GET", f"{V}/packages/{{name}}/diff/{{from_version}}/{{to_version}}"): Op(
        "Always 404: the client then downloads in full", "downloads", ok={},
        errors=(404,)),
    ("GET", f"{V}/packages/{{name}}/diff/{{from_version}}/{{to_version}}/download"): Op(
        "Always 404", "downloads", ok={}, errors=(404,)),
    ("GET", f"{V}/features/{{package}}/latest"): Op(
        "Latest version of a feature pack with an absolute download_url", "downloads",
        ok={200: "FeatureLatest"}, errors=(404,)),
    ("GET", "/features/{package}-latest.zip"): Op(
        "Redirect (302) to the latest feature pack's bytes; `tbv2-feature-` is implied",
        "downloads", ok={302: None}, errors=(404,)),
    # search and updates
    ("GET", f"{V}/search"): Op(
        "Search listed packages (empty q = all)", "search",
        query=(Param("q", description="Empty or missing means all"), PAGE, per_page(100),
               *PACKAGE_FILTERS), ok={200: "SearchResult"}, errors=(400,)),
    ("GET", f"{V}/search/suggest"): Op(
        "Package names starting with q", "search",
        query=(Param("q"), Param("limit", {"type": "integer", "minimum": 1, "maximum": 10,
                                           "default": 5})),
        ok={200: "Suggestions"}, errors=(400,)),
    ("GET", f"{V}/versions"): Op(
        "Latest version per name; unknown or invisible names are omitted", "search",
        query=(Param("names", array(STR), "Repeat the parameter or separate by commas",
                     explode=True),),
        ok={200: "LatestVersions"}),
    ("GET", f"{V}/files/{{sha256}}"): Op(
        "The package version a file belongs to (stored or uploaded hash)", "search",
        ok={200: "FileMatch"}, errors=(400, 404)),
    ("POST", f"{V}/updates"): Op(
        "Newest compatible version for many files or names", "search",
        body="UpdatesRequest", ok={200: "UpdatesResult"}, errors=(400,)),
    ("POST", f"{V}/resolve"): Op(
        "Resolve requirements (failures are 200 with success=false)", "resolve",
        body="ResolveRequest", ok={200: "ResolveResult"}, errors=(400,)),
    ("GET", f"{V}/resolve/check"): Op(
        "Can package==version be installed?", "resolve",
        query=(Param("package", required=True), Param("version", required=True),
               Param("toolbox_version")), ok={200: "CompatibilityCheck"}, errors=(400,)),
    # artifacts
    ("GET", f"{V}/artifacts"): Op(
        "List artifacts", "artifacts",
        query=(PAGE, per_page(20), Param("artifact_type", ARTIFACT_TYPE)),
        ok={200: "ArtifactPage"}, errors=(400,)),
    ("POST", f"{V}/artifacts"): Op(
        "Create an artifact", "artifacts", "user", body="CreateArtifact",
        ok={201: "Artifact"}, errors=(400, 403, 409)),
    ("GET", f"{V}/artifacts/{{name}}"): Op(
        "Artifact with versions (newest first) and builds", "artifacts",
        ok={200: "Artifact"}, errors=(404,)),
    ("POST", f"{V}/artifacts/{{name}}/builds"): Op(
        "Upload a build for a platform/architecture", "artifacts", "user",
        forms=("UploadBuildForm",), ok={201: "ArtifactVersion"},
        errors=(400, 403, 404, 409, 413, 503)),
    ("GET", f"{V}/artifacts/{{name}}/latest"): Op(
        "Newest build for a platform/architecture (exact, then `all`)", "artifacts",
        query=tuple(Param(p.name, p.schema, p.description, required=True)
                    for p in PLATFORM_QUERY),
        ok={200: "LatestBuild"}, errors=(400, 404)),
    ("GET", f"{V}/artifacts/{{name}}/versions/{{version}}/download"): Op(
        "Download descriptor (JSON); bytes when Accept is absent or application/octet-stream",
        "artifacts", query=PLATFORM_QUERY, ok={200: "ArtifactDownload"},
        bytes_type="application/octet-stream", errors=(400, 404, 503)),
    ("GET", f"{V}/artifacts/{{name}}/versions/{{version}}/builds/{{platform}}/"
            "{architecture}/file"): Op(
        "A build's bytes", "artifacts", ok={200: None, 206: None}, errors=(404, 416, 503),
        bytes_type="application/octet-stream", head=True),
}

# Response-only schemas that need a name of their own.
SCHEMAS["MaybePublisher"] = nullable(ref("Publisher"))
SCHEMAS["CreatedOrPublished"] = {"oneOf": [ref("PackageDetail"), ref("UploadResult")],
                                 "description": "PackageDetail for a JSON create, "
                                                "UploadResult for a multipart publish"}
SCHEMAS["Suggestions"] = array(STR)

_ERROR_TEXT = {400: "Invalid input", 401: "Not authenticated (WWW-Authenticate: Bearer)",
               403: "Not allowed", 404: "Not found (also: not visible to the caller)",
               409: "Conflict", 413: "Too large", 416: "Range not satisfiable",
               503: "Temporarily unavailable (Retry-After when a retry may help)",
               429: "Rate limited (Retry-After: whole seconds)"}
_PATH_PARAM = re.compile(r"{([^}:]+)(?::[^}]+)?}")


def _error_response(status: int, path: str) -> dict[str, Any]:
    schema = ref("Error")
    if status == 503 and path == f"{API_PREFIX}/ready":
        schema = {"allOf": [ref("Error"), ref("Ready")]}
    response: dict[str, Any] = {"description": _ERROR_TEXT[status],
                                "content": {"application/json": {"schema": schema}}}
    if status == 429:
        response["headers"] = {"Retry-After": {"schema": INT}}
    return response


def _byte_response(media_type: str, status: int) -> dict[str, Any]:
    headers = {name: {"schema": STR} for name in (
        "ETag", "Content-Length", "Content-Disposition", "Repr-Digest", "X-Checksum-SHA256",
        "Accept-Ranges", "Cache-Control")}
    return {"description": "The exact stored bytes" if status == 200 else "A byte range",
            "headers": headers,
            "content": {media_type: {"schema": {"type": "string",
                                                "contentMediaType": media_type}}}}


def _ok_response(op: Op, status: int, schema_name: str | None) -> dict[str, Any]:
    if status in (200, 206) and op.bytes_type and schema_name is None:
        return _byte_response(op.bytes_type, status)
    if status == 204:
        return {"description": "No content"}
    if status == 302:
        return {"description": "Redirect to the absolute file URL",
                "headers": {"Location": {"schema": STR}}}
    content: dict[str, Any] = {"application/json": {
        "schema": ref(schema_name) if schema_name else ANY_OBJECT}}
    if status == 200 and op.bytes_type:  # artifact download: JSON or bytes by Accept
        content[op.bytes_type] = {"schema": {"type": "string",
                                             "contentMediaType": op.bytes_type}}
    return {"description": "Success", "content": content}


def _request_body(op: Op) -> dict[str, Any] | None:
    content: dict[str, Any] = {}
    if op.body:
        content["application/json"] = {"schema": ref(op.body)}
    for form in op.forms:
        content["multipart/form-data"] = {
            "schema": ref(form),
            "encoding": {"file": {"contentType": "application/zip, application/octet-stream"}},
        }
    if not content:
        return None
    return {"required": op.body_required, "content": content}


def operation_object(method: str, path: str, op: Op) -> dict[str, Any]:
    params = [{"name": name, "in": "path", "required": True, "schema": STR}
              for name in _PATH_PARAM.findall(path)]
    params += [param.to_openapi() for param in op.query]
    responses: dict[str, Any] = {str(status): _ok_response(op, status, schema)
                                 for status, schema in op.ok.items()}
    errors = set(op.errors)
    if op.auth in ("user", "admin"):
        errors.add(401)
    if op.auth == "admin":
        errors.add(403)
    if path not in ("/health", f"{API_PREFIX}/health", f"{API_PREFIX}/ready"):
        errors.add(429)  # health and readiness are exempt from rate limits
    responses.update({str(status): _error_response(status, path)
                      for status in sorted(errors)})
    result: dict[str, Any] = {
        "operationId": f"{method.lower()}_{re.sub(r'[^A-Za-z0-9]+', '_', path).strip('_')}",
        "summary": op.summary, "tags": [op.tag], "responses": responses,
        # Public routes read a token when there is one (a bad one is anonymous, never 401).
        "security": [{"bearerAuth": []}] if op.auth != "public" else [{}, {"bearerAuth": []}],
    }
    if params:
        result["parameters"] = params
    body = _request_body(op)
    if body is not None:
        result["requestBody"] = body
    return result


def _undocumented(path: str) -> Op:
    return Op(f"Undocumented route {path}", "undocumented")


def rest_endpoints(routes: list[BaseRoute]) -> list[tuple[str, str]]:
    """(METHOD, path) of every REST route in the app, HEAD excluded (Starlette adds it to
    every GET route)."""
    found = BaseSchemaGenerator().get_endpoints(routes)
    return sorted({(info.http_method.upper(), info.path) for info in found
                   if info.path.startswith(API_PREFIX + "/") or info.path in ROOT_REST_PATHS})


def _head_routes(routes: list[BaseRoute], prefix: str = "") -> set[str]:
    """Paths whose route answers HEAD (get_endpoints leaves HEAD out)."""
    paths: set[str] = set()
    for route in routes:
        sub = getattr(route, "routes", None)
        if sub is not None and hasattr(route, "path"):
            paths |= _head_routes(sub, prefix + route.path)
        elif isinstance(route, Route) and "HEAD" in (route.methods or ()):
            paths.add(prefix + route.path)
    return paths


def build_document(routes: list[BaseRoute], *, server_url: str | None = None
                   ) -> dict[str, Any]:
    heads = _head_routes(routes)
    paths: dict[str, dict[str, Any]] = {}
    for method, path in rest_endpoints(routes):
        op = OPERATIONS.get((method, path)) or _undocumented(path)
        item = paths.setdefault(path, {})
        item[method.lower()] = operation_object(method, path, op)
        if method == "GET" and op.head and path in heads:
            head = operation_object("HEAD", path, op)
            head["summary"] = f"{op.summary} (headers only)"
            for response in head["responses"].values():
                response.pop("content", None)
            item["head"] = head
    try:
        version = metadata.version("tb-registry")
    except metadata.PackageNotFoundError:
        version = "0.0.0"
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "TB Registry REST API",
            "version": version,
            "description": "REST compatibility API for the ToolBoxV2 registry client. Every "
                           "error is JSON {\"detail\": str}; invalid input is 400; no route "
                           "answers with a slash redirect.",
        },
        "servers": [{"url": server_url or "/"}],
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearerAuth": {
                "type": "http", "scheme": "bearer",
                "description": "A CloudM access JWT (HS256) or a registry API token tbr_..."}},
        },
    }


async def openapi_json(request: Request) -> JSONResponse:
    app = request.app
    document = getattr(app.state, "openapi_document", None)
    if document is None:
        document = build_document(app.routes,
                                  server_url=app.state.runtime.ctx.policy.public_base_url)
        app.state.openapi_document = document
    return JSONResponse(document)


routes = [Route("/openapi.json", openapi_json, methods=["GET"])]
