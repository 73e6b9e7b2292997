"""The Storage API of S3Storage, through real round trips on SeaweedFS."""

from __future__ import annotations

import datetime as dt
import gzip
import re
import threading
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import ClientError
from django.core.exceptions import SuspiciousFileOperation, SuspiciousOperation
from django.core.files.base import ContentFile, File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from helpers import OneWayStream
from storages.backends.s3 import S3File, S3Storage

pytestmark = pytest.mark.integration


def _head(client, bucket, key):
    return client.head_object(Bucket=bucket, Key=key)


def _body(client, bucket, key):
    return client.get_object(Bucket=bucket, Key=key)["Body"].read()


# -- save -------------------------------------------------------------------


def test_save_returns_cleaned_name_and_stores_under_location(make_storage, s3_client, bucket_name):
    storage = make_storage(location="media")
    name = storage.save("docs/./report.txt", ContentFile(b"data"))
    assert name == "docs/report.txt"
    assert _body(s3_client, bucket_name, "media/docs/report.txt") == b"data"


@pytest.mark.parametrize(
    ("name", "content", "expected_type", "expected_encoding"),
    [
        ("upload.bin", SimpleUploadedFile("x", b"x", content_type="image/png"), "image/png", None),
        ("page.html", ContentFile(b"<p>"), "text/html", None),
        ("blob.unknownext", ContentFile(b"?"), "application/octet-stream", None),
        ("archive.tar.gz", ContentFile(b"gz"), "application/x-tar", "gzip"),
        ("data.csv.gz", SimpleUploadedFile("x", b"x", content_type="text/csv"), "text/csv", "gzip"),
    ],
)
def test_save_content_type_and_encoding(
    storage, s3_client, bucket_name, name, content, expected_type, expected_encoding
):
    storage.save(name, content)
    head = _head(s3_client, bucket_name, name)
    assert head["ContentType"] == expected_type
    assert head.get("ContentEncoding") == expected_encoding


def test_save_sends_exactly_the_write_parameters(make_storage, record_calls):
    storage = make_storage(
        object_parameters={"CacheControl": "max-age=60", "Metadata": {"team": "web"}},
        default_acl="private",
    )
    calls = record_calls(storage)
    storage.save("a/b.css", ContentFile(b"body{}"))
    (params,) = calls.params("PutObject")
    params.pop("Body")
    # s3transfer (not the storage) adds its default checksum algorithm.
    assert params.pop("ChecksumAlgorithm", "CRC32") == "CRC32"
    assert params == {
        "Bucket": storage.bucket_name,
        "Key": "a/b.css",
        "CacheControl": "max-age=60",
        "Metadata": {"team": "web"},
        "ACL": "private",
        "ContentType": "text/css",
    }
    assert calls.names == ["PutObject"]


def test_object_parameters_content_type_disables_guessing(make_storage, s3_client, bucket_name):
    storage = make_storage(object_parameters={"ContentType": "application/x-custom"})
    storage.save("x.tar.gz", ContentFile(b"x"))
    head = _head(s3_client, bucket_name, "x.tar.gz")
    assert head["ContentType"] == "application/x-custom"
    assert "ContentEncoding" not in head


class PerObjectStorage(S3Storage):
    def get_object_parameters(self, name):
        params = super().get_object_parameters(name)
        if name.endswith(".pdf"):
            params["ContentDisposition"] = "attachment"
        return params


def test_get_object_parameters_override_sees_full_key(make_storage, s3_client, bucket_name):
    seen = []

    class Recording(PerObjectStorage):
        def get_object_parameters(self, name):
            seen.append(name)
            return super().get_object_parameters(name)

    storage = make_storage(Recording, location="loc")
    storage.save("doc.pdf", ContentFile(b"%PDF"))
    assert seen == ["loc/doc.pdf"]
    assert _head(s3_client, bucket_name, "loc/doc.pdf")["ContentDisposition"] == "attachment"


def test_gzip_compresses_listed_types_only(make_storage, s3_client, bucket_name):
    storage = make_storage(gzip=True)
    css = b"body { color: red; }\n" * 200
    storage.save("style.css", ContentFile(css))
    storage.save("image.png", ContentFile(b"\x89PNG" * 100))
    head = _head(s3_client, bucket_name, "style.css")
    assert head["ContentEncoding"] == "gzip"
    assert gzip.decompress(_body(s3_client, bucket_name, "style.css")) == css
    assert "ContentEncoding" not in _head(s3_client, bucket_name, "image.png")
    with storage.open("style.css", "rb") as f:
        assert f.read() == css


def test_save_text_and_non_seekable_content(storage, s3_client, bucket_name):
    storage.save("text.txt", ContentFile("héllo wörld"))
    assert _body(s3_client, bucket_name, "text.txt") == "héllo wörld".encode()

    storage.save("stream.bin", File(OneWayStream(b"streamed bytes"), name="stream.bin"))
    assert _body(s3_client, bucket_name, "stream.bin") == b"streamed bytes"


