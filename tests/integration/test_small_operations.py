"""The everyday operations in the fewest requests: small saves, size(), get_modified_time().

A body of known size below the multipart threshold goes as one PutObject
sent by the storage itself (no transfer manager); size() and
get_modified_time() are one HeadObject each, with the download parameters.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.base import ContentFile, File

from helpers import OneWayStream
from storages.backends._s3 import writes

pytestmark = pytest.mark.integration

THRESHOLD = 8 * 1024 * 1024


def _body(client, bucket, key):
    return client.get_object(Bucket=bucket, Key=key)["Body"].read()


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(lambda: ContentFile(b"x" * 1024), id="bytes"),
        pytest.param(lambda: ContentFile("h\u00e9llo " * 100), id="text"),
        pytest.param(lambda: File(io.BytesIO(b"y" * (THRESHOLD - 1)), name="f"), id="below"),
    ],
)
def test_a_small_save_is_one_put_sent_on_this_thread(
    make_storage, record_calls, s3_client, bucket_name, content, monkeypatch
):
    storage = make_storage(file_overwrite=True)
    calls = record_calls(storage)
    made = content()
    expected = made.read()
    made.seek(0)
    expected = expected.encode("utf-8") if isinstance(expected, str) else expected

    def no_transfer_manager(*args, **kwargs):
        raise AssertionError("the transfer manager was used for a small body")

    monkeypatch.setattr(writes, "create_transfer_manager", no_transfer_manager)
    assert storage.save("small.bin", made) == "small.bin"
    assert calls.names == ["PutObject"]
    assert not made.closed  # the caller's file stays open
    assert _body(s3_client, bucket_name, "small.bin") == expected


def test_a_body_of_unknown_size_is_streamed(make_storage, record_calls, s3_client, bucket_name):
    storage = make_storage(file_overwrite=True)
    calls = record_calls(storage)
    assert storage.save("stream.bin", File(OneWayStream(b"z" * 5000))) == "stream.bin"
    assert calls.names == ["PutObject"]
    assert _body(s3_client, bucket_name, "stream.bin") == b"z" * 5000


def test_a_body_at_the_threshold_is_multipart(make_storage, record_calls):
    storage = make_storage(file_overwrite=True)
    calls = record_calls(storage)
    storage.save("big.bin", ContentFile(b"b" * THRESHOLD))
    assert calls.names[0] == "CreateMultipartUpload"
    assert calls.names[-1] == "CompleteMultipartUpload"


def test_size_and_modified_time_are_one_head_each(
    make_storage, record_calls, s3_client, bucket_name
):
    storage = make_storage()
    s3_client.put_object(Bucket=bucket_name, Key="a.txt", Body=b"12345")
    calls = record_calls(storage)
    assert storage.size("a.txt") == 5
    modified = storage.get_modified_time("a.txt")
    assert calls.names == ["HeadObject", "HeadObject"]
    assert modified.tzinfo is not None
    assert abs(modified - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)


def test_size_and_modified_time_of_a_missing_file(make_storage):
    storage = make_storage()
    with pytest.raises(FileNotFoundError) as size_error:
        storage.size("gone.txt")
    with pytest.raises(FileNotFoundError) as time_error:
        storage.get_modified_time("gone.txt")
    assert str(size_error.value) == "File does not exist: gone.txt"
    assert str(time_error.value) == "File does not exist: gone.txt"


def test_size_reads_an_sse_c_object(make_storage, s3_client, bucket_name):
    key = b"k" * 32
    storage = make_storage(
        object_parameters={"SSECustomerAlgorithm": "AES256", "SSECustomerKey": key.decode()}
    )
    storage.save("secret.txt", ContentFile(b"hidden"))
    assert storage.size("secret.txt") == 6
    assert storage.get_modified_time("secret.txt").tzinfo is not None
