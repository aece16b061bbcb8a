"""Manifest lookup (§6), parsing and mapping (§7), and the safe YAML loader."""

from __future__ import annotations

import pytest

from domain.manifest import (
    DependencySpec,
    ManifestError,
    ManifestKind,
    compare_manifest,
    find_feature_manifest,
    find_manifest,
    load_yaml,
    manifest_kind_for,
    parse_dependencies,
    parse_manifest,
    parse_requirement,
)

# --- lookup -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (
            ["CloudM/tbConfig.yaml", "tbConfig.yaml", "CloudM.yaml", "feature.yaml"],
            "CloudM/tbConfig.yaml",
        ),
        (["tbConfig.yaml", "CloudM.yaml", "CloudM/CloudM.yaml"], "tbConfig.yaml"),
        (["CloudM.yaml", "CloudM/CloudM.yaml", "feature.yaml"], "CloudM.yaml"),
        (["CloudM/CloudM.yaml", "feature.yaml"], "CloudM/CloudM.yaml"),
        (["feature.yaml", "x/feature.yaml"], "feature.yaml"),
        (["other/tbConfig.yaml", "CloudM/sub/tbConfig.yaml", "README.md"], None),
        ([], None),
    ],
)
def test_lookup_order(names: list[str], expected: str | None) -> None:
    assert find_manifest(names, "CloudM") == expected


def test_exact_spelling_wins_over_case_insensitive() -> None:
    # `cloudm/tbconfig.yaml` would be first in the order, but only case-insensitively.
    assert find_manifest(["cloudm/tbconfig.yaml", "tbConfig.yaml"], "CloudM") == "tbConfig.yaml"


def test_case_insensitive_fallback_follows_the_order() -> None:
    names = ["CLOUDM.YAML", "cloudm/TBCONFIG.YAML"]
    assert find_manifest(names, "CloudM") == "cloudm/TBCONFIG.YAML"


def test_folder_entries_never_match() -> None:
    assert find_manifest(["tbConfig.yaml/", "CloudM/"], "CloudM") is None
    assert find_feature_manifest(["feature.yaml/"]) is None
    assert find_feature_manifest(["Feature.YAML"]) == "Feature.YAML"


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("CloudM/tbConfig.yaml", ManifestKind.TBCONFIG),
        ("TBCONFIG.yaml", ManifestKind.TBCONFIG),
        ("CloudM.yaml", ManifestKind.SINGLE_FILE),
        ("CloudM/CloudM.yaml", ManifestKind.SINGLE_FILE),
        ("feature.yaml", ManifestKind.FEATURE),
    ],
)
def test_kind_follows_the_path(path: str, kind: ManifestKind) -> None:
    assert manifest_kind_for(path) == kind


# --- mapping ------------------------------------------------------------------------------

TBCONFIG = b"""\
module_name: CloudM
version: 0.1.10
config_version: "2.0"
module_type: package
description: Cloud management for ToolBoxV2
author: Markin
license: MIT
homepage: https://example.com/cloudm
dependencies_file: C:/Users/someone/requirements.txt
zip: CloudM-0.1.10.zip
platforms:
  server: {files: ["*"], required: true}
  client: {files: ["ui/*"], required: false}
metadata:
  keywords: [cloud, users]
  author_email: m@example.com
dependencies:
  - DB
  - isaa>=0.2.0
"""


def test_tbconfig_mapping() -> None:
    manifest = parse_manifest(TBCONFIG, "tbconfig", path="CloudM/tbConfig.yaml")
    assert manifest.name == "CloudM"
    assert manifest.version == "0.1.10"  # text, not the float 0.1
    assert manifest.description == "Cloud management for ToolBoxV2"
    assert (manifest.author, manifest.license) == ("Markin", "MIT")
    assert manifest.homepage == "https://example.com/cloudm"
    assert manifest.keywords == ["cloud", "users"]
    assert manifest.platforms == ["server", "client"]
    assert manifest.dependencies == [DependencySpec("DB"), DependencySpec("isaa", ">=0.2.0")]
    assert not manifest.is_feature
    assert manifest.warnings == []
    assert manifest.to_dict()["dependencies"][1] == {
        "name": "isaa",
        "version_spec": ">=0.2.0",
        "optional": False,
    }


