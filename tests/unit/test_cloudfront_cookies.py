"""CloudFront signed cookies: the policy, its signature, custom signers, errors, the helper."""

from __future__ import annotations

import json
import logging
import re
import sys
from base64 import b64decode
from datetime import UTC, datetime, timedelta
from typing import ClassVar
from urllib.parse import quote

import pytest
import rsa as rsa_library
from botocore.signers import CloudFrontSigner
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.http import HttpResponse

from storages import signers
from storages.backends import s3
from storages.backends.s3 import S3StaticStorage, S3Storage
from storages.cloudfront import set_cloudfront_cookies

KEY_ID = "K2JCJMDEHXQW5F"
NOW = datetime(2026, 3, 4, 5, 6, 7, 890000, tzinfo=UTC)
NOW_EPOCH = 1772600767  # int(NOW.timestamp())
BACKENDS = {
    "cryptography": signers.cryptography_signer_factory,
    "rsa": signers.rsa_signer_factory,
}
NAMES = ("CloudFront-Policy", "CloudFront-Signature", "CloudFront-Key-Pair-Id")


class FrozenDatetime(datetime):
    """Stands in for ``storages.backends.s3.datetime``, the clock CloudFront expiries read."""

    moment: ClassVar[datetime] = NOW

    @classmethod
    def now(cls, tz=None):
        return cls.moment.astimezone(tz)


@pytest.fixture
def clock(monkeypatch):
    """The frozen clock: set ``clock.moment`` to move it."""
    monkeypatch.setattr(FrozenDatetime, "moment", NOW)
    monkeypatch.setattr(s3, "datetime", FrozenDatetime)
    return FrozenDatetime


@pytest.fixture(scope="module")
def private_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def pem(private_key) -> bytes:
    return private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,  # PKCS#1: both libraries load it
        serialization.NoEncryption(),
    )


@pytest.fixture(autouse=True)
def _own_signer_cache(monkeypatch):
    monkeypatch.setattr(S3Storage, "_signers", signers.SignerCache())


def from_cloudfront_b64(value: str) -> bytes:
    """Decode CloudFront's URL-safe base64 ("-_~" stand for "+=/")."""
    assert re.fullmatch(r"[A-Za-z0-9~_-]+", value), value
    return b64decode(value.translate(str.maketrans("-_~", "+=/")), validate=True)


def raises_exactly(error: type[Exception], message: str):
    """``pytest.raises`` for ``error`` with exactly ``message``."""
    return pytest.raises(error, match=f"^{re.escape(message)}$")


def cdn_storage(pem: bytes, **options) -> S3Storage:
    settings = {"custom_domain": "cdn.example.com", "location": "media"}
    settings.update(options)
    return S3Storage(cloudfront_key_id=KEY_ID, cloudfront_key=pem, **settings)


def policy_for(resource: str, expires: int) -> dict:
    return {
        "Statement": [
            {"Resource": resource, "Condition": {"DateLessThan": {"AWS:EpochTime": expires}}}
        ]
    }


# -- the policy ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "pattern", "resource"),
    [
        ({}, "*", "https://cdn.example.com/media/*"),
        ({"location": ""}, "*", "https://cdn.example.com/*"),
        ({"location": "media/"}, "videos/42/*", "https://cdn.example.com/media/videos/42/*"),
        ({"location": "a/b"}, "./hls/*.ts", "https://cdn.example.com/a/b/hls/*.ts"),
        ({}, "a b/ü*.ts", "https://cdn.example.com/media/a%20b/%C3%BC*.ts"),
        ({"url_protocol": "http:"}, "*", "http://cdn.example.com/media/*"),
        ({"custom_domain": "example.com/cdn"}, "x/*", "https://example.com/cdn/media/x/*"),
    ],
    ids=["location", "no-location", "slash-location", "dot", "encoded", "http", "domain-path"],
)
def test_the_policy_is_compact_json_for_the_pattern(clock, pem, options, pattern, resource):
    storage = cdn_storage(pem, querystring_expire=600, **options)

    cookies = storage.cloudfront_cookies(pattern)

    assert list(cookies) == list(NAMES)
    text = from_cloudfront_b64(cookies["CloudFront-Policy"]).decode("ascii")
    assert json.loads(text) == policy_for(resource, NOW_EPOCH + 600)
    assert text == (
        f'{{"Statement":[{{"Resource":"{resource}",'
        f'"Condition":{{"DateLessThan":{{"AWS:EpochTime":{NOW_EPOCH + 600}}}}}}}]}}'
    )
    # The text botocore's CloudFrontSigner.build_policy writes for the same statement.
    expiry = (NOW + timedelta(seconds=600)).replace(tzinfo=None)
    assert text == CloudFrontSigner(KEY_ID, lambda message: b"").build_policy(resource, expiry)
    assert cookies["CloudFront-Key-Pair-Id"] == KEY_ID


