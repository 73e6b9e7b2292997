"""url() with a public_endpoint_url: byte-identical to botocore configured with that endpoint.

The storage talks to ``INNER`` (its endpoint_url); every URL is for the public
endpoint, as boto3's generate_presigned_url gives it on a client whose
endpoint_url is the public one. Both clocks are frozen.
"""

from __future__ import annotations

import itertools
import socket
from typing import Any
from urllib.parse import quote

import boto3
import botocore
import botocore.auth
import pytest
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from test_url_identity import (
    ACCESS_KEY,
    BOTOCORE_PARAMETERS,
    EXPIRES,
    METHODS,
    NAMES,
    PARAMETERS,
    SECRET_KEY,
    TOKEN,
    _cases,
    _mismatches,
)
from test_url_support import freeze_clocks

from storages.backends._s3.urls import presign as _s3_presign
from storages.backends.s3 import S3Storage

FROZEN = 1767225600.0  # 2026-01-01T00:00:00Z
INNER = "http://seaweedfs:8333"
PUBLIC_ENDPOINTS = [
    "https://files.example.com",
    "http://127.0.0.1:8080",
    "https://proxy.example.com:8443/s3/",
]
SIGNATURES = [None, "s3v4", "s3"]
STYLES = [None, "path", "virtual"]
CONFIGS = list(itertools.product(PUBLIC_ENDPOINTS, SIGNATURES, STYLES))


@pytest.fixture
def frozen_clock(monkeypatch):
    freeze_clocks(monkeypatch, FROZEN)


