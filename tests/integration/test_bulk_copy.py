"""copy() and move() on SeaweedFS: headers kept, multipart copies, create-only names, faults."""

from __future__ import annotations

import contextlib
import os

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from django.core.exceptions import SuspiciousFileOperation, SuspiciousOperation
from django.core.files.base import ContentFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faultproxy import Fault
from storages.backends._s3.bulk import copy as bulk_copy
from storages.backends.s3 import S3Storage

pytestmark = pytest.mark.integration


def _keys(client, bucket):
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return sorted(item["Key"] for page in pages for item in page.get("Contents", []))


def test_copy_keeps_bytes_and_headers(storage, s3_client, bucket_name, record_calls):
    s3_client.put_object(
        Bucket=bucket_name,
        Key="src.bin",
        Body=b"payload",
        ContentType="application/x-thing",
        CacheControl="max-age=60",
        ContentEncoding="identity",
        Metadata={"owner": "ada"},
    )
    recorder = record_calls(storage)

    assert storage.copy("src.bin", "dir/dst.bin") == "dir/dst.bin"

    assert recorder.names == ["HeadObject", "CopyObject"]
    head = s3_client.head_object(Bucket=bucket_name, Key="dir/dst.bin")
    assert head["ContentType"] == "application/x-thing"
    assert head["CacheControl"] == "max-age=60"
    assert head["Metadata"] == {"owner": "ada"}
    body = s3_client.get_object(Bucket=bucket_name, Key="dir/dst.bin")["Body"].read()
    assert body == b"payload"


def test_copy_applies_the_storage_object_parameters(make_storage, s3_client, bucket_name):
    storage = make_storage(object_parameters={"CacheControl": "no-cache"})
    storage.save("a.txt", ContentFile(b"x"))
    storage.copy("a.txt", "b.txt")
    head = s3_client.head_object(Bucket=bucket_name, Key="b.txt")
    assert head["CacheControl"] == "no-cache"
    assert head["ContentType"] == "text/plain"


def test_multipart_copy_is_byte_identical(storage, s3_client, bucket_name, monkeypatch):
    monkeypatch.setattr(bulk_copy, "MULTIPART_THRESHOLD", 1024)
    monkeypatch.setattr(bulk_copy, "COPY_PART_SIZE", 5 * 1024**2)
    data = os.urandom(12 * 1024**2 + 123)
    s3_client.put_object(
        Bucket=bucket_name, Key="big.bin", Body=data, Metadata={"k": "v"}, ContentType="a/b"
    )

    assert storage.copy("big.bin", "copy.bin") == "copy.bin"

    got = s3_client.get_object(Bucket=bucket_name, Key="copy.bin")
    assert got["Body"].read() == data
    assert got["Metadata"] == {"k": "v"}
    assert got["ContentType"] == "a/b"
    assert s3_client.list_multipart_uploads(Bucket=bucket_name).get("Uploads", []) == []


@pytest.fixture
def sse_c_storage(make_storage):
    storage = make_storage(
        object_parameters={"SSECustomerAlgorithm": "AES256", "SSECustomerKey": SECRET}
    )
    storage.save("secret.bin", ContentFile(b"s" * 1024**2))
    return storage


SECRET = "k" * 32


def test_copy_of_an_sse_c_object(sse_c_storage, record_calls):
    recorder = record_calls(sse_c_storage)

    sse_c_storage.copy("secret.bin", "copy.bin")

    (params,) = recorder.params("CopyObject")
    assert params["CopySourceSSECustomerKey"] == SECRET
    assert params["SSECustomerKey"] == SECRET
    assert sse_c_storage.open("copy.bin").read() == b"s" * 1024**2


def test_multipart_copy_of_an_sse_c_object_sends_the_source_key(
    sse_c_storage, record_calls, monkeypatch, s3_client, bucket_name
):
    monkeypatch.setattr(bulk_copy, "MULTIPART_THRESHOLD", 1024)
    recorder = record_calls(sse_c_storage)

    # SeaweedFS 4.48 answers UploadPartCopy with SSE-C headers 501 NotImplemented.
    with pytest.raises(ClientError, match="NotImplemented"):
        sse_c_storage.copy("secret.bin", "copy.bin")

    assert all(p["CopySourceSSECustomerKey"] == SECRET for p in recorder.params("UploadPartCopy"))
    assert recorder.names[-1] == "AbortMultipartUpload"
    assert s3_client.list_multipart_uploads(Bucket=bucket_name).get("Uploads", []) == []


