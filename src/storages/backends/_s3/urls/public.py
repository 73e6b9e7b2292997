"""Clients that build URLs for ``public_endpoint_url``: they presign, and never send a request.

When browsers reach the store at another address than the application does
(Docker or Kubernetes, a reverse proxy, a LAN name), ``public_endpoint_url``
names that address. URLs must then be built for it, not rewritten afterwards:
SigV4 signs the ``Host`` header and the path, so a URL signed for the inner
endpoint and given another host is refused. The layout probe
(:mod:`.layout`) and every URL botocore still builds (:mod:`.url`) use a
client configured like the storage's connections but with
``endpoint_url=public_endpoint_url``, from the storage's one session
(:func:`..connections.with_session`). The connections, which send every
request, keep ``endpoint_url``.

A bucket named after its own domain and served there (S3's CNAME virtual
hosting: bucket ``files.example.com``, ``public_endpoint_url =
"https://files.example.com"``, virtual addressing) gets URLs at that host
with the key as the whole path. botocore builds no such URL (it prefixes the
host with the bucket, or falls back to path style for a dotted bucket), so
these clients move the URL to that form in ``before-sign``: botocore then
signs what browsers send. S3 takes a ``Host`` outside its own domains as the
bucket's name: SigV4 checks the signed host and path as received, and SigV2
signs ``/<bucket>/<key>``, which is botocore's auth path for every S3 URL.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlsplit

import botocore
from botocore.config import Config

from ..connections import with_session
from ..types import SessionStorage

__all__ = ["PublicClients", "cname_host", "new_client", "url_config"]


def url_config(storage: SessionStorage, signed: bool) -> Config:
    """Return the botocore Config of ``storage``'s signed or unsigned URLs."""
    config = storage.client_config
    if not signed:
        config = config.merge(Config(signature_version=botocore.UNSIGNED))
    return config


def cname_host(storage: SessionStorage) -> str | None:
    """Return the public endpoint's ``scheme://host[:port]`` if it serves the bucket as a CNAME.

    That is: virtual addressing is asked for, the endpoint has no path, and
    its host is the bucket's name. None otherwise.
    """
    endpoint = storage.public_endpoint_url
    bucket = storage.bucket_name
    if not endpoint or not bucket:
        return None
    style = (getattr(storage.client_config, "s3", None) or {}).get("addressing_style")
    parts = urlsplit(endpoint)
    if style != "virtual" or parts.path not in ("", "/") or parts.hostname != bucket.lower():
        return None
    return f"{parts.scheme}://{parts.netloc}"


def new_client(session: Any, storage: SessionStorage, config: Config) -> Any:
    """Return a client of ``session`` that builds ``storage``'s URLs for its public endpoint."""
    arguments = storage._client_arguments(config)
    arguments["endpoint_url"] = storage.public_endpoint_url
    client = session.client("s3", **arguments)
    origin = cname_host(storage)
    if origin is not None:
        _serve_bucket_at_host(client, origin, str(storage.bucket_name))
    return client


def _serve_bucket_at_host(client: Any, origin: str, bucket: str) -> None:
    # The two forms botocore gives this bucket at this endpoint: path style
    # (a dotted bucket over https) and virtual host (over http).
    scheme, _, netloc = origin.partition("://")
    prefixes = (f"{origin}/{bucket}/", f"{scheme}://{bucket}.{netloc}/")

    def move_to_host(request: Any, **kwargs: Any) -> None:
        url = request.url
        for prefix in prefixes:
            if url.startswith(prefix):
                request.url = f"{origin}/{url[len(prefix) :]}"
                return

    client.meta.events.register("before-sign.s3.GetObject", move_to_host)


class PublicClients:
    """A storage's URL clients for its public endpoint, built on first use (thread-safe)."""

    __slots__ = ("_clients", "_lock")

    def __init__(self) -> None:
        self._clients: dict[bool, Any] = {}
        self._lock = threading.Lock()

    def client(self, storage: SessionStorage, signed: bool) -> Any:
        """Return the client that presigns (or, unsigned, builds) ``storage``'s URLs."""
        client = self._clients.get(signed)
        if client is None:
            with self._lock:
                client = self._clients.get(signed)
                if client is None:
                    config = url_config(storage, signed)
                    client = with_session(storage, lambda s: new_client(s, storage, config))
                    self._clients[signed] = client
        return client
