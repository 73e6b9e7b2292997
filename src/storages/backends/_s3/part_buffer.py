"""PartBuffer: the bytes of one part of a multipart upload, as a writable file."""

from __future__ import annotations

from typing import Any

from .io import PositionedRaw

__all__ = ["PartBuffer"]


class PartBuffer(PositionedRaw):
    """A seekable, readable, writable file over a reusable bytearray.

    S3File writes each part of an upload into one (it is the file's ``file``
    in write modes). The bytearray is allocated at the first write, at
    ``capacity`` bytes, and kept when the buffer is recycled for a later
    part, so a long upload allocates its few part buffers once: allocating,
    growing and freeing a buffer per part makes the C allocator hold several
    megabytes more (see benchmarks/bench_file.py). The upload sends the
    bytearray itself, without a copy.
    """

    def __init__(self, capacity: int) -> None:
        super().__init__()
        #: The size the bytearray is allocated at (the part size).
        self.capacity = capacity
        #: How many bytes the part holds.
        self.size = 0
        self._data = bytearray()
        self._pos = 0

    def writable(self) -> bool:
        """Return True."""
        return True

    def write(self, data: Any) -> int:
        """Write ``data`` at the position; return its length."""
        view = memoryview(data).cast("B")
        end = self._pos + len(view)
        if not view:
            return 0
        if not self._data:
            self._data = bytearray(max(end, self.capacity))
        elif len(self._data) < end:  # only past the part size, after a seek
            self._data += bytes(end - len(self._data))
        if self._pos > self.size:  # a recycled buffer holds an earlier part's bytes
            self._data[self.size : self._pos] = bytes(self._pos - self.size)
        self._data[self._pos : end] = view
        self._pos = end
        self.size = max(self.size, end)
        return len(view)

    def readinto(self, buffer: Any) -> int:
        """Read from the position into ``buffer``; return the number of bytes read."""
        view = memoryview(buffer).cast("B")
        count = max(0, min(len(view), self.size - self._pos))
        with memoryview(self._data) as data:
            view[:count] = data[self._pos : self._pos + count]
        self._pos += count
        return count

    def truncate(self, size: int | None = None) -> int:
        """Cut the part at ``size`` (default: the position), as io.BytesIO does."""
        target = self._pos if size is None else size
        if target < 0:
            raise ValueError(f"negative size value {target}")
        self.size = min(self.size, target)
        return target

    def body(self) -> bytearray:
        """Return the part's bytes for an upload: the bytearray itself, cut to ``size``."""
        if len(self._data) != self.size:
            del self._data[self.size :]  # shrinking never copies
        return self._data

    def recycle(self) -> None:
        """Empty the buffer for the next part, keeping its memory."""
        self.size = self._pos = 0

    def close(self) -> None:
        """Release the memory."""
        self._data = bytearray()
        self.size = self._pos = 0
        super().close()
