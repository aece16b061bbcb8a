"""infra/k8s/base: every manifest validates against the Kubernetes API schemas (offline, from
the kubernetes-validate package, strict: unknown fields fail), the kustomization lists exactly
the files there, and the pods run the image's commands with the probes and user it expects."""

from __future__ import annotations

from typing import Any

import kubernetes_validate
import pytest
import yaml

from registry.settings_docs import variables
from tests.infra.compose_file import REPO, read_image

BASE = REPO / "infra" / "k8s" / "base"
# The oldest and the newest API the package carries schemas for.
KUBERNETES_VERSIONS = ("1.25.0", kubernetes_validate.latest_version())
# Kustomization fields this test understands; a base that grows others (patches, generators)
# needs the build below taught about them first.
UNDERSTOOD = {"apiVersion", "kind", "resources"}


def kustomize_build() -> list[dict[str, Any]]:
    """The resources `kustomize build` would emit for this base: with only `resources` listed,
    that is each listed file's documents, unchanged (kubectl is not on every machine)."""
    kustomization = yaml.safe_load((BASE / "kustomization.yaml").read_text(encoding="utf-8"))
    assert kustomization["kind"] == "Kustomization"
    assert set(kustomization) <= UNDERSTOOD, set(kustomization) - UNDERSTOOD
    documents = []
    for name in kustomization["resources"]:
        path = BASE / name
        assert path.is_file(), f"kustomization lists {name}, which does not exist"
        documents += [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]
    return documents


@pytest.fixture(scope="module")
def resources() -> dict[tuple[str, str], dict[str, Any]]:
    return {(doc["kind"], doc["metadata"]["name"]): doc for doc in kustomize_build()}


def test_kustomization_lists_every_manifest_once() -> None:
    kustomization = yaml.safe_load((BASE / "kustomization.yaml").read_text(encoding="utf-8"))
    listed = kustomization["resources"]
    assert len(listed) == len(set(listed))
    on_disk = {p.name for p in BASE.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(listed) == on_disk


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_manifests_validate_against_the_kubernetes_schemas(
    resources: dict[tuple[str, str], dict[str, Any]], version: str
) -> None:
    for key, document in resources.items():
        try:
            kubernetes_validate.validate(document, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{key} against Kubernetes {version}: {exc.message}")


def test_validation_rejects_a_misspelt_field(
    resources: dict[tuple[str, str], dict[str, Any]],
) -> None:
    web = yaml.safe_load(yaml.safe_dump(resources[("Deployment", "tb-registry-web")]))
    container = web["spec"]["template"]["spec"]["containers"][0]
    container["readinesProbe"] = container.pop("readinessProbe")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(web, KUBERNETES_VERSIONS[-1], strict=True)


def _pod(resource: dict[str, Any]) -> dict[str, Any]:
    return resource["spec"]["template"]["spec"]


def test_workloads_run_the_image_commands_as_its_user(
    resources: dict[tuple[str, str], dict[str, Any]],
) -> None:
    image = read_image()
    uid_gid = image.user.split(":")
    workloads = {
        ("Deployment", "tb-registry-web"): ["serve"],
        ("Deployment", "tb-registry-worker"): ["worker"],
        ("Job", "tb-registry-migrate"): ["migrate"],
    }
    env_sources = {
        ("ConfigMap", "tb-registry-config"): "configMapRef",
        ("Secret", "tb-registry-secrets"): "secretRef",
    }
    for key, args in workloads.items():
        pod = _pod(resources[key])
        (container,) = pod["containers"]
        # `args` keep the image's ENTRYPOINT (tb-registry); `command` would replace it.
        assert container["args"] == args and "command" not in container, key
        # The image's numeric USER, so runAsNonRoot can be checked by the kubelet.
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert [str(pod["securityContext"][k]) for k in ("runAsUser", "runAsGroup")] == uid_gid
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        mounts = {mount["mountPath"] for mount in container["volumeMounts"]}
        assert image.environment["DATA_DIR"] in mounts, key
        referenced = {
            (ref, source[ref]["name"]) for source in container["envFrom"] for ref in source
        }
        assert referenced == {(ref, name) for (_, name), ref in env_sources.items()}, key
    for key in env_sources:
        assert key in resources


def test_web_probes_and_service(resources: dict[tuple[str, str], dict[str, Any]]) -> None:
    web = resources[("Deployment", "tb-registry-web")]
    (container,) = _pod(web)["containers"]
    (port,) = container["ports"]
    assert str(port["containerPort"]) == read_image().environment["SERVER_PORT"]
    assert container["readinessProbe"]["httpGet"] == {"path": "/api/v1/ready", "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/api/v1/health", "port": "http"}
    assert web["spec"]["replicas"] >= 2
    labels = web["spec"]["template"]["metadata"]["labels"]
    assert web["spec"]["selector"]["matchLabels"].items() <= labels.items()
    service = resources[("Service", "tb-registry-web")]
    assert service["spec"]["selector"].items() <= labels.items()
    assert service["spec"]["ports"][0]["targetPort"] == port["name"]
    worker = resources[("Deployment", "tb-registry-worker")]
    assert worker["spec"]["selector"]["matchLabels"] != web["spec"]["selector"]["matchLabels"]


def test_config_holds_only_registry_settings_and_the_secret_the_credentials(
    resources: dict[tuple[str, str], dict[str, Any]],
) -> None:
    declared = {name for variable in variables() for name in variable.names}
    config = resources[("ConfigMap", "tb-registry-config")]["data"]
    secret = resources[("Secret", "tb-registry-secrets")]["stringData"]
    assert not (set(config) | set(secret)) - declared
    assert not set(config) & set(secret)
    assert "CLOUDM_JWT_SECRET" in secret and "DATABASE_URL" in secret
    assert not [name for name in config if "SECRET" in name or "PASSWORD" in name]


def test_worker_liveness_is_the_cli_heartbeat_check(
    resources: dict[tuple[str, str], dict[str, Any]],
) -> None:
    from registry.cli import build_parser

    (container,) = _pod(resources[("Deployment", "tb-registry-worker")])["containers"]
    probe = container["livenessProbe"]
    # An exec probe skips the ENTRYPOINT: the image's command itself, then the worker's check.
    command = probe["exec"]["command"]
    assert command == [*read_image().entrypoint, *container["args"], "--check"]
    assert build_parser().parse_args(command[1:]).check
    # The heartbeat lives in /tmp, writable although the root filesystem is read-only.
    assert "/tmp" in {mount["mountPath"] for mount in container["volumeMounts"]}
    # Restarted only after the heartbeat has been stale for several periods.
    assert probe["periodSeconds"] * probe["failureThreshold"] >= 30
    assert "readinessProbe" not in container  # no traffic is routed to a worker
