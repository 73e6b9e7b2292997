"""System checks for provider profiles: storages.W011, W012 and W013."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from storages.checks import check_storages


def ids(**options: Any) -> list[str]:
    storages = {
        "staticfiles": {
            "BACKEND": "storages.backends.s3.S3StaticStorage",
            "OPTIONS": {"bucket_name": "static", **options},
        }
    }
    with override_settings(STORAGES=storages):
        return [message.id for message in check_storages()]


R2 = "https://0123abcd.r2.cloudflarestorage.com"


@pytest.mark.parametrize(
    "options",
    [
        {"endpoint_url": R2, "default_acl": "public-read"},
        {"endpoint_url": R2, "object_parameters": {"ACL": "public-read"}},
        {"endpoint_url": "http://127.0.0.1:9000", "provider": "minio", "default_acl": "private"},
    ],
)
def test_an_acl_on_a_profile_without_acls_is_w011(options: dict[str, Any]) -> None:
    found = ids(**options)
    assert "storages.W011" in found
    assert "storages.W004" not in found  # W011 says it better


def test_an_acl_on_a_store_with_acls_is_not_w011() -> None:
    found = ids(endpoint_url="https://fra1.digitaloceanspaces.com", default_acl="public-read")
    assert "storages.W011" not in found
    assert "storages.W011" not in ids(default_acl="public-read")  # AWS


@pytest.mark.parametrize(
    ("endpoint", "region"),
    [
        ("https://s3.eu-west-1.amazonaws.com", "us-east-1"),
        ("https://s3.us-west-004.backblazeb2.com", "us-east-1"),
        ("https://fra1.digitaloceanspaces.com", "nyc3"),
        (R2, "eu-west-1"),
    ],
)
def test_a_region_that_contradicts_the_endpoint_is_w012(endpoint: str, region: str) -> None:
    assert "storages.W012" in ids(endpoint_url=endpoint, region_name=region)


@pytest.mark.parametrize(
    ("endpoint", "region"),
    [
        ("https://s3.eu-west-1.amazonaws.com", "eu-west-1"),
        ("https://s3.us-west-004.backblazeb2.com", "us-west-004"),
        (R2, "auto"),
        (R2, "us-east-1"),
        ("https://minio.example.com", "eu-central-1"),
    ],
)
def test_a_region_that_fits_is_not_w012(endpoint: str, region: str) -> None:
    assert "storages.W012" not in ids(endpoint_url=endpoint, region_name=region)


def test_provider_aws_with_another_endpoint_is_w013() -> None:
    assert "storages.W013" in ids(endpoint_url=R2, provider="aws", region_name="auto")
    assert "storages.W013" not in ids(endpoint_url=R2)
    assert "storages.W013" not in ids(endpoint_url="https://s3.eu-west-1.amazonaws.com")
    assert "storages.W013" not in ids(provider="aws")
