"""file_overwrite=False: concurrent writers never replace each other (If-None-Match: *)."""

from __future__ import annotations

import gzip
import random
import re
import threading
from collections.abc import Iterator

import pytest
from django.core.files.base import ContentFile, File

from faultproxy import Fault, FaultProxy
from helpers import OneWayStream
from storages.backends.s3 import S3Storage

pytestmark = pytest.mark.integration

BIG = 9 * 1024 * 1024  # above the 8 MiB multipart threshold
SMALL = 100_000


class StaleCheckStorage(S3Storage):
    """Sees every name as free once, as a writer racing another one would."""

    def __init__(self, **options):
        super().__init__(**options)
        self.stale_answers = 1

    def exists(self, name):
        if self.stale_answers:
            self.stale_answers -= 1
            return False
        return super().exists(name)


def _body(client, bucket, key):
    return client.get_object(Bucket=bucket, Key=key)["Body"].read()


def _keys(client, bucket):
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=bucket).get("Contents", []))


@pytest.mark.parametrize("size", [10, BIG], ids=["put", "multipart"])
def test_a_name_taken_meanwhile_gets_another_name(make_storage, s3_client, bucket_name, size):
    first = make_storage(file_overwrite=False)
    assert first.save("report.txt", ContentFile(b"a" * size)) == "report.txt"
    racer = make_storage(StaleCheckStorage, file_overwrite=False)
    name = racer.save("report.txt", ContentFile(b"b" * size))
    assert re.fullmatch(r"report_[A-Za-z0-9]{7}\.txt", name)
    assert _body(s3_client, bucket_name, "report.txt") == b"a" * size
    assert _body(s3_client, bucket_name, name) == b"b" * size
    assert s3_client.list_multipart_uploads(Bucket=bucket_name).get("Uploads", []) == []


def test_unseekable_content_is_sent_again_under_another_name(make_storage, s3_client, bucket_name):
    make_storage().save("taken.txt", ContentFile(b"first"))
    racer = make_storage(StaleCheckStorage, file_overwrite=False)

    name = racer.save("taken.txt", File(OneWayStream(b"second"), name="taken.txt"))
    assert re.fullmatch(r"taken_[A-Za-z0-9]{7}\.txt", name)
    assert _keys(s3_client, bucket_name) == sorted(["taken.txt", name])
    assert _body(s3_client, bucket_name, "taken.txt") == b"first"
    assert _body(s3_client, bucket_name, name) == b"second"


def test_many_threads_saving_one_name(make_storage, s3_client, bucket_name):
    storage = make_storage(file_overwrite=False)
    barrier = threading.Barrier(8)
    names: list[str] = []
    errors: list[BaseException] = []

    def save(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            names.append(storage.save("same.txt", ContentFile(f"writer {index}".encode())))
        except BaseException as err:  # reported by the main thread
            errors.append(err)

    threads = [threading.Thread(target=save, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert len(set(names)) == 8
    contents = {_body(s3_client, bucket_name, name) for name in names}
    assert contents == {f"writer {i}".encode() for i in range(8)}


def test_store_without_conditional_writes_falls_back(s3_server, bucket_name, s3_client):
    proxy = FaultProxy(s3_server.s3_port)
    try:
        storage = S3Storage(
            **s3_server.storage_options(
                bucket_name, endpoint_url=proxy.endpoint_url, file_overwrite=False
            )
        )
        proxy.add(Fault("status", method="PUT", status=501, code="NotImplemented"))
        assert storage.save("a.txt", ContentFile(b"1")) == "a.txt"
        assert storage.save("b.txt", ContentFile(b"2")) == "b.txt"
        puts = [request for request in proxy.requests if request[0] == "PUT"]
        # The refused conditional PUT, its plain retry, then plain PUTs only.
        assert len(puts) == 3
    finally:
        proxy.close()
    assert _body(s3_client, bucket_name, "a.txt") == b"1"
    assert _body(s3_client, bucket_name, "b.txt") == b"2"


@pytest.fixture
def without_conditional_writes(s3_server, bucket_name) -> Iterator[tuple[S3Storage, FaultProxy]]:
    """A create-only storage behind a proxy; add a Fault to refuse its conditional request."""
    proxy = FaultProxy(s3_server.s3_port)
    storage = S3Storage(
        **s3_server.storage_options(
            bucket_name, endpoint_url=proxy.endpoint_url, file_overwrite=False, gzip=True
        )
    )
    yield storage, proxy
    proxy.close()


def _refuse_conditional_request(proxy: FaultProxy, size: int) -> Fault:
    # The header rides on PutObject, or on CompleteMultipartUpload (POST ?uploadId=).
    if size < BIG:
        return proxy.add(Fault("status", method="PUT", status=501, code="NotImplemented"))
    return proxy.add(
        Fault("status", method="POST", path_pattern="uploadId=", status=501, code="NotImplemented")
    )


@pytest.mark.parametrize("seekable", [True, False], ids=["seekable", "unseekable"])
@pytest.mark.parametrize("size", [SMALL, BIG], ids=["put", "multipart"])
def test_gzip_survives_the_fallback_to_a_plain_upload(
    without_conditional_writes, s3_client, bucket_name, size, seekable
):
    storage, proxy = without_conditional_writes
    # Random bytes do not compress: the gzip body stays above the multipart threshold.
    data = random.Random(size).randbytes(size)
    content = ContentFile(data) if seekable else File(OneWayStream(data, piece=65536))
    refused = _refuse_conditional_request(proxy, size)

    assert storage.save("style.css", content) == "style.css"
    assert refused.hits == 1
    stored = s3_client.get_object(Bucket=bucket_name, Key="style.css")
    assert stored["ContentEncoding"] == "gzip"
    assert gzip.decompress(stored["Body"].read()) == data
    with storage.open("style.css", "rb") as f:
        assert f.read() == data
    assert s3_client.list_multipart_uploads(Bucket=bucket_name).get("Uploads", []) == []


@pytest.mark.parametrize("size", [SMALL, BIG], ids=["put", "multipart"])
def test_unseekable_content_survives_the_fallback_to_a_plain_upload(
    without_conditional_writes, s3_client, bucket_name, size
):
    storage, proxy = without_conditional_writes
    data = bytes(range(256)) * (size // 256)
    refused = _refuse_conditional_request(proxy, size)

    assert storage.save("data.bin", File(OneWayStream(data, piece=65536))) == "data.bin"
    assert refused.hits == 1
    stored = s3_client.get_object(Bucket=bucket_name, Key="data.bin")
    assert "ContentEncoding" not in stored
    assert stored["Body"].read() == data
