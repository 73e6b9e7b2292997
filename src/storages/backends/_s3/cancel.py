"""Stopping a blocking operation from outside: the async API's cancellation.

A thread cannot be interrupted, so an operation that the async API runs on
a pool thread (see :mod:`.aio.pool`) is stopped cooperatively: the pool runs
it with a :class:`CancelToken` in its context, and the places where a long
operation loops check the token. When a task awaiting the operation is
cancelled, the token is set; the next check raises :class:`CancelledOperation`,
and the operation fails as it would on any error: a multipart upload is
aborted, a file's response is released. What is in flight when the token is
set (one PutObject, one part, one ranged read) finishes first.

The checks cost one context-variable lookup, and nothing happens when no
token is set: synchronous calls never have one.

Where the checks are:

- a write's body (:func:`cancellable`, applied by ``WriteRequest.body()``):
  every read of the body, whichever thread reads it;
- a multipart upload, before it completes (:func:`check`), and boto3's
  transfer of an overwrite, which is cancelled as boto3 provides
  (:func:`on_cancel`);
- a file's ranged reads, before each piece (:func:`check`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

__all__ = [
    "CancelToken",
    "CancelledOperation",
    "cancellable",
    "check",
    "current",
    "on_cancel",
    "token_set",
]


class CancelledOperation(Exception):  # noqa: N818 (not an error: a request to stop)
    """The task waiting for this operation was cancelled: stop here, leaving nothing half-done."""


class CancelToken:
    """Set once, from any thread, to stop the operation that runs with it."""

    __slots__ = ("_callbacks", "_event", "_lock")

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], object]] = []

    def cancel(self) -> None:
        """Ask the operation to stop at its next check, and call its cancel callbacks."""
        with self._lock:
            self._event.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()

    @property
    def cancelled(self) -> bool:
        """True once :meth:`cancel` was called."""
        return self._event.is_set()

    def check(self) -> None:
        """Raise CancelledOperation if the token was set."""
        if self._event.is_set():
            raise CancelledOperation("The operation was cancelled.")

    @contextmanager
    def on_cancel(self, callback: Callable[[], object]) -> Iterator[None]:
        """Call ``callback`` (quick, thread-safe) if the token is set during the block."""
        with self._lock:
            pending = not self._event.is_set()
            if pending:
                self._callbacks.append(callback)
        if not pending:
            callback()
        try:
            yield
        finally:
            with self._lock:
                if callback in self._callbacks:
                    self._callbacks.remove(callback)


_TOKEN: ContextVar[CancelToken | None] = ContextVar("s3storages_cancel_token", default=None)


def current() -> CancelToken | None:
    """Return the token of the operation running in this context, if any."""
    return _TOKEN.get()


def check() -> None:
    """Raise CancelledOperation if the operation running in this context was cancelled."""
    token = _TOKEN.get()
    if token is not None:
        token.check()


@contextmanager
def on_cancel(callback: Callable[[], object]) -> Iterator[None]:
    """Call ``callback`` if the operation running in this context is cancelled during the block.

    For work that other threads do and that has its own way to stop (boto3's
    transfer futures): ``callback`` runs on the thread that cancels, so it
    must be quick and thread-safe. Nothing happens outside the async API.
    """
    token = _TOKEN.get()
    if token is None:
        yield
        return
    with token.on_cancel(callback):
        yield


@contextmanager
def token_set(token: CancelToken) -> Iterator[None]:
    """Run the ``with`` block as the operation ``token`` stops."""
    reset = _TOKEN.set(token)
    try:
        yield
    finally:
        _TOKEN.reset(reset)


class _CheckedStream:
    """A stream whose reads check a token first; everything else goes to the stream."""

    def __init__(self, stream: Any, token: CancelToken) -> None:
        self._stream = stream
        self._token = token

    def read(self, *args: Any) -> Any:
        self._token.check()
        return self._stream.read(*args)

    def readinto(self, buffer: Any) -> Any:
        self._token.check()
        return self._stream.readinto(buffer)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def cancellable(stream: Any) -> Any:
    """Return ``stream``, checked on every read when it runs as a cancellable operation.

    The token is taken now, from this context: the transfer threads that
    read the body later (boto3's, for a multipart upload) do not share it.
    """
    token = _TOKEN.get()
    return stream if token is None else _CheckedStream(stream, token)
