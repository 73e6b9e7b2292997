"""Keep credentials out of the SDK's debug logs.

At DEBUG level botocore logs each request's headers (``Authorization:
... Credential=<access key id>/...``, ``X-Amz-Security-Token: <token>``) and
the canonical request it signs. A site that turns on DEBUG logging to chase a
problem would write those to its log files. The filter below rewrites such
records, replacing the credential values with ``***``; it matches on the
shape of the text, so it stores no secret itself.
"""

from __future__ import annotations

import logging
import re
import threading

__all__ = ["RedactCredentials", "install", "redact"]

_MASK = "***"

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # SigV4 header and query: Credential=AKID/date/... or X-Amz-Credential=AKID%2Fdate...
    (re.compile(r"(?i)(credential=)([^/%\s'\",&]+)"), r"\1" + _MASK),
    # Session tokens in headers (dict reprs, canonical requests) and query strings.
    (
        re.compile(r"(?i)(x-amz-security-token['\"]?\s*[:=]\s*b?['\"]?)([^'\"\s&|,]+)"),
        r"\1" + _MASK,
    ),
    # SigV2: AWSAccessKeyId=AKID in URLs, "AWS AKID:signature" in Authorization headers.
    (re.compile(r"(?i)(awsaccesskeyid=)([^&\s'\"]+)"), r"\1" + _MASK),
    (re.compile(r"(?i)(authorization['\"]?\s*:\s*b?['\"]?AWS )([^:'\"\s]+)"), r"\1" + _MASK),
)

#: Loggers whose records can carry credentials (their child loggers are not
#: covered by a filter on the parent, so each is named).
_LOGGERS = (
    "botocore.auth",
    "botocore.endpoint",
    "botocore.httpsession",
    "botocore.hooks",
    "botocore.parsers",
    "botocore.retryhandler",
    "botocore.client",
    "botocore.signers",
    "urllib3.connectionpool",
    "s3transfer.utils",
    "s3transfer.tasks",
)


def redact(text: str) -> str:
    """Return ``text`` with access key ids and session tokens replaced by ``***``."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactCredentials(logging.Filter):
    """A logging filter that masks credentials in a record's message."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message if it carries credentials; never drop it."""
        try:
            message = record.getMessage()
        except Exception:  # a broken record is the logging system's business
            return True
        masked = redact(message)
        if masked != message:
            record.msg = masked
            record.args = None
        return True


_FILTER = RedactCredentials()
_installed = False
_lock = threading.Lock()


def install() -> None:
    """Attach the filter to the SDK's loggers (once per process)."""
    global _installed
    if _installed:
        return
    with _lock:
        if not _installed:
            for name in _LOGGERS:
                logging.getLogger(name).addFilter(_FILTER)
            _installed = True
