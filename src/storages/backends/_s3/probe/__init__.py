"""The checks of ``manage.py s3probe``: one storage against its bucket, each failure with its fix.

In order: credentials, bucket, region, clock skew, list / put / get
permissions (with a temporary object), the ACL the storage sets, what a URL
from ``url()`` returns (fetched at ``public_endpoint_url`` when URLs point
there), delete (removing the temporary object), the lifecycle rule for
incomplete uploads, and the CORS preflights of direct uploads from the
site's origins (:mod:`.cors`). Every request goes
through the storage's own client, so the probe sees exactly the credentials,
endpoint, region and botocore settings the storage uses.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from email.utils import parsedate_to_datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.base import ContentFile

from ..bulk.cleanup import abort_rule
from ..errors import status_code
from ..params import effective_acl, filter_download_params
from ..protocol import ACCESS_DENIED, HTTP_NOT_FOUND, NOT_IMPLEMENTED
from ..urls.url import storage_url
from ..writes import WriteRequest, WriteStorage, put
from .cors import CorsStorage, check_cors
from .fetch import body_error_code, fetch
from .outcome import FAIL, OK, SKIP, WARN, FailedCheckError, Result, error_code, explain, names

__all__ = [
    "FAIL",
    "MAX_CLOCK_SKEW",
    "OK",
    "SKIP",
    "WARN",
    "FailedCheckError",
    "Probe",
    "ProbedStorage",
    "Result",
]

#: S3 refuses requests signed with a clock more than 15 minutes off (RequestTimeTooSkewed).
MAX_CLOCK_SKEW = 15 * 60
#: The clock compared with the server's ``Date`` header (a name tests can replace).
wall_clock = time.time

_PUBLIC_ACLS = ("public-read", "public-read-write")


class _CheckWarningError(FailedCheckError):
    """A check found something to fix that does not break the storage."""


class ProbedStorage(CorsStorage, WriteStorage, Protocol):
    """What the probe needs from a storage (``S3Storage`` has all of it)."""

    @property
    def object_parameters(self) -> dict[str, Any]: ...
    @property
    def default_acl(self) -> str | None: ...
    def get_object_parameters(self, name: str) -> dict[str, Any]: ...


class Probe:
    """Run every check on one storage; later checks use what earlier ones learned."""

    def __init__(
        self,
        storage: ProbedStorage,
        timeout: float,
        *,
        origins: Sequence[str] = (),
        no_origin: str = "no origin given",
    ) -> None:
        """Probe ``storage``; the cors check preflights from ``origins``, or says ``no_origin``."""
        self.storage = storage
        self.client = storage.connection.meta.client
        self.timeout = timeout
        self.origins = tuple(origins)
        self.no_origin = no_origin
        self.bucket = str(storage.bucket_name)
        self.name = f".s3probe-{uuid.uuid4().hex}.txt"
        self.key = storage._key(self.name)
        self.body = f"s3storages probe {self.name}\n".encode()
        self.results: list[Result] = []
        self.blocked = ""  # why the checks that need the bucket are skipped
        self.written = False
        self.server_date: float | None = None
        self.local_time = 0.0
        self._sent_at = 0.0
        self.bucket_region: str | None = None

    @property
    def objects(self) -> str:
        return f"arn:aws:s3:::{self.bucket}/{self.storage._key('')}*"

    def run(self) -> list[Result]:
        """Run the checks in order and return their results."""
        self._step("credentials", self.credentials, "s3:ListAllMyBuckets", "*", always=True)
        self._step("bucket", self.reach_bucket, "s3:ListBucket", f"arn:aws:s3:::{self.bucket}")
        self._step("region", self.region, "s3:GetBucketLocation", f"arn:aws:s3:::{self.bucket}")
        self._step("clock", self.clock, "", "", always=True)
        self._step("list", self.list, "s3:ListBucket", f"arn:aws:s3:::{self.bucket}")
        self._step("put", self.put, "s3:PutObject", self.objects)
        self._step("get", self.get, "s3:GetObject", self.objects, needs_object=True)
        self._step("acl", self.acl, "s3:PutObjectAcl", self.objects, needs_object=True)
        self._step("url", self.url, "s3:GetObject", self.objects, needs_object=True)
        self._step("delete", self.delete, "s3:DeleteObject", self.objects, needs_object=True)
        self._step(
            "lifecycle",
            self.lifecycle,
            "s3:GetLifecycleConfiguration",
            f"arn:aws:s3:::{self.bucket}",
        )
        self._step("cors", self.cors, "", "")
        return self.results

    def _step(
        self,
        check: str,
        run: Any,
        action: str,
        resource: str,
        *,
        always: bool = False,
        needs_object: bool = False,
    ) -> None:
        if self.blocked and not always:
            self.results.append(Result(check, SKIP, self.blocked))
            return
        if needs_object and not self.written:
            self.results.append(Result(check, SKIP, "no temporary object (put failed)"))
            return
        try:
            status, detail = run()
            self.results.append(Result(check, status, detail))
            return
        except (ClientError, BotoCoreError) as err:
            self._note_date(getattr(err, "response", None))
            failure = explain(err, action, resource)
        except _CheckWarningError as err:
            self.results.append(Result(check, WARN, err.detail, err.fix))
            return
        except FailedCheckError as err:
            failure = err
        self.results.append(Result(check, FAIL, failure.detail, failure.fix))
        if check in ("credentials", "bucket"):
            self.blocked = f"the {check} check failed"

    def _note_date(self, response: Any) -> None:
        headers = (response or {}).get("ResponseMetadata", {}).get("HTTPHeaders", {})
        if "date" in headers and self.server_date is None:
            self.server_date = parsedate_to_datetime(headers["date"]).timestamp()
            self.local_time = self._sent_at
        if "x-amz-bucket-region" in headers:
            self.bucket_region = headers["x-amz-bucket-region"]

    def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        return self._timed(getattr(self.client, operation), **params)

    def _timed(
        self, call: Callable[..., dict[str, Any]], *args: Any, **kwargs: Any
    ) -> dict[str, Any]:
        before = wall_clock()
        try:
            response = call(*args, **kwargs)
        finally:
            # The server stamps Date between sending and answering: compare with the middle.
            self._sent_at = (before + wall_clock()) / 2
        self._note_date(response)
        return response

    def credentials(self) -> tuple[str, str]:
        try:
            self._call("list_buckets")
        except ClientError as err:
            if error_code(err) != ACCESS_DENIED:
                raise
            self._note_date(err.response)
            return OK, "accepted (not allowed to list all buckets, which storages never do)"
        return OK, "accepted by the server"

    def reach_bucket(self) -> tuple[str, str]:
        try:
            self._call("head_bucket", Bucket=self.bucket)
        except ClientError as err:
            # A HEAD answer has no body, so botocore's message is only "Not Found".
            if status_code(err) != HTTP_NOT_FOUND:
                raise
            raise FailedCheckError(
                f"there is no bucket {self.bucket!r} (HTTP 404)",
                f"Create the bucket, or set {names('bucket_name')} to an existing one.",
            ) from err
        return OK, f"{self.bucket!r} exists and is reachable"

    def region(self) -> tuple[str, str]:
        configured = self.client.meta.region_name
        reported = self.bucket_region
        signed_for = f"requests are signed for {configured!r}"
        if reported is None:
            try:
                location = self._call("get_bucket_location", Bucket=self.bucket)
            except ClientError as err:
                if error_code(err) not in (ACCESS_DENIED, NOT_IMPLEMENTED):
                    raise
                return SKIP, f"not reported ({error_code(err)} to GetBucketLocation); {signed_for}"
            constraint = location.get("LocationConstraint")
            if not constraint and self.storage.endpoint_url:
                return SKIP, f"the store does not report one; {signed_for}"
            # S3 answers no constraint for us-east-1 and "EU" for the oldest eu-west-1 buckets.
            reported = {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(
                constraint, constraint
            )
        if reported != configured:
            raise FailedCheckError(
                f"the bucket is in {reported!r} but requests are signed for {configured!r}",
                f"Set {names('region_name')} to {reported!r}.",
            )
        return OK, f"{configured!r}, the bucket's region"

    def clock(self) -> tuple[str, str]:
        if self.server_date is None:
            return SKIP, "no answer from the server to compare with"
        # Date has whole seconds, truncated: half a second is the best guess of the rest.
        skew = self.server_date + 0.5 - self.local_time
        if abs(skew) < 2:
            return OK, "within 2 s of the server's clock"
        amount = f"{abs(skew) / 60:.0f} min" if abs(skew) >= 120 else f"{abs(skew):.0f} s"
        text = f"{amount} {'behind' if skew > 0 else 'ahead of'} the server's clock"
        if abs(skew) >= MAX_CLOCK_SKEW:
            raise FailedCheckError(
                f"this machine's clock is {text}",
                "Synchronise this machine's clock (NTP): S3 refuses requests more than "
                "15 minutes off, and presigned URLs start late or expire early.",
            )
        return OK, f"this machine's clock is {text}"

    def lifecycle(self) -> tuple[str, str]:
        # Parts of uploads never completed or aborted are billed until aborted.
        try:
            days = abort_rule(self.client, self.bucket, self.storage._key(""))
        except ClientError as err:
            raise _CheckWarningError(
                f"could not read the bucket's lifecycle rules ({error_code(err)})",
                "Allow s3:GetLifecycleConfiguration to check that incomplete multipart "
                "uploads are aborted, or run 'manage.py s3cleanup' regularly.",
            ) from err
        if days is None:
            raise _CheckWarningError(
                "no lifecycle rule aborts incomplete multipart uploads",
                "Add a bucket lifecycle rule with AbortIncompleteMultipartUpload "
                "(DaysAfterInitiation 1 to 7), or run 'manage.py s3cleanup' regularly.",
            )
        return OK, f"incomplete multipart uploads are aborted after {days} day(s)"

    def cors(self) -> tuple[str, str]:
        if not self.origins:
            return SKIP, self.no_origin
        return check_cors(self.storage, self.key, self.origins, self.timeout)

    def list(self) -> tuple[str, str]:
        self._call("list_objects_v2", Bucket=self.bucket, Prefix=self.storage._key(""), MaxKeys=1)
        return OK, "allowed"

    def put(self) -> tuple[str, str]:
        content = ContentFile(self.body, name=self.key)
        # Plain, whatever the gzip settings: the get check compares the stored bytes.
        request = WriteRequest.build(self.storage, self.key, content, gzip=False)
        self._timed(put, request, self.body, self.client)
        self.written = True
        return OK, f"wrote the temporary object {self.key!r}"

    def get(self) -> tuple[str, str]:
        params = filter_download_params(self.storage.get_object_parameters(self.key))
        data = self._call("get_object", Bucket=self.bucket, Key=self.key, **params)["Body"].read()
        if data != self.body:
            raise FailedCheckError(
                f"read back {len(data)} bytes that differ from the {len(self.body)} written",
                "Something between here and the store changes objects: check object_parameters "
                "(ContentEncoding) and any proxy.",
            )
        return OK, f"read back the same {len(data)} bytes"

    def acl(self) -> tuple[str, str]:
        acl = effective_acl(self.storage.object_parameters, self.storage.default_acl)
        if not acl:
            return OK, "none set; the bucket's policy decides who reads the files"
        if acl not in (*_PUBLIC_ACLS, "private"):
            return OK, f"{acl!r} accepted by the store (its effect is not checked)"
        plain = self.storage.unsigned_connection.meta.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": self.key}
        )
        status, body = fetch(plain, self.storage.verify, self.timeout)
        public = acl in _PUBLIC_ACLS
        if public and status != 200:
            raise FailedCheckError(
                f"the store accepted {acl!r} but refuses anonymous reads "
                f"(HTTP {status} {body_error_code(body)}): it ignores per-object ACLs",
                f"Allow public reads with a bucket policy and remove {names('default_acl')}.",
            )
        if not public and status == 200:
            raise FailedCheckError(
                "anyone can read the files although the ACL is 'private'",
                "A bucket policy makes the objects public; remove that statement if they "
                "must stay private.",
            )
        return OK, f"{acl!r} applied: anonymous reads get HTTP {status}"

    def url(self) -> tuple[str, str]:
        # S3Storage.url's engine, not the class's url(): a manifest storage would look
        # the name up in its manifest.
        url = storage_url(self.storage, self.name, None, None, None)
        parts = urlsplit(url)
        shown = f"{parts.scheme}://{parts.netloc}{parts.path}"
        # url() builds URLs for the public endpoint unless a custom domain wins.
        public = not self.storage.custom_domain and self.storage.public_endpoint_url
        through = " (public endpoint)" if public else ""
        try:
            status, body = fetch(url, self.storage.verify, self.timeout)
        except (OSError, ValueError) as err:
            if public:
                fix = (
                    f"Check {names('public_endpoint_url')}: this machine cannot reach it. "
                    "If only browsers can, open a URL from url() in a browser instead."
                )
            else:
                fix = (
                    f"Check {names('custom_domain')} and {names('endpoint_url')}: browsers "
                    "must reach that host."
                )
            raise FailedCheckError(f"GET {shown}{through} failed: {err}", fix) from err
        if status == 200 and body == self.body:
            return OK, f"GET {shown}{through} returned HTTP 200 and the object's bytes"
        code = body_error_code(body) if status != 200 else "different bytes"
        if not self.storage.querystring_auth:
            fix = (
                "URLs are unsigned (querystring_auth=False) but the object is not public: "
                f"allow public reads with a bucket policy, or set {names('querystring_auth')}."
            )
        elif self.storage.custom_domain:
            fix = (
                f"Check that {names('custom_domain')} serves this bucket and location, and "
                "that its signing keys (cloudfront_key_id, cloudfront_key) are right."
            )
        elif public:
            fix = (
                f"Check that {names('public_endpoint_url')} leads to the same store as "
                f"{names('endpoint_url')} and forwards the path and the Host header unchanged "
                f"(a signature covers both), then {names('region_name')}."
            )
        else:
            fix = (
                f"Check {names('region_name')} and {names('signature_version')}; "
                "the signature in the URL was refused."
            )
        raise FailedCheckError(f"GET {shown}{through} returned HTTP {status} ({code})", fix)

    def delete(self) -> tuple[str, str]:
        try:
            self._call("delete_object", Bucket=self.bucket, Key=self.key)
        except ClientError as err:
            failure = explain(err, "s3:DeleteObject", self.objects)
            raise FailedCheckError(
                failure.detail, f"{failure.fix} Then delete {self.key!r} by hand."
            ) from err
        self.written = False
        return OK, "removed the temporary object"
