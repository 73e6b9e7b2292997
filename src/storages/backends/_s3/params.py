"""Request parameters: what goes into an upload and what a download may carry."""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping
from typing import Any

from boto3.s3.transfer import S3Transfer

from .protocol import MAX_KEY_BYTES

__all__ = ["check_key", "effective_acl", "filter_download_params", "write_parameters"]

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


def effective_acl(object_parameters: Mapping[str, Any], default_acl: str | None) -> str | None:
    """Return the canned ACL uploads carry: ``object_parameters["ACL"]``, else ``default_acl``."""
    acl = object_parameters.get("ACL") or default_acl
    return str(acl) if acl else None


def _shown(key: str) -> str:
    return repr(key if len(key) <= 60 else key[:57] + "...")


def check_key(key: str) -> str:
    """Return ``key`` if S3 can store it; raise ValueError with the reason otherwise.

    S3 keys are at most 1024 bytes of UTF-8. A NUL character cannot travel in
    S3's XML listings, and a lone surrogate cannot be encoded at all.
    """
    try:
        size = len(key.encode("utf-8"))
    except UnicodeEncodeError as err:
        raise ValueError(f"The name {_shown(key)} is not valid Unicode text.") from err
    if size > MAX_KEY_BYTES:
        raise ValueError(
            f"The key {_shown(key)} is {size} bytes of UTF-8; S3 keys are at most "
            f"{MAX_KEY_BYTES} bytes."
        )
    if "\x00" in key:
        raise ValueError(f"The name {_shown(key)} contains a NUL character.")
    return key
