"""The S3 settings table: one row per setting, and nothing else.

Every setting S3Storage understands is here, with its OPTIONS key, Django
setting names, environment variables, default and one-line documentation.
``docs/reference/settings.rst`` is checked against this table by the test suite.
"""

from __future__ import annotations

import os
from typing import Any

from boto3.s3.transfer import TransferConfig
from botocore.config import Config

from ... import validators as v
from ...conf import Option, whole_number_from_env
from .protocol import MIN_PART_SIZE

__all__ = ["DEFAULT_GZIP_CONTENT_TYPES", "PROVIDERS", "S3_OPTIONS", "S3_OPTIONS_BY_NAME"]

DEFAULT_GZIP_CONTENT_TYPES = (
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/x-javascript",
    "image/svg+xml",
)


#: The values of the ``provider`` setting: "auto", then a profile's name each
#: (``providers/profiles.py`` defines them; a test checks both lists agree).
PROVIDERS = (
    "auto",
    "aws",
    "s3-compatible",
    "r2",
    "b2",
    "gcs",
    "minio",
    "ceph",
    "seaweedfs",
    "digitalocean",
    "wasabi",
    "scaleway",
    "ovh",
    "linode",
    "hetzner",
    "oracle",
    "ibm",
    "garage",
)


def _https_if_none(value: Any) -> Any:
    # Fix: the reference keeps a None given as an option and builds
    # "None//cdn/key" URLs; None means the default from every source.
    return "https:" if value is None else value


