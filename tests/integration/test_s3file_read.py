"""S3File read modes on SeaweedFS: django-storages' contract, plus lazy ranged reads."""

from __future__ import annotations

import gzip
import io
import os
import re

import pytest
from boto3.s3.transfer import TransferConfig
from django.http import FileResponse

from storages.backends._s3.files.reader import ObjectChangedError
from storages.backends.s3 import S3File

MiB = 1024 * 1024


@pytest.fixture
def data() -> bytes:
    return os.urandom(20 * MiB)


@pytest.fixture
def big(storage, s3_client, bucket_name, data) -> str:
    """A 20 MiB object named "big.bin"."""
    s3_client.put_object(Bucket=bucket_name, Key="big.bin", Body=data)
    return "big.bin"


#: The ranges a sequential read of the 20 MiB object asks for, with the default settings.
SEQUENTIAL_20_MIB = [
    "bytes=0-65535",
    "bytes=65536-4259839",
    "bytes=4259840-12648447",
    "bytes=12648448-20971519",
]


def ranges(recorder) -> list[str]:
    return [params["Range"] for params in recorder.params("GetObject")]


def test_open_makes_one_head_and_downloads_nothing(storage, big, record_calls):
    calls = record_calls(storage)
    f = storage.open(big, "rb")
    assert calls.names == ["HeadObject"]
    assert f.size == 20 * MiB
    assert calls.names == ["HeadObject"]
    f.close()
    assert calls.names == ["HeadObject"]


def test_read_n_fetches_one_small_first_window(storage, big, data, record_calls, s3_client):
    etag = s3_client.head_object(Bucket=storage.bucket_name, Key=big)["ETag"]
    calls = record_calls(storage)
    with storage.open(big, "rb") as f:
        assert f.read(1024) == data[:1024]
        assert f.read(1024) == data[1024:2048]
        assert f.tell() == 2048
    assert calls.names == ["HeadObject", "GetObject"]
    [get] = calls.params("GetObject")
    assert get == {
        "Bucket": storage.bucket_name,
        "Key": big,
        "Range": "bytes=0-65535",  # FIRST_WINDOW, though the buffer asks for 256 KiB
        "IfMatch": etag,
    }


def test_read_ahead_size_is_a_setting(make_storage, big, data, record_calls):
    storage = make_storage(file_read_ahead_size=MiB)
    calls = record_calls(storage)
    with storage.open(big, "rb") as f:
        assert f.read(10) == data[:10]
        assert f.read(64 * 1024) == data[10 : 10 + 64 * 1024]  # goes on past the first window
    # The read that continues past the first window asks for file_read_ahead_size.
    assert ranges(calls) == ["bytes=0-65535", "bytes=65536-1114111"]


def test_a_long_first_read_asks_for_what_it_reads(storage, big, data, record_calls):
    calls = record_calls(storage)
    with storage.open(big, "rb") as f:
        f.seek(5 * MiB)
        assert f.read(MiB) == data[5 * MiB : 6 * MiB]  # longer than the buffer: no first window
    assert ranges(calls) == ["bytes=5242880-6291455"]


def test_a_rest_that_fits_in_the_buffer_comes_in_one_request(storage, big, data, record_calls):
    calls = record_calls(storage)
    with storage.open(big, "rb") as f:
        f.seek(20 * MiB - 200 * 1024)
        assert b"".join(iter(lambda: f.read(4096), b"")) == data[-200 * 1024 :]
        f.seek(20 * MiB - 300 * 1024)  # more than the 256 KiB buffer left: a small window first
        assert f.read(10) == data[-300 * 1024 : -300 * 1024 + 10]
    assert ranges(calls) == ["bytes=20766720-20971519", "bytes=20664320-20729855"]


def test_no_read_ahead_asks_for_what_each_read_needs(make_storage, big, data, record_calls):
    storage = make_storage(file_read_ahead_size=0)
    calls = record_calls(storage)
    with storage.open(big, "rb") as f:
        assert f.read(64 * 1024) == data[: 64 * 1024]
        assert f.read(512 * 1024) == data[64 * 1024 : 576 * 1024]
        assert f.read(10) == data[576 * 1024 : 576 * 1024 + 10]
    # The buffer asks for 256 KiB at a time: no window grows.
    assert ranges(calls) == ["bytes=0-65535", "bytes=65536-589823", "bytes=589824-851967"]


