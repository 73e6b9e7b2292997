"""What a profile changes on each boto3 client: Content-MD5 on DeleteObjects.

S3 requires an integrity header on DeleteObjects. boto3 1.36 and later send a
CRC32 (``x-amz-checksum-crc32`` with ``x-amz-sdk-checksum-algorithm``) even
with ``request_checksum_calculation="when_required"``, because the operation
requires a checksum; stores that predate flexible checksums answer
``MissingContentMD5`` or ``InvalidArgument`` (boto/boto3#4398). Just before
signing, the request gets Content-MD5 instead, as boto3 sent before 1.36.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

__all__ = ["use_content_md5"]

_HOOK_ID = "storages-providers-content-md5"


def use_content_md5(resource: Any) -> None:
    """Make the client of ``resource`` send DeleteObjects with Content-MD5, no flexible checksum.

    Anything without a boto3 client's event system (a test's stand-in) is left alone.
    """
    client = getattr(getattr(resource, "meta", None), "client", None)
    events = getattr(getattr(client, "meta", None), "events", None)
    if events is not None:
        events.register("before-sign.s3.DeleteObjects", _content_md5_instead, unique_id=_HOOK_ID)


def _content_md5_instead(request: Any, **kwargs: Any) -> None:
    headers = request.headers
    for name in list(headers.keys()):
        lowered = name.lower()
        if lowered.startswith("x-amz-checksum-") or lowered == "x-amz-sdk-checksum-algorithm":
            del headers[name]
    body = request.body
    if isinstance(body, str):
        body = body.encode("utf-8")
    if isinstance(body, bytes | bytearray) and "Content-MD5" not in headers:
        digest = hashlib.md5(body, usedforsecurity=False).digest()
        headers["Content-MD5"] = base64.b64encode(digest).decode("ascii")
