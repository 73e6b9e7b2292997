"""Each provider profile works through an emulator of its store; boto3's defaults do not.

The emulator (``tests/quirkproxy.py``) sits in front of the session's
SeaweedFS and refuses what the store documents it refuses, with that store's
error code. For every profile the whole Storage API runs through it: small
and multipart saves (create-only, so conditional writes and the part sizes
of ``create.py`` are used), ranged reads, write mode, delete, listdir,
``url()`` fetched, and the app's ``collectstatic`` with ``--clear`` (its
batched deletes). The same run with ``provider="aws"`` fails, which proves
the emulator refuses what it should.
"""

from __future__ import annotations

import io
import ssl
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from quirkproxy import EMULATORS, QuirkProxy
from storages.backends.s3 import S3Storage
from storages.management.commands.collectstatic import Command
from storages.testing._seaweedfs_process import make_self_signed_cert

pytestmark = pytest.mark.integration

MIB = 1024**2
#: Create-only saves read 6 MiB to choose multipart, then send 5 MiB parts:
#: boto3's defaults make the first part bigger than the others.
TRANSFER = TransferConfig(multipart_threshold=6 * MIB, multipart_chunksize=5 * MIB)
#: Two parts: 5 MiB and the rest (one 6 MiB PutObject would be too small for multipart).
BIG = bytes(range(256)) * (6 * MIB // 256) + b"tail"
#: Two unequal parts with boto3's defaults (6 MiB, then 5 MiB), three equal ones else.
BIGGER = BIG + bytes(5 * MIB)
STATIC = {"css/site.css": b"body{}", "js/app.js": b"go()", "robots.txt": b"User-agent: *"}
#: collectstatic runs once per distinct emulator (several stores share one).
FIRST_OF_EACH_EMULATOR = {
    provider
    for provider in sorted(EMULATORS)
    if next(name for name in sorted(EMULATORS) if EMULATORS[name] is EMULATORS[provider])
    == provider
}


@pytest.fixture
def emulate(s3_server: Any) -> Iterator[Callable[[str], QuirkProxy]]:
    proxies: list[QuirkProxy] = []

    def start(provider: str) -> QuirkProxy:
        proxy = QuirkProxy(s3_server.s3_port, EMULATORS[provider])
        proxies.append(proxy)
        return proxy

    yield start
    for proxy in proxies:
        proxy.close()


def options(s3_server: Any, bucket: str, proxy: QuirkProxy, provider: str) -> dict[str, Any]:
    return s3_server.storage_options(
        bucket,
        endpoint_url=proxy.endpoint_url,
        provider=provider,
        file_overwrite=False,
        transfer_config=TRANSFER,
        signature_version="s3v4",
    )


def use_the_storage_api(storage: S3Storage) -> None:
    small = storage.save("docs/small.txt", ContentFile(b"hello"))
    big = storage.save("docs/big.bin", ContentFile(BIG))
    with storage.open(big) as file:
        file.seek(5 * MIB - 2)
        assert file.read(4) == BIG[5 * MIB - 2 : 5 * MIB + 2]
    with storage.open("docs/written.bin", "wb") as file:
        file.write(b"w" * (5 * MIB))
        file.write(b"end")
    assert storage.size("docs/written.bin") == 5 * MIB + 3
    with urllib.request.urlopen(storage.url(small), timeout=30) as response:  # noqa: S310
        assert response.read() == b"hello"
    assert storage.listdir("docs") == ([], ["big.bin", "small.txt", "written.bin"])
    storage.delete(small)
    assert not storage.exists(small)


def collect_static(options: dict[str, Any], tmp_path: Path) -> None:
    root = tmp_path / "static-src"
    for name, data in STATIC.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {
            "BACKEND": "storages.backends.s3.S3StaticStorage",
            "OPTIONS": {**options, "location": "static", "file_overwrite": True},
        },
    }
    with override_settings(STORAGES=storages, STATICFILES_DIRS=[str(root)], STATIC_ROOT=None):
        for args in ((), ("--clear",)):
            call_command(Command(), *args, interactive=False, verbosity=0, stdout=io.StringIO())


