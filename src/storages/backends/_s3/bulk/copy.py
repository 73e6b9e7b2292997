"""Server-side copy and move: CopyObject, or a parallel multipart copy for large objects.

The bytes never leave the store: S3 copies an object of up to 5 GiB with one
CopyObject request, and a larger one part by part (UploadPartCopy, at most
5 GiB a part), several parts at once. :data:`MULTIPART_THRESHOLD` decides
between the two; tests lower it.

Headers. A copy is sent with ``MetadataDirective=REPLACE`` and the source's
Content-Type, Cache-Control, Content-Encoding, Content-Disposition,
Content-Language and metadata, from its HEAD, with the storage's
``get_object_parameters(dst)`` on top: the destination gets the storage's
upload parameters (ACL, server-side encryption...) as a ``save()`` would,
and a multipart copy, which cannot copy headers, gets the same ones. SSE-C:
the source's key (``get_object_parameters(src)``) goes as the
``CopySourceSSECustomer*`` parameters, the destination's as the usual ones.

Names. The destination goes through ``save()``'s checks: Django's
``validate_file_name()``, then the storage's ``_key()`` (a name outside the
location raises SuspiciousOperation). When the copy may not overwrite
(``overwrite=False``, or ``file_overwrite`` off), it is create-only:
CopyObject and CompleteMultipartUpload both take ``If-None-Match: *``
(botocore's model has ``IfNoneMatch`` on both), so a taken destination
answers 412 atomically and the next name from ``get_alternative_name()`` is
tried. A store that answers 501 to the condition is remembered (as for
``save()``) and names are then checked with a HEAD first, with its race.

Move. ``move()`` copies, HEADs the destination, and deletes the source only
when the destination's size and ETag are those the copy reported. Any
failure before that raises with the source untouched; a failed delete
raises with both in place.
"""

from __future__ import annotations

import logging
import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from botocore.exceptions import ClientError
from django.core.files.utils import validate_file_name

from ....utils import clean_name
from ..errors import status_code
from ..params import filter_download_params
from ..protocol import (
    HTTP_NOT_IMPLEMENTED,
    HTTP_PRECONDITION_FAILED,
    MAX_PART_SIZE,
    MAX_PARTS,
    MIN_PART_SIZE,
)
from ..types import ConnectedStorage
from .results import unquoted_etag

if TYPE_CHECKING:
    from ..state import RuntimeState

__all__ = ["COPY_PART_SIZE", "MULTIPART_THRESHOLD", "WORKERS", "CopyStorage", "copy", "move"]

logger = logging.getLogger(__name__)

#: Objects larger than this are copied part by part (CopyObject's own limit is 5 GiB).
MULTIPART_THRESHOLD = 5 * 1024**3
#: The part size of a multipart copy, raised when the object would need over 10,000 parts.
COPY_PART_SIZE = 256 * 1024**2
#: UploadPartCopy requests in flight at once.
WORKERS = 4
#: Names tried before giving up when other writers keep taking them.
_ATTEMPTS = 5
#: Headers a copy keeps: HEAD's answer field -> the write parameter.
_KEPT = (
    "ContentType",
    "CacheControl",
    "ContentEncoding",
    "ContentDisposition",
    "ContentLanguage",
)
#: Parameters of a download (SSE-C) and their copy-source spelling.
_SOURCE_SSE = {
    "SSECustomerAlgorithm": "CopySourceSSECustomerAlgorithm",
    "SSECustomerKey": "CopySourceSSECustomerKey",
    "SSECustomerKeyMD5": "CopySourceSSECustomerKeyMD5",
}
#: Upload parameters a part (UploadPartCopy) carries.
_PART_ARGS = ("SSECustomerAlgorithm", "SSECustomerKey", "SSECustomerKeyMD5", "RequestPayer")
_COMPLETE_ARGS = ("SSECustomerAlgorithm", "SSECustomerKey", "SSECustomerKeyMD5", "RequestPayer")


