"""Replay for bodies that cannot seek: keep what is read, so it can be sent again.

A create-only save may have to send its body twice: once with
``If-None-Match: *`` and again under another name (S3 answered 412), or
again without the header (the store answered 501). Content that can seek is
rewound; content that cannot (a pipe, a socket, a generator's file) is read
through a :class:`Replay`, which copies every byte it reads into a spool (in
memory up to a limit, then a temporary file), and a later :meth:`Replay.stream`
reads the spool first and then the rest of the source. The source is read
once; memory stays bounded by the limit.
"""

from __future__ import annotations

import logging
import tempfile
from typing import IO, Any

__all__ = ["Replay", "ReplayStream"]

logger = logging.getLogger(__name__)

#: How much ``read()`` of everything asks the spool or the source for at a time.
_READ_ALL_PIECE = 1024 * 1024


class Replay:
    """The bytes of ``source`` (a stream of bytes that cannot seek), readable again and again.

    ``memory_limit`` bytes stay in memory (0: all of them); beyond that the
    spool rolls over to a temporary file in ``directory`` (None: the
    system's temporary directory).
    """

    def __init__(self, source: Any, memory_limit: int, directory: str | None = None) -> None:
        self._source = source
        self._limit = memory_limit
        self._spool: IO[bytes] = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - closed by close()
            max_size=memory_limit, suffix=".s3upload", dir=directory
        )
        self._size = 0  # bytes read from the source so far, all of them in the spool
        self._exhausted = False

    def stream(self) -> ReplayStream:
        """Return a stream of the bytes from the start (only the newest stream may be read)."""
        return ReplayStream(self)

    def close(self) -> None:
        """Discard the spool (a temporary file is deleted)."""
        self._spool.close()

    def _read_at(self, position: int, size: int) -> bytes:
        """Return up to ``size`` bytes from ``position``, reading more of the source if needed."""
        if position >= self._size and not self._exhausted:
            self._fill(size)
        size = min(size, self._size - position)
        if size <= 0:
            return b""
        self._spool.seek(position)
        return self._spool.read(size)

    def _fill(self, size: int) -> None:
        chunk = self._source.read(size)
        if not chunk:
            self._exhausted = True
            return
        self._spool.seek(self._size)
        self._spool.write(chunk)
        before, self._size = self._size, self._size + len(chunk)
        if self._limit > 0 and before <= self._limit < self._size:
            logger.debug("Spooled more than %d bytes of an unseekable body to disk", self._limit)


class ReplayStream:
    """A read-only, unseekable stream of a :class:`Replay`'s bytes from the start.

    ``read(n)`` returns exactly ``n`` bytes until the end (uploaders cut parts
    by the bytes one read returns). Closing it leaves the source open.
    """

    def __init__(self, replay: Replay) -> None:
        self._replay = replay
        self._position = 0
        self.closed = False

    def readable(self) -> bool:
        """Return True."""
        return True

    def seekable(self) -> bool:
        """Return False: a replay is read from the start only."""
        return False

    def read(self, size: int | None = -1) -> bytes:
        """Return the next ``size`` bytes (all the rest when ``size`` is None or negative)."""
        chunks: list[bytes] = []
        wanted = -1 if size is None or size < 0 else size
        while wanted:
            piece = _READ_ALL_PIECE if wanted < 0 else wanted
            chunk = self._replay._read_at(self._position, piece)
            if not chunk:
                break
            chunks.append(chunk)
            self._position += len(chunk)
            if wanted > 0:
                wanted -= len(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        """Stop reading; the replay and its source stay open."""
        self.closed = True
