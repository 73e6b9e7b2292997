"""url(): when it signs locally, when it defers to botocore, and what it never does."""

from __future__ import annotations

import pickle
import re
import threading
import types
from datetime import UTC, datetime, timedelta
from unittest import mock
from urllib.parse import urlencode

import boto3
import botocore.auth
import botocore.session
import pytest
from botocore.credentials import CredentialProvider, CredentialResolver, RefreshableCredentials
from botocore.exceptions import NoCredentialsError, ParamValidationError
from django.core.exceptions import SuspiciousOperation
from django.utils.encoding import filepath_to_uri
from hypothesis import given, settings
from hypothesis import strategies as st

from storages.backends import _s3_presign, _s3_url_layout
from storages.backends._s3_url import _UrlState
from storages.backends.s3 import S3Storage

FROZEN = 1767225600.0
KEYS = {"access_key": "AKIDEXAMPLE", "secret_key": "secret", "region_name": "eu-west-1"}


@pytest.fixture
def frozen_clock(monkeypatch):
    moment = datetime.fromtimestamp(FROZEN, UTC).replace(tzinfo=None)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *a, **k: moment)
    monkeypatch.setattr(botocore.auth, "time", types.SimpleNamespace(time=lambda: FROZEN))
    monkeypatch.setattr(_s3_presign, "now", lambda: FROZEN)


@pytest.fixture
def count_sessions(monkeypatch):
    """Count the boto3 Sessions built (S3Storage._create_session looks boto3.Session up)."""
    built = []
    real = boto3.Session

    def counting(*args, **kwargs):
        built.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(boto3, "Session", counting)
    return built


def make(**options):
    return S3Storage(bucket_name="my-bucket", **{**KEYS, **options})


def botocore_url(storage, name, **kwargs):
    """What the reference implementation returns: the connection's generate_presigned_url."""
    params = {**(kwargs.get("parameters") or {}), "Bucket": "my-bucket", "Key": storage._key(name)}
    connection = storage.connection if storage.querystring_auth else storage.unsigned_connection
    return connection.meta.client.generate_presigned_url(
        "get_object",
        Params=params,
        ExpiresIn=kwargs.get("expire") or storage.querystring_expire,
        HttpMethod=kwargs.get("http_method"),
    )


# -- no session per thread or per instance -------------------------------------


def test_a_new_thread_builds_no_session(count_sessions, frozen_clock):
    storage = make(signature_version="s3v4")
    first = storage.url("a.txt")
    sessions_after_first_url = len(count_sessions)
    results = []
    thread = threading.Thread(target=lambda: results.append(storage.url("a.txt")))
    thread.start()
    thread.join()

    assert results == [first]
    assert len(count_sessions) == sessions_after_first_url
    assert storage._connections.__dict__.get("connection") is None


def test_a_new_storage_with_the_same_settings_builds_no_session(count_sessions, frozen_clock):
    make(signature_version="s3v4", location="one").url("a.txt")
    before = len(count_sessions)

    url = make(signature_version="s3v4", location="one").url("a.txt")

    assert len(count_sessions) == before
    assert url == botocore_url(make(signature_version="s3v4", location="one"), "a.txt")


def test_custom_domain_urls_make_no_boto3_call(count_sessions):
    storage = make(custom_domain="cdn.example.com/static", location="media")
    names = ["a b/ü.txt", "x&y=z!*()'~", "plain/path.css", "", "trailing/", "back\\slash"]
    expected = [
        f"https://cdn.example.com/static/{filepath_to_uri(storage._key(name))}" for name in names
    ]

    assert [storage.url(name) for name in names] == expected
    assert storage.url("a.txt", {"v": "1 2", "w": "é"}) == (
        "https://cdn.example.com/static/media/a.txt?" + urlencode({"v": "1 2", "w": "é"})
    )
    assert count_sessions == []


def test_unsigned_urls_need_no_credentials(count_sessions):
    storage = S3Storage(bucket_name="my-bucket", querystring_auth=False, region_name="eu-west-1")
    storage.url("warm.txt")
    before = len(count_sessions)

    url = storage.url("a b.txt")

    assert url == "https://my-bucket.s3.amazonaws.com/a%20b.txt"
    assert len(count_sessions) == before


# -- credentials are read at call time ------------------------------------------


class FixedProvider(CredentialProvider):
    """A credential provider that hands out one given Credentials object."""

    METHOD = "test"

    def __init__(self, credentials):
        self.credentials = credentials

    def load(self):
        return self.credentials


class RefreshingStorage(S3Storage):
    """A storage whose session holds rotating credentials, like an assumed role's."""

    def __init__(self, credentials, **kwargs):
        self.test_credentials = credentials
        super().__init__(**kwargs)

    def _create_session(self):
        core = botocore.session.get_session()
        resolver = CredentialResolver([FixedProvider(self.test_credentials)])
        core.register_component("credential_provider", resolver)
        return boto3.Session(botocore_session=core, region_name="eu-west-1")


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
    assert isinstance(storage._transient["url"].signed, _s3_presign.SigV4Builder)


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
    assert isinstance(storage._transient["url"].signed, _s3_presign.SigV4Builder)


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
    assert storage._transient["url"].fast is False


def test_an_overridden_normalize_name_is_honoured(frozen_clock):
    class Prefixed(S3Storage):
        def _normalize_name(self, name):
            return "tenant-7/" + super()._normalize_name(name)

    storage = Prefixed(bucket_name="my-bucket", signature_version="s3v4", **KEYS)
    assert storage.url("a.txt").startswith("https://my-bucket.s3.amazonaws.com/tenant-7/a.txt?")


