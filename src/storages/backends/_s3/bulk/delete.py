"""Delete many keys: DeleteObjects batches of 1,000 keys, a few batches at once.

One DeleteObjects request deletes up to :data:`MAX_DELETE_KEYS` keys, so
5,000 files cost 5 requests instead of 5,000. It is sent in quiet mode: S3
then reports only the keys it could not delete, and a key that did not exist
counts as deleted (S3 answers for it as for any other), as ``delete()``
treats a missing file.

Concurrency. Up to :data:`WORKERS` batches are in flight at once, sent from a
short-lived pool of threads on the client of the calling thread's bucket.
boto3 clients are thread-safe, while a storage's ``connection`` and
``bucket`` are resources built per thread (building one per worker costs
more than a batch). The pool never sends more at once than that client's
connection pool holds. A connection or bucket that user code supplies (an
overridden hook, a stub assigned in a test) may not be thread-safe: its
batches go one after another on the calling thread.

Failures. botocore retries a request that fails as a whole (a 500 or 503, a
dropped connection) under the client's retry configuration; if it still
fails, the error is raised unchanged, and the other batches in flight finish
first. Keys that S3 refuses one by one inside a successful answer are
results, not errors, except that keys refused with a transient code
(``InternalError``, ``SlowDown``) are sent once more in a new request: no
retry of botocore's sees them.

Two kinds of keys are deleted one request each instead (``DeleteObject``):

* every key, on a store whose provider profile says it has no DeleteObjects,
  or that answers DeleteObjects with 501 or ``NotImplemented`` (the storage
  remembers that in its runtime state);
* a key with a character that XML 1.0 cannot carry or that XML parsers
  rewrite (most control characters, and a carriage return, which S3 reads
  as a line feed): in a DeleteObjects body it would fail the whole batch
  with ``MalformedXML``, or name another key.
"""

from __future__ import annotations

import logging
import re
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import chain, islice
from typing import Any, Protocol

from botocore.exceptions import ClientError

from ..config import StoreRules
from ..connections import own_client
from ..errors import is_not_found, is_not_implemented, status_code
from ..extension import is_overridden
from ..protocol import INTERNAL_ERROR, MAX_DELETE_KEYS, NO_SUCH_KEY, SERVICE_UNAVAILABLE, SLOW_DOWN
from ..types import ConnectedStorage, SessionStorage
from .results import DeleteFailure, DeleteResult

__all__ = [
    "WORKERS",
    "BulkStorage",
    "Deleter",
    "HeldDeletes",
    "chunks",
    "delete_many",
]

logger = logging.getLogger(__name__)

#: DeleteObjects requests in flight at once: deleting is the store's work, so
#: a few are enough to overlap the round trips.
WORKERS = 4
#: Batches queued ahead of the ones in flight: bounds the keys held in memory
#: when they come from a listing (``delete_prefix``).
_QUEUED = 2 * WORKERS
#: botocore's default connection pool size (``max_pool_connections``).
_DEFAULT_POOL = 10
#: Per-key codes that say "not now" rather than "no": those keys are sent once more.
_TRANSIENT = frozenset({INTERNAL_ERROR, SLOW_DOWN, SERVICE_UNAVAILABLE})
#: Characters XML 1.0 cannot carry, and the carriage return that parsers turn into "\n".
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\r\x0e-\x1f\ufffe\uffff]")

#: S3's (code, message) for each key it did not delete.
Failures = dict[str, tuple[str, str]]


class HeldDeletes(Protocol):
    """The part of a listing view (``static/listing.py``) that bulk deletes keep current."""

    def flush(self) -> None:
        """Send the deletes the view holds back."""

    def deleted(self, key: str) -> None:
        """Record that ``key`` was deleted."""


class BulkStorage(ConnectedStorage, SessionStorage, Protocol):
    """What bulk deletes need from a storage (``S3Storage`` has all of it)."""

    @property
    def _store_rules(self) -> StoreRules: ...
    def _active_listing(self) -> HeldDeletes | None: ...


