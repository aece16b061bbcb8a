"""Building a blob store from a plain description (the config layer parses env into specs)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from storage.interface import BackendKind, BlobStore
from storage.local import LocalBlobStore
from storage.s3 import S3BlobStore


@dataclass(frozen=True, slots=True)
class StorageSpec:
    """One configured backend. `kind="local"` needs `root`; `kind="s3"` needs `endpoint`,
    `access_key`, `secret_key` and `bucket`."""

    name: str
    kind: BackendKind
    root: Path | None = None
    endpoint: str | None = None
    access_key: str | None = None
    secret_key: str | None = field(default=None, repr=False)
    bucket: str | None = None
    secure: bool = False
    region: str | None = None

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("storage backend name must not be empty")
        if self.kind == "local":
            if self.root is None:
                raise ValueError(f"storage backend {self.name!r}: local storage needs a root")
        elif self.kind == "s3":
            missing = [
                attribute
                for attribute in ("endpoint", "access_key", "secret_key", "bucket")
                if not getattr(self, attribute)
            ]
            if missing:
                raise ValueError(
                    f"storage backend {self.name!r}: S3 storage needs {', '.join(missing)}"
                )
        else:
            raise ValueError(f"storage backend {self.name!r}: unknown kind {self.kind!r}")


def build_store(spec: StorageSpec, *, spool_dir: Path) -> BlobStore:
    """Create (but do not contact) the store; call `await store.ensure_ready()` next.

    `spool_dir` is where S3 uploads are staged (each store uses its own `<spool_dir>/<name>`);
    local stores stage inside their own root so the final rename stays atomic.
    """
    if spec.kind == "local":
        assert spec.root is not None
        return LocalBlobStore(Path(spec.root), name=spec.name)
    assert spec.endpoint and spec.access_key and spec.secret_key and spec.bucket
    return S3BlobStore(
        spec.endpoint,
        spec.access_key,
        spec.secret_key,
        spec.bucket,
        secure=spec.secure,
        region=spec.region,
        name=spec.name,
        spool_dir=spool_dir,
    )