def test_single_file_mapping_and_documented_optional_fields() -> None:
    text = b"""\
name: my_mod
display_name: My Mod
version: 1.0
file_path: my_mod.py
repository: https://github.com/x/my_mod
keywords: [a, b]
metadata: {keywords: [ignored]}
toolbox_version: ">=0.1.20,<0.2"
visibility: Unlisted
specification: {exports: [run], functions: [run], classes: [], requires: [os]}
dependencies: [requests>=2.0]
platforms: [server, desktop]
"""
    manifest = parse_manifest(text, ManifestKind.SINGLE_FILE, path="my_mod.yaml")
    assert manifest.name == "my_mod"
    assert manifest.display_name == "My Mod"
    assert manifest.version == "1.0"
    assert manifest.repository == "https://github.com/x/my_mod"
    assert manifest.keywords == ["a", "b"]  # `keywords` wins over metadata.keywords
    assert manifest.toolbox_version == ">=0.1.20,<0.2"
    assert manifest.visibility == "unlisted"
    # pip packages listed in a single-file manifest are stored; resolve skips unknown names.
    assert manifest.dependencies == [DependencySpec("requests", ">=2.0")]
    assert manifest.platforms == ["server", "desktop"]


def test_feature_yaml_mapping() -> None:
    text = b"""\
name: web
version: 0.3.0
description: Web server feature
files: [web/*]
enabled: true
immutable: false
imports: [toolboxv2.web]
commands: [{name: serve}]
dependencies: [starlette>=0.40, uvicorn]
requires: [core, tbv2-feature-auth, "db >= 1.0"]
"""
    manifest = parse_manifest(text, ManifestKind.FEATURE, path="feature.yaml")
    assert manifest.is_feature
    assert manifest.name == "web"
    assert manifest.dependencies == [
        DependencySpec("tbv2-feature-core"),
        DependencySpec("tbv2-feature-auth"),
        DependencySpec("tbv2-feature-db", ">= 1.0"),
    ]
    assert manifest.python_requirements == ["starlette>=0.40", "uvicorn"]


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("CloudM", DependencySpec("CloudM", "*")),
        ("CloudM>=2.0.0", DependencySpec("CloudM", ">=2.0.0")),
        ("CloudM >= 2.0.0", DependencySpec("CloudM", ">= 2.0.0")),
        ("some-mod >= 1.0.0 < 2.0.0", DependencySpec("some-mod", ">= 1.0.0 < 2.0.0")),
        ("my_mod ^1.2.3", DependencySpec("my_mod", "^1.2.3")),
        ("  DB  ", DependencySpec("DB", "*")),
        ("isaa==0.2.0", DependencySpec("isaa", "==0.2.0")),
    ],
)
def test_requirement_strings(entry: str, expected: DependencySpec) -> None:
    assert parse_requirement(entry) == expected


def test_every_dependency_form() -> None:
    value = load_yaml(b"""\
- CloudM
- CloudM >= 2.0.0
- {name: DB, version_spec: "~1.2.0"}
- {name: isaa, version: 0.2.0, optional: true}
- {name: opt, optional: "yes"}
- {name: "withspec>=3"}
- Widgets: ^1.0.0
  Themes: ""
- Bare: null
- Nested: {version: ">=2", optional: true}
""")
    deps, warnings = parse_dependencies(value)
    assert deps == [
        DependencySpec("CloudM", "*"),
        DependencySpec("CloudM", ">= 2.0.0"),
        DependencySpec("DB", "~1.2.0"),
        DependencySpec("isaa", "0.2.0", optional=True),
        DependencySpec("opt", "*", optional=True),
        DependencySpec("withspec", ">=3"),
        DependencySpec("Widgets", "^1.0.0"),
        DependencySpec("Themes", "*"),
        DependencySpec("Bare", "*"),
        DependencySpec("Nested", ">=2", optional=True),
    ]
    assert warnings == []


def test_top_level_map_and_single_string() -> None:
    assert parse_dependencies({"CloudM": ">=1", "DB": None})[0] == [
        DependencySpec("CloudM", ">=1"),
        DependencySpec("DB", "*"),
    ]
    assert parse_dependencies("CloudM>=1")[0] == [DependencySpec("CloudM", ">=1")]
    assert parse_dependencies(None) == ([], [])


def test_unusable_entries_are_skipped_with_a_warning() -> None:
    deps, warnings = parse_dependencies(["@scope/pkg", 42, {"version": "1"}, "ok", ["nested"]])
    assert deps == [DependencySpec("ok")]
    assert len(warnings) == 4


