"""The listing view answers as S3 does, on SeaweedFS, and only where it is active."""

from __future__ import annotations

import re
import threading

import pytest
from django.core.files.base import ContentFile

pytestmark = pytest.mark.integration

KEYS = [
    "static/a.txt",
    "static/css/",
    "static/css/app.css",
    "static/css/vendor/lib.min.css",
    "static/img/ñandú logo.png",
    "static/img/z.png",
    "static/zz",
    "other/outside.txt",
]


@pytest.fixture
def filled(make_storage, s3_client, bucket_name):
    for key in KEYS:
        s3_client.put_object(Bucket=bucket_name, Key=key, Body=key.encode())
    return make_storage(location="static")


@pytest.mark.parametrize("name", ["", "css", "css/", "img", "css/vendor", "missing"])
def test_listdir_inside_the_view_equals_s3s_answer(filled, name):
    expected = filled.listdir(name)
    with filled.listing_view():
        assert filled.listdir(name) == expected


def test_files_exist_alike_and_directories_exist_in_the_view(filled):
    outside = {name: filled.exists(name) for name in ("a.txt", "css/app.css", "nope.css")}
    with filled.listing_view():
        assert {name: filled.exists(name) for name in outside} == outside
        assert filled.exists("css")
        assert filled.exists("img")
        assert not filled.exists("im")
    # Outside the view a "directory" without a marker object does not exist (Keep).
    assert not filled.exists("img")
    assert filled.exists("css/")


def test_modified_time_inside_the_view_equals_s3s(filled):
    expected = filled.get_modified_time("css/app.css")
    with filled.listing_view():
        assert filled.get_modified_time("css/app.css") == expected
        with pytest.raises(
            FileNotFoundError, match=re.escape("File does not exist: static/nope.css")
        ):
            filled.get_modified_time("nope.css")


def test_writes_inside_the_view_are_seen_by_it(filled, s3_client, bucket_name):
    with filled.listing_view() as view:
        filled.save("new/file.txt", ContentFile(b"new"))
        assert filled.exists("new/file.txt")
        # Written through the view: the time comes from S3.
        assert (
            filled.get_modified_time("new/file.txt")
            == s3_client.head_object(Bucket=bucket_name, Key="static/new/file.txt")["LastModified"]
        )
        filled.delete("a.txt")
        assert not filled.exists("a.txt")
        assert "static/a.txt" not in view.stored_keys()
    assert not filled.exists("a.txt")


def test_saving_the_same_bytes_again_sends_nothing(filled, s3_client, bucket_name):
    before = s3_client.head_object(Bucket=bucket_name, Key="static/a.txt")
    with filled.listing_view():
        filled.save("a.txt", ContentFile(b"static/a.txt"))
    after = s3_client.head_object(Bucket=bucket_name, Key="static/a.txt")
    assert after["LastModified"] == before["LastModified"]
    assert after["ETag"] == before["ETag"]


def test_the_view_belongs_to_the_code_that_opened_it(filled):
    seen: list[object] = []
    with filled.listing_view():
        thread = threading.Thread(target=lambda: seen.append(filled._active_listing()))
        thread.start()
        thread.join()
    assert seen == [None]
