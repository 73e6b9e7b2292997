"""Provider profiles (``provider`` / AWS_S3_PROVIDER): which applies, and what it sets.

The requests themselves are captured just before they would be sent
(``before-send``), so the headers checked are the ones a store would see.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import io
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from storages.backends._s3.create import _equal_chunks
from storages.backends._s3.multipart import part_size
from storages.backends._s3.options import PROVIDERS
from storages.backends._s3.protocol import MIN_PART_SIZE
from storages.backends._s3.providers import PROFILES, choose
from storages.backends._s3.providers.detect import Trial, fitting_profile, settings_to_paste
from storages.backends.s3 import S3Storage

R2 = "https://0123abcd.r2.cloudflarestorage.com"
LOCAL = "http://127.0.0.1:9000"


def make(**options: Any) -> S3Storage:
    options.setdefault("bucket_name", "bucket")
    options.setdefault("access_key", "AKID")
    options.setdefault("secret_key", "SECRET")
    return S3Storage(**options)


def test_every_profile_is_a_choice_of_the_setting() -> None:
    assert ("auto", *PROFILES) == PROVIDERS


@pytest.mark.parametrize(
    ("endpoint", "expected"),
    [
        (None, "aws"),
        ("https://s3.eu-west-1.amazonaws.com", "aws"),
        ("https://s3.cn-north-1.amazonaws.com.cn", "aws"),
        (R2, "r2"),
        ("https://0123abcd.eu.r2.cloudflarestorage.com", "r2"),
        ("https://s3.us-west-004.backblazeb2.com", "b2"),
        ("https://storage.googleapis.com", "gcs"),
        ("https://fra1.digitaloceanspaces.com", "digitalocean"),
        ("https://s3.eu-central-1.wasabisys.com", "wasabi"),
        ("https://s3.fr-par.scw.cloud", "scaleway"),
        ("https://s3.gra.io.cloud.ovh.net", "ovh"),
        ("https://us-east-1.linodeobjects.com", "linode"),
        ("https://fsn1.your-objectstorage.com", "hetzner"),
        ("https://ns.compat.objectstorage.eu-frankfurt-1.oraclecloud.com", "oracle"),
        ("https://s3.us-south.cloud-object-storage.appdomain.cloud", "ibm"),
        (LOCAL, "s3-compatible"),
        ("https://minio.example.com:9000", "s3-compatible"),
        ("https://notamazonaws.com", "s3-compatible"),
    ],
)
def test_auto_detects_the_profile_from_the_endpoint_host(
    endpoint: str | None, expected: str
) -> None:
    assert choose("auto", endpoint)[0].name == expected


@pytest.mark.parametrize(
    ("endpoint", "region"),
    [
        (R2, "auto"),
        ("https://s3.us-west-004.backblazeb2.com", "us-west-004"),
        ("https://storage.googleapis.com", "auto"),
        ("https://fra1.digitaloceanspaces.com", "fra1"),
        ("https://s3.eu-central-1.wasabisys.com", "eu-central-1"),
        ("https://s3.wasabisys.com", "us-east-1"),
        ("https://s3.nl-ams.scw.cloud", "nl-ams"),
        ("https://s3.gra.io.cloud.ovh.net", "gra"),
        ("https://s3.de.io.cloud.ovh.net", "de"),
        ("https://se-sto-1.linodeobjects.com", "se-sto-1"),
        ("https://hel1.your-objectstorage.com", "hel1"),
        ("https://ns.compat.objectstorage.eu-frankfurt-1.oraclecloud.com", "eu-frankfurt-1"),
        ("https://s3.eu-de.cloud-object-storage.appdomain.cloud", "eu-de"),
        ("https://s3.private.eu-de.cloud-object-storage.appdomain.cloud", "eu-de"),
    ],
)
def test_a_named_profile_fills_in_the_region_its_endpoint_names(endpoint: str, region: str) -> None:
    assert make(endpoint_url=endpoint).region_name == region


def test_aws_keeps_todays_client_config_exactly() -> None:
    storage = make()
    config = storage.client_config
    assert config.s3 == {"addressing_style": None}
    assert set(config._user_provided_options) == {"s3", "signature_version", "proxies"}
    assert storage._store_rules.equal_parts is False
    assert storage._store_rules.content_md5 is False
    given = Config(retries={"max_attempts": 1})
    assert make(client_config=given).client_config is given


def test_s3_compatible_sends_checksums_only_when_required_and_uses_path_addressing() -> None:
    storage = make(endpoint_url=LOCAL)
    config = storage.client_config
    assert config.request_checksum_calculation == "when_required"
    assert config.response_checksum_validation == "when_required"
    assert config.s3 == {"addressing_style": "path"}
    assert storage.addressing_style == "path"
    assert storage._store_rules.equal_parts is True
    assert storage.region_name is None  # the store documents none


def test_provider_aws_with_another_endpoint_keeps_boto3s_defaults() -> None:
    config = make(endpoint_url=LOCAL, provider="aws").client_config
    assert "request_checksum_calculation" not in config._user_provided_options
    assert config.s3 == {"addressing_style": None}


def test_explicit_settings_win_over_the_profile() -> None:
    storage = make(endpoint_url=R2, region_name="us-east-1", addressing_style="virtual")
    assert storage.region_name == "us-east-1"
    assert storage.client_config.s3 == {"addressing_style": "virtual"}


def test_a_django_setting_holding_the_default_is_given_too() -> None:
    with override_settings(AWS_S3_ADDRESSING_STYLE=None, AWS_S3_REGION_NAME=None):
        storage = make(endpoint_url=R2)
    assert storage.addressing_style is None
    assert storage.region_name is None


def test_a_given_client_config_keeps_its_options_above_the_profiles() -> None:
    given = Config(request_checksum_calculation="when_supported", s3={"use_accelerate": False})
    config = make(endpoint_url=LOCAL, client_config=given).client_config
    assert config.request_checksum_calculation == "when_supported"
    assert config.response_checksum_validation == "when_required"
    assert config.s3 == {"use_accelerate": False}
    plain = make(endpoint_url=LOCAL, client_config=Config(retries={"max_attempts": 2}))
    assert plain.client_config.s3 == {"addressing_style": "path"}
    assert plain.client_config.retries == {"max_attempts": 2}


def test_botocores_environment_variables_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REQUEST_CHECKSUM_CALCULATION", "when_supported")
    config = make(endpoint_url=LOCAL).client_config
    assert "request_checksum_calculation" not in config._user_provided_options
    assert config.response_checksum_validation == "when_required"


def test_the_provider_setting_falls_back_to_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_S3_PROVIDER", "aws")
    assert make(endpoint_url=LOCAL).provider == "aws"
    with override_settings(AWS_S3_PROVIDER="minio"):
        assert make(endpoint_url=LOCAL).region_name == "us-east-1"


def test_an_unknown_provider_names_every_spelling_the_value_and_the_choices() -> None:
    with pytest.raises(ImproperlyConfigured) as raised:
        make(provider="cloudflare")
    message = str(raised.value)
    assert "AWS_S3_PROVIDER / provider" in message
    assert "'cloudflare'" in message
    for name in PROVIDERS:
        assert repr(name) in message


def test_the_choice_is_logged_once_per_storage(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="storages.backends._s3.providers"):
        storage = make(endpoint_url=R2)
        storage.exists  # noqa: B018 - attribute access, no request
    records = [r for r in caplog.records if "provider profile" in r.getMessage()]
    assert len(records) == 1
    assert "'r2'" in records[0].getMessage()
    assert "region_name" in records[0].getMessage()


def test_a_profile_without_conditional_writes_never_sends_if_none_match(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    garage = dataclasses.replace(PROFILES["garage"], conditional_writes=False)
    monkeypatch.setitem(PROFILES, "garage", garage)
    assert make(endpoint_url=LOCAL, provider="garage")._runtime.conditional_writes_unsupported
    assert not make(endpoint_url=LOCAL)._runtime.conditional_writes_unsupported


# -- the requests -------------------------------------------------------------------------


class _Raw:
    def stream(self, **kwargs: Any) -> Iterator[bytes]:
        yield b""


@pytest.fixture
def sent() -> list[tuple[str, dict[str, str], bytes]]:
    return []


def capture(storage: S3Storage, sent: list[tuple[str, dict[str, str], bytes]]) -> Any:
    """Return the storage's client, answering every request locally and recording it."""

    def answer(request: Any, event_name: str, **kwargs: Any) -> AWSResponse:
        body = request.body if isinstance(request.body, bytes) else b""
        headers = {
            name.lower(): value.decode() if isinstance(value, bytes) else str(value)
            for name, value in request.headers.items()
        }
        sent.append((event_name.rpartition(".")[2], headers, body))
        response = AWSResponse(request.url, 200, {"ETag": '"e"'}, _Raw())
        response._content = b"<DeleteResult/>" if "DeleteObjects" in event_name else b""
        return response

    client = storage.connection.meta.client
    client.meta.events.register("before-send.s3", answer)
    return client


