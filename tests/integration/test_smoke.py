from __future__ import annotations

from django.core.files.base import ContentFile


def test_save_open_roundtrip(storage, s3_client, bucket_name):
    name = storage.save("dir/hello.txt", ContentFile(b"hello world"))
    assert name == "dir/hello.txt"
    with storage.open(name, "rb") as f:
        assert f.read() == b"hello world"
    head = s3_client.head_object(Bucket=bucket_name, Key="dir/hello.txt")
    assert head["ContentType"] == "text/plain"
    assert storage.exists(name)
    assert storage.size(name) == 11
    assert storage.listdir("dir") == ([], ["hello.txt"])
    storage.delete(name)
    assert not storage.exists(name)
