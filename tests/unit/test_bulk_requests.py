"""Bulk deletes and listings: exact requests and per-key answers, through botocore's Stubber."""

from __future__ import annotations

import datetime as dt

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from django.test import override_settings

from storages.backends.s3 import S3Storage
from storages.bulk import DeleteFailedError, DeleteFailure, DeleteResult, Entry, Stat

SSE_C = {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": "k" * 32}
WHEN = dt.datetime(2024, 5, 1, 12, 30, tzinfo=dt.UTC)


def _storage(**options):
    return S3Storage(
        bucket_name="media",
        location="loc",
        region_name="eu-west-1",
        access_key="AKIDEXAMPLE",
        secret_key="not-a-real-secret",
        **options,
    )


@pytest.fixture
def stubbed():
    storage = _storage()
    with Stubber(storage.connection.meta.client) as stubber:
        yield storage, stubber
        stubber.assert_no_pending_responses()


def _delete(keys):
    return {"Bucket": "media", "Delete": {"Objects": [{"Key": k} for k in keys], "Quiet": True}}


def test_per_key_errors_are_results_and_missing_keys_are_not_errors(stubbed):
    storage, stubber = stubbed
    stubber.add_response(
        "delete_objects",
        {
            "Errors": [
                {"Key": "loc/b", "Code": "AccessDenied", "Message": "Access Denied"},
                {"Key": "loc/c", "Code": "NoSuchKey", "Message": "The key does not exist"},
            ]
        },
        _delete(["loc/a", "loc/b", "loc/c"]),
    )

    result = storage.delete_many(["a", "b", "c"])

    assert result == DeleteResult(
        deleted=("a", "c"), failures=(DeleteFailure("b", "AccessDenied", "Access Denied"),)
    )
    assert not result.ok
    with pytest.raises(DeleteFailedError) as info:
        result.raise_for_failures()
    assert (
        str(info.value)
        == "Could not delete 1 of 3 file(s); the first: 'b': AccessDenied: Access Denied"
    )
    assert info.value.failures == result.failures
    assert info.value.deleted == 2


def test_keys_refused_for_now_are_sent_once_more(stubbed):
    storage, stubber = stubbed
    stubber.add_response(
        "delete_objects",
        {
            "Errors": [
                {"Key": "loc/b", "Code": "InternalError", "Message": "try again"},
                {"Key": "loc/c", "Code": "SlowDown", "Message": "slow down"},
                {"Key": "loc/d", "Code": "AccessDenied", "Message": "no"},
            ]
        },
        _delete(["loc/a", "loc/b", "loc/c", "loc/d"]),
    )
    stubber.add_response(
        "delete_objects",
        {"Errors": [{"Key": "loc/c", "Code": "SlowDown", "Message": "still"}]},
        _delete(["loc/b", "loc/c"]),
    )

    result = storage.delete_many(["a", "b", "c", "d"])

    assert result.deleted == ("a", "b")
    assert result.failures == (
        DeleteFailure("c", "SlowDown", "still"),
        DeleteFailure("d", "AccessDenied", "no"),
    )


def test_a_connection_user_code_assigned_sends_batches_in_order():
    storage = _storage()
    # A resource built apart, as a test suite assigns a stub: it may not be
    # thread-safe, so its batches go one after another on this thread.
    resource = boto3.session.Session().resource(
        "s3",
        region_name="eu-west-1",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="not-a-real-secret",
    )
    storage._connections.connection = resource
    names = [f"n{index:04d}" for index in range(2500)]
    with Stubber(resource.meta.client) as stubber:
        for start in (0, 1000, 2000):
            keys = [f"loc/{name}" for name in names[start : start + 1000]]
            stubber.add_response("delete_objects", {}, _delete(keys))
        assert storage.delete_many(names).deleted == tuple(names)
        stubber.assert_no_pending_responses()


def test_delete_prefix_raises_for_refused_keys_after_deleting_the_rest(stubbed):
    storage, stubber = stubbed
    stubber.add_response(
        "list_objects_v2",
        {"Contents": [{"Key": "loc/d/a"}, {"Key": "loc/d/b"}, {"Key": "loc/d/c"}]},
        {"Bucket": "media", "Prefix": "loc/d/", "MaxKeys": 1000},
    )
    stubber.add_response(
        "delete_objects",
        {"Errors": [{"Key": "loc/d/b", "Code": "AccessDenied", "Message": "Access Denied"}]},
        _delete(["loc/d/a", "loc/d/b", "loc/d/c"]),
    )

    with pytest.raises(DeleteFailedError) as info:
        storage.delete_prefix("d")

    assert str(info.value) == (
        "Could not delete 1 of 3 file(s); the first: 'd/b': AccessDenied: Access Denied"
    )
    assert info.value.failures == (DeleteFailure("d/b", "AccessDenied", "Access Denied"),)
    assert info.value.deleted == 2


def test_scandir_sends_one_delimited_listing_per_page(stubbed):
    storage, stubber = stubbed
    stubber.add_response(
        "list_objects_v2",
        {
            "IsTruncated": True,
            "NextContinuationToken": "t1",
            "CommonPrefixes": [{"Prefix": "loc/d/m/"}],
            "Contents": [
                {"Key": "loc/d/", "Size": 0, "LastModified": WHEN, "ETag": '"e0"'},
                {"Key": "loc/d/a.txt", "Size": 5, "LastModified": WHEN, "ETag": '"e1"'},
                {"Key": "loc/d/z.txt", "Size": 7, "LastModified": WHEN, "ETag": '"e2-3"'},
            ],
        },
        {"Bucket": "media", "Prefix": "loc/d/", "Delimiter": "/"},
    )
    stubber.add_response(
        "list_objects_v2",
        {"Contents": [{"Key": "loc/d/zz.txt", "Size": 1, "LastModified": WHEN, "ETag": '"e3"'}]},
        {"Bucket": "media", "Prefix": "loc/d/", "Delimiter": "/", "ContinuationToken": "t1"},
    )

    entries = list(storage.scandir("d"))

    assert entries == [
        Entry("a.txt", "d/a.txt", 5, WHEN, "e1"),
        Entry("m", "d/m", 0, None, None, is_dir=True),
        Entry("z.txt", "d/z.txt", 7, WHEN, "e2-3"),
        Entry("zz.txt", "d/zz.txt", 1, WHEN, "e3"),
    ]


def test_scandir_recursive_sends_no_delimiter(stubbed):
    storage, stubber = stubbed
    stubber.add_response(
        "list_objects_v2",
        {"Contents": [{"Key": "loc/m/n/", "Size": 0, "LastModified": WHEN, "ETag": '"x"'}]},
        {"Bucket": "media", "Prefix": "loc/"},
    )
    assert list(storage.scandir(recursive=True)) == []  # a directory marker is no file


def test_stat_sends_one_head_with_download_parameters():
    storage = _storage(object_parameters={**SSE_C, "CacheControl": "max-age=60"})
    with Stubber(storage.connection.meta.client) as stubber:
        stubber.add_response(
            "head_object",
            {
                "ContentLength": 12,
                "LastModified": WHEN,
                "ETag": '"abc"',
                "ContentType": "text/plain",
                "Metadata": {"owner": "ada"},
                "VersionId": "v7",
            },
            {"Bucket": "media", "Key": "loc/a.txt", **SSE_C},
        )
        with override_settings(USE_TZ=False, TIME_ZONE="Europe/Paris"):
            stat = storage.stat("a.txt")
    assert stat == Stat(
        name="a.txt",
        size=12,
        modified=dt.datetime(2024, 5, 1, 14, 30),
        etag="abc",
        content_type="text/plain",
        content_encoding=None,
        metadata={"owner": "ada"},
        version_id="v7",
    )


def test_a_profile_without_delete_objects_deletes_one_key_a_request():
    storage = _storage(provider="gcs")
    with Stubber(storage.connection.meta.client) as stubber:
        stubber.add_response("delete_object", {}, {"Bucket": "media", "Key": "loc/a"})
        stubber.add_client_error("delete_object", "NoSuchKey", http_status_code=404)
        stubber.add_client_error("delete_object", "AccessDenied", "Access Denied", 403)
        result = storage.delete_many(["a", "gone", "locked"])
        stubber.assert_no_pending_responses()
    assert result.deleted == ("a", "gone")
    assert result.failures == (DeleteFailure("locked", "AccessDenied", "Access Denied"),)


def test_a_failed_request_raises_with_a_note(stubbed):
    storage, stubber = stubbed
    stubber.add_client_error("delete_objects", "AccessDenied", "Access Denied", 403)
    with pytest.raises(ClientError) as info:
        storage.delete_many(["a"])
    assert info.value.__notes__ == [
        "Some files may have been deleted already; deleting a missing file is not an error, "
        "so the call can be repeated."
    ]
