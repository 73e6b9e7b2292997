"""Multipart uploads (S3File, create-only saves): parts go up in the background, memory bounded.

The caller fills one part buffer while earlier parts upload; at most
``parts_in_memory`` part buffers exist at any moment (the one being filled
included), and each is reused once its part is uploaded, so ``open(name,
"wb")`` keeps pace with boto3's ``upload_fileobj`` without holding more than
a few parts.

Nothing is lost silently: the first failure (a part, or the completion)
aborts the multipart upload, so S3 keeps neither a partial object nor
billed parts, and every later call raises that failure again. An abort that
cannot reach S3 is retried by the next call (typically ``close()``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from . import cancel
from .errors import is_not_found
from .part_buffer import PartBuffer
from .protocol import MAX_PART_SIZE, MAX_PARTS, MIN_PART_SIZE

__all__ = ["MultipartWriter", "part_size"]

logger = logging.getLogger(__name__)

#: The part size doubles after each this many parts (ten times in 10,000), so an
#: upload of unknown length never runs out of part numbers: from 5 MiB, 10,000
#: parts hold 4.9 TiB, close to S3's 5 TiB object limit.
PARTS_PER_SIZE_STEP = MAX_PARTS // 10

# Parameters of CreateMultipartUpload that the later calls must repeat,
# from the S3 API reference of each operation (s3transfer repeats the same).
_PART_ARGS = (
    "SSECustomerAlgorithm",
    "SSECustomerKey",
    "SSECustomerKeyMD5",
    "RequestPayer",
    "ExpectedBucketOwner",
    "ChecksumAlgorithm",
)
_COMPLETE_ARGS = (
    "SSECustomerAlgorithm",
    "SSECustomerKey",
    "SSECustomerKeyMD5",
    "RequestPayer",
    "ExpectedBucketOwner",
)
_ABORT_ARGS = ("RequestPayer", "ExpectedBucketOwner")


def part_size(buffer_size: int | None, part_number: int, *, grow: bool = True) -> int:
    """Return the size at which part ``part_number`` (1-based) is sent.

    At least ``buffer_size`` and S3's 5 MiB minimum (smaller parts fail at
    completion with EntityTooSmall), doubled every 1,000 parts unless
    ``grow`` is False: stores that want every part but the last of one size
    (Cloudflare R2 answers InvalidPart) get the same size throughout.
    """
    base = max(buffer_size or 0, MIN_PART_SIZE)
    if not grow:
        return min(base, MAX_PART_SIZE)
    return min(base << ((part_number - 1) // PARTS_PER_SIZE_STEP), MAX_PART_SIZE)


def _subset(params: Mapping[str, Any], names: Iterable[str]) -> dict[str, Any]:
    return {name: params[name] for name in names if name in params}


class MultipartWriter:
    """One multipart upload of ``key`` in ``bucket`` through ``client``, started at construction.

    ``params`` are the CreateMultipartUpload parameters (the request's write
    parameters); ``parts_in_memory`` bounds the part buffers alive at once
    (0 or 1: each part is uploaded in the caller's thread).
    """

    def __init__(
        self,
        client: Any,
        bucket: str | None,
        key: str,
        params: Mapping[str, Any],
        parts_in_memory: int,
        complete_args: Mapping[str, Any] | None = None,
    ) -> None:
        self.key = key
        self._client = client
        self._bucket = bucket
        started = client.create_multipart_upload(Bucket=bucket, Key=key, **params)
        self.upload_id: str = started["UploadId"]
        logger.debug("Started multipart upload %s of %s", self.upload_id, self.key)
        self._part_args = _subset(params, _PART_ARGS)
        # complete_args: e.g. IfNoneMatch="*", so the upload only creates a new object.
        self._complete_args = {**_subset(params, _COMPLETE_ARGS), **(complete_args or {})}
        self._abort_args = _subset(params, _ABORT_ARGS)
        # Parts must name their checksums in the completion when the upload asked for one.
        self._with_checksums = "ChecksumAlgorithm" in params
        self._slots = max(parts_in_memory, 1)
        self._pool: ThreadPoolExecutor | None = None
        self._running: set[Future[dict[str, Any]]] = set()
        self._free: list[PartBuffer] = []  # buffers whose part is uploaded, for reuse
        self._free_lock = threading.Lock()
        self._parts: list[dict[str, Any]] = []
        #: The failure that ended this upload, raised again by every later call.
        self.error: BaseException | None = None
        self._background_error: BaseException | None = None
        #: True while the upload may still exist on S3 (not completed, not aborted).
        self.pending = True

    # -- sending parts -----------------------------------------------------

    def check(self) -> None:
        """Raise the upload's failure, if any (aborting the upload first)."""
        if self.error is not None:
            if self.pending:
                self._abort()  # the last attempt could not reach S3
            raise self.error
        if self._background_error is not None:
            self._fail(self._background_error)

    def buffer(self, capacity: int) -> PartBuffer:
        """Return an empty part buffer, waiting until one may be filled within the bound."""
        self.check()
        while len(self._running) >= self._slots:
            done, _ = wait(self._running, return_when=FIRST_COMPLETED)
            self._collect(done)
        with self._free_lock:
            while self._free:
                buffer = self._free.pop()
                if buffer.capacity == capacity:
                    return buffer
                buffer.close()  # the part size grew
        return PartBuffer(capacity)

    def send(self, number: int, buffer: Any) -> None:
        """Upload ``buffer`` (a PartBuffer, or any file) as part ``number``; it is ours from now."""
        try:
            self.check()
        except BaseException:
            buffer.close()
            raise
        if self._slots == 1:
            try:
                self._parts.append(self._upload_part(number, buffer))
            except BaseException as err:
                self._fail(err)
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self._slots, thread_name_prefix="s3file-upload")
        self._running.add(self._pool.submit(self._upload_part, number, buffer))

    def flush(self) -> None:
        """Wait for every part sent so far; raise if one failed."""
        self.check()
        if self._running:
            done, _ = wait(self._running)
            self._collect(done)

    def complete(self) -> None:
        """Wait for the parts and complete the upload; on failure abort and raise."""
        self.flush()
        parts = sorted(self._parts, key=lambda part: int(part["PartNumber"]))
        try:
            cancel.check()  # a cancelled operation aborts rather than publish
            self._client.complete_multipart_upload(
                **self._target(), MultipartUpload={"Parts": parts}, **self._complete_args
            )
        except BaseException as err:
            self._fail(err)
        self.pending = False
        self._shutdown()
        logger.debug("Completed multipart upload %s of %s", self.upload_id, self.key)

    def abort(self) -> None:
        """Abort the upload (after the parts in flight finish); never raises for S3 errors."""
        if self.pending:
            self._abort()

    # -- internals ---------------------------------------------------------

    def _target(self) -> dict[str, Any]:
        """Return the arguments that name this upload in each of its calls."""
        return {"Bucket": self._bucket, "Key": self.key, "UploadId": self.upload_id}

    def _upload_part(self, number: int, buffer: Any) -> dict[str, Any]:
        if isinstance(buffer, PartBuffer):
            body: Any = buffer.body()
        else:  # a file user code put in S3File.file
            body = buffer
            body.seek(0)
        try:
            response = self._client.upload_part(
                **self._target(),
                PartNumber=number,
                Body=body,
                **self._part_args,
            )
        except BaseException as err:
            if self._background_error is None:
                self._background_error = err
            raise
        finally:
            self._release(buffer)
        part = {"ETag": response["ETag"], "PartNumber": number}
        if self._with_checksums:
            part.update(
                (name, value)
                for name, value in response.items()
                if name.startswith("Checksum") and name != "ChecksumType"
            )
        return part

    def _collect(self, done: Iterable[Future[dict[str, Any]]]) -> None:
        for future in done:
            self._running.discard(future)
            error = future.exception()
            if error is not None:
                self._fail(error)
            self._parts.append(future.result())

    def _fail(self, err: BaseException) -> None:
        if self.error is None:
            self.error = err
        self._abort()
        raise self.error

    def _abort(self) -> None:
        # Parts still in flight would outlive an abort made before they end (S3
        # documents that such parts may need a second abort), so wait for them.
        if self._running:
            wait(self._running)
            self._running.clear()
        self._shutdown()
        try:
            self._client.abort_multipart_upload(**self._target(), **self._abort_args)
        except ClientError as err:
            if not is_not_found(err):  # NoSuchUpload: already gone
                self._report_abort_failure(err)
                return
        except BotoCoreError as err:
            self._report_abort_failure(err)
            return
        self.pending = False
        logger.debug("Aborted multipart upload %s of %s", self.upload_id, self.key)

    def _report_abort_failure(self, err: Exception) -> None:
        logger.warning(
            "Could not abort the multipart upload %s of %s (%s); it will be retried on close. "
            "A bucket lifecycle rule (AbortIncompleteMultipartUpload) removes leftovers.",
            self.upload_id,
            self.key,
            type(err).__name__,
        )

    def _release(self, buffer: Any) -> None:
        if isinstance(buffer, PartBuffer) and self.pending:
            buffer.recycle()
            with self._free_lock:
                self._free.append(buffer)
        else:
            buffer.close()

    def _shutdown(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)
        with self._free_lock:
            free, self._free = self._free, []
        for buffer in free:
            buffer.close()
