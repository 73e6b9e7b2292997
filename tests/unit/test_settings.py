"""Settings: precedence, validation, construction errors and their exact messages."""

from __future__ import annotations

import re
import warnings

import pytest
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from storages.backends._s3.options import S3_OPTIONS, S3_OPTIONS_BY_NAME
from storages.backends.s3 import S3StaticStorage, S3Storage

REFERENCE_SETTINGS = {
    "access_key",
    "secret_key",
    "security_token",
    "session_profile",
    "file_overwrite",
    "object_parameters",
    "bucket_name",
    "querystring_auth",
    "querystring_expire",
    "signature_version",
    "location",
    "custom_domain",
    "cloudfront_key_id",
    "cloudfront_key",
    "addressing_style",
    "file_name_charset",
    "gzip",
    "gzip_content_types",
    "url_protocol",
    "endpoint_url",
    "proxies",
    "region_name",
    "use_ssl",
    "verify",
    "max_memory_size",
    "default_acl",
    "use_threads",
    "transfer_config",
    "client_config",
}


def test_table_has_every_reference_setting_once():
    names = [option.name for option in S3_OPTIONS]
    assert len(names) == len(set(names))
    assert set(names) >= REFERENCE_SETTINGS
    # Settings django-storages does not have must say so (they are documented as ours).
    extensions = {option.name for option in S3_OPTIONS if option.extension}
    assert set(names) - REFERENCE_SETTINGS == extensions


def test_defaults():
    storage = S3Storage()
    assert storage.file_overwrite is True
    assert storage.object_parameters == {}
    assert storage.bucket_name is None
    assert storage.querystring_auth is True
    assert storage.querystring_expire == 3600
    assert storage.location == ""
    assert storage.url_protocol == "https:"
    assert storage.gzip is False
    assert storage.gzip_content_types == (
        "text/css",
        "text/javascript",
        "application/javascript",
        "application/x-javascript",
        "image/svg+xml",
    )
    assert storage.use_ssl is True
    assert storage.max_memory_size == 0
    assert storage.file_name_charset == "utf-8"
    assert storage.file_buffer_size == 5 * 1024 * 1024
    assert storage.cloudfront_signer is None


def test_mutable_default_is_not_shared():
    first = S3Storage()
    first.object_parameters["CacheControl"] = "max-age=1"
    assert S3Storage().object_parameters == {}


class _WithClassAttribute(S3Storage):
    location = "from-class"


@override_settings(AWS_LOCATION="from-settings")
def test_precedence_options_then_class_then_settings():
    assert S3Storage().location == "from-settings"
    assert _WithClassAttribute().location == "from-class"
    assert _WithClassAttribute(location="from-options").location == "from-options"


def test_precedence_settings_then_env_then_default(monkeypatch):
    assert S3Storage().access_key is None
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "env-plain")
    assert S3Storage().access_key == "env-plain"
    monkeypatch.setenv("AWS_S3_ACCESS_KEY_ID", "env-s3")
    assert S3Storage().access_key == "env-s3"
    with override_settings(AWS_ACCESS_KEY_ID="settings-plain"):
        assert S3Storage().access_key == "settings-plain"
        with override_settings(AWS_S3_ACCESS_KEY_ID="settings-s3"):
            assert S3Storage().access_key == "settings-s3"
    assert S3Storage(access_key="option").access_key == "option"


def test_env_is_read_only_for_credentials(monkeypatch):
    monkeypatch.setenv("AWS_LOCATION", "from-env")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "token-from-env")
    storage = S3Storage()
    assert storage.location == ""
    assert storage.security_token == "token-from-env"


