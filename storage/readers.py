"""`RandomAccessReader`s that are not a backend's own, and the adaptor to a file object.

- `BytesReader`: an object in memory (tests, small payloads);
- `FileObjectReader`: a seekable binary file object (the scanner's spooled nested archives);
- `as_file`: any reader as a seekable, read-only binary file object.
  `zipfile.ZipFile(as_file(store.reader(key)))` works on either backend; the buffer turns
  zipfile's many small header reads into a few large positional reads (ranged GETs on S3).

A local file is the filesystem backend's `LocalFileReader` (storage/local.py).
"""

from __future__ import annotations

import io
import os
from typing import IO

from storage.interface import ClosingReader, RandomAccessReader

DEFAULT_BUFFER_SIZE = 256 * 1024


class BytesReader(ClosingReader):
    """An object held in memory; closing it releases nothing."""

    def __init__(self, data: bytes | bytearray | memoryview) -> None:
        self._data = bytes(data)

    @property
    def size(self) -> int:
        return len(self._data)

    def read_at(self, offset: int, length: int) -> bytes:
        if offset < 0 or length < 0:
            raise ValueError("offset and length must not be negative")
        return self._data[offset : offset + length]

    def close(self) -> None:
        pass


class FileObjectReader(ClosingReader):
    """A seekable binary file object the caller owns (and closes); not thread-safe, since
    reads move the file's one position."""

    def __init__(self, fileobj: IO[bytes], size: int | None = None) -> None:
        self._file = fileobj
        if size is None:
            fileobj.seek(0, os.SEEK_END)
            size = fileobj.tell()
        self._size = size

    @property
    def size(self) -> int:
        return self._size

    def read_at(self, offset: int, length: int) -> bytes:
        if offset < 0 or length < 0:
            raise ValueError("offset and length must not be negative")
        self._file.seek(offset)
        return self._file.read(max(0, min(length, self._size - offset)))

    def close(self) -> None:
        pass  # the file belongs to the caller


class _ReaderRawIO(io.RawIOBase):
    def __init__(self, reader: RandomAccessReader, close_reader: bool) -> None:
        super().__init__()
        self._reader = reader
        self._close_reader = close_reader
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            target = offset
        elif whence == io.SEEK_CUR:
            target = self._position + offset
        elif whence == io.SEEK_END:
            target = self._reader.size + offset
        else:
            raise ValueError(f"invalid whence {whence}")
        if target < 0:
            raise ValueError(f"negative seek position {target}")
        self._position = target
        return target

    # io hands readinto() a memoryview; typeshed allows any writable buffer.
    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._reader.read_at(self._position, len(buffer))
        count = len(data)
        buffer[:count] = data
        self._position += count
        return count

    def close(self) -> None:
        if not self.closed and self._close_reader:
            self._reader.close()
        super().close()


def as_file(
    reader: RandomAccessReader,
    *,
    buffer_size: int = DEFAULT_BUFFER_SIZE,
    close_reader: bool = True,
) -> io.BufferedReader:
    """A buffered file object over `reader`; closing it closes the reader unless told not to."""
    return io.BufferedReader(_ReaderRawIO(reader, close_reader), buffer_size=buffer_size)