def test_the_resource_covers_the_urls_url_returns(clock, pem):
    storage = cdn_storage(pem, querystring_auth=False)
    text = from_cloudfront_b64(storage.cloudfront_cookies("a b/*")["CloudFront-Policy"])
    resource = json.loads(text)["Statement"][0]["Resource"]

    assert resource == "https://cdn.example.com/media/a%20b/*"
    assert storage.url("a b/ü 1.ts") == "https://cdn.example.com/media/a%20b/%C3%BC%201.ts"
    assert storage.url("a b/ü 1.ts").startswith(resource[:-1])


def test_expire_defaults_to_querystring_expire(clock, pem):
    storage = cdn_storage(pem, querystring_expire=90)

    def expiry(**kwargs) -> int:
        text = from_cloudfront_b64(storage.cloudfront_cookies(**kwargs)["CloudFront-Policy"])
        expires: int = json.loads(text)["Statement"][0]["Condition"]["DateLessThan"][
            "AWS:EpochTime"
        ]
        return expires

    assert expiry() == NOW_EPOCH + 90
    assert expiry(expire=7200) == NOW_EPOCH + 7200
    assert expiry(expire=0) == NOW_EPOCH
    clock.moment = NOW + timedelta(seconds=10)
    assert expiry() == NOW_EPOCH + 100


def test_a_key_override_decides_the_resource(clock, pem):
    class Tenant(S3Storage):
        def _key(self, name: str) -> str:
            return "tenant-7/" + super()._key(name)

    storage = Tenant(custom_domain="cdn.example.com", cloudfront_key_id=KEY_ID, cloudfront_key=pem)
    text = from_cloudfront_b64(storage.cloudfront_cookies("docs/*")["CloudFront-Policy"])

    assert json.loads(text)["Statement"][0]["Resource"] == "https://cdn.example.com/tenant-7/docs/*"


def test_cookies_are_signed_whatever_querystring_auth_says(clock, pem):
    storage = S3StaticStorage(
        custom_domain="cdn.example.com", cloudfront_key_id=KEY_ID, cloudfront_key=pem
    )
    assert storage.url("site.css") == "https://cdn.example.com/site.css"
    assert storage.cloudfront_cookies()["CloudFront-Key-Pair-Id"] == KEY_ID


# -- the signature ---------------------------------------------------------------------------


def verify_with_both_libraries(private_key, cookies: dict[str, str]) -> None:
    """Check the signature over the policy bytes with ``cryptography`` and with ``rsa``."""
    message = from_cloudfront_b64(cookies["CloudFront-Policy"])
    signature = from_cloudfront_b64(cookies["CloudFront-Signature"])
    public_key = private_key.public_key()
    # Raises InvalidSignature when wrong.
    public_key.verify(signature, message, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303
    public_pem = public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.PKCS1
    )
    assert rsa_library.verify(message, signature, rsa_library.PublicKey.load_pkcs1(public_pem)) == (
        "SHA-1"
    )
    with pytest.raises(rsa_library.VerificationError):
        rsa_library.verify(message + b" ", signature, rsa_library.PublicKey.load_pkcs1(public_pem))


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_signature_verifies_with_the_public_key(clock, pem, private_key, backend):
    signer = BACKENDS[backend]()(KEY_ID, pem)
    storage = S3Storage(custom_domain="cdn.example.com", location="media", cloudfront_signer=signer)

    cookies = storage.cloudfront_cookies("videos/*", expire=300)

    verify_with_both_libraries(private_key, cookies)
    # PKCS#1 v1.5 is deterministic: both libraries sign the same bytes alike.
    other = "rsa" if backend == "cryptography" else "cryptography"
    storage.cloudfront_signer = BACKENDS[other]()(KEY_ID, pem)
    assert storage.cloudfront_cookies("videos/*", expire=300) == cookies


@pytest.mark.parametrize("backend", BACKENDS)
def test_keys_from_settings_sign_with_either_library(monkeypatch, clock, pem, private_key, backend):
    if backend == "rsa":
        monkeypatch.setitem(sys.modules, "cryptography.hazmat.primitives", None)

    cookies = cdn_storage(pem).cloudfront_cookies()

    verify_with_both_libraries(private_key, cookies)


# -- custom signers ------------------------------------------------------------------------


class RecordingSigner:
    """A signer that records its calls and answers with fixed query parameters."""

    def __init__(self, answer: str) -> None:
        self.answer = answer
        self.calls: list[tuple[str, datetime | None, str | None]] = []

    def generate_presigned_url(self, url, date_less_than=None, policy=None):
        self.calls.append((url, date_less_than, policy))
        return f"{url}?{self.answer}"