def test_public_endpoint_url_from_settings_then_env(monkeypatch):
    assert S3Storage().public_endpoint_url is None
    monkeypatch.setenv("AWS_S3_PUBLIC_ENDPOINT_URL", "https://env.example.com")
    assert S3Storage().public_endpoint_url == "https://env.example.com"
    with override_settings(AWS_S3_PUBLIC_ENDPOINT_URL="https://settings.example.com"):
        assert S3Storage().public_endpoint_url == "https://settings.example.com"
    option = "https://option.example.com"
    assert S3Storage(public_endpoint_url=option).public_endpoint_url == option
    monkeypatch.setenv("AWS_S3_PUBLIC_ENDPOINT_URL", "files.example.com:443")
    with pytest.raises(ImproperlyConfigured) as info:
        S3Storage()
    assert str(info.value) == (
        "Invalid value for AWS_S3_PUBLIC_ENDPOINT_URL / public_endpoint_url: found "
        "'files.example.com:443' (str); expected an http:// or https:// URL with a host, "
        "such as 'https://s3.example.com:9000' or None."
    )


@override_settings(AWS_S3_ACCESS_KEY_ID=None, AWS_ACCESS_KEY_ID="ignored")
def test_setting_defined_as_none_blocks_fallback(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "ignored-too")
    assert S3Storage().access_key is None


def test_settings_read_per_instance():
    with override_settings(AWS_STORAGE_BUCKET_NAME="first"):
        storage = S3Storage()
    with override_settings(AWS_STORAGE_BUCKET_NAME="second"):
        assert S3Storage().bucket_name == "second"
    assert storage.bucket_name == "first"


def test_unknown_option():
    with pytest.raises(ImproperlyConfigured) as info:
        S3Storage(bucket="typo")
    assert str(info.value) == "Invalid setting 'bucket' for S3Storage"
    with pytest.raises(ImproperlyConfigured) as info:
        S3StaticStorage(bucket="typo")
    assert str(info.value) == "Invalid setting 'bucket' for S3StaticStorage"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"querystring_expire": "abc"},
            "Invalid value for AWS_QUERYSTRING_EXPIRE / querystring_expire: found 'abc' (str); "
            "expected a whole number >= 0.",
        ),
        (
            {"querystring_expire": -5},
            "Invalid value for AWS_QUERYSTRING_EXPIRE / querystring_expire: found -5 (int); "
            "expected a whole number >= 0.",
        ),
        (
            {"file_overwrite": "no"},
            "Invalid value for AWS_S3_FILE_OVERWRITE / file_overwrite: found 'no' (str); "
            "expected True or False.",
        ),
        (
            {"default_acl": "public"},
            "Invalid value for AWS_DEFAULT_ACL / default_acl: found 'public' (str); expected a "
            "canned ACL (private, public-read, public-read-write, authenticated-read, "
            "aws-exec-read, bucket-owner-read, bucket-owner-full-control, log-delivery-write) "
            "or None.",
        ),
        (
            {"endpoint_url": "localhost:9000"},
            "Invalid value for AWS_S3_ENDPOINT_URL / endpoint_url: found 'localhost:9000' (str); "
            "expected an http:// or https:// URL with a host, such as "
            "'https://s3.example.com:9000' or None.",
        ),
        (
            {"endpoint_url": "http://127.0.0.1:port"},
            "Invalid value for AWS_S3_ENDPOINT_URL / endpoint_url: found "
            "'http://127.0.0.1:port' (str); expected an http:// or https:// URL with a host, "
            "such as 'https://s3.example.com:9000' or None.",
        ),
        (
            {"public_endpoint_url": "files.example.com"},
            "Invalid value for AWS_S3_PUBLIC_ENDPOINT_URL / public_endpoint_url: found "
            "'files.example.com' (str); expected an http:// or https:// URL with a host, "
            "such as 'https://s3.example.com:9000' or None.",
        ),
        (
            {"public_endpoint_url": "ftp://files.example.com"},
            "Invalid value for AWS_S3_PUBLIC_ENDPOINT_URL / public_endpoint_url: found "
            "'ftp://files.example.com' (str); expected an http:// or https:// URL with a host, "
            "such as 'https://s3.example.com:9000' or None.",
        ),
        (
            {"addressing_style": "vhost"},
            "Invalid value for AWS_S3_ADDRESSING_STYLE / addressing_style: found 'vhost' (str); "
            "expected one of 'virtual', 'path', 'auto' or None.",
        ),
        (
            {"url_protocol": "https"},
            "Invalid value for AWS_S3_URL_PROTOCOL / url_protocol: found 'https' (str); "
            "expected a protocol ending in ':' such as 'https:', or '' for protocol-relative "
            "URLs or None.",
        ),
        (
            {"client_config": {"retries": 3}},
            "Invalid value for AWS_S3_CLIENT_CONFIG / client_config: found {'retries': 3} "
            "(dict); expected a botocore.config.Config instance or None.",
        ),
        (
            {"object_parameters": ["CacheControl"]},
            "Invalid value for AWS_S3_OBJECT_PARAMETERS / object_parameters: found "
            "['CacheControl'] (list); expected a dict.",
        ),
    ],
)
def test_wrong_values_are_refused_with_every_spelling(options, message):
    with pytest.raises(ImproperlyConfigured) as info:
        S3Storage(**options)
    assert str(info.value) == message


