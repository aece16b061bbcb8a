"""The closed vocabularies are declared once (domain/enums.py) and everything else derives them."""

from __future__ import annotations

from enum import StrEnum

import pytest
from graphql import GraphQLEnumType

from domain import enums, models
from domain.exceptions import InvalidInput
from domain.names import canonical_architecture, canonical_platform, choice
from schema.core.enums import graphql_enum
from schema.schema import schema
from storage.copying import CopyCheck
from storage.failover import BreakerState

# Every column that holds an enum's value, with that enum.
ENUM_COLUMNS: list[tuple[type, str, type[StrEnum]]] = [
    (models.Publisher, "verification_status", enums.PublisherStatus),
    (models.PublisherMember, "role", enums.MemberRole),
    (models.PublisherInvitation, "role", enums.MemberRole),
    (models.PublisherInvitation, "state", enums.InvitationState),
    (models.PackageTransfer, "state", enums.TransferState),
    (models.VerificationRequest, "method", enums.VerificationMethod),
    (models.VerificationRequest, "state", enums.VerificationRequestState),
    (models.Package, "package_type", enums.PackageType),
    (models.Package, "visibility", enums.Visibility),
    (models.PackageVersion, "status", enums.VersionStatus),
    (models.Artifact, "artifact_type", enums.ArtifactType),
    (models.ArtifactBuild, "platform", enums.Platform),
    (models.ArtifactBuild, "architecture", enums.Architecture),
    (models.StoredCopy, "state", enums.CopyState),
    (models.AbuseReport, "reason", enums.ReportReason),
    (models.AbuseReport, "state", enums.ReportState),
]


@pytest.mark.parametrize(
    ("model", "column", "enum"), ENUM_COLUMNS, ids=[f"{m.__name__}.{c}" for m, c, _ in ENUM_COLUMNS]
)
def test_every_value_fits_its_column(model: type, column: str, enum: type[StrEnum]) -> None:
    # PostgreSQL refuses a longer value; a new member must not outgrow the migrated column.
    max_length = model._meta.fields_map[column].max_length
    assert all(len(member) <= max_length for member in enum), (column, max_length)


def test_column_defaults_are_members() -> None:
    for model, column, enum in ENUM_COLUMNS:
        default = model._meta.fields_map[column].default
        assert default is None or isinstance(default, enum), (model.__name__, column)


def test_copy_states_take_the_storage_check_values() -> None:
    for check in CopyCheck:
        assert enums.CopyState(check.value) == check


# GraphQL enum name -> the class the schema exposes under it.
GRAPHQL_ENUMS: dict[str, type[StrEnum]] = {
    "PackageType": enums.PackageType,
    "Visibility": enums.Visibility,
    "VersionStatus": enums.VersionStatus,
    "ArtifactType": enums.ArtifactType,
    "PublisherStatus": enums.PublisherStatus,
    "VerificationMethod": enums.VerificationMethod,
    "InvitationState": enums.InvitationState,
    "TokenScope": enums.TokenScope,
    "StorageRole": enums.StorageRole,
    "BreakerState": BreakerState,
    "ReportReason": enums.ReportReason,
    "ReportState": enums.ReportState,
    "ReportAction": enums.ReportAction,
}


@pytest.mark.parametrize("name", sorted(GRAPHQL_ENUMS))
def test_graphql_enums_are_the_domain_enums(name: str) -> None:
    graphql_type = schema._schema.type_map[name]
    assert isinstance(graphql_type, GraphQLEnumType)
    domain_enum = GRAPHQL_ENUMS[name]
    assert {key: value.value for key, value in graphql_type.values.items()} == {
        member.name: member.value for member in domain_enum
    }
    assert all(value.description for value in graphql_type.values.values())
    # Arguments arrive as the domain's members, and its members serialise to the names.
    member = next(iter(domain_enum))
    assert graphql_type.parse_value(member.name) is member
    assert graphql_type.serialize(member) == member.name
    assert graphql_type.serialize(member.value) == member.name  # a stored string


def test_graphql_enum_needs_every_value_described() -> None:
    class Colour(StrEnum):
        RED = "red"
        GREEN = "green"

    with pytest.raises(TypeError, match=r"missing \['GREEN'\]"):
        graphql_enum(Colour, "A colour.", {Colour.RED: "Red."})
    with pytest.raises(TypeError, match="unknown"):
        graphql_enum(
            Colour,
            "A colour.",
            {Colour.RED: "Red.", Colour.GREEN: "Green.", enums.Visibility.PUBLIC: "Not a colour."},
        )


def test_choice_returns_the_member_or_lists_the_values() -> None:
    assert choice("private", enums.Visibility, "visibility", "visibility") is (
        enums.Visibility.PRIVATE
    )
    for bad in ("secret", "PRIVATE", 3, None, ["private"]):
        with pytest.raises(InvalidInput) as refused:
            choice(bad, enums.Visibility, "visibility", "visibility")
        assert str(refused.value) == (
            f"Invalid visibility {bad!r}: expected one of public, unlisted, private"
        )
        assert refused.value.field == "visibility"


def test_aliases_map_to_members() -> None:
    assert canonical_platform(" Win64 ") is enums.Platform.WINDOWS
    assert canonical_platform("darwin") is enums.Platform.MACOS
    assert canonical_architecture("aarch64") is enums.Architecture.ARM64
    with pytest.raises(InvalidInput):
        canonical_platform("beos")