class _NameTakenError(Exception):
    """The destination exists (S3 answered 412 to If-None-Match)."""


class CopyStorage(ConnectedStorage, Protocol):
    """What copy and move need from a storage (``S3Storage`` has all of it)."""

    @property
    def file_overwrite(self) -> bool: ...
    @property
    def default_acl(self) -> str | None: ...
    @property
    def _runtime(self) -> RuntimeState: ...
    def _key(self, name: str) -> str: ...
    def _head(self, key: str) -> dict[str, Any]: ...
    def get_object_parameters(self, name: str) -> dict[str, Any]: ...
    def get_alternative_name(self, file_root: str, file_ext: str) -> str: ...
    def exists(self, name: str) -> bool: ...
    def delete(self, name: str) -> None: ...


@dataclass(frozen=True, slots=True)
class _Copied:
    name: str
    key: str
    size: int
    etag: str | None


def copy(storage: CopyStorage, src: str, dst: str, *, overwrite: bool | None = None) -> str:
    """Copy ``src`` to ``dst`` on the server; return the destination name used."""
    return _copy(storage, src, dst, overwrite).name


def move(storage: CopyStorage, src: str, dst: str, *, overwrite: bool | None = None) -> str:
    """Copy ``src`` to ``dst``, confirm the copy, then delete ``src``; return the name used."""
    source_key = storage._key(src)
    copied = _copy(storage, src, dst, overwrite)
    if copied.key == source_key:
        return copied.name  # moved onto itself: nothing to delete
    head = storage._head(copied.key)
    etag = unquoted_etag(head.get("ETag"))
    if head.get("ContentLength") != copied.size or (copied.etag and etag != copied.etag):
        raise OSError(
            f"The copy of {src!r} at {copied.name!r} does not match what was copied "
            f"({head.get('ContentLength')} bytes, ETag {etag}; expected {copied.size} bytes, "
            f"ETag {copied.etag}); the source was kept."
        )
    storage.delete(src)
    return copied.name


def _copy(storage: CopyStorage, src: str, dst: str, overwrite: bool | None) -> _Copied:
    if overwrite is None:
        overwrite = storage.file_overwrite
    name = clean_name(dst)
    validate_file_name(name, allow_relative_path=True)
    source_key = storage._key(src)
    key = storage._key(name)
    head = storage._head(source_key)  # FileNotFoundError for a missing source
    size = int(head.get("ContentLength", 0))
    bucket = storage.bucket
    client, bucket_name = bucket.meta.client, bucket.name
    for _ in range(_ATTEMPTS):
        params = _parameters(storage, source_key, key, head)
        create_only = not overwrite and not storage._runtime.conditional_writes_unsupported
        if not overwrite and not create_only and storage.exists(name):
            name, key = _next_name(storage, name)
            continue
        if create_only:
            params["IfNoneMatch"] = "*"
        try:
            if size > MULTIPART_THRESHOLD:
                etag = _multipart_copy(client, bucket_name, source_key, key, size, params)
            else:
                etag = _copy_object(client, bucket_name, source_key, key, params)
        except _NameTakenError:
            logger.debug("%s is taken; copying to another name", key)
            name, key = _next_name(storage, name)
            continue
        except ClientError as err:
            if not create_only or status_code(err) != HTTP_NOT_IMPLEMENTED:
                raise
            logger.debug("The store refused If-None-Match on a copy; checking names with HEAD")
            storage._runtime.conditional_writes_unsupported = True
            continue
        return _Copied(name, key, size, etag)
    raise FileExistsError(
        f"Could not copy {src!r}: other writers took {_ATTEMPTS} destination names in a row."
    )


def _next_name(storage: CopyStorage, name: str) -> tuple[str, str]:
    directory, file_name = os.path.split(name)
    root, ext = os.path.splitext(file_name)
    name = os.path.join(directory, storage.get_alternative_name(root, ext)).replace("\\", "/")
    return name, storage._key(name)


