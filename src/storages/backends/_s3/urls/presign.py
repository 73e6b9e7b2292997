"""Presign S3 URLs locally: SigV4 and legacy SigV2 ("s3") query authentication.

Produces, byte for byte, what botocore's ``S3SigV4QueryAuth`` and
``HmacV1QueryAuth`` put in a presigned GetObject URL, without building a
request object per URL. :mod:`storages.backends._s3.urls.layout` learns the
endpoint layout from botocore and checks these builders against it before
they are used, so any configuration they do not model stays with botocore.

References: AWS "Authenticating Requests: Using Query Parameters (AWS
Signature Version 4)" and "Signing and Authenticating REST Requests"
(Signature Version 2, query string authentication); RFC 2104 (HMAC).
"""

from __future__ import annotations

import re
import time
from base64 import b64encode
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from hashlib import sha1, sha256
from typing import Any
from urllib.parse import quote, unquote

__all__ = [
    "GETOBJECT_QUERY_PARAMS",
    "Layout",
    "SigV2Builder",
    "SigV4Builder",
    "UnsignedBuilder",
    "builder_for",
    "encode_key",
    "encode_value",
    "now",
    "query_pairs",
]

#: The clock the signers read, looked up at call time so tests can freeze it
#: (botocore reads ``datetime.now`` for SigV4 and ``time.time`` for SigV2).
now = time.time

#: GetObject parameters that botocore serializes into the query string, with
#: their query names. Other parameters (SSE-C, Range, If-*) become signed
#: headers, and go through botocore.
GETOBJECT_QUERY_PARAMS: dict[str, str] = {
    "ResponseCacheControl": "response-cache-control",
    "ResponseContentDisposition": "response-content-disposition",
    "ResponseContentEncoding": "response-content-encoding",
    "ResponseContentLanguage": "response-content-language",
    "ResponseContentType": "response-content-type",
    "VersionId": "versionId",
    "PartNumber": "partNumber",
}
_INTEGER_PARAMS = frozenset({"PartNumber"})

# What botocore's percent_encode leaves alone: RFC 3986 unreserved characters,
# plus "/" in object keys (the greedy {Key+} label keeps slashes).
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_.~/-]*")
_PLAIN_VALUE = re.compile(r"[A-Za-z0-9_.~-]*")

_V4_ALGORITHM = "AWS4-HMAC-SHA256"
_IPAD = bytes(byte ^ 0x36 for byte in range(256))
_OPAD = bytes(byte ^ 0x5C for byte in range(256))

Pairs = Sequence[tuple[str, str]]


def encode_key(key: str) -> str:
    """Percent-encode an object key as botocore puts it in the URL path."""
    if _PLAIN_KEY.fullmatch(key):
        return key
    return quote(key, safe="/~")


def encode_value(value: str) -> str:
    """Percent-encode a query-string name or value as botocore does (UTF-8, RFC 3986)."""
    if _PLAIN_VALUE.fullmatch(value):
        return value
    return quote(value, safe="-_.~")


def _encode_base64(value: str) -> str:
    # Base64 text needs only these three escapes; quote() would give the same.
    return value.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")


def query_pairs(parameters: dict[str, Any]) -> list[tuple[str, str]] | None:
    """Return the encoded query pairs for GetObject ``parameters``, in the caller's order.

    ``Bucket`` and ``Key`` are skipped (they are part of the path). Returns
    None when a parameter is not a query parameter, or has a value whose
    serialization is not reproduced here; the caller then uses botocore,
    which also validates the parameters.
    """
    pairs: list[tuple[str, str]] = []
    for name, value in parameters.items():
        if name in ("Bucket", "Key"):
            continue
        query_name = GETOBJECT_QUERY_PARAMS.get(name)
        if query_name is None:
            return None
        if name in _INTEGER_PARAMS:
            if type(value) is not int:
                return None
            pairs.append((query_name, str(value)))
        elif type(value) is str:
            pairs.append((query_name, encode_value(value)))
        else:
            return None
    return pairs


def _join(pairs: Pairs) -> str:
    return "&".join([f"{name}={value}" for name, value in pairs])


