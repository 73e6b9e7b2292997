"""Multipart direct uploads: the server starts and finishes them, the browser sends the parts.

A file above one request's 5 GiB, or one the browser should send in
parallel and resume part by part, goes up in parts:

1. :func:`start` names the file and sends CreateMultipartUpload with the
   upload parameters of ``save()`` (the browser never sees them);
2. :func:`sign_parts` presigns UploadPart URLs, for any part numbers, in
   batches as the browser needs them; the parts may go up in parallel and
   in any order, each but the last at least 5 MiB;
3. :func:`complete` assembles the parts (create-only, ``If-None-Match: *``,
   unless ``file_overwrite``), after checking their total size if asked;
   or :func:`abort` deletes every part sent so far.

An upload that is never completed or aborted keeps its parts (and S3 bills
them) until a bucket lifecycle rule (``AbortIncompleteMultipartUpload``)
removes them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from botocore.exceptions import ClientError

from ..errors import is_not_found, status_code
from ..protocol import HTTP_NOT_IMPLEMENTED, HTTP_PRECONDITION_FAILED, MAX_PARTS
from ..urls.url import presigning_client
from ..writes import conditional_writes_supported
from .names import new_name, upload_key
from .params import header_params, refuse, upload_parameters
from .presigned import check_expire
from .storage import UploadStorage

__all__ = ["abort", "complete", "sign_parts", "start"]

logger = logging.getLogger(__name__)

#: CreateMultipartUpload parameters that every UploadPart must repeat as a
#: header: presigned part URLs would make the browser send them.
_PER_PART = frozenset({"RequestPayer", "ExpectedBucketOwner", "ChecksumAlgorithm"})


def _check_upload_id(upload_id: object) -> str:
    if not isinstance(upload_id, str) or not upload_id:
        raise ValueError(f"upload_id must be the non-empty str start returned, not {upload_id!r}.")
    return upload_id


def _check_part_number(number: object) -> int:
    if type(number) is not int or not 1 <= number <= MAX_PARTS:
        raise ValueError(f"Part numbers run from 1 to {MAX_PARTS}, not {number!r}.")
    return number


def start(
    storage: UploadStorage,
    name: str,
    *,
    content_type: str | None = None,
    metadata: Mapping[str, str] | None = None,
    max_length: int | None = None,
) -> dict[str, str]:
    """Start a multipart upload of a new file; return ``{"name", "upload_id"}``."""
    operation = "start_multipart_upload"
    name, key = new_name(storage, name, max_length)
    upload = upload_parameters(
        storage, key, operation, content_type=content_type, metadata=metadata
    )
    bucket = storage.bucket
    client = bucket.meta.client
    allowed = header_params(client, "CreateMultipartUpload") - _PER_PART
    for param in sorted(set(upload.params) - allowed):
        raise refuse(
            operation,
            param,
            key,
            "every part's presigned URL would need it as a header the browser sends",
            "Leave it out of the parameters of direct uploads.",
        )
    response = client.create_multipart_upload(Bucket=bucket.name, Key=key, **upload.params)
    logger.debug("Started multipart upload %s of %s", response["UploadId"], key)
    return {"name": name, "upload_id": response["UploadId"]}


def sign_parts(
    storage: UploadStorage,
    name: str,
    upload_id: str,
    part_numbers: Iterable[int],
    *,
    expire: int | None = None,
) -> dict[int, str]:
    """Return a presigned UploadPart URL for each of ``part_numbers``."""
    key = upload_key(storage, name)
    upload_id = _check_upload_id(upload_id)
    numbers = [_check_part_number(number) for number in part_numbers]
    expire = check_expire(storage, expire, "presigned_upload_parts")
    client = presigning_client(storage)
    bucket = storage.bucket.name
    return {
        number: client.generate_presigned_url(
            "upload_part",
            Params={"Bucket": bucket, "Key": key, "UploadId": upload_id, "PartNumber": number},
            ExpiresIn=expire,
        )
        for number in numbers
    }


def _completed_parts(parts: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Return CompleteMultipartUpload's parts list, ascending; raise ValueError if malformed."""
    listed: dict[int, str] = {}
    for part in parts:
        if not isinstance(part, Mapping) or not isinstance(part.get("etag"), str):
            raise ValueError(
                f"Each part must be a dict with 'part_number' and 'etag' (the ETag header "
                f"S3 answered the part's PUT with), not {part!r}."
            )
        number = _check_part_number(part.get("part_number"))
        if number in listed:
            raise ValueError(f"Part {number} is listed twice.")
        listed[number] = part["etag"]
    if not listed:
        raise ValueError("A multipart upload is completed with at least one part.")
    return [{"PartNumber": number, "ETag": listed[number]} for number in sorted(listed)]


