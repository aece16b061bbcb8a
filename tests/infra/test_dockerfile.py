"""The Dockerfile: hadolint finds nothing, every file it copies is in the build context, and the
image's entrypoint, user and health probe are the ones the deployment files rely on.

There is no Docker daemon here, so the image is not built; tests/infra/test_compose_processes.py
runs its entrypoint, environment and probe from this checkout instead.
"""

from __future__ import annotations

import fnmatch
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import dockerfile

from tests.infra.compose_file import DOCKERFILE, REPO, healthcheck_argv, read_image
from tests.process.server import free_port

HADOLINT = Path(sys.executable).parent / "hadolint"
DOCKERIGNORE = REPO / ".dockerignore"


def hadolint(path: Path) -> list[dict[str, object]]:
    result = subprocess.run(
        [str(HADOLINT), "--no-color", "--format", "json", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip(), result.stderr
    return json.loads(result.stdout)


def test_hadolint_finds_nothing() -> None:
    # Every level counts: error, warning, info and style.
    assert hadolint(DOCKERFILE) == []


def test_hadolint_does_flag_a_careless_dockerfile(tmp_path: Path) -> None:
    careless = tmp_path / "Dockerfile"
    careless.write_text("FROM python\nRUN apt-get update && apt-get install -y libmagic1\n")
    codes = {finding["code"] for finding in hadolint(careless)}
    assert {"DL3006", "DL3008", "DL3009", "DL3015"} <= codes


def dockerignore_allows(relative: str) -> bool:
    """Whether Docker sends `relative` (a path in the repository) to the builder.

    Docker's rules, hand-written because no kept Python package implements them (pathspec's
    gitignore rules differ): patterns are matched per path component (`*` never crosses `/`,
    `**` spans any number of components), a pattern that matches a parent folder matches
    everything inside it, `!` re-includes, and the last matching pattern wins.
    """
    parts = relative.split("/")
    allowed = True
    for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines():
        pattern = line.strip()
        if not pattern or pattern.startswith("#"):
            continue
        include = pattern.startswith("!")
        pattern_parts = pattern.lstrip("!").strip("/").split("/")
        if any(_match(pattern_parts, parts[:end]) for end in range(1, len(parts) + 1)):
            allowed = include
    return allowed


def _match(pattern: list[str], path: list[str]) -> bool:
    if not pattern:
        return not path
    if pattern[0] == "**":
        return any(_match(pattern[1:], path[skip:]) for skip in range(len(path) + 1))
    return bool(path) and fnmatch.fnmatchcase(path[0], pattern[0]) and _match(pattern[1:], path[1:])


def test_dockerignore_rules_as_docker_reads_them() -> None:
    assert dockerignore_allows("registry/cli.py")
    assert dockerignore_allows("web/dist/index.html")
    assert not dockerignore_allows("registry/__pycache__/cli.cpython-311.pyc")
    assert not dockerignore_allows("tests/conftest.py")
    assert not dockerignore_allows(".env")
    assert not dockerignore_allows("data/registry.sqlite3")
    assert not dockerignore_allows("web/src/main.ts")


def test_every_copied_path_exists_and_is_in_the_build_context() -> None:
    sources = [
        source
        for command in dockerfile.parse_file(str(DOCKERFILE))
        if command.cmd == "COPY" and not any(f.startswith("--from") for f in command.flags)
        for source in command.value[:-1]
    ]
    assert sources
    for source in sources:
        path = REPO / source
        assert path.exists(), f"COPY {source}: not in the repository"
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        shipped = [f for f in files if dockerignore_allows(str(f.relative_to(REPO)))]
        assert shipped, f"COPY {source}: excluded by .dockerignore"
    # What the running registry reads from disk is among them: every package of the
    # project (pyproject's wheel packages, with their static files) and the built web UI.
    copied = set(sources)
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    packages = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    assert set(packages) <= copied, set(packages) - copied
    assert {"web/dist", "schema", "infra/docker/healthcheck.py"} <= copied
    assert (REPO / "schema" / "graphiql" / "static" / "graphiql.js").is_file()


def test_image_runs_tb_registry_as_a_non_root_user() -> None:
    commands = dockerfile.parse_file(str(DOCKERFILE))
    runtime = commands[max(i for i, c in enumerate(commands) if c.cmd == "FROM") :]
    image = read_image()
    assert image.entrypoint == ["tb-registry"]
    assert [c.value for c in runtime if c.cmd == "CMD"] == [("serve",)]
    uid = image.user.split(":")[0]
    assert uid.isdigit() and uid != "0"
    # The console script the entrypoint names is the project's.
    assert (Path(sys.executable).parent / "tb-registry").is_file()
    run_lines = " ".join(" ".join(c.value) for c in commands if c.cmd == "RUN")
    assert "uv sync --frozen --no-dev" in run_lines
    assert "libmagic1" in run_lines  # python-magic loads it at run time
    assert image.environment["SERVER_PORT"] == "4025"


def test_health_probe_fails_with_one_line_when_nothing_answers() -> None:
    probe = subprocess.run(
        healthcheck_argv(read_image().healthcheck),
        env={**os.environ, "SERVER_PORT": str(free_port())},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert probe.returncode == 1
    assert probe.stderr.startswith("unhealthy: http://127.0.0.1:")
    assert len(probe.stderr.strip().splitlines()) == 1
