"""``aopen()``'s file: S3File's ranged reads, awaited.

:class:`AsyncS3File` wraps the :class:`~..files.file.S3File` that ``open()``
returns and runs each of its reads on the storage's pool (:mod:`.pool`), so
it reads exactly as S3File does: one HEAD at open, small first ranges, a
growing read-ahead window, ``If-Match`` on every GET (a replaced object
raises ``ObjectChangedError``), gzip decoded when the storage gzips. One
operation runs at a time; concurrent calls wait their turn.

A read cancelled while it runs stops before its next piece and closes the
file, which releases its HTTP connection: the position would no longer be
known. :meth:`AsyncS3File.close` is synchronous, for Django: a
``StreamingHttpResponse`` over the file calls it (from a thread, under
ASGI) when the response ends.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from types import TracebackType
from typing import Any, Protocol, TypeVar

from ..files.reader import PIECE_SIZE
from .pool import PoolStorage, run

__all__ = ["AsyncS3File", "Opening", "ReadableFile"]

_T = TypeVar("_T")

#: Bytes per chunk when iterating over a file: one ranged read's piece.
CHUNK_SIZE = PIECE_SIZE


class ReadableFile(Protocol):
    """What an async file needs of the synchronous file it wraps (S3File has it)."""

    name: str

    @property
    def size(self) -> int: ...
    @property
    def closed(self) -> bool: ...
    def read(self, *args: Any) -> Any: ...
    def readline(self, *args: Any) -> Any: ...
    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int: ...
    def tell(self) -> int: ...
    def close(self) -> None: ...


class AsyncS3File:
    """A stored file opened for reading by ``storage.aopen(name)``.

    ``await f.read(n)`` and the other methods run S3File's ranged reads on
    the storage's thread pool. ``async for chunk in f`` yields chunks of
    256 KiB from the current position, so
    ``StreamingHttpResponse(f)`` streams a large object with bounded
    memory. Use it with ``async with``, or call :meth:`aclose`.
    """

    def __init__(self, storage: PoolStorage, file: ReadableFile) -> None:
        self._storage = storage
        self._file = file
        self._lock = asyncio.Lock()

    @property
    def name(self) -> str:
        """The storage name of the file."""
        return self._file.name

    @property
    def size(self) -> int:
        """The object's size in bytes, from the HEAD made at open (no request)."""
        return self._file.size

    @property
    def closed(self) -> bool:
        """True once the file was closed (by :meth:`aclose`, or a cancelled read)."""
        return self._file.closed

    @property
    def file(self) -> ReadableFile:
        """The synchronous S3File behind this one (do not use it while a call runs)."""
        return self._file

    async def read(self, size: int = -1) -> Any:
        """Read up to ``size`` bytes (str in text mode); all the rest by default."""
        return await self._locked(self._file.read, size)

    async def readline(self, size: int = -1) -> Any:
        """Read one line, or up to ``size`` bytes of it."""
        return await self._locked(self._file.readline, size)

    async def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Move the position (nothing is fetched until the next read); return it."""
        return await self._locked(self._file.seek, offset, whence)

    async def tell(self) -> int:
        """Return the position."""
        return await self._locked(self._file.tell)

    async def chunks(self, chunk_size: int | None = None) -> AsyncIterator[Any]:
        """Yield the file from its start in chunks of ``chunk_size`` (256 KiB by default).

        As Django's ``File.chunks()``: it rewinds first.
        """
        await self.seek(0)
        async for chunk in self._chunks(chunk_size or CHUNK_SIZE):
            yield chunk

    def __aiter__(self) -> AsyncIterator[Any]:
        """Iterate over chunks of 256 KiB from the current position."""
        return self._chunks(CHUNK_SIZE)

    async def _chunks(self, chunk_size: int) -> AsyncIterator[Any]:
        while chunk := await self.read(chunk_size):
            yield chunk

    async def aclose(self) -> None:
        """Close the file and release its connection; a second call does nothing."""
        async with self._lock:
            if not self._file.closed:
                await run(self._storage, self._file.close)

    def close(self) -> None:
        """Close the file now, on the calling thread (Django's response closers call this)."""
        self._file.close()

    async def __aenter__(self) -> AsyncS3File:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"<AsyncS3File: {self.name}>"

    async def _locked(self, method: Callable[..., _T], *args: Any) -> _T:
        async with self._lock:
            try:
                return await run(self._storage, method, *args)
            except asyncio.CancelledError:
                # The read stopped part-way: the position is lost. Release the connection.
                # (run() sees a second cancellation through: the file is closed on return.)
                await run(self._storage, self._file.close)
                raise


class Opening:
    """What ``aopen()`` returns: await it for the file, or use it with ``async with``."""

    def __init__(self, open_file: Callable[[], Awaitable[AsyncS3File]]) -> None:
        self._open_file = open_file
        self._file: AsyncS3File | None = None

    def __await__(self) -> Generator[Any, None, AsyncS3File]:
        return self._open().__await__()

    async def _open(self) -> AsyncS3File:
        return await self._open_file()

    async def __aenter__(self) -> AsyncS3File:
        self._file = await self._open_file()
        return self._file

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._file is not None:
            await self._file.aclose()
