"""MD5 digests of upload bodies, to compare with the ETags S3 lists.

S3 gives an object stored with one plain PUT the quoted MD5 of its bytes as
ETag, so a local MD5 of what *would* be uploaded tells whether S3 already
holds exactly those bytes, without downloading anything.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from ..utils import is_seekable

if TYPE_CHECKING:
    from .s3 import S3Storage

__all__ = ["body_digest", "etag_digest"]

_READ_SIZE = 256 * 1024


def body_digest(storage: S3Storage, content: Any, params: dict[str, Any]) -> str | None:
    """Return the MD5 (hex) of the bytes ``storage._save`` would send, or None.

    The bytes are the upload body, after gzip when the storage compresses
    this content type, so they compare with the ETag S3 gives a plain PUT.
    Content that cannot be rewound is not read (None).
    """
    if not is_seekable(content) or not hasattr(content, "seek"):
        return None
    hasher = hashlib.md5(usedforsecurity=False)
    # A copy: building the body records ContentEncoding in the parameters.
    body = storage._upload_body(content, dict(params))
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
