"""S3File write modes on SeaweedFS: multipart uploads, parts, positions and closing."""

from __future__ import annotations

import io
import os
import re
import threading

import pytest

MiB = 1024 * 1024


def read_back(s3_client, bucket_name, key) -> bytes:
    body: bytes = s3_client.get_object(Bucket=bucket_name, Key=key)["Body"].read()
    return body


def part_sizes(s3_client, bucket_name, key) -> list[int]:
    head = s3_client.head_object(Bucket=bucket_name, Key=key, PartNumber=1)
    count = head.get("PartsCount", 1)
    return [
        s3_client.head_object(Bucket=bucket_name, Key=key, PartNumber=n)["ContentLength"]
        for n in range(1, count + 1)
    ]


def uploads(s3_client, bucket_name) -> list[dict]:
    return s3_client.list_multipart_uploads(Bucket=bucket_name).get("Uploads", [])


def test_write_bytes_and_str(storage, s3_client, bucket_name):
    with storage.open("b.bin", "wb") as f:
        assert f.write(b"bytes ") == 6
        assert f.write(bytearray(b"array ")) == 6
        assert f.write("héllo") == 6
    assert read_back(s3_client, bucket_name, "b.bin") == "bytes array héllo".encode()
    with storage.open("t.txt", "w") as f:
        assert f.write("wörld\n") == 7
        f.write(b"raw")
    assert read_back(s3_client, bucket_name, "t.txt") == "wörld\nraw".encode()
    assert uploads(s3_client, bucket_name) == []


def test_writelines_writes_every_line(storage, s3_client, bucket_name):
    # Fix: django-storages silently drops what writelines() writes.
    with storage.open("lines.txt", "w") as f:
        f.writelines(["a\n", "b\n", b"c\n"])
        assert f.size == 6
    assert read_back(s3_client, bucket_name, "lines.txt") == b"a\nb\nc\n"


def test_parts_are_at_least_5_mib(make_storage, s3_client, bucket_name):
    # Fix: smaller parts fail at completion with EntityTooSmall.
    block = os.urandom(MiB)
    for buffer_size in (MiB, None, 0):
        storage = make_storage(file_buffer_size=buffer_size)
        with storage.open("p.bin", "wb") as f:
            assert f.buffer_size == buffer_size
            for _ in range(12):
                f.write(block)
        assert part_sizes(s3_client, bucket_name, "p.bin") == [5 * MiB, 5 * MiB, 2 * MiB]
        assert read_back(s3_client, bucket_name, "p.bin") == block * 12


def test_buffer_size_sets_the_part_size(make_storage, s3_client, bucket_name):
    storage = make_storage(file_buffer_size=6 * MiB)
    block = os.urandom(MiB)
    with storage.open("p.bin", "wb") as f:
        f.buffer_size = 7 * MiB  # settable, read at each write
        for _ in range(15):
            f.write(block)
    assert part_sizes(s3_client, bucket_name, "p.bin") == [7 * MiB, 7 * MiB, MiB]


def test_write_parameters_as_for_save(make_storage, s3_client, bucket_name, record_calls):
    storage = make_storage(
        default_acl="public-read", object_parameters={"CacheControl": "no-cache"}
    )
    calls = record_calls(storage)
    f = storage.open("report.csv", "w")
    # The parameters are read at the first write, as in django-storages.
    storage.object_parameters = {"CacheControl": "max-age=60"}
    f.write("a,b\n")
    f.close()
    assert calls.params("CreateMultipartUpload") == [
        {
            "Bucket": bucket_name,
            "Key": "report.csv",
            "CacheControl": "max-age=60",
            "ContentType": "text/csv",
            "ACL": "public-read",
        }
    ]
    head = s3_client.head_object(Bucket=bucket_name, Key="report.csv")
    assert head["ContentType"] == "text/csv"
    assert head["CacheControl"] == "max-age=60"


