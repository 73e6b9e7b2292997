"""A listing-backed view of the keys under a storage's location, for collectstatic.

``collectstatic`` asks ``exists()`` and ``get_modified_time()`` about every
file before it uploads it: two HEAD requests per file. One paginated
ListObjectsV2 answers both questions for every key under the location (1,000
keys a request), so a :class:`ListingView` lists once and then answers from
memory, updating itself with every write and delete made through it.

A view is only ever consulted while one is *active* (see
:mod:`._s3_listing_scope`): inside Django's ``collectstatic``, or inside an
explicit ``storage.listing_view()`` block. Everywhere else ``exists()`` still
asks S3, so request handling never sees a stale answer.

Two more savings follow from knowing the stored ETags (the MD5 of a plain
upload's bytes):

* a save whose bytes S3 already holds under that key is not sent again;
* a delete followed by a save of the same key (what ``collectstatic`` and
  ``ManifestFilesMixin`` do to replace a file) becomes the save alone,
  because S3's PUT replaces an object in one step. Such a delete is *held*
  only where the code that issued it always writes next; any other write,
  or the end of the holding block, sends it.
"""

from __future__ import annotations

import contextlib
import logging
import posixpath
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from botocore.exceptions import ClientError

from ..config import StoreRules
from ..errors import is_not_found, is_not_implemented, missing_file, status_code
from ..protocol import HTTP_FORBIDDEN, MAX_DELETE_KEYS
from ..types import ConnectedStorage
from .digest import body_digest, etag_digest

__all__ = ["ListedStorage", "ListingView", "Writer", "body_digest"]

logger = logging.getLogger(__name__)


class ListedStorage(ConnectedStorage, Protocol):
    """What a listing view needs from a storage (``S3Storage`` has all of it)."""

    file_overwrite: bool

    @property
    def _store_rules(self) -> StoreRules: ...


class Writer(Protocol):
    """Sends saves in the background (the app's collectstatic; see ``_s3_static``)."""

    def save(self, storage: Any, view: ListingView, name: str, content: Any) -> str | None:
        """Queue the upload and return the name, or None to let the caller save."""

    def wait(self, key: str) -> None:
        """Return once no write of ``key`` is in flight."""

    def drain(self) -> None:
        """Wait for every queued write; raise if any failed."""


@dataclass
class _Entry:
    #: The MD5 of the stored bytes as far as we know it (from the ETag).
    digest: str | None
    #: S3's Last-Modified from the listing; None for a key written through
    #: this view (S3 chose the time; ask it).
    last_modified: datetime | None


