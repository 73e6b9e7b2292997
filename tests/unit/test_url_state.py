"""url(): errors, settings changed after the first URL, pickling, secrets, retries, keys."""

from __future__ import annotations

import pickle
import re
import threading

import pytest
from botocore.exceptions import NoCredentialsError, ParamValidationError
from django.core.exceptions import SuspiciousOperation
from hypothesis import given, settings
from hypothesis import strategies as st
from test_url_support import KEYS, frozen_clock, make, sessions

from storages.backends._s3.urls import layout as _s3_url_layout
from storages.backends._s3.urls import presign as _s3_presign
from storages.backends._s3.urls.url import UrlState
from storages.backends.s3 import S3Storage

# Fixtures used by name below (pytest finds them among this module's globals).
__all__ = ["frozen_clock", "sessions"]


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

    assert clone._runtime.url is None
    assert clone.url("a.txt") == url


def test_the_url_state_shows_no_secret():
    storage = make(signature_version="s3v4", secret_key="very-secret-value")
    storage.url("a.txt")
    state = storage._runtime.url
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
    state = UrlState(storage)
    try:
        expected = storage._key(name)
    except (SuspiciousOperation, ValueError) as err:
        with pytest.raises(type(err), match=f"^{re.escape(str(err))}$"):
            state.key(storage, name)
    else:
        assert state.key(storage, name) == expected


@pytest.mark.parametrize("layout_known", [False, True], ids=["probe-fails", "no-credentials"])
def test_a_failed_lookup_is_retried_later_not_on_every_call(monkeypatch, sessions, layout_known):
    bucket = f"retry-{layout_known}".lower()
    if layout_known:  # another storage with these settings already learned the layout
        S3Storage(bucket_name=bucket, **KEYS).url("warm.txt")
    storage = S3Storage(bucket_name=bucket, region_name="eu-west-1")
    with pytest.raises(NoCredentialsError):
        storage.url("a.txt")
    built = len(sessions)
    with pytest.raises(NoCredentialsError):
        storage.url("a.txt")
    assert len(sessions) == built  # no new lookup: the thread's connection raised
    state = storage._runtime.url
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
    assert isinstance(storage._runtime.url.signed, _s3_presign.SigV4Builder)
