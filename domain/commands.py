"""Typed commands the domain services take, built by REST (decoded from the body) and by
GraphQL (converted from its input types) alike, so each command's fields are declared once.

Types are guaranteed by construction (msgspec decodes and converts into these); the services
check only values: lengths, URLs, whether a change is allowed.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, TypeVar

import msgspec
from msgspec import UNSET, Meta, UnsetType

from domain.enums import (
    ArtifactType,
    PackageStatus,
    PackageType,
    VerificationMethod,
    Visibility,
)
from domain.exceptions import InvalidInput
from domain.fieldtypes import (
    DOMAIN_LABEL,
    GITHUB_LOGIN,
    MAX_MANUAL_DATA,
    TLD,
    ByteLimit,
    DisplayName,
    Email,
    GithubLogin,
    HttpUrl,
    PackageName,
    PublisherSlug,
    StorableObject,
    explicit_whitespace,
)

# Text a database can store: NUL is refused before any service sees it (domain/textrules.py
# refuses lone surrogates too; JSON decoding cannot produce one unescaped).
StorableText = Annotated[str, Meta(pattern=r"^[^\x00]*$")]

# The longest package description (the column's width); the services check it after trimming.
MAX_DESCRIPTION = 500
Description = Annotated[str, Meta(max_length=MAX_DESCRIPTION, pattern=r"^[^\x00]*$")]


class DomainCommand(msgspec.Struct, kw_only=True):
    """Base of the commands: REST decodes a body straight into one (registry/rest/openapi.py
    documents each as the body's schema), GraphQL converts its input into one."""


class PackageUpdate(DomainCommand):
    """Fields to change on a package; omitted fields stay as they are, null clears a text
    field (REST: PATCH /packages/{name}; GraphQL: updatePackage)."""

    display_name: StorableText | None | UnsetType = UNSET
    visibility: Visibility | None | UnsetType = UNSET
    description: StorableText | None | UnsetType = UNSET
    readme: StorableText | None | UnsetType = UNSET
    homepage: StorableText | None | UnsetType = UNSET
    repository: StorableText | None | UnsetType = UNSET
    license: StorableText | None | UnsetType = UNSET
    keywords: Annotated[
        list[StorableText] | StorableText | None | UnsetType,
        Meta(description="Replaces all keywords; a string is split at commas and spaces"),
    ] = UNSET
    categories: Annotated[
        list[StorableText] | StorableText | None | UnsetType,
        Meta(
            description="Replaces all categories: at most 3 slugs of GET /categories; "
            "a string is split at commas and spaces"
        ),
    ] = UNSET
    status: Annotated[
        PackageStatus | UnsetType,
        Meta(
            description="Lifecycle: deprecated warns wherever the package is resolved; "
            "archived is read-only (no new versions, no other changes until un-archived)"
        ),
    ] = UNSET
    deprecation_message: Annotated[
        StorableText | None | UnsetType,
        Meta(description="Why it is deprecated or archived, shown with the warnings"),
    ] = UNSET
    successor: Annotated[
        StorableText | None | UnsetType,
        Meta(description="Name of the package to use instead; null or empty: none"),
    ] = UNSET

    def changes(self) -> dict[str, Any]:
        """The fields present, by name (the order the struct declares them)."""
        return present_fields(self)


class CreatePackage(DomainCommand):
    """A new, empty package owned by the caller's publisher; omitted fields take their
    defaults (REST: POST /packages with JSON; GraphQL: createPackage; publishing creates
    the package a first upload names)."""

    name: StorableText
    display_name: StorableText | None = None
    package_type: PackageType | None = None
    visibility: Visibility | None = None
    description: Description | None = None
    readme: StorableText | None = None
    homepage: StorableText | None = None
    repository: StorableText | None = None
    license: StorableText | None = None
    keywords: list[StorableText] | StorableText | None = None
    categories: Annotated[
        list[StorableText] | StorableText | None,
        Meta(description="At most 3 slugs of GET /categories"),
    ] = None


class CreateArtifact(DomainCommand):
    """A new artifact owned by the caller's (verified, allowed) publisher (REST: POST
    /artifacts; GraphQL: createArtifact)."""

    name: PackageName
    artifact_type: ArtifactType
    description: Description | None = None
    homepage: HttpUrl | None = None
    repository: HttpUrl | None = None


class RegisterPublisher(DomainCommand):
    """A new publisher the caller will own (REST: POST /auth/register-publisher; GraphQL:
    registerPublisher)."""

    name: PublisherSlug
    display_name: DisplayName
    email: Email
    homepage: HttpUrl | None = None
    github: GithubLogin | None = None


class PublisherProfile(DomainCommand):
    """Profile fields to change; omitted ones stay (REST: PATCH /publishers/{name}; GraphQL:
    updatePublisher)."""

    display_name: DisplayName | UnsetType = UNSET
    email: Email | UnsetType = UNSET
    homepage: HttpUrl | None | UnsetType = UNSET
    github: GithubLogin | None | UnsetType = UNSET

    def changes(self) -> dict[str, Any]:
        """The fields present, by name."""
        return present_fields(self)


class PublisherPolicy(DomainCommand):
    """Admin: publishing flags and size limits to change; at least one field (else: nothing
    to change, 400). Null limits mean no limit beyond the registry-wide one (REST: PATCH
    /publishers/admin/{publisher_id}; GraphQL: setPublisherPolicy)."""

    can_publish_public: bool | UnsetType = UNSET
    can_publish_artifacts: bool | UnsetType = UNSET
    max_package_bytes: ByteLimit | None | UnsetType = UNSET
    storage_quota_bytes: ByteLimit | None | UnsetType = UNSET

    # A rule between fields the types cannot state: merged into the document's component.
    json_schema_extra: ClassVar[dict[str, Any]] = {
        "anyOf": [
            {"required": [name]}
            for name in (
                "can_publish_public",
                "can_publish_artifacts",
                "max_package_bytes",
                "storage_quota_bytes",
            )
        ]
    }

    def changes(self) -> dict[str, Any]:
        """The fields present, by name."""
        return present_fields(self)


def _domain_pattern() -> str:
    label, tld = DOMAIN_LABEL.pattern, TLD.pattern
    return explicit_whitespace(rf"^\s*({label}\.)+({tld})\.?\s*$")


class VerificationSubmission(DomainCommand):
    """A claim of identity for the caller's publisher (REST: POST /publishers/verify; GraphQL:
    requestVerification)."""

    method: VerificationMethod
    data: StorableObject

    # The proof each method needs (domain/services/verification.py clean_data).
    json_schema_extra: ClassVar[dict[str, Any]] = {
        "oneOf": [
            {
                "properties": {
                    "method": {"const": VerificationMethod.GITHUB.value},
                    "data": {
                        "type": "object",
                        "required": ["username"],
                        "properties": {
                            "username": {
                                "type": "string",
                                "pattern": explicit_whitespace(
                                    rf"^\s*({GITHUB_LOGIN.pattern})\s*$"
                                ),
                            }
                        },
                    },
                }
            },
            {
                "properties": {
                    "method": {"const": VerificationMethod.DOMAIN.value},
                    "data": {
                        "type": "object",
                        "required": ["domain"],
                        "properties": {
                            "domain": {
                                "type": "string",
                                "maxLength": 253,
                                "pattern": _domain_pattern(),
                            }
                        },
                    },
                }
            },
            {
                "properties": {
                    "method": {"const": VerificationMethod.MANUAL.value},
                    "data": {
                        "type": "object",
                        "description": f"At most {MAX_MANUAL_DATA} characters as JSON",
                    },
                }
            },
        ]
    }


def present_fields(command: msgspec.Struct) -> dict[str, Any]:
    """The fields of `command` the caller set (UNSET ones left out), by name."""
    return {
        name: getattr(command, name)
        for name in command.__struct_fields__
        if getattr(command, name) is not UNSET
    }


Command = TypeVar("Command")


def command_from(data: Any, command: type[Command]) -> Command:
    """`data` (a parsed JSON object, or the fields a GraphQL input sets) as `command`; a
    value of the wrong type is the caller's InvalidInput naming the field."""
    try:
        return msgspec.convert(data, command)
    except msgspec.ValidationError as exc:
        message = str(exc)
        field = None
        if " - at `$." in message:
            where = message.rsplit(" - at `$.", 1)[1].rstrip("`")
            field = where.split(".", 1)[0].split("[", 1)[0] or None
        raise InvalidInput(f"Invalid input: {message}", field=field) from None
