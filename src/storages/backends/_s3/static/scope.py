"""When a storage answers from a :class:`ListingView`, and when it asks S3.

A view is active for a storage in exactly two situations:

1. **Inside Django's collectstatic.** A call made from within the running
   ``collectstatic`` command's ``collect()`` (Django's own command, or any
   subclass that calls it), on that command's destination storage, uses a
   view bound to that command object. The view is created by the first such
   call and dropped with the command, so each run lists afresh. Only the
   thread running the command sees it.
2. **Inside ``with storage.listing_view():``**, an explicit opt-in, for the
   code (thread or task) that entered the block.

Everything else (request handling, the shell, other threads, other
commands, and code after the run) gets ``None`` and asks S3 as before.

Why the call stack? The stock command gives a storage no "run started" or
"run ended" hook, and guessing from ``sys.argv`` fails under
``call_command()`` and deploy scripts. Django's ``Command.collect`` code
object is a precise, cheap marker (a few dozen pointer comparisons per call)
and the command object is a natural owner for per-run state.
"""

from __future__ import annotations

import contextlib
import functools
import sys
import types
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from typing import Any, NamedTuple

from django.utils.functional import LazyObject

from ..state import RuntimeState
from .listing import ListingView

__all__ = ["ListingMixin", "running_collectstatic"]

#: Explicit views of the current context, by ``id(storage)``.
_EXPLICIT: ContextVar[Mapping[int, ListingView]] = ContextVar(
    "s3storages_listing_views", default=types.MappingProxyType({})
)


class _Codes(NamedTuple):
    collect: types.CodeType
    delete_file: types.CodeType


@functools.cache
def _codes() -> _Codes:
    # Imported on first use: the command module pulls in staticfiles' storage.
    from django.contrib.staticfiles.management.commands import collectstatic

    command = collectstatic.Command
    return _Codes(command.collect.__code__, command.delete_file.__code__)


def _destination(command: Any) -> Any:
    storage = getattr(command, "storage", None)
    if isinstance(storage, LazyObject):
        # staticfiles_storage: the configured storage, once set up.
        storage = storage.__dict__.get("_wrapped")
    return storage


def running_collectstatic(storage: Any) -> Any:
    """Return the collectstatic command whose ``collect()`` is calling ``storage``, or None."""
    code = _codes().collect
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code is code:
            command = frame.f_locals.get("self")
            return command if _destination(command) is storage else None
        frame = frame.f_back  # type: ignore[assignment]
    return None


def _called_from_delete_file() -> bool:
    # Django's Command.delete_file() deletes a changed file and its caller,
    # copy_file(), saves the same name right after, so the delete can wait
    # for that save.
    code = _codes().delete_file
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code is code:
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False


class ListingMixin:
    """Gives S3Storage its listing views: explicit blocks and collectstatic runs."""

    collectstatic_listing: bool
    _runtime: RuntimeState

    @contextlib.contextmanager
    def listing_view(self) -> Iterator[ListingView]:
        """Answer ``exists()``, ``get_modified_time()`` and ``listdir()`` from one listing.

        Inside the block, for the code that entered it, the storage lists its
        location once (on first use) and answers from that listing, kept
        current by the block's own saves and deletes; saves of bytes S3
        already holds under the same key are skipped. Changes made by other
        processes during the block are not seen: use it for batch jobs such
        as a deploy, not in request handling. Nested blocks share one view.
        """
        current = _EXPLICIT.get()
        view = current.get(id(self))
        if view is not None:
            yield view
            return
        view = ListingView(self)  # type: ignore[arg-type]
        token = _EXPLICIT.set(types.MappingProxyType({**current, id(self): view}))
        try:
            yield view
        finally:
            _EXPLICIT.reset(token)
            view.flush()

    def _active_listing(self) -> ListingView | None:
        """Return the view that answers for this call, or None to ask S3."""
        view = _EXPLICIT.get().get(id(self))
        if view is None:
            if not self.collectstatic_listing:
                return None
            command = running_collectstatic(self)
            if command is None:
                return None
            view = self._collectstatic_view(command)
        return view if view.load() else None

    def _collectstatic_view(self, command: Any) -> ListingView:
        runtime = self._runtime
        with runtime.lock:
            views = runtime.collectstatic_views
            view = views.get(command)
            if view is None:
                view = ListingView(self, hold_when=_called_from_delete_file)  # type: ignore[arg-type]
                views[command] = view
        return view