def test_gzip_is_not_applied_to_written_files(make_storage, s3_client, bucket_name):
    # Keep: only save() compresses.
    with make_storage(gzip=True).open("style.css", "w") as f:
        f.write("body {}")
    head = s3_client.head_object(Bucket=bucket_name, Key="style.css")
    assert "ContentEncoding" not in head
    assert read_back(s3_client, bucket_name, "style.css") == b"body {}"


def test_closing_unwritten_file_creates_empty_object_or_keeps_existing(
    storage, s3_client, bucket_name, record_calls
):
    calls = record_calls(storage)
    storage.open("new.txt", "w").close()
    assert calls.names == ["HeadObject", "PutObject"]
    assert read_back(s3_client, bucket_name, "new.txt") == b""
    # Keep: an existing object is left alone, not truncated.
    s3_client.put_object(Bucket=bucket_name, Key="old.txt", Body=b"old")
    storage.open("old.txt", "w").close()
    assert read_back(s3_client, bucket_name, "old.txt") == b"old"


def test_only_empty_writes_act_like_no_write(storage, s3_client, bucket_name):
    # Fix: django-storages completes a zero-part upload, which S3 refuses.
    with storage.open("empty.txt", "w") as f:
        f.write("")
        f.write(b"")
    assert read_back(s3_client, bucket_name, "empty.txt") == b""
    s3_client.put_object(Bucket=bucket_name, Key="old.txt", Body=b"old")
    with storage.open("old.txt", "wb") as f:
        f.write(b"")
    assert read_back(s3_client, bucket_name, "old.txt") == b"old"
    assert uploads(s3_client, bucket_name) == []


def test_size_while_writing(storage, s3_client, bucket_name):
    # Fix: django-storages reports the old object's size, or raises for a new key.
    f = storage.open("s.bin", "wb")
    assert f.size == 0
    f.write(b"x" * (6 * MiB))
    f.write(b"y")
    assert f.size == 6 * MiB + 1
    assert len(f) == 6 * MiB + 1
    f.close()
    s3_client.put_object(Bucket=bucket_name, Key="old.bin", Body=b"12345")
    with storage.open("old.bin", "wb") as f:
        assert f.size == 5
        f.write(b"ab")
        assert f.size == 2


def test_tell_and_seek_count_from_the_start(storage, s3_client, bucket_name):
    # Fix: django-storages' tell() restarts at each part and seek() corrupts the object.
    first = b"a" * (5 * MiB)
    with storage.open("seek.bin", "wb") as f:
        f.write(first)
        assert f.tell() == 5 * MiB
        f.write(b"0123456789")  # the first part leaves here
        assert f.tell() == 5 * MiB + 10
        assert f.seek(-4, io.SEEK_CUR) == 5 * MiB + 6
        f.write(b"XY")
        assert f.seek(0, io.SEEK_END) == 5 * MiB + 10
        assert f.seek(5 * MiB + 1) == 5 * MiB + 1
        f.write(b"-")
        with pytest.raises(io.UnsupportedOperation) as caught:
            f.seek(10)
        assert str(caught.value) == (
            "Cannot seek to 10: the first 5242880 bytes of 'seek.bin' were already uploaded."
        )
        assert f.truncate(5 * MiB + 8) == 5 * MiB + 8
        with pytest.raises(io.UnsupportedOperation) as caught:
            f.truncate(3)
        assert str(caught.value) == (
            "Cannot truncate at 3: the first 5242880 bytes of 'seek.bin' were already uploaded."
        )
    assert read_back(s3_client, bucket_name, "seek.bin") == first + b"0-2345XY"


def test_seeking_back_before_any_part_left(storage, s3_client, bucket_name):
    with storage.open("small.txt", "wb") as f:
        f.write(b"hello world")
        f.seek(0)
        f.write(b"J")
        assert f.tell() == 1
        assert f.seek(-100, io.SEEK_CUR) == 0  # clamped, as io.BytesIO does
        with pytest.raises(ValueError, match=re.escape("negative seek value -1")):
            f.seek(-1)
        assert f.seek(2, io.SEEK_END) == 13
        f.write(b"!")  # the gap reads as zeros
    assert read_back(s3_client, bucket_name, "small.txt") == b"Jello world\0\0!"


