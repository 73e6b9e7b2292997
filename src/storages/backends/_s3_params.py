"""Request parameters: what goes into an upload and what a download may carry."""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping
from typing import Any

from boto3.s3.transfer import S3Transfer

__all__ = ["filter_download_params", "write_parameters"]

_ALLOWED_DOWNLOAD_ARGS = frozenset(S3Transfer.ALLOWED_DOWNLOAD_ARGS)


def filter_download_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Return only the parameters a download (or HEAD) accepts, such as SSE-C keys."""
    return {key: value for key, value in params.items() if key in _ALLOWED_DOWNLOAD_ARGS}


def write_parameters(
    params: dict[str, Any],
    key: str,
    content: Any = None,
    *,
    default_content_type: str,
    default_acl: str | None,
) -> dict[str, Any]:
    """Complete ``params`` (a fresh dict) with ContentType, ContentEncoding and ACL.

    ContentType is guessed only when absent: ``content.content_type``, then
    the key's extension, then ``default_content_type``. The extension's
    encoding (".gz" gives gzip) becomes ContentEncoding even when the
    content supplied the type. ACL is added only when absent and
    ``default_acl`` is set.
    """
    if "ContentType" not in params:
        guessed_type, encoding = mimetypes.guess_type(key)
        content_type = getattr(content, "content_type", None)
        params["ContentType"] = content_type or guessed_type or default_content_type
        if encoding:
            params["ContentEncoding"] = encoding
    if "ACL" not in params and default_acl:
        params["ACL"] = default_acl
    return params