def test_save_leaves_callers_file_open_and_rewinds_it(storage, s3_client, bucket_name):
    content = ContentFile(b"0123456789", name="n.txt")
    content.read(4)
    storage.save("n.txt", content)
    assert not content.closed
    assert _body(s3_client, bucket_name, "n.txt") == b"0123456789"


def test_save_large_file_uses_multipart(storage, s3_client, bucket_name, record_calls):
    calls = record_calls(storage)
    data = bytes(range(256)) * (9 * 1024 * 1024 // 256)  # 9 MiB > the 8 MiB threshold
    storage.save("big.bin", ContentFile(data))
    assert "CreateMultipartUpload" in calls.names
    assert _body(s3_client, bucket_name, "big.bin") == data


# -- file_overwrite and names ---------------------------------------------------


def test_file_overwrite_true_reuses_name(storage):
    assert storage.save("same.txt", ContentFile(b"1")) == "same.txt"
    assert storage.save("same.txt", ContentFile(b"2")) == "same.txt"
    with storage.open("same.txt") as f:
        assert f.read() == b"2"


def test_file_overwrite_false_picks_new_name(make_storage):
    storage = make_storage(file_overwrite=False)
    assert storage.save("same.txt", ContentFile(b"1")) == "same.txt"
    second = storage.save("same.txt", ContentFile(b"2"))
    assert re.fullmatch(r"same_[A-Za-z0-9]{7}\.txt", second)
    with storage.open("same.txt") as f:
        assert f.read() == b"1"


def test_name_escaping_location_is_refused(make_storage, s3_client, bucket_name):
    storage = make_storage(location="media")
    for method in (storage.exists, storage.url, storage.size, storage.delete):
        with pytest.raises(SuspiciousOperation) as info:
            method("../secret.txt")
        assert str(info.value) == "Attempted access to '../secret.txt' denied."
    with pytest.raises(SuspiciousFileOperation) as info:
        storage.save("../secret.txt", ContentFile(b"x"))
    assert str(info.value) == "Detected path traversal attempt in '../secret.txt'"
    assert s3_client.list_objects_v2(Bucket=bucket_name).get("KeyCount") == 0


def test_dotdot_is_clamped_with_empty_location(storage):
    # Keep: the reference clamps ".." to the bucket root when there is no location.
    storage.save("etc/passwd", ContentFile(b"x"))
    assert storage.exists("../../etc/passwd")


# -- open, size, times ----------------------------------------------------------


def test_open_missing_raises_file_not_found(make_storage):
    storage = make_storage(location="media")
    with pytest.raises(FileNotFoundError) as info:
        storage.open("nope.txt")
    assert str(info.value) == "File does not exist: media/nope.txt"


def test_open_returns_s3file(storage):
    storage.save("f.txt", ContentFile(b"line1\nline2\n"))
    with storage.open("f.txt", "r") as f:
        assert isinstance(f, S3File)
        assert f.name == "f.txt"
        assert f.read() == "line1\nline2\n"


def test_open_write_then_read(storage):
    with storage.open("w.txt", "w") as f:
        f.write("hello ")
        f.write(b"bytes")
    with storage.open("w.txt", "rb") as f:
        assert f.read() == b"hello bytes"


def test_size(storage):
    storage.save("s.bin", ContentFile(b"x" * 1234))
    assert storage.size("s.bin") == 1234
    with pytest.raises(FileNotFoundError) as info:
        storage.size("missing.bin")
    assert str(info.value) == "File does not exist: missing.bin"


def test_modified_time_aware_with_use_tz(storage):
    before = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(seconds=5)
    storage.save("t.txt", ContentFile(b"x"))
    modified = storage.get_modified_time("t.txt")
    assert modified.tzinfo is not None
    assert before <= modified <= dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5)


@override_settings(USE_TZ=False, TIME_ZONE="America/Chicago")
def test_modified_time_naive_local_without_use_tz(storage):
    storage.save("t.txt", ContentFile(b"x"))
    modified = storage.get_modified_time("t.txt")
    assert modified.tzinfo is None
    aware = storage.bucket.Object("t.txt").last_modified
    expected = aware.astimezone(dt.timezone(dt.timedelta(hours=-6))).replace(tzinfo=None)
    chicago_summer = aware.astimezone(dt.timezone(dt.timedelta(hours=-5))).replace(tzinfo=None)
    assert modified in (expected, chicago_summer)


def test_modified_time_of_missing_file(storage):
    # Fix: the reference raises a raw ClientError here.
    with pytest.raises(FileNotFoundError) as info:
        storage.get_modified_time("missing.txt")
    assert str(info.value) == "File does not exist: missing.txt"


