"""querystring_reuse_window: one URL per window, so browsers and CDNs can cache it (#1222).

Clocks are frozen at a window's edges (``test_url_support.freeze_clocks``
for S3 URLs, ``storages.backends.s3.datetime`` for CloudFront URLs). FROZEN
(2026-01-01T00:00:00Z) starts a 600-second window.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
from botocore.credentials import RefreshableCredentials
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from test_url_support import FROZEN, RefreshingStorage, botocore_url, freeze_clocks, make

from helpers import rsa_pem
from storages.backends import s3
from storages.backends._s3.urls import presign as _s3_presign
from storages.backends.s3 import S3Storage
from storages.checks import check_storages

WINDOW = 600
EXPIRE = 3600
#: Moments of the window that starts at FROZEN: its first second, inside, its last instant.
IN_WINDOW = [FROZEN, FROZEN + 1.5, FROZEN + 299, FROZEN + WINDOW - 0.001]


def field(url: str, name: str) -> str:
    match = re.search(rf"[?&]{name}=([^&]*)", url)
    assert match is not None, url
    return match.group(1)


def epoch(amz_date: str) -> int:
    return int(datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).timestamp())


def urls_at(monkeypatch, storage, moments, *args, **kwargs) -> list[str]:
    urls = []
    for moment in moments:
        freeze_clocks(monkeypatch, moment)
        urls.append(storage.url(*args, **kwargs))
    return urls


# -- SigV4 ---------------------------------------------------------------------


def test_sigv4_urls_are_identical_within_a_window(monkeypatch):
    storage = make(signature_version="s3v4", querystring_reuse_window=WINDOW)

    urls = urls_at(monkeypatch, storage, IN_WINDOW, "a.txt")

    assert len(set(urls)) == 1
    assert field(urls[0], "X-Amz-Date") == "20260101T000000Z"
    assert field(urls[0], "X-Amz-Expires") == str(EXPIRE + WINDOW)
    assert isinstance(storage._runtime.url.signed, _s3_presign.SigV4Builder)
    # What botocore signs at the window's start, for expire + window seconds.
    freeze_clocks(monkeypatch, FROZEN)
    assert urls[0] == botocore_url(storage, "a.txt", expire=EXPIRE + WINDOW)


def test_the_next_window_gets_a_new_url(monkeypatch):
    storage = make(signature_version="s3v4", querystring_reuse_window=WINDOW)

    moments = [FROZEN + WINDOW - 0.001, FROZEN + WINDOW, FROZEN + 2 * WINDOW - 1]

    last, edge, later = urls_at(monkeypatch, storage, moments, "a.txt")

    assert edge != last
    assert later == edge
    assert field(edge, "X-Amz-Date") == "20260101T001000Z"
    assert field(edge, "X-Amz-Expires") == str(EXPIRE + WINDOW)


@pytest.mark.parametrize("moment", [*IN_WINDOW, FROZEN + WINDOW])
def test_a_url_stays_valid_at_least_expire_and_at_most_expire_plus_window(monkeypatch, moment):
    storage = make(signature_version="s3v4", querystring_reuse_window=WINDOW)

    [url] = urls_at(monkeypatch, storage, [moment], "a.txt")

    valid_until = epoch(field(url, "X-Amz-Date")) + int(field(url, "X-Amz-Expires"))
    assert EXPIRE <= valid_until - moment <= EXPIRE + WINDOW


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"name": "a.txt"}, {"name": "b.txt"}),
        (
            {"name": "a.txt", "parameters": {"ResponseContentType": "text/plain"}},
            {"name": "a.txt", "parameters": {"ResponseContentType": "text/csv"}},
        ),
        ({"name": "a.txt"}, {"name": "a.txt", "http_method": "PUT"}),
        ({"name": "a.txt"}, {"name": "a.txt", "expire": 60}),
    ],
    ids=["name", "parameters", "method", "expire"],
)
def test_each_set_of_arguments_has_its_own_url(monkeypatch, first, second):
    storage = make(signature_version="s3v4", querystring_reuse_window=WINDOW)

    firsts = urls_at(monkeypatch, storage, IN_WINDOW[:2], **first)
    seconds = urls_at(monkeypatch, storage, IN_WINDOW[2:], **second)

    assert firsts[0] == firsts[1]
    assert seconds[0] == seconds[1]
    assert firsts[0] != seconds[0]


def test_an_expire_past_seven_days_with_the_window_is_signed_now(monkeypatch):
    storage = make(signature_version="s3v4", querystring_reuse_window=WINDOW)

    [url] = urls_at(monkeypatch, storage, [FROZEN + 30], "a.txt", expire=604800)

    assert field(url, "X-Amz-Date") == "20260101T000030Z"
    assert field(url, "X-Amz-Expires") == "604800"


def test_without_a_window_each_second_has_its_own_url(monkeypatch):
    storage = make(signature_version="s3v4")

    first, second = urls_at(monkeypatch, storage, [FROZEN, FROZEN + 1], "a.txt")

    assert first != second
    assert field(second, "X-Amz-Date") == "20260101T000001Z"
    assert field(second, "X-Amz-Expires") == str(EXPIRE)


def test_urls_botocore_builds_are_signed_at_the_call(monkeypatch):
    storage = make(signature_version="s3v4", querystring_reuse_window=WINDOW)
    sse_c = {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": "k" * 32}

    [url] = urls_at(monkeypatch, storage, [FROZEN + 30], "a.txt", parameters=sse_c)

    assert field(url, "X-Amz-Date") == "20260101T000030Z"
    assert field(url, "X-Amz-Expires") == str(EXPIRE)


def test_unsigned_urls_are_unchanged(monkeypatch):
    storage = make(querystring_auth=False, querystring_reuse_window=WINDOW)

    assert urls_at(monkeypatch, storage, [FROZEN], "a.txt") == [
        "https://my-bucket.s3.amazonaws.com/a.txt"
    ]


# -- SigV2 ---------------------------------------------------------------------


def test_sigv2_urls_are_identical_within_a_window(monkeypatch):
    storage = make(signature_version="s3", querystring_reuse_window=WINDOW)

    urls = urls_at(monkeypatch, storage, IN_WINDOW, "a.txt")
    [edge] = urls_at(monkeypatch, storage, [FROZEN + WINDOW], "a.txt")

    assert len(set(urls)) == 1
    assert field(urls[0], "Expires") == str(int(FROZEN) + EXPIRE + WINDOW)
    assert field(edge, "Expires") == str(int(FROZEN) + EXPIRE + 2 * WINDOW)
    assert isinstance(storage._runtime.url.signed, _s3_presign.SigV2Builder)
    freeze_clocks(monkeypatch, FROZEN)
    assert urls[0] == botocore_url(storage, "a.txt", expire=EXPIRE + WINDOW)


# -- CloudFront ------------------------------------------------------------------


@pytest.fixture(scope="module")
def pem() -> bytes:
    return rsa_pem()


def freeze_cloudfront_clock(monkeypatch, when: float) -> None:
    moment = datetime.fromtimestamp(when, UTC)

    class FrozenDatetime(datetime):
        @classmethod
        def now(cls, tz=None):
            return moment.astimezone(tz)

    monkeypatch.setattr(s3, "datetime", FrozenDatetime)


def test_cloudfront_urls_are_identical_within_a_window(monkeypatch, pem):
    storage = S3Storage(
        bucket_name="my-bucket",
        custom_domain="cdn.example.com",
        cloudfront_key_id="K1",
        cloudfront_key=pem,
        querystring_reuse_window=WINDOW,
    )
    urls = []
    for moment in [*IN_WINDOW, FROZEN + WINDOW]:
        freeze_cloudfront_clock(monkeypatch, moment)
        urls.append(storage.url("a.txt"))

    *same, edge = urls
    assert len(set(same)) == 1
    assert field(same[0], "Expires") == str(int(FROZEN) + EXPIRE + WINDOW)
    assert field(edge, "Expires") == str(int(FROZEN) + EXPIRE + 2 * WINDOW)


# -- with temporary credentials (#1493) ------------------------------------------


def test_credentials_expiring_in_the_window_end_its_url(monkeypatch, caplog):
    expiry = datetime.fromtimestamp(FROZEN + 1000, UTC)
    credentials = RefreshableCredentials(
        "AKIDTEMP",
        "temp-secret",
        "temp-token",
        expiry,
        lambda: {},
        "assume-role",
        time_fetcher=lambda: expiry - timedelta(seconds=990),
    )
    storage = RefreshingStorage(
        credentials,
        bucket_name="my-bucket",
        signature_version="s3v4",
        querystring_reuse_window=WINDOW,
    )

    urls = urls_at(monkeypatch, storage, [FROZEN + 10, FROZEN + 300], "a.txt")

    assert urls[0] == urls[1]
    assert field(urls[0], "X-Amz-Date") == "20260101T000000Z"
    assert field(urls[0], "X-Amz-Expires") == "1000"
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "3600 seconds asked for: this one is valid for 990 seconds" in warning.getMessage()


def test_a_window_cut_back_by_the_credentials_alone_is_not_worth_a_warning(monkeypatch, caplog):
    # Credentials expire after expire, but before expire + window: the URL
    # still keeps url()'s promise of EXPIRE seconds.
    now = datetime.fromtimestamp(FROZEN, UTC)
    credentials = RefreshableCredentials(
        "AKIDTEMP",
        "temp-secret",
        "temp-token",
        now + timedelta(seconds=EXPIRE + 100),
        lambda: {},
        "assume-role",
        time_fetcher=lambda: now,
    )
    storage = RefreshingStorage(
        credentials,
        bucket_name="my-bucket",
        signature_version="s3v4",
        querystring_reuse_window=WINDOW,
    )

    [url] = urls_at(monkeypatch, storage, [FROZEN + 50], "a.txt")

    assert field(url, "X-Amz-Expires") == str(EXPIRE + 100)
    assert [r for r in caplog.records if r.levelno == logging.WARNING] == []


# -- the setting -----------------------------------------------------------------


def test_the_window_defaults_to_zero_and_reads_settings_then_the_environment(monkeypatch):
    assert S3Storage().querystring_reuse_window == 0
    monkeypatch.setenv("AWS_QUERYSTRING_REUSE_WINDOW", " 900 ")
    assert S3Storage().querystring_reuse_window == 900
    with override_settings(AWS_QUERYSTRING_REUSE_WINDOW=300):
        assert S3Storage().querystring_reuse_window == 300
        assert S3Storage(querystring_reuse_window=60).querystring_reuse_window == 60


@pytest.mark.parametrize(
    ("options", "env", "found"),
    [
        ({"querystring_reuse_window": -1}, None, "-1 (int)"),
        ({"querystring_reuse_window": 1.5}, None, "1.5 (float)"),
        ({"querystring_reuse_window": True}, None, "True (bool)"),
        ({}, "10m", "'10m' (str)"),
    ],
    ids=["negative", "float", "bool", "env-text"],
)
def test_the_window_must_be_a_whole_number(monkeypatch, options, env, found):
    if env is not None:
        monkeypatch.setenv("AWS_QUERYSTRING_REUSE_WINDOW", env)

    with pytest.raises(ImproperlyConfigured) as info:
        S3Storage(**options)

    assert str(info.value) == (
        "Invalid value for AWS_QUERYSTRING_REUSE_WINDOW / querystring_reuse_window: found "
        f"{found}; expected a whole number >= 0."
    )


def test_a_window_past_seven_days_with_the_expiry_is_refused():
    with pytest.raises(ImproperlyConfigured) as info:
        S3Storage(querystring_reuse_window=86400, querystring_expire=518401)

    assert str(info.value) == (
        "querystring_reuse_window (86400) plus querystring_expire (518401) is 604801 seconds: "
        "a URL reused until the end of its window must stay valid that long, and S3 accepts "
        "at most 604800 (7 days) for a presigned URL. Lower AWS_QUERYSTRING_REUSE_WINDOW / "
        "querystring_reuse_window or AWS_QUERYSTRING_EXPIRE / querystring_expire so that "
        "they add up to 604800 seconds or less."
    )


@pytest.mark.parametrize(
    "options",
    [
        {"querystring_expire": 518400},
        {"querystring_expire": 604800, "custom_domain": "cdn.example.com"},
        {"querystring_expire": 604800, "signature_version": "s3"},
        {"querystring_expire": 604800, "querystring_auth": False},
    ],
    ids=["seven-days-exactly", "cloudfront", "sigv2", "unsigned"],
)
def test_windows_that_s3_never_sees_past_seven_days_are_accepted(options):
    storage = S3Storage(querystring_reuse_window=86400, **options)

    assert storage.querystring_reuse_window == 86400


def test_the_system_check_reports_the_refusal():
    options = {"bucket_name": "media", "querystring_reuse_window": 86400}
    with override_settings(
        STORAGES={"default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}},
        AWS_QUERYSTRING_EXPIRE=604800,
    ):
        errors = [m for m in check_storages() if m.id == "storages.E008"]

    assert [str(m) for m in errors] == [
        "STORAGES['default']: (storages.E008) querystring_reuse_window (86400) plus "
        "querystring_expire (604800) is 691200 seconds, more than the 604800 (7 days) S3 "
        "accepts for a presigned URL; S3Storage refuses to start with it.\n"
        "\tHINT: Lower AWS_QUERYSTRING_REUSE_WINDOW / querystring_reuse_window or "
        "AWS_QUERYSTRING_EXPIRE / querystring_expire so that they add up to 604800 seconds "
        "or less."
    ]
