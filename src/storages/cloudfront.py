"""CloudFront signed cookies on Django responses.

:meth:`S3Storage.cloudfront_cookies() <storages.backends.s3.S3Storage.cloudfront_cookies>`
signs the cookies; :func:`set_cloudfront_cookies` puts them on a response.
See :doc:`/howto/cloudfront` for when to prefer them over signed URLs.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Literal

from django.http import HttpResponseBase

from .backends._s3.urls.cookies import COOKIE_NAMES, POLICY_COOKIE, seconds_left

__all__ = ["COOKIE_NAMES", "set_cloudfront_cookies"]


def set_cloudfront_cookies(
    response: HttpResponseBase,
    cookies: Mapping[str, str],
    *,
    domain: str | None = None,
    path: str = "/",
    max_age: int | timedelta | None = None,
    secure: bool = True,
    httponly: bool = True,
    samesite: Literal["Lax", "Strict", "None"] | None = "Lax",
) -> None:
    """Set the three CloudFront cookies of ``cookies`` on ``response``.

    ``cookies`` is what ``S3Storage.cloudfront_cookies()`` returns. The
    browser sends them to CloudFront only if the distribution's domain
    matches ``domain``: give the custom domain itself (``media.example.com``)
    or a parent shared with your site (``example.com``); ``None`` limits them
    to the host that answered the request. ``path`` limits them to URLs
    under it.

    ``max_age`` defaults to the seconds the policy has left, so the browser
    drops the cookies when CloudFront would stop accepting them. ``secure``
    (HTTPS only) and ``httponly`` (hidden from JavaScript) are on by default;
    ``samesite`` is ``"Lax"``, which sends them on requests from your own
    site, parent domain included; ``None`` omits the attribute.

    Raises ValueError when a cookie is missing, when ``max_age`` is not given
    and the policy's expiry cannot be read, or for ``samesite="None"``
    without ``secure`` (browsers refuse such cookies).
    """
    missing = [name for name in COOKIE_NAMES if name not in cookies]
    if missing:
        raise ValueError(
            f"Missing CloudFront cookie(s) {', '.join(missing)}: pass the dict "
            "S3Storage.cloudfront_cookies() returns."
        )
    if samesite is not None and samesite.lower() == "none" and not secure:
        raise ValueError(
            'samesite="None" needs secure=True: browsers refuse SameSite=None cookies '
            "that are not Secure."
        )
    if max_age is None:
        max_age = seconds_left(cookies[POLICY_COOKIE])
    for name in COOKIE_NAMES:
        response.set_cookie(
            name,
            cookies[name],
            max_age=max_age,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
        )