def _checksum_headers(headers: dict[str, str]) -> list[str]:
    return [
        name
        for name in headers
        if name.startswith("x-amz-checksum-") or name == "x-amz-sdk-checksum-algorithm"
    ]


def test_delete_objects_carries_content_md5_and_no_flexible_checksum(
    sent: list[tuple[str, dict[str, str], bytes]],
) -> None:
    client = capture(make(endpoint_url=LOCAL), sent)
    client.delete_objects(Bucket="bucket", Delete={"Objects": [{"Key": "a"}, {"Key": "b\n"}]})
    [(_, headers, body)] = sent
    assert _checksum_headers(headers) == []
    expected = base64.b64encode(hashlib.md5(body, usedforsecurity=False).digest()).decode()
    assert headers["content-md5"] == expected
    assert "content-md5" in headers["authorization"].lower()  # signed


def test_aws_sends_delete_objects_as_boto3_does(
    sent: list[tuple[str, dict[str, str], bytes]],
) -> None:
    client = capture(make(endpoint_url=LOCAL, provider="aws"), sent)
    client.delete_objects(Bucket="bucket", Delete={"Objects": [{"Key": "a"}]})
    [(_, headers, _)] = sent
    if "request_checksum_calculation" in Config.OPTION_DEFAULTS:  # botocore >= 1.36
        assert _checksum_headers(headers)


