"""Mirror settings: parsed, validated, and passed on to replication."""

from __future__ import annotations

import pytest

from registry.config import ConfigError, load_settings
from registry.runtime import replication_config_from


def test_defaults_and_overrides() -> None:
    settings = load_settings({})
    assert settings.reconcile_mode == "sampled" and settings.reconcile_sample_size == 25
    assert settings.storage_breaker_cooldown_seconds == 5.0
    config = replication_config_from(
        load_settings(
            {
                "RECONCILE_MODE": "FULL",
                "RECONCILE_SAMPLE_SIZE": "0",
                "STORAGE_BREAKER_COOLDOWN": "30",
                "REPLICATION_RETRY_BASE": "2",
            }
        )
    )
    assert config.reconcile_full and config.sample_size == 0
    assert config.retry_base_seconds == 2.0


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("RECONCILE_MODE", "sometimes"),
        ("RECONCILE_SAMPLE_SIZE", "-1"),
        ("STORAGE_BREAKER_COOLDOWN", "601"),
        ("REPLICATION_RETRY_BASE", "0"),
        ("REPLICATION_RETRY_BASE", "soon"),
    ],
)
def test_bad_values_name_their_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings({name: value})


def test_legacy_mirror_and_named_mirrors_keep_working() -> None:
    settings = load_settings(
        {
            "MINIO_MIRROR_ENDPOINT": "mirror.example:9000",
            "MINIO_MIRROR_ACCESS_KEY": "a",
            "MINIO_MIRROR_SECRET_KEY": "b",
            "STORAGE_MIRRORS": "eu,disk",
            "MIRROR_EU_ENDPOINT": "eu.example:9000",
            "MIRROR_EU_ACCESS_KEY": "c",
            "MIRROR_EU_SECRET_KEY": "d",
            "MIRROR_DISK_PATH": "/srv/mirror",
        }
    )
    assert [(m.name, m.kind) for m in settings.mirrors] == [
        ("mirror", "s3"),
        ("eu", "s3"),
        ("disk", "local"),
    ]
