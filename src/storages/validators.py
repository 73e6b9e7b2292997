"""Value checks used by the settings table: each returns what was expected, or None."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "CANNED_ACLS",
    "acl",
    "boolean",
    "choice",
    "endpoint_url",
    "instance_of",
    "mapping",
    "non_negative_int",
    "optional",
    "positive_int",
    "string_sequence",
    "text",
    "url_protocol",
    "verify",
]

#: A check takes the value and returns what was expected (a phrase), or None if it fits.
Check = Callable[[Any], "str | None"]

#: S3's canned ACLs (https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html).
CANNED_ACLS = (
    "private",
    "public-read",
    "public-read-write",
    "authenticated-read",
    "aws-exec-read",
    "bucket-owner-read",
    "bucket-owner-full-control",
    "log-delivery-write",
)


def optional(check: Check) -> Check:
    """Accept None, otherwise apply ``check``; the expectation mentions None."""

    def run(value: Any) -> str | None:
        if value is None:
            return None
        problem = check(value)
        return None if problem is None else f"{problem} or None"

    return run


def boolean(value: Any) -> str | None:
    """Expect True or False."""
    return None if isinstance(value, bool) else "True or False"


def text(value: Any) -> str | None:
    """Expect a string."""
    return None if isinstance(value, str) else "a string"


def non_negative_int(value: Any) -> str | None:
    """Expect a whole number >= 0 (not a bool)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return None
    return "a whole number >= 0"


def positive_int(value: Any) -> str | None:
    """Expect a whole number >= 1 (not a bool)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return None
    return "a whole number >= 1"


def mapping(value: Any) -> str | None:
    """Expect a dict."""
    return None if isinstance(value, Mapping) else "a dict"


def string_sequence(value: Any) -> str | None:
    """Expect a list, tuple or set of strings."""
    if isinstance(value, list | tuple | set | frozenset) and all(isinstance(v, str) for v in value):
        return None
    return "a list or tuple of strings"


def choice(*choices: str) -> Check:
    """Expect one of ``choices``."""

    def run(value: Any) -> str | None:
        if value in choices:
            return None
        return "one of " + ", ".join(repr(c) for c in choices)

    return run


def instance_of(cls_path: str, *types: type) -> Check:
    """Expect an instance of ``types`` (named ``cls_path`` in the message)."""

    def run(value: Any) -> str | None:
        return None if isinstance(value, types) else f"a {cls_path} instance"

    return run


def acl(value: Any) -> str | None:
    """Expect one of S3's canned ACLs."""
    if isinstance(value, str) and value in CANNED_ACLS:
        return None
    return "a canned ACL (" + ", ".join(CANNED_ACLS) + ")"


def url_protocol(value: Any) -> str | None:
    """Expect a scheme ending in ':' such as 'https:', or '' for protocol-relative URLs."""
    if isinstance(value, str) and (value == "" or value.endswith(":")):
        return None
    return "a protocol ending in ':' such as 'https:', or '' for protocol-relative URLs"


def endpoint_url(value: Any) -> str | None:
    """Expect an absolute http(s) URL such as 'https://s3.example.com:9000'."""
    expected = "an http:// or https:// URL with a host, such as 'https://s3.example.com:9000'"
    if not isinstance(value, str):
        return expected
    try:
        parts = urlsplit(value)
        _ = parts.port  # raises ValueError for a malformed port
    except ValueError:
        return expected
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return expected
    return None


def verify(value: Any) -> str | None:
    """Expect True, False, None or a CA bundle path."""
    if isinstance(value, bool | str):
        return None
    return "True, False or the path of a CA bundle"