def test_uploads_carry_no_flexible_checksum(
    sent: list[tuple[str, dict[str, str], bytes]],
) -> None:
    storage = make(endpoint_url=LOCAL)
    capture(storage, sent)
    storage.save("a.txt", io.BytesIO(b"data"))
    assert [name for name, _, _ in sent] == ["PutObject"]
    assert _checksum_headers(sent[0][1]) == []


# -- part sizes ---------------------------------------------------------------------------


def test_equal_parts_never_grow() -> None:
    assert part_size(None, 5000) == 16 * MIN_PART_SIZE
    assert part_size(None, 5000, grow=False) == MIN_PART_SIZE
    assert part_size(6 * 1024**2, 10_000, grow=False) == 6 * 1024**2


@pytest.mark.parametrize("first_size", [3, 10, 11, 25])
def test_equal_chunks_cut_every_part_but_the_last_to_one_size(first_size: int) -> None:
    data = bytes(range(256)) * 2
    first, rest = data[:first_size], io.BytesIO(data[first_size:])
    chunks = list(_equal_chunks(first, rest, 10))
    assert b"".join(chunks) == data
    assert {len(chunk) for chunk in chunks[:-1]} == {10}
    assert 0 < len(chunks[-1]) <= 10


# -- s3probe --detect's choice ------------------------------------------------------------


def trials(**refused: bool) -> dict[str, Trial]:
    names = ("checksums", "acl", "conditional", "delete-crc32", "delete-md5", "unequal-parts")
    return {
        name: Trial(name, name, accepted=not refused.get(name.replace("-", "_"))) for name in names
    }


def test_detect_keeps_the_storages_own_profile_when_it_fits() -> None:
    storage = make(endpoint_url=R2)
    assert fitting_profile(storage, trials(checksums=True, unequal_parts=True)) is PROFILES["r2"]


def test_detect_prefers_s3_compatible_over_boto3s_defaults_for_another_store() -> None:
    storage = make(endpoint_url=LOCAL, provider="aws")
    assert fitting_profile(storage, trials(delete_crc32=True)) is PROFILES["s3-compatible"]
    assert fitting_profile(storage, trials()) is PROFILES["aws"]  # it fits: kept
    assert fitting_profile(make(endpoint_url=LOCAL), trials()) is PROFILES["s3-compatible"]


def test_detect_finds_a_profile_without_delete_objects() -> None:
    storage = make(endpoint_url=LOCAL)
    found = fitting_profile(storage, trials(delete_crc32=True, delete_md5=True))
    assert found is PROFILES["gcs"]


def test_detect_pastes_the_provider_and_drops_a_refused_acl() -> None:
    storage = make(endpoint_url=LOCAL, default_acl="public-read")
    text = settings_to_paste(storage, PROFILES["minio"], trials(acl=True))
    assert text.splitlines() == [
        '"provider": "minio",',
        '"default_acl": None,  # the store refuses canned ACLs',
    ]
