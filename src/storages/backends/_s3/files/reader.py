"""Lazy, ranged reads of one S3 object version, for S3File.

Opening costs nothing here: bytes are fetched only when read. ``read(n)``,
``readline()`` and seeks fetch HTTP ranges: a small first range at a new
position (a header, a peek), then, while reads stay sequential, the read-ahead
window, doubling, so streaming a large object takes few requests and holds
only a small buffer. ``read()`` of everything fetches the rest in parallel
ranges sized by the storage's ``TransferConfig``, as boto3's
``download_fileobj`` does. A response abandoned with a few bytes unread is
read to its end, which keeps its connection in the pool.

Every GET carries ``If-Match`` with the ETag seen at open: S3 answers 412 when
the object was replaced. Once the caller has seen anything of the version
opened (bytes, or its size), the reader raises :class:`ObjectChangedError`
rather than return a mix of two versions; before that, it reads the new
version, as django-storages (which downloaded at the first read) did.
"""

from __future__ import annotations

import io
import logging
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from itertools import islice
from typing import Any, TypeVar

from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    IncompleteReadError,
    ReadTimeoutError,
    ResponseStreamingError,
)
from urllib3.exceptions import ProtocolError

from .. import cancel
from ..errors import is_not_found, missing_file, status_code
from ..io import PositionedRaw
from ..protocol import HTTP_PRECONDITION_FAILED

__all__ = [
    "DRAIN_LIMIT",
    "FIRST_WINDOW",
    "MAX_WINDOW",
    "PIECE_SIZE",
    "ObjectChangedError",
    "RangeReader",
]

logger = logging.getLogger(__name__)

_T = TypeVar("_T")
#: Returns the object's current (size, ETag), or None if the caller already saw the old one.
Refresh = Callable[[], "tuple[int, str | None] | None"]

#: Bytes taken from a response per read: big enough to make Python's per-call
#: cost vanish, small enough to stay in the CPU cache (on loopback, reading a
#: response in 256 KiB pieces measured faster than in 1 MiB or 4 MiB ones).
PIECE_SIZE = 256 * 1024
#: Sequential reads double the window of each ranged GET up to this size.
MAX_WINDOW = 64 * 1024**2
#: The most the first GET at a new position (after open, or a seek elsewhere)
#: asks for, unless the read wants more than a buffer (PIECE_SIZE) or the rest
#: of the object fits in one (it then comes whole, in one request). Django's
#: get_image_dimensions needs 1 KiB of an image, yet the buffer asks for
#: PIECE_SIZE: a small first range keeps such reads cheap, and a read that goes
#: on costs one more request.
FIRST_WINDOW = 64 * 1024
#: A response abandoned with at most this many bytes unread is read to its end,
#: which hands its connection back to urllib3's pool (closing it unread drops
#: the connection); reading more than this would cost more than a new connection.
DRAIN_LIMIT = 64 * 1024
#: How many times a read that saw nothing yet follows a replaced object (each
#: retry is a HEAD and a GET): only an object rewritten faster than that fails.
_FOLLOW_NEW_VERSIONS = 4


class _ShortAnswerError(OSError):
    """A response ended before the bytes it announced."""


#: Failures of a response body that a new ranged GET from the same byte cures:
#: a dropped connection, a truncated body, a stalled read.
_TRANSIENT_BODY_ERRORS = (
    _ShortAnswerError,
    IncompleteReadError,
    ResponseStreamingError,
    ReadTimeoutError,
    ConnectionClosedError,
    ProtocolError,
)


class ObjectChangedError(OSError):
    """The object was replaced while a file was reading it.

    Raised instead of returning bytes from two versions; open the file again
    to read the new version.
    """


