"""Settings: defaults, parsing, and one readable error naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from registry.config import ConfigError, load_settings, read_env_file


def test_embedded_defaults() -> None:
    settings = load_settings({})
    assert (settings.host, settings.port) == ("0.0.0.0", 4025)
    assert settings.database_url == "sqlite://data/registry.sqlite3"
    assert settings.primary_storage.kind == "local"
    assert settings.redis_url is None and settings.mirrors == ()
    assert settings.max_upload_bytes == 500 * 1024**2


def test_production_values() -> None:
    settings = load_settings({
        "DATABASE_URL": "postgres://u:p@db:5432/reg", "REDIS_URL": "redis://r:6379/1",
        "MINIO_PRIMARY_ENDPOINT": "http://minio:9000", "MINIO_PRIMARY_BUCKET": "b",
        "MINIO_PRIMARY_ACCESS_KEY": "a", "MINIO_PRIMARY_SECRET_KEY": "s",
        "MINIO_MIRROR_ENDPOINT": "m1:9000", "MINIO_MIRROR_ACCESS_KEY": "a",
        "MINIO_MIRROR_SECRET_KEY": "s", "STORAGE_MIRRORS": "eu,disk",
        "MIRROR_EU_ENDPOINT": "eu:9000", "MIRROR_EU_ACCESS_KEY": "a", "MIRROR_EU_SECRET_KEY": "s",
        "MIRROR_DISK_PATH": "/srv/backup",
        "SERVER_PORT": "8080", "MAX_UPLOAD_SIZE": "10MiB", "PUBLIC_BASE_URL": "https://r.x/",
    })
    assert settings.primary_storage.endpoint == "minio:9000"
    assert [m.name for m in settings.mirrors] == ["mirror", "eu", "disk"]
    assert settings.mirrors[2].kind == "local"
    assert settings.max_upload_bytes == 10 * 1024**2
    assert settings.public_base_url == "https://r.x"


@pytest.mark.parametrize(("env", "variable"), [
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
])
def test_bad_values_name_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(env)
    assert str(error.value).startswith(variable)


def test_env_file(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("# comment\nexport SERVER_PORT=5000\nDEBUG='true'\n\n")
    assert read_env_file(path) == {"SERVER_PORT": "5000", "DEBUG": "true"}
    path.write_text("not a pair\n")
    with pytest.raises(ConfigError):
        read_env_file(path)
