"""The S3 system checks: each rule's id, message and hint, and no network on the way."""

from __future__ import annotations

import io
import socket
from typing import Any

import django
import pytest
from botocore.config import Config
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from helpers import rsa_pem
from storages.checks import check_storages

S3 = "storages.backends.s3.S3Storage"
STATIC = "storages.backends.s3.S3StaticStorage"
MANIFEST = "storages.backends.s3.S3ManifestStaticStorage"

#: A media storage that passes every check.
GOOD_MEDIA = {"bucket_name": "media", "region_name": "eu-west-1", "file_overwrite": False}


def storage(backend: str = S3, **options: Any) -> dict[str, Any]:
    return {"BACKEND": backend, "OPTIONS": options}


def messages(**storages: dict[str, Any]) -> list[str]:
    """Run the S3 checks with STORAGES set to ``storages``; return each message as printed."""
    with override_settings(STORAGES=storages):
        return [str(message) for message in check_storages()]


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Checks must never connect anywhere: any attempt fails the test."""

    def refuse(self: socket.socket, address: Any) -> None:
        raise AssertionError(f"a system check tried to connect to {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)


def test_sound_settings_pass() -> None:
    assert (
        messages(
            default=storage(**GOOD_MEDIA),
            staticfiles=storage(MANIFEST, bucket_name="static", region_name="eu-west-1"),
        )
        == []
    )


def test_storages_that_are_not_s3_are_not_checked() -> None:
    assert (
        messages(
            default=storage("django.core.files.storage.InMemoryStorage"),
            other=storage("someone_else.Missing"),
        )
        == []
    )


def test_manifest_storage_is_checked_without_reading_its_manifest() -> None:
    # The manifest storage reads staticfiles.json from S3 when created; the
    # autouse fixture turns any connection into a failure.
    options = {"bucket_name": "static", "endpoint_url": "http://127.0.0.1:9"}
    assert messages(staticfiles=storage(MANIFEST, **options, region_name="auto")) == []


def test_invalid_value_is_e001_with_the_storage_message() -> None:
    assert messages(default=storage(**GOOD_MEDIA, querystring_expire=-5)) == [
        "STORAGES['default']: (storages.E001) Invalid value for AWS_QUERYSTRING_EXPIRE / "
        "querystring_expire: found -5 (int); expected a whole number >= 0.\n"
        "\tHINT: Correct the setting named in the message; the storage cannot be created "
        "as configured."
    ]


def test_invalid_secret_is_never_shown() -> None:
    [message] = messages(default=storage(**GOOD_MEDIA, secret_key=12345678))
    assert message == (
        "STORAGES['default']: (storages.E001) Invalid value for AWS_S3_SECRET_ACCESS_KEY / "
        "AWS_SECRET_ACCESS_KEY / secret_key: found a value of type int (hidden); expected a "
        "string or None.\n"
        "\tHINT: Correct the setting named in the message; the storage cannot be created "
        "as configured."
    )


def test_unknown_option_is_e001() -> None:
    assert messages(default=storage(**GOOD_MEDIA, bucket="typo")) == [
        "STORAGES['default']: (storages.E001) Invalid setting 'bucket' for S3Storage\n"
        "\tHINT: Correct the setting named in the message; the storage cannot be created "
        "as configured."
    ]


def test_misspelt_s3_backend_is_e002() -> None:
    assert messages(default=storage("storages.backends.s3.S3Storge", **GOOD_MEDIA)) == [
        "STORAGES['default']: (storages.E002) The storage backend "
        "'storages.backends.s3.S3Storge' cannot be imported: Module \"storages.backends.s3\" "
        'does not define a "S3Storge" attribute/class.\n'
        "\tHINT: The S3 classes are storages.backends.s3.S3Storage, S3StaticStorage and "
        "S3ManifestStaticStorage."
    ]


def test_leading_slash_location_is_e003() -> None:
    assert messages(default=storage(**GOOD_MEDIA, location="//media/files")) == [
        "STORAGES['default']: (storages.E003) location '//media/files' begins with a slash "
        "(AWS_LOCATION / location); S3Storage refuses to start with it.\n"
        "\tHINT: Use 'media/files' instead: S3 keys do not begin with a slash."
    ]


def test_leading_slash_from_django_setting_is_e003() -> None:
    with override_settings(AWS_LOCATION="/static"):
        assert messages(staticfiles=storage(STATIC, bucket_name="static")) == [
            "STORAGES['staticfiles']: (storages.E003) location '/static' begins with a slash "
            "(AWS_LOCATION / location); S3Storage refuses to start with it.\n"
            "\tHINT: Use 'static' instead: S3 keys do not begin with a slash."
        ]


def test_profile_with_keys_is_e004() -> None:
    options = {**GOOD_MEDIA, "session_profile": "prod", "access_key": "AKIAEXAMPLE"}
    assert messages(default=storage(**options)) == [
        "STORAGES['default']: (storages.E004) session_profile is set together with an access "
        "key or secret key; S3Storage refuses to start with both.\n"
        "\tHINT: Set either AWS_S3_SESSION_PROFILE / session_profile or the key pair "
        "(AWS_S3_ACCESS_KEY_ID / AWS_ACCESS_KEY_ID / access_key; AWS_S3_SECRET_ACCESS_KEY / "
        "AWS_SECRET_ACCESS_KEY / secret_key), not both."
    ]


def test_lone_cloudfront_key_id_is_e005() -> None:
    options = {**GOOD_MEDIA, "custom_domain": "cdn.example.com", "cloudfront_key_id": "K2"}
    assert messages(default=storage(**options)) == [
        "STORAGES['default']: (storages.E005) Only one of cloudfront_key_id and cloudfront_key "
        "is set; S3Storage refuses to start with one alone.\n"
        "\tHINT: Set both AWS_CLOUDFRONT_KEY_ID / cloudfront_key_id and AWS_CLOUDFRONT_KEY / "
        "cloudfront_key to sign CloudFront URLs, or neither.",
        "STORAGES['default']: (storages.W001) custom_domain 'cdn.example.com' is set with "
        "querystring_auth=True but no CloudFront signer: URLs are plain and never expire, "
        "whatever querystring_auth says.\n"
        "\tHINT: For private files set AWS_CLOUDFRONT_KEY_ID / cloudfront_key_id and "
        "AWS_CLOUDFRONT_KEY / cloudfront_key; for public files set querystring_auth=False "
        "(AWS_QUERYSTRING_AUTH / querystring_auth) to say so.",
    ]


def test_unloadable_cloudfront_key_is_e006_without_the_key() -> None:
    options = {**GOOD_MEDIA, "cloudfront_key_id": "K2", "cloudfront_key": "-----BEGIN junk"}
    [message] = messages(default=storage(**options, custom_domain="cdn.example.com"))
    assert message == (
        "STORAGES['default']: (storages.E006) The CloudFront key cannot be used to sign URLs: "
        "the key cannot be loaded (ValueError).\n"
        "\tHINT: Give the PEM of an unencrypted RSA private key (the rsa package reads only "
        "'BEGIN RSA PRIVATE KEY'), and install cryptography or rsa."
    )


def test_cloudfront_key_pair_signs_custom_domain_urls() -> None:
    options = {**GOOD_MEDIA, "custom_domain": "cdn.example.com"}
    assert (
        messages(default=storage(**options, cloudfront_key_id="K2", cloudfront_key=rsa_pem())) == []
    )


def test_missing_bucket_is_e007() -> None:
    assert messages(default=storage(region_name="eu-west-1", file_overwrite=False)) == [
        "STORAGES['default']: (storages.E007) No bucket is set (AWS_STORAGE_BUCKET_NAME / "
        "bucket_name); every file operation will fail.\n"
        "\tHINT: Set 'bucket_name' in this storage's OPTIONS, or AWS_STORAGE_BUCKET_NAME."
    ]


def test_bucket_from_django_setting_counts() -> None:
    with override_settings(AWS_STORAGE_BUCKET_NAME="media"):
        assert messages(default=storage(region_name="eu-west-1", file_overwrite=False)) == []


W001 = (
    "STORAGES['default']: (storages.W001) custom_domain 'cdn.example.com' is set with "
    "querystring_auth=True but no CloudFront signer: URLs are plain and never expire, "
    "whatever querystring_auth says.\n"
    "\tHINT: For private files set AWS_CLOUDFRONT_KEY_ID / cloudfront_key_id and "
    "AWS_CLOUDFRONT_KEY / cloudfront_key; for public files set querystring_auth=False "
    "(AWS_QUERYSTRING_AUTH / querystring_auth) to say so."
)


def test_custom_domain_with_querystring_auth_and_no_signer_is_w001() -> None:
    assert messages(default=storage(**GOOD_MEDIA, custom_domain="cdn.example.com")) == [W001]


@pytest.mark.parametrize(
    "extra",
    [
        {"querystring_auth": False},
        {"cloudfront_signer": object()},
    ],
    ids=["public", "signer-kwarg"],
)
def test_custom_domain_without_w001(extra: dict[str, Any]) -> None:
    options = {**GOOD_MEDIA, "custom_domain": "cdn.example.com", **extra}
    assert messages(default=storage(**options)) == []


def test_signer_kwarg_none_means_unsigned() -> None:
    options = {**GOOD_MEDIA, "custom_domain": "cdn.example.com", "cloudfront_signer": None}
    assert messages(default=storage(**options)) == [W001]


def test_static_storage_class_attribute_counts() -> None:
    # S3StaticStorage sets querystring_auth = False as a class attribute.
    options = {"bucket_name": "static", "custom_domain": "cdn.example.com"}
    assert messages(staticfiles=storage(STATIC, **options)) == []


def test_file_overwrite_on_media_is_w002() -> None:
    options = {**GOOD_MEDIA, "file_overwrite": True}
    assert messages(default=storage(**options), other=storage(**options)) == [
        "STORAGES['default']: (storages.W002) file_overwrite is True on the media storage: an "
        "upload with the name of an existing file silently replaces it.\n"
        "\tHINT: Set 'file_overwrite': False in OPTIONS (AWS_S3_FILE_OVERWRITE / "
        "file_overwrite) so Django picks a free name, or silence storages.W002 if replacing "
        "is intended."
    ]


def test_w002_can_be_silenced() -> None:
    with override_settings(
        STORAGES={"default": storage(bucket_name="media", region_name="eu-west-1")},
        SILENCED_SYSTEM_CHECKS=["storages.W002"],
    ):
        assert [m.id for m in run_checks(tags=["storages"])] == ["storages.W002"]
        stdout = io.StringIO()
        call_command("check", "--tag", "storages", stdout=stdout)
    assert stdout.getvalue() == "System check identified no issues (1 silenced).\n"


def test_endpoint_without_region_is_w003() -> None:
    options = {"bucket_name": "media", "file_overwrite": False, "endpoint_url": "https://s3.x.io"}
    assert messages(default=storage(**options)) == [
        "STORAGES['default']: (storages.W003) endpoint_url 'https://s3.x.io' is set without "
        "region_name: requests and presigned URLs are signed for whatever region boto3 finds "
        "(AWS_DEFAULT_REGION, ~/.aws/config) or us-east-1, which the store may refuse.\n"
        "\tHINT: Set AWS_S3_REGION_NAME / region_name to the region the store expects (its "
        "documentation names it; often 'us-east-1' or 'auto')."
    ]


W004 = (
    "STORAGES['default']: (storages.W004) The ACL 'public-read' is set (default_acl or "
    "object_parameters['ACL']) for the S3-compatible store at 'https://s3.x.io'; many such "
    "stores (SeaweedFS among them) accept per-object ACLs and ignore them.\n"
    "\tHINT: Run 'manage.py s3probe' to see whether this store applies it; to make files "
    "public, use a bucket policy and remove the ACL."
)


@pytest.mark.parametrize(
    "acl_options",
    [{"default_acl": "public-read"}, {"object_parameters": {"ACL": "public-read"}}],
    ids=["default_acl", "object_parameters"],
)
def test_acl_on_s3_compatible_store_is_w004(acl_options: dict[str, Any]) -> None:
    options = {**GOOD_MEDIA, "endpoint_url": "https://s3.x.io", **acl_options}
    assert messages(default=storage(**options)) == [W004]


def test_acl_on_aws_endpoint_is_not_w004() -> None:
    options = {**GOOD_MEDIA, "default_acl": "public-read"}
    endpoint = "https://s3.eu-west-1.amazonaws.com"
    assert messages(default=storage(**options, endpoint_url=endpoint)) == []
    assert messages(default=storage(**options)) == []


def test_expiry_beyond_seven_days_is_w005() -> None:
    assert messages(default=storage(**GOOD_MEDIA, querystring_expire=604801)) == [
        "STORAGES['default']: (storages.W005) querystring_expire is 604801 seconds, more than "
        "the 604800 (7 days) S3 accepts for a Signature Version 4 presigned URL: S3 refuses "
        "such URLs.\n"
        "\tHINT: Set AWS_QUERYSTRING_EXPIRE / querystring_expire to 604800 or less."
    ]
    assert messages(default=storage(**GOOD_MEDIA, querystring_expire=604800)) == []
    # Legacy SigV2 URLs ("s3") have no such limit.
    options = {**GOOD_MEDIA, "querystring_expire": 604801, "signature_version": "s3"}
    assert messages(default=storage(**options)) == []


def test_presigned_static_urls_are_w006() -> None:
    assert messages(staticfiles=storage(bucket_name="static", querystring_expire=600)) == [
        "STORAGES['staticfiles']: (storages.W006) The static files storage makes presigned "
        "URLs, which expire after 600 seconds: cached pages and stylesheets keep dead links.\n"
        "\tHINT: Use storages.backends.s3.S3StaticStorage or S3ManifestStaticStorage "
        "(querystring_auth=False) and let a bucket policy allow public reads of the static "
        "files."
    ]


def test_custom_domain_with_public_endpoint_is_w010() -> None:
    options = {
        **GOOD_MEDIA,
        "custom_domain": "cdn.example.com",
        "public_endpoint_url": "https://files.example.com",
        "querystring_auth": False,
    }
    assert messages(default=storage(**options)) == [
        "STORAGES['default']: (storages.W010) custom_domain 'cdn.example.com' and "
        "public_endpoint_url 'https://files.example.com' are both set: URLs are built for "
        "custom_domain, and public_endpoint_url is ignored.\n"
        "\tHINT: Remove AWS_S3_PUBLIC_ENDPOINT_URL / public_endpoint_url if URLs belong on the "
        "custom domain, or AWS_S3_CUSTOM_DOMAIN / custom_domain if they belong on the public "
        "endpoint."
    ]
    del options["custom_domain"]
    assert messages(default=storage(**options)) == []


def test_use_ssl_false_with_endpoint_is_w007() -> None:
    options = {**GOOD_MEDIA, "endpoint_url": "https://s3.x.io", "use_ssl": False}
    assert messages(default=storage(**options)) == [
        "STORAGES['default']: (storages.W007) use_ssl=False has no effect because endpoint_url "
        "is set: the scheme of endpoint_url (https) decides.\n"
        "\tHINT: Remove AWS_S3_USE_SSL / use_ssl, and write http:// or https:// in "
        "endpoint_url."
    ]


def test_settings_ignored_by_client_config_are_w008() -> None:
    options = {**GOOD_MEDIA, "client_config": Config(), "addressing_style": "path"}
    expected_hint = (
        "\tHINT: Give them to the botocore.config.Config set as client_config instead, e.g. "
        "Config(s3={'addressing_style': 'path'}, signature_version='s3v4')."
    )
    assert messages(default=storage(**options)) == [
        "STORAGES['default']: (storages.W008) client_config is set, so addressing_style is "
        "ignored.\n" + expected_hint
    ]
    options["signature_version"] = "s3v4"
    assert messages(default=storage(**options)) == [
        "STORAGES['default']: (storages.W008) client_config is set, so addressing_style, "
        "signature_version are ignored.\n" + expected_hint
    ]


@pytest.mark.filterwarnings("ignore:The DEFAULT_FILE_STORAGE setting is deprecated")
def test_removed_legacy_setting_is_w009() -> None:
    with override_settings(DEFAULT_FILE_STORAGE=S3):
        found = messages(default=storage("django.core.files.storage.FileSystemStorage"))
    if django.VERSION < (5, 1):
        # Django 4.2 and 5.0 still read it (tests/integration/test_legacy_settings.py).
        assert found == []
    else:
        assert found == [
            "DEFAULT_FILE_STORAGE: (storages.W009) DEFAULT_FILE_STORAGE is set to "
            f"'storages.backends.s3.S3Storage', but Django {django.get_version()} ignores it; "
            "STORAGES['default'] is used instead "
            "('django.core.files.storage.FileSystemStorage').\n"
            "\tHINT: Move it to STORAGES = {'default': {'BACKEND': "
            "'storages.backends.s3.S3Storage'}} and delete DEFAULT_FILE_STORAGE."
        ]


def test_manage_py_check_reports_errors_and_warnings() -> None:
    options = {"region_name": "eu-west-1", "custom_domain": "cdn.example.com"}
    stderr = io.StringIO()
    with (
        override_settings(STORAGES={"default": storage(**options)}),
        pytest.raises(SystemCheckError) as raised,
    ):
        call_command("check", "--tag", "storages", stderr=stderr)
    lines = str(raised.value).splitlines()
    assert lines == [
        "SystemCheckError: System check identified some issues:",
        "",
        "ERRORS:",
        "STORAGES['default']: (storages.E007) No bucket is set (AWS_STORAGE_BUCKET_NAME / "
        "bucket_name); every file operation will fail.",
        "\tHINT: Set 'bucket_name' in this storage's OPTIONS, or AWS_STORAGE_BUCKET_NAME.",
        "",
        "WARNINGS:",
        *W001.splitlines(),
        "STORAGES['default']: (storages.W002) file_overwrite is True on the media storage: an "
        "upload with the name of an existing file silently replaces it.",
        "\tHINT: Set 'file_overwrite': False in OPTIONS (AWS_S3_FILE_OVERWRITE / "
        "file_overwrite) so Django picks a free name, or silence storages.W002 if replacing "
        "is intended.",
        "",
        "System check identified 3 issues (0 silenced).",
    ]
