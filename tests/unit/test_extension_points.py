"""Extension points: a subclass that overrides one gets its own code run.

The storage takes fast paths (URLs built without botocore, layouts shared
between storages, collectstatic's pooled PutObject, the key prefix computed
once) only while nothing they bypass is overridden. One test per point, here
for what needs no server and in ``tests/integration/test_extension_points_live.py``
("live" below) for what does:

- ``connection`` (property): live ``test_an_own_connection_serves_saves_exists_and_url``;
  also unit/test_url_behaviour.py ``test_a_subclass_with_its_own_connection_keeps_botocore``.
- ``unsigned_connection`` (property): ``test_an_own_unsigned_connection_builds_the_url``.
- ``bucket`` (property): live ``test_an_own_bucket_receives_saves_and_urls``.
- ``_create_resource`` (class, instance attribute): live
  ``test_an_own_connection_serves_saves_exists_and_url`` (signed URLs, requests) and
  ``test_an_own_unsigned_connection_builds_the_url`` (unsigned URLs).
- ``_create_session`` (class, instance attribute): live
  ``test_an_own_session_signs_requests_and_urls`` (its credentials sign requests and
  URLs, SigV4 and SigV2) and ``test_an_own_session_decides_the_url_layout`` (its region,
  not a layout shared by storages with the same settings); also
  unit/test_url_behaviour.py ``test_refreshable_credentials_are_read_at_each_call``.
- ``_key``, ``_normalize_name`` (class, instance attribute): live
  ``test_an_own_key_decides_what_urls_exists_and_open_read``,
  ``test_an_own_key_decides_where_save_writes`` and
  ``test_an_own_key_decides_where_the_apps_collectstatic_writes``; also
  unit/test_url_behaviour.py ``test_an_overridden_normalize_name_is_honoured``.
- ``get_object_parameters``, ``_get_write_parameters``, ``object_parameters`` as a
  class attribute: live ``test_write_parameters_reach_the_put`` (save, open "wb") and
  ``test_write_parameters_reach_the_apps_collectstatic`` (collected and
  post-processed files, the manifest); also integration/test_storage_api.py
  ``test_get_object_parameters_override_sees_full_key``.
- ``_save`` (class) under the app's collectstatic: integration/test_collectstatic_app.py
  ``test_a_storage_with_its_own_save_gets_it_called`` (S3StaticStorage) and live
  ``test_the_apps_collectstatic_runs_an_own__save_for_every_manifest_file``; the
  instance attribute: live ``test_the_apps_collectstatic_runs_an_instance_attribute__save``.
- ``save`` (class) under the app's collectstatic: live
  ``test_the_apps_collectstatic_runs_an_own_save``.
- ``get_cloudfront_signer``: ``test_an_own_signer_factory_signs_custom_domain_urls``.
- ``cloudfront_signer`` as a class attribute: ``test_a_class_attribute_signer_wins_over_keys``,
  ``test_a_class_attribute_none_wins_over_keys``; the keyword:
  unit/test_public_api.py ``test_signer_kwarg_wins_over_subclass_attribute``.
- System checks and the signer: ``test_checks_see_a_class_attribute_signer``; keys
  that the storage never loads are not checked:
  ``test_checks_do_not_report_keys_the_storage_does_not_load``.
- ``get_default_settings``: ``test_get_default_settings_supplies_defaults`` (existing
  settings); unit/test_settings.py ``test_get_default_settings_extension_point``
  (new settings).
- Any setting as a class attribute: ``test_settings_given_as_class_attributes_are_used``;
  unit/test_checks.py ``test_static_storage_class_attribute_counts``; live
  ``test_write_parameters_reach_the_put`` (``object_parameters``).
"""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import boto3
import botocore
import pytest
from botocore.config import Config
from django.test import override_settings

from helpers import rsa_pem
from storages.backends import s3
from storages.backends.s3 import S3Storage
from storages.checks import check_storages

NOW = datetime(2026, 3, 4, 5, 6, 7)


