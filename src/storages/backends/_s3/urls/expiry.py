"""How long a presigned URL lives: reusable within a window, never past its credentials.

**Reuse windows** (``querystring_reuse_window``, django-storages #1222). A
URL signed at each call differs at each call, so neither a browser nor a CDN
can cache what it points to. With a window of ``W`` seconds, every URL is
signed as of the start of the window the call falls in,
``t0 = floor(now / W) * W``, for ``expire + W`` seconds: every call in the
window returns the same URL for the same arguments, and the URL stays valid
at least ``expire`` and at most ``expire + W`` seconds after the call. SigV4
URLs carry ``X-Amz-Date = t0`` and ``X-Amz-Expires = expire + W``; SigV2 and
CloudFront URLs carry the absolute ``t0 + expire + W``. URLs that botocore
builds (header parameters such as SSE-C keys, a replaced connection) are
signed at the call, as without a window.

**Credentials that expire first** (django-storages #1493). A presigned S3
URL is only as good as its signature's credentials: once temporary
credentials (an assumed role, a container or instance role, SSO) expire, S3
refuses every URL they signed, whatever ``X-Amz-Expires`` or ``Expires``
promised. So a URL whose expiry would outlive its credentials gets their
remaining lifetime instead, and the storage logs one WARNING saying so, with
the numbers. Within a reuse window, that cut also ends the window's URL at
the credentials' expiry, and renewed credentials sign a new URL.

botocore offers no public accessor for the expiry of its
``RefreshableCredentials``: :func:`credentials_expiry` reads the private
``_expiry_time`` it keeps (botocore 1.x), and any other credentials count as
never expiring.
"""

from __future__ import annotations

import logging
import math
import threading
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from botocore.credentials import Credentials, RefreshableCredentials

from ..protocol import MAX_PRESIGNED_EXPIRY
from . import presign

__all__ = ["LifetimeStorage", "UrlLifetime", "cloudfront_expiry", "credentials_expiry"]

logger = logging.getLogger(__name__)


class LifetimeStorage(Protocol):
    """What deciding a URL's lifetime reads from a storage."""

    querystring_auth: bool
    querystring_reuse_window: int

    @property
    def bucket_name(self) -> str | None: ...


def cloudfront_expiry(now: datetime, expire: Any, window: int) -> datetime:
    """Return the ``date_less_than`` of a CloudFront URL asked for at ``now`` (naive UTC)."""
    if not window:
        return now + timedelta(seconds=expire)
    second = int(now.replace(tzinfo=UTC).timestamp())
    start = second - second % window
    return datetime.fromtimestamp(start, UTC).replace(tzinfo=None) + timedelta(
        seconds=expire + window
    )


def credentials_expiry(credentials: Any) -> float | None:
    """Return when ``credentials`` expire, in epoch seconds, or None if they do not say.

    Called right after the frozen keys were taken. botocore publishes a
    refresh's keys, then its expiry, so a refresh by another thread in between
    may pair the old keys with the new expiry; it refreshes only in their last
    15 minutes, and the race lasts a few instructions.
    """
    if type(credentials) is Credentials or not isinstance(credentials, RefreshableCredentials):
        return None
    expiry = getattr(credentials, "_expiry_time", None)
    if not isinstance(expiry, datetime):
        return None
    if expiry.tzinfo is None:
        expiry = expiry.replace(tzinfo=UTC)  # botocore's parser gives aware times; assume UTC
    return expiry.timestamp()


def _reusable(builder: Any, expire: int, window: int) -> bool:
    """Return True if a URL of ``expire`` seconds can be reused for ``window`` more.

    S3 refuses SigV4 URLs valid longer than 7 days: a call asking for more
    than the window leaves (the storage's own ``querystring_expire`` was
    checked when it was built) gets a URL signed now, for itself.
    """
    if expire < 0:
        return False
    return type(builder) is not presign.SigV4Builder or expire + window <= MAX_PRESIGNED_EXPIRY


class UrlLifetime:
    """Decide the signing time and lifetime of a storage's presigned URLs.

    One per storage (``storage._runtime.url.lifetime``): it remembers whether
    the storage already warned that its credentials cut URLs short.
    """

    __slots__ = ("_lock", "warned")

    def __init__(self) -> None:
        self.warned = False
        self._lock = threading.Lock()

    def sign(
        self,
        storage: LifetimeStorage,
        builder: Any,
        method: str,
        encoded_key: str,
        pairs: presign.Pairs,
        expire: int,
        creds: tuple[str, str, str | None] | None,
        credentials: Any,
    ) -> str:
        """Return the URL ``builder`` signs with ``creds`` (the frozen keys of ``credentials``).

        Signed as of the reuse window's start, if there is one, and never valid
        past ``credentials``' expiry. ``creds`` is None for unsigned URLs.
        """
        url: str
        window = storage.querystring_reuse_window
        if creds is None or type(builder) is presign.UnsignedBuilder:
            url = builder.url(method, encoded_key, pairs, expire, creds)
            return url
        expires_at = credentials_expiry(credentials)
        if not window and expires_at is None:
            url = builder.url(method, encoded_key, pairs, expire, creds)
            return url
        now = int(presign.now())
        start, lifetime = now, expire
        if window and _reusable(builder, expire, window):
            start, lifetime = now - now % window, expire + window
        if expires_at is not None:
            lifetime = self._clamp(storage, expire, lifetime, start, now, expires_at)
        if type(builder) is presign.SigV2Builder:
            url = builder.url(
                method, encoded_key, pairs, lifetime, creds, expires_at=start + lifetime
            )
        else:
            url = builder.url(method, encoded_key, pairs, lifetime, creds, second=start)
        return url

    def botocore_expire(self, storage: LifetimeStorage, expire: Any, credentials: Any) -> Any:
        """Return ``expire`` for a URL botocore signs now with ``credentials``, cut like ours."""
        if not storage.querystring_auth or type(expire) is not int:
            return expire
        expires_at = credentials_expiry(credentials)
        if expires_at is None:
            return expire
        now = int(presign.now())
        return self._clamp(storage, expire, expire, now, now, expires_at)

    def _clamp(
        self,
        storage: LifetimeStorage,
        expire: int,
        lifetime: int,
        start: int,
        now: int,
        expires_at: float,
    ) -> int:
        """Return ``lifetime`` for a URL signed at ``start``, or less: what the credentials allow.

        Warns (once) when the URL then dies sooner than ``expire`` seconds
        after ``now``, the promise of ``url()``; a reuse window only cut back
        towards ``expire`` is no news.
        """
        last = math.floor(expires_at)
        if start + lifetime <= last:
            return lifetime
        # Expired credentials: botocore refreshes them first, or raises; a
        # failed advisory refresh keeps the old ones. S3 wants at least 1.
        lifetime = max(last - start, 1)
        valid_for = max(last - now, 0)
        if valid_for >= expire:
            return lifetime
        if self.warned:
            logger.debug(
                "Presigned URL of bucket %r valid %d s, not %d",
                storage.bucket_name,
                valid_for,
                expire,
            )
            return lifetime
        with self._lock:
            first = not self.warned
            self.warned = True
        if first:
            until = datetime.fromtimestamp(expires_at, UTC).isoformat(timespec="seconds")
            logger.warning(
                "Presigned URLs of bucket %r expire before the %d seconds asked for: this one "
                "is valid for %d seconds, because the credentials that sign it expire at %s. "
                "Use longer-lived credentials, or a shorter querystring_expire "
                "(logged once per storage).",
                storage.bucket_name,
                expire,
                valid_for,
                until,
            )
        return lifetime
