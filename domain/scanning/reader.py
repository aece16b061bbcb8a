"""How the scanner reads a `RandomAccessReader` (storage/interface.py): checked exact reads
and a buffered sequential cursor.

The scanner never asks for the whole object: it reads the tail once (end records), then walks the
central directory and the entries front to back in blocks of `block_size` bytes, so a storage
backend (S3 ranged GETs) gets large, sequential requests.
"""

from __future__ import annotations

from collections.abc import Iterator

from storage.interface import RandomAccessReader

DEFAULT_BLOCK_SIZE = 1024 * 1024


class ShortReadError(OSError):
    """A reader returned fewer bytes than it holds: an infrastructure fault, never a verdict."""


def read_exactly(reader: RandomAccessReader, offset: int, length: int) -> bytes:
    """Read `length` bytes (clamped to the object's end) and insist the reader delivered them."""
    if offset < 0 or length < 0:
        raise ValueError("offset and length must not be negative")
    wanted = max(0, min(length, reader.size - offset))
    if wanted == 0:
        return b""
    data = reader.read_at(offset, wanted)
    if len(data) != wanted:
        raise ShortReadError(
            f"reader returned {len(data)} bytes at offset {offset}, expected {wanted}"
        )
    return data


class BlockCursor:
    """Sequential reads over `[start, end)` of a reader, fetched in blocks of `block_size`.

    Only one block is held at a time, so memory stays at about `block_size` whatever the entry
    sizes are. Reads never go past `end`; callers compare what they got with what they wanted.
    """

    def __init__(
        self,
        reader: RandomAccessReader,
        start: int,
        end: int,
        block_size: int = DEFAULT_BLOCK_SIZE,
    ) -> None:
        self._reader = reader
        self._end = min(end, reader.size)
        self._block_size = max(4096, block_size)
        self._block = b""
        self._block_start = start
        self.pos = start

    @property
    def end(self) -> int:
        return self._end

    def _available(self) -> memoryview:
        """The buffered bytes at `pos`, fetching the next block when the buffer is used up."""
        offset = self.pos - self._block_start
        if 0 <= offset < len(self._block):
            return memoryview(self._block)[offset:]
        if self.pos >= self._end:
            return memoryview(b"")
        length = min(self._block_size, self._end - self.pos)
        self._block = read_exactly(self._reader, self.pos, length)
        self._block_start = self.pos
        return memoryview(self._block)

    def read(self, length: int) -> bytes:
        """Up to `length` bytes; fewer only at `end`."""
        parts: list[bytes] = []
        while length > 0:
            view = self._available()
            if not view:
                break
            piece = view[:length]
            parts.append(bytes(piece))
            self.pos += len(piece)
            length -= len(piece)
        return b"".join(parts)

    def chunks(self, length: int) -> Iterator[memoryview]:
        """Yield views covering the next `length` bytes (fewer only at `end`).

        A view is valid until the next call on the cursor; consumers use it right away.
        """
        while length > 0:
            view = self._available()
            if not view:
                return
            piece = view[:length]
            self.pos += len(piece)
            length -= len(piece)
            yield piece

    def skip(self, length: int) -> int:
        """Consume up to `length` bytes without reading them; returns how many were skipped."""
        skipped = max(0, min(length, self._end - self.pos))
        self.pos += skipped
        return skipped

    def peek(self, length: int) -> bytes:
        """Up to `length` bytes at `pos` without consuming them."""
        saved_pos = self.pos
        data = self.read(length)
        # If `read` crossed into the next block, `_available` refetches from `pos` when needed.
        self.pos = saved_pos
        return data
