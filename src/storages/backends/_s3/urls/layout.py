"""Learn, from botocore, how a storage's presigned URLs look: once per configuration.

botocore decides the endpoint (partition, region, path or virtual addressing,
custom endpoints, dotted bucket names) and the signature version (SigV2 is
still its default for presigned S3 URLs in regions that accept it). Rather
than re-implement those rules, we ask botocore once: presign a probe key with
a client built exactly like the storage's connection, read the layout off
the URL, then re-sign the probe ourselves and keep the layout only if our URL
is byte-identical. Anything we do not reproduce stays with botocore.

The probe costs one client of the storage's own session (see
:func:`..connections.with_session`), which parses the S3 model that the
storage's connections then reuse; when this thread already has its
connection, the probe asks that connection's client and builds nothing.

Layouts hold no secrets, so storages with the same settings share them
(keyed by every setting and ``AWS_*`` variable that can change the URL);
a new storage instance then needs no boto3 call at all.
"""

from __future__ import annotations

import calendar
import logging
import os
import re
import threading
import time
from typing import Any
from urllib.parse import unquote, urlsplit

from botocore.credentials import Credentials

from .... import _redact
from ..connections import own_client, with_session
from ..extension import is_overridden
from ..types import SessionStorage
from . import presign, public

__all__ = ["discover_layout", "layout_fingerprint", "resolve_credentials"]

logger = logging.getLogger(__name__)

#: A key and parameter that exercise encoding and query placement.
_PROBE_KEY = "s3storages-probe/a b+~"
_PROBE_PARAMS = {"ResponseContentDisposition": "inline; probe"}
_PROBE_EXPIRES = 3600

#: Environment variables that can change endpoints but hold no secrets.
_SECRET_ENV = re.compile(r"KEY|SECRET|TOKEN|PASSWORD|CREDENTIAL")
#: Config attributes that cannot change a URL and may hold secrets (proxy
#: URLs may carry passwords), or that repeat the others.
_IGNORED_CONFIG = frozenset({"proxies", "proxies_config", "_user_provided_options"})

_SHARED: dict[tuple[Any, ...], presign.Layout | None] = {}
_SHARED_LIMIT = 64
_SHARED_LOCK = threading.Lock()


def _owns_session(storage: SessionStorage) -> bool:
    """Return True if the session comes from our own ``_create_session``."""
    return not is_overridden(storage, "_create_session")


def layout_fingerprint(storage: SessionStorage, signed: bool) -> tuple[Any, ...] | None:
    """Return what determines the URL layout, or None if it cannot be shared.

    A subclass's ``_create_session`` may configure anything per instance, so
    its layouts are never shared.
    """
    if not _owns_session(storage):
        return None
    config = storage.client_config
    config_items = tuple(
        sorted(
            (name, repr(value))
            for name, value in vars(config).items()
            if name not in _IGNORED_CONFIG
        )
    )
    environment = tuple(
        sorted(
            (name, value)
            for name, value in os.environ.items()
            if name.startswith("AWS_") and not _SECRET_ENV.search(name)
        )
    )
    return (
        signed,
        storage.bucket_name,
        storage.region_name,
        storage.endpoint_url,
        storage.public_endpoint_url,
        storage.use_ssl,
        storage.session_profile,
        config_items,
        environment,
    )


def resolve_credentials(storage: SessionStorage) -> Any:
    """Return the botocore Credentials a new connection of ``storage`` would sign with.

    Explicit keys give the same plain Credentials boto3 builds from them;
    otherwise the storage's session resolves them (profile, environment,
    container or instance role), once per storage. Refreshable credentials
    are returned as they are, so that each signature reads current values.
    """
    if (
        _owns_session(storage)
        and not storage.session_profile
        and storage.access_key
        and storage.secret_key
    ):
        return Credentials(storage.access_key, storage.secret_key, storage.security_token)
    return with_session(storage, lambda session: session.get_credentials())


def discover_layout(storage: SessionStorage, signed: bool) -> tuple[presign.Layout | None, Any]:
    """Return the layout of ``storage``'s signed or unsigned URLs, and credentials if known.

    The layout is None when botocore must build every URL. Raises whatever
    botocore raised for the probe (missing credentials, invalid bucket name);
    the caller then lets botocore report it for the real URL.
    """
    fingerprint = layout_fingerprint(storage, signed)
    if fingerprint is not None:
        with _SHARED_LOCK:
            if fingerprint in _SHARED:
                return _SHARED[fingerprint], None
    layout, credentials = _probe(storage, signed)
    if fingerprint is not None:
        with _SHARED_LOCK:
            if len(_SHARED) >= _SHARED_LIMIT:
                _SHARED.clear()
            _SHARED[fingerprint] = layout
    return layout, credentials