class FrozenDatetime(datetime):
    """Stands in for ``storages.backends.s3.datetime``, the clock CloudFront expiries read."""

    @classmethod
    def now(cls, tz=None):
        return NOW.replace(tzinfo=UTC).astimezone(tz)


@pytest.fixture
def frozen_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(s3, "datetime", FrozenDatetime)


@pytest.fixture(scope="module")
def pem() -> bytes:
    return rsa_pem()


class RecordingSigner:
    """A CloudFront signer that says who signed, and records what it was asked."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.calls: list[tuple[str, datetime | None]] = []

    def generate_presigned_url(self, url, date_less_than=None, policy=None):
        self.calls.append((url, date_less_than))
        return f"{url}?signed-by={self.label}"


def check_messages(backend: type[S3Storage], **options: Any) -> list[str]:
    """Run the S3 system checks on STORAGES["default"] = ``backend``; return the messages."""
    path = f"{backend.__module__}.{backend.__qualname__}"
    storages = {"default": {"BACKEND": path, "OPTIONS": options}}
    with override_settings(STORAGES=storages):
        return [str(message) for message in check_storages()]


#: Settings the system checks accept for a media storage.
MEDIA = {"bucket_name": "media", "region_name": "eu-west-1", "file_overwrite": False}

W001 = (
    "STORAGES['default']: (storages.W001) custom_domain 'cdn.example.com' is set with "
    "querystring_auth=True but no CloudFront signer: URLs are plain and never expire, "
    "whatever querystring_auth says.\n"
    "\tHINT: For private files set AWS_CLOUDFRONT_KEY_ID / cloudfront_key_id and "
    "AWS_CLOUDFRONT_KEY / cloudfront_key; for public files set querystring_auth=False "
    "(AWS_QUERYSTRING_AUTH / querystring_auth) to say so."
)


# -- unsigned_connection, _create_resource ------------------------------------------


def _resource_at(endpoint: str, config: Config) -> Any:
    return boto3.Session().resource(
        "s3", region_name="eu-west-1", endpoint_url=endpoint, config=config
    )


class _OwnUnsignedConnection(S3Storage):
    @property
    def unsigned_connection(self):
        config = Config(signature_version=botocore.UNSIGNED)
        return _resource_at("https://own-connection.example.test", config)


class _OwnResource(S3Storage):
    def _create_resource(self, config):
        return _resource_at("https://own-connection.example.test", config)


@pytest.mark.parametrize(
    "how",
    [
        "unsigned_connection",
        "_create_resource",
        "_create_resource instance attribute",
    ],
)
def test_an_own_unsigned_connection_builds_the_url(how):
    options = {"bucket_name": "my-bucket", "region_name": "eu-west-1", "querystring_auth": False}
    if how == "unsigned_connection":
        storage = _OwnUnsignedConnection(**options)
    elif how == "_create_resource":
        storage = _OwnResource(**options)
    else:
        storage = S3Storage(**options)
        storage._create_resource = lambda config: _resource_at(
            "https://own-connection.example.test", config
        )

    assert storage.url("a b.txt") == "https://own-connection.example.test/my-bucket/a%20b.txt"


# -- _create_session -----------------------------------------------------------------


def _own_session() -> boto3.Session:
    return boto3.Session(
        aws_access_key_id="OWNSESSIONKEY",
        aws_secret_access_key="own-session-secret",
        region_name="ap-south-1",
    )


class _OwnSession(S3Storage):
    def _create_session(self):
        return _own_session()


@pytest.mark.parametrize("how", ["class", "instance attribute"])
def test_an_own_session_decides_the_url_layout(how):
    options = {
        "bucket_name": "my-bucket",
        "access_key": "STORAGEKEY",
        "secret_key": "storage-secret",
        "signature_version": "s3v4",
    }
    # A storage with the same settings and the default session: its URL
    # layout (us-east-1) may be shared, but not with a storage that builds
    # its own session.
    assert S3Storage(**options).url("warm.txt").startswith("https://my-bucket.s3.amazonaws.com/")
    if how == "class":
        storage = _OwnSession(**options)
    else:
        storage = S3Storage(**options)
        storage._create_session = _own_session

    url = storage.url("a b.txt", expire=60)

    parts = urlsplit(url)
    query = parse_qs(parts.query)
    day = query["X-Amz-Date"][0][:8]
    # botocore keeps the global host and signs for the session's region.
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https",
        "my-bucket.s3.amazonaws.com",
        "/a%20b.txt",
    )
    assert {name: values for name, values in query.items() if name != "X-Amz-Signature"} == {
        "X-Amz-Algorithm": ["AWS4-HMAC-SHA256"],
        "X-Amz-Credential": [f"OWNSESSIONKEY/{day}/ap-south-1/s3/aws4_request"],
        "X-Amz-Date": query["X-Amz-Date"],
        "X-Amz-Expires": ["60"],
        "X-Amz-SignedHeaders": ["host"],
    }


# -- get_cloudfront_signer, cloudfront_signer ----------------------------------------


class _OwnSignerFactory(S3Storage):
    """Builds its signer from a key reference its own way (never parses a PEM)."""

    factory_calls: ClassVar[list[tuple[str, Any]]] = []

    def get_cloudfront_signer(self, key_id, key):
        type(self).factory_calls.append((key_id, key))
        return RecordingSigner(f"factory-{key_id}")


def test_an_own_signer_factory_signs_custom_domain_urls(frozen_now):
    _OwnSignerFactory.factory_calls = []
    storage = _OwnSignerFactory(
        custom_domain="cdn.example.com",
        cloudfront_key_id="K1",
        cloudfront_key="kms:alias/cdn-signing",
        querystring_expire=60,
    )

    url = storage.url("a b.txt")
    clone = pickle.loads(pickle.dumps(storage))  # the signer is rebuilt after unpickling
    clone_url = clone.url("c.txt")

    assert url == "https://cdn.example.com/a%20b.txt?signed-by=factory-K1"
    assert storage.cloudfront_signer.calls == [
        ("https://cdn.example.com/a%20b.txt", NOW + timedelta(seconds=60))
    ]
    assert clone_url == "https://cdn.example.com/c.txt?signed-by=factory-K1"
    assert _OwnSignerFactory.factory_calls == [
        ("K1", "kms:alias/cdn-signing"),
        ("K1", "kms:alias/cdn-signing"),
    ]


CLASS_SIGNER = RecordingSigner("class-attribute")


class _SignerAttribute(S3Storage):
    cloudfront_signer = CLASS_SIGNER

    def get_cloudfront_signer(self, key_id, key):
        raise AssertionError("a class attribute signer needs no signer built from keys")


class _NoSignerAttribute(S3Storage):
    cloudfront_signer = None


@pytest.mark.parametrize(
    "keys",
    [
        {"cloudfront_key_id": "K1", "cloudfront_key": "pem"},
        {"cloudfront_key_id": "K1"},
        {"cloudfront_key_id": "K1", "cloudfront_key": "not a PEM key"},
        {},
    ],
    ids=["key-pair", "lone-key-id", "unloadable-key", "no-keys"],
)
def test_a_class_attribute_signer_wins_over_keys(frozen_now, pem, keys):
    if keys.get("cloudfront_key") == "pem":
        keys = {**keys, "cloudfront_key": pem}
    CLASS_SIGNER.calls.clear()
    storage = _SignerAttribute(custom_domain="cdn.example.com", querystring_expire=30, **keys)

    assert storage.url("a.txt") == "https://cdn.example.com/a.txt?signed-by=class-attribute"
    assert CLASS_SIGNER.calls == [("https://cdn.example.com/a.txt", NOW + timedelta(seconds=30))]


def test_a_class_attribute_none_wins_over_keys(pem):
    storage = _NoSignerAttribute(
        custom_domain="cdn.example.com", cloudfront_key_id="K1", cloudfront_key=pem
    )

    assert storage.url("a.txt") == "https://cdn.example.com/a.txt"


def test_checks_see_a_class_attribute_signer(pem):
    options = {**MEDIA, "custom_domain": "cdn.example.com"}

    assert check_messages(S3Storage, **options) == [W001]
    assert check_messages(_SignerAttribute, **options) == []
    assert check_messages(
        _NoSignerAttribute, **options, cloudfront_key_id="K1", cloudfront_key=pem
    ) == [W001]


@pytest.mark.parametrize(
    ("backend", "keys", "signed_by"),
    [
        (_SignerAttribute, {"cloudfront_key_id": "K1"}, "class-attribute"),
        (
            _SignerAttribute,
            {"cloudfront_key_id": "K1", "cloudfront_key": "not a PEM key"},
            "class-attribute",
        ),
        (
            _OwnSignerFactory,
            {"cloudfront_key_id": "K1", "cloudfront_key": "kms:alias/cdn"},
            "factory-K1",
        ),
    ],
    ids=["class-attribute-lone-key-id", "class-attribute-unloadable-key", "own-factory"],
)
def test_checks_do_not_report_keys_the_storage_does_not_load(backend, keys, signed_by):
    options = {**MEDIA, "custom_domain": "cdn.example.com", **keys}
    # The storage starts and signs its URLs with these settings.
    url = backend(**options).url("a.txt")
    assert url == f"https://cdn.example.com/a.txt?signed-by={signed_by}"

    assert check_messages(backend, **options) == []


# -- get_default_settings, settings as class attributes ------------------------------


class _TenantDefaults(S3Storage):
    def get_default_settings(self):
        return {
            **super().get_default_settings(),
            "bucket_name": "tenant-bucket",
            "region_name": "eu-west-1",
            "file_overwrite": False,
            "custom_domain": "cdn.example.com",
            "location": "tenant",
            "querystring_auth": False,
        }


@override_settings(AWS_LOCATION="from-settings", AWS_S3_CUSTOM_DOMAIN="settings.example.com")
def test_get_default_settings_supplies_defaults():
    storage = _TenantDefaults()

    assert storage.url("a b.txt") == "https://cdn.example.com/tenant/a%20b.txt"
    assert storage.bucket_name == "tenant-bucket"
    assert _TenantDefaults(location="from-options").url("a b.txt") == (
        "https://cdn.example.com/from-options/a%20b.txt"
    )
    # The system checks resolve settings the same way: no E007 (no bucket), no W001.
    assert check_messages(_TenantDefaults) == []


class _ClassSettings(S3Storage):
    bucket_name = "class-bucket"
    custom_domain = None
    region_name = "eu-west-1"
    file_overwrite = False
    location = "from-class"
    querystring_auth = False


class _ClassCustomDomain(_ClassSettings):
    custom_domain = "cdn.example.com"
    url_protocol = "http:"


@override_settings(
    AWS_STORAGE_BUCKET_NAME="settings-bucket",
    AWS_S3_REGION_NAME="us-west-2",
    AWS_LOCATION="from-settings",
    AWS_QUERYSTRING_AUTH=True,
    AWS_S3_CUSTOM_DOMAIN="settings.example.com",
    AWS_S3_URL_PROTOCOL="https:",
)
def test_settings_given_as_class_attributes_are_used():
    assert _ClassSettings().url("a b.txt") == (
        "https://class-bucket.s3.amazonaws.com/from-class/a%20b.txt"
    )
    assert _ClassCustomDomain().url("a b.txt") == "http://cdn.example.com/from-class/a%20b.txt"
    assert _ClassCustomDomain(location="from-options").url("a b.txt") == (
        "http://cdn.example.com/from-options/a%20b.txt"
    )
    # The system checks see them too: W001 (custom domain, querystring_auth from
    # the setting, no signer) only when the class attribute is overridden.
    assert check_messages(_ClassCustomDomain) == []
    assert check_messages(_ClassCustomDomain, querystring_auth=True) == [W001]