@override_settings(AWS_QUERYSTRING_EXPIRE="3600")
def test_wrong_value_from_django_settings():
    with pytest.raises(ImproperlyConfigured) as info:
        S3Storage()
    assert str(info.value) == (
        "Invalid value for AWS_QUERYSTRING_EXPIRE / querystring_expire: found '3600' (str); "
        "expected a whole number >= 0."
    )


def test_secret_values_are_not_printed():
    with pytest.raises(ImproperlyConfigured) as info:
        S3Storage(secret_key=123456789)
    message = str(info.value)
    assert message == (
        "Invalid value for AWS_S3_SECRET_ACCESS_KEY / AWS_SECRET_ACCESS_KEY / secret_key: "
        "found a value of type int (hidden); expected a string or None."
    )
    assert "123456789" not in message


def test_leading_slash_location():
    with pytest.raises(ImproperlyConfigured) as info:
        S3Storage(location="/media")
    assert str(info.value) == (
        "S3Storage.location cannot begin with a leading slash. Found '/media'. Use 'media' instead."
    )


PROFILE_WITH_KEYS = (
    "AWS_S3_SESSION_PROFILE/session_profile should not be provided with "
    "AWS_S3_ACCESS_KEY_ID/access_key and AWS_S3_SECRET_ACCESS_KEY/secret_key"
)


@pytest.mark.parametrize("key", ["access_key", "secret_key"])
def test_profile_with_keys(key):
    with pytest.raises(ImproperlyConfigured, match=f"^{re.escape(PROFILE_WITH_KEYS)}$"):
        S3Storage(session_profile="dev", **{key: "x"})


def test_profile_with_key_from_env(monkeypatch):
    # Keep: one key from the environment is enough to conflict.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "from-env")
    with pytest.raises(ImproperlyConfigured, match=f"^{re.escape(PROFILE_WITH_KEYS)}$"):
        S3Storage(session_profile="dev")


@pytest.mark.parametrize(
    "options", [{"cloudfront_key_id": "K1"}, {"cloudfront_key": "-----BEGIN ..."}]
)
def test_half_cloudfront_key_pair(options):
    with pytest.raises(ImproperlyConfigured) as info:
        S3Storage(**options)
    assert str(info.value) == (
        "Both AWS_CLOUDFRONT_KEY_ID/cloudfront_key_id and AWS_CLOUDFRONT_KEY/cloudfront_key "
        "must be provided together."
    )


def test_half_key_pair_allowed_with_explicit_signer():
    assert S3Storage(cloudfront_key_id="K1", cloudfront_signer=None).cloudfront_signer is None


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ({"options": {"url_protocol": ""}}, ""),
        ({"options": {"url_protocol": "http:"}}, "http:"),
        ({"options": {"url_protocol": None}}, "https:"),
        ({"settings": {"AWS_S3_URL_PROTOCOL": None}}, "https:"),
        ({"settings": {"AWS_S3_URL_PROTOCOL": ""}}, "https:"),
        ({"settings": {"AWS_S3_URL_PROTOCOL": "http:"}}, "http:"),
    ],
)
def test_url_protocol(source, expected):
    with override_settings(**source.get("settings", {})):
        storage = S3Storage(**source.get("options", {}))
    assert storage.url_protocol == expected


