"""url() with temporary credentials: no URL outlives the credentials that sign it (#1493).

The credentials are real botocore ``RefreshableCredentials`` with a fake
refresh function and a clock frozen with the signers' (``test_url_support``).
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
from botocore.credentials import RefreshableCredentials
from test_url_support import FROZEN, RefreshingStorage, botocore_url, frozen_clock
from test_url_support import make as plain_storage

from storages.backends._s3.urls import presign as _s3_presign
from storages.backends._s3.urls.expiry import credentials_expiry

__all__ = ["frozen_clock"]

NOW = datetime.fromtimestamp(FROZEN, UTC)
LOGGER = "storages.backends._s3.urls.expiry"
SECRETS = ("AKIDTEMP", "temp-secret", "temp-token", "AKIDNEXT", "next-secret", "next-token")


def temporary(seconds_left: float, refreshed_for: float = 3600) -> RefreshableCredentials:
    """Credentials expiring ``seconds_left`` after NOW; a refresh gives ``refreshed_for`` more."""
    refreshes: list[str] = []

    def refresh():
        refreshes.append("refresh")
        return {
            "access_key": "AKIDNEXT",
            "secret_key": "next-secret",
            "token": "next-token",
            "expiry_time": (NOW + timedelta(seconds=refreshed_for)).isoformat(),
        }

    credentials = RefreshableCredentials(
        "AKIDTEMP",
        "temp-secret",
        "temp-token",
        NOW + timedelta(seconds=seconds_left),
        refresh,
        "assume-role",
        time_fetcher=lambda: NOW,
    )
    credentials.refreshes = refreshes
    return credentials


def make(credentials, **options) -> RefreshingStorage:
    return RefreshingStorage(credentials, bucket_name="my-bucket", **options)


def field(url: str, name: str) -> str:
    match = re.search(rf"[?&]{name}=([^&]*)", url)
    assert match is not None, url
    return match.group(1)


def warnings_logged(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == LOGGER and r.levelno == logging.WARNING]


def test_a_sigv4_url_expires_with_its_credentials(frozen_clock, caplog):
    storage = make(temporary(1200), signature_version="s3v4")

    url = storage.url("a.txt")

    assert field(url, "X-Amz-Date") == "20260101T000000Z"
    assert field(url, "X-Amz-Expires") == "1200"
    assert isinstance(storage._runtime.url.signed, _s3_presign.SigV4Builder)
    # What botocore gives when asked for the lifetime the credentials have left.
    assert url == botocore_url(storage, "a.txt", expire=1200)


def test_a_sigv2_url_expires_with_its_credentials(frozen_clock):
    storage = make(temporary(1200), signature_version="s3")

    url = storage.url("a.txt", expire=7200)

    assert field(url, "Expires") == str(int(FROZEN) + 1200)
    assert isinstance(storage._runtime.url.signed, _s3_presign.SigV2Builder)
    assert url == botocore_url(storage, "a.txt", expire=1200)


def test_a_url_botocore_builds_is_clamped_too(frozen_clock):
    storage = make(temporary(1200), signature_version="s3v4")
    sse_c = {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": "k" * 32}

    url = storage.url("a.txt", parameters=sse_c)

    assert "x-amz-server-side-encryption-customer-algorithm" in field(url, "X-Amz-SignedHeaders")
    assert field(url, "X-Amz-Expires") == "1200"


def test_urls_within_the_credentials_lifetime_are_unchanged(frozen_clock, caplog):
    storage = make(temporary(1200), signature_version="s3v4")

    url = storage.url("a.txt", expire=1200)
    shorter = storage.url("a.txt", expire=60)

    assert field(url, "X-Amz-Expires") == "1200"
    assert field(shorter, "X-Amz-Expires") == "60"
    assert shorter == botocore_url(storage, "a.txt", expire=60)
    assert warnings_logged(caplog) == []


def test_one_warning_per_storage_with_the_numbers_and_no_secret(frozen_clock, caplog):
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    credentials = temporary(1200)
    storage = make(credentials, signature_version="s3v4")

    for name in ("a.txt", "b.txt", "a.txt"):
        storage.url(name)
    storage.url("c.txt", expire=7200)
    [warning] = warnings_logged(caplog)
    make(credentials, signature_version="s3v4").url("a.txt")

    assert len(warnings_logged(caplog)) == 2
    message = warning.getMessage()
    assert message == (
        "Presigned URLs of bucket 'my-bucket' expire before the 3600 seconds asked for: "
        "this one is valid for 1200 seconds, because the credentials that sign it expire "
        "at 2026-01-01T00:20:00+00:00. Use longer-lived credentials, or a shorter "
        "querystring_expire (logged once per storage)."
    )
    logged = "\n".join(record.getMessage() for record in caplog.records if record.name == LOGGER)
    assert not [secret for secret in SECRETS if secret in logged]


def test_credentials_refreshed_by_botocore_give_their_new_lifetime(frozen_clock, caplog):
    # 300 s left is inside botocore's 15-minute refresh window: it refreshes
    # before signing, and the URL gets the new credentials' 1800 s.
    credentials = temporary(300, refreshed_for=1800)
    storage = make(credentials, signature_version="s3v4")

    url = storage.url("a.txt")

    assert credentials.refreshes  # botocore called the refresh function
    assert field(url, "X-Amz-Credential").startswith("AKIDNEXT%2F")
    assert field(url, "X-Amz-Expires") == "1800"
    assert "1800 seconds" in warnings_logged(caplog)[0].getMessage()


def test_unsigned_urls_ignore_the_credentials(frozen_clock, caplog):
    storage = make(temporary(1200), querystring_auth=False)

    assert storage.url("a.txt") == "https://my-bucket.s3.amazonaws.com/a.txt"
    assert warnings_logged(caplog) == []


def test_plain_credentials_never_expire(frozen_clock):
    storage = plain_storage(signature_version="s3v4")

    assert field(storage.url("a.txt"), "X-Amz-Expires") == "3600"
    assert credentials_expiry(storage._runtime.url.credentials) is None


@pytest.mark.parametrize(
    ("expiry", "expected"),
    [
        (NOW + timedelta(seconds=90), FROZEN + 90),
        (datetime.fromtimestamp(FROZEN, UTC).replace(tzinfo=None), FROZEN),  # naive: UTC
    ],
)
def test_credentials_expiry_reads_refreshable_credentials(expiry, expected):
    credentials = RefreshableCredentials("A", "S", None, expiry, lambda: {}, "test")

    assert credentials_expiry(credentials) == expected
