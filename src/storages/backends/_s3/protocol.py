"""What the S3 protocol fixes: limits, the HTTP statuses we act on, and S3 error codes.

Every number or code the engine relies on is named here once, with the S3
behaviour that forces it, so that no module compares a status with a bare
``412`` or sizes a batch with a bare ``1000``.

The values are Amazon S3's. S3-compatible stores sometimes differ (a lower
key limit, no conditional writes, another answer to an unsupported header);
such provider quirks belong here too, next to the AWS value they replace,
rather than as special cases at the call sites.

This module imports nothing, so that the settings checks can use it without
loading boto3.
"""

from __future__ import annotations

__all__ = [
    "ACCESS_DENIED",
    "HTTP_FORBIDDEN",
    "HTTP_MOVED_PERMANENTLY",
    "HTTP_NOT_FOUND",
    "HTTP_NOT_IMPLEMENTED",
    "HTTP_PRECONDITION_FAILED",
    "INTERNAL_ERROR",
    "MAX_DELETE_KEYS",
    "MAX_KEY_BYTES",
    "MAX_LIST_KEYS",
    "MAX_PARTS",
    "MAX_PART_SIZE",
    "MAX_PRESIGNED_EXPIRY",
    "MAX_PUT_SIZE",
    "MIN_PART_SIZE",
    "NOT_IMPLEMENTED",
    "NO_SUCH_BUCKET",
    "NO_SUCH_KEY",
    "PERMANENT_REDIRECT",
    "SERVICE_UNAVAILABLE",
    "SLOW_DOWN",
]

# -- limits ----------------------------------------------------------------------

#: Object keys are at most 1,024 bytes of UTF-8; longer keys get KeyTooLongError.
MAX_KEY_BYTES = 1024
#: Every part of a multipart upload but the last is at least 5 MiB, or the
#: completion fails with EntityTooSmall.
MIN_PART_SIZE = 5 * 1024**2
#: A part is at most 5 GiB.
MAX_PART_SIZE = 5 * 1024**3
#: One PutObject (or browser POST) stores at most 5 GiB; larger objects need a
#: multipart upload.
MAX_PUT_SIZE = 5 * 1024**3
#: Part numbers run from 1 to 10,000.
MAX_PARTS = 10_000
#: One DeleteObjects request names at most 1,000 keys (MalformedXML beyond).
MAX_DELETE_KEYS = 1000
#: One ListObjectsV2 page carries at most 1,000 keys.
MAX_LIST_KEYS = 1000
#: A Signature Version 4 presigned URL is valid for at most 7 days; S3 refuses
#: a longer X-Amz-Expires (AuthorizationQueryParametersError).
MAX_PRESIGNED_EXPIRY = 7 * 24 * 3600

# -- HTTP statuses -----------------------------------------------------------------

#: A request to a bucket in another region, without the region's endpoint.
HTTP_MOVED_PERMANENTLY = 301
#: Access denied: among others, a ListObjectsV2 without s3:ListBucket.
HTTP_FORBIDDEN = 403
#: No such key (or bucket). HEAD answers carry no body, so no error code: a
#: missing object is recognised by this status alone.
HTTP_NOT_FOUND = 404
#: A condition failed: If-None-Match ``*`` on a key that exists now, or
#: If-Match with an ETag the object no longer has.
HTTP_PRECONDITION_FAILED = 412
#: The store does not implement a header it was sent (stores without
#: conditional writes answer If-None-Match this way).
HTTP_NOT_IMPLEMENTED = 501

# -- error codes (the ``Code`` of an error response) ------------------------------------

#: The credentials are valid but not allowed to do this.
ACCESS_DENIED = "AccessDenied"
#: The bucket does not exist.
NO_SUCH_BUCKET = "NoSuchBucket"
#: The bucket lives in another region than the endpoint asked.
PERMANENT_REDIRECT = "PermanentRedirect"
#: The store does not implement the operation (GetBucketLocation on some stores).
NOT_IMPLEMENTED = "NotImplemented"
#: No such key. S3 deletes a missing key silently; some stores report it
#: among DeleteObjects' per-key errors.
NO_SUCH_KEY = "NoSuchKey"
#: S3 failed for now; the same request may succeed later (also a per-key
#: error in DeleteObjects' answer).
INTERNAL_ERROR = "InternalError"
#: Too many requests for now: slow down and retry.
SLOW_DOWN = "SlowDown"
#: The service is unavailable for now: retry.
SERVICE_UNAVAILABLE = "ServiceUnavailable"
