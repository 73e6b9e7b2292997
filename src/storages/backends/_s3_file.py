"""S3File: a Django File over one S3 object, read through a spooled buffer, written as parts."""

from __future__ import annotations

import io
import logging
import tempfile
from types import TracebackType
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError
from django.core.files.base import File
from django.utils.deconstruct import deconstructible

from ..compress import CompressedFileMixin
from ..utils import to_bytes
from ._s3_errors import is_not_found
from ._s3_options import MIN_PART_SIZE
from ._s3_params import filter_download_params

if TYPE_CHECKING:
    from .s3 import S3Storage

__all__ = ["S3File"]

logger = logging.getLogger(__name__)


if TYPE_CHECKING:
    _File = File[Any]
else:  # Django's classes are not generic at run time.
    _File = File


@deconstructible
class S3File(CompressedFileMixin, _File):
    """A file stored in S3, as returned by ``storage.open(name, mode)``.

    Read modes ("r", "rb") load the object's metadata at open (so a missing
    object raises FileNotFoundError there) and download into a
    ``SpooledTemporaryFile``. Write modes ("w", "wb") send a multipart upload
    whose parts are at least ``buffer_size`` (and at least 5 MiB, S3's
    minimum); closing completes it, and leaving a ``with`` block by an
    exception aborts it, so no partial object ever appears.
    """

    def __init__(
        self, name: str, mode: str, storage: S3Storage, buffer_size: int | None = None
    ) -> None:
        if "r" in mode and "w" in mode:
            raise ValueError("Can't combine 'r' and 'w' in mode.")
        self._storage = storage
        self.name: str = name[len(storage.location) :].lstrip("/")
        self._mode = mode
        self.obj = storage.bucket.Object(name)
        if "w" not in self._mode:
            # A HEAD now, so a missing object fails at open; carries SSE-C parameters.
            self.obj.load(**filter_download_params(storage.get_object_parameters(self.name)))
        self._closed = False
        self._file: Any = None
        self._parts: list[dict[str, Any]] | None = None
        self.buffer_size = buffer_size or storage.file_buffer_size or MIN_PART_SIZE
        self._reset_write_state()

    def _reset_write_state(self) -> None:
        self._multipart: Any = None
        self._raw_bytes_written = 0
        self._write_counter = 0
        self._is_dirty = False
        self._flushed_bytes = 0

    # -- the buffer -------------------------------------------------------

    def _new_buffer(self) -> tempfile.SpooledTemporaryFile[bytes]:
        storage = self._storage
        spooled: tempfile.SpooledTemporaryFile[bytes] = tempfile.SpooledTemporaryFile(  # noqa: SIM115
            max_size=storage.max_memory_size,
            suffix=".S3File",
            dir=storage.file_upload_temp_dir,
        )
        return spooled

    def _get_file(self) -> Any:
        if self._file is None:
            buffer = self._new_buffer()
            self._file = buffer
            if "r" in self._mode:
                self._is_dirty = False
                storage = self._storage
                self.obj.download_fileobj(
                    buffer,
                    ExtraArgs=filter_download_params(storage.get_object_parameters(self.name)),
                    Config=storage.transfer_config,
                )
                buffer.seek(0)
                decoded: Any = buffer
                if storage.gzip and self.obj.content_encoding == "gzip":
                    decoded = self._decompress_file(mode="rb", file=buffer, mtime=0.0)
                if "b" not in self._mode:
                    decoded = io.TextIOWrapper(decoded, encoding="utf-8")
                self._file = decoded
        self._closed = False
        return self._file

    def _set_file(self, value: Any) -> None:
        self._file = value

    file = property(_get_file, _set_file)

    @property
    def closed(self) -> bool:
        """True once ``close()`` has run (and until the buffer is touched again)."""
        return self._closed

    # -- reading ----------------------------------------------------------

    def read(self, *args: Any) -> Any:
        """Read from the object."""
        if "r" not in self._mode:
            raise AttributeError("File was not opened in read mode.")
        return self.file.read(*args)

    def readline(self, *args: Any) -> Any:
        """Read one line from the object."""
        if "r" not in self._mode:
            raise AttributeError("File was not opened in read mode.")
        return self.file.readline(*args)

    def readlines(self, hint: int = -1, /) -> list[Any]:
        """Return the remaining lines, from the current position, with their endings.

        ``hint`` is accepted for io compatibility and ignored, as in django-storages.
        """
        if "r" not in self._mode:
            raise AttributeError("File was not opened in read mode.")
        lines: list[Any] = self.file.read().splitlines(keepends=True)
        return lines

    # -- writing ----------------------------------------------------------

    @property
    def _part_size(self) -> int:
        # Fix: S3 rejects parts below 5 MiB (EntityTooSmall) except the last one.
        return max(self.buffer_size or 0, MIN_PART_SIZE)

    def write(self, content: Any) -> int:
        """Append ``content`` (bytes or str, encoded as UTF-8); return the bytes written."""
        if "w" not in self._mode:
            raise AttributeError("File was not opened in write mode.")
        self._is_dirty = True
        if self._multipart is None:
            self._start_upload()
        if self._buffer_file_size >= self._part_size:
            self._flush_write_buffer()
        data = to_bytes(content)
        self._raw_bytes_written += len(data)
        written: int = self.file.write(data)
        return written

    def writelines(self, lines: Any) -> None:
        """Write each item of ``lines`` as ``write()`` would."""
        for line in lines:
            self.write(line)

    def _start_upload(self) -> None:
        params = self._storage._get_write_parameters(self.obj.key)
        self._multipart = self.obj.initiate_multipart_upload(**params)
        self._parts = []
        logger.debug("Started multipart upload of %s", self.obj.key)

    @property
    def _buffer_file_size(self) -> int:
        buffer = self.file
        position = buffer.tell()
        buffer.seek(0, io.SEEK_END)
        length: int = buffer.tell()
        buffer.seek(position)
        return length

    def _flush_write_buffer(self) -> None:
        size = self._buffer_file_size
        if not size:
            return
        self._write_counter += 1
        buffer = self.file
        buffer.seek(0)
        body = buffer.read()
        try:
            part = self._multipart.Part(self._write_counter)
            response = part.upload(Body=body)
        except BaseException:
            self._abort_upload()
            raise
        assert self._parts is not None
        self._parts.append({"ETag": response["ETag"], "PartNumber": self._write_counter})
        self._flushed_bytes += size
        buffer.seek(0)
        buffer.truncate()

    def _abort_upload(self) -> None:
        multipart, self._multipart = self._multipart, None
        if multipart is not None:
            try:
                multipart.abort()
            except ClientError:
                logger.warning("Could not abort the multipart upload of %s", self.obj.key)

    def tell(self) -> int:
        """Return the position; in write mode, counted from the start of the object."""
        position: int = self.file.tell()
        if "w" in self._mode:
            return self._flushed_bytes + position
        return position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Move the position; in write mode only within the part not yet uploaded."""
        if "w" not in self._mode:
            result: int = self.file.seek(offset, whence)
            return result
        if whence == io.SEEK_CUR:
            offset += self.tell()
        elif whence == io.SEEK_END:
            offset += self._flushed_bytes + self._buffer_file_size
        if offset < self._flushed_bytes:
            # Fix: the reference seeks inside the current part and corrupts the object.
            raise io.UnsupportedOperation(
                f"Cannot seek to {offset}: the first {self._flushed_bytes} bytes of "
                f"{self.name!r} were already uploaded."
            )
        return self._flushed_bytes + int(self.file.seek(offset - self._flushed_bytes))

    @property
    def size(self) -> int:
        """The object's size; while writing, the bytes written so far."""
        if "w" in self._mode:
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

    # -- closing ----------------------------------------------------------

    def close(self) -> None:
        """Finish the upload (in write mode) and release the buffer. A second call does nothing."""
        if self._closed:
            return
        try:
            if self._raw_bytes_written:
                self._complete_upload()
            else:
                self._abort_upload()
                if "w" in self._mode:
                    self._create_empty_on_close()
        finally:
            if self._file is not None:
                self._file.close()
                self._file = None
            self._reset_write_state()
            self._closed = True

    def _complete_upload(self) -> None:
        self._flush_write_buffer()
        try:
            self._multipart.complete(MultipartUpload={"Parts": self._parts})
        except BaseException:
            self._abort_upload()
            raise
        self._multipart = None

    def _create_empty_on_close(self) -> None:
        # Keep: opening an existing key with "w" and writing nothing leaves it alone.
        try:
            self.obj.load()
        except ClientError as err:
            if not is_not_found(err):
                raise
            self.obj.put(Body=b"", **self._storage._get_write_parameters(self.obj.key))

    def discard(self) -> None:
        """Abort any upload in progress and close without writing anything."""
        self._abort_upload()
        self._raw_bytes_written = 0
        if self._file is not None:
            self._file.close()
            self._file = None
        self._reset_write_state()
        self._closed = True

    def open(self, mode: str | None = None, *args: Any, **kwargs: Any) -> S3File:
        """Reopen the file (same mode only); return self. Other arguments are ignored."""
        if self._file is not None and not self._closed:
            self.seek(0)
        elif mode and mode != self._mode:
            raise ValueError("Cannot reopen file with a new mode.")
        _ = self.file
        return self

    def __enter__(self) -> S3File:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None and "w" in self._mode:
            # Fix: an exception inside ``with`` must not publish a partial object.
            self.discard()
        else:
            self.close()

    def __repr__(self) -> str:
        return f"<S3File: {self.name}>"

    def __bool__(self) -> bool:
        return bool(self.name)

    def __len__(self) -> int:
        return self.size
