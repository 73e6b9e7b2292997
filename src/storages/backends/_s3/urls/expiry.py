"""How long a presigned URL lives: never longer than the credentials that sign it.

A presigned S3 URL is only as good as its signature's credentials: once
temporary credentials (an assumed role, a container or instance role, SSO)
expire, S3 refuses every URL they signed, whatever ``X-Amz-Expires`` or
``Expires`` promised (django-storages #1493). So a URL whose expiry would
outlive its credentials gets the credentials' remaining lifetime instead, and
the storage logs one WARNING saying so, with the numbers.

botocore offers no public accessor for the expiry of its
``RefreshableCredentials``: :func:`credentials_expiry` reads the private
``_expiry_time`` it keeps (botocore 1.x), and any other credentials count as
never expiring.
"""

from __future__ import annotations

import logging
import math
import threading
from datetime import UTC, datetime
from typing import Any, Protocol

from botocore.credentials import Credentials, RefreshableCredentials

from . import presign

__all__ = ["LifetimeStorage", "UrlLifetime", "credentials_expiry"]

logger = logging.getLogger(__name__)


class LifetimeStorage(Protocol):
    """What deciding a URL's lifetime reads from a storage."""

    querystring_auth: bool

    @property
    def bucket_name(self) -> str | None: ...


def credentials_expiry(credentials: Any) -> float | None:
    """Return when ``credentials`` expire, in epoch seconds, or None if they do not say.

    Read right after the frozen credentials were taken: botocore publishes a
    refresh's keys and its expiry together, and refreshes only in the last
    15 minutes of their lifetime.
    """
    if type(credentials) is Credentials or not isinstance(credentials, RefreshableCredentials):
        return None
    expiry = getattr(credentials, "_expiry_time", None)
    if not isinstance(expiry, datetime):
        return None
    if expiry.tzinfo is None:
        expiry = expiry.replace(tzinfo=UTC)  # botocore's parser gives aware times; assume UTC
    return expiry.timestamp()


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
        """Return the URL ``builder`` signs with ``creds``, valid no longer than ``credentials``.

        ``creds`` are the frozen keys of ``credentials`` (None for unsigned URLs).
        """
        expires_at = None
        if creds is not None and type(builder) is not presign.UnsignedBuilder:
            expires_at = credentials_expiry(credentials)
        url: str
        if expires_at is None or creds is None:
            url = builder.url(method, encoded_key, pairs, expire, creds)
            return url
        start = int(presign.now())
        lifetime = self._clamp(storage, expire, start, expires_at)
        if type(builder) is presign.SigV2Builder:
            url = builder.url(
                method, encoded_key, pairs, lifetime, creds, expires_at=start + lifetime
            )
        else:
            url = builder.url(method, encoded_key, pairs, lifetime, creds, second=start)
        return url

    def botocore_expire(self, storage: LifetimeStorage, expire: Any, credentials: Any) -> Any:
        """Return ``expire`` for a URL botocore signs with ``credentials``, clamped like ours."""
        if not storage.querystring_auth or type(expire) is not int:
            return expire
        expires_at = credentials_expiry(credentials)
        if expires_at is None:
            return expire
        return self._clamp(storage, expire, int(presign.now()), expires_at)

    def _clamp(self, storage: LifetimeStorage, expire: int, start: int, expires_at: float) -> int:
        """Return the lifetime of a URL signed at ``start``: ``expire``, or less."""
        granted = math.floor(expires_at) - start
        if granted >= expire:
            return expire
        # Expired credentials: botocore refreshes them first, or raises; a
        # failed advisory refresh keeps the old ones. S3 wants at least 1.
        granted = max(granted, 1)
        if self.warned:
            logger.debug(
                "Presigned URL of bucket %r valid %d s, not %d",
                storage.bucket_name,
                granted,
                expire,
            )
            return granted
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
                granted,
                until,
            )
        return granted
