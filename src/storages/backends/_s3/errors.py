"""Where S3 errors become Python exceptions: the one mapping used by every operation."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from botocore.exceptions import ClientError

from .protocol import HTTP_NOT_FOUND, HTTP_NOT_IMPLEMENTED, NOT_IMPLEMENTED

__all__ = [
    "is_not_found",
    "is_not_implemented",
    "missing_file",
    "not_found_as_missing",
    "status_code",
]


def status_code(err: ClientError) -> int | None:
    """Return the HTTP status of a ClientError, if botocore recorded one."""
    status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return status if isinstance(status, int) else None


def is_not_found(err: ClientError) -> bool:
    """Return True for a 404 answer.

    Matches the reference: a 404 is recognised by its HTTP status, never by
    the error code (HEAD answers carry no code at all).
    """
    return status_code(err) == HTTP_NOT_FOUND


def is_not_implemented(err: ClientError) -> bool:
    """Return True when the store does not implement the request: a 501, or ``NotImplemented``.

    Stores without an operation answer either way (some send the code with
    400), so both are checked.
    """
    code = err.response.get("Error", {}).get("Code")
    return status_code(err) == HTTP_NOT_IMPLEMENTED or code == NOT_IMPLEMENTED


def missing_file(key: str) -> FileNotFoundError:
    """Build the error for a key that does not exist."""
    return FileNotFoundError(f"File does not exist: {key}")


@contextlib.contextmanager
def not_found_as_missing(key: str) -> Iterator[None]:
    """Turn a 404 ClientError inside the block into FileNotFoundError for ``key``."""
    try:
        yield
    except ClientError as err:
        if is_not_found(err):
            raise missing_file(key) from err
        raise
