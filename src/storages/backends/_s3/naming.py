"""Names for create-only saves, without asking S3 first whether they are free.

Django's ``Storage.save()`` picks a free name with ``get_available_name()``,
which asks ``exists()`` (a HEAD request) about each name it tries. When a
save is create-only (``file_overwrite=False`` on a store with conditional
writes), the PutObject with ``If-None-Match: *`` is that check already, and
an atomic one: S3 refuses it with 412 when the key is taken. So, for the
duration of one ``save()``, :func:`unchecked_names` lets Django's own naming
run (``validate_file_name``, the traversal checks, ``max_length`` and its
truncation, ``get_alternative_name``) while ``exists()`` answers from what
this save has learnt instead of asking S3: a key S3 refused is taken, any
other is assumed free. A free name then costs one request, a taken one two.

The HEAD is skipped only while every method it would have protected is the
library's own (:data:`CHECKED_BY`), outside a collectstatic listing view,
and while the store honours conditional writes; a store that answers 501
gets the HEAD before its plain upload, as before (see ``create.py``).
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol

from django.core.files.storage import Storage

from .extension import is_overridden
from .state import RuntimeState

__all__ = [
    "CHECKED_BY",
    "NamingStorage",
    "assumed_taken",
    "current_save",
    "may_skip_check",
    "picking",
    "unchecked_names",
]

#: Override points whose override means the name must be checked with a HEAD:
#: they ask exists(), choose the name, or write without the create-only check.
#: (So does an override of Django 5.1+'s ``is_name_available()``.)
CHECKED_BY = ("exists", "get_available_name", "_save")
#: Django's own ``Storage.is_name_available`` (Django 5.1+), or None before it.
_DJANGOS_IS_NAME_AVAILABLE = inspect.getattr_static(Storage, "is_name_available", None)


class _HasRuntime(Protocol):
    @property
    def _runtime(self) -> RuntimeState: ...


class NamingStorage(_HasRuntime, Protocol):
    """What the naming of a save needs from a storage (``S3Storage`` has all of it)."""

    @property
    def file_overwrite(self) -> bool: ...


@dataclass
class UncheckedSave:
    """One save whose names are not checked with a HEAD."""

    #: The ``max_length`` the save was given, for the names tried after a 412.
    max_length: int | None
    #: Keys S3 refused (412) during this save.
    taken: set[str] = field(default_factory=set)
    #: True while ``get_available_name()`` picks a name for this save.
    picking: bool = False


def _local(storage: _HasRuntime) -> threading.local:
    return storage._runtime.saves


def may_skip_check(storage: NamingStorage) -> bool:
    """Return True if a save may skip the HEAD for its name (see the module docstring)."""
    return (
        not storage.file_overwrite
        and not storage._runtime.conditional_writes_unsupported
        and not any(is_overridden(storage, name) for name in CHECKED_BY)
        and not _is_name_available_replaced(storage)
    )


def _is_name_available_replaced(storage: NamingStorage) -> bool:
    if _DJANGOS_IS_NAME_AVAILABLE is None:
        return False
    return "is_name_available" in vars(storage) or (
        inspect.getattr_static(type(storage), "is_name_available") is not _DJANGOS_IS_NAME_AVAILABLE
    )


@contextmanager
def unchecked_names(storage: NamingStorage, max_length: int | None) -> Iterator[UncheckedSave]:
    """Mark this thread's save on ``storage`` as one whose names are not checked."""
    local = _local(storage)
    outer = getattr(local, "save", None)
    local.save = UncheckedSave(max_length)
    try:
        yield local.save
    finally:
        local.save = outer


def current_save(storage: _HasRuntime) -> UncheckedSave | None:
    """Return this thread's unchecked save on ``storage``, if one is running."""
    save: UncheckedSave | None = getattr(_local(storage), "save", None)
    if save is not None and storage._runtime.conditional_writes_unsupported:
        return None  # the store refused If-None-Match: names are checked again
    return save


@contextmanager
def picking(storage: NamingStorage) -> Iterator[None]:
    """Mark ``get_available_name()`` running for this thread's unchecked save, if any."""
    save = current_save(storage)
    if save is None:
        yield
        return
    save.picking, was = True, save.picking
    try:
        yield
    finally:
        save.picking = was


def assumed_taken(storage: NamingStorage, key: str) -> bool | None:
    """Return whether ``key`` counts as taken without asking S3, or None to ask S3.

    Only while ``get_available_name()`` picks a name for an unchecked save:
    True for a key S3 refused during this save, False for any other.
    """
    save = current_save(storage)
    if save is None or not save.picking:
        return None
    return key in save.taken
