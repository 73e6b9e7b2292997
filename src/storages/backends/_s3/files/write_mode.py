"""What an S3File does in write modes: parts, absolute positions, size, completion.

S3File writes into a part buffer (its ``file`` in write modes, a
:class:`PartBuffer`) and hands each full one to a :class:`MultipartWriter`,
which uploads it in the background and recycles it. Positions count from the
start of the object; only the tail not yet handed over can be sought into or
truncated.
"""

from __future__ import annotations

import io
from typing import Any

from botocore.exceptions import ClientError

from ....utils import to_bytes
from ..errors import is_not_found
from ..io import seek_target
from ..multipart import MultipartWriter, part_size
from ..part_buffer import PartBuffer
from ..writes import WriteRequest, WriteStorage, put, start_multipart

__all__ = ["WriteModeMixin"]


class WriteModeMixin:
    """The write-mode half of S3File (see the S3File docstring)."""

    # Provided by S3File.
    _mode: str
    _file: Any
    _storage: WriteStorage
    obj: Any
    name: str
    buffer_size: int | None
    file: Any

    def _reset_write_state(self) -> None:
        self._writer: MultipartWriter | None = None
        self._raw_bytes_written = 0
        self._write_counter = 0
        self._is_dirty = False
        self._flushed_bytes = 0

    def write(self, content: Any) -> int:
        """Append ``content`` (bytes or str, encoded as UTF-8); return the bytes written."""
        if "w" not in self._mode:
            raise AttributeError("File was not opened in write mode.")
        self._is_dirty = True
        if self._writer is None:
            self._writer = start_multipart(self._write_request())
        data = to_bytes(content)
        rest = memoryview(data).cast("B")
        while True:
            buffer = self._part_buffer()
            position = buffer.tell()
            room = self._part_size() - position
            if room <= 0 and position == self._buffer_file_size:
                self._flush_write_buffer()  # full, and written at its end: the part is done
            elif room <= 0 or len(rest) <= room:
                buffer.write(rest)  # (room <= 0: the caller sought past the part's end)
                break
            else:  # fill this part to the byte; the rest starts the next one
                buffer.write(rest[:room])
                rest = rest[room:]
        self._raw_bytes_written += len(data)
        return len(data)

    def writelines(self, lines: Any) -> None:
        """Write each item of ``lines`` as ``write()`` would."""
        for line in lines:
            self.write(line)

    def _part_size(self) -> int:
        """Return the size of the part being written (constant if the store wants equal parts)."""
        grow = not self._storage._store_rules.equal_parts
        return part_size(self.buffer_size, self._write_counter + 1, grow=grow)

    def _part_buffer(self) -> Any:
        """Return the buffer of the part being written (a new one waits for room)."""
        if self._file is None:
            capacity = self._part_size()
            writer = self._writer
            self._file = PartBuffer(capacity) if writer is None else writer.buffer(capacity)
        elif self._writer is not None:
            self._writer.check()  # a part that failed in the background ends the upload now
        return self._file

    @property
    def _buffer_file_size(self) -> int:
        buffer = self._file
        if buffer is None:
            return 0
        position = buffer.tell()
        length: int = buffer.seek(0, io.SEEK_END)
        buffer.seek(position)
        return length

    def _flush_write_buffer(self) -> None:
        """Hand the part buffer to the uploader, which uploads and then recycles it."""
        assert self._writer is not None
        size = self._buffer_file_size
        if not size and self._write_counter:
            return
        buffer = self._part_buffer()  # a new, empty one for the only part of an emptied file
        self._file = None
        self._write_counter += 1
        self._flushed_bytes += size
        self._writer.send(self._write_counter, buffer)

    def _finish_upload(self) -> None:
        """Complete the upload (on close), or abort it if nothing was written."""
        writer = self._writer
        if writer is not None and self._raw_bytes_written:
            self._flush_write_buffer()
            writer.complete()
            return
        if writer is not None:
            # Fix: only empty strings were written; S3 refuses a zero-part completion.
            writer.abort()
            writer.check()  # a failure is raised, even if nothing was written
        if "w" in self._mode:
            self._create_empty_on_close()

    def _create_empty_on_close(self) -> None:
        # Keep: opening an existing key with "w" and writing nothing leaves it alone.
        try:
            self.obj.load()
        except ClientError as err:
            if not is_not_found(err):
                raise
            put(self._write_request(), b"")

    def _write_request(self) -> WriteRequest:
        # Keep: what open() writes is never gzipped, whatever the storage's gzip settings.
        return WriteRequest.build(self._storage, self.obj.key, gzip=False)

    def _written_size(self) -> int:
        if self._is_dirty:
            return self._flushed_bytes + self._buffer_file_size
        try:
            self.obj.load()
        except ClientError as err:
            if is_not_found(err):
                return 0
            raise
        length: int = self.obj.content_length
        return length

    # -- positions, counted from the start of the object ------------------------

    def _write_tell(self) -> int:
        return self._flushed_bytes + (self._file.tell() if self._file is not None else 0)

    def _write_seek(self, offset: int, whence: int) -> int:
        size = self._flushed_bytes + self._buffer_file_size
        offset = seek_target(offset, whence, self._write_tell(), size)
        return self._flushed_bytes + int(self.file.seek(self._in_tail(offset, "seek to")))

    def _write_truncate(self, size: int | None) -> int:
        target = self._write_tell() if size is None else size
        return self._flushed_bytes + int(self.file.truncate(self._in_tail(target, "truncate at")))

    def _in_tail(self, offset: int, action: str) -> int:
        if offset < self._flushed_bytes:
            # Fix: the reference moves inside the current part and corrupts the object.
            raise io.UnsupportedOperation(
                f"Cannot {action} {offset}: the first {self._flushed_bytes} bytes of "
                f"{self.name!r} were already uploaded."
            )
        return offset - self._flushed_bytes
