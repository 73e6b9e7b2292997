"""Sessions, per-thread boto3 resources, and pickling for S3Storage.

boto3 resources are not thread-safe, so every thread gets its own
connection (an S3 *resource*) and its own Bucket built from it. A resource
that user code assigns to ``storage._connections.connection`` (a stub in a
test suite, say) is used as-is on that thread, and its Bucket is rebuilt.

The resources share one boto3 Session per storage (see :func:`with_session`):
building a client parses the S3 service model and the endpoint rules, and a
session parses them once for all the clients it builds.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

import boto3
import botocore
from botocore.config import Config

from ... import _redact
from .extension import is_overridden
from .state import RuntimeState
from .types import SessionStorage

__all__ = ["S3ConnectionMixin", "own_client", "share_pool_client", "with_session"]

_Built = TypeVar("_Built")

#: botocore's connection pool size when ``max_pool_connections`` is not set.
_DEFAULT_POOL_CONNECTIONS = 10
#: Override points whose override means the storage's connections are not ours.
_CONNECTION_HOOKS = ("_create_session", "_create_resource", "connection", "unsigned_connection")

#: Instance attributes that hold per-process state: left out of a pickle
#: (locks, thread-locals and boto3 objects cannot be pickled) and rebuilt by
#: ``_init_connections()`` after unpickling.
_NOT_PICKLED = ("_connections", "_unsigned_connections", "_runtime")


class S3ConnectionMixin:
    """Builds and caches, per thread, the boto3 resources a storage uses."""

    access_key: str | None
    secret_key: str | None
    security_token: str | None
    session_profile: str | None
    region_name: str | None
    use_ssl: bool
    endpoint_url: str | None
    public_endpoint_url: str | None
    verify: bool | str | None
    client_config: Config
    bucket_name: str | None

    def _init_connections(self) -> None:
        self._connections = threading.local()
        self._unsigned_connections = threading.local()
        # Caches shared by all threads (URL signing state, ...), rebuilt after unpickling.
        rules = getattr(self, "_store_rules", None)
        self._runtime = RuntimeState(conditional_writes=rules is None or rules.conditional_writes)

    def _create_session(self) -> boto3.session.Session:
        """Return a new boto3 Session for this storage's credentials (override point)."""
        if self.session_profile:
            return boto3.Session(profile_name=self.session_profile)
        return boto3.Session(
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            aws_session_token=self.security_token,
        )

    def _client_arguments(self, config: Config) -> dict[str, Any]:
        """Return the keyword arguments every S3 client or resource of this storage gets."""
        return {
            "region_name": self.region_name,
            "use_ssl": self.use_ssl,
            "endpoint_url": self.endpoint_url,
            "config": config,
            "verify": self.verify,
        }

    def _create_resource(self, config: Config) -> Any:
        # botocore logs credentials at DEBUG level; mask them before any request.
        _redact.install()
        arguments = self._client_arguments(config)
        return with_session(self, lambda session: session.resource("s3", **arguments))

    @property
    def connection(self) -> Any:
        """This thread's boto3 S3 resource, created on first use."""
        connection = getattr(self._connections, "connection", None)
        if connection is None:
            connection = self._create_resource(self.client_config)
            self._connections.connection = connection
            # Lets url() tell the connection we built from one user code assigned.
            self._connections.own_connection = connection
        return connection

    @property
    def unsigned_connection(self) -> Any:
        """This thread's boto3 S3 resource that sends unsigned requests."""
        connection = getattr(self._unsigned_connections, "connection", None)
        if connection is None:
            config = self.client_config.merge(Config(signature_version=botocore.UNSIGNED))
            connection = self._create_resource(config)
            self._unsigned_connections.connection = connection
            self._unsigned_connections.own_connection = connection
        return connection

    @property
    def bucket(self) -> Any:
        """This thread's boto3 Bucket, built from this thread's connection."""
        connection = self.connection
        cached = getattr(self._connections, "bucket", None)
        if cached is None or getattr(self._connections, "bucket_owner", None) is not connection:
            cached = connection.Bucket(self.bucket_name)
            self._connections.bucket = cached
            self._connections.bucket_owner = connection
        return cached

    @property
    def _bucket(self) -> Any:
        """The calling thread's cached Bucket, or None before it used ``bucket``."""
        return getattr(self._connections, "bucket", None)

    @_bucket.setter
    def _bucket(self, value: Any) -> None:
        self._connections.bucket_owner = self.connection if value is not None else None
        self._connections.bucket = value

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        for name in _NOT_PICKLED:
            state.pop(name, None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._init_connections()


def with_session(
    storage: SessionStorage, build: Callable[[boto3.session.Session], _Built]
) -> _Built:
    """Return ``build(session)``, called with the boto3 Session behind ``storage``.

    A storage has one session, created by ``_create_session()`` on first use
    and kept in its runtime state: every thread's resources, the URL probe and
    the credential lookup come from it, so botocore loads the S3 model and
    resolves the credentials once per storage, and refreshable credentials
    are shared by all its clients. boto3 does not document a session as
    thread-safe, so ``build`` runs under the storage's session lock: keep it
    to building clients and resources and reading credentials (the clients it
    returns are thread-safe, and each resource stays on one thread).

    An overridden ``_create_session`` is still called for each build: it may
    hand out a different session on each call.
    """
    if is_overridden(storage, "_create_session"):
        return build(storage._create_session())
    runtime = storage._runtime
    with runtime.session_lock:
        session = runtime.session
        if session is None:
            session = runtime.session = storage._create_session()
        return build(session)


def own_client(storage: SessionStorage, signed: bool) -> Any | None:
    """Return the client of this thread's signed or unsigned connection, if we built one.

    None when this thread has no such connection yet, when user code assigned
    it, or when the connection hooks or ``_create_session`` are overridden
    (its client could then differ from one built from the shared session).
    """
    if any(is_overridden(storage, name) for name in _CONNECTION_HOOKS):
        return None
    local = (storage._connections if signed else storage._unsigned_connections).__dict__
    connection = local.get("connection")
    if connection is None or connection is not local.get("own_connection"):
        return None
    return connection.meta.client


def share_pool_client(storage: SessionStorage, workers: int) -> None:
    """Give this thread, one of a pool of ``workers``, the connection the pool's threads share.

    botocore clients are thread-safe, so the threads of the async API's pool
    (:mod:`.aio.pool`) need no client each: this thread's resource is a thin
    one over a client the storage builds once, with a connection pool of at
    least ``workers`` (fewer would make urllib3 drop connections). Nothing
    changes when the thread has a connection already, or when the
    connection hooks are overridden: the thread then builds its own.
    """
    local = storage._connections
    if getattr(local, "connection", None) is not None or any(
        is_overridden(storage, name) for name in _CONNECTION_HOOKS
    ):
        return
    runtime = storage._runtime
    with runtime.lock:
        shared = runtime.pool_resource
        if shared is None:
            config = storage.client_config
            pooled = getattr(config, "max_pool_connections", None) or _DEFAULT_POOL_CONNECTIONS
            if pooled < workers:
                config = config.merge(Config(max_pool_connections=workers))
            shared = runtime.pool_resource = storage._create_resource(config)
    # A resource per thread (resources are not thread-safe), over the one client.
    connection = type(shared)(client=shared.meta.client)
    local.connection = local.own_connection = connection