def test_sequential_reads_double_the_window(storage, big, data, record_calls):
    calls = record_calls(storage)
    with storage.open(big, "rb") as f:
        assert b"".join(f.chunks()) == data
    # 64 KiB, then 4 MiB (file_read_ahead_size), 8 MiB and the remaining 7.9 MiB.
    assert ranges(calls) == SEQUENTIAL_20_MIB


def test_seek_then_read_fetches_from_the_new_position(storage, big, data, record_calls):
    calls = record_calls(storage)
    with storage.open(big, "rb") as f:
        assert f.seek(15 * MiB) == 15 * MiB
        assert f.read(100) == data[15 * MiB : 15 * MiB + 100]
        assert f.seek(-10, io.SEEK_END) == 20 * MiB - 10
        assert f.read() == data[-10:]
        assert f.read(5) == b""
    assert ranges(calls) == ["bytes=15728640-15794175", "bytes=20971510-20971519"]


def test_read_everything_in_parallel_ranges(storage, big, data, record_calls):
    calls = record_calls(storage)
    with storage.open(big, "rb") as f:
        assert f.read() == data
        assert f.tell() == 20 * MiB
    # The storage's TransferConfig (8 MiB chunks), as download_fileobj would use.
    assert sorted(ranges(calls)) == [
        "bytes=0-8388607",
        "bytes=16777216-20971519",
        "bytes=8388608-16777215",
    ]


def test_read_everything_without_threads(make_storage, big, data, record_calls):
    storage = make_storage(transfer_config=TransferConfig(use_threads=False))
    calls = record_calls(storage)
    with storage.open(big, "rb") as f:
        f.read(10)
        assert f.read() == data[10:]
    assert ranges(calls) == ["bytes=0-65535", "bytes=65536-20971519"]


def test_read_of_an_empty_object_fetches_nothing(storage, s3_client, bucket_name, record_calls):
    s3_client.put_object(Bucket=bucket_name, Key="empty", Body=b"")
    calls = record_calls(storage)
    with storage.open("empty", "rb") as f:
        assert f.read() == b""
        assert f.read(10) == b""
        assert list(f.chunks()) == []
    assert calls.names == ["HeadObject"]


def test_text_mode_is_utf8_with_universal_newlines(storage, s3_client, bucket_name):
    body = "héllo\r\nwörld\rthird\nlast".encode()
    s3_client.put_object(Bucket=bucket_name, Key="t.txt", Body=body)
    with storage.open("t.txt", "r") as f:
        assert f.readline() == "héllo\n"
        assert f.read(3) == "wör"
        assert f.readlines() == ["ld\n", "third\n", "last"]
        assert f.encoding == "utf-8"
    with storage.open("t.txt", "r") as f:
        assert list(f) == ["héllo\n", "wörld\n", "third\n", "last"]
        assert f.read() == ""
        assert f.newlines == ("\r", "\n", "\r\n")


def test_text_mode_refuses_other_encodings(storage, s3_client, bucket_name):
    # Keep: text reads are always UTF-8.
    s3_client.put_object(Bucket=bucket_name, Key="latin1.txt", Body="café".encode("latin-1"))
    with storage.open("latin1.txt", "r") as f, pytest.raises(UnicodeDecodeError):
        f.read()


def test_readlines_reads_from_the_current_position(storage, s3_client, bucket_name):
    # Fix: django-storages returns every line from the start.
    s3_client.put_object(Bucket=bucket_name, Key="l.bin", Body=b"one\ntwo\r\nthree\rfour")
    with storage.open("l.bin", "rb") as f:
        assert f.read(4) == b"one\n"
        assert f.readlines() == [b"two\r\n", b"three\r", b"four"]
        assert f.readlines() == []
        f.seek(0)
        assert f.readline() == b"one\n"
        assert list(f) == [b"one\n", b"two\r\n", b"three\r", b"four"]


def test_readinto_and_io_queries(storage, big, data):
    with storage.open(big, "rb") as f:
        buffer = bytearray(1000)
        assert f.readinto(buffer) == 1000
        assert buffer == data[:1000]
        assert f.readable() is True
        assert f.seekable() is True
        assert f.writable() is False
        assert f.isatty() is False
        assert f.encoding is None
        with pytest.raises(io.UnsupportedOperation) as caught:
            f.fileno()
        assert str(caught.value) == (
            "'big.bin' is read from S3 in ranges and has no file descriptor; "
            "use the file's .file attribute for a local copy"
        )
    assert f.readable() is False
    assert f.seekable() is False