def _probe(storage: SessionStorage, signed: bool) -> tuple[presign.Layout | None, Any]:
    # A client built like S3ConnectionMixin._create_resource builds the
    # connection's, from the same session, so that we know the credentials it
    # signed with: this thread's connection's own client when it has one.
    # botocore logs what it signs at DEBUG level: mask it.
    _redact.install()
    config = public.url_config(storage, signed)
    arguments = storage._client_arguments(config)
    # URLs for a public endpoint come from a client of their own (urls/public.py).
    existing = None if storage.public_endpoint_url else own_client(storage, signed)

    def client_and_credentials(session: Any) -> tuple[Any, Any]:
        if existing is not None:
            client = existing
        elif storage.public_endpoint_url:
            client = public.new_client(session, storage, config)
        else:
            client = session.client("s3", **arguments)
        return client, session.get_credentials() if signed else None

    client, credentials = with_session(storage, client_and_credentials)
    bucket = storage.bucket_name
    params = {**_PROBE_PARAMS, "Bucket": bucket, "Key": _PROBE_KEY}
    url = client.generate_presigned_url("get_object", Params=params, ExpiresIn=_PROBE_EXPIRES)
    try:
        layout = _layout_from_probe(url, str(bucket), credentials)
    except ValueError:
        # A URL whose fields we do not parse (a date in another form, ...):
        # botocore keeps building these. Anything else is raised (see url.py).
        layout = None
    if layout is None:
        logger.debug("Presigned URLs of bucket %r are left to botocore: unknown layout", bucket)
    return layout, credentials


def _layout_from_probe(url: Any, bucket: str, credentials: Any) -> presign.Layout | None:
    if not isinstance(url, str):
        return None
    encoded_key = presign.encode_key(_PROBE_KEY)
    base, _, query = url.partition("?")
    if not base.endswith(encoded_key):
        return None
    prefix = base[: -len(encoded_key)]
    fields = dict(pair.partition("=")[::2] for pair in query.split("&"))
    pairs = presign.query_pairs(_PROBE_PARAMS) or []
    creds = None
    if credentials is not None:
        frozen = credentials.get_frozen_credentials()
        creds = (frozen.access_key, frozen.secret_key, frozen.token)
    layout: presign.Layout | None
    if "X-Amz-Algorithm" in fields:
        layout = _sigv4_layout(prefix, fields)
        if layout is None or creds is None:
            return None
        second = calendar.timegm(time.strptime(fields["X-Amz-Date"], "%Y%m%dT%H%M%SZ"))
        builder = presign.SigV4Builder(layout)
        ours = builder.url("GET", encoded_key, pairs, _PROBE_EXPIRES, creds, second=second)
    elif "AWSAccessKeyId" in fields:
        if creds is None or not fields.get("Expires", "").isdigit():
            return None
        layout = presign.Layout("v2", prefix, auth_prefix=f"/{presign.encode_value(bucket)}/")
        expires_at = int(fields["Expires"])
        ours = presign.SigV2Builder(layout).url(
            "GET", encoded_key, pairs, _PROBE_EXPIRES, creds, expires_at=expires_at
        )
    else:
        layout = presign.Layout("unsigned", prefix)
        ours = presign.UnsignedBuilder(layout).url("GET", encoded_key, pairs, 0, None)
    return layout if ours == url else None


def _sigv4_layout(prefix: str, fields: dict[str, str]) -> presign.Layout | None:
    if fields.get("X-Amz-SignedHeaders") != "host" or "X-Amz-Date" not in fields:
        return None
    scope = unquote(fields.get("X-Amz-Credential", "")).split("/")
    if len(scope) < 5 or scope[-1] != "aws4_request":
        return None
    parts = urlsplit(prefix)
    return presign.Layout(
        "v4",
        prefix,
        path_prefix=parts.path,
        host=_host_header(parts.scheme, parts.netloc),
        region=scope[-3],
        service=scope[-2],
    )


def _host_header(scheme: str, netloc: str) -> str:
    # SigV4 signs the Host header: lowercase, without a default port or user info.
    host = netloc.rpartition("@")[2].lower()
    default_port = {"http": ":80", "https": ":443"}.get(scheme)
    if default_port and host.endswith(default_port):
        host = host[: -len(default_port)]
    return host
