"""The one write request: key, parameters, body (gzip decided once), create-only or overwrite.

Every object write goes through a :class:`WriteRequest`: ``save()`` (an
overwrite, or a create-only save and its retries under other names),
``S3File``'s parameters and its close of an empty file, the app's
``collectstatic`` uploads and ``s3probe``'s temporary object. The parameters
are final when the request is built (the storage's ``_get_write_parameters``,
then ``ContentEncoding: gzip`` when the body is gzipped) and read-only after
that: no step can change what a later step sends.

Sending: :func:`send` overwrites (one PutObject of a body already read,
else boto3's transfer manager, as ``upload_fileobj``), :func:`put` sends one PutObject and
:func:`start_multipart` starts a multipart upload. Writes that must not
replace an object (``If-None-Match: *``) are :mod:`.create`'s.
"""

from __future__ import annotations

import io
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import IO, Any, Protocol, cast

from boto3.s3.transfer import TransferConfig, create_transfer_manager

from ...utils import ReadBytesWrapper, TextAsBytesStream, is_seekable, is_text_stream
from .cancel import cancellable, on_cancel
from .config import StoreRules
from .multipart import MultipartWriter
from .replay import Replay
from .state import RuntimeState

__all__ = [
    "WriteRequest",
    "WriteStorage",
    "conditional_writes_supported",
    "put",
    "send",
    "start_multipart",
]


class WriteStorage(Protocol):
    """What a write request needs from a storage (``S3Storage`` has all of it)."""

    @property
    def bucket_name(self) -> str | None: ...
    @property
    def bucket(self) -> Any: ...
    @property
    def gzip(self) -> bool: ...
    @property
    def gzip_content_types(self) -> Collection[str]: ...
    @property
    def transfer_config(self) -> TransferConfig: ...
    @property
    def file_parts_in_memory(self) -> int: ...
    @property
    def max_memory_size(self) -> int: ...
    @property
    def file_upload_temp_dir(self) -> str | None: ...
    @property
    def _runtime(self) -> RuntimeState: ...
    @property
    def _store_rules(self) -> StoreRules: ...
    def _get_write_parameters(self, name: str, content: Any = None) -> dict[str, Any]: ...
    def _compress_content(self, content: IO[Any]) -> Any: ...
    def get_available_name(self, name: str, max_length: int | None = None) -> str: ...
    def _key(self, name: str) -> str: ...


class _HasRuntime(Protocol):
    @property
    def _runtime(self) -> RuntimeState: ...


def conditional_writes_supported(storage: _HasRuntime) -> bool:
    """Return False once the store has refused ``If-None-Match`` on a write."""
    return not storage._runtime.conditional_writes_unsupported


class _Source:
    """The content's bytes from the start, once per attempt: rewound, or replayed."""

    def __init__(self, content: Any, replay: Replay | None) -> None:
        self.content = content
        self._replay = replay
        self._read_once = False

    def stream(self) -> Any:
        content = self.content
        if content is None:
            return io.BytesIO()
        if self._replay is not None:
            return self._replay.stream()
        if is_seekable(content):
            content.seek(0, 0)
        elif self._read_once:
            raise io.UnsupportedOperation("The content cannot seek, and was read already.")
        self._read_once = True
        return _bytes_of(content)

    def close(self) -> None:
        if self._replay is not None:
            self._replay.close()


def _bytes_of(content: Any) -> Any:
    # Fix: sizing a text stream by seeking sends the wrong length for non-ASCII text.
    return TextAsBytesStream(content) if is_text_stream(content) else ReadBytesWrapper(content)


