"""infra/compose.yaml: valid against the Compose Specification's schema, and consistent with
the image, the registry's settings and the files it mounts."""

from __future__ import annotations

import ipaddress
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from registry.config import load_settings
from registry.settings_docs import variables
from tests.infra.compose_file import (
    COMPOSE_FILE,
    REPO,
    MissingVariable,
    example_variables,
    interpolate,
    load_compose,
    read_image,
)

SCHEMA_FILE = Path(__file__).parent / "vendor" / "compose-spec" / "compose-spec.json"
REGISTRY_SERVICES = ("migrate", "web", "worker")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose(example_variables())


def schema_errors(document: dict[str, Any]) -> list[str]:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    # The file names draft 2019-09 as ".../draft/2019-09/schema#"; the trailing "#" hides it
    # from jsonschema's lookup, so the draft is named here.
    jsonschema.Draft201909Validator.check_schema(schema)
    validator = jsonschema.Draft201909Validator(schema)
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(document)
    ]


def test_compose_file_matches_the_compose_schema(compose: dict[str, Any]) -> None:
    assert schema_errors(compose) == []


def test_the_schema_check_rejects_what_compose_would(compose: dict[str, Any]) -> None:
    # The validator is strict where it matters: a misspelt key or a bad type is an error.
    broken = yaml.safe_load(yaml.safe_dump(compose))
    broken["services"]["web"]["helthcheck"] = broken["services"]["web"].pop("healthcheck")
    broken["services"]["worker"]["deploy"] = {"replicas": "two"}
    errors = schema_errors(broken)
    assert any("helthcheck" in error for error in errors), errors
    assert any(error.startswith("services/worker/deploy/replicas") for error in errors), errors


def test_every_required_variable_is_in_env_example() -> None:
    raw = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    interpolate(raw, example_variables())  # raises MissingVariable for one it lacks
    with pytest.raises(MissingVariable, match="POSTGRES_PASSWORD|MINIO_ROOT_PASSWORD|CLOUDM"):
        interpolate(raw, {})


def test_registry_services_use_the_image_commands_and_declared_settings(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    declared = {name for variable in variables() for name in variable.names}
    for name in REGISTRY_SERVICES:
        service = services[name]
        assert service["build"] == {"context": "..", "dockerfile": "Dockerfile"}
        assert (REPO / "infra" / service["build"]["context"] / "Dockerfile").is_file()
        unknown = set(service["environment"]) - declared
        assert not unknown, f"{name}: not registry settings: {sorted(unknown)}"
    assert [services[name]["command"] for name in REGISTRY_SERVICES] == [
        ["migrate"],
        ["serve"],
        ["worker"],
    ]
    # The CLI knows each command (argparse's sub-commands of `tb-registry`).
    from registry.cli import build_parser

    parser_commands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert {services[name]["command"][0] for name in REGISTRY_SERVICES} <= set(parser_commands)


def test_web_is_replicated_ready_checked_and_after_migrate(compose: dict[str, Any]) -> None:
    services = compose["services"]
    web = services["web"]
    assert web["deploy"]["replicas"] >= 2
    assert web["healthcheck"]["test"][-1] == "/api/v1/ready"
    assert read_image().healthcheck[-1] == "/api/v1/health"
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    # The one-shot without HTTP switches the image's HTTP probe off instead of being
    # "unhealthy"; the worker has a probe of its own (its heartbeat, read by the CLI).
    assert services["migrate"]["healthcheck"] == {"disable": True}
    assert services["worker"]["healthcheck"]["test"] == ["CMD", "tb-registry", "worker", "--check"]
    from registry.cli import build_parser

    assert build_parser().parse_args(services["worker"]["healthcheck"]["test"][2:]).check
    assert services["migrate"]["restart"] == "no"
    assert services["nginx"]["depends_on"]["web"] == {"condition": "service_healthy"}
    # nginx is another container: without trusting its address (here one of Docker's
    # default bridge networks), every client would share nginx's (rate limits, audit).
    trusted = load_settings(services["web"]["environment"]).trusted_proxies
    nginx_address = ipaddress.ip_address("172.18.0.3")
    assert any(nginx_address in ipaddress.ip_network(entry) for entry in trusted), trusted


def test_every_service_has_a_healthcheck_or_is_one_shot(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        one_shot = service.get("restart") == "no"
        checked = "healthcheck" in service and not service["healthcheck"].get("disable")
        assert one_shot or checked, name


def test_images_are_pinned_and_volumes_declared(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        if "build" in service:
            continue
        image = service["image"]
        assert ":" in image and not image.endswith(":latest"), f"{name}: unpinned {image}"
    named_volumes = set(compose["volumes"])
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("."):
                assert (COMPOSE_FILE.parent / source).is_file(), f"{name}: {source} missing"
            else:
                assert source in named_volumes, f"{name}: volume {source} not declared"


def test_bucket_service_creates_the_buckets_the_registry_uses(compose: dict[str, Any]) -> None:
    services = compose["services"]
    script = services["buckets"]["command"][0]
    env = services["web"]["environment"]
    assert services["buckets"]["environment"] == env
    created = re.findall(r'mc mb --ignore-existing "(\w+)/\$(\w+)"', script)
    assert created == [("primary", "MINIO_PRIMARY_BUCKET"), ("mirror", "MINIO_MIRROR_BUCKET")]
    assert env["MINIO_PRIMARY_BUCKET"] != env["MINIO_MIRROR_BUCKET"]
    for store in ("primary", "mirror"):
        host = env[f"MINIO_{store.upper()}_ENDPOINT"].split(":")[0]
        assert host == f"minio-{store}" and host in services
