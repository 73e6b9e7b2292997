"""S3File: a Django File over one S3 object, read in ranges, written as background parts."""

from __future__ import annotations

import io
import logging
import tempfile
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol

from django.core.files.base import File
from django.utils.deconstruct import deconstructible

from ....compress import CompressedFileMixin
from ..errors import not_found_as_missing
from ..params import filter_download_params
from ..writes import WriteStorage
from .reader import PIECE_SIZE, ObjectChangedError, RangeReader
from .write_mode import WriteModeMixin

__all__ = ["FileStorage", "S3File"]

logger = logging.getLogger(__name__)


class FileStorage(WriteStorage, Protocol):
    """What an S3File needs from its storage (``S3Storage`` has all of it)."""

    location: str
    file_buffer_size: int | None
    file_read_ahead_size: int

    def get_object_parameters(self, name: str) -> dict[str, Any]: ...


if TYPE_CHECKING:
    _File = File[Any]
else:  # Django's classes are not generic at run time.
    _File = File


@deconstructible
class S3File(WriteModeMixin, CompressedFileMixin, _File):
    """A file stored in S3, as returned by ``storage.open(name, mode)``.

    Read modes ("r", "rb") make one HEAD request at open (a missing object
    raises FileNotFoundError there) and then fetch only the byte ranges that
    reads need; ``read()`` of everything fetches in parallel. Accessing
    ``.file`` downloads the whole object into a ``SpooledTemporaryFile``, as
    django-storages does. If the object is replaced while it is being read,
    reads raise :attr:`ObjectChangedError` instead of mixing two versions.

    Write modes ("w", "wb") send a multipart upload whose parts are at least
    ``buffer_size`` (and at least 5 MiB, S3's minimum), uploaded in the
    background while you write. Closing completes it. Leaving a ``with``
    block by an exception, or any failed request, aborts it, so no partial
    object ever appears, and ``close()`` raises the failure.
    """

    #: Raised by reads when the object changed after the file was opened.
    ObjectChangedError = ObjectChangedError

    _storage: FileStorage

    def __init__(
        self,
        name: str,
        mode: str,
        storage: FileStorage,
        buffer_size: int | None = None,
        *,
        version_id: str | None = None,
    ) -> None:
        if "r" in mode and "w" in mode:
            raise ValueError("Can't combine 'r' and 'w' in mode.")
        if version_id is not None and "w" in mode:
            raise ValueError(f"A version ({version_id!r}) can be read, not written; open it 'rb'.")
        # In a bucket with versioning: every HEAD and GET of the reader names this version.
        self._version_id = version_id
        self._storage = storage
        self.name: str = name[len(storage.location) :].lstrip("/")
        self._mode = mode
        self.obj = storage.bucket.Object(name)
        if "w" not in self._mode:
            # A HEAD now, so a missing object fails at open; carries SSE-C parameters.
            self.obj.load(**self._download_params())
        self._closed = False
        self._file: Any = None
        self._reader: Any = None  # the decoded stream over a RangeReader, built on first read
        self._owned: list[Any] = []  # streams under a GzipFile, which never closes them
        self._reload = False  # set by close(): a later read sees the object as it is then
        self._size_seen = False  # the caller read ``size``: a new version may not replace it
        self.buffer_size = buffer_size or storage.file_buffer_size
        self._reset_write_state()

    def _download_params(self) -> dict[str, Any]:
        # Keep: reads pass the location-relative name, writes the full key.
        params = filter_download_params(self._storage.get_object_parameters(self.name))
        if self._version_id is not None:
            params["VersionId"] = self._version_id
        return params

    # -- the buffer and the reading stream ---------------------------------

    def _new_buffer(self) -> tempfile.SpooledTemporaryFile[bytes]:
        storage = self._storage
        spooled: tempfile.SpooledTemporaryFile[bytes] = tempfile.SpooledTemporaryFile(  # noqa: SIM115
            max_size=storage.max_memory_size,
            suffix=".S3File",
            dir=storage.file_upload_temp_dir,
        )
        return spooled

    def _get_file(self) -> Any:
        if "w" in self._mode:
            self._part_buffer()
        elif self._file is None:
            self._file = self._download() if "r" in self._mode else self._new_buffer()
        self._closed = False
        return self._file

    def _set_file(self, value: Any) -> None:
        self._file = value

    file = property(_get_file, _set_file)

    def _download(self) -> Any:
        """Return the whole object in a spooled buffer, decoded, at the reading position."""
        reader, self._reader = self._reader, None
        position = reader.tell() if reader is not None else 0
        self._close_streams(reader)
        buffer = self._new_buffer()
        with self._range_reader() as raw:
            raw.copy_to(buffer)
        buffer.seek(0)
        stream = self._decode(buffer)
        logger.debug("Downloaded all of %s into a spooled buffer", self.name)
        if position:
            stream.seek(position)  # where the ranged reads had got to
        return stream

    def _load(self) -> tuple[int, str | None]:
        with not_found_as_missing(self.obj.key):
            self.obj.load(**self._download_params())
        return self.obj.content_length, self.obj.e_tag

    def _load_unless_size_seen(self) -> tuple[int, str | None] | None:
        return None if self._size_seen else self._load()

    def _range_reader(self) -> RangeReader:
        if self._reload:
            # After close(), reading again reads the object as it is now.
            self._load()
            self._reload = self._size_seen = False
        storage = self._storage
        return RangeReader(
            self.obj.meta.client,
            self.obj.bucket_name,
            self.obj.key,
            size=self.obj.content_length,
            etag=self.obj.e_tag,
            params=self._download_params(),
            read_ahead=storage.file_read_ahead_size,
            transfer_config=storage.transfer_config,
            refresh=self._load_unless_size_seen,
        )

    def _decode(self, stream: Any) -> Any:
        if self._storage.gzip and self.obj.content_encoding == "gzip":
            self._owned.append(stream)
            stream = self._decompress_file(mode="rb", file=stream, mtime=0.0)
        if "b" not in self._mode:
            # Fix: text reads of gzip objects are str too. Universal newlines, as io.
            stream = io.TextIOWrapper(stream, encoding="utf-8")
        return stream

    def _stream(self) -> Any:
        """Return what reads, seeks and the io queries go to, without downloading anything."""
        if "r" not in self._mode or self._file is not None:
            return self.file
        if self._reader is None:
            self._reader = self._decode(io.BufferedReader(self._range_reader(), PIECE_SIZE))
        self._closed = False
        return self._reader

    @property
    def closed(self) -> bool:
        """True once ``close()`` has run (and until the file is used again)."""
        return self._closed

    # -- reading ------------------------------------------------------------

    def _check_readable(self) -> None:
        if "r" not in self._mode:
            raise AttributeError("File was not opened in read mode.")

    def read(self, *args: Any) -> Any:
        """Read from the object: ``read(n)`` fetches a range, ``read()`` the rest."""
        self._check_readable()
        return self._stream().read(*args)

    def readline(self, *args: Any) -> Any:
        """Read one line from the object."""
        self._check_readable()
        return self._stream().readline(*args)

    def readlines(self, hint: int = -1, /) -> list[Any]:
        """Return the remaining lines, from the current position, with their endings.

        ``hint`` is accepted for io compatibility and ignored, as in django-storages.
        """
        self._check_readable()
        lines: list[Any] = self._stream().read().splitlines(keepends=True)
        return lines

    def readinto(self, buffer: Any) -> Any:
        """Read into ``buffer`` (binary modes); return the number of bytes read."""
        self._check_readable()
        return self._stream().readinto(buffer)

    def flush(self) -> None:
        """Wait for the parts being uploaded; raise if one failed (write modes)."""
        if self._writer is not None:
            self._writer.flush()
        elif "r" not in self._mode and self._file is not None:
            self._file.flush()

    # -- positions -----------------------------------------------------------

    def tell(self) -> int:
        """Return the position; in write mode, counted from the start of the object."""
        if "w" in self._mode:
            return self._write_tell()
        position: int = self._stream().tell()
        return position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Move the position; in write mode only within the part not yet uploaded."""
        if "w" in self._mode:
            return self._write_seek(offset, whence)
        result: int = self._stream().seek(offset, whence)
        return result

    def truncate(self, size: int | None = None) -> int:
        """Cut the file at ``size`` (default: the position); in write mode only in the tail."""
        if "w" in self._mode:
            return self._write_truncate(size)
        result: int = self._stream().truncate(size)
        return result

    # -- io queries (answered without downloading) -----------------------------

    def readable(self) -> bool:
        """Return True if the file is open and can be read."""
        return not self._closed and bool(self._stream().readable())

    def writable(self) -> bool:
        """Return True if the file is open and can be written."""
        return not self._closed and "w" in self._mode

    def seekable(self) -> bool:
        """Return True if the file is open and can seek."""
        return not self._closed and bool(self._stream().seekable())

    def fileno(self) -> int:
        """Return the buffer's descriptor; reads in ranges have none (io.UnsupportedOperation)."""
        result: int = self._stream().fileno()
        return result

    def isatty(self) -> bool:
        """Return False."""
        return False

    @property
    def encoding(self) -> str | None:
        """Return "utf-8" in text read modes, else None."""
        return getattr(self._stream(), "encoding", None)

    @property
    def newlines(self) -> Any:
        """Return the newlines seen so far by a text read, as io reports them."""
        return getattr(self._stream(), "newlines", None)

    @property
    def size(self) -> int:
        """The object's size; while writing, the bytes written so far."""
        if "w" in self._mode:
            return self._written_size()
        self._size_seen = True
        length: int = self.obj.content_length
        return length

    # -- closing ----------------------------------------------------------------

    def close(self) -> None:
        """Finish the upload (write modes) and release the buffers; a second call does nothing.

        Raises if the upload failed: the object is then left as it was.
        """
        if self._closed:
            return
        try:
            self._finish_upload()
        finally:
            self._release()

    def discard(self) -> None:
        """Abort any upload in progress and close; the object is left as it was."""
        if self._writer is not None:
            self._writer.abort()
        self._release()

    def _release(self) -> None:
        self._close_streams(self._file, self._reader)
        self._file = self._reader = None
        self._reload = "r" in self._mode
        self._reset_write_state()
        self._closed = True

    def _close_streams(self, *streams: Any) -> None:
        owned, self._owned = self._owned, []
        for stream in (*streams, *owned):
            if stream is not None:
                stream.close()

    def open(self, mode: str | None = None, *args: Any, **kwargs: Any) -> S3File:
        """Reopen the file (same mode only); return self. Other arguments are ignored."""
        if (self._file is not None or self._reader is not None) and not self._closed:
            self.seek(0)
        elif mode and mode != self._mode:
            raise ValueError("Cannot reopen file with a new mode.")
        self._stream()
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
