"""Presigned POST policies and PUT URLs: one request from the browser stores the whole file.

Both are signed by botocore with the client that signs the storage's URLs
(``urls.url.presigning_client``: the ``public_endpoint_url``'s when there is
one), for the storage's bucket; no request is sent.

- A POST policy pins the exact key, the content type (or a ``type/``
  prefix), the size range, and every upload parameter as a form field of
  the same value. S3 refuses a form that changes any of them, or adds a
  field the policy does not name.
- A PUT URL signs its headers (SigV4's ``X-Amz-SignedHeaders``): S3 refuses
  the request unless the browser sends each with the same value. With
  ``file_overwrite`` off that includes ``If-None-Match: *``, so the URL
  cannot replace an object, not even one it stored itself. SigV2 signs
  only some headers; such a URL is refused here rather than handed out.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.core.exceptions import ImproperlyConfigured

from ..protocol import MAX_PUT_SIZE
from ..urls.url import presigning_client
from ..writes import conditional_writes_supported
from .names import new_name
from .params import UploadParameters, post_fields, put_headers, upload_parameters
from .storage import UploadStorage

__all__ = ["check_expire", "presigned_post", "presigned_put", "put_parameters"]

logger = logging.getLogger(__name__)


def check_expire(storage: UploadStorage, expire: int | None, operation: str) -> int:
    """Return the lifetime in seconds: ``expire``, or the storage's ``querystring_expire``."""
    if expire is None:
        expire = storage.querystring_expire
    if type(expire) is not int or expire <= 0:
        raise ValueError(f"{operation}() takes expire as a number of seconds > 0, not {expire!r}.")
    return expire


def _check_sizes(min_size: int, max_size: int | None) -> tuple[int, int]:
    high = MAX_PUT_SIZE if max_size is None else max_size
    if type(min_size) is not int or type(high) is not int or not 0 <= min_size <= high:
        raise ValueError(
            "presigned_post() takes sizes in bytes with 0 <= min_size <= max_size, not "
            f"min_size={min_size!r}, max_size={max_size!r}."
        )
    if high > MAX_PUT_SIZE:
        raise ValueError(
            f"presigned_post() got max_size={max_size}, but one POST stores at most "
            f"{MAX_PUT_SIZE} bytes (5 GiB): upload larger files in parts "
            "(start_multipart_upload())."
        )
    return min_size, high


def presigned_post(
    storage: UploadStorage,
    name: str,
    *,
    content_type: str | None = None,
    max_size: int | None = None,
    min_size: int = 0,
    expire: int | None = None,
    metadata: Mapping[str, str] | None = None,
    max_length: int | None = None,
) -> dict[str, Any]:
    """Return ``{"url", "fields", "name"}`` for a browser's POST of a new file (see S3Storage)."""
    low, high = _check_sizes(min_size, max_size)
    expire = check_expire(storage, expire, "presigned_post")
    name, key = new_name(storage, name, max_length)
    upload = upload_parameters(
        storage,
        key,
        "presigned_post",
        content_type=content_type,
        metadata=metadata,
        allow_prefix=True,
    )
    client = presigning_client(storage)
    fields = post_fields(upload, client)
    conditions: list[Any] = [{field: value} for field, value in fields.items()]
    if upload.content_type_prefix is not None:
        conditions.append(["starts-with", "$Content-Type", upload.content_type_prefix])
    conditions.append(["content-length-range", low, high])
    post = client.generate_presigned_post(
        storage.bucket.name, key, Fields=fields, Conditions=conditions, ExpiresIn=expire
    )
    return {"url": post["url"], "fields": post["fields"], "name": name}


def _signed_headers(url: str) -> frozenset[str] | None:
    """Return the header names a SigV4 URL signs, or None for a URL of another signature."""
    values = parse_qs(urlsplit(url).query).get("X-Amz-SignedHeaders")
    return frozenset(values[0].split(";")) if values else None


def check_signed(url: str, headers: Mapping[str, str], operation: str) -> None:
    """Raise ImproperlyConfigured unless ``url`` signs every one of ``headers``."""
    signed = _signed_headers(url)
    if signed is None:
        raise ImproperlyConfigured(
            f"{operation}() needs URLs signed with Signature Version 4, which signs the "
            "headers the browser must send (SigV2 leaves If-None-Match and Cache-Control "
            "unsigned). Set signature_version = 's3v4' (AWS_S3_SIGNATURE_VERSION)."
        )
    unsigned = sorted(name for name in headers if name.lower() not in signed)
    if unsigned:
        raise ImproperlyConfigured(
            f"{operation}(): botocore left the headers {', '.join(unsigned)} out of the "
            "URL's signature, so S3 would not enforce them."
        )


def put_parameters(
    storage: UploadStorage,
    key: str,
    *,
    content_type: str | None = None,
    metadata: Mapping[str, str] | None = None,
) -> UploadParameters:
    """Return what a presigned PUT to ``key`` signs: the upload's parameters, create-only or not.

    ``s3probe``'s cors check asks for the same headers in its preflight.
    """
    upload = upload_parameters(
        storage, key, "presigned_put", content_type=content_type, metadata=metadata
    )
    if storage.file_overwrite:
        return upload
    if not conditional_writes_supported(storage):
        logger.debug("The store refused If-None-Match: the PUT URL of %s has none", key)
        return upload
    return replace(upload, params={**upload.params, "IfNoneMatch": "*"})


def presigned_put(
    storage: UploadStorage,
    name: str,
    *,
    content_type: str | None = None,
    expire: int | None = None,
    metadata: Mapping[str, str] | None = None,
    max_length: int | None = None,
) -> dict[str, Any]:
    """Return ``{"url", "headers", "name"}`` for a browser's PUT of a new file (see S3Storage)."""
    expire = check_expire(storage, expire, "presigned_put")
    name, key = new_name(storage, name, max_length)
    upload = put_parameters(storage, key, content_type=content_type, metadata=metadata)
    client = presigning_client(storage)
    headers = put_headers(upload, client, "presigned_put")
    url: str = client.generate_presigned_url(
        "put_object",
        Params={"Bucket": storage.bucket.name, "Key": key, **upload.params},
        ExpiresIn=expire,
    )
    check_signed(url, headers, "presigned_put")
    return {"url": url, "headers": headers, "name": name}
