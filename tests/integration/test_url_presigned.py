"""Presigned URLs work for real on SeaweedFS: GET and PUT over HTTP; expired or tampered fail."""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.request

import pytest
from django.core.files.base import ContentFile

from storages.backends._s3.urls import presign as _s3_presign

pytestmark = pytest.mark.integration

SIGNATURES = [None, "s3v4", "s3"]


def http(url: str, method: str = "GET", data: bytes | None = None) -> tuple[int, bytes]:
    # An empty Content-Type: urllib would otherwise send a form content type
    # with a body, and SigV2 signs the Content-Type (as empty, here).
    headers = {"Content-Type": ""} if data is not None else {}
    request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def local_url(storage, name, **kwargs):
    """Build a URL and check that we signed it ourselves, not botocore."""
    url = storage.url(name, **kwargs)
    builder = storage._runtime.url.signed
    assert isinstance(builder, _s3_presign.SigV4Builder | _s3_presign.SigV2Builder)
    return url


@pytest.mark.parametrize("signature_version", SIGNATURES)
@pytest.mark.parametrize("name", ["plain.txt", "dir with space/ünïcødé +%~'#?.txt"])
def test_presigned_get_returns_the_content(make_storage, signature_version, name):
    storage = make_storage(signature_version=signature_version, location="media")
    saved = storage.save(name, ContentFile(b"hello presigned"))
    assert saved == name

    status, body = http(local_url(storage, name))

    assert (status, body) == (200, b"hello presigned")


def test_presigned_get_with_response_parameters(make_storage):
    # SigV4 only: SeaweedFS 4.48 refuses SigV2 URLs that carry response-*
    # parameters even when botocore builds them (ours are byte-identical to
    # botocore's, see tests/unit/test_url_identity.py).
    storage = make_storage(signature_version="s3v4")
    storage.save("report.csv", ContentFile(b"a,b\n"))
    url = local_url(
        storage,
        "report.csv",
        parameters={
            "ResponseContentDisposition": 'attachment; filename="rapport été.csv"',
            "ResponseContentType": "text/csv",
        },
    )
    request = urllib.request.Request(url)  # noqa: S310 - loopback
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        assert response.read() == b"a,b\n"
        assert response.headers["Content-Type"] == "text/csv"
        disposition = response.headers["Content-Disposition"].encode("latin-1").decode()
        assert disposition == 'attachment; filename="rapport été.csv"'


@pytest.mark.parametrize("signature_version", SIGNATURES)
def test_presigned_put_uploads(make_storage, s3_client, bucket_name, signature_version):
    storage = make_storage(signature_version=signature_version)

    status, _ = http(local_url(storage, "up/load.bin", http_method="PUT"), "PUT", b"\x00\x01put")

    assert status == 200
    stored = s3_client.get_object(Bucket=bucket_name, Key="up/load.bin")["Body"].read()
    assert stored == b"\x00\x01put"
    with storage.open("up/load.bin", "rb") as handle:
        assert handle.read() == b"\x00\x01put"


@pytest.mark.parametrize("signature_version", SIGNATURES)
def test_expired_url_is_refused(make_storage, monkeypatch, signature_version):
    storage = make_storage(signature_version=signature_version)
    storage.save("old.txt", ContentFile(b"old"))
    two_hours_ago = time.time() - 7200
    monkeypatch.setattr(_s3_presign, "now", lambda: two_hours_ago)

    url = local_url(storage, "old.txt", expire=60)
    monkeypatch.undo()

    status, body = http(url)
    assert status == 403, body


@pytest.mark.parametrize("signature_version", SIGNATURES)
def test_tampered_urls_are_refused(make_storage, signature_version):
    storage = make_storage(signature_version=signature_version)
    storage.save("secret.txt", ContentFile(b"secret"))
    storage.save("other.txt", ContentFile(b"other"))
    url = local_url(storage, "secret.txt")
    assert http(url) == (200, b"secret")

    other_key = url.replace("/secret.txt?", "/other.txt?")
    bad_signature = url[:-2] + ("11" if url.endswith("00") else "00")
    expires = re.search(r"Expires=(\d+)", url)
    assert expires is not None
    longer = url.replace(expires.group(0), f"Expires={int(expires.group(1)) + 1000}")

    assert http(other_key)[0] == 403
    assert http(bad_signature)[0] == 403
    assert http(longer)[0] == 403
    assert http(url, "PUT", b"overwrite")[0] == 403
    assert http(url) == (200, b"secret")


def test_wrong_secret_is_refused(make_storage):
    storage = make_storage(signature_version="s3v4", secret_key="not-the-secret")
    status, _ = http(local_url(storage, "anything.txt"))
    assert status == 403


def test_url_from_new_thread_works_without_a_connection(make_storage):
    import threading

    storage = make_storage(signature_version="s3v4")
    storage.save("t.txt", ContentFile(b"threaded"))
    storage.url("t.txt")  # learn the layout on this thread
    urls: list[str] = []
    connections: list[object] = []

    def worker() -> None:
        urls.append(storage.url("t.txt"))
        connections.append(storage._connections.__dict__.get("connection"))

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()

    assert connections == [None]
    assert http(urls[0]) == (200, b"threaded")