@pytest.fixture
def no_network(monkeypatch):
    """Presigning sends nothing: any connection attempt fails the test."""

    def refuse(self: socket.socket, address: Any) -> None:
        raise AssertionError(f"url() tried to connect to {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)


@pytest.fixture(scope="module")
def boto3_session():
    return boto3.Session()


def _storage(public, signature, style, *, signed=True, token=None, bucket="my-bucket", **extra):
    return S3Storage(
        bucket_name=bucket,
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        security_token=token,
        region_name="eu-west-1",
        endpoint_url=INNER,
        public_endpoint_url=public,
        addressing_style=style,
        signature_version=signature,
        querystring_auth=signed,
        **extra,
    )


def _client(session, public, signature, style, *, signed=True, token=None):
    return session.client(
        "s3",
        region_name="eu-west-1",
        endpoint_url=public,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        aws_session_token=token,
        config=Config(
            s3={"addressing_style": style},
            signature_version=signature if signed else botocore.UNSIGNED,
        ),
    )


def _ids(configs):
    return ["-".join(str(part) for part in config) for config in configs]


@pytest.mark.parametrize("token", [None, TOKEN], ids=["keys", "token"])
@pytest.mark.parametrize(("public", "signature", "style"), CONFIGS, ids=_ids(CONFIGS))
def test_signed_urls_are_byte_identical_to_boto3_on_the_public_endpoint(
    frozen_clock, no_network, boto3_session, public, signature, style, token
):
    storage = _storage(public, signature, style, token=token, location="media" if token else "")
    client = _client(boto3_session, public, signature, style, token=token)

    # GET and PUT, parameters and expiry, for every name (see test_url_identity).
    assert _mismatches(storage, client, "my-bucket", _cases()) == []
    builder = storage._runtime.url.signed
    assert isinstance(builder, _s3_presign.SigV4Builder | _s3_presign.SigV2Builder)
    assert INNER.partition("://")[2] not in storage.url("file.txt")


UNSIGNED_CONFIGS = [config for config in CONFIGS if config[1] is None]


@pytest.mark.parametrize(
    ("public", "signature", "style"), UNSIGNED_CONFIGS, ids=_ids(UNSIGNED_CONFIGS)
)
def test_unsigned_urls_are_byte_identical_to_boto3_on_the_public_endpoint(
    no_network, boto3_session, public, signature, style
):
    storage = _storage(public, signature, style, signed=False, location="media/")
    client = _client(boto3_session, public, signature, style, signed=False)

    assert _mismatches(storage, client, "my-bucket", _cases()) == []
    assert isinstance(storage._runtime.url.unsigned, _s3_presign.UnsignedBuilder)


@pytest.mark.parametrize("signature", SIGNATURES)
@pytest.mark.parametrize("signed", [True, False], ids=["signed", "unsigned"])
def test_urls_botocore_builds_use_the_public_endpoint_too(
    frozen_clock, no_network, boto3_session, signature, signed
):
    public = PUBLIC_ENDPOINTS[0]
    storage = _storage(public, signature, "path", signed=signed, token=TOKEN)
    client = _client(boto3_session, public, signature, "path", signed=signed, token=TOKEN)
    cases = itertools.product(NAMES[:2], BOTOCORE_PARAMETERS, METHODS[:2], EXPIRES[:2])

    assert _mismatches(storage, client, "my-bucket", cases) == []


def test_the_storage_still_sends_its_requests_to_endpoint_url():
    storage = _storage(PUBLIC_ENDPOINTS[0], "s3v4", "path")
    storage.url("file.txt")

    assert storage.connection.meta.client.meta.endpoint_url == INNER
    assert storage.unsigned_connection.meta.client.meta.endpoint_url == INNER


def test_layouts_of_different_public_endpoints_are_not_shared(frozen_clock, no_network):
    first = _storage("https://one.example.com", "s3v4", "path")
    second = _storage("https://two.example.com", "s3v4", "path")
    inner_only = _storage(None, "s3v4", "path")

    assert first.url("a.txt").startswith("https://one.example.com/my-bucket/a.txt?")
    assert second.url("a.txt").startswith("https://two.example.com/my-bucket/a.txt?")
    assert inner_only.url("a.txt").startswith(f"{INNER}/my-bucket/a.txt?")


def test_a_replaced_connection_does_not_move_urls_off_the_public_endpoint(
    frozen_clock, no_network, boto3_session
):
    storage = _storage(PUBLIC_ENDPOINTS[0], "s3v4", "path")
    # A connection assigned by user code (a stub, say) sends the storage's requests.
    storage._connections.connection = boto3_session.resource(
        "s3", endpoint_url="http://elsewhere:1", region_name="eu-west-1"
    )
    client = _client(boto3_session, PUBLIC_ENDPOINTS[0], "s3v4", "path")

    assert _mismatches(storage, client, "my-bucket", [("file.txt", None, None, None)]) == []
    assert isinstance(storage._runtime.url.signed, _s3_presign.SigV4Builder)


class OwnResource(S3Storage):
    """Overrides a connection hook: URLs for a public endpoint do not use connections."""

    def _create_resource(self, config):
        return super()._create_resource(config)


class OwnBucket(S3Storage):
    """Overrides ``bucket``: botocore builds every URL, still for the public endpoint."""

    @property
    def bucket(self):
        return self.connection.Bucket(self.bucket_name)


@pytest.mark.parametrize(("cls", "local"), [(OwnResource, True), (OwnBucket, False)])
def test_overridden_hooks_keep_the_public_endpoint(
    frozen_clock, no_network, boto3_session, cls, local
):
    public = PUBLIC_ENDPOINTS[1]
    storage = cls(
        bucket_name="my-bucket",
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        region_name="eu-west-1",
        endpoint_url=INNER,
        public_endpoint_url=public,
    )
    client = _client(boto3_session, public, None, None)
    cases = [("file.txt", None, None, None), ("file.txt", PARAMETERS[1], "PUT", 60)]

    assert _mismatches(storage, client, "my-bucket", cases) == []
    assert storage._runtime.url.fast is local


def test_custom_domain_wins_over_the_public_endpoint():
    storage = _storage(
        PUBLIC_ENDPOINTS[0], None, None, signed=False, custom_domain="cdn.example.com"
    )

    assert storage.url("a b.txt") == "https://cdn.example.com/a%20b.txt"


# -- A bucket named after its domain and served there (CNAME) ----------------------

CNAME_BUCKET = "files.example.com"


def _cname_expected(origin, key, parameters, method, expire, signature, token):
    """Sign the request a browser sends to the CNAME with botocore's own signers.

    S3 takes the Host as the bucket; SigV4 covers that host and the key's path,
    SigV2 covers /<bucket>/<key> (botocore's auth path).
    """
    path = "/" + quote(key, safe="/~")
    query = "&".join(
        f"{name}={quote(value, safe='-_.~')}"
        for name, value in [(_s3_presign.GETOBJECT_QUERY_PARAMS[k], v) for k, v in parameters]
    )
    request = AWSRequest(method=method, url=origin + path + (f"?{query}" if query else ""))
    request.auth_path = f"/{CNAME_BUCKET}{path}"
    credentials = Credentials(ACCESS_KEY, SECRET_KEY, token)
    if signature == "s3":
        botocore.auth.HmacV1QueryAuth(credentials, expires=expire).add_auth(request)
    else:
        botocore.auth.S3SigV4QueryAuth(credentials, "s3", "eu-west-1", expires=expire).add_auth(
            request
        )
    url: str = request.prepare().url
    return url


@pytest.mark.parametrize("origin", ["https://files.example.com", "http://files.example.com"])
@pytest.mark.parametrize("signature", ["s3v4", "s3"])
@pytest.mark.parametrize("token", [None, TOKEN], ids=["keys", "token"])
def test_a_bucket_named_after_its_domain_gets_urls_at_that_domain(
    frozen_clock, no_network, origin, signature, token
):
    storage = _storage(origin, signature, "virtual", bucket=CNAME_BUCKET, token=token)
    cases = [
        ("a b/ünï.txt", [], "GET", 3600),
        ("file.txt", [("ResponseContentDisposition", 'attachment; filename="x y"')], "PUT", 60),
    ]
    for name, parameters, method, expire in cases:
        ours = storage.url(
            name, parameters=dict(parameters) or None, expire=expire, http_method=method
        )
        theirs = _cname_expected(origin, name, parameters, method, expire, signature, token)
        assert ours == theirs
    assert isinstance(
        storage._runtime.url.signed, _s3_presign.SigV4Builder | _s3_presign.SigV2Builder
    )


def test_a_bucket_named_after_its_domain_unsigned_and_through_botocore(no_network):
    storage = _storage(
        "https://files.example.com", "s3v4", "virtual", bucket=CNAME_BUCKET, signed=False
    )
    assert storage.url("a b.txt") == "https://files.example.com/a%20b.txt"

    storage.querystring_auth = True
    sse = {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": "k" * 32}
    assert storage.url("a b.txt", parameters=sse).startswith(
        "https://files.example.com/a%20b.txt?X-Amz-Algorithm="
    )


@pytest.mark.parametrize("style", [None, "path"])
def test_the_bucket_stays_in_the_url_without_virtual_addressing(no_network, boto3_session, style):
    storage = _storage("https://files.example.com", None, style, bucket=CNAME_BUCKET, signed=False)

    assert storage.url("a.txt") == "https://files.example.com/files.example.com/a.txt"
