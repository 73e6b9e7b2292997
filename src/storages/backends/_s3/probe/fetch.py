"""Anonymous GETs, as a browser sends them: what a URL from the storage really returns."""

from __future__ import annotations

import re
import ssl
import urllib.error
import urllib.request

__all__ = ["body_error_code", "fetch"]


def fetch(url: str, verify: bool | str | None, timeout: float) -> tuple[int, bytes]:
    """GET ``url`` without credentials; return the status and body (errors included)."""
    context = None
    if url.startswith("https:"):
        context = ssl.create_default_context(cafile=verify if isinstance(verify, str) else None)
        if verify is False:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
    request = urllib.request.Request(url, method="GET")  # noqa: S310 - http(s) URLs from url()
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:  # noqa: S310
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def body_error_code(body: bytes) -> str:
    """Return the S3 error code in an XML error body, or "no error code"."""
    match = re.search(rb"<Code>([^<]*)</Code>", body)
    return match.group(1).decode("utf-8", "replace") if match else "no error code"
