"""What helpers need from a storage, as protocols: ``_s3`` never imports the facade.

``S3Storage`` has all of it. Protocols needed by one module live next to it
(``writes.WriteStorage``, ``files.file.FileStorage``, ...); the ones here are
shared by several.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import boto3.session
from botocore.config import Config

if TYPE_CHECKING:
    from .state import RuntimeState

__all__ = ["ConnectedStorage", "SessionStorage"]


class ConnectedStorage(Protocol):
    """A storage's bucket, this thread's boto3 objects for it, and its keys."""

    @property
    def bucket_name(self) -> str | None: ...
    @property
    def connection(self) -> Any: ...
    @property
    def bucket(self) -> Any: ...
    def _key(self, name: str) -> str: ...


class SessionStorage(Protocol):
    """How a storage builds its boto3 sessions, clients and resources."""

    @property
    def bucket_name(self) -> str | None: ...

    client_config: Config
    region_name: str | None
    endpoint_url: str | None
    #: Where URLs point, when not at ``endpoint_url`` (``urls/public.py``).
    public_endpoint_url: str | None
    use_ssl: bool
    session_profile: str | None
    access_key: str | None
    secret_key: str | None
    security_token: str | None
    #: This thread's signed and unsigned connections (``connections.own_client``).
    _connections: Any
    _unsigned_connections: Any

    @property
    def _runtime(self) -> RuntimeState: ...  # holds the shared session (connections.py)
    def _create_session(self) -> boto3.session.Session: ...
    def _client_arguments(self, config: Config) -> dict[str, Any]: ...
    def _create_resource(self, config: Config) -> Any: ...
