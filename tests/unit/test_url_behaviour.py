"""url(): no session per thread or instance, credentials read per call, replaced connections."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from unittest import mock
from urllib.parse import urlencode

import pytest
from botocore.credentials import RefreshableCredentials
from botocore.exceptions import NoCredentialsError
from django.utils.encoding import filepath_to_uri
from test_url_support import KEYS, RefreshingStorage, botocore_url, frozen_clock, make, sessions

from storages.backends._s3.urls import presign as _s3_presign
from storages.backends.s3 import S3Storage

# Fixtures used by name below (pytest finds them among this module's globals).
__all__ = ["frozen_clock", "sessions"]


# -- no session per thread or per instance -------------------------------------


def test_a_new_thread_builds_no_session(sessions, frozen_clock):
    storage = make(signature_version="s3v4")
    first = storage.url("a.txt")
    sessions_after_first_url = len(sessions)
    results = []
    thread = threading.Thread(target=lambda: results.append(storage.url("a.txt")))
    thread.start()
    thread.join()

    assert results == [first]
    assert len(sessions) == sessions_after_first_url
    assert storage._connections.__dict__.get("connection") is None


def test_a_new_storage_with_the_same_settings_builds_no_session(sessions, frozen_clock):
    make(signature_version="s3v4", location="one").url("a.txt")
    before = len(sessions)

    url = make(signature_version="s3v4", location="one").url("a.txt")

    assert len(sessions) == before
    assert url == botocore_url(make(signature_version="s3v4", location="one"), "a.txt")


def test_custom_domain_urls_make_no_boto3_call(sessions):
    storage = make(custom_domain="cdn.example.com/static", location="media")
    names = ["a b/ü.txt", "x&y=z!*()'~", "plain/path.css", "", "trailing/", "back\\slash"]
    expected = [
        f"https://cdn.example.com/static/{filepath_to_uri(storage._key(name))}" for name in names
    ]

    assert [storage.url(name) for name in names] == expected
    assert storage.url("a.txt", {"v": "1 2", "w": "é"}) == (
        "https://cdn.example.com/static/media/a.txt?" + urlencode({"v": "1 2", "w": "é"})
    )
    assert sessions == []


def test_unsigned_urls_need_no_credentials(sessions):
    storage = S3Storage(bucket_name="my-bucket", querystring_auth=False, region_name="eu-west-1")
    storage.url("warm.txt")
    before = len(sessions)

    url = storage.url("a b.txt")

    assert url == "https://my-bucket.s3.amazonaws.com/a%20b.txt"
    assert len(sessions) == before


# -- credentials are read at call time ------------------------------------------


def test_refreshable_credentials_are_read_at_each_call(frozen_clock):
    clock = [datetime.now(UTC)]
    issued = iter(["AKIDSECOND"])

    def refresh():
        return {
            "access_key": next(issued),
            "secret_key": "rotated-secret",
            "token": "rotated-token",
            "expiry_time": (clock[0] + timedelta(hours=1)).isoformat(),
        }

    credentials = RefreshableCredentials(
        "AKIDFIRST",
        "first-secret",
        "first-token",
        clock[0] + timedelta(hours=1),
        refresh,
        "assume-role",
        time_fetcher=lambda: clock[0],
    )
    storage = RefreshingStorage(credentials, bucket_name="my-bucket", signature_version="s3v4")
    first = storage.url("a.txt")
    clock[0] += timedelta(hours=2)  # past expiry: the next signature must refresh

    second = storage.url("a.txt")

    assert "X-Amz-Credential=AKIDFIRST%2F" in first
    assert "X-Amz-Credential=AKIDSECOND%2F" in second
    assert "X-Amz-Security-Token=rotated-token&" in second
    assert second == botocore_url(storage, "a.txt")
    assert isinstance(storage._runtime.url.signed, _s3_presign.SigV4Builder)


def test_no_credentials_raises_botocore_error():
    storage = S3Storage(bucket_name="my-bucket", region_name="eu-west-1")
    with pytest.raises(NoCredentialsError, match=r"^Unable to locate credentials$"):
        storage.url("a.txt")


# -- user code that replaced things keeps botocore --------------------------------


def test_a_replaced_connection_builds_the_url():
    storage = make()
    storage.url("warm.txt")
    stub = mock.MagicMock()
    stub.meta.client.generate_presigned_url.return_value = "https://stub/url"
    storage._connections.connection = stub

    assert storage.url("a.txt", expire=10) == "https://stub/url"
    stub.meta.client.generate_presigned_url.assert_called_once_with(
        "get_object",
        Params={"Bucket": stub.Bucket.return_value.name, "Key": "a.txt"},
        ExpiresIn=10,
        HttpMethod=None,
    )


def test_a_replaced_unsigned_connection_builds_the_url():
    storage = make(querystring_auth=False)
    stub = mock.MagicMock()
    stub.meta.client.generate_presigned_url.return_value = "https://stub/unsigned"
    storage._unsigned_connections.connection = stub

    assert storage.url("a.txt") == "https://stub/unsigned"


def test_our_own_connection_does_not_stop_local_signing(frozen_clock):
    storage = make(signature_version="s3v4")
    connection = storage.connection

    assert storage.url("a.txt") == botocore_url(storage, "a.txt")
    assert storage.connection is connection
    assert isinstance(storage._runtime.url.signed, _s3_presign.SigV4Builder)


def test_a_bucket_of_another_name_builds_the_url(frozen_clock):
    storage = make(signature_version="s3v4")
    storage._bucket = storage.connection.Bucket("other-bucket")

    assert storage.url("a.txt").startswith("https://other-bucket.s3.amazonaws.com/a.txt?")


def test_a_subclass_with_its_own_connection_keeps_botocore():
    stub = mock.MagicMock()
    stub.meta.client.generate_presigned_url.return_value = "https://stub/sub"

    class StubbedStorage(S3Storage):
        connection = stub

    storage = StubbedStorage(bucket_name="my-bucket", **KEYS)
    assert storage.url("a.txt") == "https://stub/sub"
    assert storage._runtime.url.fast is False


def test_an_overridden_normalize_name_is_honoured(frozen_clock):
    class Prefixed(S3Storage):
        def _normalize_name(self, name):
            return "tenant-7/" + super()._normalize_name(name)

    storage = Prefixed(bucket_name="my-bucket", signature_version="s3v4", **KEYS)
    assert storage.url("a.txt").startswith("https://my-bucket.s3.amazonaws.com/tenant-7/a.txt?")
