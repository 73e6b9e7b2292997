"""Abort the multipart uploads a killed process left behind, and look for the lifecycle rule.

An upload that is started and never completed or aborted keeps its parts,
invisible to listings and billed, until someone aborts it. S3 can do that by
itself: a bucket lifecycle rule with ``AbortIncompleteMultipartUpload``
aborts uploads some days after they started. :func:`abort_stale_uploads`
does it on demand, for uploads under the storage's location only (paged
ListMultipartUploads, 1,000 uploads a page), and :func:`abort_rule` tells
whether the bucket has such a rule (the probe warns when it does not).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from ..errors import is_not_found
from ..types import ConnectedStorage
from .scan import directory_key

__all__ = ["StaleUpload", "abort_rule", "abort_stale_uploads", "clock", "stale_uploads"]

logger = logging.getLogger(__name__)

#: The current time, aware UTC (a seam tests replace).
clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


@dataclass(frozen=True, slots=True)
class StaleUpload:
    """One incomplete multipart upload: its full key, id and start time (aware UTC)."""

    key: str
    upload_id: str
    initiated: datetime


def stale_uploads(storage: ConnectedStorage, older_than: timedelta) -> Iterator[StaleUpload]:
    """Yield the incomplete uploads under the location started over ``older_than`` ago."""
    cutoff = clock() - older_than
    client = storage.connection.meta.client
    pages = client.get_paginator("list_multipart_uploads").paginate(
        Bucket=storage.bucket_name, Prefix=directory_key(storage, "")
    )
    for page in pages:
        for upload in page.get("Uploads", ()):
            initiated = upload["Initiated"]
            if initiated.tzinfo is None:
                initiated = initiated.replace(tzinfo=UTC)
            if initiated < cutoff:
                yield StaleUpload(upload["Key"], upload["UploadId"], initiated)


def abort_stale_uploads(
    storage: ConnectedStorage,
    older_than: timedelta,
    *,
    dry_run: bool = False,
    progress: Callable[[StaleUpload], None] | None = None,
) -> int:
    """Abort the uploads :func:`stale_uploads` yields; return how many (or would be, dry)."""
    client = storage.connection.meta.client
    count = 0
    for upload in stale_uploads(storage, older_than):
        if not dry_run:
            try:
                client.abort_multipart_upload(
                    Bucket=storage.bucket_name, Key=upload.key, UploadId=upload.upload_id
                )
            except ClientError as err:
                if not is_not_found(err):  # NoSuchUpload: completed or aborted meanwhile
                    raise
                continue
            logger.info(
                "Aborted the multipart upload %s of %s, started %s",
                upload.upload_id,
                upload.key,
                upload.initiated.isoformat(),
            )
        count += 1
        if progress is not None:
            progress(upload)
    return count


def abort_rule(client: Any, bucket: str, prefix: str) -> int | None:
    """Return the days after which the bucket's lifecycle aborts uploads under ``prefix``.

    None when no enabled rule with ``AbortIncompleteMultipartUpload`` covers
    the prefix (or the bucket has no lifecycle configuration). Other errors
    (AccessDenied...) are raised.
    """
    try:
        rules = client.get_bucket_lifecycle_configuration(Bucket=bucket).get("Rules", ())
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") == "NoSuchLifecycleConfiguration":
            return None
        raise
    days = [
        int(rule["AbortIncompleteMultipartUpload"].get("DaysAfterInitiation", 0))
        for rule in rules
        if rule.get("Status") == "Enabled"
        and "AbortIncompleteMultipartUpload" in rule
        and prefix.startswith(_rule_prefix(rule))
    ]
    return min(days) if days else None


def _rule_prefix(rule: dict[str, Any]) -> str:
    filter_ = rule.get("Filter") or {}
    prefix = filter_.get("Prefix", filter_.get("And", {}).get("Prefix", rule.get("Prefix", "")))
    return str(prefix or "")