@dataclass(frozen=True)
class Layout:
    """Where a bucket's objects live and how their URLs are signed (no secrets).

    ``url_prefix`` is everything before the encoded key, e.g.
    ``https://s3.eu-west-1.amazonaws.com/bucket/``. SigV4 signs the path
    (``path_prefix`` + key) and the ``host``; SigV2 signs
    ``auth_prefix`` + key (``/bucket/key`` whatever the addressing style).
    """

    kind: str  # "v4", "v2" or "unsigned"
    url_prefix: str
    path_prefix: str = ""
    host: str = ""
    region: str = ""
    service: str = ""
    auth_prefix: str = ""


class _Hmac:
    """HMAC (RFC 2104) with the key's inner and outer pads hashed once, not per message."""

    __slots__ = ("_inner", "_outer")

    def __init__(self, key: bytes, hash_factory: Callable[..., Any]) -> None:
        block_size: int = hash_factory().block_size
        if len(key) > block_size:
            key = hash_factory(key).digest()
        key = key.ljust(block_size, b"\0")
        self._inner = hash_factory(key.translate(_IPAD))
        self._outer = hash_factory(key.translate(_OPAD))

    def _finish(self, message: bytes) -> Any:
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer

    def digest(self, message: bytes) -> bytes:
        """Return the HMAC of ``message``."""
        result: bytes = self._finish(message).digest()
        return result

    def hexdigest(self, message: bytes) -> str:
        """Return the HMAC of ``message`` in lowercase hex."""
        result: str = self._finish(message).hexdigest()
        return result


def _hmac(key: bytes, message: str) -> bytes:
    return _Hmac(key, sha256).digest(message.encode())


class UnsignedBuilder:
    """Build the URLs botocore's unsigned client gives for GetObject."""

    __slots__ = ("layout",)

    def __init__(self, layout: Layout) -> None:
        self.layout = layout

    def url(self, method: str, encoded_key: str, pairs: Pairs, expires: int, creds: Any) -> str:
        """Return the URL; ``method``, ``expires`` and ``creds`` are not part of it."""
        if pairs:
            return f"{self.layout.url_prefix}{encoded_key}?{_join(pairs)}"
        return self.layout.url_prefix + encoded_key


class SigV4Builder:
    """Build SigV4 presigned URLs, as botocore's ``S3SigV4QueryAuth`` does.

    Caches what is safe to reuse: the date stamps of the current second and,
    per (secret, access key, day), the derived signing key and the encoded
    credential. The cache holds the secret only to notice that it changed
    (refreshable credentials rotate); it is per storage, never module-level.
    """

    __slots__ = ("_day", "_second", "layout", "scope_tail")

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.scope_tail = f"/{layout.region}/{layout.service}/aws4_request"
        self._second: tuple[int, str, str] = (-1, "", "")
        self._day: tuple[str, str, str, _Hmac, str] | None = None

    def __repr__(self) -> str:
        return f"SigV4Builder({self.layout!r})"

    def _stamps(self, second: int) -> tuple[str, str]:
        cached = self._second
        if cached[0] != second:
            amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(second))
            cached = (second, amz_date, amz_date[:8])
            self._second = cached
        return cached[1], cached[2]

    def _signing(self, access_key: str, secret_key: str, date: str) -> tuple[_Hmac, str]:
        day = self._day
        if day is None or day[0] != date or day[1] != secret_key or day[2] != access_key:
            key = _hmac(f"AWS4{secret_key}".encode(), date)
            for part in (self.layout.region, self.layout.service, "aws4_request"):
                key = _hmac(key, part)
            credential = encode_value(f"{access_key}/{date}{self.scope_tail}")
            day = (date, secret_key, access_key, _Hmac(key, sha256), credential)
            self._day = day
        return day[3], day[4]

    def url(
        self,
        method: str,
        encoded_key: str,
        pairs: Pairs,
        expires: int,
        creds: tuple[str, str, str | None],
        second: int | None = None,
    ) -> str:
        """Return the presigned URL; ``creds`` is (access key, secret key, token)."""
        if second is None:
            second = int(now())
        amz_date, date = self._stamps(second)
        access_key, secret_key, token = creds
        signing_key, credential = self._signing(access_key, secret_key, date)
        head = (
            f"X-Amz-Algorithm={_V4_ALGORITHM}&X-Amz-Credential={credential}"
            f"&X-Amz-Date={amz_date}&X-Amz-Expires={expires}"
        )
        # botocore adds the token after SignedHeaders; the canonical query
        # string sorts by name, which puts Security-Token before it.
        if token is None:
            auth = canonical = f"{head}&X-Amz-SignedHeaders=host"
        else:
            encoded_token = encode_value(token)
            auth = f"{head}&X-Amz-SignedHeaders=host&X-Amz-Security-Token={encoded_token}"
            canonical = f"{head}&X-Amz-Security-Token={encoded_token}&X-Amz-SignedHeaders=host"
        if pairs:
            # Operation parameters are lowercase, so they sort after "X-Amz-*".
            canonical = f"{canonical}&{_join(sorted(pairs))}"
            auth = f"{_join(pairs)}&{auth}"
        layout = self.layout
        canonical_request = (
            f"{method.upper()}\n{layout.path_prefix}{encoded_key}\n{canonical}\n"
            f"host:{layout.host}\n\nhost\nUNSIGNED-PAYLOAD"
        )
        string_to_sign = (
            f"{_V4_ALGORITHM}\n{amz_date}\n{date}{self.scope_tail}\n"
            f"{sha256(canonical_request.encode()).hexdigest()}"
        )
        signature = signing_key.hexdigest(string_to_sign.encode())
        return f"{layout.url_prefix}{encoded_key}?{auth}&X-Amz-Signature={signature}"


