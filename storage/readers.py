"""Adapting a `RandomAccessReader` to a seekable, read-only binary file object.

`zipfile.ZipFile(as_file(store.reader(key)))` works on either backend; the buffer turns
zipfile's many small header reads into a few large positional reads (ranged GETs on S3).
"""

from __future__ import annotations

import io

from storage.interface import RandomAccessReader

DEFAULT_BUFFER_SIZE = 256 * 1024


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