def _uploaded_size(client: Any, bucket: str, key: str, upload_id: str, numbers: set[int]) -> int:
    """Return the bytes S3 holds in parts ``numbers`` of the upload (ListParts)."""
    paginator = client.get_paginator("list_parts")
    pages = paginator.paginate(Bucket=bucket, Key=key, UploadId=upload_id)
    return sum(
        part["Size"]
        for page in pages
        for part in page.get("Parts", ())
        if part["PartNumber"] in numbers
    )


def _gone(name: str, upload_id: str, err: ClientError) -> FileNotFoundError:
    return FileNotFoundError(
        f"The multipart upload {upload_id!r} of {name!r} does not exist: it was completed, "
        f"aborted, or never started. ({err})"
    )


def complete(
    storage: UploadStorage,
    name: str,
    upload_id: str,
    parts: Iterable[Mapping[str, Any]],
    *,
    max_size: int | None = None,
) -> str:
    """Assemble the parts into the file ``name``; return ``name``."""
    key = upload_key(storage, name)
    upload_id = _check_upload_id(upload_id)
    listed = _completed_parts(parts)
    bucket = storage.bucket
    client = bucket.meta.client
    try:
        if max_size is not None:
            numbers = {part["PartNumber"] for part in listed}
            size = _uploaded_size(client, bucket.name, key, upload_id, numbers)
            if size > max_size:
                _abort(client, bucket.name, key, upload_id)
                raise ValueError(
                    f"The parts of {name!r} hold {size} bytes, over max_size={max_size}: "
                    "the upload was aborted."
                )
        _complete(storage, client, bucket.name, key, upload_id, listed)
    except ClientError as err:
        if is_not_found(err):
            raise _gone(name, upload_id, err) from err
        if status_code(err) != HTTP_PRECONDITION_FAILED:
            raise
        _abort(client, bucket.name, key, upload_id)
        raise FileExistsError(
            f"Another writer stored {name!r} while it was uploaded in parts, and "
            "file_overwrite is off: the upload was aborted."
        ) from err
    return name


def _complete(
    storage: UploadStorage,
    client: Any,
    bucket: str,
    key: str,
    upload_id: str,
    parts: list[dict[str, Any]],
) -> None:
    arguments: dict[str, Any] = {
        "Bucket": bucket,
        "Key": key,
        "UploadId": upload_id,
        "MultipartUpload": {"Parts": parts},
    }
    if storage.file_overwrite or not conditional_writes_supported(storage):
        client.complete_multipart_upload(**arguments)
        return
    try:
        client.complete_multipart_upload(**arguments, IfNoneMatch="*")
    except ClientError as err:
        if status_code(err) != HTTP_NOT_IMPLEMENTED:
            raise
        logger.debug("The store refused If-None-Match; completing %s without it", key)
        client.complete_multipart_upload(**arguments)


def _abort(client: Any, bucket: str, key: str, upload_id: str) -> None:
    try:
        client.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id)
    except ClientError as err:
        if not is_not_found(err):
            raise  # NoSuchUpload: aborted or completed already


def abort(storage: UploadStorage, name: str, upload_id: str) -> None:
    """Abort the multipart upload: S3 deletes its parts. Aborting twice is no error."""
    key = upload_key(storage, name)
    upload_id = _check_upload_id(upload_id)
    bucket = storage.bucket
    _abort(bucket.meta.client, bucket.name, key, upload_id)
