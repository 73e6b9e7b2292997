"""Anonymous requests, as a browser sends them: what a URL from the storage really returns.

``fetch()`` GETs a URL from ``url()``; ``preflight()`` sends the ``OPTIONS``
request a browser sends before an upload from another origin.
"""

from __future__ import annotations

import re
import ssl
import urllib.error
import urllib.request
from collections.abc import Collection

__all__ = ["Answer", "body_error_code", "fetch", "preflight"]

#: An answer: its status, its headers (names in lower case) and its body.
Answer = tuple[int, dict[str, str], bytes]


def _send(request: urllib.request.Request, verify: bool | str | None, timeout: float) -> Answer:
    """Send ``request`` without credentials; return the answer, error statuses included."""
    context = None
    if request.full_url.startswith("https:"):
        context = ssl.create_default_context(cafile=verify if isinstance(verify, str) else None)
        if verify is False:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:  # noqa: S310 - http(s) URLs the storage built
            headers = {name.lower(): value for name, value in response.headers.items()}
            return int(response.status), headers, bytes(response.read())
    except urllib.error.HTTPError as err:
        headers = {name.lower(): value for name, value in err.headers.items()}
        return err.code, headers, err.read()


def fetch(url: str, verify: bool | str | None, timeout: float) -> tuple[int, bytes]:
    """GET ``url`` without credentials; return the status and body (errors included)."""
    request = urllib.request.Request(url, method="GET")  # noqa: S310 - http(s) URLs from url()
    status, _, body = _send(request, verify, timeout)
    return status, body


def preflight(
    url: str,
    origin: str,
    method: str,
    headers: Collection[str],
    verify: bool | str | None,
    timeout: float,
) -> Answer:
    """Send the CORS preflight a browser on ``origin`` sends before ``method`` with ``headers``."""
    asked = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers:
        # As browsers do: the names in lower case, sorted, comma-separated.
        asked["Access-Control-Request-Headers"] = ",".join(sorted(h.lower() for h in headers))
    request = urllib.request.Request(url, method="OPTIONS", headers=asked)  # noqa: S310 - http(s) URLs the storage built
    return _send(request, verify, timeout)


def body_error_code(body: bytes) -> str:
    """Return the S3 error code in an XML error body, or "no error code"."""
    match = re.search(rb"<Code>([^<]*)</Code>", body)
    return match.group(1).decode("utf-8", "replace") if match else "no error code"
