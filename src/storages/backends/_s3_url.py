"""URLs for stored files: presigned S3 URLs, plain URLs, custom-domain and CloudFront URLs."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.utils.encoding import filepath_to_uri

if TYPE_CHECKING:
    from .s3 import S3Storage

__all__ = ["storage_url", "utcnow"]


def utcnow() -> datetime:
    """Return the current time as naive UTC, as CloudFront expiry dates expect.

    Looks up ``datetime`` on ``storages.backends.s3`` at call time, so code
    that patches that name (as with django-storages) still controls the clock.
    Avoids ``datetime.utcnow()``, deprecated since Python 3.12.
    """
    clock = getattr(sys.modules.get("storages.backends.s3"), "datetime", datetime)
    now: datetime = clock.now(UTC)
    return now.replace(tzinfo=None)


def storage_url(
    storage: S3Storage,
    name: str,
    parameters: dict[str, Any] | None,
    expire: int | None,
    http_method: str | None,
) -> str:
    """Build the URL of ``name`` on ``storage`` (see ``S3Storage.url``)."""
    key = storage._key(name)
    params = dict(parameters) if parameters else {}
    if expire is None:
        expire = storage.querystring_expire
    if storage.custom_domain:
        url = f"{storage.url_protocol}//{storage.custom_domain}/{filepath_to_uri(key)}"
        if params:
            url += "?" + urlencode(params)
        signer = storage.cloudfront_signer
        if storage.querystring_auth and signer:
            expiration = utcnow() + timedelta(seconds=expire)
            signed: str = signer.generate_presigned_url(url, date_less_than=expiration)
            return signed
        return url
    params["Bucket"] = storage.bucket.name
    params["Key"] = key
    connection = storage.connection if storage.querystring_auth else storage.unsigned_connection
    presigned: str = connection.meta.client.generate_presigned_url(
        "get_object", Params=params, ExpiresIn=expire, HttpMethod=http_method
    )
    return presigned
