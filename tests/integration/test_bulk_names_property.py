"""Arbitrary names in delete_many(), delete_prefix() and scandir() stay inside ``location``."""

from __future__ import annotations

import contextlib

import pytest
from django.core.exceptions import SuspiciousFileOperation, SuspiciousOperation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import put_objects

pytestmark = pytest.mark.integration

REFUSED = (SuspiciousOperation, SuspiciousFileOperation, ValueError)
#: Keys beside the location that no call on it may touch.
OUTSIDE = ("outside.txt", "locx/sibling.txt", "lo/c.txt")

_segment = st.one_of(
    st.sampled_from(["..", ".", "", "loc", "locx", "~", "a b", "%2E%2E", "\\", "\x00", "\r"]),
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), max_codepoint=0x2FFFF),
        min_size=1,
        max_size=20,
    ),
)
names = st.one_of(
    st.lists(_segment, min_size=1, max_size=5).map("/".join),
    st.lists(_segment, min_size=1, max_size=4).map(lambda parts: "/" + "/".join(parts)),
)
_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def confined(make_storage, s3_client, bucket_name):
    """A storage on location "loc", the keys its requests name, and a check of OUTSIDE."""
    put_objects(s3_client, bucket_name, dict.fromkeys((*OUTSIDE, "loc/in/a.txt", "loc/b"), b"x"))
    storage = make_storage(location="loc")
    sent: list[str] = []

    def record(params, model, **kwargs):
        if model.name == "DeleteObjects":
            sent.extend(item["Key"] for item in params["Delete"]["Objects"])
        elif "Key" in params:
            sent.append(params["Key"])
        elif "Prefix" in params:
            sent.append(params["Prefix"])

    storage.connection.meta.client.meta.events.register("provide-client-params.s3.*", record)

    def check():
        assert all(key.startswith("loc/") for key in sent), sent
        response = s3_client.list_objects_v2(Bucket=bucket_name)
        stored = {item["Key"] for item in response.get("Contents", [])}
        assert set(OUTSIDE) <= stored
        sent.clear()

    return storage, check


@_SETTINGS
@given(batch=st.lists(names, min_size=1, max_size=4))
def test_delete_many_stays_inside_the_location(confined, batch):
    storage, check = confined
    try:
        result = storage.delete_many(batch)
    except REFUSED:
        pass
    else:
        assert len(result.deleted) + len(result.failures) == len(batch)
    check()


@_SETTINGS
@given(path=names, recursive=st.booleans())
def test_scandir_stays_inside_the_location(confined, path, recursive):
    storage, check = confined
    try:
        entries = list(storage.scandir(path, recursive=recursive))
    except REFUSED:
        entries = []
    for entry in entries:
        assert storage._key(entry.path).startswith("loc/")
    check()


@_SETTINGS
@given(path=names)
def test_delete_prefix_stays_inside_the_location(confined, path):
    storage, check = confined
    with contextlib.suppress(*REFUSED):
        storage.delete_prefix(path, allow_root=True)
    check()
