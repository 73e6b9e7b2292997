"""Arbitrary names either round-trip under ``location`` or are refused; no key escapes."""

from __future__ import annotations

import urllib.parse

import pytest
from django.core.exceptions import SuspiciousFileOperation, SuspiciousOperation
from django.core.files.base import ContentFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.integration

REFUSED = (SuspiciousOperation, SuspiciousFileOperation, ValueError)

# SeaweedFS (unlike S3) limits each path segment to 255 bytes; segments stay under
# that so that what is exercised here is the storage's own rules.
_segment = st.one_of(
    st.sampled_from(["..", ".", "", "~", "a b", "é", "%2F", "+", "#", "?", "\\", "\x00", "\n"]),
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), max_codepoint=0x2FFFF),
        min_size=1,
        max_size=40,
    ),
)
names = st.one_of(
    st.lists(_segment, min_size=1, max_size=6).map("/".join),
    st.lists(_segment, min_size=1, max_size=4).map(lambda parts: "/" + "/".join(parts)),
    # Past S3's 1024-byte limit with short enough segments.
    st.integers(min_value=4, max_value=7).map(lambda n: "/".join(["y" * 200] * n)),
    st.just("a/" * 520),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(name=names)
def test_names_round_trip_or_are_refused(make_storage, s3_client, bucket_name, name):
    storage = make_storage(location="loc")
    try:
        saved = storage.save(name, ContentFile(b"payload"))
    except REFUSED:
        _assert_confined(s3_client, bucket_name)
        return
    key = storage._key(saved)
    assert key.startswith("loc/")
    assert storage.exists(saved)
    with storage.open(saved, "rb") as f:
        assert f.read() == b"payload"
    assert urllib.parse.quote(key, safe="/~") in storage.url(saved)
    assert key in _keys(s3_client, bucket_name)
    _assert_confined(s3_client, bucket_name)
    storage.delete(saved)
    assert not storage.exists(saved)


def _keys(client, bucket):
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return {item["Key"] for page in pages for item in page.get("Contents", [])}


def _assert_confined(client, bucket):
    assert all(key.startswith("loc/") for key in _keys(client, bucket))


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "x" * 1100,
            "The key 'loc/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' is 1104 "
            "bytes of UTF-8; S3 keys are at most 1024 bytes.",
        ),
        ("a\x00b", "The name 'loc/a\\x00b' contains a NUL character."),
        ("bad\udcff", "The name 'loc/bad\\udcff' is not valid Unicode text."),
    ],
)
def test_unstorable_names_are_refused_before_any_request(make_storage, name, message):
    storage = make_storage(location="loc")
    for call in (storage.exists, storage.url, storage.delete, storage.size):
        with pytest.raises(ValueError) as info:
            call(name)
        assert str(info.value) == message
