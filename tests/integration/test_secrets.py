"""Secrets never reach logs, reprs or error messages, whatever the log level."""

from __future__ import annotations

import logging

import pytest
from botocore.exceptions import ClientError
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile

from helpers import rsa_pem
from storages._redact import redact
from storages.backends.s3 import S3Storage

pytestmark = pytest.mark.integration

TOKEN = "FwoGZXIvYXdzEXAMPLETOKEN/with+chars=="


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(self.format(record))


@pytest.fixture
def all_logs():
    handler = _Collect()
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler.messages
    root.removeHandler(handler)
    root.setLevel(previous)


def test_full_run_logs_no_secret(s3_server, bucket_name, all_logs):
    pem = rsa_pem(pkcs8=True).decode()
    pem_body = pem.splitlines()[5]
    storage = S3Storage(**s3_server.storage_options(bucket_name, signature_version="s3v4"))
    storage.save("a.txt", ContentFile(b"hello"))
    with storage.open("a.txt") as f:
        assert f.read() == b"hello"
    with storage.open("w.txt", "wb") as f:
        f.write(b"x" * 10)
    storage.url("a.txt")
    storage.exists("missing.txt")
    storage.listdir("")
    storage.delete("a.txt")
    # Temporary credentials: SeaweedFS refuses the token, but it is sent and logged.
    tokened = S3Storage(**s3_server.storage_options(bucket_name, security_token=TOKEN))
    with pytest.raises(ClientError) as info:
        tokened.save("b.txt", ContentFile(b"x"))
    cloudfront = S3Storage(
        **s3_server.storage_options(
            bucket_name,
            custom_domain="cdn.example.com",
            cloudfront_key_id="APKAEXAMPLE",
            cloudfront_key=pem,
        )
    )
    cloudfront.url("a.txt")
    secrets = [s3_server.access_key, s3_server.secret_key, TOKEN, pem_body]
    text = "\n".join(all_logs)
    assert len(all_logs) > 50  # botocore's DEBUG output was captured
    for secret in secrets:
        assert secret not in text
        assert secret not in str(info.value)
        for shown in (repr(storage), str(storage), repr(tokened), repr(cloudfront)):
            assert secret not in shown


def test_settings_errors_hide_secrets():
    with pytest.raises(ImproperlyConfigured) as info:
        S3Storage(security_token=12345678901234)
    assert "12345678901234" not in str(info.value)
    assert str(info.value) == (
        "Invalid value for AWS_SESSION_TOKEN / AWS_SECURITY_TOKEN / security_token: found a "
        "value of type int (hidden); expected a string or None."
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/s3/"
            "aws4_request, SignedHeaders=host",
            "Authorization: AWS4-HMAC-SHA256 Credential=***/20260101/us-east-1/s3/"
            "aws4_request, SignedHeaders=host",
        ),
        (
            "?X-Amz-Credential=AKIDEXAMPLE%2F20260101%2Fus-east-1&X-Amz-Security-Token=abc%2Bd&x=1",
            "?X-Amz-Credential=***%2F20260101%2Fus-east-1&X-Amz-Security-Token=***&x=1",
        ),
        (
            "headers={'X-Amz-Security-Token': b'tok/en+=', 'Host': b'h'}",
            "headers={'X-Amz-Security-Token': b'***', 'Host': b'h'}",
        ),
        ("x-amz-security-token:tok/en+=\nhost:h", "x-amz-security-token:***\nhost:h"),
        (
            "?AWSAccessKeyId=AKID&Signature=s&Expires=1",
            "?AWSAccessKeyId=***&Signature=s&Expires=1",
        ),
        (
            "{'Authorization': b'AWS AKIDEXAMPLE:c2lnbmF0dXJl'}",
            "{'Authorization': b'AWS ***:c2lnbmF0dXJl'}",
        ),
        ("nothing to hide here", "nothing to hide here"),
    ],
)
def test_redact_patterns(text, expected):
    assert redact(text) == expected
