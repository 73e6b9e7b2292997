"""Nothing lost: a failed or abandoned S3File upload leaves no object and no upload behind."""

from __future__ import annotations

import logging
import os
import re

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError

from storages.backends.s3 import S3Storage
from storages.testing.seaweedfs import SeaweedFS

MiB = 1024 * 1024
NO_SUCH_UPLOAD = (
    "An error occurred (NoSuchUpload) when calling the {operation} operation: The specified "
    "multipart upload does not exist. The upload ID may be invalid, or the upload may have "
    "been aborted or completed."
)


def uploads(s3_client, bucket_name) -> list[dict]:
    return s3_client.list_multipart_uploads(Bucket=bucket_name).get("Uploads", [])


def keys(s3_client, bucket_name) -> list[str]:
    listing = s3_client.list_objects_v2(Bucket=bucket_name)
    return [item["Key"] for item in listing.get("Contents", [])]


def start_upload(storage, name):
    """Open ``name`` for writing and get part 1 uploaded; 1 MiB stays buffered."""
    f = storage.open(name, "wb")
    block = os.urandom(MiB)
    for _ in range(6):
        f.write(block)
    f.flush()
    return f


def test_exception_in_with_block_aborts_the_upload(storage, s3_client, bucket_name):
    s3_client.put_object(Bucket=bucket_name, Key="old.bin", Body=b"old")
    block = os.urandom(MiB)
    for name in ("old.bin", "new.bin", "unwritten.bin"):
        with pytest.raises(KeyError), storage.open(name, "wb") as f:  # noqa: PT012
            if name != "unwritten.bin":
                for _ in range(12):
                    f.write(block)
            raise KeyError("stop")
        assert f.closed is True
    assert keys(s3_client, bucket_name) == ["old.bin"]
    assert s3_client.get_object(Bucket=bucket_name, Key="old.bin")["Body"].read() == b"old"
    assert uploads(s3_client, bucket_name) == []


def test_discard_aborts_without_an_exception(storage, s3_client, bucket_name):
    f = start_upload(storage, "d.bin")
    f.discard()
    assert f.closed is True
    f.close()  # nothing left to do
    assert keys(s3_client, bucket_name) == []
    assert uploads(s3_client, bucket_name) == []


def test_failed_part_aborts_and_every_later_call_raises(storage, s3_client, bucket_name):
    f = start_upload(storage, "p.bin")
    [upload] = uploads(s3_client, bucket_name)
    s3_client.abort_multipart_upload(Bucket=bucket_name, Key="p.bin", UploadId=upload["UploadId"])
    f.write(os.urandom(5 * MiB))
    f.write(b"!")  # part 2 starts uploading in the background, and fails
    message = NO_SUCH_UPLOAD.format(operation="UploadPart")
    with pytest.raises(ClientError, match=re.escape(message)):
        f.flush()
    with pytest.raises(ClientError, match=re.escape(message)):
        f.write(b"more")
    # Closing never reports success for a failed upload; a second close does nothing.
    with pytest.raises(ClientError, match=re.escape(message)):
        f.close()
    f.close()
    assert keys(s3_client, bucket_name) == []
    assert uploads(s3_client, bucket_name) == []


def test_failed_completion_aborts_and_close_raises(storage, s3_client, bucket_name):
    s3_client.put_object(Bucket=bucket_name, Key="c.bin", Body=b"old")

    def vanish(params, **kwargs):
        # The upload disappears on the server just before the completion arrives.
        s3_client.abort_multipart_upload(
            Bucket=bucket_name, Key=params["Key"], UploadId=params["UploadId"]
        )

    storage.connection.meta.client.meta.events.register(
        "provide-client-params.s3.CompleteMultipartUpload", vanish
    )
    f = start_upload(storage, "c.bin")
    with pytest.raises(ClientError) as caught:
        f.close()
    assert str(caught.value) == NO_SUCH_UPLOAD.format(operation="CompleteMultipartUpload")
    assert f.closed is True
    assert s3_client.get_object(Bucket=bucket_name, Key="c.bin")["Body"].read() == b"old"
    assert uploads(s3_client, bucket_name) == []


def test_server_stopped_mid_upload(tmp_path, caplog):
    server = SeaweedFS(data_dir=tmp_path / "s3")
    server.start()
    try:
        server.create_bucket("stopped")
        client = server.client()
        # No retries and short timeouts: the outage is reported at once.
        config = Config(retries={"max_attempts": 1}, connect_timeout=1, read_timeout=10)
        storage = S3Storage(**server.storage_options("stopped", client_config=config))
        f = start_upload(storage, "big.bin")
        [upload] = uploads(client, "stopped")
        server.stop()

        f.write(os.urandom(5 * MiB))
        f.write(b"!")  # part 2 goes to a server that is gone
        message = (
            f'Could not connect to the endpoint URL: "{server.endpoint_url}/stopped/big.bin'
            f'?uploadId={upload["UploadId"]}&partNumber=2"'
        )
        with caplog.at_level(logging.WARNING, logger="storages"):
            with pytest.raises(EndpointConnectionError, match=re.escape(message)):
                f.flush()
            with pytest.raises(EndpointConnectionError, match=re.escape(message)):
                f.write(b"more")
        warning = (
            f"Could not abort the multipart upload {upload['UploadId']} of big.bin "
            "(EndpointConnectionError); it will be retried on close. A bucket lifecycle "
            "rule (AbortIncompleteMultipartUpload) removes leftovers."
        )
        assert caplog.messages == [warning, warning]

        # Back up (same data, same port): close() still raises, and its abort goes through.
        server.start()
        with pytest.raises(EndpointConnectionError, match=re.escape(message)):
            f.close()
        f.close()
        assert keys(client, "stopped") == []
        assert uploads(client, "stopped") == []
    finally:
        server.stop()


def test_server_gone_for_good_close_still_raises(tmp_path):
    server = SeaweedFS(data_dir=tmp_path / "s3")
    server.start()
    try:
        server.create_bucket("gone")
        config = Config(retries={"max_attempts": 1}, connect_timeout=1, read_timeout=10)
        storage = S3Storage(**server.storage_options("gone", client_config=config))
        f = start_upload(storage, "big.bin")
    finally:
        server.stop()
    with pytest.raises(EndpointConnectionError):
        f.close()
    assert f.closed is True