class SigV2Builder:
    """Build SigV2 presigned URLs, as botocore's ``HmacV1QueryAuth`` does."""

    __slots__ = ("_keys", "layout")

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self._keys: tuple[str, str, _Hmac, str] | None = None

    def __repr__(self) -> str:
        return f"SigV2Builder({self.layout!r})"

    def url(
        self,
        method: str,
        encoded_key: str,
        pairs: Pairs,
        expires: int,
        creds: tuple[str, str, str | None],
        expires_at: int | None = None,
    ) -> str:
        """Return the presigned URL; ``creds`` is (access key, secret key, token)."""
        if expires_at is None:
            expires_at = int(now() + expires)
        access_key, secret_key, token = creds
        keys = self._keys
        if keys is None or keys[0] != secret_key or keys[1] != access_key:
            keys = (
                secret_key,
                access_key,
                _Hmac(secret_key.encode(), sha1),
                encode_value(access_key),
            )
            self._keys = keys
        resource = self.layout.auth_prefix + encoded_key
        if pairs:
            # Every GetObject query parameter is a sub-resource S3 signs, by
            # name, with its value decoded.
            signed = sorted(pairs, key=lambda pair: pair[0])
            resource += "?" + "&".join([f"{name}={unquote(value)}" for name, value in signed])
        amz_headers = f"x-amz-security-token:{token.strip()}\n" if token else ""
        string_to_sign = f"{method.upper()}\n\n\n{expires_at}\n{amz_headers}{resource}"
        signature = _encode_base64(b64encode(keys[2].digest(string_to_sign.encode())).decode())
        query = f"AWSAccessKeyId={keys[3]}&Signature={signature}"
        if token:
            query += f"&x-amz-security-token={encode_value(token)}"
        query += f"&Expires={expires_at}"
        if pairs:
            query = f"{_join(pairs)}&{query}"
        return f"{self.layout.url_prefix}{encoded_key}?{query}"


Builder = UnsignedBuilder | SigV4Builder | SigV2Builder


def builder_for(layout: Layout) -> Builder:
    """Return a new URL builder for ``layout`` (one per storage: it caches signing keys)."""
    if layout.kind == "v4":
        return SigV4Builder(layout)
    if layout.kind == "v2":
        return SigV2Builder(layout)
    return UnsignedBuilder(layout)
