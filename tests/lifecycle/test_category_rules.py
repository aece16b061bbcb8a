"""Curated categories without a server: the default list, a package's choice (validated,
bounded, duplicates collapsed), and the operator's list from the CATEGORIES setting."""

from __future__ import annotations

import pytest

from domain.categories import (
    DEFAULT_CATALOG,
    MAX_PACKAGE_CATEGORIES,
    CategoryCatalog,
    parse_catalog,
)
from domain.commands import CreatePackage, PackageUpdate, command_from
from domain.exceptions import InvalidInput
from domain.manifest import parse_manifest
from registry.config import ConfigError, load_settings
from registry.runtime import policy_from


def test_defaults_cover_the_ecosystem() -> None:
    slugs = [category.slug for category in DEFAULT_CATALOG]
    assert 12 <= len(slugs) <= 16 and len(set(slugs)) == len(slugs)
    for slug in ("ui-widgets", "themes", "developer-tools", "ai", "libraries", "utilities"):
        assert slug in DEFAULT_CATALOG
    assert all(category.title and category.description for category in DEFAULT_CATALOG)
    assert MAX_PACKAGE_CATEGORIES == 3


def test_a_package_choice_is_checked_against_the_catalog() -> None:
    assert DEFAULT_CATALOG.clean(["AI", "ai", " themes "]) == ["ai", "themes"]
    assert DEFAULT_CATALOG.clean("ai, themes utilities") == ["ai", "themes", "utilities"]
    assert DEFAULT_CATALOG.clean(None) == [] and DEFAULT_CATALOG.clean([]) == []
    with pytest.raises(InvalidInput) as unknown:
        DEFAULT_CATALOG.clean(["ai", "cooking"])
    assert unknown.value.field == "categories" and "cooking" in unknown.value.message
    with pytest.raises(InvalidInput) as too_many:
        DEFAULT_CATALOG.clean(["ai", "themes", "utilities", "games"])
    assert too_many.value.field == "categories" and "3" in too_many.value.message
    for hostile in (["ai"] * 10_000, "ai," * 10_000, [1, 2], {"ai": 1}):
        with pytest.raises(InvalidInput) as refused:
            DEFAULT_CATALOG.clean(hostile)
        assert refused.value.field == "categories"


def test_manifest_categories_are_lenient() -> None:
    kept, warnings = DEFAULT_CATALOG.lenient(["ai", "cooking", "themes", "games", "media"])
    assert kept == ["ai", "themes", "games"]
    assert any("cooking" in w for w in warnings) and any("first 3" in w for w in warnings)
    manifest = parse_manifest("module_name: M\nversion: 1.0.0\ncategories: [ai, themes]\n")
    assert manifest.categories == ["ai", "themes"]
    assert parse_manifest("name: M\ncategories: ai, data\n").categories == ["ai", "data"]


def test_commands_carry_categories_and_wrong_types_name_the_field() -> None:
    assert command_from({"name": "M", "categories": ["ai"]}, CreatePackage).categories == ["ai"]
    update = command_from({"categories": "ai", "status": "deprecated"}, PackageUpdate)
    assert update.changes() == {"categories": "ai", "status": "deprecated"}
    with pytest.raises(InvalidInput) as refused:
        command_from({"categories": [3]}, PackageUpdate)
    assert refused.value.field == "categories"
    with pytest.raises(InvalidInput) as refused:
        command_from({"status": "retired"}, PackageUpdate)
    assert refused.value.field == "status"


def test_operator_list_replaces_the_defaults() -> None:
    assert parse_catalog(None) is DEFAULT_CATALOG and parse_catalog("  ") is DEFAULT_CATALOG
    pairs = parse_catalog("tools:Tools, fun , ai-stuff:AI things")
    assert [(c.slug, c.title) for c in pairs] == [
        ("tools", "Tools"),
        ("fun", "Fun"),
        ("ai-stuff", "AI things"),
    ]
    as_json = parse_catalog(
        '[{"slug": "mods", "title": "Mods", "description": "All mods"}, "extras"]'
    )
    assert [(c.slug, c.title, c.description) for c in as_json] == [
        ("mods", "Mods", "All mods"),
        ("extras", "Extras", ""),
    ]
    assert as_json.clean(["mods"]) == ["mods"]
    with pytest.raises(InvalidInput):
        as_json.clean(["ai"])  # a default that the operator's list does not have

    settings = load_settings({"CATEGORIES": "tools:Tools,fun"})
    assert policy_from(settings).categories == CategoryCatalog(pairs.categories[:2])
    assert policy_from(load_settings({})).categories is DEFAULT_CATALOG


@pytest.mark.parametrize(
    "value",
    [
        "Bad Slug:Title",
        "a,a",
        "[1]",
        "[{",
        '[{"slug": "x", "colour": "red"}]',
        '{"slug": "x"}',
        "x:" + "t" * 61,
        ",".join(f"c{i}" for i in range(101)),
    ],
)
def test_a_malformed_operator_list_stops_the_start_naming_the_variable(value: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings({"CATEGORIES": value})
    assert str(refused.value).startswith("CATEGORIES")
