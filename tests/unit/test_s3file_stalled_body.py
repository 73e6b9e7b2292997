"""A response that failed mid-body is closed, never drained (botocore Stubber)."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber
from urllib3.exceptions import ReadTimeoutError

from storages.backends.s3 import S3Storage

BUCKET = "bucket"


class StallingBody(io.BytesIO):
    """A response body whose reads time out once its first ``good`` bytes are read."""

    def __init__(self, data: bytes, good: int) -> None:
        super().__init__(data)
        self._good = good
        self.reads_after_stall = 0

    def _stall(self) -> ReadTimeoutError:
        self.reads_after_stall += 1
        return ReadTimeoutError(None, "http://127.0.0.1:9/bucket/a.bin", "Read timed out.")

    def readinto(self, buffer) -> int:
        if self.tell() >= self._good:
            raise self._stall()
        return super().readinto(memoryview(buffer)[: self._good - self.tell()])

    def read(self, size: int | None = -1) -> bytes:
        if self.tell() >= self._good:
            raise self._stall()
        return super().read(size)


@pytest.fixture
def storage() -> Iterator[tuple[S3Storage, Stubber]]:
    # The endpoint is never contacted: every call is answered by the Stubber.
    storage = S3Storage(
        bucket_name=BUCKET,
        access_key="AKIAEXAMPLE",
        secret_key="not-a-secret",
        region_name="us-east-1",
        endpoint_url="http://127.0.0.1:9",
    )
    with Stubber(storage.connection.meta.client) as stub:
        yield storage, stub
        stub.assert_no_pending_responses()


def test_a_stalled_body_is_fetched_again_without_waiting_for_it_twice(storage):
    storage, stub = storage
    stub.add_response(
        "head_object", {"ContentLength": 10, "ETag": '"v1"'}, {"Bucket": BUCKET, "Key": "a.bin"}
    )
    stalled = StallingBody(b"0123456789", good=3)
    for first, body in ((0, stalled), (3, io.BytesIO(b"3456789"))):
        stub.add_response(
            "get_object",
            {"Body": StreamingBody(body, 10 - first), "ETag": '"v1"'},
            {"Bucket": BUCKET, "Key": "a.bin", "Range": f"bytes={first}-9", "IfMatch": '"v1"'},
        )
    with storage.open("a.bin", "rb") as f:
        assert f.read(10) == b"0123456789"
    # The 7 bytes left are few enough to drain, but reading a stalled response on
    # would wait for another timeout: it was closed after its first failure.
    assert stalled.reads_after_stall == 1
