"""S3File's exact request parameters (botocore Stubber), where no server shows them."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from botocore.response import StreamingBody
from botocore.stub import ANY, Stubber

from storages.backends._s3.files.reader import ObjectChangedError
from storages.backends._s3.multipart import part_size
from storages.backends._s3.protocol import MAX_PART_SIZE
from storages.backends.s3 import S3Storage

MiB = 1024 * 1024
BUCKET = "bucket"
PAYER = {"RequestPayer": "requester", "ExpectedBucketOwner": "111122223333"}


@pytest.fixture
def storage() -> S3Storage:
    # The endpoint is never contacted: every call is answered by the Stubber.
    return S3Storage(
        bucket_name=BUCKET,
        access_key="AKIAEXAMPLE",
        secret_key="not-a-secret",
        region_name="us-east-1",
        endpoint_url="http://127.0.0.1:9",
        object_parameters={**PAYER, "CacheControl": "max-age=1"},
        file_parts_in_memory=1,
    )


@pytest.fixture
def stub(storage: S3Storage) -> Iterator[Stubber]:
    with Stubber(storage.connection.meta.client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def open_and_answer(stub: Stubber, data: bytes, etag: str) -> None:
    """Answer the HEAD of a 10-byte "a.bin" (ETag "v1"), then one GET of it all with ``data``."""
    stub.add_response(
        "head_object",
        {"ContentLength": 10, "ETag": '"v1"'},
        {"Bucket": BUCKET, "Key": "a.bin", **PAYER},
    )
    stub.add_response(
        "get_object",
        {
            "Body": StreamingBody(io.BytesIO(data), len(data)),
            "ContentLength": len(data),
            "ETag": etag,
        },
        {"Bucket": BUCKET, "Key": "a.bin", "Range": "bytes=0-9", "IfMatch": '"v1"', **PAYER},
    )


def test_reads_carry_the_download_parameters_range_and_if_match(storage, stub):
    open_and_answer(stub, b"0123456789", '"v1"')
    with storage.open("a.bin", "rb") as f:
        assert f.read(4) == b"0123"
        assert f.read() == b"456789"


def test_a_store_that_ignores_if_match_is_caught_by_the_etag(storage, stub):
    open_and_answer(stub, b"other data", '"v2"')
    with storage.open("a.bin", "rb") as f:
        assert f.size == 10  # seen: a new version may no longer take its place
        with pytest.raises(ObjectChangedError) as caught:
            f.read(1)
    assert str(caught.value) == (
        "The object 'a.bin' changed while it was being read (its ETag is no longer \"v1\"); "
        "open the file again to read the new version."
    )


def _answer_range(stub: Stubber, data: bytes, first: int) -> None:
    stub.add_response(
        "get_object",
        {"Body": StreamingBody(io.BytesIO(data), len(data)), "ETag": '"v1"'},
        {
            "Bucket": BUCKET,
            "Key": "a.bin",
            "Range": f"bytes={first}-9",
            "IfMatch": '"v1"',
            **PAYER,
        },
    )


def test_a_short_answer_is_read_again_from_where_it_stopped(storage, stub):
    open_and_answer(stub, b"012", '"v1"')
    _answer_range(stub, b"3456789", 3)
    with storage.open("a.bin", "rb") as f:
        assert f.read(10) == b"0123456789"


def test_a_short_answer_that_persists_raises(storage, stub):
    storage.transfer_config.num_download_attempts = 2
    open_and_answer(stub, b"012", '"v1"')
    _answer_range(stub, b"", 3)
    message = "S3 ended the response for 'a.bin' early, at byte 3 of 10."
    with storage.open("a.bin", "rb") as f, pytest.raises(OSError, match=re.escape(message)):
        f.read(10)


def test_multipart_calls_repeat_what_the_upload_needs(storage, stub):
    stub.add_response(
        "create_multipart_upload",
        {"UploadId": "up-1"},
        {
            "Bucket": BUCKET,
            "Key": "w.txt",
            "CacheControl": "max-age=1",
            "ContentType": "text/plain",
            **PAYER,
        },
    )
    part = {"Bucket": BUCKET, "Key": "w.txt", "UploadId": "up-1", "Body": ANY, **PAYER}
    stub.add_response("upload_part", {"ETag": '"p1"'}, {**part, "PartNumber": 1})
    stub.add_response("upload_part", {"ETag": '"p2"'}, {**part, "PartNumber": 2})
    stub.add_response(
        "complete_multipart_upload",
        {},
        {
            "Bucket": BUCKET,
            "Key": "w.txt",
            "UploadId": "up-1",
            "MultipartUpload": {
                "Parts": [{"ETag": '"p1"', "PartNumber": 1}, {"ETag": '"p2"', "PartNumber": 2}]
            },
            **PAYER,
        },
    )
    with storage.open("w.txt", "w") as f:
        f.write("x" * (5 * MiB))
        f.write("y")


def test_abort_repeats_the_payer_parameters(storage, stub):
    stub.add_response("create_multipart_upload", {"UploadId": "up-1"}, None)
    stub.add_response(
        "abort_multipart_upload",
        {},
        {"Bucket": BUCKET, "Key": "w.txt", "UploadId": "up-1", **PAYER},
    )
    with pytest.raises(RuntimeError), storage.open("w.txt", "w") as f:  # noqa: PT012
        f.write("x")
        raise RuntimeError


def test_checksums_of_parts_go_into_the_completion(storage, stub):
    storage.object_parameters = {"ChecksumAlgorithm": "SHA256"}
    stub.add_response("create_multipart_upload", {"UploadId": "up-1"}, None)
    stub.add_response(
        "upload_part",
        {"ETag": '"p1"', "ChecksumSHA256": "c2hhMjU2"},
        {
            "Bucket": BUCKET,
            "Key": "c.bin",
            "UploadId": "up-1",
            "PartNumber": 1,
            "Body": ANY,
            "ChecksumAlgorithm": "SHA256",
        },
    )
    stub.add_response(
        "complete_multipart_upload",
        {},
        {
            "Bucket": BUCKET,
            "Key": "c.bin",
            "UploadId": "up-1",
            "MultipartUpload": {
                "Parts": [{"ETag": '"p1"', "PartNumber": 1, "ChecksumSHA256": "c2hhMjU2"}]
            },
        },
    )
    with storage.open("c.bin", "wb") as f:
        f.write(b"data")


def test_readinto_in_write_mode_raises_as_read_does(storage, stub):
    # Fix: readinto() skipped the mode check and returned 0 in write mode.
    f = storage.open("w.bin", "wb")
    buffer = bytearray(b"....")
    for read in (f.read, lambda: f.readinto(buffer)):
        with pytest.raises(AttributeError) as raised:
            read()
        assert str(raised.value) == "File was not opened in read mode."
    assert buffer == b"...."
    f.discard()  # nothing was sent: the Stubber answers no request


def test_part_size_is_at_least_5_mib_and_doubles_every_1000_parts():
    assert part_size(None, 1) == 5 * MiB
    assert part_size(0, 1) == 5 * MiB
    assert part_size(MiB, 1000) == 5 * MiB
    assert part_size(MiB, 1001) == 10 * MiB
    assert part_size(8 * MiB, 2001) == 32 * MiB
    # 10,000 parts of 5 MiB, 10 MiB, ... 2.5 GiB hold about 4.9 TiB (S3's largest object: 5 TiB).
    assert sum(part_size(None, n) for n in range(1, 10_001)) == 1000 * 5 * MiB * (2**10 - 1)
    assert part_size(None, 10_000) == 5 * MiB * 512 <= MAX_PART_SIZE
    assert part_size(1024**3, 10_000) == MAX_PART_SIZE


def test_a_version_replaced_before_the_first_read_is_followed_a_few_times(storage, stub):
    def head(etag: str) -> None:
        stub.add_response(
            "head_object",
            {"ContentLength": 3, "ETag": etag},
            {"Bucket": BUCKET, "Key": "a.bin", **PAYER},
        )

    def replaced(etag: str) -> None:
        stub.add_client_error(
            "get_object",
            service_error_code="PreconditionFailed",
            http_status_code=412,
            expected_params={
                "Bucket": BUCKET,
                "Key": "a.bin",
                "Range": "bytes=0-2",
                "IfMatch": etag,
                **PAYER,
            },
        )

    head('"v1"')
    for n in range(1, 5):  # replaced again each time, four times: then it gives up
        replaced(f'"v{n}"')
        head(f'"v{n + 1}"')
    replaced('"v5"')
    with storage.open("a.bin", "rb") as f, pytest.raises(ObjectChangedError) as caught:
        f.read()
    assert str(caught.value) == (
        "The object 'a.bin' changed while it was being read (its ETag is no longer \"v5\"); "
        "open the file again to read the new version."
    )
