"""Bounded streaming decoders: each call yields output chunks of at most OUTPUT_CHUNK bytes, so a
bomb never materialises more than one chunk, whatever its headers claim."""

from __future__ import annotations

import bz2
import lzma
import zlib
from collections.abc import Callable, Iterator
from typing import Protocol

from domain.scanning.rules import Rule, ScanRejected
from domain.scanning.signatures import ArchiveKind

OUTPUT_CHUNK = 1024 * 1024
INPUT_SLICE = 64 * 1024
# xz can ask for a 1.5 GiB dictionary; presets up to -6 need 9 MiB. More is refused.
XZ_MEMORY_LIMIT = 32 * 1024 * 1024

Buffer = bytes | bytearray | memoryview


class Decoder(Protocol):
    # Buffer, not bytes: the stored method hands on the caller's chunk without copying it.
    def feed(self, data: Buffer) -> Iterator[Buffer]: ...

    def finish(self) -> Iterator[bytes]: ...


class RawDeflateDecoder:
    """ZIP method 8, or gzip members (`gzip=True`, concatenated members allowed)."""

    def __init__(self, entry: str, *, gzip: bool = False) -> None:
        self._entry = entry
        self._gzip = gzip
        self._wbits = 31 if gzip else -15
        self._inflater = zlib.decompressobj(self._wbits)

    def _error(self, message: str) -> ScanRejected:
        return ScanRejected(Rule.CORRUPT_DATA, message, entry=self._entry)

    def _after_end(self, rest: Buffer) -> Buffer:
        """Bytes after the end of a stream: another gzip member, or corruption."""
        if self._gzip and bytes(rest[:2]) == b"\x1f\x8b":
            self._inflater = zlib.decompressobj(self._wbits)
            return rest
        raise self._error("data follows the end of the compressed stream")

    def feed(self, data: Buffer) -> Iterator[bytes]:
        # Small input slices keep `unconsumed_tail` (a copy of the unread input, made on every
        # call that hits the output limit) small when a bomb expands 1000:1.
        view = memoryview(data)
        for start in range(0, len(view), INPUT_SLICE):
            yield from self._feed_slice(view[start : start + INPUT_SLICE])

    def _feed_slice(self, data: Buffer) -> Iterator[bytes]:
        pending: Buffer = data
        try:
            while len(pending):
                if self._inflater.eof:
                    pending = self._after_end(pending)
                out = self._inflater.decompress(pending, OUTPUT_CHUNK)
                if out:
                    yield out
                pending = (
                    self._inflater.unused_data
                    if self._inflater.eof
                    else self._inflater.unconsumed_tail
                )
        except zlib.error as exc:
            raise self._error(f"invalid deflate data: {exc}") from None

    def finish(self) -> Iterator[bytes]:
        try:
            # Output held back by the chunk limit after all input was consumed.
            while not self._inflater.eof:
                out = self._inflater.decompress(b"", OUTPUT_CHUNK)
                if not out:
                    break
                yield out
        except zlib.error as exc:
            raise self._error(f"invalid deflate data: {exc}") from None
        if not self._inflater.eof:
            raise self._error("the compressed stream is truncated")
        if self._inflater.unused_data:
            raise self._error("data follows the end of the compressed stream")


class _BufferedDecoder:
    """bz2 and xz decompressors (both buffer input and expose `needs_input`)."""

    def __init__(
        self,
        entry: str,
        factory: Callable[[], bz2.BZ2Decompressor | lzma.LZMADecompressor],
        member_magic: bytes,
        errors: tuple[type[Exception], ...],
    ) -> None:
        self._entry = entry
        self._factory = factory
        self._magic = member_magic
        self._errors = errors
        self._decoder = factory()

    def _error(self, message: str) -> ScanRejected:
        return ScanRejected(Rule.CORRUPT_DATA, message, entry=self._entry)

    def feed(self, data: Buffer) -> Iterator[bytes]:
        pending = bytes(data)
        try:
            while pending:
                if self._decoder.eof:
                    if not pending.startswith(self._magic):
                        raise self._error("data follows the end of the compressed stream")
                    self._decoder = self._factory()
                out = self._decoder.decompress(pending, OUTPUT_CHUNK)
                if out:
                    yield out
                pending = b""
                while not self._decoder.eof and not self._decoder.needs_input:
                    out = self._decoder.decompress(b"", OUTPUT_CHUNK)
                    if out:
                        yield out
                if self._decoder.eof:
                    pending = self._decoder.unused_data
        except self._errors as exc:
            raise self._error(f"invalid compressed data: {exc}") from None

    def finish(self) -> Iterator[bytes]:
        if not self._decoder.eof:
            raise self._error("the compressed stream is truncated")
        return iter(())


class StoredDecoder:
    """ZIP method 0: the data is the content."""

    def feed(self, data: Buffer) -> Iterator[Buffer]:
        yield data

    def finish(self) -> Iterator[bytes]:
        return iter(())


def stream_decoder(kind: ArchiveKind, entry: str) -> Decoder:
    """A decoder for a nested compressed stream."""
    if kind == ArchiveKind.GZIP:
        return RawDeflateDecoder(entry, gzip=True)
    if kind == ArchiveKind.BZIP2:
        return _BufferedDecoder(entry, bz2.BZ2Decompressor, b"BZh", (OSError, ValueError))
    if kind == ArchiveKind.XZ:
        return _BufferedDecoder(
            entry,
            lambda: lzma.LZMADecompressor(format=lzma.FORMAT_XZ, memlimit=XZ_MEMORY_LIMIT),
            b"\xfd7zXZ\x00",
            (lzma.LZMAError, EOFError),
        )
    raise ValueError(f"{kind} is not a compressed stream")
