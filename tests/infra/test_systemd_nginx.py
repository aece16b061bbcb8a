"""infra/systemd and infra/nginx: the units run the CLI's commands with settings the registry
accepts, and nginx's upstream is where the web unit listens, with the proxy settings the
registry relies on (upload size, streaming, timeouts, forwarded headers)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import crossplane
import pytest

from registry.cli import build_parser
from registry.config import load_settings
from registry.settings_docs import variables
from tests.infra.compose_file import (
    COMPOSE_FILE,
    REPO,
    example_variables,
    load_compose,
    read_env_file,
)

SYSTEMD = REPO / "infra" / "systemd"
NGINX = REPO / "infra" / "nginx"
UNITS = {"tb-registry-web.service": "serve", "tb-registry-worker.service": "worker"}


def read_unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """A unit file as {section: {key: [values, in order]}} (keys such as Environment= repeat,
    which configparser refuses; a short reader of systemd's syntax instead)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None, f"{path.name}: {line!r} outside a section"
        key, equals, value = line.partition("=")
        assert equals, f"{path.name}: not key=value: {line!r}"
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


ENV_EXAMPLE = SYSTEMD / "registry.env.example"


@pytest.mark.parametrize(("unit", "command"), UNITS.items())
def test_unit_runs_the_cli_command_with_accepted_settings(unit: str, command: str) -> None:
    sections = read_unit(SYSTEMD / unit)
    assert set(sections) == {"Unit", "Service", "Install"}
    service = sections["Service"]
    (start,) = service["ExecStart"]
    argv = shlex.split(start)
    assert argv[0].endswith("/.venv/bin/tb-registry") and argv[1:] == [command]
    assert service["User"] == ["tb-registry"] and service["Restart"] == ["on-failure"]
    assert service["EnvironmentFile"] == ["/etc/tb-registry/registry.env"]
    for pre in service.get("ExecStartPre", []):
        build_parser().parse_args(shlex.split(pre)[1:])  # exits on an unknown command
    environment = dict(entry.split("=", 1) for entry in service.get("Environment", []))
    # The state directory systemd creates is the data directory.
    assert environment["DATA_DIR"] == f"/var/lib/{service['StateDirectory'][0]}"
    settings = {**read_env_file(ENV_EXAMPLE), **environment}
    declared = {name for variable in variables() for name in variable.names}
    assert not set(settings) - declared
    loaded = load_settings(settings)
    assert loaded.uses_redis and not loaded.is_sqlite
    assert loaded.primary_storage.kind == "s3" and [m.name for m in loaded.mirrors] == ["mirror"]


def test_web_unit_migrates_before_serving_and_worker_starts_after_it() -> None:
    web = read_unit(SYSTEMD / "tb-registry-web.service")
    assert [shlex.split(pre)[1:] for pre in web["Service"]["ExecStartPre"]] == [["migrate"]]
    worker = read_unit(SYSTEMD / "tb-registry-worker.service")
    assert "tb-registry-web.service" in worker["Unit"]["After"][0].split()


def test_nginx_upstream_is_the_web_unit_and_compose_service() -> None:
    web = read_unit(SYSTEMD / "tb-registry-web.service")["Service"]
    environment = dict(entry.split("=", 1) for entry in web["Environment"])
    local = (NGINX / "upstream-local.conf").read_text(encoding="utf-8")
    assert f"server {environment['SERVER_HOST']}:{environment['SERVER_PORT']};" in local
    compose = (NGINX / "upstream-compose.conf").read_text(encoding="utf-8")
    assert "server web:4025 resolve;" in compose
    site = (NGINX / "tb-registry.conf").read_text(encoding="utf-8")
    assert "proxy_pass http://tb_registry;" in site
    assert "include /etc/nginx/snippets/tb-registry-proxy.conf;" in site


def _directives(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            assert line.endswith(";"), f"{path.name}: {line!r}"
            name, _, value = line[:-1].partition(" ")
            found[f"{name} {value.split()[0]}" if name == "proxy_set_header" else name] = value
    return found


def _bytes(size: str) -> int:
    match = re.fullmatch(r"(\d+)([kmg]?)", size.lower())
    assert match, size
    return int(match.group(1)) * 1024 ** " kmg".index(match.group(2) or " ")


def test_nginx_proxy_settings() -> None:
    proxy = _directives(NGINX / "proxy.conf")
    # Room for the largest upload the registry accepts by default, with the multipart envelope.
    default_upload = load_settings({}).max_upload_bytes
    assert _bytes(proxy["client_max_body_size"]) > default_upload
    assert proxy["proxy_request_buffering"] == "off"
    assert int(proxy["proxy_read_timeout"].rstrip("s")) >= 60
    assert proxy["proxy_set_header X-Forwarded-For"].endswith("$proxy_add_x_forwarded_for")
    assert proxy["proxy_set_header X-Forwarded-Proto"].endswith("$scheme")
    assert proxy["proxy_set_header Upgrade"].endswith("$http_upgrade")


def nginx_tree(root: Path, upstream: str) -> Path:
    """An nginx configuration under `root` laid out as the compose `nginx` service mounts the
    files (its volumes), `upstream` as conf.d/upstream.conf, and the official image's main file
    around them (`include /etc/nginx/conf.d/*.conf` in `http`). Absolute /etc/nginx paths in the
    files point into `root`."""
    service = load_compose(example_variables())["services"]["nginx"]
    mounts = {}
    for volume in service["volumes"]:
        source, target, *_ = volume.split(":")
        mounts[target] = COMPOSE_FILE.parent / source
    mounts["/etc/nginx/conf.d/upstream.conf"] = NGINX / upstream
    for target, source in mounts.items():
        placed = root / target.lstrip("/")
        placed.parent.mkdir(parents=True, exist_ok=True)
        placed.write_text(
            source.read_text(encoding="utf-8").replace("/etc/nginx/", f"{root}/etc/nginx/")
        )
    main = root / "etc" / "nginx" / "nginx.conf"
    main.write_text(f"events {{}}\nhttp {{\n    include {root}/etc/nginx/conf.d/*.conf;\n}}\n")
    return main


def parse_errors(main: Path) -> list[str]:
    # strict: unknown directives are errors. `map` bodies are ignored: crossplane reads their
    # value pairs as directives.
    parsed = crossplane.parse(str(main), strict=True, ignore=["map"])
    return [error["error"] for error in parsed["errors"]]


@pytest.mark.parametrize("upstream", ["upstream-compose.conf", "upstream-local.conf"])
def test_nginx_configuration_parses(tmp_path: Path, upstream: str) -> None:
    main = nginx_tree(tmp_path, upstream)
    assert parse_errors(main) == []
    snippet = tmp_path / "etc" / "nginx" / "snippets" / "tb-registry-proxy.conf"
    snippet.write_text(snippet.read_text().replace("proxy_buffering", "proxy_bufering"))
    assert any("proxy_bufering" in error for error in parse_errors(main))