def test_gzip_objects_are_decoded_when_the_storage_gzips(make_storage, s3_client, bucket_name):
    text = "line one\r\nline two\n" * 1000
    s3_client.put_object(
        Bucket=bucket_name, Key="a.css", Body=gzip.compress(text.encode()), ContentEncoding="gzip"
    )
    storage = make_storage(gzip=True)
    with storage.open("a.css", "rb") as f:
        assert f.read(10) == b"line one\r\n"
        assert f.read() == text.encode()[10:]
    # Fix: text mode returns str for gzip objects too.
    with storage.open("a.css", "r") as f:
        assert f.read() == text.replace("\r\n", "\n")
    # Keep: without gzip on, the stored (compressed) bytes come back.
    with make_storage().open("a.css", "rb") as f:
        assert gzip.decompress(f.read()) == text.encode()


def test_changed_object_raises_instead_of_mixing_versions(storage, big, data, s3_client):
    etag = s3_client.head_object(Bucket=storage.bucket_name, Key=big)["ETag"]
    with storage.open(big, "rb") as f:
        assert f.read(10) == data[:10]
        s3_client.put_object(Bucket=storage.bucket_name, Key=big, Body=b"new version")
        f.seek(10 * MiB)
        with pytest.raises(ObjectChangedError) as caught:
            f.read(10)
    assert str(caught.value) == (
        f"The object 'big.bin' changed while it was being read (its ETag is no longer {etag}); "
        "open the file again to read the new version."
    )
    assert S3File.ObjectChangedError is ObjectChangedError
    assert isinstance(caught.value, OSError)
    # Reopening reads the new version.
    f.open()
    assert f.read() == b"new version"
    assert f.size == 11


def test_object_replaced_before_the_first_read_reads_the_new_version(storage, big, record_calls):
    # As django-storages, which downloaded at the first read: nothing was seen yet.
    s3_client = storage.connection.meta.client
    f = storage.open(big, "rb")
    s3_client.put_object(Bucket=storage.bucket_name, Key=big, Body=b"replaced")
    calls = record_calls(storage)
    assert f.read(3) == b"rep"
    assert f.read() == b"laced"
    assert f.size == 8
    assert calls.names == ["GetObject", "HeadObject", "GetObject"]
    f.close()
    with storage.open(big, "rb") as f:
        s3_client.put_object(Bucket=storage.bucket_name, Key=big, Body=b"again")
        assert f.read() == b"again"  # read() of everything, likewise


def test_object_replaced_after_its_size_was_seen_raises(storage, big):
    s3_client = storage.connection.meta.client
    with storage.open(big, "rb") as f:
        assert f.size == 20 * MiB
        s3_client.put_object(Bucket=storage.bucket_name, Key=big, Body=b"replaced")
        with pytest.raises(ObjectChangedError):
            f.read(1)
    with storage.open(big, "rb") as f:
        assert f.seek(0, io.SEEK_END) == 8  # how FileResponse sizes a file
        f.seek(0)
        s3_client.put_object(Bucket=storage.bucket_name, Key=big, Body=b"again")
        with pytest.raises(ObjectChangedError):
            f.read(1)


def test_deleted_object_raises_file_not_found(make_storage, big, s3_client):
    storage = make_storage(location="media")
    s3_client.copy_object(
        Bucket=storage.bucket_name, Key="media/big.bin", CopySource=f"{storage.bucket_name}/{big}"
    )
    with storage.open(big, "rb") as f:
        s3_client.delete_object(Bucket=storage.bucket_name, Key="media/big.bin")
        with pytest.raises(
            FileNotFoundError, match=re.escape("File does not exist: media/big.bin")
        ):
            f.read(10)


def test_file_attribute_downloads_into_a_spooled_buffer(make_storage, big, data, tmp_path):
    storage = make_storage(max_memory_size=MiB, file_upload_temp_dir=str(tmp_path))
    with storage.open(big, "rb") as f:
        assert f.read(10) == data[:10]
        buffer = f.file
        # Rolled over to a temporary file in FILE_UPLOAD_TEMP_DIR, past max_memory_size.
        assert isinstance(buffer.name, int)
        assert os.readlink(f"/proc/self/fd/{buffer.name}").startswith(str(tmp_path))
        # Reads go on from where they were.
        assert f.read(5) == data[10:15]
        assert buffer.read(5) == data[15:20]
        assert f.fileno() == buffer.name
    with make_storage().open(big, "rb") as f:
        assert f.file.name is None  # max_memory_size 0: never rolls over (Keep)
        assert f.read() == data


