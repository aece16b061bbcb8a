"""Typed exceptions raised by every blob store backend.

Callers catch these instead of backend-specific errors (OSError, minio's S3Error, urllib3
errors), so the HTTP layer can map them to responses without knowing which backend is in use.
"""

from __future__ import annotations


class StorageError(Exception):
    """Base class for every storage failure."""


class ObjectNotFound(StorageError):
    """The requested key does not exist in this store."""

    def __init__(self, key: str, store: str | None = None) -> None:
        where = f" in store {store!r}" if store else ""
        super().__init__(f"object {key} not found{where}")
        self.key = key
        self.store = store


class ObjectTooLarge(StorageError):
    """A streamed write grew past the caller's `max_bytes` limit; nothing was stored."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(f"object exceeds the limit of {max_bytes} bytes")
        self.max_bytes = max_bytes


class ChecksumMismatch(StorageError):
    """`put_file` was told the SHA-256 of a file and the file hashed to something else."""

    def __init__(self, expected: str, actual: str) -> None:
        super().__init__(f"sha256 mismatch: expected {expected}, got {actual}")
        self.expected = expected
        self.actual = actual


class InvalidObjectKey(StorageError, ValueError):
    """A key that is not of the content-addressed form `sha256/<first2>/<hex>`."""

    def __init__(self, key: str) -> None:
        super().__init__(f"invalid object key {key!r}: expected sha256/<first2>/<64 hex>")
        self.key = key


class BackendUnavailable(StorageError):
    """The backend cannot be reached or refuses to work (endpoint down, bad credentials,
    read-only disk). The message is one readable line meant for operators."""


class StoreClosed(StorageError):
    """The store was used after `aclose()`."""
