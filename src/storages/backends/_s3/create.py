"""Create-only writes: store an object only if no object has its key yet.

``save()`` without ``file_overwrite`` must never replace a file another
writer stored meanwhile, which the classic "exists(), then upload" check
cannot promise. :func:`create` sends ``If-None-Match: *`` instead, on the
PutObject or on the CompleteMultipartUpload: S3 then refuses the write with
412 when the key is taken (:class:`NameTakenError`), atomically. A store
without conditional writes answers 501; the storage remembers that and sends
plain uploads from then on (the classic check, with its race).
:func:`save_new` picks another name until one is free; when the save did not
check its name with a HEAD (see :mod:`.naming`), a 501 first checks it.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from types import MappingProxyType
from typing import Any

from botocore.exceptions import ClientError

from .errors import status_code
from .multipart import part_size
from .naming import current_save
from .protocol import HTTP_NOT_IMPLEMENTED, HTTP_PRECONDITION_FAILED
from .writes import WriteRequest, conditional_writes_supported, put, send, start_multipart

__all__ = ["NameTakenError", "create", "save_new", "write"]

logger = logging.getLogger(__name__)

_CREATE_ONLY = MappingProxyType({"IfNoneMatch": "*"})
#: Names tried before giving up when other writers keep taking them.
_CREATE_ATTEMPTS = 5


class NameTakenError(Exception):
    """Another writer created the object first (S3 answered 412)."""


class _UncheckedOverwriteError(Exception):
    """The store lacks conditional writes, and the name was never checked."""


def write(request: WriteRequest, client: Any = None, *, name_checked: bool = True) -> None:
    """Send ``request``: create-only where asked and the store supports it, else overwrite."""
    if request.create_only and conditional_writes_supported(request.storage):
        create(request, client, name_checked=name_checked)
    else:
        send(request, client)


def create(request: WriteRequest, client: Any = None, *, name_checked: bool = True) -> None:
    """Write ``request.key`` only if no object has that key.

    Raises NameTakenError when one appeared first; the attempt leaves
    nothing behind (a multipart upload is aborted). On a store without
    conditional writes, remembers that for the storage and overwrites, if
    ``name_checked`` says the caller checked the name already.
    """
    storage = request.storage
    threshold = int(storage.transfer_config.multipart_threshold)
    body = request.body()
    first = _read_up_to(body, max(threshold, part_size(None, 1)))
    try:
        if len(first) < threshold:
            put(request, first, client, **_CREATE_ONLY)
        else:
            _create_multipart(request, client, first, body)
    except ClientError as err:
        status = status_code(err)
        if status == HTTP_PRECONDITION_FAILED:
            raise NameTakenError(request.key) from err
        if status != HTTP_NOT_IMPLEMENTED:
            raise
        logger.debug(
            "The store refused If-None-Match; saving %s without it from now on", request.key
        )
        storage._runtime.conditional_writes_unsupported = True
        if not name_checked:
            raise _UncheckedOverwriteError(request.key) from err
        send(request, client)


def _read_up_to(body: Any, size: int) -> bytes:
    chunks: list[bytes] = []
    remaining = size
    while remaining > 0:
        chunk = body.read(remaining)
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _create_multipart(request: WriteRequest, client: Any, first: bytes, body: Any) -> None:
    storage = request.storage
    writer = start_multipart(request, client, _CREATE_ONLY)
    try:
        chunk_size = int(storage.transfer_config.multipart_chunksize)
        if storage._store_rules.equal_parts:
            chunks = _equal_chunks(first, body, part_size(chunk_size, 1, grow=False))
        else:
            chunks = _growing_chunks(first, body, chunk_size)
        for number, chunk in enumerate(chunks, start=1):
            writer.send(number, io.BytesIO(chunk))
        writer.complete()
    except BaseException:
        writer.abort()
        raise


def _growing_chunks(first: bytes, body: Any, chunk_size: int) -> Iterator[bytes]:
    # The first part is what was read to choose multipart; then part_size()'s sizes.
    number, chunk = 1, first
    while chunk:
        yield chunk
        number += 1
        chunk = _read_up_to(body, part_size(chunk_size, number))


def _equal_chunks(first: bytes, body: Any, size: int) -> Iterator[bytes]:
    # Every part but the last of ``size`` bytes, whatever was read first.
    pending = first
    while True:
        if len(pending) < size:
            pending += _read_up_to(body, size - len(pending))
        if not pending:
            return
        yield pending[:size]
        pending = pending[size:]


def save_new(name: str, request: WriteRequest) -> tuple[str, WriteRequest]:
    """Write ``request`` as a new object; return the name and the request that were saved.

    When another writer takes the name first, picks the next free name with
    ``get_available_name()`` (and the save's ``max_length``) and sends the
    content again, from its start. A name the save did not check (see
    :mod:`.naming`) is checked before a plain upload, on a store that turns
    out to lack conditional writes.
    """
    storage = request.storage
    for _ in range(_CREATE_ATTEMPTS):
        unchecked = current_save(storage)
        try:
            write(request, name_checked=unchecked is None)
            return name, request
        except NameTakenError:
            logger.debug(
                "%s was created by another writer first; picking another name", request.key
            )
            if unchecked is not None:
                unchecked.taken.add(request.key)
        except _UncheckedOverwriteError:
            pass  # the store's first 501: get_available_name() now asks S3 (a HEAD)
        max_length = unchecked.max_length if unchecked is not None else None
        name = storage.get_available_name(name, max_length)
        request = request.renamed(storage._key(name))
    raise FileExistsError(
        f"Could not save {name!r}: other writers took {_CREATE_ATTEMPTS} names in a row."
    )
