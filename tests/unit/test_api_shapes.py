"""API shapes declared once: the package update command, request decoding, the document."""

from __future__ import annotations

import dataclasses

import msgspec
import pytest
from starlette.routing import Mount

from domain.commands import PackageUpdate, PublisherPolicy, command_from
from domain.enums import Visibility
from domain.exceptions import InvalidInput
from registry.rest import openapi, shapes
from registry.rest.params import convert_body
from registry.rest.router import api_routes
from schema.packages.mutations.update_package import UpdatePackageInput, command_of


def test_graphql_update_input_has_exactly_the_command_fields() -> None:
    graphql_fields = {field.name for field in dataclasses.fields(UpdatePackageInput)}
    assert graphql_fields == set(PackageUpdate.__struct_fields__)


def test_graphql_input_becomes_the_domain_command() -> None:
    from schema.packages.enums import Visibility as GraphQLVisibility

    command = command_of(
        UpdatePackageInput(description=None, visibility=GraphQLVisibility.UNLISTED)
    )
    assert command.changes() == {"visibility": Visibility.UNLISTED, "description": None}


def test_rest_body_becomes_the_domain_command_and_wrong_types_name_the_field() -> None:
    update = convert_body({"license": "MIT", "keywords": "a, b", "extra": 1}, PackageUpdate)
    assert update.changes() == {"license": "MIT", "keywords": "a, b"}
    with pytest.raises(InvalidInput) as refused:
        command_from({"readme": 3}, PackageUpdate)
    assert refused.value.field == "readme"
    with pytest.raises(InvalidInput) as refused:
        command_from({"visibility": "secret"}, PackageUpdate)
    assert refused.value.field == "visibility"


def test_whole_number_floats_are_integers_and_nul_is_refused() -> None:
    policy = convert_body({"max_package_bytes": 928.0}, PublisherPolicy)
    assert policy.max_package_bytes == 928 and isinstance(policy.max_package_bytes, int)
    with pytest.raises(InvalidInput):
        convert_body({"max_package_bytes": 928.5}, PublisherPolicy)
    with pytest.raises(InvalidInput):
        convert_body({"name": "a\x00b", "scopes": ["yank"]}, shapes.CreateToken)


def test_document_components_come_from_the_shapes() -> None:
    document = openapi.build_document([Mount("/api/v1", routes=api_routes())])
    components = document["components"]["schemas"]
    for shape in (
        shapes.PackageDetail,
        shapes.VersionDetail,
        shapes.Publisher,
        shapes.CreateToken,
        PackageUpdate,
    ):
        generated = msgspec.json.schema_components(
            [shape], ref_template="#/components/schemas/{name}"
        )[1][shape.__name__]
        documented = dict(components[shape.__name__])
        for key in ("propertyNames", "additionalProperties"):  # added for request bodies
            if key not in generated:
                documented.pop(key, None)
        assert documented == generated, shape.__name__
    patch = document["paths"]["/api/v1/packages/{name}"]["patch"]
    assert patch["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PackageUpdate"
    }


def test_encoded_detail_keeps_the_contract_keys_in_order() -> None:
    summary_keys = list(shapes.PackageSummary.__struct_fields__)
    detail_keys = list(shapes.PackageDetail.__struct_fields__)
    assert detail_keys[: len(summary_keys)] == summary_keys
    contract_keys = [
        "id",
        "readme",
        "homepage",
        "repository",
        "license",
        "keywords",
        "created_at",
        "versions",
    ]
    # The contract's keys first, in its order; additional fields (categories, lifecycle,
    # rendered pages) follow them.
    start = len(summary_keys)
    assert detail_keys[start : start + len(contract_keys)] == contract_keys


def test_a_wrong_method_is_told_every_method_of_the_path() -> None:
    from starlette.applications import Starlette
    from starlette.testclient import TestClient

    client = TestClient(Starlette(routes=[Mount("/api/v1", routes=api_routes())]))
    for path, allowed in (
        ("/api/v1/packages/x", {"GET", "HEAD", "PATCH", "DELETE"}),
        ("/api/v1/packages", {"GET", "HEAD", "POST"}),
        ("/api/v1/tokens", {"GET", "HEAD", "POST"}),
        ("/api/v1/packages/x/versions/1.0.0/yank", {"POST", "DELETE"}),
    ):
        response = client.request("OPTIONS", path)
        assert response.status_code == 405, path
        assert set(response.headers["allow"].split(", ")) == allowed, path


