"""Settings: defaults, parsing, and one readable error naming the variable."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from registry.config import ConfigError, load_settings


def test_embedded_defaults() -> None:
    settings = load_settings({})
    assert (settings.host, settings.port) == ("0.0.0.0", 4025)
    assert settings.database_url == "sqlite://data/registry.sqlite3"
    assert settings.primary_storage.kind == "local"
    assert settings.redis_url is None and settings.mirrors == ()
    assert settings.max_upload_bytes == 500 * 1024**2


def test_production_values() -> None:
    settings = load_settings(
        {
            "DATABASE_URL": "postgres://u:p@db:5432/reg",
            "REDIS_URL": "redis://r:6379/1",
            "MINIO_PRIMARY_ENDPOINT": "http://minio:9000",
            "MINIO_PRIMARY_BUCKET": "b",
            "MINIO_PRIMARY_ACCESS_KEY": "a",
            "MINIO_PRIMARY_SECRET_KEY": "s",
            "MINIO_MIRROR_ENDPOINT": "m1:9000",
            "MINIO_MIRROR_ACCESS_KEY": "a",
            "MINIO_MIRROR_SECRET_KEY": "s",
            "STORAGE_MIRRORS": "eu,disk",
            "MIRROR_EU_ENDPOINT": "eu:9000",
            "MIRROR_EU_ACCESS_KEY": "a",
            "MIRROR_EU_SECRET_KEY": "s",
            "MIRROR_DISK_PATH": "/srv/backup",
            "SERVER_PORT": "8080",
            "MAX_UPLOAD_SIZE": "10MiB",
            "PUBLIC_BASE_URL": "https://r.x/",
        }
    )
    assert settings.primary_storage.endpoint == "minio:9000"
    assert [m.name for m in settings.mirrors] == ["mirror", "eu", "disk"]
    assert settings.mirrors[2].kind == "local"
    assert settings.max_upload_bytes == 10 * 1024**2
    assert settings.public_base_url == "https://r.x"


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgres://:5432/x"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgres://h:notaport/x"}, "DATABASE_URL"),
        ({"SERVER_PORT": "eighty"}, "SERVER_PORT"),
        ({"SERVER_PORT": "70000"}, "SERVER_PORT"),
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"MAX_UPLOAD_SIZE": "lots"}, "MAX_UPLOAD_SIZE"),
        ({"REDIS_URL": "http://x"}, "REDIS_URL"),
        ({"STORAGE_MIRRORS": "eu"}, "STORAGE_MIRRORS"),
        ({"MINIO_PRIMARY_ENDPOINT": "bad host!"}, "MINIO_PRIMARY_ENDPOINT"),
        ({"MINIO_PRIMARY_ENDPOINT": "minio:9000"}, "MINIO_PRIMARY_ACCESS_KEY"),
    ],
)
def test_bad_values_name_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(env)
    assert str(error.value).startswith(variable)


def test_env_file_under_the_process_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / ".env"
    path.write_text("# comment\nexport SERVER_PORT=5000\nDEBUG='true'\nGRAPHQL_MAX_DEPTH=20\n\n")
    monkeypatch.setenv("GRAPHQL_MAX_DEPTH", "30")
    monkeypatch.delenv("SERVER_PORT", raising=False)
    monkeypatch.delenv("DEBUG", raising=False)
    settings = load_settings(env_file=path)
    assert (settings.port, settings.debug) == (5000, True)
    assert settings.graphql_max_depth == 30  # the real environment wins over `.env`
    path.write_text("SERVER_PORT=eighty\n")
    with pytest.raises(ConfigError, match="^SERVER_PORT: .*'eighty'"):
        load_settings(env_file=path)


def test_empty_values_mean_the_default() -> None:
    settings = load_settings({"SERVER_PORT": "", "ADMIN_USERS": " ", "MAX_UPLOAD_SIZE": ""})
    assert (settings.port, settings.admin_users) == (4025, ())
    assert settings.max_upload_bytes == 500 * 1024**2


def test_units_lists_and_budgets_are_parsed() -> None:
    settings = load_settings(
        {
            "MAX_UPLOAD_SIZE": "2 GiB",
            "ALLOWED_HOSTS": "Example.COM, [::1]",
            "ADMIN_USERS": "u1,,u2",
            "RATE_LIMIT_READ": "100 / 30s",
            "RECONCILE_MODE": "FULL",
            "DATA_DIR": "/srv/reg",
            "VERIFY_GITHUB_BASE_URL": "http://proofs.test/",
        }
    )
    assert settings.max_upload_bytes == 2 * 1024**3
    assert settings.allowed_hosts == ("example.com", "[::1]")
    assert settings.admin_users == ("u1", "u2")
    assert settings.rate_limit_read == (100, 30)
    assert settings.reconcile_mode == "full"
    assert settings.database_url == "sqlite:///srv/reg/registry.sqlite3"
    assert settings.primary_storage.root == Path("/srv/reg/blobs")
    assert settings.verify_github_base_url == "http://proofs.test"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SERVER_PORT": "70000"}, "SERVER_PORT: input should be less than or equal to 65535"),
        ({"MAX_UPLOAD_SIZE": "0"}, "MAX_UPLOAD_SIZE: input should be greater than 0"),
        ({"RATE_LIMIT_READ": "5/100"}, "RATE_LIMIT_READ: need a count >= 1 and a window of 1..60"),
        ({"ALLOWED_HOSTS": "a.test:80"}, "ALLOWED_HOSTS: 'a.test:80' is not a host name"),
        (
            {"VERIFY_DOMAIN_URL_TEMPLATE": "https://x"},
            "VERIFY_DOMAIN_URL_TEMPLATE: expected an http(s) URL containing {domain}",
        ),
        ({"STORAGE_MIRRORS": "eu,eu"}, "STORAGE_MIRRORS: duplicate mirror name 'eu'"),
        ({"STORAGE_MIRRORS": "Bad Name"}, "STORAGE_MIRRORS: invalid mirror name 'Bad Name'"),
        (
            {"STORAGE_MIRRORS": "eu", "MIRROR_EU_ENDPOINT": "eu:9000", "MIRROR_EU_ACCESS_KEY": "a"},
            "MIRROR_EU_SECRET_KEY: required when MIRROR_EU_ENDPOINT is set",
        ),
    ],
)
def test_error_says_what_is_wrong(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(env)
    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)


def test_replace_checks_like_loading() -> None:
    """`dataclasses.replace` (tests, the contract suite) goes through the same declarations."""
    settings = load_settings({})
    assert dataclasses.replace(settings, rate_limit_read=(3, 60)).rate_limit_read == (3, 60)
    assert dataclasses.replace(settings, port=8080).primary_storage == settings.primary_storage
    with pytest.raises(ValueError, match="port"):
        dataclasses.replace(settings, port=0)