@pytest.mark.parametrize("provider", sorted(EMULATORS))
def test_the_profile_works_through_its_stores_emulator(
    s3_server: Any, bucket_name: str, s3_client: Any, emulate: Any, tmp_path: Path, provider: str
) -> None:
    proxy = emulate(provider)
    settings = options(s3_server, bucket_name, proxy, provider)
    use_the_storage_api(S3Storage(**settings))
    if provider in FIRST_OF_EACH_EMULATOR:
        collect_static(settings, tmp_path)
        listed = s3_client.list_objects_v2(Bucket=bucket_name, Prefix="static/")
        assert {f"static/{name}" for name in STATIC} <= {item["Key"] for item in listed["Contents"]}
    # Only what the existing fallback handles: a 501 to If-None-Match (plain uploads after).
    assert {rule for rule, *_ in proxy.refused} <= {"if_none_match"}


@pytest.mark.parametrize("provider", sorted(EMULATORS))
def test_boto3s_defaults_fail_through_the_same_emulator(
    s3_server: Any, bucket_name: str, emulate: Any, tmp_path: Path, provider: str
) -> None:
    proxy = emulate(provider)
    settings = options(s3_server, bucket_name, proxy, provider)
    settings["provider"] = "aws"
    with pytest.raises(ClientError):
        use_the_storage_api(S3Storage(**settings))
    if provider in FIRST_OF_EACH_EMULATOR:
        with pytest.raises((ClientError, CommandError)):
            collect_static(settings, tmp_path)
    assert proxy.refused


def test_the_r2_emulator_refuses_unequal_parts_and_the_profile_sends_equal_ones(
    s3_server: Any, bucket_name: str, emulate: Any
) -> None:
    proxy = emulate("r2")
    settings = options(s3_server, bucket_name, proxy, "r2")
    aws = S3Storage(**{**settings, "provider": "aws", "client_config": _no_checksums()})
    with pytest.raises(ClientError) as raised:
        aws.save("big.bin", ContentFile(BIGGER))
    assert raised.value.response["Error"]["Code"] == "InvalidPart"
    assert S3Storage(**settings).save("big.bin", ContentFile(BIGGER)) == "big.bin"


def test_a_store_without_delete_objects_gets_single_deletes(
    s3_server: Any, bucket_name: str, s3_client: Any, emulate: Any, tmp_path: Path
) -> None:
    proxy = emulate("gcs")
    settings = options(s3_server, bucket_name, proxy, "s3-compatible")
    collect_static(settings, tmp_path)  # the 400 NotImplemented answer is learnt from
    assert [rule for rule, *_ in proxy.refused] == ["delete_objects"]
    assert [method for method, _ in proxy.requests].count("DELETE") >= len(STATIC)


def _no_checksums() -> Any:
    from botocore.config import Config

    return Config(
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        signature_version="s3v4",
    )


def test_over_https_boto3s_aws_chunked_uploads_are_refused_and_the_profiles_are_not(
    s3_server: Any, bucket_name: str, tmp_path: Path
) -> None:
    cert, key = make_self_signed_cert(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    proxy = QuirkProxy(s3_server.s3_port, EMULATORS["r2"], tls=context)
    try:
        settings = s3_server.storage_options(
            bucket_name, endpoint_url=proxy.endpoint_url, verify=str(cert), provider="aws"
        )
        with pytest.raises(ClientError):
            S3Storage(**settings).save("a.txt", ContentFile(b"over https"))
        [headers] = proxy.refused_headers
        assert "aws-chunked" in headers.get("content-encoding", "")
        settings["provider"] = "r2"
        storage = S3Storage(**settings)
        assert storage.save("a.txt", ContentFile(b"over https")) == "a.txt"
        assert storage.open("a.txt").read() == b"over https"
        assert len(proxy.refused) == 1
    finally:
        proxy.close()