def test_double_close_makes_no_request(storage, record_calls):
    calls = record_calls(storage)
    f = storage.open("d.txt", "w")
    f.write("x")
    f.close()
    made = list(calls.names)
    assert made == ["CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload"]
    f.close()
    assert calls.names == made
    assert f.closed is True


def test_reopen_for_writing_starts_a_new_upload(storage, s3_client, bucket_name):
    f = storage.open("again.txt", "w")
    f.write("one")
    f.close()
    assert f.open() is f
    assert f.closed is False
    f.write("two")
    f.close()
    assert read_back(s3_client, bucket_name, "again.txt") == b"two"
    with pytest.raises(ValueError, match=re.escape("Cannot reopen file with a new mode.")):
        f.open("rb")


def test_parts_upload_in_the_background_within_the_memory_bound(storage, record_calls):
    calls = record_calls(storage)
    client = storage.connection.meta.client
    lock = threading.Lock()
    state = {"now": 0, "most": 0, "threads": set()}

    def started(**kwargs):
        with lock:
            state["now"] += 1
            state["most"] = max(state["most"], state["now"])
            state["threads"].add(threading.current_thread().name)

    def ended(**kwargs):
        with lock:
            state["now"] -= 1

    client.meta.events.register("before-send.s3.UploadPart", started)
    client.meta.events.register("after-call.s3.UploadPart", ended)
    block = os.urandom(MiB)
    buffers = []
    with storage.open("bg.bin", "wb") as f:
        for _ in range(26):
            f.write(block)
            buffers.append(f.file)
        f.flush()  # waits for the parts handed over so far
        assert len(calls.params("UploadPart")) == 5
    assert len(calls.params("UploadPart")) == 6
    # file_parts_in_memory = 2: two part buffers, each reused, and at most two uploads at once.
    assert len({id(buffer) for buffer in buffers}) == 2
    assert 1 <= state["most"] <= 2
    assert all(name.startswith("s3file-upload") for name in state["threads"])


def test_one_part_in_memory_uploads_in_the_callers_thread(make_storage, s3_client, bucket_name):
    storage = make_storage(file_parts_in_memory=1)
    threads = set()
    storage.connection.meta.client.meta.events.register(
        "before-send.s3.UploadPart", lambda **kw: threads.add(threading.current_thread())
    )
    block = os.urandom(MiB)
    with storage.open("fg.bin", "wb") as f:
        for _ in range(11):
            f.write(block)
        # Two parts went up before the last write returned.
        [upload] = uploads(s3_client, bucket_name)
        listed = s3_client.list_parts(Bucket=bucket_name, Key="fg.bin", UploadId=upload["UploadId"])
        assert [part["PartNumber"] for part in listed["Parts"]] == [1, 2]
    assert threads == {threading.current_thread()}
    assert read_back(s3_client, bucket_name, "fg.bin") == block * 11


def test_sse_c_objects_are_written_and_read_in_parts(make_storage, s3_client, bucket_name):
    key = os.urandom(32)
    sse = {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": key}
    storage = make_storage(object_parameters=sse)
    data = os.urandom(11 * MiB)
    with storage.open("secret.bin", "wb") as f:
        f.write(data)
        f.write(b"!")
    with storage.open("secret.bin", "rb") as f:
        assert f.read(5) == data[:5]
        f.seek(6 * MiB)
        assert f.read() == data[6 * MiB :] + b"!"
    stored = s3_client.get_object(Bucket=bucket_name, Key="secret.bin", **sse)["Body"].read()
    assert stored == data + b"!"


def test_a_file_put_in_place_of_the_buffer_is_uploaded(storage, s3_client, bucket_name):
    with storage.open("own.bin", "wb") as f:
        f.write(b"ignored")
        f.file = io.BytesIO()  # the setter replaces the buffer, as in django-storages
        f.write(b"from my buffer")
    assert read_back(s3_client, bucket_name, "own.bin") == b"from my buffer"
