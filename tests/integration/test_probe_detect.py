"""``manage.py s3probe --detect`` against SeaweedFS and the stores' emulators (``quirkproxy``)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from quirkproxy import EMULATORS, QuirkProxy, Quirks

pytestmark = pytest.mark.integration

S3 = "storages.backends.s3.S3Storage"
LOCAL = "django.core.files.storage.FileSystemStorage"


@pytest.fixture
def emulator(s3_server: Any) -> Iterator[Any]:
    proxies: list[QuirkProxy] = []

    def start(quirks: Quirks) -> QuirkProxy:
        proxy = QuirkProxy(s3_server.s3_port, quirks)
        proxies.append(proxy)
        return proxy

    yield start
    for proxy in proxies:
        proxy.close()


def detect(
    s3_server: Any, bucket: str, endpoint: str | None = None, **options: Any
) -> tuple[list[str], str]:
    settings = s3_server.storage_options(bucket, **options)
    if endpoint is not None:
        settings["endpoint_url"] = endpoint
    storages = {"default": {"BACKEND": S3, "OPTIONS": settings}}
    storages["staticfiles"] = {"BACKEND": LOCAL}
    out, error = io.StringIO(), ""
    with override_settings(STORAGES=storages):
        try:
            call_command("s3probe", "default", "--detect", stdout=out)
        except CommandError as err:
            error = str(err)
    return out.getvalue().splitlines(), error


def answers(lines: list[str]) -> dict[str, str]:
    found = {}
    for line in lines:
        parts = line.split()
        if len(parts) > 2 and parts[0] in (
            "checksums",
            "acl",
            "conditional",
            "delete-crc32",
            "delete-md5",
            "unequal-parts",
        ):
            found[parts[0]] = " ".join(parts[1:4])
    return found


def test_seaweedfs_accepts_everything_and_s3_compatible_fits(
    s3_server: Any, bucket_name: str, s3_client: Any
) -> None:
    lines, error = detect(s3_server, bucket_name)
    assert error == ""
    found = answers(lines)
    assert found["checksums"] == "accepted PutObject with"
    assert found["conditional"].startswith("honoured")
    assert found["unequal-parts"].startswith("accepted")
    assert "  fits: provider 's3-compatible' (S3-compatible store)" in lines
    assert '    "provider": "s3-compatible",' in lines
    assert s3_client.list_objects_v2(Bucket=bucket_name).get("KeyCount", 0) == 0  # cleaned up


def test_r2s_refusals_are_found_and_r2_fits(
    s3_server: Any, bucket_name: str, emulator: Any
) -> None:
    proxy = emulator(EMULATORS["r2"])
    lines, error = detect(s3_server, bucket_name, proxy.endpoint_url, provider="r2")
    assert error == ""
    found = answers(lines)
    assert found["checksums"].startswith("refused (501 NotImplemented)")
    assert found["acl"].startswith("refused (501 NotImplemented)")
    assert found["unequal-parts"].startswith("refused (400 InvalidPart)")
    assert found["delete-md5"].startswith("accepted")
    assert "  fits: provider 'r2' (Cloudflare R2)" in lines


def test_boto3s_defaults_do_not_fit_an_old_store_and_the_probe_says_what_does(
    s3_server: Any, bucket_name: str, emulator: Any
) -> None:
    proxy = emulator(EMULATORS["minio"])
    lines, error = detect(
        s3_server, bucket_name, proxy.endpoint_url, provider="aws", default_acl="private"
    )
    assert error == ""
    found = answers(lines)
    assert found["delete-crc32"].startswith("refused (400 ")
    assert found["delete-md5"].startswith("accepted")
    assert "  fits: provider 's3-compatible' (S3-compatible store)" in lines
    assert '    "default_acl": None,  # the store refuses canned ACLs' in lines


def test_a_store_without_delete_objects_gets_the_gcs_profile(
    s3_server: Any, bucket_name: str, emulator: Any
) -> None:
    proxy = emulator(EMULATORS["gcs"])
    lines, _ = detect(s3_server, bucket_name, proxy.endpoint_url)
    found = answers(lines)
    assert found["delete-crc32"].startswith("refused (400 ")
    assert found["delete-md5"].startswith("refused (400 NotImplemented)")
    assert "  fits: provider 'gcs' (Google Cloud Storage (XML API))" in lines


def test_garages_501_to_if_none_match_is_reported_as_refused(
    s3_server: Any, bucket_name: str, emulator: Any
) -> None:
    proxy = emulator(EMULATORS["garage"])
    lines, _ = detect(s3_server, bucket_name, proxy.endpoint_url, provider="garage")
    assert answers(lines)["conditional"].startswith("refused (501 NotImplemented)")
    assert "  fits: provider 'garage' (Garage)" in lines