class RangeReader(PositionedRaw):
    """A seekable, read-only raw stream over one version of an S3 object.

    ``client``, ``bucket`` and ``key`` name the object (the client is the
    one of the file's ``obj``, so a replaced connection sees every call);
    ``size`` and ``etag`` come from the HEAD made at open; ``params`` are
    extra GetObject parameters (SSE-C keys, RequestPayer, ...).
    ``read_ahead`` is the window of the GET that continues a read past its
    first (:data:`FIRST_WINDOW`) range; later ones double it.
    ``transfer_config`` sets how ``readall()`` splits and parallelises a long
    read. ``refresh`` gives the version to read instead when the one opened
    was replaced before anything of it was read.
    """

    def __init__(
        self,
        client: Any,
        bucket: str,
        key: str,
        *,
        size: int,
        etag: str | None,
        params: Mapping[str, Any],
        read_ahead: int,
        transfer_config: Any,
        refresh: Refresh | None = None,
    ) -> None:
        super().__init__()
        self._client = client
        self._bucket = bucket
        self.key = key
        self.size = size
        self.etag = etag
        self._params = dict(params)
        self._read_ahead = read_ahead
        self._window = read_ahead
        self._chunk_size = max(int(transfer_config.multipart_chunksize), PIECE_SIZE)
        self._threshold = int(transfer_config.multipart_threshold)
        # No more threads than the client's connection pool: urllib3 would open and
        # throw away extra connections ("Connection pool is full").
        pool_size = getattr(getattr(client.meta, "config", None), "max_pool_connections", 10)
        threads = int(transfer_config.max_concurrency) if transfer_config.use_threads else 1
        self._concurrency = max(1, min(threads, pool_size or 1))
        # As download_fileobj does: a body that fails mid-way is fetched again from
        # where it stopped, this many times in all.
        self._attempts = max(1, int(getattr(transfer_config, "num_download_attempts", 5) or 1))
        self._pos = 0
        self._body: Any = None
        self._body_pos = 0
        self._body_stop = 0
        self._next_sequential: int | None = None
        self._refresh = refresh
        self._seen = False  # the caller saw bytes or the size of this version

    # -- io.RawIOBase ------------------------------------------------------

    def fileno(self) -> int:
        """Raise: the object is read over HTTP, there is no file descriptor."""
        raise io.UnsupportedOperation(
            f"{self.key!r} is read from S3 in ranges and has no file descriptor; "
            "use the file's .file attribute for a local copy"
        )

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Move the position; nothing is fetched until the next read."""
        if whence == io.SEEK_END:
            self._seen = True  # the caller learns the size (FileResponse's Content-Length)
        return super().seek(offset, whence)

    def readinto(self, buffer: Any) -> int:
        """Read up to ``len(buffer)`` bytes at the position; return how many (0 at the end)."""
        got = self._reading(lambda: self._readinto(buffer))
        self._seen = self._seen or got > 0
        return got

    def readall(self) -> bytes:
        """Return everything from the position to the end, fetched in parallel ranges."""
        data = self._reading(self._readall)
        self._seen = True
        return data

    def copy_to(self, sink: Any) -> None:
        """Write the whole object to ``sink``, holding at most one batch of ranges in memory."""
        self._reading(lambda: self._copy_to(sink))

    def close(self) -> None:
        """Release any open response, keeping its connection if few bytes were left unread."""
        self._drop_body()
        super().close()

    # -- reading -----------------------------------------------------------

    def _reading(self, action: Callable[[], _T]) -> _T:
        """Run ``action``; read the new version if the object changed before anything was seen."""
        for _ in range(_FOLLOW_NEW_VERSIONS):
            try:
                return action()
            except ObjectChangedError:
                fresh = None if self._seen or self._refresh is None else self._refresh()
                if fresh is None:
                    raise
            logger.debug("%s changed before it was read; reading the new version", self.key)
            self._drop_body()
            self._next_sequential = None
            self.size, self.etag = fresh
        return action()

    def _readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if not view.nbytes or self._pos >= self.size:
            return 0
        cancel.check()  # a cancelled async read stops before its next piece
        for attempt in range(1, self._attempts + 1):
            if self._body is None or self._body_pos != self._pos:
                self._open_range(len(view))
            count = min(len(view), self._body_stop - self._pos, PIECE_SIZE)
            try:
                got: int = self._body.readinto(view[:count])
                if not got:
                    raise self._short_answer(self._pos)
            except _TRANSIENT_BODY_ERRORS as err:
                self._drop_body(drain=False)  # broken: reading on could wait for a timeout
                if attempt == self._attempts:
                    raise
                logger.debug("Reading %s again from byte %d after %r", self.key, self._pos, err)
                continue
            self._pos += got
            self._body_pos = self._pos
            if self._pos >= self._body_stop:
                self._drop_body()  # fully read: its connection is already back in the pool
            return got
        raise AssertionError("unreachable")  # pragma: no cover

    def _readall(self) -> bytes:
        out = io.BytesIO()
        if self._pos < self.size:
            self._drop_body()
            self._copy_range(out, self._pos, self.size, exposes=False)
            self._pos = self.size
        return out.getvalue()  # (CPython hands over its buffer: no copy)

    def _copy_to(self, sink: Any) -> None:
        self._copy_range(sink, 0, self.size, exposes=True)

    # -- whole spans -------------------------------------------------------

    def _copy_range(self, sink: Any, start: int, stop: int, *, exposes: bool) -> None:
        """Write bytes ``start`` to ``stop - 1`` to ``sink``, in order, as they arrive."""
        if start >= stop:
            return
        for pieces in self._ranges(start, stop):
            sink.writelines(pieces)
            self._seen = self._seen or exposes  # the caller's sink holds some of this version

    def _ranges(self, start: int, stop: int) -> Iterator[list[bytes]]:
        """Yield the pieces of each range of the span, in order.

        A long span is fetched by a sliding window of threads, as
        download_fileobj does: besides the range being written, at most
        ``concurrency`` ranges download or wait, so memory stays bounded, and
        the caller writes each range while the next ones download.
        """
        if stop - start <= self._threshold or self._concurrency == 1:
            yield self._fetch(start, stop)
            return
        spans = ((a, min(a + self._chunk_size, stop)) for a in range(start, stop, self._chunk_size))
        with ThreadPoolExecutor(self._concurrency, thread_name_prefix="s3file-read") as pool:
            window = deque(
                pool.submit(self._fetch, *span) for span in islice(spans, self._concurrency)
            )
            try:
                while window:
                    cancel.check()
                    pieces = window.popleft().result()
                    for span in islice(spans, 1):
                        window.append(pool.submit(self._fetch, *span))
                    yield pieces
            finally:
                for future in window:
                    future.cancel()

    # -- requests ----------------------------------------------------------

    def _open_range(self, wanted: int) -> None:
        self._drop_body()
        start = self._pos
        if start == self._next_sequential:
            # Reads are sequential: fewer, longer requests (like the OS's read-ahead);
            # after the small first range, the read-ahead window.
            self._window = min(max(self._window * 2, self._read_ahead), MAX_WINDOW)
            length = max(wanted, self._window)
        else:
            # The buffer asks for PIECE_SIZE whatever the caller wants; a read
            # longer than that bypasses it, and then the caller does want it all.
            # A rest that fits in what was asked comes whole: one request, not two.
            self._window = 0
            small = wanted <= PIECE_SIZE and self.size - start > wanted
            length = min(wanted, FIRST_WINDOW) if small else wanted
        stop = min(self.size, start + length)
        self._body = self._get(start, stop)
        self._body_pos = start
        self._body_stop = stop
        self._next_sequential = stop

    def _fetch(self, start: int, stop: int) -> list[bytes]:
        """Return bytes ``start`` to ``stop - 1`` in pieces; a failed body resumes where it left."""
        pieces: list[bytes] = []
        position = start
        for attempt in range(1, self._attempts + 1):
            body = self._get(position, stop)
            try:
                while position < stop:
                    cancel.check()  # (no-op on the window's threads: no token there)
                    piece: bytes = body.read(min(PIECE_SIZE, stop - position))
                    if not piece:
                        raise self._short_answer(position)
                    pieces.append(piece)
                    position += len(piece)
                return pieces
            except _TRANSIENT_BODY_ERRORS as err:
                if attempt == self._attempts:
                    raise
                logger.debug("Reading %s again from byte %d after %r", self.key, position, err)
            finally:
                body.close()
        raise AssertionError("unreachable")  # pragma: no cover

    def _get(self, start: int, stop: int) -> Any:
        """Return the streaming body of bytes ``start`` to ``stop - 1`` of the version opened."""
        params = dict(self._params)
        params["Range"] = f"bytes={start}-{stop - 1}"
        if self.etag:
            params["IfMatch"] = self.etag
        try:
            response = self._client.get_object(Bucket=self._bucket, Key=self.key, **params)
        except ClientError as err:
            if status_code(err) == HTTP_PRECONDITION_FAILED:
                raise self._changed() from err
            if is_not_found(err):
                raise missing_file(self.key) from err
            raise
        body = response["Body"]
        etag = response.get("ETag")
        if self.etag and etag and etag != self.etag:
            # A store that ignores If-Match still names the version it sent.
            body.close()
            raise self._changed()
        return body

    def _drop_body(self, *, drain: bool = True) -> None:
        """Let go of the open response; read a small unread rest so its connection is reused."""
        body, self._body = self._body, None
        if body is None:
            return
        left = self._body_stop - self._body_pos
        if drain and 0 < left <= DRAIN_LIMIT:
            try:
                body.read()  # to the end: urllib3 then puts the connection back in its pool
            except _TRANSIENT_BODY_ERRORS as err:
                logger.debug("Closing the response for %s after %r", self.key, err)
        body.close()

    def _changed(self) -> ObjectChangedError:
        return ObjectChangedError(
            f"The object {self.key!r} changed while it was being read (its ETag is no "
            f"longer {self.etag}); open the file again to read the new version."
        )

    def _short_answer(self, position: int) -> OSError:
        return _ShortAnswerError(
            f"S3 ended the response for {self.key!r} early, at byte {position} of {self.size}."
        )