def _parameters(
    storage: CopyStorage, source_key: str, key: str, head: dict[str, Any]
) -> dict[str, Any]:
    params: dict[str, Any] = {field: head[field] for field in _KEPT if head.get(field)}
    params["Metadata"] = dict(head.get("Metadata") or {})
    params.update(storage.get_object_parameters(key))
    if "ACL" not in params and storage.default_acl:
        params["ACL"] = storage.default_acl
    source = filter_download_params(storage.get_object_parameters(source_key))
    for download, copy_source in _SOURCE_SSE.items():
        if download in source:
            params[copy_source] = source[download]
    return params


def _split(params: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {name: params[name] for name in names if name in params}


def _conditional(call: Any, **kwargs: Any) -> Any:
    try:
        return call(**kwargs)
    except ClientError as err:
        if status_code(err) == HTTP_PRECONDITION_FAILED:
            raise _NameTakenError(kwargs["Key"]) from err
        raise


def _copy_object(
    client: Any, bucket: str, source_key: str, key: str, params: dict[str, Any]
) -> str | None:
    response = _conditional(
        client.copy_object,
        Bucket=bucket,
        Key=key,
        CopySource={"Bucket": bucket, "Key": source_key},
        MetadataDirective="REPLACE",
        **params,
    )
    return unquoted_etag(response.get("CopyObjectResult", {}).get("ETag"))


def part_ranges(size: int, part_size: int = 0) -> list[tuple[int, int]]:
    """Return the inclusive byte ranges of a multipart copy of ``size`` bytes."""
    part_size = part_size or COPY_PART_SIZE
    part_size = min(MAX_PART_SIZE, max(MIN_PART_SIZE, part_size, math.ceil(size / MAX_PARTS)))
    return [(start, min(start + part_size, size) - 1) for start in range(0, size, part_size)]


def _multipart_copy(
    client: Any, bucket: str, source_key: str, key: str, size: int, params: dict[str, Any]
) -> str | None:
    if_none_match = params.pop("IfNoneMatch", None)
    part_params = _split(params, _PART_ARGS)
    part_params.update({name: params[name] for name in _SOURCE_SSE.values() if name in params})
    complete_params = _split(params, _COMPLETE_ARGS)
    create_params = {
        name: value for name, value in params.items() if name not in _SOURCE_SSE.values()
    }
    upload_id = client.create_multipart_upload(Bucket=bucket, Key=key, **create_params)["UploadId"]
    copy_source = {"Bucket": bucket, "Key": source_key}
    logger.debug("Copying %s to %s in parts (upload %s)", source_key, key, upload_id)

    def copy_part(number: int, first: int, last: int) -> dict[str, Any]:
        response = client.upload_part_copy(
            Bucket=bucket,
            Key=key,
            UploadId=upload_id,
            PartNumber=number,
            CopySource=copy_source,
            CopySourceRange=f"bytes={first}-{last}",
            **part_params,
        )
        return {"PartNumber": number, "ETag": response["CopyPartResult"]["ETag"]}

    try:
        ranges = part_ranges(size)
        with ThreadPoolExecutor(min(WORKERS, len(ranges)), thread_name_prefix="s3-copy") as pool:
            futures = [
                pool.submit(copy_part, number, first, last)
                for number, (first, last) in enumerate(ranges, start=1)
            ]
            parts = [future.result() for future in futures]
        if if_none_match:
            complete_params["IfNoneMatch"] = if_none_match
        response = _conditional(
            client.complete_multipart_upload,
            Bucket=bucket,
            Key=key,
            UploadId=upload_id,
            MultipartUpload={"Parts": parts},
            **complete_params,
        )
    except BaseException:
        try:
            client.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id)
        except ClientError:
            logger.warning("Could not abort the multipart copy %s of %s", upload_id, key)
        raise
    return unquoted_etag(response.get("ETag"))
