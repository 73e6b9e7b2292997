"""The threads the async API runs blocking calls on, and how a cancelled call stops.

botocore is synchronous, so every async method that talks to S3 runs its
synchronous twin on a pool thread and awaits it. The pools are bounded and
shared: all storages with the same ``async_workers`` use one
:class:`~concurrent.futures.ThreadPoolExecutor`, created on first use, so
creating many storages never multiplies threads. Its threads are named
``s3storages-async-N_i``; Python joins them at exit, and a forked child
(a pre-forking server) starts new ones instead of inheriting dead ones.
This is not Django's ``sync_to_async``: its default ``thread_sensitive``
mode runs every call, across all requests, on one shared thread.

:func:`run` is the one way in. It copies the caller's context (as
``asyncio.to_thread`` does) and gives the call a :class:`~.cancel.CancelToken`.
When the awaiting task is cancelled, it sets the token, waits until the
call has stopped (the call's checks make that quick: see :mod:`..cancel`),
and only then lets ``CancelledError`` propagate, so that the caller never
sees a half-finished operation still running behind it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import logging
import os
import threading
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from .. import cancel
from ..connections import share_pool_client
from ..types import SessionStorage

__all__ = ["PoolStorage", "executor", "run"]

logger = logging.getLogger(__name__)

_T = TypeVar("_T")

_executors: dict[int, concurrent.futures.ThreadPoolExecutor] = {}
_executors_lock = threading.Lock()


class PoolStorage(SessionStorage, Protocol):
    """What :func:`run` needs from a storage: its pool size and its connections."""

    async_workers: int


def executor(workers: int) -> concurrent.futures.ThreadPoolExecutor:
    """Return the shared pool of ``workers`` threads, creating it on first use."""
    with _executors_lock:
        pool = _executors.get(workers)
        if pool is None:
            pool = concurrent.futures.ThreadPoolExecutor(
                workers, thread_name_prefix=f"s3storages-async-{workers}"
            )
            _executors[workers] = pool
        return pool


def _forget_executors() -> None:
    # The child of a fork has none of the parent's threads: its pools start afresh.
    global _executors_lock
    _executors_lock = threading.Lock()
    _executors.clear()


os.register_at_fork(after_in_child=_forget_executors)


def _call(
    storage: PoolStorage,
    token: cancel.CancelToken,
    function: Callable[..., _T],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> _T:
    token.check()  # cancelled while it waited for a thread: nothing was done
    share_pool_client(storage, storage.async_workers)
    with cancel.token_set(token):
        return function(*args, **kwargs)


async def run(storage: PoolStorage, function: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
    """Return ``function(*args, **kwargs)``, called on the storage's pool thread.

    Exceptions are the function's own. If the awaiting task is cancelled,
    the call is asked to stop and awaited before ``CancelledError`` is
    raised: when it propagates, the call has either finished or stopped.
    """
    token = cancel.CancelToken()
    context = contextvars.copy_context()
    future = executor(storage.async_workers).submit(
        context.run, _call, storage, token, function, args, kwargs
    )
    try:
        return await asyncio.wrap_future(future)
    except asyncio.CancelledError:
        token.cancel()
        future.cancel()  # never started: it never will
        await _settle(future)
        raise


async def _settle(future: concurrent.futures.Future[Any]) -> None:
    """Wait until ``future`` is done, through any further cancellation of this task."""
    waiter = asyncio.wrap_future(future)
    while not waiter.done():
        try:
            await asyncio.wait({waiter})  # (never cancels what it waits for)
        except asyncio.CancelledError:
            continue  # cancelled again: the call must still be waited for
    if not waiter.cancelled() and waiter.exception() is not None:
        logger.debug("A cancelled call ended with %r", waiter.exception())
