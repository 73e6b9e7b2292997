"""MD5 digests of upload bodies, to compare with the ETags S3 lists.

S3 gives an object stored with one plain PUT the quoted MD5 of its bytes as
ETag, so a local MD5 of what *would* be uploaded tells whether S3 already
holds exactly those bytes, without downloading anything.
"""

from __future__ import annotations

import hashlib
from typing import Any

from ....utils import is_seekable
from ..writes import WriteRequest

__all__ = ["body_digest", "etag_digest"]

_READ_SIZE = 256 * 1024


def body_digest(request: WriteRequest, data: bytes | None = None) -> str | None:
    """Return the MD5 (hex) of the bytes ``request`` sends, or None.

    The bytes are ``data`` when the caller holds the whole body already,
    else the request's body (gzipped when the request is), so they compare
    with the ETag S3 gives a plain PUT. Content that cannot be rewound is
    not read (None).
    """
    if data is not None:
        return hashlib.md5(data, usedforsecurity=False).hexdigest()
    content: Any = request.content
    if not is_seekable(content) or not hasattr(content, "seek"):
        return None
    hasher = hashlib.md5(usedforsecurity=False)
    body = request.body()
    while chunk := body.read(_READ_SIZE):
        hasher.update(chunk)
    content.seek(0)
    return hasher.hexdigest()


def etag_digest(etag: str | None) -> str | None:
    """Return the MD5 an ETag stands for, as lowercase hex (quotes removed).

    Multipart ETags ("<md5>-<parts>") and SSE-KMS ETags never equal an MD5
    we compute, so such objects are simply always uploaded again.
    """
    return etag.strip('"').lower() if etag else None