def test_missing_source_raises_file_not_found(storage, s3_client, bucket_name):
    with pytest.raises(FileNotFoundError):
        storage.copy("nope.txt", "dst.txt")
    with pytest.raises(FileNotFoundError):
        storage.move("nope.txt", "dst.txt")
    assert _keys(s3_client, bucket_name) == []


def test_taken_destination_gets_another_name(make_storage, s3_client, bucket_name):
    storage = make_storage(file_overwrite=False)
    storage.save("src.txt", ContentFile(b"new"))
    storage.save("dst.txt", ContentFile(b"old"))

    name = storage.copy("src.txt", "dst.txt")

    assert name != "dst.txt"
    assert name.startswith("dst_")
    assert name.endswith(".txt")
    assert storage.open("dst.txt").read() == b"old"
    assert storage.open(name).read() == b"new"
    assert storage.copy("src.txt", "dst.txt", overwrite=True) == "dst.txt"
    assert storage.open("dst.txt").read() == b"new"


def test_copy_is_create_only_with_one_request(make_storage, record_calls):
    storage = make_storage(file_overwrite=False)
    storage.save("src.txt", ContentFile(b"x"))
    storage.save("dst.txt", ContentFile(b"y"))
    recorder = record_calls(storage)

    storage.copy("src.txt", "dst.txt")

    # No HEAD of the destination: the conditional CopyObject is the check.
    assert recorder.names == ["HeadObject", "CopyObject", "CopyObject"]
    assert all(params["IfNoneMatch"] == "*" for params in recorder.params("CopyObject"))


def test_move_deletes_the_source_after_the_copy(storage, s3_client, bucket_name):
    storage.save("from/a.txt", ContentFile(b"data"))
    assert storage.move("from/a.txt", "to/a.txt") == "to/a.txt"
    assert _keys(s3_client, bucket_name) == ["to/a.txt"]
    assert storage.open("to/a.txt").read() == b"data"


def test_move_with_a_failed_delete_keeps_both(s3_server, bucket_name, fault_proxy, s3_client):
    config = Config(retries={"max_attempts": 2, "mode": "standard"}, read_timeout=5)
    storage = S3Storage(
        **s3_server.storage_options(
            bucket_name, endpoint_url=fault_proxy.endpoint_url, client_config=config
        )
    )
    storage.save("src.txt", ContentFile(b"keep me"))
    fault_proxy.add(Fault("status", method="DELETE", status=500, times=5))

    with pytest.raises(ClientError):
        storage.move("src.txt", "dst.txt")

    assert _keys(s3_client, bucket_name) == ["dst.txt", "src.txt"]
    assert s3_client.get_object(Bucket=bucket_name, Key="dst.txt")["Body"].read() == b"keep me"


def test_move_with_a_failed_copy_keeps_the_source(s3_server, bucket_name, fault_proxy, s3_client):
    config = Config(retries={"max_attempts": 2, "mode": "standard"}, read_timeout=5)
    storage = S3Storage(
        **s3_server.storage_options(
            bucket_name, endpoint_url=fault_proxy.endpoint_url, client_config=config
        )
    )
    storage.save("src.txt", ContentFile(b"keep me"))
    fault_proxy.add(Fault("status", method="PUT", path_pattern="dst", status=500, times=5))

    with pytest.raises(ClientError):
        storage.move("src.txt", "dst.txt")

    assert _keys(s3_client, bucket_name) == ["src.txt"]


_segment = st.one_of(
    st.sampled_from(["..", ".", "", "loc", "locx", "~", "a b", "\\", "\x00"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12),
)
_names = st.lists(_segment, min_size=1, max_size=4).map("/".join)
REFUSED = (SuspiciousOperation, SuspiciousFileOperation, ValueError, FileNotFoundError)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(dst=_names)
def test_copy_and_move_names_stay_inside_location(make_storage, s3_client, bucket_name, dst):
    storage = make_storage(location="loc")
    s3_client.put_object(Bucket=bucket_name, Key="loc/src.txt", Body=b"x")
    for call in (storage.copy, storage.move):
        with contextlib.suppress(*REFUSED):
            call("src.txt", dst)
        s3_client.put_object(Bucket=bucket_name, Key="loc/src.txt", Body=b"x")
    assert all(key.startswith("loc/") for key in _keys(s3_client, bucket_name))
