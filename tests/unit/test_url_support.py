"""Helpers shared by the url() tests: frozen clocks, session counts, rotating credentials.

Not a test module; named test_url_* only to sit with the tests it serves.
"""

from __future__ import annotations

import types
from datetime import UTC, datetime

import boto3
import botocore.auth
import botocore.session
import pytest
from botocore.credentials import CredentialProvider, CredentialResolver

from storages.backends._s3.urls import presign as _s3_presign
from storages.backends.s3 import S3Storage

KEYS = {"access_key": "AKIDEXAMPLE", "secret_key": "secret", "region_name": "eu-west-1"}
FROZEN = 1767225600.0  # 2026-01-01T00:00:00Z


def freeze_clocks(monkeypatch, when: float) -> None:
    """Freeze both signers' clocks at epoch second ``when`` (fractions allowed).

    botocore's SigV4 signer reads ``botocore.auth.get_current_datetime``, its
    SigV2 signer ``botocore.auth.time.time``; ours reads ``_s3_presign.now``.
    """
    moment = datetime.fromtimestamp(when, UTC).replace(tzinfo=None)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *a, **k: moment)
    monkeypatch.setattr(botocore.auth, "time", types.SimpleNamespace(time=lambda: when))
    monkeypatch.setattr(_s3_presign, "now", lambda: when)


def count_sessions(monkeypatch) -> list[dict]:
    """Count the boto3 Sessions built (S3Storage._create_session looks boto3.Session up)."""
    built: list[dict] = []
    real = boto3.Session

    def counting(*args, **kwargs):
        built.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(boto3, "Session", counting)
    return built


def make(**options) -> S3Storage:
    """Return an S3Storage on "my-bucket" with test keys in eu-west-1."""
    return S3Storage(bucket_name="my-bucket", **{**KEYS, **options})


def botocore_url(storage, name, **kwargs) -> str:
    """What the reference implementation returns: the connection's generate_presigned_url."""
    params = {**(kwargs.get("parameters") or {}), "Bucket": "my-bucket", "Key": storage._key(name)}
    connection = storage.connection if storage.querystring_auth else storage.unsigned_connection
    url: str = connection.meta.client.generate_presigned_url(
        "get_object",
        Params=params,
        ExpiresIn=kwargs.get("expire") or storage.querystring_expire,
        HttpMethod=kwargs.get("http_method"),
    )
    return url


class FixedProvider(CredentialProvider):
    """A credential provider that hands out one given Credentials object."""

    METHOD = "test"

    def __init__(self, credentials):
        self.credentials = credentials

    def load(self):
        return self.credentials


class RefreshingStorage(S3Storage):
    """A storage whose session holds rotating credentials, like an assumed role's."""

    def __init__(self, credentials, **kwargs):
        self.test_credentials = credentials
        super().__init__(**kwargs)

    def _create_session(self):
        core = botocore.session.get_session()
        resolver = CredentialResolver([FixedProvider(self.test_credentials)])
        core.register_component("credential_provider", resolver)
        return boto3.Session(botocore_session=core, region_name="eu-west-1")


@pytest.fixture
def frozen_clock(monkeypatch):
    """Both signers' clocks at FROZEN."""
    freeze_clocks(monkeypatch, FROZEN)


@pytest.fixture
def sessions(monkeypatch):
    """The list of boto3 Sessions built during the test."""
    return count_sessions(monkeypatch)
