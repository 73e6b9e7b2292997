"""CloudFront signing: both RSA backends, custom signers, and botocore's exact output."""

from __future__ import annotations

import re
import sys
import threading
import time
from datetime import UTC, datetime, timedelta, timezone
from typing import ClassVar

import pytest
from botocore.signers import CloudFrontSigner
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.core.exceptions import ImproperlyConfigured

from helpers import rsa_pem
from storages import signers
from storages.backends import s3
from storages.backends.s3 import S3Storage

URLS = [
    "https://cdn.example.com/media/photo.jpg",
    "https://cdn.example.com/a%20b/%C3%BC.txt?v=1&w=%22q%22",
    'https://cdn.example.com/odd/"quote"\\back/ünï',
]
EXPIRIES = [
    datetime(2030, 1, 1, 12, 0, 0, 999999),
    datetime(2030, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=5, minutes=30))),
]
BACKENDS = {
    "cryptography": signers.cryptography_signer_factory,
    "rsa": signers.rsa_signer_factory,
}


@pytest.fixture(scope="module")
def private_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def pkcs1_pem(private_key):
    # PKCS#1 ("BEGIN RSA PRIVATE KEY"): the format both libraries load.
    return private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )


@pytest.fixture(scope="module")
def reference(private_key):
    """botocore's own CloudFrontSigner with the same key."""

    def rsa_sign(message):
        return private_key.sign(message, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303

    return CloudFrontSigner("K2JCJMDEHXQW5F", rsa_sign)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("as_text", [True, False], ids=["str-key", "bytes-key"])
def test_backends_sign_exactly_as_botocore(backend, as_text, pkcs1_pem, reference):
    pem = pkcs1_pem.decode("ascii") if as_text else pkcs1_pem
    signer = BACKENDS[backend]()("K2JCJMDEHXQW5F", pem)

    ours = [
        signer.generate_presigned_url(url, date_less_than=when) for url in URLS for when in EXPIRIES
    ]
    theirs = [
        reference.generate_presigned_url(url, date_less_than=when)
        for url in URLS
        for when in EXPIRIES
    ]

    assert ours == theirs
    assert isinstance(signer, CloudFrontSigner)


def test_custom_policies_go_through_botocore(pkcs1_pem, reference):
    signer = signers.cryptography_signer_factory()("K2JCJMDEHXQW5F", pkcs1_pem)
    policy = reference.build_policy(URLS[0], EXPIRIES[0], ip_address="192.0.2.0/24")

    assert signer.generate_presigned_url(URLS[0], policy=policy) == (
        reference.generate_presigned_url(URLS[0], policy=policy)
    )
    message = "Need to provide either date_less_than or policy, but not both"
    with pytest.raises(ValueError, match=f"^{message}$"):
        signer.generate_presigned_url(URLS[0])
    with pytest.raises(ValueError, match=f"^{message}$"):
        signer.generate_presigned_url(URLS[0], date_less_than=EXPIRIES[0], policy=policy)


def test_the_signer_repr_shows_only_the_key_id(pkcs1_pem):
    signer = signers.cryptography_signer_factory()("K2JCJMDEHXQW5F", pkcs1_pem)
    assert repr(signer) == "CannedPolicySigner(key_id='K2JCJMDEHXQW5F')"


def test_the_rsa_backend_loads_only_pkcs1_keys(private_key):
    pkcs8 = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(ValueError) as raised:
        signers.rsa_signer_factory()("K", pkcs8)
    assert str(raised.value) == "No PEM start marker \"b'-----BEGIN RSA PRIVATE KEY-----'\" found"
    assert signers.cryptography_signer_factory()("K", pkcs8) is not None


def test_no_rsa_library_is_a_clear_error(monkeypatch, pkcs1_pem):
    for module in ("cryptography.hazmat.primitives", "rsa"):
        monkeypatch.setitem(sys.modules, module, None)  # makes the import fail
    monkeypatch.setattr(S3Storage, "_signers", {})
    expected = (
        "An RSA backend is required for signing cloudfront URLs.\n"
        "Supported backends are packages: cryptography and rsa."
    )

    with pytest.raises(ImproperlyConfigured, match=f"^{re.escape(expected)}$"):
        signers.signer_from_pem("K", pkcs1_pem)
    with pytest.raises(ImproperlyConfigured, match=f"^{re.escape(expected)}$"):
        S3Storage(cloudfront_key_id="K-none", cloudfront_key=pkcs1_pem)


def test_the_rsa_backend_is_used_when_cryptography_is_missing(monkeypatch, pkcs1_pem, reference):
    monkeypatch.setitem(sys.modules, "cryptography.hazmat.primitives", None)
    signer = signers.signer_from_pem("K2JCJMDEHXQW5F", pkcs1_pem)
    assert signer.generate_presigned_url(URLS[0], date_less_than=EXPIRIES[0]) == (
        reference.generate_presigned_url(URLS[0], date_less_than=EXPIRIES[0])
    )


# -- url() with a custom domain ---------------------------------------------------------


class FrozenDatetime(datetime):
    """Stands in for ``storages.backends.s3.datetime``, the clock url() reads."""

    @classmethod
    def now(cls, tz=None):
        return datetime(2026, 3, 4, 5, 6, 7, 890000, tzinfo=UTC).astimezone(tz)


@pytest.fixture
def frozen_s3_datetime(monkeypatch):
    monkeypatch.setattr(s3, "datetime", FrozenDatetime)


@pytest.mark.parametrize("backend", BACKENDS)
def test_url_signs_custom_domain_urls_as_botocore(
    backend, monkeypatch, frozen_s3_datetime, pkcs1_pem, reference
):
    if backend == "rsa":
        monkeypatch.setitem(sys.modules, "cryptography.hazmat.primitives", None)
    monkeypatch.setattr(S3Storage, "_signers", {})
    storage = S3Storage(
        custom_domain="cdn.example.com",
        cloudfront_key_id="K2JCJMDEHXQW5F",
        cloudfront_key=pkcs1_pem.decode(),
        location="media",
        querystring_expire=600,
    )
    expiry = datetime(2026, 3, 4, 5, 16, 7, 890000)

    url = storage.url("a b/ü.jpg", parameters={"w": "100"})

    assert url == reference.generate_presigned_url(
        "https://cdn.example.com/media/a%20b/%C3%BC.jpg?w=100", date_less_than=expiry
    )
    assert "Expires=1772601367&" in url
    assert storage.url("x.jpg", expire=60) == reference.generate_presigned_url(
        "https://cdn.example.com/media/x.jpg", date_less_than=expiry - timedelta(seconds=540)
    )


def test_a_custom_signer_object_is_used(frozen_s3_datetime):
    calls = []

    class Recorder:
        def generate_presigned_url(self, url, date_less_than=None, policy=None):
            calls.append((url, date_less_than, policy))
            return url + "#signed"

    storage = S3Storage(custom_domain="cdn.example.com", cloudfront_signer=Recorder())

    assert storage.url("a.txt", expire=30) == "https://cdn.example.com/a.txt#signed"
    assert calls == [
        ("https://cdn.example.com/a.txt", datetime(2026, 3, 4, 5, 6, 37, 890000), None)
    ]


def test_signing_is_off_with_none_or_without_querystring_auth(pkcs1_pem):
    keys = {"cloudfront_key_id": "K", "cloudfront_key": pkcs1_pem, "custom_domain": "cdn.test"}

    assert S3Storage(**keys, cloudfront_signer=None).url("a.txt") == "https://cdn.test/a.txt"
    assert S3Storage(**keys, querystring_auth=False).url("a.txt") == "https://cdn.test/a.txt"
    assert S3Storage(custom_domain="cdn.test").url("a.txt") == "https://cdn.test/a.txt"


# -- the cache of signers built from key pairs -------------------------------------------


class CountingFactory:
    """Stands in for ``_cloud_front_signer_from_pem``: a new object per call, counted."""

    def __init__(self, delay: float = 0.0) -> None:
        self.built: list[str] = []
        self.delay = delay

    def __call__(self, key_id, pem):
        self.built.append(key_id)
        time.sleep(self.delay)
        return object()


@pytest.fixture
def factory(monkeypatch):
    counting = CountingFactory()
    monkeypatch.setattr(s3, "_cloud_front_signer_from_pem", counting)
    monkeypatch.setattr(S3Storage, "_signers", signers.SignerCache())
    return counting


def test_the_signer_cache_keeps_the_32_most_recently_used_key_pairs(factory):
    storage = S3Storage()
    first = storage.get_cloudfront_signer("K0", "pem-0")
    for number in range(1, 40):
        storage.get_cloudfront_signer(f"K{number}", f"pem-{number}")
        # K0 stays: each round uses it again, so it is never the least recently used.
        assert storage.get_cloudfront_signer("K0", "pem-0") is first

    assert len(S3Storage._signers) == 32
    assert factory.built == [f"K{number}" for number in range(40)]
    storage.get_cloudfront_signer("K39", "pem-39")
    storage.get_cloudfront_signer("K1", "pem-1")  # dropped long ago: built again
    assert factory.built[40:] == ["K1"]


def test_the_signer_cache_holds_no_key_material(factory):
    pem = rsa_pem().decode()
    S3Storage().get_cloudfront_signer("K2JCJMDEHXQW5F", pem)

    (key,) = list(S3Storage._signers)
    assert re.fullmatch(r"[0-9a-f]{64}", key)
    assert key == signers.SignerCache.key_for("K2JCJMDEHXQW5F", pem.encode())
    assert "K2JCJMDEHXQW5F" not in key


def test_cache_keys_tell_key_pairs_apart():
    key_for = signers.SignerCache.key_for
    assert key_for("K", "pem") == key_for("K", b"pem")
    assert len({key_for("K", "pem"), key_for("K1", "pem"), key_for("K", "1pem")}) == 3
    assert key_for("a:", "b") != key_for("a", ":b")


def test_threads_asking_for_one_key_pair_at_once_share_one_signer(monkeypatch):
    monkeypatch.setattr(s3, "_cloud_front_signer_from_pem", CountingFactory(delay=0.05))
    monkeypatch.setattr(S3Storage, "_signers", signers.SignerCache())
    storage = S3Storage()
    got: list[object] = []
    threads = [
        threading.Thread(target=lambda: got.append(storage.get_cloudfront_signer("K", "pem")))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(got) == 4
    assert all(signer is got[0] for signer in got)


def test_a_subclass_with_its_own_dict_keeps_its_signers_there(factory):
    class Own(S3Storage):
        _signers: ClassVar[dict[str, object]] = {}

    class Shared(S3Storage):
        pass

    own = Own().get_cloudfront_signer("K", "pem")
    shared = Shared().get_cloudfront_signer("K", "pem")

    assert own is not shared
    assert Own._signers == {signers.SignerCache.key_for("K", "pem"): own}
    assert list(S3Storage._signers) == [signers.SignerCache.key_for("K", "pem")]
    assert S3Storage().get_cloudfront_signer("K", "pem") is shared
