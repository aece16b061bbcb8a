"""Pure parts of the storage package: keys, ranges, specs, scratch ownership."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from storage import (
    InvalidObjectKey,
    LocalBlobStore,
    S3BlobStore,
    StorageSpec,
    build_store,
    content_key,
    validate_key,
)
from storage.byte_ranges import clamp_range
from storage.keys import sha256_of_key
from storage.scratch import ScratchArea

DIGEST = hashlib.sha256(b"x").hexdigest()


def test_content_key_round_trip() -> None:
    key = content_key(DIGEST)
    assert key == f"sha256/{DIGEST[:2]}/{DIGEST}"
    assert validate_key(key) == key
    assert sha256_of_key(key) == DIGEST


@pytest.mark.parametrize("digest", ["", DIGEST.upper(), DIGEST[:-1], DIGEST + "0", "g" * 64])
def test_content_key_requires_a_lowercase_sha256(digest: str) -> None:
    with pytest.raises(ValueError):
        content_key(digest)


def test_invalid_key_is_both_a_storage_and_a_value_error() -> None:
    with pytest.raises(ValueError):
        validate_key("sha256/../" + DIGEST)
    with pytest.raises(InvalidObjectKey):
        validate_key("/" + content_key(DIGEST))


@pytest.mark.parametrize(
    ("start", "end", "size", "expected"),
    [
        (0, None, 10, (0, 10)),
        (3, 7, 10, (3, 7)),
        (3, 70, 10, (3, 10)),
        (12, None, 10, (10, 10)),
        (12, 20, 10, (10, 10)),
        (0, None, 0, (0, 0)),
    ],
)
def test_clamp_range(start: int, end: int | None, size: int, expected: tuple[int, int]) -> None:
    assert clamp_range(start, end, size) == expected


def test_local_spec_builds_a_local_store(tmp_path: Path) -> None:
    store = build_store(
        StorageSpec(name="primary", kind="local", root=tmp_path), spool_dir=tmp_path / "s"
    )
    assert isinstance(store, LocalBlobStore)
    assert (store.name, store.kind, store.root) == ("primary", "local", tmp_path)


def test_s3_spec_builds_an_s3_store_with_its_own_spool(tmp_path: Path) -> None:
    spec = StorageSpec(
        name="mirror-1",
        kind="s3",
        endpoint="https://s3.internal:9000",
        access_key="AK",
        secret_key="very-secret",
        bucket="registry",
    )
    store = build_store(spec, spool_dir=tmp_path)
    assert isinstance(store, S3BlobStore)
    assert (store.name, store.kind, store.bucket) == ("mirror-1", "s3", "registry")
    assert store.endpoint_url == "https://s3.internal:9000"
    assert store.scratch_dir == tmp_path / "mirror-1"
    assert "very-secret" not in repr(spec) and "very-secret" not in repr(store)


@pytest.mark.parametrize(
    ("fields", "complaint"),
    [
        ({"kind": "local"}, "needs a root"),
        ({"kind": "s3", "endpoint": "h:1", "bucket": "b"}, "needs access_key, secret_key"),
        ({"kind": "ftp"}, "unknown kind"),
        ({"kind": "local", "root": Path("x"), "name": ""}, "name must not be empty"),
    ],
)
def test_incomplete_specs_are_rejected(fields: dict[str, object], complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        StorageSpec(**{"name": "primary", **fields})  # type: ignore[arg-type]


def test_scratch_cleanup_spares_live_owners_and_removes_strays(tmp_path: Path) -> None:
    live, cleaner = ScratchArea(tmp_path), ScratchArea(tmp_path)
    in_flight = live.new_path("upload-")
    in_flight.write_bytes(b"partial")
    stray_file = tmp_path / "old-upload.part"
    stray_file.write_bytes(b"from an older layout")
    orphan_dir = tmp_path / "123-deadbeef"  # an owner directory whose lock file is gone
    orphan_dir.mkdir()
    (orphan_dir / "upload-x.part").write_bytes(b"x")

    assert cleaner.cleanup_stale() == 2
    assert in_flight.exists()
    assert not stray_file.exists() and not orphan_dir.exists()

    live.release()
    assert not in_flight.exists()
    assert list(tmp_path.iterdir()) == []


def test_scratch_cleanup_removes_owners_that_released_their_lock_without_cleanup(
    tmp_path: Path,
) -> None:
    import os

    dead = ScratchArea(tmp_path)
    leftover = dead.new_path("upload-")
    leftover.write_bytes(b"partial")
    # Simulate the process dying: the kernel drops the lock, the files stay.
    assert dead._lock_fd is not None
    os.close(dead._lock_fd)
    dead._lock_fd = None

    assert ScratchArea(tmp_path).cleanup_stale() == 1
    assert list(tmp_path.iterdir()) == []
