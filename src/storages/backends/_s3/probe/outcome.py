"""What a probe check reports: its status, what was seen, and the fix for an S3 error."""

from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import ClientError, NoCredentialsError

from ....conf import spellings
from ..errors import status_code
from ..options import S3_OPTIONS_BY_NAME
from ..protocol import (
    ACCESS_DENIED,
    HTTP_FORBIDDEN,
    HTTP_MOVED_PERMANENTLY,
    HTTP_NOT_FOUND,
    NO_SUCH_BUCKET,
    PERMANENT_REDIRECT,
)

__all__ = [
    "FAIL",
    "OK",
    "SKIP",
    "WARN",
    "FailedCheckError",
    "Result",
    "error_code",
    "explain",
    "names",
]

OK, FAIL, SKIP = "OK", "FAIL", "SKIP"
#: Works, but something costs money or time: printed with its fix, not a failure.
WARN = "WARN"


def names(option: str) -> str:
    """Return every spelling of the setting ``option``, as the fixes name it."""
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


def error_code(err: ClientError) -> str:
    """Return the S3 error code of ``err``; for a HEAD answer, which has none, from its status."""
    code = str(err.response.get("Error", {}).get("Code") or status_code(err) or "")
    return _CODE_OF_STATUS.get(code, code)


def explain(err: Exception, action: str, resource: str) -> FailedCheckError:
    """Turn an S3 or botocore error into what went wrong and how to fix it."""
    if isinstance(err, NoCredentialsError):
        return FailedCheckError(
            "no credentials found",
            f"Set {names('access_key')} and {names('secret_key')}, or "
            f"{names('session_profile')}, or run where boto3 finds credentials.",
        )
    if not isinstance(err, ClientError):
        return FailedCheckError(
            f"{type(err).__name__}: {err}",
            f"Check {names('endpoint_url')} and that the server is reachable from here; "
            f"for TLS errors see {names('verify')}.",
        )
    code = error_code(err)
    message = err.response.get("Error", {}).get("Message") or "no message"
    detail = f"{message} ({status_code(err)} {code})"
    fixes = {
        "InvalidAccessKeyId": f"Check {names('access_key')}: the server does not know it.",
        "SignatureDoesNotMatch": f"Check {names('secret_key')}: it does not belong to "
        "the access key ID.",
        "InvalidToken": f"Renew the temporary credentials ({names('security_token')}).",
        "ExpiredToken": f"Renew the temporary credentials ({names('security_token')}).",
        "RequestTimeTooSkewed": "Synchronise this machine's clock (NTP).",
        "AccessDenied": f"Allow {action} on {resource} for these credentials "
        "(IAM policy or bucket policy).",
        "NoSuchBucket": f"Create the bucket, or set {names('bucket_name')} to an existing one.",
        "PermanentRedirect": f"Set {names('region_name')} to the bucket's region.",
        "AuthorizationHeaderMalformed": f"Set {names('region_name')} to the bucket's region.",
        "AccessControlListNotSupported": "The bucket has ACLs disabled: remove "
        f"{names('default_acl')} and ACL from object_parameters, and grant access with "
        "a bucket policy.",
    }
    return FailedCheckError(
        detail, fixes.get(code, "See the store's documentation of this error code.")
    )
