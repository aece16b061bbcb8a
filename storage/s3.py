"""S3 backend (MinIO, SeaweedFS, AWS) on the synchronous minio client.

The minio client blocks, so every call runs in one of two bounded thread pools owned by the
store: `_run` for short calls (HEAD, DELETE, spool writes, reading one chunk of a download)
and `_transfer` for whole-object uploads, which can take minutes and must not starve reads.
The urllib3 pool is sized for both pools together, with short connect timeouts and one retry,
so an unreachable endpoint fails within seconds with a readable `BackendUnavailable`.

Uploads are spooled to a local file first (hashing on the way), because the key is the
SHA-256 of the content and is only known at the end; the spool file is always removed.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncGenerator
from pathlib import Path

import urllib3
from minio import Minio
from minio.error import S3Error
from minio.helpers import check_bucket_name

from storage.blocking import BlockingRunner
from storage.byte_ranges import clamp_range, validate_range
from storage.errors import ObjectNotFound, StorageError
from storage.interface import (
    DEFAULT_CHUNK_SIZE,
    BackendKind,
    ClosingReader,
    HealthStatus,
    ObjectInfo,
    StoredObject,
)
from storage.keys import content_key, validate_key
from storage.s3_errors import S3Location
from storage.scratch import ScratchArea
from storage.spool import SpooledObject
from storage.spooling import SpoolingStore

# Retrying a refused connection once absorbs a blip; more would only delay a clear error.
_RETRIES = urllib3.Retry(
    total=3,
    connect=1,
    read=1,
    status=2,
    backoff_factor=0.2,
    status_forcelist=(500, 502, 503, 504),
    raise_on_status=False,
)


def parse_endpoint(endpoint: str, secure: bool) -> tuple[str, bool]:
    """Accept `host:port` or a URL `http(s)://host:port`; the URL scheme wins over `secure`."""
    value = endpoint.strip()
    for scheme, is_secure in (("https://", True), ("http://", False)):
        if value.lower().startswith(scheme):
            value, secure = value[len(scheme) :], is_secure
            break
    value = value.rstrip("/")
    if not value or "/" in value:
        raise ValueError(f"S3 endpoint must be host[:port], got {endpoint!r}")
    return value, secure


# Health checks and bucket setup: a readiness probe must answer within seconds even when the
# endpoint accepts connections but hangs, so it gets its own client with a short read timeout.
_PROBE_RETRIES = urllib3.Retry(
    total=1, connect=1, read=0, status=0, backoff_factor=0.2, raise_on_status=False
)
PROBE_READ_TIMEOUT = 5.0


def build_http_client(
    pool_size: int,
    connect_timeout: float,
    read_timeout: float,
    retries: urllib3.Retry = _RETRIES,
) -> urllib3.PoolManager:
    return urllib3.PoolManager(
        num_pools=4,
        maxsize=pool_size,
        timeout=urllib3.Timeout(connect=connect_timeout, read=read_timeout),
        retries=retries,
    )


class S3BlobStore(SpoolingStore):
    durable_spool = False  # the spool is thrown away after the upload; S3 is the durable copy

    def __init__(
        self,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        secure: bool = False,
        region: str | None = None,
        name: str = "primary",
        spool_dir: Path | None = None,
        max_workers: int = 8,
        connect_timeout: float = 3.0,
        read_timeout: float = 30.0,
    ) -> None:
        check_bucket_name(bucket, strict=True)
        host, secure = parse_endpoint(endpoint, secure)
        self.bucket = bucket
        self.region = region
        self.endpoint_url = f"{'https' if secure else 'http'}://{host}"
        self._name = name
        self._where = S3Location(name, self.endpoint_url, bucket)
        transfer_workers = max(1, max_workers // 2)
        self._run = BlockingRunner(max_workers, thread_name_prefix=f"s3-{name}")
        self._transfer = BlockingRunner(transfer_workers, thread_name_prefix=f"s3-up-{name}")
        # Downloads keep their connection checked out while the consumer is slow, so the
        # pool is sized for both thread pools; extra connections beyond it are not pooled.
        self._http = build_http_client(
            max_workers + transfer_workers, connect_timeout, read_timeout
        )
        self._client = Minio(
            host,
            access_key=access_key,
            secret_key=secret_key,
            secure=secure,
            region=region,
            http_client=self._http,
        )
        self._probe_http = build_http_client(
            2, connect_timeout, min(read_timeout, PROBE_READ_TIMEOUT), _PROBE_RETRIES
        )
        self._probe_client = Minio(
            host,
            access_key=access_key,
            secret_key=secret_key,
            secure=secure,
            region=region,
            http_client=self._probe_http,
        )
        base = spool_dir if spool_dir is not None else Path(tempfile.gettempdir()) / "tb-spool"
        self._scratch = ScratchArea(Path(base).absolute() / name)

    def __repr__(self) -> str:
        return (
            f"S3BlobStore(name={self._name!r}, url={self.endpoint_url!r}, bucket={self.bucket!r})"
        )

    @property
    def kind(self) -> BackendKind:
        return "s3"

    # -- lifecycle --------------------------------------------------------------------------

    async def ensure_ready(self) -> None:
        try:
            if not await self._run(self._probe_client.bucket_exists, self.bucket):
                await self._run(self._make_bucket)
        except Exception as exc:
            raise self._where.translate(exc) from exc
        await self._run(self._scratch.base.mkdir, parents=True, exist_ok=True)

    def _make_bucket(self) -> None:
        try:
            self._probe_client.make_bucket(self.bucket, location=self.region)
        except S3Error as exc:
            # Another process may have created it between our check and our create.
            if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise

    async def startup_cleanup(self) -> int:
        return await self._run(self._scratch.cleanup_stale)

    async def check(self) -> HealthStatus:
        try:
            exists = await self._run(self._probe_client.bucket_exists, self.bucket)
        except Exception as exc:
            return HealthStatus(False, str(self._where.translate(exc)))
        if not exists:
            return HealthStatus(False, f"S3 bucket {self.bucket!r} missing at {self.endpoint_url}")
        return HealthStatus(True, f"{self.endpoint_url}/{self.bucket} reachable")

    async def aclose(self) -> None:
        self._run.shutdown()
        self._transfer.shutdown()
        self._scratch.release()
        self._http.clear()
        self._probe_http.clear()

    # -- writes -----------------------------------------------------------------------------

    async def _store_spooled(self, spool: SpooledObject) -> StoredObject:
        key = content_key(spool.sha256)
        existing = await self.stat(key)
        if existing is not None and existing.size == spool.size:
            return StoredObject(key, spool.sha256, spool.size, created=False)
        await self._transfer(self._upload, spool, key)
        return StoredObject(key, spool.sha256, spool.size, created=True)

    def _upload(self, spool: SpooledObject, key: str) -> None:
        try:
            with open(spool.path, "rb") as body:
                # One part in flight: memory stays at one part (5 MiB by default) per upload.
                # A failed multipart upload is aborted by the client, so no object appears.
                self._client.put_object(
                    self.bucket,
                    key,
                    body,
                    length=spool.size,
                    metadata={"sha256": spool.sha256},
                    num_parallel_uploads=1,
                )
        except Exception as exc:
            raise self._where.translate(exc, key) from exc

    async def delete(self, key: str) -> None:
        validate_key(key)
        try:
            await self._run(self._client.remove_object, self.bucket, key)
        except Exception as exc:
            error = self._where.translate(exc, key)
            if not isinstance(error, ObjectNotFound):
                raise error from exc

    # -- reads ------------------------------------------------------------------------------

    async def stat(self, key: str) -> ObjectInfo | None:
        validate_key(key)
        return await self._run(self._stat_blocking, key)

    def _stat_blocking(self, key: str) -> ObjectInfo | None:
        try:
            result = self._client.stat_object(self.bucket, key)
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject"):
                return None
            raise self._where.translate(exc, key) from exc
        except Exception as exc:
            raise self._where.translate(exc, key) from exc
        return ObjectInfo(key, int(result.size or 0))

    async def open(
        self,
        key: str,
        *,
        start: int = 0,
        end: int | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> AsyncGenerator[bytes, None]:
        validate_key(key)
        validate_range(start, end)
        if chunk_size < 1:
            raise ValueError("chunk_size must be positive")
        if end == start:
            # Nothing to read, but a missing object must still be reported.
            if await self.stat(key) is None:
                raise ObjectNotFound(key, self._name)
            return
        response = await self._run(self._get, key, start, end)
        if response is None:
            return
        try:
            while chunk := await self._run(self._read_chunk, response, key, chunk_size):
                yield chunk
        finally:
            # close() drops a half-read connection instead of draining the rest of the
            # object into the pool; release_conn() then returns the slot.
            response.close()
            response.release_conn()

    def _get(self, key: str, start: int, end: int | None) -> urllib3.BaseHTTPResponse | None:
        """GET the range; None when `start` is at or past the end of an existing object."""
        try:
            return self._client.get_object(
                self.bucket, key, offset=start, length=0 if end is None else end - start
            )
        except S3Error as exc:
            if exc.code == "InvalidRange":
                return None
            raise self._where.translate(exc, key) from exc
        except Exception as exc:
            raise self._where.translate(exc, key) from exc

    def _read_chunk(self, response: urllib3.BaseHTTPResponse, key: str, size: int) -> bytes:
        try:
            return response.read(size)
        except Exception as exc:
            raise self._where.translate(exc, key) from exc

    def reader(self, key: str) -> S3ObjectReader:
        validate_key(key)
        info = self._stat_blocking(key)
        if info is None:
            raise ObjectNotFound(key, self._name)
        return S3ObjectReader(self, key, info.size)


class S3ObjectReader(ClosingReader):
    """Positional reads as ranged GETs. Wrap it with `storage.readers.as_file` for callers
    that want a buffered file object (zipfile), so small reads do not become requests."""

    def __init__(self, store: S3BlobStore, key: str, size: int) -> None:
        self._store = store
        self._key = key
        self._size = size
        self._closed = False

    @property
    def size(self) -> int:
        return self._size

    def read_at(self, offset: int, length: int) -> bytes:
        if offset < 0 or length < 0:
            raise ValueError("offset and length must not be negative")
        if self._closed:
            raise ValueError("reader is closed")
        start, end = clamp_range(offset, offset + length, self._size)
        if start == end:
            return b""
        response = self._store._get(self._key, start, end)
        if response is None:
            return b""
        try:
            data = response.read()
        except Exception as exc:
            raise self._store._where.translate(exc, self._key) from exc
        finally:
            response.close()
            response.release_conn()
        if len(data) != end - start:
            raise StorageError(
                f"short read of {self._key}: asked {end - start} bytes at {start}, got {len(data)}"
            )
        return data

    def close(self) -> None:
        self._closed = True