class ListingView:
    """What S3 holds under one storage's location, listed once, kept current.

    Keys are full S3 keys (location included), as ``storage._key(name)``
    builds them. All methods are thread-safe.
    """

    def __init__(self, storage: ListedStorage, hold_when: Callable[[], bool] | None = None) -> None:
        self._storage = storage
        #: Decides, for a delete outside :meth:`holding`, whether to hold it.
        self._hold_when = hold_when
        self.prefix = storage._key("")
        self._lock = threading.RLock()
        self._entries: dict[str, _Entry] | None = None
        self._dirs: Counter[str] = Counter()
        #: Deletes not sent yet, with what the key held before.
        self._pending: dict[str, _Entry] = {}
        self._holding = 0
        self.usable = True
        #: Set while a background writer sends saves; requests for a key wait for it.
        self.writer: Writer | None = None

    # -- loading ---------------------------------------------------------

    def load(self) -> bool:
        """List the location once; return False if S3 refuses the listing.

        Without s3:ListBucket S3 answers 403; the caller then falls back to
        per-key requests, which is what works with such a policy.
        """
        with self._lock:
            if self._entries is not None or not self.usable:
                return self.usable
            entries: dict[str, _Entry] = {}
            client = self._storage.connection.meta.client
            paginator = client.get_paginator("list_objects_v2")
            try:
                for page in paginator.paginate(
                    Bucket=self._storage.bucket_name, Prefix=self.prefix
                ):
                    for item in page.get("Contents", ()):
                        modified = item["LastModified"].astimezone(UTC)
                        entries[item["Key"]] = _Entry(etag_digest(item.get("ETag")), modified)
            except ClientError as err:
                if status_code(err) != HTTP_FORBIDDEN:
                    raise
                logger.debug("Listing %r was refused (403); asking S3 per key", self.prefix)
                self.usable = False
                return False
            self._entries = {}
            for key, entry in entries.items():
                self._add(key, entry)
            logger.debug("Listed %d keys under %r", len(entries), self.prefix)
            return True

    def _known(self) -> dict[str, _Entry]:
        if self._entries is None:
            self.load()
        assert self._entries is not None
        return self._entries

    def _add(self, key: str, entry: _Entry) -> None:
        entries = self._known()
        if key not in entries:
            for directory in _parents(key):
                self._dirs[directory] += 1
        entries[key] = entry

    def _remove(self, key: str) -> _Entry | None:
        entry = self._known().pop(key, None)
        if entry is not None:
            for directory in _parents(key):
                self._dirs[directory] -= 1
                if not self._dirs[directory]:
                    del self._dirs[directory]
        return entry

    # -- questions -------------------------------------------------------

    def exists(self, key: str) -> bool:
        """Return True for a stored key, or for a "directory" with keys under it.

        Matches ``FileSystemStorage.exists()``, which is true for files and
        directories; ``collectstatic --clear`` relies on it to descend.
        """
        with self._lock:
            entries = self._known()
            if key in entries:
                return True
            if not key:
                return bool(entries)
            return (key if key.endswith("/") else key + "/") in self._dirs

    def last_modified(self, key: str) -> datetime | None:
        """Return the listed Last-Modified of ``key``; None if S3 must be asked.

        Raises FileNotFoundError for a key that is not stored, as a HEAD would.
        """
        with self._lock:
            entry = self._known().get(key)
        if entry is None:
            raise missing_file(key)
        if entry.last_modified is None:
            self._settle(key)  # the caller asks S3: the object must be there
        return entry.last_modified

    def digest(self, key: str) -> str | None:
        """Return the MD5 of what ``key`` holds, if known."""
        with self._lock:
            entry = self._known().get(key) or self._pending.get(key)
        return entry.digest if entry is not None else None

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        """Answer as S3's delimiter listing of ``path`` would (see ``S3Storage.listdir``)."""
        with self._lock:
            keys = sorted(key for key in self._known() if key.startswith(path))
        directories: list[str] = []
        files: list[str] = []
        for key in keys:
            cut = key.find("/", len(path))
            if cut >= 0:
                common = key[: cut + 1]
                if not directories or directories[-1] != common:
                    directories.append(common)
            elif key != path:
                files.append(posixpath.relpath(key, path))
        return [posixpath.relpath(common, path) for common in directories], files

    def stored_keys(self) -> list[str]:
        """Return every stored key, in S3's order."""
        with self._lock:
            return sorted(self._known())

    # -- writes ----------------------------------------------------------

    def holds(self, key: str, digest: str | None) -> bool:
        """Return True if ``key`` already holds bytes with this MD5 (skip the upload).

        Called before each save; earlier held deletes of other keys are sent
        first, so S3 sees writes in the order they were made.
        """
        self._settle(key)
        with self._lock:
            self._flush(keep=key)
            entries = self._known()
            entry = entries.get(key) or self._pending.get(key)
            if digest is None or entry is None or entry.digest != digest:
                if key in self._pending and not self._storage.file_overwrite:
                    # Without file_overwrite the save may be create-only
                    # (If-None-Match: *): the old object must really be gone.
                    self._flush()
                return False
            if self._pending.pop(key, None) is not None:
                # The held delete is dropped: the object never went away.
                self._add(key, entry)
            logger.debug("Not uploading %r: S3 already holds these bytes", key)
            return True

    def saved(self, key: str, digest: str | None) -> None:
        """Record that ``key`` now holds bytes with this MD5."""
        with self._lock:
            # A held delete of this key is superseded: the PUT replaced the object.
            self._pending.pop(key, None)
            self._add(key, _Entry(digest, None))

    def defer_delete(self, key: str) -> bool:
        """Handle a delete of ``key``; return False if the caller must send it now.

        A key that is not stored needs no request (S3 answers 204 and changes
        nothing). Inside :meth:`holding`, or where ``hold_when`` says so, the
        delete waits for the save that follows, which replaces it.
        """
        with self._lock:
            if key not in self._known():
                return True
            held = self._holding or (self._hold_when is not None and self._hold_when())
            if not held:
                self._flush()
                self._settle(key)
                return False
            entry = self._remove(key)
            assert entry is not None
            self._pending[key] = entry
            return True

    def deleted(self, key: str) -> None:
        """Record that ``key`` was deleted."""
        with self._lock:
            self._remove(key)

    def delete_many(self, keys: Iterable[str]) -> list[tuple[str, str]]:
        """Delete ``keys`` with DeleteObjects, 1,000 a request; return the failures.

        Each failure is ``(key, "Code: Message")`` as S3 reported it.
        """
        batch: list[str] = []
        failures: list[tuple[str, str]] = []
        for key in keys:
            batch.append(key)
            if len(batch) == MAX_DELETE_KEYS:
                failures += self._delete_batch(batch)
                batch = []
        if batch:
            failures += self._delete_batch(batch)
        return failures

    def _delete_batch(self, keys: list[str]) -> list[tuple[str, str]]:
        client = self._storage.connection.meta.client
        if not self._storage._store_rules.delete_objects:
            return self._delete_singly(client, keys)
        try:
            response = client.delete_objects(
                Bucket=self._storage.bucket_name,
                Delete={"Objects": [{"Key": key} for key in keys], "Quiet": True},
            )
        except ClientError as err:
            if not is_not_implemented(err):
                raise
            logger.debug("The store has no DeleteObjects; deleting %d keys one by one", len(keys))
            return self._delete_singly(client, keys)
        failed = {
            error["Key"]: f"{error.get('Code', '')}: {error.get('Message', '')}"
            for error in response.get("Errors", ())
        }
        with self._lock:
            for key in keys:
                if key not in failed:
                    self._remove(key)
                    self._pending.pop(key, None)
        return list(failed.items())

    def _delete_singly(self, client: Any, keys: list[str]) -> list[tuple[str, str]]:
        # Stores without DeleteObjects (the GCS XML API): one DeleteObject a key.
        failures: list[tuple[str, str]] = []
        for key in keys:
            try:
                client.delete_object(Bucket=self._storage.bucket_name, Key=key)
            except ClientError as err:
                if not is_not_found(err):
                    error = err.response.get("Error", {})
                    failures.append((key, f"{error.get('Code', '')}: {error.get('Message', '')}"))
                    continue
            with self._lock:
                self._remove(key)
                self._pending.pop(key, None)
        return failures

    @contextlib.contextmanager
    def holding(self) -> Iterator[None]:
        """Hold deletes inside the block; send the ones still held at its end."""
        with self._lock:
            self._holding += 1
        try:
            yield
        finally:
            with self._lock:
                self._holding -= 1
                if not self._holding:
                    self._flush()

    def flush(self) -> None:
        """Send every held delete."""
        with self._lock:
            self._flush()

    def _flush(self, keep: str | None = None) -> None:
        keys = [key for key in self._pending if key != keep]
        if not keys:
            return
        for key in keys:
            del self._pending[key]
            self._settle(key)
        if len(keys) == 1:
            # The very request S3Storage.delete() sends, with its tolerance of 404.
            try:
                self._storage.bucket.Object(keys[0]).delete()
            except ClientError as err:
                if not is_not_found(err):
                    raise
            return
        failures = self.delete_many(keys)
        if failures:
            key, reason = failures[0]
            raise OSError(f"Could not delete {len(failures)} file(s), first {key!r}: {reason}")

    def _settle(self, key: str) -> None:
        if self.writer is not None:
            self.writer.wait(key)


def _parents(key: str) -> Iterator[str]:
    """Yield each "directory" prefix of ``key``: "a/b/c" gives "a/" and "a/b/"."""
    cut = key.find("/")
    while cut >= 0:
        yield key[: cut + 1]
        cut = key.find("/", cut + 1)
