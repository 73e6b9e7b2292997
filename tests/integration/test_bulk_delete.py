"""delete_many() on SeaweedFS: batches of 1,000 keys, faults, the single-delete fallback."""

from __future__ import annotations

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from django.core.exceptions import SuspiciousOperation
from django.core.files.base import ContentFile

from faultproxy import Fault
from helpers import put_objects
from storages.backends.s3 import S3Storage
from storages.bulk import DeleteResult

pytestmark = pytest.mark.integration

#: DeleteObjects is a POST to ``/<bucket>?delete``.
DELETE_OBJECTS = r"\?delete"


def _keys(client, bucket):
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return sorted(item["Key"] for page in pages for item in page.get("Contents", []))


def _names(count):
    return [f"many/{index:05d}.txt" for index in range(count)]


@pytest.fixture
def faulty_storage(s3_server, bucket_name, fault_proxy):
    config = Config(retries={"max_attempts": 3, "mode": "standard"}, read_timeout=5)
    return S3Storage(
        **s3_server.storage_options(
            bucket_name, endpoint_url=fault_proxy.endpoint_url, client_config=config
        )
    )


def test_2500_names_in_3_delete_objects_requests(
    make_storage, s3_client, bucket_name, record_calls
):
    storage = make_storage(location="loc")
    names = _names(2500)
    put_objects(s3_client, bucket_name, {f"loc/{name}": b"x" for name in names})
    put_objects(s3_client, bucket_name, {"loc/kept.txt": b"k", "outside.txt": b"o"})
    recorder = record_calls(storage)

    result = storage.delete_many(names)

    assert result == DeleteResult(deleted=tuple(names))
    assert result.ok
    assert recorder.names == ["DeleteObjects"] * 3
    sizes = sorted(len(params["Delete"]["Objects"]) for params in recorder.params("DeleteObjects"))
    assert sizes == [500, 1000, 1000]
    assert all(params["Delete"]["Quiet"] for params in recorder.params("DeleteObjects"))
    assert _keys(s3_client, bucket_name) == ["loc/kept.txt", "outside.txt"]


def test_missing_names_are_deleted_not_errors(storage, s3_client, bucket_name, record_calls):
    storage.save("there.txt", ContentFile(b"x"))
    recorder = record_calls(storage)

    result = storage.delete_many(["there.txt", "never-was.txt", "dir/nor-this"])

    assert result == DeleteResult(deleted=("there.txt", "never-was.txt", "dir/nor-this"))
    assert recorder.names == ["DeleteObjects"]
    assert _keys(s3_client, bucket_name) == []


def test_names_are_reported_as_given_and_keys_sent_once(storage, s3_client, bucket_name):
    storage.save("a.txt", ContentFile(b"x"))
    recorder_names = []
    storage.connection.meta.client.meta.events.register(
        "provide-client-params.s3.DeleteObjects",
        lambda params, **kwargs: recorder_names.extend(
            o["Key"] for o in params["Delete"]["Objects"]
        ),
    )

    result = storage.delete_many(["a.txt", "./a.txt", "b/../a.txt", "a.txt"])

    assert result.deleted == ("a.txt", "./a.txt", "b/../a.txt", "a.txt")
    assert recorder_names == ["a.txt"]


def test_delete_objects_carries_a_checksum_seaweedfs_accepts(storage, s3_client, bucket_name):
    # DeleteObjects requires Content-MD5 or a flexible checksum (the provider profile's choice).
    s3_client.put_object(Bucket=bucket_name, Key="a", Body=b"x")
    headers = {}
    storage.connection.meta.client.meta.events.register(
        "before-send.s3.DeleteObjects", lambda request, **kwargs: headers.update(request.headers)
    )
    assert storage.delete_many(["a"]).ok
    assert {"x-amz-checksum-crc32", "content-md5"} & {name.lower() for name in headers}
    assert _keys(s3_client, bucket_name) == []


def test_no_names_no_request(storage, record_calls):
    recorder = record_calls(storage)
    assert storage.delete_many([]) == DeleteResult()
    assert storage.delete_many(iter(())) == DeleteResult()
    assert recorder.names == []


def test_a_name_escaping_the_location_deletes_nothing(make_storage, s3_client, bucket_name):
    storage = make_storage(location="loc")
    put_objects(s3_client, bucket_name, {"loc/a.txt": b"a", "b.txt": b"b"})
    recorder = []
    storage.connection.meta.client.meta.events.register(
        "provide-client-params.s3.*", lambda model, **kwargs: recorder.append(model.name)
    )

    with pytest.raises(SuspiciousOperation):
        storage.delete_many(["a.txt", "../b.txt"])

    assert recorder == []
    assert _keys(s3_client, bucket_name) == ["b.txt", "loc/a.txt"]


@pytest.mark.parametrize("name", ["", ".", "./"])
def test_the_location_itself_is_refused(make_storage, name):
    storage = make_storage(location="loc")
    with pytest.raises(ValueError) as info:
        storage.delete_many(["a.txt", name])
    assert str(info.value) == (
        f"delete_many() got the name {name!r}, which is the storage's location itself, not a file."
    )


