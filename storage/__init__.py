"""Object storage: one `BlobStore` interface, a filesystem and an S3 backend."""

from storage.errors import (
    BackendUnavailable,
    ChecksumMismatch,
    InvalidObjectKey,
    ObjectNotFound,
    ObjectTooLarge,
    StorageError,
    StoreClosed,
)
from storage.factory import StorageSpec, build_store
from storage.interface import (
    DEFAULT_CHUNK_SIZE,
    BlobStore,
    HealthStatus,
    ObjectInfo,
    RandomAccessReader,
    StoredObject,
)
from storage.keys import content_key, validate_key
from storage.local import LocalBlobStore
from storage.readers import as_file
from storage.s3 import S3BlobStore

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "BackendUnavailable",
    "BlobStore",
    "ChecksumMismatch",
    "HealthStatus",
    "InvalidObjectKey",
    "LocalBlobStore",
    "ObjectInfo",
    "ObjectNotFound",
    "ObjectTooLarge",
    "RandomAccessReader",
    "S3BlobStore",
    "StorageError",
    "StorageSpec",
    "StoreClosed",
    "StoredObject",
    "as_file",
    "build_store",
    "content_key",
    "validate_key",
]
