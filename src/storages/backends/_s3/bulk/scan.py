"""Listings with metadata (``scandir``, ``stat``) and deleting a "directory" (``delete_prefix``).

Both read ListObjectsV2 pages: each carries up to 1,000 keys with their
size, Last-Modified and ETag, so a folder of files costs one request per
1,000 keys and no HEAD. Pages are read one at a time as the caller consumes
them: memory stays constant whatever the number of keys.

A path names a "directory": its key gets a trailing "/" so that the path
``"a"`` never reaches ``"ab/..."``. Objects whose key ends in "/" (the empty
"directory markers" some tools create) are never listed as files, as in
``listdir()``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any, Protocol

from ....utils import setting
from ..protocol import MAX_DELETE_KEYS
from ..types import ConnectedStorage
from .delete import BulkStorage, Deleter
from .results import (
    DeleteFailedError,
    DeleteFailure,
    Entry,
    Stat,
    stat_from_head,
    storage_time,
    unquoted_etag,
)

__all__ = ["StatStorage", "delete_prefix", "directory_key", "scandir", "stat"]

logger = logging.getLogger(__name__)


def directory_key(storage: ConnectedStorage, path: str) -> str:
    """Return the key prefix of the "directory" ``path``: its key with one trailing "/".

    The location itself is ``storage._key("")`` ("" without a location).
    Raises SuspiciousOperation for a path that escapes the location.
    """
    key = storage._key(path)
    return key if not key or key.endswith("/") else key + "/"


def scandir(storage: BulkStorage, path: str = "", *, recursive: bool = False) -> Iterator[Entry]:
    """Return an iterator of the entries under ``path`` (see ``S3Storage.scandir``).

    The path is checked now; the first page is requested when iteration starts.
    """
    prefix = directory_key(storage, path)
    base = prefix[len(storage._key("")) :]
    view = storage._active_listing()
    if view is not None:
        view.flush()  # deletes held back by listing_view() must not show up
    bucket = storage.bucket
    return _entries(
        bucket.meta.client,
        bucket.name,
        prefix,
        base,
        recursive=recursive,
        use_tz=bool(setting("USE_TZ")),
    )


def _entries(
    client: Any, bucket_name: str, prefix: str, base: str, *, recursive: bool, use_tz: bool
) -> Iterator[Entry]:
    arguments: dict[str, Any] = {"Bucket": bucket_name, "Prefix": prefix}
    if not recursive:
        arguments["Delimiter"] = "/"
    start = len(prefix)
    for page in client.get_paginator("list_objects_v2").paginate(**arguments):
        found: list[tuple[str, Entry]] = []
        for common in page.get("CommonPrefixes", ()):
            key = common["Prefix"]
            name = key[start:-1]
            if name:  # a key such as "a//b" makes the common prefix "a//", no name
                found.append((key, Entry(name, base + name, 0, None, None, is_dir=True)))
        for item in page.get("Contents", ()):
            key = item["Key"]
            if key.endswith("/"):
                continue  # a directory marker, not a file
            name = key[start:]
            entry = Entry(
                name,
                base + name,
                int(item.get("Size", 0)),
                storage_time(item["LastModified"], use_tz),
                unquoted_etag(item.get("ETag")),
            )
            found.append((key, entry))
        # S3 returns the page's keys and common prefixes apart, each in key order.
        found.sort(key=lambda pair: pair[0])
        for _, entry in found:
            yield entry


class StatStorage(ConnectedStorage, Protocol):
    """What ``stat`` needs: the storage's one HEAD (with its download parameters)."""

    def _head(self, key: str) -> dict[str, Any]: ...


def stat(storage: StatStorage, name: str) -> Stat:
    """Return what one HEAD of ``name`` says; FileNotFoundError if there is no such file."""
    response = storage._head(storage._key(name))
    return stat_from_head(name, response, bool(setting("USE_TZ")))


def delete_prefix(storage: BulkStorage, path: str, *, allow_root: bool = False) -> int:
    """Delete every object under the "directory" ``path``; return how many were deleted.

    Refuses (ValueError) the location itself unless ``allow_root``. Raises
    DeleteFailedError when S3 refused some keys, after trying them all.
    """
    root = storage._key("")
    prefix = directory_key(storage, path)
    if prefix == root and not allow_root:
        raise ValueError(_root_refusal(storage, path))
    deleter = Deleter(storage)
    bucket = storage.bucket
    pages = bucket.meta.client.get_paginator("list_objects_v2").paginate(
        Bucket=bucket.name, Prefix=prefix, PaginationConfig={"PageSize": MAX_DELETE_KEYS}
    )
    batches = ([item["Key"] for item in page.get("Contents", ())] for page in pages)
    sent, failed = deleter.run(batch for batch in batches if batch)
    deleted = sent - len(failed)
    logger.debug("Deleted %d object(s) under %r", deleted, prefix)
    if failed:
        failures = [DeleteFailure(key[len(root) :], *reason) for key, reason in failed.items()]
        raise DeleteFailedError(failures, deleted)
    return deleted


def _root_refusal(storage: BulkStorage, path: str) -> str:
    where = (
        f"every file under the storage's location {storage._key('').rstrip('/')!r} "
        f"in the bucket {storage.bucket_name!r}"
        if storage._key("")
        else f"every file in the bucket {storage.bucket_name!r}"
    )
    return (
        f"delete_prefix({path!r}) would delete {where}. Name a directory under it, "
        "or pass allow_root=True to delete them all."
    )