def test_one_name_as_a_string_is_refused(storage):
    with pytest.raises(TypeError) as info:
        storage.delete_many("report.pdf")
    assert str(info.value) == (
        "delete_many() takes an iterable of names, not one name ('report.pdf'); "
        "wrap it in a list, or call delete()."
    )


@pytest.mark.parametrize(
    "fault",
    [
        Fault("status", method="POST", path_pattern=DELETE_OBJECTS, status=503, code="SlowDown"),
        Fault("drop_request", method="POST", path_pattern=DELETE_OBJECTS),
    ],
    ids=["503", "dropped-request"],
)
def test_a_fault_on_one_batch_is_retried(
    faulty_storage, fault_proxy, s3_client, bucket_name, fault
):
    names = _names(1001)  # two batches
    put_objects(s3_client, bucket_name, dict.fromkeys(names, b"x"))
    fault_proxy.add(fault)

    result = faulty_storage.delete_many(names)

    assert result == DeleteResult(deleted=tuple(names))
    assert fault.hits == 1
    posts = [target for method, target in fault_proxy.requests if method == "POST"]
    assert len(posts) == 3  # 2 batches, one of them twice
    assert _keys(s3_client, bucket_name) == []


def test_a_batch_failing_after_retries_raises(faulty_storage, fault_proxy, s3_client, bucket_name):
    names = _names(1001)
    put_objects(s3_client, bucket_name, dict.fromkeys(names, b"x"))
    # Config(retries={"max_attempts": 3}): both batches fail their try and 3 retries.
    fault_proxy.add(
        Fault("status", method="POST", path_pattern=DELETE_OBJECTS, status=500, times=8)
    )

    with pytest.raises(ClientError) as info:
        faulty_storage.delete_many(names)

    assert info.value.response["Error"]["Code"] == "InternalError"
    assert info.value.response["ResponseMetadata"]["RetryAttempts"] == 3
    assert info.value.__notes__ == [
        "Some files may have been deleted already; deleting a missing file is not an error, "
        "so the call can be repeated."
    ]
    assert len(_keys(s3_client, bucket_name)) == 1001
    # Repeating the call deletes them.
    assert faulty_storage.delete_many(names).ok
    assert _keys(s3_client, bucket_name) == []


def test_a_store_without_delete_objects_gets_single_deletes(
    faulty_storage, fault_proxy, s3_client, bucket_name
):
    put_objects(s3_client, bucket_name, {f"k{index}": b"x" for index in range(5)})
    fault_proxy.add(
        Fault(
            "status", method="POST", path_pattern=DELETE_OBJECTS, status=501, code="NotImplemented"
        )
    )

    result = faulty_storage.delete_many([f"k{index}" for index in range(5)] + ["missing"])

    assert result.deleted == ("k0", "k1", "k2", "k3", "k4", "missing")
    assert faulty_storage._runtime.delete_objects_unsupported
    methods = [method for method, _ in fault_proxy.requests]
    assert methods == ["POST"] + ["DELETE"] * 6
    assert _keys(s3_client, bucket_name) == []

    # Remembered: the next call sends no DeleteObjects.
    fault_proxy.clear()
    s3_client.put_object(Bucket=bucket_name, Key="again", Body=b"x")
    assert faulty_storage.delete_many(["again"]).ok
    assert [method for method, _ in fault_proxy.requests] == ["DELETE"]


def test_a_key_xml_cannot_carry_is_deleted_on_its_own(
    storage, s3_client, bucket_name, record_calls
):
    put_objects(s3_client, bucket_name, {"odd\x01name": b"x", "plain": b"y", "tab\tname": b"z"})
    recorder = record_calls(storage)

    result = storage.delete_many(["odd\x01name", "plain", "tab\tname"])

    assert result.ok
    assert sorted(recorder.names) == ["DeleteObject", "DeleteObjects"]
    assert [o["Key"] for o in recorder.params("DeleteObjects")[0]["Delete"]["Objects"]] == [
        "plain",
        "tab\tname",
    ]
    assert _keys(s3_client, bucket_name) == []


def test_a_listing_view_forgets_what_delete_many_deleted(
    storage, s3_client, bucket_name, record_calls
):
    storage.save("a.txt", ContentFile(b"a"))
    storage.save("b.txt", ContentFile(b"b"))
    recorder = record_calls(storage)
    with storage.listing_view() as view:
        assert storage.exists("a.txt")  # answered from the view's one listing
        with view.holding():
            storage.delete("b.txt")  # held back by the view
            assert storage.delete_many(["a.txt"]).ok
        assert not storage.exists("a.txt")
        assert not storage.exists("b.txt")
    # The held delete went first, then the bulk one; nothing asked S3 again.
    assert recorder.names == ["ListObjectsV2", "DeleteObject", "DeleteObjects"]
    assert _keys(s3_client, bucket_name) == []
