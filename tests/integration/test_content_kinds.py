"""Content of every shape: empty, unseekable, non-UTF-8 text, chunk generators, multipart sizes."""

from __future__ import annotations

import io

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from django.core.files.base import ContentFile, File

from faultproxy import Fault, FaultProxy
from helpers import OneWayStream
from storages.backends.s3 import S3Storage

pytestmark = pytest.mark.integration

MiB = 1024 * 1024


def _body(client, bucket, key):
    return client.get_object(Bucket=bucket, Key=key)["Body"].read()


def _uploads(client, bucket):
    return client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])


def test_empty_file(storage, s3_client, bucket_name):
    assert storage.save("empty.txt", ContentFile(b"")) == "empty.txt"
    assert _body(s3_client, bucket_name, "empty.txt") == b""
    assert storage.size("empty.txt") == 0
    with storage.open("empty.txt", "rb") as f:
        assert f.read() == b""


def test_text_file_in_a_legacy_encoding_is_stored_in_that_encoding(
    storage, s3_client, bucket_name, tmp_path
):
    path = tmp_path / "latin.txt"
    path.write_text("café crème\n", encoding="cp1252")
    with open(path, encoding="cp1252") as handle:
        storage.save("latin.txt", File(handle))
    assert _body(s3_client, bucket_name, "latin.txt") == "café crème\n".encode("cp1252")
    # Keep: text reads are UTF-8 only, so these bytes do not decode.
    with storage.open("latin.txt", "r") as f, pytest.raises(UnicodeDecodeError):
        f.read()


def test_unseekable_stream_larger_than_the_multipart_threshold(storage, s3_client, bucket_name):
    data = bytes(range(256)) * (10 * MiB // 256)

    storage.save(
        "pipe.bin", File(io.BufferedReader(OneWayStream(data, piece=65536)), name="pipe.bin")
    )
    assert _body(s3_client, bucket_name, "pipe.bin") == data
    assert _uploads(s3_client, bucket_name) == []


def test_generator_of_chunks_through_an_open_file(storage, s3_client, bucket_name):
    def chunks():
        for index in range(12):
            yield bytes([index]) * MiB

    with storage.open("gen.bin", "wb") as f:
        f.writelines(chunks())
    assert _body(s3_client, bucket_name, "gen.bin") == b"".join(chunks())


@pytest.fixture
def proxied(s3_server, bucket_name):
    proxy = FaultProxy(s3_server.s3_port)
    storage = S3Storage(
        **s3_server.storage_options(
            bucket_name,
            endpoint_url=proxy.endpoint_url,
            client_config=Config(
                retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=2, read_timeout=5
            ),
        )
    )
    yield storage, proxy
    proxy.close()


def test_open_for_writing_retries_a_failed_part(proxied, s3_client, bucket_name):
    storage, proxy = proxied
    proxy.add(Fault("status", method="PUT", path_pattern=r"partNumber=2", status=503))
    proxy.add(Fault("drop_request", method="PUT", path_pattern=r"partNumber=1"))
    data = bytes(range(256)) * (12 * MiB // 256)
    with storage.open("parts.bin", "wb") as f:
        for offset in range(0, len(data), MiB):
            f.write(data[offset : offset + MiB])
    assert _body(s3_client, bucket_name, "parts.bin") == data
    assert len(proxy.injected) == 2
    assert _uploads(s3_client, bucket_name) == []


def test_open_for_writing_that_keeps_failing_leaves_nothing(proxied, s3_client, bucket_name):
    storage, proxy = proxied
    proxy.add(Fault("status", method="PUT", path_pattern=r"partNumber=2", status=500, times=10))
    f = storage.open("parts.bin", "wb")

    def write_all() -> None:
        for _ in range(12):
            f.write(b"x" * MiB)
        f.close()

    with pytest.raises(ClientError) as info:
        write_all()
    assert info.value.response["Error"]["Code"] == "InternalError"
    with pytest.raises(ClientError):
        f.close()  # closing a failed upload never reports success
    assert s3_client.list_objects_v2(Bucket=bucket_name).get("KeyCount") == 0
    assert _uploads(s3_client, bucket_name) == []
