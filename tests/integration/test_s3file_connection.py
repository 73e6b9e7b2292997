"""Every S3 call an S3File makes goes through the storage's (replaceable) connection."""

from __future__ import annotations

import os
import threading
from collections import Counter

import boto3

MiB = 1024 * 1024


def test_a_replaced_connection_sees_every_call(storage, s3_server, record_calls):
    # What a user's test suite does: put its own resource in place of the storage's.
    session = boto3.session.Session(
        aws_access_key_id=s3_server.access_key, aws_secret_access_key=s3_server.secret_key
    )
    custom = session.resource("s3", endpoint_url=s3_server.endpoint_url, region_name="us-east-1")
    storage._connections.connection = custom
    calls = record_calls(storage)
    assert storage.connection is custom
    threads = set()
    custom.meta.client.meta.events.register(
        "before-send.s3.*", lambda **kw: threads.add(threading.current_thread().name)
    )
    data = os.urandom(12 * MiB)

    with storage.open("c.bin", "wb") as f:  # parts upload from background threads
        f.write(data)
        f.write(b"!")
    with storage.open("c.bin", "rb") as f:
        assert f.read(10) == data[:10]
        assert f.read() == data[10:] + b"!"  # parallel ranges, from a thread pool
        f.seek(0)
        assert f.file.read(3) == data[:3]  # the whole-object download
    with storage.open("c.bin", "wb") as f:
        f.write(b"")
    storage.open("empty.bin", "w").close()

    assert Counter(calls.names) == {
        "CreateMultipartUpload": 2,
        "UploadPart": 3,
        "CompleteMultipartUpload": 1,
        "AbortMultipartUpload": 1,
        "HeadObject": 3,
        "GetObject": 5,  # 1 window, then 2 + 2 ranges of 8 MiB at most
        "PutObject": 1,
    }
    assert any(name.startswith("s3file-upload") for name in threads)
    assert any(name.startswith("s3file-read") for name in threads)
