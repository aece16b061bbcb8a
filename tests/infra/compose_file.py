"""infra/compose.yaml as the tests read it: loaded, interpolated, and its registry services
turned into local processes (command + environment) with the service hosts mapped.

Interpolation is hand-written: Compose's own implementation is Go (compose-go), and no kept
Python package does it. Only the forms the Compose specification defines are understood:
`$$`, `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:?message}`, `${NAME?message}`.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dockerfile
import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "infra" / "compose.yaml"
DOCKERFILE = REPO / "Dockerfile"
ENV_EXAMPLE = REPO / "infra" / "env.example"
# The registry image's code lives here (Dockerfile: WORKDIR /app); the checkout holds the same.
IMAGE_APP_DIR = "/app"

_VARIABLE = re.compile(
    r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}"
    r"|\$(?P<bare>[A-Za-z_][A-Za-z0-9_]*)"
)


class MissingVariable(LookupError):
    """A `${NAME:?message}` variable is unset (Compose refuses to start then, too)."""


def interpolate(value: Any, variables: Mapping[str, str]) -> Any:
    """`value` (a loaded YAML tree) with every variable reference replaced, as Compose does."""
    if isinstance(value, dict):
        return {key: interpolate(item, variables) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, variables) for item in value]
    if not isinstance(value, str):
        return value

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group("name") or match.group("bare")
        op, arg = match.group("op"), match.group("arg") or ""
        current = variables.get(name)
        missing = current is None or (current == "" and op is not None and op.startswith(":"))
        if op is not None and op.endswith("?") and missing:
            raise MissingVariable(f"{name}: {arg}")
        if op is not None and op.endswith("-") and missing:
            return arg
        return current or ""

    return _VARIABLE.sub(replace, value)


def read_env_file(path: Path) -> dict[str, str]:
    """An env file as compose (`.env`) and systemd (`EnvironmentFile=`) read the plain
    NAME=value lines used here; # starts a comment line."""
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            found[name.strip()] = value.strip()
    return found


def example_variables() -> dict[str, str]:
    """infra/env.example, as compose would read it copied to infra/.env."""
    return read_env_file(ENV_EXAMPLE)


def load_compose(variables: Mapping[str, str]) -> dict[str, Any]:
    """The compose file after YAML anchors/merge keys and interpolation."""
    loaded = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    return interpolate(loaded, variables)


@dataclass(frozen=True)
class Image:
    """What the runtime stage of the Dockerfile gives every container."""

    entrypoint: list[str]
    environment: dict[str, str]
    healthcheck: list[str]
    user: str  # USER as written: uid[:gid]


def read_image() -> Image:
    commands = dockerfile.parse_file(str(DOCKERFILE))
    last_from = max(i for i, command in enumerate(commands) if command.cmd == "FROM")
    runtime = commands[last_from:]
    environment: dict[str, str] = {}
    entrypoint: list[str] = []
    healthcheck: list[str] = []
    user = "root"
    for command in runtime:
        if command.cmd == "ENV":
            pairs = command.value
            environment.update(zip(pairs[::2], pairs[1::2], strict=True))
        elif command.cmd == "ENTRYPOINT":
            assert command.json, "ENTRYPOINT in exec (JSON) form, so signals reach the process"
            entrypoint = list(command.value)
        elif command.cmd == "HEALTHCHECK":
            healthcheck = list(command.value)
        elif command.cmd == "USER":
            user = command.value[0]
    return Image(entrypoint=entrypoint, environment=environment, healthcheck=healthcheck, user=user)


def local_argv(argv: list[str]) -> list[str]:
    """A command as it would run in the image, run from this checkout and virtualenv instead:
    `python` and console scripts from the venv, /app/... paths from the repository."""
    venv_bin = Path(sys.executable).parent
    local = []
    for index, part in enumerate(argv):
        if index == 0 and part == "python":
            local.append(sys.executable)
        elif index == 0 and (venv_bin / part).is_file():
            local.append(str(venv_bin / part))
        elif part.startswith(f"{IMAGE_APP_DIR}/"):
            local.append(str(REPO / part.removeprefix(f"{IMAGE_APP_DIR}/")))
        else:
            local.append(part)
    return local


def healthcheck_argv(test: list[str]) -> list[str]:
    """A compose/Dockerfile healthcheck `test` (["CMD", ...] exec form) as a local command."""
    assert test and test[0] == "CMD", f"healthcheck in exec form expected, got {test}"
    return local_argv(test[1:])