def test_graphql_create_package_input_has_exactly_the_command_fields() -> None:
    from domain.commands import CreatePackage
    from schema.packages.mutations.create_package import CreatePackageInput

    graphql_fields = {field.name for field in dataclasses.fields(CreatePackageInput)}
    assert graphql_fields == set(CreatePackage.__struct_fields__)


def test_graphql_create_package_input_becomes_the_domain_command() -> None:
    from domain.commands import CreatePackage
    from domain.enums import PackageType
    from schema.packages.mutations.create_package import CreatePackageInput, command_of

    command = command_of(CreatePackageInput(name="CloudM", keywords=["cloud"]))
    assert command == CreatePackage(
        name="CloudM",
        package_type=PackageType.MOD,
        visibility=Visibility.PUBLIC,
        keywords=["cloud"],
    )
    # GraphQL typed the fields; the domain checks the values with its own messages.
    assert (
        command_of(CreatePackageInput(name="CloudM", description="x" * 501)).description
        == "x" * 501
    )


def test_graphql_publisher_inputs_have_exactly_the_command_fields() -> None:
    from domain.commands import PublisherProfile, RegisterPublisher
    from schema.publishers.mutations.register_publisher import RegisterPublisherInput
    from schema.publishers.mutations.update_publisher import UpdatePublisherInput

    for graphql_input, command in (
        (RegisterPublisherInput, RegisterPublisher),
        (UpdatePublisherInput, PublisherProfile),
    ):
        graphql_fields = {field.name for field in dataclasses.fields(graphql_input)}
        assert graphql_fields == set(command.__struct_fields__), command.__name__


def test_graphql_publisher_inputs_become_the_domain_commands() -> None:
    from domain.commands import PublisherProfile, RegisterPublisher
    from schema.publishers.mutations import register_publisher, update_publisher

    profile = update_publisher.command_of(
        update_publisher.UpdatePublisherInput(email="a@example.com", homepage=None)
    )
    assert profile.changes() == {"email": "a@example.com", "homepage": None}
    assert isinstance(profile, PublisherProfile)
    registration = register_publisher.command_of(
        register_publisher.RegisterPublisherInput(
            name="acme", display_name="Acme", email="a@example.com"
        )
    )
    assert registration == RegisterPublisher(
        name="acme", display_name="Acme", email="a@example.com", homepage="", github=""
    )


def test_graphql_policy_input_has_exactly_the_command_fields() -> None:
    from schema.publishers.mutations.set_publisher_policy import (
        PublisherPolicyInput,
        command_of,
    )

    graphql_fields = {field.name for field in dataclasses.fields(PublisherPolicyInput)}
    assert graphql_fields == set(PublisherPolicy.__struct_fields__)
    command = command_of(PublisherPolicyInput(max_package_bytes=None, can_publish_public=True))
    assert command.changes() == {"can_publish_public": True, "max_package_bytes": None}


def test_graphql_create_artifact_input_has_exactly_the_command_fields() -> None:
    from domain.commands import CreateArtifact
    from domain.enums import ArtifactType
    from schema.artifacts.mutations.create_artifact import CreateArtifactInput, command_of
    from schema.artifacts.types import ArtifactType as GraphQLArtifactType

    graphql_fields = {field.name for field in dataclasses.fields(CreateArtifactInput)}
    assert graphql_fields == set(CreateArtifact.__struct_fields__)
    command = command_of(
        CreateArtifactInput(name="App", artifact_type=GraphQLArtifactType.TAURI_APP)
    )
    assert command.artifact_type is ArtifactType.TAURI_APP
    assert convert_body(
        {"name": "App", "artifact_type": "tauri_app"}, CreateArtifact
    ) == CreateArtifact(name="App", artifact_type=ArtifactType.TAURI_APP)


def test_graphql_verification_arguments_are_the_command_fields() -> None:
    from strawberry.types.fields.resolver import StrawberryResolver

    from domain.commands import VerificationSubmission
    from domain.enums import VerificationMethod
    from schema.publishers.mutations.request_verification import (
        command_of,
        request_verification,
    )

    arguments = {
        argument.python_name for argument in StrawberryResolver(request_verification).arguments
    }
    assert arguments == set(VerificationSubmission.__struct_fields__)
    command = command_of(VerificationMethod.GITHUB, {"username": "octo"})
    assert command == VerificationSubmission(
        method=VerificationMethod.GITHUB, data={"username": "octo"}
    )
    assert command_of(VerificationMethod.MANUAL, None).data == {}
    with pytest.raises(InvalidInput) as refused:
        command_of(VerificationMethod.MANUAL, ["not", "an", "object"])
    assert refused.value.field == "data"
