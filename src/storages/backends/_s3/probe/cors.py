"""The cors check of ``s3probe``: would a browser on the site's origin be let upload to the bucket?

A page that uploads straight to S3 sends its requests to another origin,
the bucket's. Before a PUT with headers, or any request whose upload
progress the page watches (the ``storages.uploads`` widget's), the browser
sends a preflight: ``OPTIONS`` with ``Origin``,
``Access-Control-Request-Method`` and ``Access-Control-Request-Headers``.
S3 answers it from the bucket's CORS rules; without a rule that matches,
the browser never sends the upload and reports only a network error.

The check sends, from each origin, the preflights of what direct uploads
send (see :mod:`..uploads`):

- a POST to the bucket's POST URL, as a form upload (``presigned_post()``,
  the widget): no header to ask for, since a form's are safelisted;
- a PUT to an object URL with the headers ``presigned_put()`` signs for
  this storage (``Content-Type``, the upload parameters, ``If-None-Match``
  when create-only). A multipart part's PUT sends none of them, but its
  ETag must be readable, so the answer must expose ``ETag``.

It judges each answer as a browser does, since some stores answer a
preflight that no rule matches with 200 and no ``Access-Control-Allow-*``
headers. A failure prints the rule that makes every preflight pass.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from ..uploads.params import put_headers
from ..uploads.presigned import put_parameters
from ..uploads.storage import UploadStorage
from ..urls.url import presigning_client
from .fetch import body_error_code, preflight
from .outcome import OK, FailedCheckError, names

__all__ = ["MAX_AGE", "CorsStorage", "Preflight", "check_cors", "cors_rule", "is_origin"]

#: How long browsers may cache a preflight answer, in the rule a failure prints.
MAX_AGE = 3600
#: Methods a browser lets through without their being listed in Access-Control-Allow-Methods.
_SAFELISTED_METHODS = frozenset({"GET", "HEAD", "POST"})


class CorsStorage(UploadStorage, Protocol):
    """What the cors check needs from a storage (``S3Storage`` has all of it)."""

    @property
    def verify(self) -> bool | str | None: ...


@dataclass(frozen=True)
class Preflight:
    """One preflight to send: the method, the URL and the headers the request would carry."""

    method: str
    url: str
    headers: tuple[str, ...] = ()
    #: Whether the page must read the answer's ETag (a multipart part's PUT).
    needs_etag: bool = False


def is_origin(text: str) -> bool:
    """Return whether ``text`` is one concrete origin: ``scheme://host[:port]``, nothing more."""
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and "*" not in parts.netloc
        and "@" not in parts.netloc
        and not (parts.path or parts.query or parts.fragment)
        and text == f"{parts.scheme}://{parts.netloc}"
    )


def preflights(storage: CorsStorage, key: str) -> list[Preflight]:
    """Return the preflights of a direct upload to ``key``: a form POST, and a PUT."""
    client = presigning_client(storage)
    bucket = storage.bucket.name
    post_url: str = client.generate_presigned_post(bucket, key)["url"]
    put_url: str = client.generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": key}
    )
    signed = put_headers(put_parameters(storage, key), client, "presigned_put")
    # Uploads carry their file's own type, which is rarely safelisted (text/plain is).
    headers = {"content-type": "Content-Type"}
    headers.update((name.lower(), name) for name in signed)
    put_sends = tuple(headers[name] for name in sorted(headers))
    return [Preflight("POST", post_url), Preflight("PUT", put_url, put_sends, needs_etag=True)]


def _listed(value: str | None) -> set[str]:
    return {item.strip().lower() for item in (value or "").split(",") if item.strip()}


def refusal(
    asked: Preflight, origin: str, status: int, headers: Mapping[str, str], body: bytes
) -> str:
    """Return what makes a browser on ``origin`` refuse this preflight answer, or ``""``.

    The text follows "the preflight ... got": a status, or a header missing.
    """
    if not 200 <= status < 300:
        return f"HTTP {status} ({body_error_code(body)})"
    allowed = headers.get("access-control-allow-origin")
    if allowed is None:
        return "no Access-Control-Allow-Origin"
    if allowed not in ("*", origin):
        return f"Access-Control-Allow-Origin {allowed!r}"
    methods = _listed(headers.get("access-control-allow-methods"))
    method_missing = asked.method not in _SAFELISTED_METHODS and not methods & {
        "*",
        asked.method.lower(),
    }
    allowed_headers = _listed(headers.get("access-control-allow-headers"))
    missing = ", ".join(
        name
        for name in asked.headers
        if "*" not in allowed_headers and name.lower() not in allowed_headers
    )
    # Some stores answer a preflight that no rule matches without either list.
    if method_missing and missing:
        return (
            f"no {asked.method} in Access-Control-Allow-Methods, nor {missing} in "
            "Access-Control-Allow-Headers"
        )
    if method_missing:
        return f"no {asked.method} in Access-Control-Allow-Methods"
    if missing:
        return f"no {missing} in Access-Control-Allow-Headers"
    exposed = _listed(headers.get("access-control-expose-headers"))
    if asked.needs_etag and not exposed & {"*", "etag"}:
        return "no ETag in Access-Control-Expose-Headers (multipart uploads read it)"
    return ""


def cors_rule(origins: Sequence[str], headers: Collection[str]) -> str:
    """Return, as JSON, the CORS rule that lets ``origins`` upload with ``headers``."""
    rule = {
        "AllowedOrigins": list(origins),
        "AllowedMethods": ["POST", "PUT"],
        "AllowedHeaders": list(headers),
        "ExposeHeaders": ["ETag"],
        "MaxAgeSeconds": MAX_AGE,
    }
    # One key per line with compact lists, as the how-to shows rules.
    entries = ",\n".join(f'        "{key}": {json.dumps(value)}' for key, value in rule.items())
    return f"[\n    {{\n{entries}\n    }}\n]"


def _shown(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def check_cors(
    storage: CorsStorage, key: str, origins: Sequence[str], timeout: float
) -> tuple[str, str]:
    """Preflight a direct upload to ``key`` from each origin; raise FailedCheckError on refusal."""
    try:
        asked = preflights(storage, key)
    except ImproperlyConfigured as err:
        raise FailedCheckError(
            f"no direct upload can be signed: {err}",
            "Correct the upload parameters; presigned_put() raises the same error.",
        ) from err
    put_sends = asked[-1].headers
    problems: list[str] = []
    for origin in origins:
        for one in asked:
            try:
                status, headers, body = preflight(
                    one.url, origin, one.method, one.headers, storage.verify, timeout
                )
            except (OSError, ValueError) as err:
                raise FailedCheckError(
                    f"OPTIONS {_shown(one.url)} failed: {err}",
                    f"Check {names('public_endpoint_url')} or {names('endpoint_url')}: "
                    "browsers upload there.",
                ) from err
            problem = refusal(one, origin, status, headers, body)
            if problem:
                problems.append(f"the preflight of a {one.method} from {origin!r} got {problem}")
    if problems:
        raise FailedCheckError(
            "browsers cannot upload: " + "; ".join(problems),
            "Add this rule to the bucket's CORS configuration (the S3 console, or "
            f"put_bucket_cors()):\n{cors_rule(origins, put_sends)}",
        )
    shown = ", ".join(repr(origin) for origin in origins)
    return OK, f"{shown} may POST, and PUT with {', '.join(put_sends)} (ETag exposed)"