def test_client_config_built_from_settings():
    storage = S3Storage(
        addressing_style="path", signature_version="s3v4", proxies={"http": "proxy:3128"}
    )
    config = storage.client_config
    assert config.s3 == {"addressing_style": "path"}
    assert config.signature_version == "s3v4"
    assert config.proxies == {"http": "proxy:3128"}
    assert S3Storage().client_config.s3 == {"addressing_style": None}


def test_given_client_config_wins():
    given = Config(max_pool_connections=3)
    storage = S3Storage(client_config=given, addressing_style="path")
    assert storage.client_config is given


def test_transfer_config_and_use_threads():
    assert S3Storage().transfer_config.use_threads is True
    given = TransferConfig(multipart_threshold=10 * 1024 * 1024)
    assert S3Storage(transfer_config=given).transfer_config is given
    with pytest.warns(DeprecationWarning) as record:
        storage = S3Storage(use_threads=False)
    assert storage.transfer_config.use_threads is False
    assert [str(w.message) for w in record] == [
        "The AWS_S3_USE_THREADS setting is deprecated. Use AWS_S3_TRANSFER_CONFIG to customize "
        "any of the boto.s3.transfer.TransferConfig parameters."
    ]


def test_deprecated_config_class_attribute():
    legacy = Config(max_pool_connections=7)

    class Legacy(S3Storage):
        config = legacy

    with pytest.warns(DeprecationWarning) as record:
        storage = Legacy(client_config=Config(max_pool_connections=1))
    assert storage.client_config is legacy
    assert [str(w.message) for w in record] == [
        "The 'config' class property is deprecated and will be removed in a future version. "
        "Use AWS_S3_CLIENT_CONFIG to customize any of the botocore.config.Config parameters."
    ]


def test_static_storage_querystring_auth():
    with override_settings(AWS_QUERYSTRING_AUTH=True):
        assert S3StaticStorage().querystring_auth is False
        assert S3StaticStorage(querystring_auth=True).querystring_auth is True
        assert S3Storage().querystring_auth is True


def test_get_default_settings_extension_point():
    class Extended(S3Storage):
        def get_default_settings(self):
            return {**super().get_default_settings(), "team": "media"}

    assert Extended().team == "media"
    assert Extended(team="static").team == "static"


def test_settings_can_change_after_construction():
    storage = S3Storage(custom_domain="cdn.example.com", querystring_auth=False)
    assert storage.url("a.txt") == "https://cdn.example.com/a.txt"
    storage.custom_domain = "other.example.com"
    assert storage.url("a.txt") == "https://other.example.com/a.txt"


def test_construction_makes_no_network_call(monkeypatch):
    import botocore.endpoint

    def refuse(*args, **kwargs):
        raise AssertionError("network call during construction")

    monkeypatch.setattr(botocore.endpoint.Endpoint, "make_request", refuse)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        storage = S3Storage(bucket_name="b", endpoint_url="http://127.0.0.1:9")
    assert storage.bucket_name == "b"


def test_every_row_is_documented_in_one_line():
    for option in S3_OPTIONS:
        assert option.doc
        assert "\n" not in option.doc
        assert option.doc.endswith(".") or option.doc.endswith(")")
    assert S3_OPTIONS_BY_NAME["access_key"].secret
    assert S3_OPTIONS_BY_NAME["cloudfront_key"].secret


@pytest.mark.parametrize("pem", ["not a key", b"-----BEGIN RSA PRIVATE KEY-----\nAAAA\n"])
def test_malformed_cloudfront_key(pem):
    with pytest.raises(ImproperlyConfigured) as info:
        S3Storage(cloudfront_key_id="K1", cloudfront_key=pem)
    assert str(info.value) == (
        f"Invalid value for AWS_CLOUDFRONT_KEY / cloudfront_key: found a value of type "
        f"{type(pem).__name__} (hidden); expected an unencrypted PEM-encoded RSA private key."
    )
    # Still a ValueError, as the key library's error was in django-storages.
    assert isinstance(info.value, ValueError)
    assert info.value.__cause__ is not None
