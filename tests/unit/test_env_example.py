"""`.env.example` and the README table are generated from the settings declarations: they
must not drift, and the example file must load to exactly the defaults."""

from __future__ import annotations

from dotenv import dotenv_values

from registry.config import Settings, load_settings
from registry.settings_docs import (
    ENV_EXAMPLE,
    README,
    env_example,
    readme_table,
    readme_with_table,
    variables,
)

FIX = "regenerate with `uv run python -m registry.settings_docs`"


def test_env_example_is_generated_from_the_declarations() -> None:
    assert ENV_EXAMPLE.read_text(encoding="utf-8") == env_example(), FIX


def test_readme_table_is_generated_from_the_declarations() -> None:
    readme = README.read_text(encoding="utf-8")
    assert readme_table() in readme, FIX
    assert readme_with_table(readme) == readme, FIX


def test_every_declared_setting_is_documented() -> None:
    documented = {name for variable in variables() for name in variable.names}
    declared = {info.alias for info in Settings.__pydantic_fields__.values() if info.alias}
    assert declared and declared <= documented
    assert {"STORAGE_MIRRORS", "MINIO_PRIMARY_ENDPOINT", "MIRROR_<NAME>_PATH"} <= documented
    for variable in variables():
        assert variable.doc and variable.section, variable.names


def test_example_file_loads_to_the_defaults() -> None:
    values = {name: value or "" for name, value in dotenv_values(ENV_EXAMPLE).items()}
    assert values, "the example sets no variable at all"
    assert load_settings(values) == load_settings({})
