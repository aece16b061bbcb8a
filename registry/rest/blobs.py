"""Streaming stored bytes over HTTP (REST_CONTRACT §4.5 "Bytes route").

Full GETs answer 200 with the exact stored bytes; a `Range` request gets 206 (the client never
sends one, so it always sees 200). No redirects, no on-the-fly compression. The download is
counted only when the full body has been sent, so an aborted transfer that the client retries
is counted once.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from domain.context import RegistryContext
from domain.services.downloads import open_blob
from registry.metrics import count_download
from storage.byte_ranges import parse_http_range


@dataclass(frozen=True)
class BlobDescriptor:
    key: str
    sha256: str
    size: int
    filename: str
    content_type: str
    private: bool


def _headers(blob: BlobDescriptor) -> dict[str, str]:
    digest = base64.b64encode(bytes.fromhex(blob.sha256)).decode()
    cache = "private" if blob.private else "public, max-age=31536000, immutable"
    return {
        "Content-Type": blob.content_type,
        "Content-Disposition": f'attachment; filename="{blob.filename}"',
        "ETag": f'"{blob.sha256}"',
        "Repr-Digest": f"sha-256=:{digest}:",
        "X-Checksum-SHA256": blob.sha256,
        "Accept-Ranges": "bytes",
        "Cache-Control": cache,
    }


async def _counted(
    chunks: AsyncIterator[bytes], on_complete: Callable[[], None] | None
) -> AsyncIterator[bytes]:
    async for chunk in chunks:
        yield chunk
    if on_complete is not None:
        on_complete()
        count_download()  # only counted downloads have an `on_complete`: files served whole


async def _first_chunk_then_rest(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """Pull the first chunk before the response starts, so a missing object is still a clean
    JSON error rather than a broken 200."""
    first = await anext(chunks, None)

    async def rest() -> AsyncIterator[bytes]:
        if first is not None:
            yield first
        async for chunk in chunks:
            yield chunk

    return rest()


def etag_matches(header: str | None, etag: str) -> bool:
    """Whether an `If-None-Match` header names `etag` (a strong ETag, quoted) or is `*`;
    weak forms of it match too (RFC 9110 13.1.2: If-None-Match compares weakly)."""
    if not header:
        return False
    if header.strip() == "*":
        return True
    return any(part.strip().removeprefix("W/") == etag for part in header.split(","))


async def blob_response(
    request: Request,
    ctx: RegistryContext,
    blob: BlobDescriptor,
    *,
    on_complete: Callable[[], None] | None = None,
) -> Response:
    headers = _headers(blob)
    if etag_matches(request.headers.get("if-none-match"), headers["ETag"]):
        return Response(
            status_code=304, headers={k: v for k, v in headers.items() if k != "Content-Type"}
        )
    start, end, status = 0, blob.size, 200
    range_header = request.headers.get("range")
    if range_header is not None:
        parsed = parse_http_range(range_header, blob.size)
        if parsed is None:
            return Response(
                content=b'{"detail":"Requested range not satisfiable"}',
                status_code=416,
                media_type="application/json",
                headers={"Content-Range": f"bytes */{blob.size}", "Accept-Ranges": "bytes"},
            )
        start, end = parsed
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{blob.size}"
    headers["Content-Length"] = str(end - start)
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers)
    body = (
        await _first_chunk_then_rest(open_blob(ctx, blob.key, start, end))
        if end > start
        else _empty()
    )
    complete = on_complete if status == 200 else None
    return StreamingResponse(
        _counted(body, complete), status_code=status, headers=headers, media_type=blob.content_type
    )


async def _empty() -> AsyncIterator[bytes]:
    return
    yield b""  # pragma: no cover - makes this an async generator