@dataclass(frozen=True, eq=False)
class WriteRequest:
    """One object write: built once with :meth:`build`, sent by the functions of this module."""

    storage: WriteStorage = field(repr=False)
    #: The full S3 key (location included).
    key: str
    #: The final PutObject / CreateMultipartUpload parameters, read-only.
    params: Mapping[str, Any]
    #: What the caller saves: a file, a stream, or None for an empty object.
    content: Any = field(repr=False)
    #: True when the body is gzipped (and ``params`` say ``ContentEncoding: gzip``).
    gzipped: bool
    #: True to write only if no object has the key (``If-None-Match: *``).
    create_only: bool
    _source: _Source = field(repr=False)
    _may_gzip: bool = field(repr=False)

    @classmethod
    def build(
        cls,
        storage: WriteStorage,
        key: str,
        content: Any = None,
        *,
        create_only: bool = False,
        gzip: bool = True,
    ) -> WriteRequest:
        """Return the request writing ``content`` to ``key``.

        ``gzip=False`` never compresses (files written with ``open()``, the
        probe's object); otherwise the storage's ``gzip`` settings decide.
        ``create_only`` applies unless the store is known to lack
        conditional writes. Content that cannot seek is then kept as it is
        read, so that it can be sent again (see ``replay``).
        """
        create_only = create_only and conditional_writes_supported(storage)
        replay = None
        if create_only and content is not None and not is_seekable(content):
            # In memory up to max_memory_size; its 0 ("never spill") means the size below
            # which a body is sent in one request, and so is held in memory anyway.
            limit = storage.max_memory_size or int(storage.transfer_config.multipart_threshold)
            replay = Replay(_bytes_of(content), limit, storage.file_upload_temp_dir)
        return cls._for(storage, key, content, create_only, gzip, _Source(content, replay))

    @classmethod
    def _for(
        cls,
        storage: WriteStorage,
        key: str,
        content: Any,
        create_only: bool,
        may_gzip: bool,
        source: _Source,
    ) -> WriteRequest:
        # Keep: S3File passes the key alone, as overrides may expect.
        if content is None:
            params = storage._get_write_parameters(key)
        else:
            params = storage._get_write_parameters(key, content)
        gzipped = (
            may_gzip
            and storage.gzip
            and params["ContentType"] in storage.gzip_content_types
            and "ContentEncoding" not in params
        )
        if gzipped:
            params["ContentEncoding"] = "gzip"
        return cls(
            storage,
            key,
            MappingProxyType(params),
            content,
            gzipped,
            create_only,
            source,
            may_gzip,
        )

    def renamed(self, key: str) -> WriteRequest:
        """Return this request for another key: its own parameters, the same content."""
        return self._for(
            self.storage, key, self.content, self.create_only, self._may_gzip, self._source
        )

    def body(self) -> Any:
        """Return a new stream of the bytes to send, from the start (one per attempt).

        Run as a cancellable operation (the async API), its reads stop once
        the operation is cancelled (see :mod:`.cancel`).
        """
        stream = self._source.stream()
        if self.gzipped:
            stream = self.storage._compress_content(stream)
        return cancellable(stream)

    def small_body(self, client: Any) -> bytes | None:
        """Return the whole body if it goes as one PutObject, else None (nothing is read).

        It does when the content's size is known and below the multipart
        threshold and every parameter is one PutObject takes.
        """
        try:
            size = self.content.size
        except (AttributeError, OSError, ValueError):  # unknown: Django's File could not tell
            return None
        if size is None or size >= self.storage.transfer_config.multipart_threshold:
            return None
        operation = client.meta.service_model.operation_model("PutObject")
        if not frozenset(operation.input_shape.members).issuperset(self.params):
            return None
        data: bytes = self.body().read()
        return data

    def close(self) -> None:
        """Release what the request keeps of the content (a replay's spool)."""
        self._source.close()


def _destination(request: WriteRequest, client: Any) -> tuple[Any, str | None]:
    """Return the client and bucket name to send with.

    A given client writes to the storage's ``bucket_name``; by default the
    storage's ``bucket`` (this thread's, or one a subclass supplies) gives both.
    """
    if client is None:
        bucket = request.storage.bucket
        return bucket.meta.client, bucket.name
    return client, request.storage.bucket_name


def put(request: WriteRequest, data: bytes, client: Any = None, **extra: Any) -> dict[str, Any]:
    """Send ``data``, the whole body, as one PutObject (plus ``extra``); return S3's answer."""
    client, bucket = _destination(request, client)
    return _put_object(client, bucket, request, data, **extra)


def _put_object(
    client: Any, bucket: str | None, request: WriteRequest, data: bytes, **extra: Any
) -> dict[str, Any]:
    response: dict[str, Any] = client.put_object(
        Bucket=bucket, Key=request.key, Body=data, **request.params, **extra
    )
    return response


def send(request: WriteRequest, client: Any = None, data: bytes | None = None) -> None:
    """Overwrite ``request.key`` with the request's body.

    ``data``, the whole body when the caller has read it already, goes as
    one PutObject, and so does a body :meth:`WriteRequest.small_body` can
    take whole (its size known and below the multipart threshold): no
    transfer manager, no thread handoff. Any other body goes through
    boto3's transfer manager, as ``upload_fileobj`` does (a multipart
    upload above the threshold, in parallel). Overwrites choose between
    the two here, and only here.
    """
    client, bucket = _destination(request, client)
    if data is None:
        data = request.small_body(client)
    if data is not None:
        _put_object(client, bucket, request, data)
        return
    body = request.body()
    # The uploader closes what it is given; the caller's file must stay open.
    original_close = body.close
    body.close = lambda: None
    try:
        # What client.upload_fileobj() does, keeping the future to cancel it.
        with create_transfer_manager(client, request.storage.transfer_config) as manager:
            # (A missing bucket name is botocore's to report, as for every request.)
            target = cast(str, bucket)
            future = manager.upload(body, target, request.key, extra_args=dict(request.params))
            with on_cancel(future.cancel):  # the async API's: boto3 then aborts the upload
                future.result()
    finally:
        body.close = original_close


def start_multipart(
    request: WriteRequest, client: Any = None, complete_args: Mapping[str, Any] | None = None
) -> MultipartWriter:
    """Start a multipart upload of ``request``; ``complete_args`` go into its completion."""
    client, bucket = _destination(request, client)
    return MultipartWriter(
        client,
        bucket,
        request.key,
        request.params,
        request.storage.file_parts_in_memory,
        complete_args=complete_args,
    )