def test_times_not_implemented(storage):
    with pytest.raises(NotImplementedError) as info:
        storage.path("x")
    assert str(info.value) == "This backend doesn't support absolute paths."
    with pytest.raises(NotImplementedError):
        storage.get_accessed_time("x")
    with pytest.raises(NotImplementedError):
        storage.get_created_time("x")


# -- exists, delete, listdir -----------------------------------------------------


def test_exists_and_delete(storage):
    assert not storage.exists("e.txt")
    storage.save("e.txt", ContentFile(b"x"))
    assert storage.exists("e.txt")
    # Keep: a "directory" is not an object.
    assert not storage.exists("dir/")
    storage.delete("e.txt")
    assert not storage.exists("e.txt")
    assert storage.delete("e.txt") is None


def test_listdir(make_storage):
    storage = make_storage(location="root")
    for name in ("a.txt", "b.txt", "sub/c.txt", "sub/deeper/d.txt", "other/e.txt"):
        storage.save(name, ContentFile(b"x"))
    dirs, files = storage.listdir("")
    assert (sorted(dirs), sorted(files)) == (["other", "sub"], ["a.txt", "b.txt"])
    assert storage.listdir("sub") == (["deeper"], ["c.txt"])
    assert storage.listdir("sub/") == (["deeper"], ["c.txt"])
    assert storage.listdir("nothing-here") == ([], [])


def test_listdir_paginates(storage, s3_client, bucket_name):
    names = [f"many/{i:05d}.txt" for i in range(1105)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda k: s3_client.put_object(Bucket=bucket_name, Key=k, Body=b""), names))
    dirs, files = storage.listdir("many")
    assert dirs == []
    assert sorted(files) == [name.split("/")[1] for name in names]


# -- url -------------------------------------------------------------------------------


def test_presigned_url_downloads(storage):
    storage.save("folder/hello world.txt", ContentFile(b"hi there"))
    url = storage.url("folder/hello world.txt")
    assert "X-Amz-Signature=" in url or "Signature=" in url
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
        assert response.read() == b"hi there"


def test_presigned_url_with_parameters(make_storage):
    # SeaweedFS refuses legacy (SigV2) presigned URLs that carry response-* parameters,
    # which boto3 picks for us-east-1 without a signature_version.
    storage = make_storage(signature_version="s3v4")
    storage.save("report.csv", ContentFile(b"a,b"))
    url = storage.url(
        "report.csv", parameters={"ResponseContentDisposition": "attachment; filename=r.csv"}
    )
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
        assert response.headers["Content-Disposition"] == "attachment; filename=r.csv"


def test_unsigned_and_custom_domain_urls(make_storage, s3_server, bucket_name):
    unsigned = make_storage(querystring_auth=False)
    assert unsigned.url("a b.txt") == f"{s3_server.endpoint_url}/{bucket_name}/a%20b.txt"
    custom = make_storage(custom_domain="cdn.example.com/static", location="media")
    assert custom.url("a b&c.txt") == "https://cdn.example.com/static/media/a%20b%26c.txt"
    assert custom.url("") == "https://cdn.example.com/static/media/"
    assert (
        custom.url("x.txt", parameters={"v": "1"})
        == "https://cdn.example.com/static/media/x.txt?v=1"
    )
    relative = make_storage(custom_domain="cdn.example.com", url_protocol="")
    assert relative.url("x.txt") == "//cdn.example.com/x.txt"


# -- failures --------------------------------------------------------------------------


def test_missing_bucket(s3_server):
    storage = S3Storage(**s3_server.storage_options("no-such-bucket-here"))
    with pytest.raises(ClientError) as info:
        storage.save("x.txt", ContentFile(b"x"))
    assert info.value.response["Error"]["Code"] == "NoSuchBucket"
    with pytest.raises(ClientError) as info:
        storage.listdir("")
    assert info.value.response["Error"]["Code"] == "NoSuchBucket"
    assert storage.exists("x.txt") is False
    assert storage.delete("x.txt") is None


def test_wrong_credentials_fail_fast_and_clearly(make_storage, s3_server):
    storage = make_storage(secret_key="definitely-wrong")
    with pytest.raises(ClientError) as info:
        storage.save("x.txt", ContentFile(b"x"))
    assert info.value.response["Error"]["Code"] in ("SignatureDoesNotMatch", "AccessDenied")
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert s3_server.secret_key not in str(info.value)
    assert "definitely-wrong" not in str(info.value)
    with pytest.raises(ClientError) as info:
        storage.exists("x.txt")
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_threads_share_one_storage(storage):
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            name = storage.save(f"thread/{i}.txt", ContentFile(str(i).encode()))
            with storage.open(name) as f:
                assert f.read() == str(i).encode()
            assert storage.exists(name)
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(storage.listdir("thread")[1]) == sorted(f"{i}.txt" for i in range(8))
