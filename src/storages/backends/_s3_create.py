"""Create-only uploads for ``file_overwrite=False``: S3 conditional writes.

Django's ``get_available_name()`` checks that a name is free and the upload
happens later, so two requests saving "report.pdf" at once could both see the
name free and the second would silently replace the first. Here the upload
itself carries ``If-None-Match: *`` (on PutObject, or on
CompleteMultipartUpload for large files): S3 refuses it with 412 when an
object appeared under the name meanwhile, and the storage picks another name.
Stores that do not implement conditional writes answer 501; the storage then
falls back to a plain upload (the classic check, with its race).
"""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ..utils import ReadBytesWrapper, TextAsBytesStream, is_seekable, is_text_stream
from ._s3_errors import status_code
from ._s3_replay import Replay
from ._s3_writer import MultipartWriter, part_size

if TYPE_CHECKING:
    from .s3 import S3Storage

__all__ = ["NameTakenError", "conditional_writes_supported", "create_object", "save_new"]

logger = logging.getLogger(__name__)

_PRECONDITION_FAILED = 412
_NOT_IMPLEMENTED = 501
_CREATE_ONLY = {"IfNoneMatch": "*"}
#: Remembered per storage when the store refused the conditional header.
_UNSUPPORTED = "conditional_writes_unsupported"
#: Names tried before giving up when other writers keep taking them.
_CREATE_ATTEMPTS = 5


class NameTakenError(Exception):
    """Another writer created the object first (S3 answered 412)."""


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


def conditional_writes_supported(storage: S3Storage) -> bool:
    """Return False once the store has refused ``If-None-Match`` on a write."""
    return not storage._transient.get(_UNSUPPORTED, False)


def create_object(storage: S3Storage, key: str, body: Any, params: dict[str, Any]) -> None:
    """Upload ``body`` to ``key`` only if no object has that key.

    Raises NameTakenError when one appeared first; the upload leaves nothing
    behind (a multipart upload is aborted). Falls back to a plain upload on a
    store without conditional writes.
    """
    obj = storage.bucket.Object(key)
    threshold = int(storage.transfer_config.multipart_threshold)
    first = _read_up_to(body, max(threshold, part_size(None, 1)))
    try:
        if len(first) < threshold:
            obj.meta.client.put_object(
                Bucket=obj.bucket_name, Key=key, Body=first, **params, **_CREATE_ONLY
            )
        else:
            _create_multipart(storage, obj, first, body, params)
    except ClientError as err:
        status = status_code(err)
        if status == _PRECONDITION_FAILED:
            raise NameTakenError(key) from err
        if status != _NOT_IMPLEMENTED:
            raise
        logger.debug("The store refused If-None-Match; saving %s without it from now on", key)
        storage._transient[_UNSUPPORTED] = True
        raise


def _create_multipart(
    storage: S3Storage, obj: Any, first: bytes, body: Any, params: dict[str, Any]
) -> None:
    writer = MultipartWriter(obj, params, storage.file_parts_in_memory, complete_args=_CREATE_ONLY)
    try:
        chunk_size = int(storage.transfer_config.multipart_chunksize)
        number, chunk = 1, first
        while chunk:
            writer.send(number, io.BytesIO(chunk))
            number += 1
            chunk = _read_up_to(body, part_size(chunk_size, number))
        writer.complete()
    except BaseException:
        writer.abort()
        raise


def save_new(
    storage: S3Storage, cleaned: str, key: str, content: Any, params: dict[str, Any]
) -> tuple[str, str]:
    """Save ``content`` as a new object; return the (name, key) it got.

    When another writer takes the name first, picks the next free name with
    ``get_available_name()`` and uploads again from the content's start.
    Content that cannot seek is kept as it is read (see ``_s3_replay``), so
    it can be sent again too.
    """
    replay = None
    if not is_seekable(content):
        source = (
            TextAsBytesStream(content) if is_text_stream(content) else ReadBytesWrapper(content)
        )
        limit = storage.max_memory_size or int(storage.transfer_config.multipart_threshold)
        replay = Replay(source, limit, storage.file_upload_temp_dir)
    try:
        for _ in range(_CREATE_ATTEMPTS):
            # A copy for each upload: building the body records ContentEncoding in it.
            sent = dict(params)
            body = storage._upload_body(content if replay is None else replay.stream(), sent)
            try:
                create_object(storage, key, body, sent)
                return cleaned, key
            except NameTakenError:
                logger.debug("%s was created by another writer first; picking another name", key)
            except ClientError as err:
                if status_code(err) != _NOT_IMPLEMENTED:
                    raise
                sent = dict(params)
                body = storage._upload_body(content if replay is None else replay.stream(), sent)
                storage._upload(key, body, sent)
                return cleaned, key
            cleaned = storage.get_available_name(cleaned)
            key = storage._normalize_name(cleaned)
            params = storage._get_write_parameters(key, content)
    finally:
        if replay is not None:
            replay.close()
    raise FileExistsError(
        f"Could not save {cleaned!r}: other writers took {_CREATE_ATTEMPTS} names in a row."
    )
