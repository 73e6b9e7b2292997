"""Concurrent uploads for the app's ``collectstatic``: a bounded pool on one client.

boto3 *clients* are thread-safe (resources are not), so the workers share one
client instead of building a session and resource each, which costs far more
than uploading a small static file. Each upload is the write request
``S3Storage._save`` builds (``_s3.writes``): the same key, the same parameters
from ``_get_write_parameters`` (so ``get_object_parameters`` overrides apply)
and the same body, gzipped where the settings say so, sent through the pool's
client. Files below the transfer config's multipart threshold are read whole
(their MD5 is compared with the listing's ETag) and go out as one PutObject;
larger ones go through ``upload_fileobj``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any, Protocol

from botocore.config import Config
from django.core.files.storage import Storage
from django.core.files.utils import validate_file_name

from ....utils import clean_name
from ..extension import is_overridden
from ..types import ConnectedStorage, SessionStorage
from ..writes import WriteRequest, WriteStorage, send
from .digest import body_digest
from .listing import ListingView

__all__ = [
    "DEFAULT_WORKERS",
    "UploadResult",
    "UploadStorage",
    "Uploader",
    "UploadsFailedError",
]

logger = logging.getLogger(__name__)

#: Uploads in flight at once; below botocore's default of 10 pooled connections.
DEFAULT_WORKERS = 8


class UploadStorage(WriteStorage, ConnectedStorage, SessionStorage, Protocol):
    """What the uploader needs from a storage (``S3Storage`` has all of it)."""

    def save(self, name: str | None, content: Any, max_length: int | None = None) -> str: ...


@dataclass(frozen=True)
class UploadResult:
    """What happened to one file."""

    #: The destination name (collectstatic's ``prefixed_path``).
    name: str
    #: The path in the source storage.
    path: str
    #: False when S3 already held the same bytes, so nothing was sent.
    uploaded: bool = False
    error: BaseException | None = None


class UploadsFailedError(Exception):
    """Uploads queued by post-processing failed: ``failures`` lists (key, error)."""

    def __init__(self, failures: list[tuple[str, BaseException]]) -> None:
        super().__init__(f"{len(failures)} uploads failed")
        self.failures = failures


def _pool_client(storage: UploadStorage, workers: int) -> Any:
    config = storage.client_config
    # botocore's default pool holds 10 connections.
    if (getattr(config, "max_pool_connections", None) or 10) >= workers:
        return storage.connection.meta.client
    # More workers than pooled connections would make urllib3 drop connections.
    merged = config.merge(Config(max_pool_connections=workers))
    return storage._create_resource(merged).meta.client


class Uploader:
    """Upload static files to an S3 storage from a bounded pool of threads.

    Two kinds of work: the collected files (:meth:`submit`, then
    :meth:`results`), and, as the listing view's ``writer``, the saves that
    post-processing makes (:meth:`save`, :meth:`wait`, :meth:`drain`). A
    request for a key whose upload is in flight waits for it, so S3 sees
    each key's writes in order. :meth:`close` stops the pool.
    """

    def __init__(
        self, storage: UploadStorage, view: ListingView, workers: int, skip_identical: bool = True
    ) -> None:
        self._storage = storage
        self._view = view
        self._skip_identical = skip_identical
        self._client = _pool_client(storage, workers)
        # A subclass or instance attribute that saves its own way gets its code run.
        self._own_save = is_overridden(storage, "_save") or is_overridden(storage, "save")
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="collectstatic-upload")
        self._futures: list[Future[UploadResult]] = []
        self._in_flight: dict[str, Future[None]] = {}
        self._in_flight_lock = threading.Lock()
        # Queued bodies wait in memory: at most a few per worker.
        self._slots = threading.BoundedSemaphore(4 * workers)

    def close(self) -> None:
        """Stop the pool: cancel uploads not started, wait for those running."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def submit(self, name: str, source_storage: Storage, path: str) -> None:
        """Queue the upload of ``path`` from ``source_storage`` as ``name``."""
        self._futures.append(self._pool.submit(self._copy, name, source_storage, path))

    @property
    def queued(self) -> int:
        """How many uploads :meth:`submit` queued that :meth:`results` has not returned."""
        return len(self._futures)

    def results(self, progress: Callable[[], None] | None = None) -> list[UploadResult]:
        """Wait for every queued upload; return their results in submission order.

        ``progress``, if given, is called once as each upload finishes, in
        the order they finish, from the calling thread.
        """
        futures, self._futures = self._futures, []
        if progress is not None:
            for _ in as_completed(futures):
                progress()
        return [future.result() for future in futures]

    # -- the listing view's writer, for post-processing --------------------

    def save(self, storage: Any, view: ListingView, name: str, content: Any) -> str | None:
        """Queue a save made by post-processing; return None if it must be made in place."""
        if self._own_save or storage is not self._storage:
            return None
        cleaned = clean_name(name)
        request = WriteRequest.build(storage, storage._key(cleaned), content)
        data = request.small_body(self._client)
        if data is None:
            return None
        digest = body_digest(request, data)
        # Waits for this key's upload in flight, and sends held deletes first.
        if view.holds(request.key, digest):
            return cleaned
        self._slots.acquire()
        future = self._pool.submit(send, request, self._client, data)
        future.add_done_callback(lambda _: self._slots.release())
        with self._in_flight_lock:
            self._in_flight[request.key] = future
        view.saved(request.key, digest)
        return cleaned

    def wait(self, key: str) -> None:
        """Return once no upload of ``key`` is in flight (failures wait for :meth:`drain`)."""
        with self._in_flight_lock:
            future = self._in_flight.get(key)
        if future is not None:
            future.exception()

    def drain(self) -> None:
        """Wait for every queued save; raise UploadsFailedError if any failed."""
        with self._in_flight_lock:
            in_flight, self._in_flight = self._in_flight, {}
        failures = [
            (key, error)
            for key, future in in_flight.items()
            if (error := future.exception()) is not None
        ]
        if failures:
            raise UploadsFailedError(failures)

    # -- collected files --------------------------------------------------

    def _copy(self, name: str, source_storage: Storage, path: str) -> UploadResult:
        try:
            with source_storage.open(path) as content:
                uploaded = self._upload(name, content)
        except Exception as err:  # reported per file by the command
            return UploadResult(name, path, error=err)
        return UploadResult(name, path, uploaded=uploaded)

    def _upload(self, name: str, content: Any) -> bool:
        storage = self._storage
        validate_file_name(name, allow_relative_path=True)
        key = storage._key(name)
        if self._own_save:
            storage.save(name, content)
            self._view.saved(key, None)
            return True
        # Overwrite whatever file_overwrite says: collectstatic replaces files.
        request = WriteRequest.build(storage, key, content)
        data = request.small_body(self._client)
        digest = body_digest(request, data)
        if self._identical(key, digest):
            return False
        send(request, self._client, data)
        self._view.saved(key, digest)
        return True

    def _identical(self, key: str, digest: str | None) -> bool:
        return self._skip_identical and digest is not None and self._view.digest(key) == digest