def test_a_custom_signer_is_called_with_the_policy(clock):
    signer = RecordingSigner("Signature=c2ln~-_&Key-Pair-Id=KMS-KEY-1")
    storage = S3Storage(custom_domain="cdn.example.com", location="m", cloudfront_signer=signer)

    cookies = storage.cloudfront_cookies("x/*", expire=60)

    policy = policy_for("https://cdn.example.com/m/x/*", NOW_EPOCH + 60)
    document = json.dumps(policy, separators=(",", ":"))
    assert signer.calls == [("https://cdn.example.com/m/x/*", None, document)]
    assert from_cloudfront_b64(cookies["CloudFront-Policy"]).decode() == document
    assert cookies["CloudFront-Signature"] == "c2ln~-_"
    assert cookies["CloudFront-Key-Pair-Id"] == "KMS-KEY-1"


def test_the_policy_the_signer_returns_is_the_one_kept(clock):
    signer = RecordingSigner("Policy=eyJ9&Signature=c2ln&Key-Pair-Id=K1")
    storage = S3Storage(custom_domain="cdn.example.com", cloudfront_signer=signer)

    assert storage.cloudfront_cookies() == {
        "CloudFront-Policy": "eyJ9",
        "CloudFront-Signature": "c2ln",
        "CloudFront-Key-Pair-Id": "K1",
    }


