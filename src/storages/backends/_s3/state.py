"""A storage's runtime state: what it learns while it runs, never pickled.

``storage._runtime`` holds the caches that every thread of one storage
shares. Each field names the one module that may change it; every other
module only reads it. The per-thread connections (``storage._connections``
and ``storage._unsigned_connections``, where user code may put a stub
resource) stay plain attributes, owned by :mod:`.connections`.

Pickling drops it, with the connections: a copy in another process learns
its own. ``S3ConnectionMixin.__setstate__`` builds a fresh state.
"""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import boto3.session

    # Types of fields that capability modules own; nothing is imported at run time.
    from .static.listing import ListingView
    from .urls.url import UrlState

__all__ = ["RuntimeState"]


class RuntimeState:
    """The caches one storage shares between its threads (see the module docstring)."""

    __slots__ = (
        "collectstatic_views",
        "conditional_writes_unsupported",
        "delete_objects_unsupported",
        "lock",
        "pool_resource",
        "saves",
        "session",
        "session_lock",
        "url",
    )

    def __init__(self, *, conditional_writes: bool = True) -> None:
        #: Guards the check-then-create of ``url`` and of a collectstatic view,
        #: so that threads racing on a first use share one.
        self.lock = threading.Lock()
        #: Changed by ``urls/url.py`` only: how this storage's URLs are built
        #: (probed layouts, credentials, the key prefix). None until the first
        #: ``url()``; replaced when ``bucket_name`` changes.
        self.url: UrlState | None = None
        #: Changed by ``connections.py`` only: the boto3 Session behind every
        #: connection, the URL probe and the credential lookup, created on
        #: first use. None until then; unused while ``_create_session`` is
        #: overridden (the override is called for each connection).
        self.session: boto3.session.Session | None = None
        #: Guards the creation of ``session`` and of every client and resource
        #: built from it: boto3 does not document sessions as thread-safe.
        self.session_lock = threading.Lock()
        #: Changed by ``connections.py`` only: the boto3 resource whose client
        #: the threads of the async API's pool share (``share_pool_client``).
        #: None until an async method first runs; guarded by ``lock``.
        self.pool_resource: Any = None
        #: Changed by ``create.py`` only: True once the store answered 501 to
        #: ``If-None-Match``; create-only saves are then plain uploads. True
        #: from the start when the provider profile says the store lacks them.
        self.conditional_writes_unsupported = not conditional_writes
        #: Changed by ``bulk/delete.py`` only: True once the store answered
        #: DeleteObjects with 501 or ``NotImplemented``; bulk deletes then send
        #: one DeleteObject a key.
        self.delete_objects_unsupported = False
        #: Changed by ``naming.py`` only: per thread, the running save whose
        #: names are not checked with a HEAD (its ``save`` attribute).
        self.saves = threading.local()
        #: Changed by ``static/scope.py`` only: the listing view of each running
        #: collectstatic command, dropped with the command.
        self.collectstatic_views: weakref.WeakKeyDictionary[object, ListingView] = (
            weakref.WeakKeyDictionary()
        )
