"""Exact S3 request parameters, seen through botocore's Stubber (no server)."""

from __future__ import annotations

import datetime as dt

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from storages.backends.s3 import S3Storage

SSE_C = {
    "SSECustomerAlgorithm": "AES256",
    "SSECustomerKey": "k" * 32,
}


@pytest.fixture
def stubbed():
    storage = S3Storage(
        bucket_name="media",
        location="loc",
        region_name="eu-west-1",
        access_key="AKIDEXAMPLE",
        secret_key="not-a-real-secret",
        object_parameters={**SSE_C, "CacheControl": "max-age=60"},
    )
    client = storage.connection.meta.client
    with Stubber(client) as stubber:
        yield storage, stubber
        stubber.assert_no_pending_responses()


def test_exists_sends_head_with_download_parameters_only(stubbed):
    storage, stubber = stubbed
    stubber.add_response("head_object", {}, {"Bucket": "media", "Key": "loc/a.txt", **SSE_C})
    assert storage.exists("a.txt") is True


def test_exists_false_on_404_only(stubbed):
    storage, stubber = stubbed
    stubber.add_client_error("head_object", "404", http_status_code=404)
    stubber.add_client_error("head_object", "403", http_status_code=403)
    assert storage.exists("a.txt") is False
    # Keep: a 403 (no ListBucket permission) raises rather than answering False.
    with pytest.raises(ClientError) as info:
        storage.exists("a.txt")
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_not_found_is_recognised_by_status_not_code(stubbed):
    storage, stubber = stubbed
    stubber.add_client_error("head_object", "NoSuchKey", http_status_code=400)
    with pytest.raises(ClientError):
        storage.exists("a.txt")


def test_listdir_paginates_list_objects_with_exact_parameters(stubbed):
    storage, stubber = stubbed
    expected = {"Bucket": "media", "Delimiter": "/", "Prefix": "loc/dir/"}
    stubber.add_response(
        "list_objects",
        {
            "IsTruncated": True,
            "NextMarker": "loc/dir/b.txt",
            "CommonPrefixes": [{"Prefix": "loc/dir/sub/"}],
            "Contents": [{"Key": "loc/dir/"}, {"Key": "loc/dir/a.txt"}, {"Key": "loc/dir/b.txt"}],
        },
        expected,
    )
    stubber.add_response(
        "list_objects",
        {"IsTruncated": False, "Contents": [{"Key": "loc/dir/c.txt"}]},
        {**expected, "Marker": "loc/dir/b.txt"},
    )
    assert storage.listdir("dir") == (["sub"], ["a.txt", "b.txt", "c.txt"])


def test_listdir_root_prefix(stubbed):
    storage, stubber = stubbed
    stubber.add_response(
        "list_objects",
        {"IsTruncated": False},
        {"Bucket": "media", "Delimiter": "/", "Prefix": "loc/"},
    )
    assert storage.listdir("") == ([], [])


def test_delete_sends_no_extra_parameters_and_swallows_404(stubbed):
    storage, stubber = stubbed
    stubber.add_response("delete_object", {}, {"Bucket": "media", "Key": "loc/a.txt"})
    stubber.add_client_error("delete_object", "NoSuchBucket", http_status_code=404)
    stubber.add_client_error("delete_object", "AccessDenied", http_status_code=403)
    assert storage.delete("a.txt") is None
    assert storage.delete("a.txt") is None
    with pytest.raises(ClientError):
        storage.delete("a.txt")


def test_size_and_modified_time_send_one_head_with_download_parameters(stubbed):
    # Fix: django-storages sends a bare HEAD, which S3 refuses for an SSE-C object.
    storage, stubber = stubbed
    modified = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    stubber.add_response(
        "head_object",
        {"ContentLength": 42, "LastModified": modified},
        {"Bucket": "media", "Key": "loc/a.txt", **SSE_C},
    )
    stubber.add_response(
        "head_object",
        {"ContentLength": 42, "LastModified": modified},
        {"Bucket": "media", "Key": "loc/b.txt", **SSE_C},
    )
    assert storage.size("a.txt") == 42
    assert storage.get_modified_time("b.txt") == modified


def test_size_of_missing_object(stubbed):
    storage, stubber = stubbed
    stubber.add_client_error("head_object", "404", http_status_code=404)
    with pytest.raises(FileNotFoundError) as info:
        storage.size("gone.txt")
    assert str(info.value) == "File does not exist: loc/gone.txt"
    assert isinstance(info.value.__cause__, ClientError)


def test_open_for_reading_sends_one_head_with_sse_c(stubbed):
    storage, stubber = stubbed
    stubber.add_response(
        "head_object",
        {"ContentLength": 3, "ETag": '"abc"'},
        {"Bucket": "media", "Key": "loc/a.txt", **SSE_C},
    )
    f = storage.open("a.txt", "rb")
    assert f.name == "a.txt"
    assert f.obj.key == "loc/a.txt"


def test_open_for_writing_makes_no_request(stubbed):
    storage, _ = stubbed
    f = storage.open("new.txt", "wb")
    assert f.obj.key == "loc/new.txt"
