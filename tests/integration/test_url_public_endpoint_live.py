"""public_endpoint_url on SeaweedFS, behind a loopback proxy on a second port.

The proxy stands for the address browsers use (a Docker port mapping, a
reverse proxy): it forwards each request's path and ``Host`` unchanged, so
a URL signed for the proxy's host is checked by the server as signed. The
proxy records every request it forwards: only the URL fetches may cross it,
never the storage's own calls.
"""

from __future__ import annotations

import json
import re
import time

import pytest
from django.core.files.base import ContentFile
from test_url_presigned import http, local_url

from storages.backends._s3.urls import presign as _s3_presign

pytestmark = pytest.mark.integration

SIGNATURES = [None, "s3v4", "s3"]


@pytest.fixture
def make_public(make_storage, fault_proxy):
    """Build a storage on this test's bucket whose URLs point at the proxy."""

    def factory(**options):
        return make_storage(public_endpoint_url=fault_proxy.endpoint_url, **options)

    return factory


def _methods(fault_proxy):
    return [method for method, _ in fault_proxy.requests]


@pytest.mark.parametrize("signature_version", SIGNATURES)
def test_get_and_put_urls_work_through_the_proxy_and_nothing_else_crosses_it(
    make_public, fault_proxy, s3_server, signature_version
):
    storage = make_public(signature_version=signature_version, location="media")
    storage.save("dir with space/ünï.txt", ContentFile(b"hello public"))

    get_url = local_url(storage, "dir with space/ünï.txt")
    put_url = local_url(storage, "up/load.bin", http_method="PUT")
    assert get_url.startswith(f"{fault_proxy.endpoint_url}/")
    assert put_url.startswith(f"{fault_proxy.endpoint_url}/")

    assert http(get_url) == (200, b"hello public")
    assert http(put_url, "PUT", b"\x00\x01put")[0] == 200
    # The storage's own calls go to endpoint_url: the proxy saw the two fetches only.
    assert storage.exists("up/load.bin")
    assert storage.size("up/load.bin") == 5
    with storage.open("up/load.bin", "rb") as handle:
        assert handle.read() == b"\x00\x01put"
    storage.delete("up/load.bin")
    assert _methods(fault_proxy) == ["GET", "PUT"]
    assert storage.connection.meta.client.meta.endpoint_url == s3_server.endpoint_url


def test_response_parameters_and_expiry_through_the_proxy(make_public, fault_proxy):
    storage = make_public(signature_version="s3v4")
    storage.save("report.csv", ContentFile(b"a,b\n"))
    url = local_url(
        storage, "report.csv", parameters={"ResponseContentType": "text/csv"}, expire=120
    )

    assert "X-Amz-Expires=120&" in url
    assert http(url) == (200, b"a,b\n")
    assert _methods(fault_proxy) == ["GET"]


@pytest.mark.parametrize("signature_version", SIGNATURES)
def test_tampered_expired_and_wrong_method_urls_are_refused(
    make_public, fault_proxy, monkeypatch, signature_version
):
    storage = make_public(signature_version=signature_version)
    storage.save("secret.txt", ContentFile(b"secret"))
    storage.save("other.txt", ContentFile(b"other"))
    url = local_url(storage, "secret.txt")
    put_url = local_url(storage, "secret.txt", http_method="PUT")
    two_hours_ago = time.time() - 7200
    monkeypatch.setattr(_s3_presign, "now", lambda: two_hours_ago)
    expired = local_url(storage, "secret.txt", expire=60)
    monkeypatch.undo()

    other_key = url.replace("/secret.txt?", "/other.txt?")
    bad_signature = url[:-2] + ("11" if url.endswith("00") else "00")
    expires = re.search(r"Expires=(\d+)", url)
    assert expires is not None
    longer = url.replace(expires.group(0), f"Expires={int(expires.group(1)) + 1000}")
    for refused in (other_key, bad_signature, longer, expired):
        assert http(refused)[0] == 403, refused
    assert http(url, "PUT", b"overwrite")[0] == 403  # a GET URL used for PUT
    assert http(put_url)[0] == 403  # a PUT URL used for GET
    assert http(url) == (200, b"secret")
    assert len(fault_proxy.requests) == 7


def test_a_url_for_the_inner_endpoint_is_refused_at_the_public_one(make_storage, fault_proxy):
    # Why URLs must be built for the public endpoint: moving a signed URL to
    # another host breaks its signature (SigV4 signs the Host header).
    storage = make_storage(signature_version="s3v4")
    storage.save("moved.txt", ContentFile(b"moved"))
    inner = storage.url("moved.txt")
    moved = re.sub(r"^http://[^/]+", fault_proxy.endpoint_url, inner)

    assert http(inner) == (200, b"moved")
    assert http(moved)[0] == 403


def test_unsigned_urls_use_the_public_endpoint(make_public, fault_proxy, s3_client, bucket_name):
    statement = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": ["s3:GetObject"],
        "Resource": [f"arn:aws:s3:::{bucket_name}/*"],
    }
    policy = {"Version": "2012-10-17", "Statement": [statement]}
    s3_client.put_bucket_policy(Bucket=bucket_name, Policy=json.dumps(policy))
    storage = make_public(querystring_auth=False, location="static")
    storage.save("app.css", ContentFile(b"body{}"))

    url = storage.url("app.css")

    assert url == f"{fault_proxy.endpoint_url}/{bucket_name}/static/app.css"
    assert http(url) == (200, b"body{}")
    assert _methods(fault_proxy) == ["GET"]
