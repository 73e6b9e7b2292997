"""The checks of ``manage.py s3probe``: one storage against its bucket, each failure with its fix.

In order: credentials, bucket, region, clock skew, list / put / get
permissions (with a temporary object), the ACL the storage sets, what a URL
from ``url()`` returns, and delete (removing the temporary object). Every
request goes through the storage's own client, so the probe sees exactly the
credentials, endpoint, region and botocore settings the storage uses.
"""

from __future__ import annotations

import re
import ssl
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError
from django.core.files.base import ContentFile

from ...conf import spellings
from ..s3 import S3Storage
from .errors import status_code
from .options import S3_OPTIONS_BY_NAME
from .params import filter_download_params
from .protocol import (
    ACCESS_DENIED,
    HTTP_FORBIDDEN,
    HTTP_MOVED_PERMANENTLY,
    HTTP_NOT_FOUND,
    NO_SUCH_BUCKET,
    NOT_IMPLEMENTED,
    PERMANENT_REDIRECT,
)
from .writes import WriteRequest, put

__all__ = ["FAIL", "MAX_CLOCK_SKEW", "OK", "SKIP", "FailedCheckError", "Probe", "Result"]

#: S3 refuses requests signed with a clock more than 15 minutes off (RequestTimeTooSkewed).
MAX_CLOCK_SKEW = 15 * 60
#: The clock compared with the server's ``Date`` header (a name tests can replace).
wall_clock = time.time

OK, FAIL, SKIP = "OK", "FAIL", "SKIP"
_PUBLIC_ACLS = ("public-read", "public-read-write")


def _names(option: str) -> str:
    return spellings(S3_OPTIONS_BY_NAME[option])


@dataclass
class Result:
    """The outcome of one check: its status, what was seen and, on failure, the fix."""

    check: str
    status: str
    detail: str
    fix: str = ""


class FailedCheckError(Exception):
    """A check failed: what was seen, and how to fix it."""

    def __init__(self, detail: str, fix: str) -> None:
        super().__init__(detail)
        self.detail, self.fix = detail, fix


#: botocore's code for an error answer without a body (a HEAD's) is its status.
_CODE_OF_STATUS = {
    str(HTTP_NOT_FOUND): NO_SUCH_BUCKET,
    str(HTTP_FORBIDDEN): ACCESS_DENIED,
    str(HTTP_MOVED_PERMANENTLY): PERMANENT_REDIRECT,
}


def _code(err: ClientError) -> str:
    # HEAD answers carry no error code, only the status.
    code = str(err.response.get("Error", {}).get("Code") or status_code(err) or "")
    return _CODE_OF_STATUS.get(code, code)


def _explain(err: Exception, action: str, resource: str) -> FailedCheckError:
    """Turn an S3 or botocore error into what went wrong and how to fix it."""
    if isinstance(err, NoCredentialsError):
        return FailedCheckError(
            "no credentials found",
            f"Set {_names('access_key')} and {_names('secret_key')}, or "
            f"{_names('session_profile')}, or run where boto3 finds credentials.",
        )
    if not isinstance(err, ClientError):
        return FailedCheckError(
            f"{type(err).__name__}: {err}",
            f"Check {_names('endpoint_url')} and that the server is reachable from here; "
            f"for TLS errors see {_names('verify')}.",
        )
    code = _code(err)
    message = err.response.get("Error", {}).get("Message") or "no message"
    detail = f"{message} ({status_code(err)} {code})"
    fixes = {
        "InvalidAccessKeyId": f"Check {_names('access_key')}: the server does not know it.",
        "SignatureDoesNotMatch": f"Check {_names('secret_key')}: it does not belong to "
        "the access key ID.",
        "InvalidToken": f"Renew the temporary credentials ({_names('security_token')}).",
        "ExpiredToken": f"Renew the temporary credentials ({_names('security_token')}).",
        "RequestTimeTooSkewed": "Synchronise this machine's clock (NTP).",
        "AccessDenied": f"Allow {action} on {resource} for these credentials "
        "(IAM policy or bucket policy).",
        "NoSuchBucket": f"Create the bucket, or set {_names('bucket_name')} to an existing one.",
        "PermanentRedirect": f"Set {_names('region_name')} to the bucket's region.",
        "AuthorizationHeaderMalformed": f"Set {_names('region_name')} to the bucket's region.",
        "AccessControlListNotSupported": "The bucket has ACLs disabled: remove "
        f"{_names('default_acl')} and ACL from object_parameters, and grant access with "
        "a bucket policy.",
    }
    return FailedCheckError(
        detail, fixes.get(code, "See the store's documentation of this error code.")
    )