def chunks(items: Iterable[str], size: int = MAX_DELETE_KEYS) -> Iterator[list[str]]:
    """Yield ``items`` in lists of ``size`` (the last one shorter)."""
    batch: list[str] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class Deleter:
    """Deletes batches of keys for one call (see the module docstring).

    Built on the calling thread: it takes that thread's bucket and client,
    and sends the deletes a listing view holds (``listing_view()``,
    collectstatic) first, so that S3 sees deletes in the order they were made.
    """

    def __init__(self, storage: BulkStorage) -> None:
        self._runtime = storage._runtime
        self._has_delete_objects = storage._store_rules.delete_objects
        bucket = storage.bucket
        self._bucket_name: str = bucket.name
        self._client: Any = bucket.meta.client
        self._workers = 1
        if own_client(storage, signed=True) is self._client and not is_overridden(
            storage, "bucket"
        ):
            pool = getattr(storage.client_config, "max_pool_connections", None) or _DEFAULT_POOL
            self._workers = max(1, min(WORKERS, pool))
        self._view = storage._active_listing()
        if self._view is not None:
            self._view.flush()

    def run(self, batches: Iterable[Sequence[str]]) -> tuple[int, Failures]:
        """Delete every batch; return how many keys were sent, and the keys that failed.

        Raises what botocore raises for a request that failed after its
        retries, once the batches in flight have finished, with a note that
        the call can be repeated.
        """
        iterator = iter(batches)
        try:
            ahead = list(islice(iterator, 2))
            if len(ahead) < 2 or self._workers == 1:
                return self._run_here(chain(ahead, iterator))  # one batch needs no pool
            return self._run_pooled(chain(ahead, iterator))
        except Exception as err:
            err.add_note(
                "Some files may have been deleted already; deleting a missing file "
                "is not an error, so the call can be repeated."
            )
            raise

    def _run_here(self, batches: Iterator[Sequence[str]]) -> tuple[int, Failures]:
        sent, failures = 0, Failures()
        for batch in batches:
            sent += len(batch)
            failures.update(self._send(batch))
        return sent, failures

    def _run_pooled(self, batches: Iterator[Sequence[str]]) -> tuple[int, Failures]:
        sent, failures = 0, Failures()
        queued: deque[Future[Failures]] = deque()
        with ThreadPoolExecutor(self._workers, thread_name_prefix="s3-delete") as pool:
            try:
                for batch in batches:
                    if len(queued) >= _QUEUED:
                        failures.update(queued.popleft().result())
                    queued.append(pool.submit(self._send, batch))
                    sent += len(batch)
                while queued:
                    failures.update(queued.popleft().result())
            except BaseException:
                # Stop what has not started; leaving the block waits for the rest.
                for future in queued:
                    future.cancel()
                raise
        return sent, failures

    def _send(self, keys: Sequence[str]) -> Failures:
        single = [key for key in keys if _NOT_IN_XML.search(key)]
        if single:
            batch = [key for key in keys if not _NOT_IN_XML.search(key)]
            failures = self._delete_singly(single)
            if batch:
                failures.update(self._delete_batch(batch))
        else:
            failures = self._delete_batch(keys)
        if self._view is not None:
            for key in keys:
                if key not in failures:
                    self._view.deleted(key)
        return failures

    def _delete_batch(self, keys: Sequence[str]) -> Failures:
        if not self._has_delete_objects or self._runtime.delete_objects_unsupported:
            return self._delete_singly(keys)
        try:
            failures = self._delete_objects(keys)
        except ClientError as err:
            if not is_not_implemented(err):
                raise
            logger.debug("The store does not implement DeleteObjects; deleting one key a request")
            self._runtime.delete_objects_unsupported = True
            return self._delete_singly(keys)
        again = [key for key, (code, _) in failures.items() if code in _TRANSIENT]
        if again:
            logger.debug("S3 could not delete %d key(s) for now; sending them again", len(again))
            for key in again:
                del failures[key]
            failures.update(self._delete_objects(again))
        return failures

    def _delete_objects(self, keys: Sequence[str]) -> Failures:
        # DeleteObjects requires an integrity header: boto3 adds CRC32, or
        # Content-MD5 where the provider profile asks for it (providers/hooks.py).
        response = self._client.delete_objects(
            Bucket=self._bucket_name,
            Delete={"Objects": [{"Key": key} for key in keys], "Quiet": True},
        )
        return {
            error["Key"]: (str(error.get("Code", "")), str(error.get("Message", "")))
            for error in response.get("Errors", ())
            # Some stores report a missing key; S3 itself deletes it silently.
            if error.get("Code") != NO_SUCH_KEY
        }

    def _delete_singly(self, keys: Iterable[str]) -> Failures:
        failures: Failures = {}
        for key in keys:
            try:
                self._client.delete_object(Bucket=self._bucket_name, Key=key)
            except ClientError as err:
                if not is_not_found(err):
                    error = err.response.get("Error", {})
                    code = str(error.get("Code") or status_code(err) or "")
                    failures[key] = (code, str(error.get("Message", "")))
        return failures


def delete_many(storage: BulkStorage, names: Iterable[str]) -> DeleteResult:
    """Delete the files ``names``; return what was deleted and what S3 refused.

    Every name is checked (``storage._key``) before the first request, so a
    name that escapes the location raises SuspiciousOperation with nothing
    deleted. A name that is the location itself ("", ".") raises ValueError.
    """
    if isinstance(names, str | bytes):
        raise TypeError(
            f"delete_many() takes an iterable of names, not one name ({names!r}); "
            "wrap it in a list, or call delete()."
        )
    root = storage._key("")
    named: list[tuple[str, str]] = []
    for name in names:
        key = storage._key(name)
        if key == root:
            raise ValueError(
                f"delete_many() got the name {name!r}, which is the storage's location "
                "itself, not a file."
            )
        named.append((name, key))
    if not named:
        return DeleteResult()
    keys = dict.fromkeys(key for _, key in named)  # each key once, in order
    _, failed = Deleter(storage).run(chunks(keys))
    return DeleteResult(
        deleted=tuple(name for name, key in named if key not in failed),
        failures=tuple(DeleteFailure(name, *failed[key]) for name, key in named if key in failed),
    )
