"""The async twins of the Storage API, mixed into ``S3Storage``.

Each method awaits its synchronous twin, run on the storage's thread pool
(:mod:`.pool`): the same names, validation, create-only writes, gzip,
parameters, listing rules and exceptions, because it is the same code.
``aurl()`` is the exception: signing is computation, so after the first
call (which builds the client and looks up credentials, on the pool) it
runs on the event loop and returns what ``url()`` returns.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import datetime
from itertools import islice
from typing import Any, Protocol

from ..bulk.results import DeleteResult, Entry, Stat
from ..files.file import S3File
from ..protocol import MAX_LIST_KEYS
from ..state import RuntimeState
from .file import AsyncS3File, Opening
from .pool import PoolStorage, run

__all__ = ["AsyncStorage", "AsyncStorageMixin"]

#: Entries that ``ascandir()`` takes from the listing per trip to the pool:
#: one ListObjectsV2 page.
_ENTRIES_PER_TRIP = MAX_LIST_KEYS


class AsyncStorage(PoolStorage, Protocol):
    """The synchronous API the async twins run (``S3Storage`` has it)."""

    @property
    def _runtime(self) -> RuntimeState: ...
    def exists(self, name: str) -> bool: ...
    def save(self, name: str | None, content: Any, max_length: int | None = None) -> str: ...
    def delete(self, name: str) -> None: ...
    def size(self, name: str) -> int: ...
    def get_modified_time(self, name: str) -> datetime: ...
    def listdir(self, name: str) -> tuple[list[str], list[str]]: ...
    def open(self, name: str, mode: str = "rb", *, version_id: str | None = None) -> S3File: ...
    def url(
        self,
        name: str | None,
        parameters: dict[str, Any] | None = None,
        expire: int | None = None,
        http_method: str | None = None,
        *,
        version_id: str | None = None,
    ) -> str: ...
    def copy(self, src: str, dst: str, *, overwrite: bool | None = None) -> str: ...
    def move(self, src: str, dst: str, *, overwrite: bool | None = None) -> str: ...
    def delete_many(self, names: Iterable[str]) -> DeleteResult: ...
    def delete_prefix(self, path: str, *, allow_root: bool = False) -> int: ...
    def scandir(self, path: str = "", *, recursive: bool = False) -> Iterator[Entry]: ...
    def stat(self, name: str) -> Stat: ...


class AsyncStorageMixin:
    """Async methods for ASGI code: ``await storage.aexists(name)`` and the rest.

    Blocking work runs on a bounded pool of ``async_workers`` threads shared
    by the storages of that size, never on Django's single
    ``thread_sensitive`` thread. Cancelling a task that awaits a method
    stops the work and waits for it to stop: a cancelled ``asave`` leaves
    the whole file or nothing, and never an unfinished multipart upload.
    """

    async def aexists(self: AsyncStorage, name: str) -> bool:
        """``exists()``, awaited."""
        return await run(self, self.exists, name)

    async def asave(
        self: AsyncStorage, name: str | None, content: Any, max_length: int | None = None
    ) -> str:
        """``save()``, awaited: return the name used.

        Cancelled, it stops reading ``content``: the file is then either
        stored whole (the upload had finished) or not at all.
        """
        return await run(self, self.save, name, content, max_length)

    async def adelete(self: AsyncStorage, name: str) -> None:
        """``delete()``, awaited."""
        await run(self, self.delete, name)

    async def asize(self: AsyncStorage, name: str) -> int:
        """``size()``, awaited."""
        return await run(self, self.size, name)

    async def aget_modified_time(self: AsyncStorage, name: str) -> datetime:
        """``get_modified_time()``, awaited."""
        return await run(self, self.get_modified_time, name)

    async def alistdir(self: AsyncStorage, path: str) -> tuple[list[str], list[str]]:
        """``listdir()``, awaited."""
        return await run(self, self.listdir, path)

    async def aurl(
        self: AsyncStorage,
        name: str | None,
        parameters: dict[str, Any] | None = None,
        expire: int | None = None,
        http_method: str | None = None,
        *,
        version_id: str | None = None,
    ) -> str:
        """Return what ``url()`` returns, computed on the event loop.

        The storage's first URL is built on the pool: it creates the client
        and reads the credentials, which may touch files or the network.
        """
        if self._runtime.url is None:
            return await run(
                self, self.url, name, parameters, expire, http_method, version_id=version_id
            )
        return self.url(name, parameters, expire, http_method, version_id=version_id)

    def aopen(
        self: AsyncStorage, name: str, mode: str = "rb", *, version_id: str | None = None
    ) -> Opening:
        """Open ``name`` for reading: ``await`` it, or use it with ``async with``.

        The file (:class:`storages.aio.AsyncS3File`) reads as ``open()``'s
        does. ``mode`` is "rb" or "r"; write with :meth:`asave`.
        """
        if "w" in mode or "a" in mode or "+" in mode:
            raise ValueError(
                f"aopen() reads files; {mode!r} is not a reading mode. "
                "Write with asave(name, content)."
            )

        async def open_file() -> AsyncS3File:
            file = await run(self, self.open, name, mode, version_id=version_id)
            return AsyncS3File(self, file)

        return Opening(open_file)

    async def acopy(
        self: AsyncStorage, src: str, dst: str, *, overwrite: bool | None = None
    ) -> str:
        """``copy()``, awaited: return the destination name used."""
        return await run(self, self.copy, src, dst, overwrite=overwrite)

    async def amove(
        self: AsyncStorage, src: str, dst: str, *, overwrite: bool | None = None
    ) -> str:
        """``move()``, awaited: return the destination name used."""
        return await run(self, self.move, src, dst, overwrite=overwrite)

    async def adelete_many(self: AsyncStorage, names: Iterable[str]) -> DeleteResult:
        """``delete_many()``, awaited."""
        return await run(self, self.delete_many, list(names))

    async def adelete_prefix(self: AsyncStorage, path: str, *, allow_root: bool = False) -> int:
        """``delete_prefix()``, awaited."""
        return await run(self, self.delete_prefix, path, allow_root=allow_root)

    async def astat(self: AsyncStorage, name: str) -> Stat:
        """``stat()``, awaited."""
        return await run(self, self.stat, name)

    async def ascandir(
        self: AsyncStorage, path: str = "", *, recursive: bool = False
    ) -> AsyncIterator[Entry]:
        """``scandir()`` as an async iterator: ``async for entry in storage.ascandir(path)``.

        Each listing page (1,000 keys) is read on the pool as the iteration
        reaches it.
        """
        entries = self.scandir(path, recursive=recursive)  # lazy: no request yet
        while batch := await run(self, _take, entries):
            for entry in batch:
                yield entry


def _take(entries: Iterator[Entry]) -> list[Entry]:
    return list(islice(entries, _ENTRIES_PER_TRIP))