S3_OPTIONS: tuple[Option, ...] = (
    # Credentials
    Option(
        "access_key",
        "Access key ID used to sign requests.",
        settings=("AWS_S3_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID"),
        env=("AWS_S3_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID"),
        check=v.optional(v.text),
        secret=True,
    ),
    Option(
        "secret_key",
        "Secret access key used to sign requests.",
        settings=("AWS_S3_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY"),
        env=("AWS_S3_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY"),
        check=v.optional(v.text),
        secret=True,
    ),
    Option(
        "security_token",
        "Session token for temporary credentials.",
        settings=("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"),
        env=("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"),
        check=v.optional(v.text),
        secret=True,
    ),
    Option(
        "session_profile",
        "Named profile from the AWS config files; excludes access_key/secret_key.",
        settings=("AWS_S3_SESSION_PROFILE",),
        env=("AWS_S3_SESSION_PROFILE",),
        check=v.optional(v.text),
    ),
    # Objects
    Option(
        "bucket_name",
        "Name of the bucket that holds the files (required).",
        settings=("AWS_STORAGE_BUCKET_NAME",),
        check=v.optional(v.text),
    ),
    Option(
        "location",
        "Key prefix under which every file is stored; no leading slash.",
        default="",
        settings=("AWS_LOCATION",),
        check=v.text,
    ),
    Option(
        "file_overwrite",
        "Overwrite a file saved under an existing name instead of picking a new name.",
        default=True,
        settings=("AWS_S3_FILE_OVERWRITE",),
        check=v.boolean,
    ),
    Option(
        "object_parameters",
        "Extra upload parameters for every object (CacheControl, Metadata, ...).",
        default={},
        settings=("AWS_S3_OBJECT_PARAMETERS",),
        check=v.mapping,
    ),
    Option(
        "default_acl",
        "Canned ACL for new objects unless object_parameters sets ACL; None keeps the bucket's.",
        settings=("AWS_DEFAULT_ACL",),
        check=v.optional(v.acl),
    ),
    Option(
        "gzip",
        "Gzip files whose content type is in gzip_content_types when saving.",
        default=False,
        settings=("AWS_IS_GZIPPED",),
        check=v.boolean,
    ),
    Option(
        "gzip_content_types",
        "Content types compressed when gzip is on.",
        default=DEFAULT_GZIP_CONTENT_TYPES,
        settings=("GZIP_CONTENT_TYPES",),
        check=v.string_sequence,
    ),
    Option(
        "file_name_charset",
        "Kept for compatibility; not used.",
        default="utf-8",
        settings=("AWS_S3_FILE_NAME_CHARSET",),
        check=v.text,
    ),
    # URLs
    Option(
        "querystring_auth",
        "Sign generated URLs (presigned S3 URLs, or CloudFront URLs with a custom domain).",
        default=True,
        settings=("AWS_QUERYSTRING_AUTH",),
        check=v.boolean,
    ),
    Option(
        "querystring_expire",
        "Seconds a signed URL stays valid.",
        default=3600,
        settings=("AWS_QUERYSTRING_EXPIRE",),
        check=v.non_negative_int,
    ),
    Option(
        "querystring_reuse_window",
        "Seconds during which url() returns the same presigned URL for the same arguments, "
        "so browsers and CDNs can cache it; 0 signs every URL anew.",
        default=0,
        settings=("AWS_QUERYSTRING_REUSE_WINDOW",),
        env=("AWS_QUERYSTRING_REUSE_WINDOW",),
        check=v.non_negative_int,
        from_env=whole_number_from_env,
        extension=True,
    ),
    Option(
        "custom_domain",
        "Host (and optional path) for URLs instead of the S3 endpoint, e.g. a CDN; no scheme.",
        settings=("AWS_S3_CUSTOM_DOMAIN",),
        check=v.optional(v.text),
    ),
    Option(
        "url_protocol",
        "Scheme for custom-domain URLs; must end with ':'.",
        default="https:",
        settings=("AWS_S3_URL_PROTOCOL",),
        falsy_setting_means_default=True,
        check=v.optional(v.url_protocol),
        normalize=_https_if_none,
    ),
    Option(
        "cloudfront_key_id",
        "CloudFront public key ID used to sign custom-domain URLs.",
        settings=("AWS_CLOUDFRONT_KEY_ID",),
        check=v.optional(v.text),
    ),
    Option(
        "cloudfront_key",
        "PEM private key (str or bytes) used to sign custom-domain URLs.",
        settings=("AWS_CLOUDFRONT_KEY",),
        check=v.optional(v.instance_of("str or bytes", str, bytes)),
        secret=True,
    ),
    # Connection
    Option(
        "region_name",
        "AWS region of the bucket, e.g. 'eu-west-1'.",
        settings=("AWS_S3_REGION_NAME",),
        check=v.optional(v.text),
    ),
    Option(
        "endpoint_url",
        "S3 endpoint including scheme, for S3-compatible stores; overrides use_ssl.",
        settings=("AWS_S3_ENDPOINT_URL",),
        check=v.optional(v.endpoint_url),
    ),
    Option(
        "provider",
        "The store's profile, whose defaults fit what it accepts (checksums, region, "
        "addressing, part sizes...): 'auto' detects it from endpoint_url.",
        default="auto",
        settings=("AWS_S3_PROVIDER",),
        env=("AWS_S3_PROVIDER",),
        check=v.choice(*PROVIDERS),
        extension=True,
    ),
    Option(
        "public_endpoint_url",
        "Endpoint, with scheme, that url() builds (and signs) URLs for, when browsers reach "
        "S3 at another address than endpoint_url; requests still go to endpoint_url.",
        settings=("AWS_S3_PUBLIC_ENDPOINT_URL",),
        env=("AWS_S3_PUBLIC_ENDPOINT_URL",),
        check=v.optional(v.endpoint_url),
        extension=True,
    ),
    Option(
        "use_ssl",
        "Use HTTPS to reach S3 when no endpoint_url is given.",
        default=True,
        settings=("AWS_S3_USE_SSL",),
        check=v.boolean,
    ),
    Option(
        "verify",
        "Verify TLS certificates: None or True (yes), False (no), or a CA bundle path.",
        settings=("AWS_S3_VERIFY",),
        check=v.optional(v.verify),
    ),
    Option(
        "addressing_style",
        "'virtual', 'path' or 'auto'; None lets botocore choose.",
        settings=("AWS_S3_ADDRESSING_STYLE",),
        check=v.optional(v.choice("virtual", "path", "auto")),
    ),
    Option(
        "signature_version",
        "'s3v4' or the legacy 's3'; None lets botocore choose (SigV2 for some presigned URLs).",
        settings=("AWS_S3_SIGNATURE_VERSION",),
        check=v.optional(v.text),
    ),
    Option(
        "proxies",
        "Proxy servers by protocol or endpoint, as botocore's Config takes them.",
        settings=("AWS_S3_PROXIES",),
        check=v.optional(v.mapping),
    ),
    Option(
        "client_config",
        "A botocore Config; when given, addressing_style, signature_version and proxies are "
        "ignored.",
        settings=("AWS_S3_CLIENT_CONFIG",),
        check=v.optional(v.instance_of("botocore.config.Config", Config)),
    ),
    Option(
        "transfer_config",
        "A boto3 TransferConfig for save() (multipart threshold, concurrency, threads).",
        settings=("AWS_S3_TRANSFER_CONFIG",),
        check=v.optional(v.instance_of("boto3.s3.transfer.TransferConfig", TransferConfig)),
    ),
    Option(
        "use_threads",
        "Deprecated: use transfer_config. False disables threads in the default TransferConfig.",
        default=True,
        settings=("AWS_S3_USE_THREADS",),
        check=v.boolean,
    ),
    # Files
    Option(
        "max_memory_size",
        "Bytes an open file keeps in memory before spilling to disk; 0 never spills.",
        default=0,
        settings=("AWS_S3_MAX_MEMORY_SIZE",),
        check=v.non_negative_int,
    ),
    Option(
        "file_buffer_size",
        "Part size in bytes for files written with open(name, 'wb'); at least 5 MiB is used.",
        default=MIN_PART_SIZE,
        settings=("AWS_S3_FILE_BUFFER_SIZE",),
        check=v.optional(v.non_negative_int),
        extension=True,
    ),
    Option(
        "file_parts_in_memory",
        "Part buffers an open(name, 'wb') file holds at once, uploading while you write; "
        "0 or 1 uploads each part in the caller's thread.",
        default=2,
        settings=("AWS_S3_FILE_PARTS_IN_MEMORY",),
        check=v.non_negative_int,
        extension=True,
    ),
    Option(
        "file_read_ahead_size",
        "Bytes the ranged GET that continues a read past its first 64 KiB asks for; it "
        "doubles (up to 64 MiB) while reads stay sequential.",
        default=4 * 1024**2,
        settings=("AWS_S3_FILE_READ_AHEAD_SIZE",),
        check=v.non_negative_int,
        extension=True,
    ),
    Option(
        "file_upload_temp_dir",
        "Directory for the temporary files of open files; None uses the system default.",
        settings=("FILE_UPLOAD_TEMP_DIR",),
        check=v.optional(v.instance_of("str or os.PathLike", str, os.PathLike)),
        extension=True,
    ),
    # The async API
    Option(
        "async_workers",
        "Threads that run the blocking S3 calls of the async methods (aexists, asave, "
        "aopen...); storages with the same number share one pool.",
        default=8,
        settings=("AWS_S3_ASYNC_WORKERS",),
        env=("AWS_S3_ASYNC_WORKERS",),
        check=v.positive_int,
        from_env=whole_number_from_env,
        extension=True,
    ),
    # Static files
    Option(
        "collectstatic_listing",
        "Inside collectstatic, answer exists()/get_modified_time() from one bucket listing.",
        default=True,
        settings=("AWS_S3_COLLECTSTATIC_LISTING",),
        check=v.boolean,
        extension=True,
    ),
    Option(
        "hashed_files_cache_control",
        "Cache-Control for the hashed files S3ManifestStaticStorage writes; None adds none.",
        settings=("AWS_S3_HASHED_FILES_CACHE_CONTROL",),
        check=v.optional(v.text),
        extension=True,
    ),
)

S3_OPTIONS_BY_NAME: dict[str, Option] = {option.name: option for option in S3_OPTIONS}
