"""What the bulk and listing methods return, and the error of a partial delete.

The records are frozen dataclasses: plain values that can be compared,
pickled and logged. Names in them are storage names (relative to the
storage's ``location``), as ``save()`` returns them, never full S3 keys.

Dates follow ``get_modified_time()``: an aware datetime in UTC when Django's
``USE_TZ`` is on, a naive one in the current time zone otherwise. ETags are
given without their quotes: the hex MD5 of a plain upload, ``<hex>-<parts>``
for a multipart one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.utils.timezone import make_naive

__all__ = [
    "DeleteFailedError",
    "DeleteFailure",
    "DeleteResult",
    "Entry",
    "Stat",
    "stat_from_head",
    "storage_time",
    "unquoted_etag",
]


def storage_time(value: datetime, use_tz: bool) -> datetime:
    """Return S3's ``value`` as ``get_modified_time()`` does: aware UTC, or naive local."""
    if use_tz:
        return value.astimezone(UTC)
    return make_naive(value)


def unquoted_etag(etag: str | None) -> str | None:
    """Return an ETag without the double quotes S3 puts around it."""
    return etag.strip('"') if etag else None


@dataclass(frozen=True, slots=True)
class DeleteFailure:
    """One name S3 did not delete, with S3's error ``code`` and ``message`` for its key."""

    name: str
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.name!r}: {self.code}: {self.message}"


@dataclass(frozen=True, slots=True)
class DeleteResult:
    """What ``S3Storage.delete_many()`` did: the names deleted and the names that failed.

    ``deleted`` also holds the names that did not exist: as with
    ``delete()``, deleting a missing file is not an error. Each name appears
    once, in the order given, in exactly one of the two.
    """

    deleted: tuple[str, ...] = ()
    failures: tuple[DeleteFailure, ...] = ()

    @property
    def ok(self) -> bool:
        """True when every name was deleted."""
        return not self.failures

    def raise_for_failures(self) -> None:
        """Raise :class:`DeleteFailedError` if any name could not be deleted."""
        if self.failures:
            raise DeleteFailedError(self.failures, len(self.deleted))


class DeleteFailedError(OSError):
    """S3 answered, but refused to delete some files.

    ``failures`` lists them with S3's reasons (for example ``AccessDenied``
    for a key the credentials may not delete); ``deleted`` counts the files
    that were deleted.
    """

    def __init__(self, failures: Sequence[DeleteFailure], deleted: int) -> None:
        super().__init__(
            f"Could not delete {len(failures)} of {len(failures) + deleted} file(s); "
            f"the first: {failures[0]}"
        )
        self.failures = tuple(failures)
        self.deleted = deleted


@dataclass(frozen=True, slots=True)
class Entry:
    """One file or "directory" of a ``scandir()`` listing.

    ``name`` is relative to the path listed, as ``listdir()`` gives it
    (``"b.txt"``, or ``"sub/b.txt"`` in a recursive listing); ``path`` is
    the storage name to pass to ``open()``, ``url()`` or ``delete()``. A
    directory (a common prefix of keys; S3 has no directories) has
    ``is_dir`` True, size 0, and no date or ETag.
    """

    name: str
    path: str
    size: int
    modified: datetime | None
    etag: str | None
    is_dir: bool = False


@dataclass(frozen=True, slots=True)
class Stat:
    """What one HEAD request tells about a file (``S3Storage.stat()``).

    ``content_type`` and ``content_encoding`` are the stored headers (None
    when not stored), ``metadata`` the user metadata (``x-amz-meta-*``, keys
    lowercase as S3 returns them), ``version_id`` the current version where
    the bucket has versioning (``"null"`` for an object stored before it
    was enabled), else None.
    """

    name: str
    size: int
    modified: datetime
    etag: str | None
    content_type: str | None
    content_encoding: str | None
    metadata: Mapping[str, str] = field(default_factory=dict)
    version_id: str | None = None


def stat_from_head(name: str, response: Mapping[str, Any], use_tz: bool) -> Stat:
    """Build the :class:`Stat` of ``name`` from HeadObject's answer."""
    return Stat(
        name=name,
        size=int(response["ContentLength"]),
        modified=storage_time(response["LastModified"], use_tz),
        etag=unquoted_etag(response.get("ETag")),
        content_type=response.get("ContentType"),
        content_encoding=response.get("ContentEncoding"),
        metadata=dict(response.get("Metadata") or {}),
        version_id=response.get("VersionId"),
    )
