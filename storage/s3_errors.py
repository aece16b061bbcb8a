"""Turning minio / urllib3 exceptions into the storage exceptions, with one-line messages an
operator can act on ("S3 endpoint http://host:9000 unreachable: connection refused")."""

from __future__ import annotations

from dataclasses import dataclass

from minio.error import InvalidResponseError, S3Error, ServerError
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)

from storage.errors import BackendUnavailable, ObjectNotFound, StorageError

_CREDENTIAL_CODES = frozenset(
    {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken"}
)


@dataclass(frozen=True, slots=True)
class S3Location:
    """Where a failing call went; used to word the message."""

    store: str
    endpoint_url: str
    bucket: str

    def translate(self, exc: BaseException, key: str | None = None) -> StorageError:
        if isinstance(exc, StorageError):
            return exc
        if isinstance(exc, S3Error):
            return self._from_s3_error(exc, key)
        if isinstance(exc, ServerError):
            return BackendUnavailable(
                f"S3 endpoint {self.endpoint_url} failed: HTTP {exc.status_code}"
            )
        if isinstance(exc, InvalidResponseError):
            return BackendUnavailable(
                f"S3 endpoint {self.endpoint_url} did not answer like S3 ({exc})"[:300]
            )
        if isinstance(exc, HTTPError | OSError):
            return BackendUnavailable(
                f"S3 endpoint {self.endpoint_url} unreachable: {describe_network_error(exc)}"
            )
        return StorageError(f"S3 store {self.store!r}: {type(exc).__name__}: {exc}")

    def _from_s3_error(self, exc: S3Error, key: str | None) -> StorageError:
        if exc.code == "NoSuchKey" and key is not None:
            return ObjectNotFound(key, self.store)
        if exc.code == "NoSuchBucket":
            return BackendUnavailable(
                f"S3 bucket {self.bucket!r} does not exist at {self.endpoint_url}"
            )
        if exc.code in _CREDENTIAL_CODES:
            return BackendUnavailable(
                f"S3 endpoint {self.endpoint_url} refused the credentials for bucket "
                f"{self.bucket!r}: {exc.code}"
            )
        target = f"{self.bucket}/{key}" if key else self.bucket
        return StorageError(f"S3 {exc.code} on {target}: {exc.message}")


def describe_network_error(exc: BaseException) -> str:
    """A short reason for a connection-level failure, without urllib3's object reprs."""
    reason: BaseException = exc
    if isinstance(exc, MaxRetryError) and exc.reason is not None:
        reason = exc.reason
    if isinstance(reason, NameResolutionError):
        return "host name could not be resolved"
    # NewConnectionError subclasses ConnectTimeoutError, so it must be checked first.
    if isinstance(reason, NewConnectionError):
        cause = reason.__cause__ or reason.__context__
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror.lower()
        return "could not connect"
    if isinstance(reason, ConnectTimeoutError):
        return "connection timed out"
    if isinstance(reason, ReadTimeoutError):
        return "no response before the read timeout"
    if isinstance(reason, ProtocolError):
        return f"connection broken ({reason.args[0] if reason.args else reason})"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror.lower()
    return str(reason) or type(reason).__name__
