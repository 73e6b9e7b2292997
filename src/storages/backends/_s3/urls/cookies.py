"""CloudFront signed cookies: one custom policy that opens many files on the custom domain.

A signed URL covers one file; signed cookies carry a custom policy whose
``Resource`` may hold ``*`` wildcards, so one signature opens every file
under a prefix (the segments of an HLS stream, the pages of a private static
site). CloudFront reads three cookies: ``CloudFront-Policy`` (the policy in
CloudFront's URL-safe base64), ``CloudFront-Signature`` (RSA-SHA1 of the
policy bytes, same encoding) and ``CloudFront-Key-Pair-Id``.

The signature comes from the storage's CloudFront signer, through the one
method every signer has, ``generate_presigned_url(url, policy=...)``: the
cookie values are read off the query string of the URL it returns, so a
custom signer (a KMS-backed one, say) signs cookies as it signs URLs.
"""

from __future__ import annotations

import binascii
import json
from base64 import b64decode, b64encode
from datetime import timedelta
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

from botocore.utils import datetime2timestamp
from django.core.exceptions import ImproperlyConfigured
from django.utils.encoding import filepath_to_uri

from ....conf import spellings
from ....signers import _CLOUDFRONT_B64
from ..options import S3_OPTIONS_BY_NAME
from .url import utcnow

__all__ = [
    "COOKIE_NAMES",
    "KEY_PAIR_ID_COOKIE",
    "POLICY_COOKIE",
    "SIGNATURE_COOKIE",
    "CookieStorage",
    "custom_policy",
    "decode_policy",
    "encode_policy",
    "policy_expiry",
    "seconds_left",
    "signed_cookies",
]

POLICY_COOKIE = "CloudFront-Policy"
SIGNATURE_COOKIE = "CloudFront-Signature"
KEY_PAIR_ID_COOKIE = "CloudFront-Key-Pair-Id"
#: The cookies CloudFront reads for a custom policy, in the order they are returned.
COOKIE_NAMES = (POLICY_COOKIE, SIGNATURE_COOKIE, KEY_PAIR_ID_COOKIE)

#: CloudFront's URL-safe base64 back to standard base64.
_FROM_CLOUDFRONT_B64 = bytes.maketrans(b"-_~", b"+=/")


class CookieStorage(Protocol):
    """What ``cloudfront_cookies()`` needs from a storage (``S3Storage`` has all of it)."""

    querystring_expire: int
    custom_domain: str | None
    url_protocol: str

    @property
    def cloudfront_signer(self) -> Any: ...
    def _key(self, name: str) -> str: ...


def custom_policy(resource: str, expires: int) -> str:
    """Return the custom policy JSON granting ``resource`` until epoch second ``expires``.

    Compact, with the keys in the order CloudFront documents, as botocore's
    ``CloudFrontSigner.build_policy`` writes it.
    """
    statement = {"Resource": resource, "Condition": {"DateLessThan": {"AWS:EpochTime": expires}}}
    return json.dumps({"Statement": [statement]}, separators=(",", ":"))


def encode_policy(policy: str) -> str:
    """Return ``policy`` in CloudFront's URL-safe base64 (``+=/`` become ``-_~``)."""
    return b64encode(policy.encode("utf-8")).translate(_CLOUDFRONT_B64).decode("ascii")


def decode_policy(value: str) -> Any:
    """Return the JSON document of a ``CloudFront-Policy`` value.

    Raises ValueError when ``value`` is not CloudFront base64 of a JSON document.
    """
    try:
        text = b64decode(value.encode("ascii").translate(_FROM_CLOUDFRONT_B64), validate=True)
        return json.loads(text)
    except (UnicodeError, binascii.Error, json.JSONDecodeError) as err:
        raise ValueError(
            "The CloudFront-Policy value is not a base64-encoded JSON policy."
        ) from err


def policy_expiry(value: str) -> int:
    """Return the ``DateLessThan`` epoch second of a one-statement ``CloudFront-Policy`` value.

    Raises ValueError when the policy does not have exactly that shape.
    """
    policy = decode_policy(value)
    try:
        (statement,) = policy["Statement"]
        expires = statement["Condition"]["DateLessThan"]["AWS:EpochTime"]
    except (TypeError, KeyError, ValueError) as err:
        raise ValueError(
            "The CloudFront-Policy value has no single statement with a DateLessThan condition."
        ) from err
    if type(expires) is not int:
        raise ValueError(f"The CloudFront-Policy expiry {expires!r} is not an epoch second.")
    return expires


def seconds_left(value: str) -> int:
    """Return the seconds until a ``CloudFront-Policy`` value expires (0 once it has)."""
    now = int(datetime2timestamp(utcnow()))
    return max(0, policy_expiry(value) - now)


def _resource(storage: CookieStorage, name_pattern: str) -> str:
    # The storage's own key rules (location joined, ".." escaping it refused with
    # SuspiciousOperation, overrides honoured) and url()'s custom-domain form, so the
    # pattern matches the URLs url() returns. filepath_to_uri keeps "*" as it is.
    key = storage._key(name_pattern)
    return f"{storage.url_protocol}//{storage.custom_domain}/{filepath_to_uri(key)}"


def _lifetime(storage: CookieStorage, expire: int | None) -> int:
    if expire is None:
        return storage.querystring_expire
    if type(expire) is not int:
        raise TypeError(f"expire must be a number of seconds (int), not {type(expire).__name__}.")
    if expire < 0:
        raise ValueError(f"expire must be 0 or more seconds, not {expire}.")
    return expire


def signed_cookies(storage: CookieStorage, name_pattern: str, expire: int | None) -> dict[str, str]:
    """Return the three cookies for ``name_pattern`` (see ``S3Storage.cloudfront_cookies``)."""
    label = f"{type(storage).__name__}.cloudfront_cookies()"
    if not storage.custom_domain:
        raise ImproperlyConfigured(
            f"{label} needs the domain of the CloudFront distribution: set "
            f"{spellings(S3_OPTIONS_BY_NAME['custom_domain'])}, e.g. 'media.example.com'."
        )
    signer = storage.cloudfront_signer
    if signer is None:
        raise ImproperlyConfigured(
            f"{label} needs a CloudFront signer and this storage has none: set "
            f"{spellings(S3_OPTIONS_BY_NAME['cloudfront_key_id'])} and "
            f"{spellings(S3_OPTIONS_BY_NAME['cloudfront_key'])}, or give a signer as the "
            "cloudfront_signer option."
        )
    lifetime = _lifetime(storage, expire)
    resource = _resource(storage, name_pattern)
    # The clock and the rounding url() uses for CloudFront URLs' Expires.
    expires = int(datetime2timestamp(utcnow() + timedelta(seconds=lifetime)))
    document = custom_policy(resource, expires)
    signed = signer.generate_presigned_url(resource, policy=document)
    query = dict(parse_qsl(urlsplit(str(signed)).query, keep_blank_values=True))
    signature, key_pair_id = query.get("Signature"), query.get("Key-Pair-Id")
    if not signature or not key_pair_id:
        raise ImproperlyConfigured(
            f"{label}: the CloudFront signer ({type(signer).__name__}) returned a URL without "
            "the Signature and Key-Pair-Id parameters. A signer must sign a custom policy as "
            "botocore's CloudFrontSigner.generate_presigned_url(url, policy=...) does."
        )
    # The signature covers the policy the signer put in the URL: keep the two together.
    return {
        POLICY_COOKIE: query.get("Policy") or encode_policy(document),
        SIGNATURE_COOKIE: signature,
        KEY_PAIR_ID_COOKIE: key_pair_id,
    }