def test_file_attribute_in_text_and_gzip_modes(make_storage, s3_client, bucket_name):
    s3_client.put_object(
        Bucket=bucket_name, Key="g.css", Body=gzip.compress(b"a\r\nb\nc"), ContentEncoding="gzip"
    )
    with make_storage(gzip=True).open("g.css", "r") as f:
        assert f.readline() == "a\n"
        assert f.file.read() == "b\nc"


def test_reopen_after_close_reads_the_object_again(storage, s3_client, bucket_name):
    s3_client.put_object(Bucket=bucket_name, Key="r.txt", Body=b"first")
    f = storage.open("r.txt", "rb")
    assert f.read() == b"first"
    f.close()
    assert f.closed is True
    s3_client.put_object(Bucket=bucket_name, Key="r.txt", Body=b"second!")
    assert f.open() is f
    assert f.closed is False
    assert f.read() == b"second!"
    assert f.size == 7
    assert f.open("rb") is f  # a live file just seeks to 0
    assert f.read(3) == b"sec"
    f.close()
    with pytest.raises(ValueError, match=re.escape("Cannot reopen file with a new mode.")):
        f.open("wb")


def test_mode_errors(storage, big):
    with pytest.raises(ValueError, match=re.escape("Can't combine 'r' and 'w' in mode.")):
        storage.open(big, "rw")
    fresh = storage.open(big, "rb")
    with pytest.raises(ValueError, match=re.escape("Cannot reopen file with a new mode.")):
        fresh.open("r")
    with pytest.raises(AttributeError, match=re.escape("File was not opened in write mode.")):
        fresh.write(b"x")


def test_append_modes_can_neither_read_nor_write(storage, big, record_calls):
    # Keep: "a" loads the object at open, then refuses both.
    calls = record_calls(storage)
    f = storage.open(big, "ab")
    assert calls.names == ["HeadObject"]
    with pytest.raises(AttributeError, match=re.escape("File was not opened in read mode.")):
        f.read()
    with pytest.raises(AttributeError, match=re.escape("File was not opened in read mode.")):
        f.readline()
    with pytest.raises(AttributeError, match=re.escape("File was not opened in read mode.")):
        f.readlines()
    with pytest.raises(AttributeError, match=re.escape("File was not opened in read mode.")):
        f.readinto(bytearray(4))
    with pytest.raises(AttributeError, match=re.escape("File was not opened in write mode.")):
        f.write(b"x")
    f.close()
    assert calls.names == ["HeadObject"]


def test_file_protocol(make_storage, big):
    storage = make_storage(location="media")
    storage.save(big, io.BytesIO(b"0123456789"))
    with storage.open(big, "rb") as f:
        assert f.name == "big.bin"
        assert f.obj.key == "media/big.bin"
        assert repr(f) == "<S3File: big.bin>"
        assert bool(f) is True
        assert len(f) == 10
        assert f.multiple_chunks(chunk_size=4) is True
        assert list(f.chunks(chunk_size=4)) == [b"0123", b"4567", b"89"]
        assert f.closed is False
    assert f.closed is True
    f.close()  # a second close does nothing


def test_file_response_streams_in_ranges(storage, big, data, record_calls):
    calls = record_calls(storage)
    response = FileResponse(storage.open(big, "rb"))
    assert response["Content-Length"] == str(20 * MiB)
    assert calls.names == ["HeadObject"]
    assert b"".join(response.streaming_content) == data
    response.close()
    assert ranges(calls) == SEQUENTIAL_20_MIB


def test_saving_an_open_file_copies_it_in_ranges(storage, big, data, record_calls, s3_client):
    calls = record_calls(storage)
    with storage.open(big, "rb") as source:
        storage.save("copy.bin", source)
    copied = s3_client.get_object(Bucket=storage.bucket_name, Key="copy.bin")["Body"].read()
    assert copied == data
    assert all(
        int(end) - int(start) < 16 * MiB
        for start, end in (r.removeprefix("bytes=").split("-") for r in ranges(calls))
    )
