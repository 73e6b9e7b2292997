"""URLs for stored files: presigned S3 URLs, plain URLs, custom-domain and CloudFront URLs.

Presigned and unsigned S3 URLs are built locally (see
:mod:`storages.backends._s3.urls.presign`) once botocore has shown, for this
storage's configuration, what they look like (see
:mod:`storages.backends._s3.urls.layout`). They are byte-identical to what
``generate_presigned_url`` returns, without its per-URL cost and without a
boto3 session per thread. botocore still builds the URL when:

- user code replaced this thread's connection (a stub in a test suite), or
  assigned a bucket of another name;
- the parameters include header-located ones (SSE-C, ``Range``, ...) or
  values we do not serialize ourselves, ``expire`` is not an int, or the
  key is empty (botocore then reports the problem);
- the configuration yields a URL form we do not reproduce (a custom
  signature version, signed headers, ...), or credentials cannot be found
  (looked up again after ``RETRY_SECONDS``, not on every call);
- a subclass or an instance attribute overrides ``connection``,
  ``unsigned_connection``, ``bucket`` or ``_create_resource`` (see
  :mod:`storages.backends._s3.extension`).

With a ``public_endpoint_url``, botocore builds these URLs with a client of
that endpoint (:mod:`storages.backends._s3.urls.public`), never with the
storage's connections: a replaced connection then changes nothing, and only
an overridden ``bucket`` keeps every URL with botocore.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
import time
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlencode

from botocore.credentials import Credentials
from botocore.exceptions import BotoCoreError, ClientError
from django.core.exceptions import SuspiciousOperation
from django.utils.encoding import filepath_to_uri

from ..extension import is_overridden
from ..protocol import MAX_KEY_BYTES
from ..state import RuntimeState
from ..types import ConnectedStorage, SessionStorage
from . import presign
from .expiry import UrlLifetime, cloudfront_expiry
from .layout import discover_layout, resolve_credentials
from .public import PublicClients

__all__ = ["UrlState", "UrlStorage", "presigning_client", "storage_url", "utcnow"]

logger = logging.getLogger(__name__)

#: Seconds before asking botocore again after a probe or credential lookup failed.
RETRY_SECONDS = 60.0
_UNKNOWN: Any = object()
#: Set once an unexpected failure of the URL probe was logged at WARNING.
_UNEXPECTED_LOGGED = threading.Event()

#: Characters Django's filepath_to_uri leaves unencoded.
_PLAIN_URI = re.compile(r"[A-Za-z0-9_.~/!*()'-]*")

#: Override points whose override means the storage's connections are not ours.
_CONNECTION_HOOKS = ("connection", "unsigned_connection", "bucket", "_create_resource")


class UrlStorage(ConnectedStorage, SessionStorage, Protocol):
    """What ``url()`` needs from a storage (``S3Storage`` has all of it)."""

    location: str
    querystring_auth: bool
    querystring_expire: int
    querystring_reuse_window: int
    custom_domain: str | None
    url_protocol: str
    _connections: Any
    _unsigned_connections: Any
    _runtime: RuntimeState

    @property
    def cloudfront_signer(self) -> Any: ...
    @property
    def unsigned_connection(self) -> Any: ...


def utcnow() -> datetime:
    """Return the current time as naive UTC, as CloudFront expiry dates expect.

    Looks up ``datetime`` on ``storages.backends.s3`` at call time, so code
    that patches that name (as with django-storages) still controls the clock.
    Avoids ``datetime.utcnow()``, deprecated since Python 3.12.
    """
    clock = getattr(sys.modules.get("storages.backends.s3"), "datetime", datetime)
    now: datetime = clock.now(UTC)
    return now.replace(tzinfo=None)


class UrlState:
    """Per-storage URL state (``storage._runtime.url``), shared by all threads."""

    __slots__ = (
        "bucket",
        "credentials",
        "fast",
        "key_location",
        "key_prefix",
        "lifetime",
        "lock",
        "public",
        "signed",
        "unsigned",
    )

    def __init__(self, storage: UrlStorage) -> None:
        self.bucket: Any = storage.bucket_name
        #: The clients of the public endpoint's URLs; None without one (URLs come
        #: from the storage's connections).
        self.public = PublicClients() if storage.public_endpoint_url else None
        # Our layouts describe connections we build: a subclass or instance
        # attribute that builds or picks them differently keeps botocore.
        # URLs for a public endpoint come from no connection: only the bucket counts.
        hooks = ("bucket",) if self.public is not None else _CONNECTION_HOOKS
        self.fast = isinstance(self.bucket, str) and not any(
            is_overridden(storage, name) for name in hooks
        )
        self.key_location: Any = _UNKNOWN
        self.key_prefix: str | None = None
        #: URL builders: _UNKNOWN until botocore was asked, None for "botocore builds them".
        self.signed: Any = _UNKNOWN
        self.unsigned: Any = _UNKNOWN
        self.credentials: Any = _UNKNOWN
        # Our own lock: a probe takes as long as building a boto3 client, and
        # storage._runtime.lock guards other caches.
        self.lock = threading.Lock()
        self.lifetime = UrlLifetime()

    def key(self, storage: UrlStorage, name: Any) -> str:
        """Return ``storage._key(name)``, without the path arithmetic for plain names."""
        if (
            type(name) is str
            and name
            and name.isascii()
            and name[0] not in "./"
            and name[-1] != "/"
            and "//" not in name
            and "/." not in name
            and "\\" not in name
            and "\x00" not in name
        ):
            # No empty, "." or ".." segment: clean_name() keeps the name and
            # safe_join() only prepends the location. ASCII without NUL, so
            # check_key() has only the length left to refuse.
            if storage.location is not self.key_location:
                self._set_key_prefix(storage)
            prefix = self.key_prefix
            if prefix is not None and len(prefix) + len(name) <= MAX_KEY_BYTES:
                return prefix + name
        key: str = storage._key(name)
        return key

    def _set_key_prefix(self, storage: UrlStorage) -> None:
        prefix = None
        if not (is_overridden(storage, "_key") or is_overridden(storage, "_normalize_name")):
            try:
                prefix = storage._key("x")[:-1]
            except (SuspiciousOperation, ValueError):
                # What our own _key raises for a location that escapes or is too
                # long: the slow path raises it again, for the name asked.
                prefix = None
            if prefix is not None and not prefix.isascii():
                prefix = None  # key lengths are counted in characters below
        self.key_prefix = prefix
        self.key_location = storage.location

    def s3_url(
        self,
        storage: UrlStorage,
        key: str,
        parameters: dict[str, Any] | None,
        expire: Any,
        http_method: Any,
    ) -> str | None:
        """Return the S3 URL built locally, or None when botocore must build it."""
        if not key or type(expire) is not int:
            return None
        if http_method is None:
            http_method = "GET"
        elif type(http_method) is not str:
            return None
        local = storage._connections.__dict__
        connection = local.get("connection")
        if (
            connection is not None
            and connection is not local.get("own_connection")
            and self.public is None
        ):
            return None  # user code replaced the connection: url() goes through it
        bucket = local.get("bucket")
        if bucket is not None and bucket.name != self.bucket:
            return None
        if storage.querystring_auth:
            builder = self.signed
            if builder is _UNKNOWN or type(builder) is _Retry:
                builder = self._discover(storage, signed=True)
        else:
            local = storage._unsigned_connections.__dict__
            connection = local.get("connection")
            if (
                connection is not None
                and connection is not local.get("own_connection")
                and self.public is None
            ):
                return None
            builder = self.unsigned
            if builder is _UNKNOWN or type(builder) is _Retry:
                builder = self._discover(storage, signed=False)
        if builder is None:
            return None
        pairs: Any = ()
        if parameters:
            pairs = presign.query_pairs(parameters)
            if pairs is None:
                return None
        creds = None
        if type(builder) is not presign.UnsignedBuilder:
            creds = self._current_credentials(storage)
            if creds is None:
                return None
        encoded_key = presign.encode_key(key)
        url: str = self.lifetime.sign(
            storage, builder, http_method, encoded_key, pairs, expire, creds, self.credentials
        )
        return url

    def _discover(self, storage: UrlStorage, signed: bool) -> Any:
        """Return the URL builder for signed or unsigned URLs, or None to use botocore."""
        with self.lock:
            builder = self.signed if signed else self.unsigned
            if type(builder) is _Retry:
                if not builder.due():
                    return None
            elif builder is not _UNKNOWN:
                return builder
            try:
                layout, credentials = discover_layout(storage, signed)
            except (BotoCoreError, ClientError, ValueError):
                # Expected: no credentials yet (a container role not ready), an
                # invalid bucket name, region or endpoint. botocore raises it again
                # for the real URL; ask again after a while, not on every call.
                logger.debug("Presigning of bucket %r is left to botocore for now", self.bucket)
                builder = _Retry()
            except Exception:
                # Stays broad: the probe only makes URLs faster and runs code we do
                # not own (a subclass's session, botocore's internals), so url()
                # must go on through botocore. Unexpected: a WARNING, once per
                # process (storages built per request would repeat it).
                if not _UNEXPECTED_LOGGED.is_set():
                    _UNEXPECTED_LOGGED.set()
                    logger.warning(
                        "Presigned URLs of bucket %r are left to botocore: building them "
                        "locally failed unexpectedly (logged once per process)",
                        self.bucket,
                        exc_info=True,
                    )
                builder = None
            else:
                builder = None if layout is None else presign.builder_for(layout)
                if credentials is not None and self.credentials is _UNKNOWN:
                    self.credentials = credentials
            if signed:
                self.signed = builder
            else:
                self.unsigned = builder
        return None if type(builder) is _Retry else builder

    def _current_credentials(self, storage: UrlStorage) -> tuple[str, str, Any] | None:
        """Return (access key, secret key, token) as of now, or None to defer to botocore."""
        credentials = self.credentials
        if credentials is _UNKNOWN or type(credentials) is _Retry:
            with self.lock:
                credentials = self.credentials
                if credentials is _UNKNOWN or (type(credentials) is _Retry and credentials.due()):
                    credentials = resolve_credentials(storage)
                    self.credentials = _Retry() if credentials is None else credentials
            if credentials is None or type(credentials) is _Retry:
                return None  # botocore raises NoCredentialsError
        if type(credentials) is not Credentials:
            # Refreshable credentials refresh here when they are about to expire.
            credentials = credentials.get_frozen_credentials()
        access_key, secret_key = credentials.access_key, credentials.secret_key
        if type(access_key) is not str or type(secret_key) is not str:
            return None
        return access_key, secret_key, credentials.token


class _Retry:
    """Marks a lookup that failed: botocore builds URLs until ``RETRY_SECONDS`` passed."""

    __slots__ = ("at",)

    def __init__(self) -> None:
        self.at = time.monotonic() + RETRY_SECONDS

    def due(self) -> bool:
        """Return True once it is time to try again."""
        return time.monotonic() >= self.at


def _new_state(storage: UrlStorage) -> UrlState:
    runtime = storage._runtime
    with runtime.lock:
        state = runtime.url
        if state is None or state.bucket != storage.bucket_name:
            state = runtime.url = UrlState(storage)
    return state


def storage_url(
    storage: UrlStorage,
    name: str,
    parameters: dict[str, Any] | None,
    expire: int | None,
    http_method: str | None,
) -> str:
    """Build the URL of ``name`` on ``storage`` (see ``S3Storage.url``)."""
    state = storage._runtime.url
    if state is None or state.bucket is not storage.bucket_name:
        # A bucket_name assigned after the first url() gets a state of its own.
        state = _new_state(storage)
    key = state.key(storage, name)
    if expire is None:
        expire = storage.querystring_expire
    if storage.custom_domain:
        return _custom_domain_url(storage, key, parameters, expire)
    if state.fast:
        url = state.s3_url(storage, key, parameters, expire, http_method)
        if url is not None:
            return url
        # botocore signs with the same credentials: their expiry still applies.
        expire = state.lifetime.botocore_expire(storage, expire, state.credentials)
    return _botocore_url(storage, state, key, parameters, expire, http_method)


def _custom_domain_url(
    storage: UrlStorage, key: str, parameters: dict[str, Any] | None, expire: int
) -> str:
    path = key if _PLAIN_URI.fullmatch(key) else filepath_to_uri(key)
    url = f"{storage.url_protocol}//{storage.custom_domain}/{path}"
    if parameters:
        if "VersionId" in parameters:
            # url(version_id=...): S3 reads the version from "versionId" (case-sensitive),
            # as botocore writes it in presigned URLs; "VersionId" would link the latest.
            parameters = {
                ("versionId" if name == "VersionId" else name): value
                for name, value in parameters.items()
            }
        url += "?" + urlencode(parameters)
    signer = storage.cloudfront_signer
    if storage.querystring_auth and signer:
        expiration = cloudfront_expiry(utcnow(), expire, storage.querystring_reuse_window)
        signed: str = signer.generate_presigned_url(url, date_less_than=expiration)
        return signed
    return url


def _botocore_url(
    storage: UrlStorage,
    state: UrlState,
    key: str,
    parameters: dict[str, Any] | None,
    expire: int,
    http_method: str | None,
) -> str:
    params = dict(parameters) if parameters else {}
    params["Bucket"] = storage.bucket.name
    params["Key"] = key
    client = _client(storage, state, storage.querystring_auth)
    presigned: str = client.generate_presigned_url(
        "get_object", Params=params, ExpiresIn=expire, HttpMethod=http_method
    )
    return presigned


def _client(storage: UrlStorage, state: UrlState, signed: bool) -> Any:
    if state.public is not None:
        return state.public.client(storage, signed)
    connection = storage.connection if signed else storage.unsigned_connection
    return connection.meta.client


def presigning_client(storage: UrlStorage) -> Any:
    """Return the client that botocore presigns ``storage``'s signed URLs with.

    The client of the ``public_endpoint_url`` when there is one (browsers
    reach the store there), else this thread's connection's client. Direct
    uploads (``uploads/``) sign their policies and URLs with it too.
    """
    state = storage._runtime.url
    if state is None or state.bucket is not storage.bucket_name:
        state = _new_state(storage)
    return _client(storage, state, signed=True)