# -- errors are botocore's (or the key checks') ------------------------------------


def test_an_empty_key_raises_botocore_validation_error():
    with pytest.raises(ParamValidationError) as raised:
        make().url("")
    assert str(raised.value) == (
        "Parameter validation failed:\nInvalid length for parameter Key, value: 0, "
        "valid min length: 1"
    )


def test_a_missing_bucket_name_raises_as_before():
    # As in the reference: boto3 refuses to build Bucket(None).
    storage = S3Storage(**KEYS)
    with pytest.raises(ValueError, match=r"^Required parameter name not set$"):
        storage.url("a.txt")


def test_an_escaping_name_raises_suspicious_operation():
    storage = make(location="media")
    with pytest.raises(SuspiciousOperation, match=r"^Attempted access to '\.\./x' denied\.$"):
        storage.url("../x")


def test_a_too_long_key_is_refused_on_the_fast_path_too():
    storage = make(location="media")
    storage.url("warm.txt")
    name = "n" * 1019  # with "media/" that is 1025 bytes
    with pytest.raises(ValueError) as slow_path:
        storage._key(name)
    assert str(slow_path.value).endswith("is 1025 bytes of UTF-8; S3 keys are at most 1024 bytes.")

    with pytest.raises(ValueError, match=f"^{re.escape(str(slow_path.value))}$"):
        storage.url(name)
    assert storage.url("n" * 1018).startswith("https://my-bucket.s3.amazonaws.com/media/nnn")


# -- settings read at call time, pickling -------------------------------------------


def test_location_changes_after_the_first_url(frozen_clock):
    storage = make(location="one")
    storage.url("a.txt")
    storage.location = "two"

    assert "/two/a.txt?" in storage.url("a.txt")


def test_querystring_auth_changes_after_the_first_url(frozen_clock):
    storage = make(signature_version="s3v4")
    assert "X-Amz-Signature=" in storage.url("a.txt")
    storage.querystring_auth = False
    assert storage.url("a.txt") == "https://my-bucket.s3.amazonaws.com/a.txt"


def test_an_unpickled_storage_signs_the_same_urls(frozen_clock):
    storage = make(signature_version="s3v4", security_token="tok")
    url = storage.url("a.txt")

    clone = pickle.loads(pickle.dumps(storage))

    assert "url" not in clone._transient
    assert clone.url("a.txt") == url


def test_the_url_state_shows_no_secret():
    storage = make(signature_version="s3v4", secret_key="very-secret-value")
    storage.url("a.txt")
    state = storage._transient["url"]
    shown = repr(state.signed) + repr(state.signed.layout)
    assert "very-secret-value" not in shown
    assert "AKIDEXAMPLE" not in shown


def test_the_shared_layout_cache_is_keyed_without_secrets():
    storage = make(secret_key="very-secret-value", security_token="token-value")
    fingerprint = repr(_s3_url_layout.layout_fingerprint(storage, True))
    assert "very-secret-value" not in fingerprint
    assert "token-value" not in fingerprint
    assert "AKIDEXAMPLE" not in fingerprint


# -- the fast key path is _key() ------------------------------------------------------

NAME_CHARS = st.sampled_from([*"ab./\\ é~+%", "..", "\x00"])


@settings(max_examples=400, deadline=None)
@given(
    location=st.sampled_from(["", "media", "media/", "a/b", "é"]),
    name=st.lists(NAME_CHARS, max_size=8).map("".join),
)
def test_the_fast_key_is_always_key(location, name):
    storage = make(location=location)
    state = _UrlState(storage)
    try:
        expected = storage._key(name)
    except (SuspiciousOperation, ValueError) as err:
        with pytest.raises(type(err), match=f"^{re.escape(str(err))}$"):
            state.key(storage, name)
    else:
        assert state.key(storage, name) == expected


@pytest.mark.parametrize("layout_known", [False, True], ids=["probe-fails", "no-credentials"])
def test_a_failed_lookup_is_retried_later_not_on_every_call(
    monkeypatch, count_sessions, layout_known
):
    bucket = f"retry-{layout_known}".lower()
    if layout_known:  # another storage with these settings already learned the layout
        S3Storage(bucket_name=bucket, **KEYS).url("warm.txt")
    storage = S3Storage(bucket_name=bucket, region_name="eu-west-1")
    with pytest.raises(NoCredentialsError):
        storage.url("a.txt")
    sessions = len(count_sessions)
    with pytest.raises(NoCredentialsError):
        storage.url("a.txt")
    assert len(count_sessions) == sessions  # no new lookup: the thread's connection raised
    state = storage._transient["url"]
    retry = state.credentials if layout_known else state.signed
    assert type(retry).__name__ == "_Retry"

    # Credentials appear (a container role becomes ready) and the delay passed.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDLATE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "late-secret")
    monkeypatch.setattr(retry, "at", 0.0)
    urls = []
    thread = threading.Thread(target=lambda: urls.append(storage.url("a.txt")))
    thread.start()
    thread.join()

    assert urls[0].startswith(f"https://{bucket}.s3.amazonaws.com/a.txt?AWSAccessKeyId=AKIDLATE&")
    assert isinstance(state.signed, _s3_presign.SigV2Builder)


def test_bucket_name_changes_after_the_first_url(frozen_clock):
    storage = make(signature_version="s3v4")
    storage.url("a.txt")
    storage.bucket_name = "other-bucket"

    url = storage.url("a.txt")

    assert url.startswith("https://other-bucket.s3.amazonaws.com/a.txt?")
    assert isinstance(storage._transient["url"].signed, _s3_presign.SigV4Builder)