def _fetch(url: str, verify: bool | str | None, timeout: float) -> tuple[int, bytes]:
    """GET ``url`` without credentials; return the status and body (errors included)."""
    context = None
    if url.startswith("https:"):
        context = ssl.create_default_context(cafile=verify if isinstance(verify, str) else None)
        if verify is False:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
    request = urllib.request.Request(url, method="GET")  # noqa: S310 - http(s) URLs from url()
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:  # noqa: S310
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def _error_code(body: bytes) -> str:
    match = re.search(rb"<Code>([^<]*)</Code>", body)
    return match.group(1).decode("utf-8", "replace") if match else "no error code"


class Probe:
    """Run every check on one storage; later checks use what earlier ones learned."""

    def __init__(self, storage: S3Storage, timeout: float) -> None:
        self.storage = storage
        self.client = storage.connection.meta.client
        self.timeout = timeout
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
            failure = _explain(err, action, resource)
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
            if _code(err) != ACCESS_DENIED:
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
                f"Create the bucket, or set {_names('bucket_name')} to an existing one.",
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
                if _code(err) not in (ACCESS_DENIED, NOT_IMPLEMENTED):
                    raise
                return SKIP, f"not reported ({_code(err)} to GetBucketLocation); {signed_for}"
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
                f"Set {_names('region_name')} to {reported!r}.",
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
        acl = self.storage.object_parameters.get("ACL") or self.storage.default_acl
        if not acl:
            return OK, "none set; the bucket's policy decides who reads the files"
        if acl not in (*_PUBLIC_ACLS, "private"):
            return OK, f"{acl!r} accepted by the store (its effect is not checked)"
        plain = self.storage.unsigned_connection.meta.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": self.key}
        )
        status, body = _fetch(plain, self.storage.verify, self.timeout)
        public = acl in _PUBLIC_ACLS
        if public and status != 200:
            raise FailedCheckError(
                f"the store accepted {acl!r} but refuses anonymous reads "
                f"(HTTP {status} {_error_code(body)}): it ignores per-object ACLs",
                f"Allow public reads with a bucket policy and remove {_names('default_acl')}.",
            )
        if not public and status == 200:
            raise FailedCheckError(
                "anyone can read the files although the ACL is 'private'",
                "A bucket policy makes the objects public; remove that statement if they "
                "must stay private.",
            )
        return OK, f"{acl!r} applied: anonymous reads get HTTP {status}"

    def url(self) -> tuple[str, str]:
        # S3Storage.url, not the class's: a manifest storage would look the name up in it.
        url = S3Storage.url(self.storage, self.name)
        parts = urlsplit(url)
        shown = f"{parts.scheme}://{parts.netloc}{parts.path}"
        try:
            status, body = _fetch(url, self.storage.verify, self.timeout)
        except (OSError, ValueError) as err:
            raise FailedCheckError(
                f"GET {shown} failed: {err}",
                f"Check {_names('custom_domain')} and {_names('endpoint_url')}: browsers "
                "must reach that host.",
            ) from err
        if status == 200 and body == self.body:
            return OK, f"GET {shown} returned HTTP 200 and the object's bytes"
        code = _error_code(body) if status != 200 else "different bytes"
        if not self.storage.querystring_auth:
            fix = (
                "URLs are unsigned (querystring_auth=False) but the object is not public: "
                f"allow public reads with a bucket policy, or set {_names('querystring_auth')}."
            )
        elif self.storage.custom_domain:
            fix = (
                f"Check that {_names('custom_domain')} serves this bucket and location, and "
                "that its signing keys (cloudfront_key_id, cloudfront_key) are right."
            )
        else:
            fix = (
                f"Check {_names('region_name')} and {_names('signature_version')}; "
                "the signature in the URL was refused."
            )
        raise FailedCheckError(f"GET {shown} returned HTTP {status} ({code})", fix)

    def delete(self) -> tuple[str, str]:
        try:
            self._call("delete_object", Bucket=self.bucket, Key=self.key)
        except ClientError as err:
            failure = _explain(err, "s3:DeleteObject", self.objects)
            raise FailedCheckError(
                failure.detail, f"{failure.fix} Then delete {self.key!r} by hand."
            ) from err
        self.written = False
        return OK, "removed the temporary object"