def test_dependencies_of_the_wrong_type_are_invalid() -> None:
    with pytest.raises(ManifestError, match="dependencies"):
        parse_manifest(b"module_name: X\ndependencies: 5\n".replace(b"5", b"!!int 5"))


def test_text_fields_tolerate_odd_types() -> None:
    manifest = parse_manifest(
        b"module_name: X\nauthor: [Ann, Bob]\nlicense: {spdx: MIT}\n"
        b"keywords: 'a, b ,c'\nvisibility: secret\n"
    )
    assert manifest.author == "Ann, Bob"
    assert manifest.license is None
    assert manifest.keywords == ["a", "b", "c"]
    assert manifest.visibility is None
    assert len(manifest.warnings) == 2


def test_names_and_versions_stay_text() -> None:
    manifest = parse_manifest(b"module_name: 007\nversion: 1.10\ntoolbox_version: 0.1\n")
    assert (manifest.name, manifest.version, manifest.toolbox_version) == ("007", "1.10", "0.1")


# --- safety -------------------------------------------------------------------------------


def billion_laughs(levels: int = 9) -> bytes:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for index in range(1, levels):
        name, previous = chr(ord("a") + index), chr(ord("a") + index - 1)
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 10) + "]")
    return ("\n".join(lines) + "\n").encode()


def test_alias_bomb_is_refused_quickly() -> None:
    import time

    started = time.perf_counter()
    with pytest.raises(ManifestError, match="alias bomb"):
        parse_manifest(billion_laughs())
    assert time.perf_counter() - started < 1.0


def test_small_legitimate_aliases_and_merges_still_work() -> None:
    manifest = parse_manifest(
        b"base: &base {license: MIT}\nmodule_name: X\n<<: *base\n"
        b"dependencies: &deps [DB]\nmirror: *deps\n"
    )
    assert manifest.license == "MIT"
    assert manifest.dependencies == [DependencySpec("DB")]


def test_recursive_alias_is_refused() -> None:
    with pytest.raises(ManifestError, match="recursive"):
        parse_manifest(b"a: &a [*a]\n")


def test_deep_nesting_is_refused() -> None:
    with pytest.raises(ManifestError, match="nests"):
        parse_manifest(b"a: " + b"[" * 200 + b"]" * 200 + b"\n")


def test_size_limit() -> None:
    with pytest.raises(ManifestError, match="larger than"):
        parse_manifest(b"# " + b"x" * (256 * 1024) + b"\nmodule_name: X\n")
    with pytest.raises(ManifestError, match="larger than"):
        parse_manifest(b"module_name: X\n" * 10, max_bytes=64)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"module_name: [unclosed\n", "not valid YAML at line"),
        (b"", "is empty"),
        (b"- a\n- b\n", "must be a YAML mapping"),
        (b"x: !!python/object/apply:os.system ['true']\n", "not valid YAML"),
        (b"\xff\xfe\x00\xd8", "not valid UTF-16"),
        (b"a: \x80\n", "not valid UTF-8"),
        (b"a: 1\n---\nb: 2\n", "not valid YAML"),
    ],
)
def test_invalid_manifests(text: bytes, message: str) -> None:
    with pytest.raises(ManifestError, match=message) as raised:
        parse_manifest(text, path="CloudM/tbConfig.yaml")
    assert raised.value.message.startswith("CloudM/tbConfig.yaml")
    assert isinstance(raised.value, ValueError)


def test_utf8_bom_is_accepted() -> None:
    assert parse_manifest("\ufeffmodule_name: X\n".encode()).name == "X"


# --- comparison and reading ---------------------------------------------------------------


def test_compare_manifest_warns_but_never_raises() -> None:
    manifest = parse_manifest(b"module_name: CloudM\nversion: 0.0.5\n", path="tbConfig.yaml")
    assert compare_manifest(manifest, "cloudm", "0.0.5") == []
    assert compare_manifest(manifest, "CloudM", "0.0.5.0") == []  # PEP 440 equal
    warnings = compare_manifest(manifest, "Other", "1.0.0")
    assert len(warnings) == 2
    assert "'CloudM'" in warnings[0] and "'Other'" in warnings[0]
    assert "0.0.5" in warnings[1] and "1.0.0" in warnings[1]
    assert compare_manifest(manifest, None, None) == []
