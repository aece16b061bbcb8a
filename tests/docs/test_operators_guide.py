"""docs/operators.md names only settings and commands that exist.

The guide is prose, so it cannot be run like docs/api.md; what rots in prose is a renamed
setting or command. Every `UPPER_CASE` name in backticks must be a declared setting (or one of
the few variables other programs read, listed below with why), and every `tb-registry COMMAND`
must be a command of the CLI.
"""

from __future__ import annotations

import re
from pathlib import Path

from registry.cli import build_parser
from registry.settings_docs import variables

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "operators.md"

# Variables the guide names that belong to other programs, not to the registry.
OTHER_PROGRAMS = {
    "TB_JWT_SECRET": "ToolBoxV2's secret, which CLOUDM_JWT_SECRET must equal",
    "TB_COOKIE_SECRET": "ToolBoxV2's fallback for TB_JWT_SECRET",
    "REGISTRY_BASE_URL": "ToolBoxV2's registry client and mod manager",
    "TB_REGISTRY_URL": "ToolBoxV2's feature loader",
    "HTTP(S)_PROXY": "the proxy variables outbound requests ignore",
}
# Capitals in backticks that are not variables at all.
NOT_VARIABLES = {
    "DIR": "the argument of export and import",
    "SERVICE_UNAVAILABLE": "a GraphQL error code",
}

# A backticked name of capitals, digits and underscores; `*` and `<NAME>` stand for parts.
VARIABLE = re.compile(r"`([A-Z][A-Z0-9_]*(?:<NAME>|\*|\(S\))?[A-Z0-9_]*\*?)`")
COMMAND = re.compile(r"tb-registry ([a-z][a-z-]*)")


def _as_pattern(declared: str) -> re.Pattern[str]:
    # MIRROR_<NAME>_ENDPOINT matches MIRROR_EU_ENDPOINT.
    return re.compile(re.escape(declared).replace(re.escape("<NAME>"), "[A-Z0-9]+"))


def _declared() -> list[str]:
    return [name for variable in variables() for name in variable.names]


def _known(name: str, declared: list[str]) -> bool:
    if name in OTHER_PROGRAMS or name in NOT_VARIABLES or name in declared:
        return True
    if name.endswith("*"):  # a family: RATE_LIMIT_*, MINIO_PRIMARY_*
        return any(each.startswith(name[:-1]) for each in declared)
    return any(_as_pattern(each).fullmatch(name) for each in declared)


def test_every_setting_the_guide_names_is_declared() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    declared = _declared()
    named = set(VARIABLE.findall(text))
    assert len(named) > 20, "the guide names settings; the pattern must find them"
    unknown = sorted(name for name in named if not _known(name, declared))
    assert not unknown, f"docs/operators.md names settings that do not exist: {unknown}"


def test_every_command_the_guide_names_exists() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    subparsers = next(
        action
        for action in build_parser()._actions
        if action.dest == "command"  # the COMMAND sub-parsers
    )
    commands = set(subparsers.choices)  # type: ignore[arg-type]
    named = set(COMMAND.findall(text))
    assert {"serve", "worker", "migrate", "export", "import"} <= named
    unknown = sorted(named - commands)
    assert not unknown, f"docs/operators.md names commands that do not exist: {unknown}"


def test_the_checker_finds_a_renamed_setting() -> None:
    declared = _declared()
    assert _known("MIRROR_EU_ENDPOINT", declared)
    assert _known("RATE_LIMIT_*", declared)
    assert not _known("MIRROR_EU_ENDPIONT", declared)
    assert not _known("CLOUDM_JWT_SECRETS", declared)