def test_a_botocore_signer_with_its_own_rsa_function_signs_the_policy_bytes(clock, private_key):
    signed: list[bytes] = []

    def sign_elsewhere(message: bytes) -> bytes:  # a KMS call, say
        signed.append(message)
        return private_key.sign(message, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303

    storage = S3Storage(
        custom_domain="cdn.example.com", cloudfront_signer=CloudFrontSigner(KEY_ID, sign_elsewhere)
    )
    cookies = storage.cloudfront_cookies()

    assert signed == [from_cloudfront_b64(cookies["CloudFront-Policy"])]
    verify_with_both_libraries(private_key, cookies)


def test_a_signer_that_returns_no_signature_is_a_clear_error(clock):
    storage = S3Storage(
        custom_domain="cdn.example.com", cloudfront_signer=RecordingSigner("Key-Pair-Id=K1")
    )
    message = (
        "S3Storage.cloudfront_cookies(): the CloudFront signer (RecordingSigner) returned a URL "
        "without the Signature and Key-Pair-Id parameters. A signer must sign a custom policy "
        "as botocore's CloudFrontSigner.generate_presigned_url(url, policy=...) does."
    )
    with raises_exactly(ImproperlyConfigured, message):
        storage.cloudfront_cookies()


# -- errors --------------------------------------------------------------------------------


def test_without_a_custom_domain(pem):
    storage = S3Storage(cloudfront_key_id=KEY_ID, cloudfront_key=pem)
    message = (
        "S3Storage.cloudfront_cookies() needs the domain of the CloudFront distribution: "
        "set AWS_S3_CUSTOM_DOMAIN / custom_domain, e.g. 'media.example.com'."
    )
    with raises_exactly(ImproperlyConfigured, message):
        storage.cloudfront_cookies()


@pytest.mark.parametrize("options", [{}, {"cloudfront_signer": None}], ids=["none", "None"])
def test_without_a_signer(pem, options):
    class Media(S3Storage):
        pass

    keys = {"cloudfront_key_id": KEY_ID, "cloudfront_key": pem} if options else {}
    storage = Media(custom_domain="cdn.example.com", **options, **keys)
    message = (
        "Media.cloudfront_cookies() needs a CloudFront signer and this storage has none: set "
        "AWS_CLOUDFRONT_KEY_ID / cloudfront_key_id and AWS_CLOUDFRONT_KEY / cloudfront_key, "
        "or give a signer as the cloudfront_signer option."
    )
    with raises_exactly(ImproperlyConfigured, message):
        storage.cloudfront_cookies()


@pytest.mark.parametrize(
    ("pattern", "shown"), [("../*", "../*"), ("videos/../../*", "../*"), ("/../x/*", "/x/*")]
)
def test_a_pattern_that_leaves_the_location_is_refused(pem, pattern, shown):
    message = f"Attempted access to '{shown}' denied."
    with raises_exactly(SuspiciousOperation, message):
        cdn_storage(pem).cloudfront_cookies(pattern)
    with raises_exactly(SuspiciousOperation, message):
        cdn_storage(pem).url(pattern)  # the same rule as url()


@pytest.mark.parametrize(
    ("expire", "error", "message"),
    [
        ("600", TypeError, "expire must be a number of seconds (int), not str."),
        (1.5, TypeError, "expire must be a number of seconds (int), not float."),
        (True, TypeError, "expire must be a number of seconds (int), not bool."),
        (-1, ValueError, "expire must be 0 or more seconds, not -1."),
    ],
)
def test_a_wrong_expire_is_refused(pem, expire, error, message):
    with raises_exactly(error, message):
        cdn_storage(pem).cloudfront_cookies(expire=expire)


def test_the_key_appears_in_no_error_and_no_log(clock, pem, caplog):
    storage = S3Storage(cloudfront_key_id=KEY_ID, cloudfront_key=pem)
    secret_line = pem.decode().splitlines()[1]
    with caplog.at_level(logging.DEBUG), pytest.raises(ImproperlyConfigured) as raised:
        storage.cloudfront_cookies()
    with caplog.at_level(logging.DEBUG):
        cookies = cdn_storage(pem).cloudfront_cookies()

    assert secret_line not in str(raised.value)
    assert secret_line not in caplog.text
    assert all(secret_line not in value for value in cookies.values())
    assert secret_line not in repr(storage.cloudfront_signer)


# -- the response helper ------------------------------------------------------------------


def test_the_helper_sets_three_cookies_with_safe_attributes(clock, pem):
    cookies = cdn_storage(pem).cloudfront_cookies("videos/*", expire=600)
    response = HttpResponse()

    set_cloudfront_cookies(response, cookies, domain="example.com", path="/media/videos/")

    assert sorted(response.cookies) == sorted(NAMES)
    for name in NAMES:
        morsel = response.cookies[name]
        assert morsel.value == cookies[name]
        assert {
            key: morsel[key] for key in ("domain", "path", "max-age", "secure", "httponly")
        } == {
            "domain": "example.com",
            "path": "/media/videos/",
            "max-age": 600,
            "secure": True,
            "httponly": True,
        }
        assert morsel["samesite"] == "Lax"
        # Values are sent bare: CloudFront base64 needs no quoting in a cookie.
        assert f"{name}={cookies[name]};" in morsel.OutputString()


def test_max_age_is_what_the_policy_has_left(clock, pem):
    cookies = cdn_storage(pem).cloudfront_cookies(expire=600)

    def max_age(**kwargs) -> object:
        response = HttpResponse()
        set_cloudfront_cookies(response, cookies, **kwargs)
        return {response.cookies[name]["max-age"] for name in NAMES}

    clock.moment = NOW + timedelta(seconds=250)
    assert max_age() == {350}
    assert max_age(max_age=60) == {60}
    assert max_age(max_age=timedelta(minutes=2)) == {120}
    clock.moment = NOW + timedelta(seconds=601)
    assert max_age() == {0}


def test_attributes_the_caller_turns_off(clock, pem):
    cookies = cdn_storage(pem).cloudfront_cookies()
    response = HttpResponse()

    set_cloudfront_cookies(response, cookies, secure=False, httponly=False, samesite=None)

    morsel = response.cookies["CloudFront-Signature"]
    assert (morsel["domain"], morsel["path"], morsel["secure"], morsel["httponly"]) == (
        "",
        "/",
        "",
        "",
    )
    assert morsel["samesite"] == ""
    assert morsel["max-age"] == 3600


def test_the_helper_refuses_what_cannot_work(clock, pem):
    cookies = cdn_storage(pem).cloudfront_cookies()
    response = HttpResponse()

    partial = {name: cookies[name] for name in NAMES[:1]}
    message = (
        "Missing CloudFront cookie(s) CloudFront-Signature, CloudFront-Key-Pair-Id: pass the "
        "dict S3Storage.cloudfront_cookies() returns."
    )
    with raises_exactly(ValueError, message):
        set_cloudfront_cookies(response, partial)
    message = (
        'samesite="None" needs secure=True: browsers refuse SameSite=None cookies that are '
        "not Secure."
    )
    with raises_exactly(ValueError, message):
        set_cloudfront_cookies(response, cookies, samesite="None", secure=False)
    unreadable = {**cookies, "CloudFront-Policy": quote("not base64!")}
    message = "The CloudFront-Policy value is not a base64-encoded JSON policy."
    with raises_exactly(ValueError, message):
        set_cloudfront_cookies(response, unreadable)
    assert not response.cookies
    set_cloudfront_cookies(response, unreadable, max_age=60)
    assert response.cookies["CloudFront-Policy"]["max-age"] == 60


def test_samesite_none_with_secure_is_allowed(clock, pem):
    response = HttpResponse()
    set_cloudfront_cookies(response, cdn_storage(pem).cloudfront_cookies(), samesite="None")
    assert response.cookies["CloudFront-Policy"]["samesite"] == "None"
