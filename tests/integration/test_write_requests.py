"""Every writer's S3 requests, as recorded on the client: operations, parameters, stored bytes.

One write request serves ``save()`` (overwrite and create-only), ``S3File``'s
close, the app's collectstatic uploader and ``s3probe``; these pin what each
of them sends, so that a change to that request shows here.
"""

from __future__ import annotations

import gzip

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage

from storages.backends._s3.probe import Probe
from storages.backends._s3.static.listing import ListingView
from storages.backends._s3.static.uploads import Uploader
from storages.backends.s3 import S3Storage

pytestmark = pytest.mark.integration

BIG = 9 * 1024 * 1024  # above the 8 MiB multipart threshold
CSS = b"body { color: red; }\n" * 100
EXTRA = {"CacheControl": "max-age=60", "Metadata": {"origin": "test"}}


@pytest.fixture
def gzip_storage(make_storage):
    return make_storage(gzip=True, object_parameters=EXTRA)


def _ours(params):
    """Return the parameters our code chose: no body, nothing s3transfer adds."""
    # upload_fileobj (s3transfer) adds ChecksumAlgorithm in recent versions.
    return {
        name: value for name, value in params.items() if name not in ("Body", "ChecksumAlgorithm")
    }


def _stored(client, bucket, key):
    return client.get_object(Bucket=bucket, Key=key)


def test_overwrite_save_is_one_gzipped_put(gzip_storage, record_calls, s3_client, bucket_name):
    calls = record_calls(gzip_storage)
    gzip_storage.save("a.css", ContentFile(CSS))
    assert calls.names == ["PutObject"]
    assert _ours(calls.params("PutObject")[0]) == {
        "Bucket": bucket_name,
        "Key": "a.css",
        "ContentType": "text/css",
        "ContentEncoding": "gzip",
        **EXTRA,
    }
    stored = _stored(s3_client, bucket_name, "a.css")
    assert stored["ContentEncoding"] == "gzip"
    assert gzip.decompress(stored["Body"].read()) == CSS


def test_create_only_save_is_a_conditional_put(make_storage, record_calls, bucket_name):
    storage = make_storage(gzip=True, object_parameters=EXTRA, file_overwrite=False)
    calls = record_calls(storage)
    storage.save("a.css", ContentFile(CSS))
    assert calls.names == ["PutObject"]  # the condition is the check: no HEAD first
    assert _ours(calls.params("PutObject")[0]) == {
        "Bucket": bucket_name,
        "Key": "a.css",
        "ContentType": "text/css",
        "ContentEncoding": "gzip",
        "IfNoneMatch": "*",
        **EXTRA,
    }
    assert gzip.decompress(calls.params("PutObject")[0]["Body"]) == CSS


@pytest.mark.parametrize("overwrite", [True, False], ids=["overwrite", "create-only"])
def test_a_save_above_the_threshold_is_multipart(
    make_storage, record_calls, bucket_name, overwrite
):
    storage = make_storage(object_parameters=EXTRA, file_overwrite=overwrite)
    calls = record_calls(storage)
    storage.save("a.bin", ContentFile(b"x" * BIG))
    multipart = ["CreateMultipartUpload", "UploadPart", "UploadPart", "CompleteMultipartUpload"]
    assert calls.names == multipart
    assert _ours(calls.params("CreateMultipartUpload")[0]) == {
        "Bucket": bucket_name,
        "Key": "a.bin",
        "ContentType": "application/octet-stream",
        **EXTRA,
    }
    # Create-only: the completion carries the condition.
    condition = calls.params("CompleteMultipartUpload")[0].get("IfNoneMatch")
    assert condition == (None if overwrite else "*")


def test_s3file_closed_empty_puts_an_empty_object(gzip_storage, record_calls, bucket_name):
    calls = record_calls(gzip_storage)
    gzip_storage.open("empty.css", "wb").close()
    assert calls.names == ["HeadObject", "PutObject"]
    assert calls.params("PutObject")[0] == {
        "Bucket": bucket_name,
        "Key": "empty.css",
        "Body": b"",
        "ContentType": "text/css",
        **EXTRA,
    }


def test_s3file_writes_start_with_the_write_parameters(gzip_storage, record_calls, bucket_name):
    calls = record_calls(gzip_storage)
    with gzip_storage.open("w.css", "wb") as f:
        f.write(b"x")
    assert calls.names == ["CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload"]
    assert calls.params("CreateMultipartUpload")[0] == {
        "Bucket": bucket_name,
        "Key": "w.css",
        "ContentType": "text/css",
        **EXTRA,
    }


def test_probe_puts_its_plain_temporary_object(gzip_storage, record_calls, bucket_name):
    probe = Probe(gzip_storage, timeout=5)
    calls = record_calls(gzip_storage)
    probe.put()
    assert calls.params("PutObject") == [
        {
            "Bucket": bucket_name,
            "Key": probe.key,
            "Body": probe.body,
            "ContentType": "text/plain",
            **EXTRA,
        }
    ]
    probe.delete()


@pytest.mark.parametrize("size", [len(CSS), BIG], ids=["put", "transfer-manager"])
def test_collectstatic_uploader_sends_what_save_would(
    gzip_storage, record_calls, s3_client, bucket_name, tmp_path, size
):
    data = (CSS * (size // len(CSS) + 1))[:size]
    (tmp_path / "a.css").write_bytes(data)
    calls = record_calls(gzip_storage)
    uploader = Uploader(gzip_storage, ListingView(gzip_storage), workers=2)
    try:
        uploader.submit("a.css", FileSystemStorage(location=tmp_path), "a.css")
        [result] = uploader.results()
    finally:
        uploader.close()
    assert result.error is None
    assert result.uploaded
    assert calls.names == ["PutObject"]  # (the listing is made on a worker's own client)
    put = calls.params("PutObject")[0]
    assert _ours(put) == {
        "Bucket": bucket_name,
        "Key": "a.css",
        "ContentType": "text/css",
        "ContentEncoding": "gzip",
        **EXTRA,
    }
    # Small: read whole and sent as one PutObject; large: through boto3's transfer manager.
    assert isinstance(put["Body"], bytes) == (size < BIG)
    stored = _stored(s3_client, bucket_name, "a.css")
    assert gzip.decompress(stored["Body"].read()) == data


@pytest.mark.parametrize(
    "writer", ["save", "create-only save", "open wb", "open wb, nothing written"]
)
def test_every_writer_writes_to_a_bucket_a_subclass_supplies(
    make_storage, s3_server, s3_client, bucket_name, writer
):
    other = bucket_name + "-own"
    s3_server.create_bucket(other)

    class OwnBucket(S3Storage):
        @property
        def bucket(self):
            return self.connection.Bucket(other)

    storage = make_storage(OwnBucket, file_overwrite=writer != "create-only save")
    data = b"" if writer == "open wb, nothing written" else b"own bucket"
    if writer.startswith("open"):
        with storage.open("a.txt", "wb") as f:
            f.write(data)
    else:
        storage.save("a.txt", ContentFile(data))
    assert _stored(s3_client, other, "a.txt")["Body"].read() == data
    assert s3_client.list_objects_v2(Bucket=bucket_name).get("KeyCount") == 0
