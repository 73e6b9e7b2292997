"""url() is byte-identical to boto3's generate_presigned_url, for a matrix of configurations.

Both clocks are frozen (see test_url_support.freeze_clocks).
"""

from __future__ import annotations

import itertools
from datetime import datetime

import boto3
import botocore
import botocore.auth
import pytest
from botocore.config import Config
from test_url_support import freeze_clocks

from storages.backends._s3.urls import presign as _s3_presign
from storages.backends.s3 import S3Storage

FROZEN = 1767225600.75  # 2026-01-01T00:00:00.75Z: fractions must be dropped the same way
ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "IQoJb3JpZ2luX2VjE+/token=="

NAMES = [
    "file.txt",
    "dir with space/ünïcødé.txt",
    "plus+percent%20tilde~quote'hash#question?.txt",
    "trailing/",
    "漢字/😀.png",
    "semi;colon,comma=eq&amp@at!bang*star(paren)$dollar",
    "dots/./and/../up.txt",
    "x" * 300,
]
PARAMETERS = [
    None,
    {"ResponseContentDisposition": 'attachment; filename="ünï code.txt"'},
    {"ResponseContentType": "text/plain", "VersionId": "3/L4kqtJl+", "ResponseCacheControl": ""},
    {"PartNumber": 2, "ResponseContentLanguage": "fr-CA", "ResponseContentEncoding": "gzip"},
]
#: Header-located or specially serialized parameters: botocore builds these URLs.
BOTOCORE_PARAMETERS = [
    {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": "k" * 32},
    {"ResponseExpires": datetime(2030, 1, 2, 3, 4, 5)},
    {"ChecksumMode": "ENABLED", "ResponseContentType": "text/plain"},
]
METHODS = [None, "PUT", "delete"]
EXPIRES = [None, 60, 604800]

REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-5"]
ENDPOINTS = ["http://127.0.0.1:9000", "https://minio.example.com:9443", "https://s3.example.com/x/"]
SIGNATURES = [None, "s3v4", "s3"]
STYLES = [None, "path", "virtual", "auto"]


def _configs():
    for region in REGIONS:
        for signature in SIGNATURES:
            for style in STYLES:
                yield {"region_name": region, "signature_version": signature, "style": style}
    for endpoint in ENDPOINTS:
        for signature in SIGNATURES:
            for style in STYLES:
                yield {
                    "region_name": "eu-west-1",
                    "endpoint_url": endpoint,
                    "signature_version": signature,
                    "style": style,
                }
    for signature in SIGNATURES:
        for style in STYLES:
            yield {
                "region_name": "us-east-1",
                "bucket": "my.dotted.bucket",
                "signature_version": signature,
                "style": style,
            }


CONFIGS = list(_configs())


def _id(config):
    return "-".join(str(value) for value in config.values())


@pytest.fixture
def frozen_clock(monkeypatch):
    freeze_clocks(monkeypatch, FROZEN)


@pytest.fixture(scope="module")
def boto3_session():
    return boto3.Session()


def _storage_and_client(session, config, token, signed, location):
    bucket = config.get("bucket", "my-bucket")
    storage = S3Storage(
        bucket_name=bucket,
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        security_token=token,
        region_name=config["region_name"],
        endpoint_url=config.get("endpoint_url"),
        addressing_style=config["style"],
        signature_version=config["signature_version"],
        querystring_auth=signed,
        location=location,
    )
    signature = config["signature_version"] if signed else botocore.UNSIGNED
    client = session.client(
        "s3",
        region_name=config["region_name"],
        endpoint_url=config.get("endpoint_url"),
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        aws_session_token=token,
        config=Config(s3={"addressing_style": config["style"]}, signature_version=signature),
    )
    return storage, client, bucket


def _cases():
    # Every name with and without parameters; every combination of
    # parameters, method and expiry for two of them.
    for name in NAMES:
        yield name, None, None, None
        yield name, PARAMETERS[1], "PUT", 60
    for name in NAMES[1:3]:
        yield from itertools.product([name], PARAMETERS, METHODS, EXPIRES)


def _mismatches(storage, client, bucket, cases):
    found = []
    for name, parameters, method, expire in cases:
        ours = storage.url(name, parameters=parameters, expire=expire, http_method=method)
        theirs = client.generate_presigned_url(
            "get_object",
            Params={**(parameters or {}), "Bucket": bucket, "Key": storage._key(name)},
            ExpiresIn=3600 if expire is None else expire,
            HttpMethod=method,
        )
        if ours != theirs:
            found.append((name, parameters, method, expire, ours, theirs))
    return found


@pytest.mark.parametrize("token", [None, TOKEN], ids=["keys", "token"])
@pytest.mark.parametrize("config", CONFIGS, ids=[_id(config) for config in CONFIGS])
def test_signed_urls_are_byte_identical_to_boto3(frozen_clock, boto3_session, config, token):
    location = "media" if token else ""
    storage, client, bucket = _storage_and_client(boto3_session, config, token, True, location)

    assert _mismatches(storage, client, bucket, _cases()) == []
    # The URLs above were built locally, not by botocore, and at the frozen time.
    builder = storage._runtime.url.signed
    assert isinstance(builder, _s3_presign.SigV4Builder | _s3_presign.SigV2Builder)
    url = storage.url("file.txt")
    assert "X-Amz-Date=20260101T000000Z" in url or "Expires=1767229200" in url


# The signature version does not change unsigned URLs (the unsigned client overrides it).
UNSIGNED_CONFIGS = [config for config in CONFIGS if config["signature_version"] is None]


@pytest.mark.parametrize("config", UNSIGNED_CONFIGS, ids=[_id(c) for c in UNSIGNED_CONFIGS])
def test_unsigned_urls_are_byte_identical_to_boto3(boto3_session, config):
    storage, client, bucket = _storage_and_client(boto3_session, config, None, False, "media/")

    assert _mismatches(storage, client, bucket, _cases()) == []
    assert isinstance(storage._runtime.url.unsigned, _s3_presign.UnsignedBuilder)


def test_the_clock_is_frozen_for_boto3_too(frozen_clock, boto3_session):
    # Guards the fixture: if botocore read another clock, identity would hold
    # only by luck of the second.
    config = {"region_name": "eu-west-1", "signature_version": "s3v4", "style": None}
    _, client, bucket = _storage_and_client(boto3_session, config, None, True, "")
    v4 = client.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"})
    config["signature_version"] = "s3"
    _, client, bucket = _storage_and_client(boto3_session, config, None, True, "")
    v2 = client.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"})

    assert "X-Amz-Date=20260101T000000Z" in v4
    assert v2.endswith("&Expires=1767229200")


@pytest.mark.parametrize("signature", SIGNATURES)
@pytest.mark.parametrize("signed", [True, False], ids=["signed", "unsigned"])
def test_urls_botocore_builds_are_identical_too(frozen_clock, boto3_session, signature, signed):
    config = {"region_name": "eu-west-1", "signature_version": signature, "style": None}
    storage, client, bucket = _storage_and_client(boto3_session, config, TOKEN, signed, "")
    cases = itertools.product(NAMES[:2], BOTOCORE_PARAMETERS, METHODS[:2], EXPIRES[:2])

    assert _mismatches(storage, client, bucket, cases) == []
