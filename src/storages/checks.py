"""Django system checks for S3 storages: dangerous or contradictory settings.

Registered by :class:`storages.apps.StoragesConfig` and run by ``manage.py check``
(and before ``runserver`` and ``migrate``). Every S3 storage in ``settings.STORAGES``
is checked as configured: ``OPTIONS``, class attributes, Django settings and
environment variables, with the precedence the storage itself applies. No
check makes a network call and none creates a boto3 client; ``manage.py
s3probe`` is the command that talks to the bucket.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urlsplit

import django
from django.conf import settings
from django.core import checks
from django.core.checks import CheckMessage, Error, Tags, register
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from .backends._s3.params import effective_acl
from .backends._s3.protocol import MAX_PRESIGNED_EXPIRY
from .backends._s3.providers import AWS, PROFILES, endpoint_host, expected_regions
from .conf import spellings

if TYPE_CHECKING:
    from .backends._s3.config import S3Config

__all__ = [
    "MAX_PRESIGNED_EXPIRY",
    "StorageConfig",
    "check_storages",
    "configured_storages",
    "register_checks",
    "resolve_settings",
]

#: The alias Django uses for ``default_storage``: user uploads (FileField).
MEDIA_ALIAS = "default"
#: The alias ``collectstatic`` and ``{% static %}`` use.
STATIC_ALIAS = "staticfiles"


class StorageConfig(NamedTuple):
    """One entry of ``settings.STORAGES``: its alias, backend path and OPTIONS."""

    alias: str
    backend: str
    options: dict[str, Any]


def configured_storages() -> list[StorageConfig]:
    """Return every storage in ``settings.STORAGES``, in order."""
    entries = getattr(settings, "STORAGES", None) or {}
    return [
        StorageConfig(alias, str(conf.get("BACKEND", "")), dict(conf.get("OPTIONS") or {}))
        for alias, conf in entries.items()
    ]


def resolve_settings(storage_class: type[Any], options: dict[str, Any]) -> Any:
    """Return an unconnected instance of ``storage_class`` carrying its resolved settings.

    Kept for code that calls it; the checks read the resolved configuration
    itself. Only the settings are set, raising ImproperlyConfigured as the
    storage would for a wrong value: the class's ``__init__`` does not run
    (S3ManifestStaticStorage reads its manifest from S3 there).
    """
    from .backends._s3.config import build_config

    instance = object.__new__(storage_class)
    for name, value in build_config(storage_class, options).settings.items():
        setattr(instance, name, value)
    return instance


def _obj(alias: str) -> str:
    return f"STORAGES[{alias!r}]"


def _names(name: str) -> str:
    from .backends._s3.options import S3_OPTIONS_BY_NAME

    return spellings(S3_OPTIONS_BY_NAME[name])


def _acl(s: Mapping[str, Any]) -> str | None:
    return effective_acl(s["object_parameters"], s["default_acl"])


def _is_aws_endpoint(endpoint_url: str) -> bool:
    host = (urlsplit(endpoint_url).hostname or "").lower()
    return host.endswith((".amazonaws.com", ".amazonaws.com.cn"))


Rule = Callable[[StorageConfig, "S3Config"], Iterator[CheckMessage]]


def _errors(entry: StorageConfig, config: S3Config) -> Iterator[CheckMessage]:
    """Settings the storage refuses when it is created, or that break every operation."""
    obj = _obj(entry.alias)
    for refusal in config.refusals:
        yield Error(refusal.message, hint=refusal.hint, obj=obj, id=refusal.check_id)
    if not config.settings["bucket_name"]:
        yield Error(
            f"No bucket is set ({_names('bucket_name')}); every file operation will fail.",
            hint="Set 'bucket_name' in this storage's OPTIONS, or AWS_STORAGE_BUCKET_NAME.",
            obj=obj,
            id="storages.E007",
        )


def _url_warnings(entry: StorageConfig, config: S3Config) -> Iterator[CheckMessage]:
    """Settings that make URLs different from what they seem to ask for."""
    obj = _obj(entry.alias)
    s = config.settings
    if s["custom_domain"] and s["querystring_auth"] and not config.signs_cloudfront_urls:
        yield checks.Warning(
            f"custom_domain {s['custom_domain']!r} is set with querystring_auth=True but no "
            "CloudFront signer: URLs are plain and never expire, whatever querystring_auth "
            "says.",
            hint=f"For private files set {_names('cloudfront_key_id')} and "
            f"{_names('cloudfront_key')}; for public files set querystring_auth=False "
            f"({_names('querystring_auth')}) to say so.",
            obj=obj,
            id="storages.W001",
        )
    if s["custom_domain"] and s["public_endpoint_url"]:
        yield checks.Warning(
            f"custom_domain {s['custom_domain']!r} and public_endpoint_url "
            f"{s['public_endpoint_url']!r} are both set: URLs are built for custom_domain, "
            "and public_endpoint_url is ignored.",
            hint=f"Remove {_names('public_endpoint_url')} if URLs belong on the custom "
            f"domain, or {_names('custom_domain')} if they belong on the public endpoint.",
            obj=obj,
            id="storages.W010",
        )
    if (
        s["querystring_auth"]
        and not s["custom_domain"]
        and s["signature_version"] != "s3"
        and s["querystring_expire"] > MAX_PRESIGNED_EXPIRY
    ):
        yield checks.Warning(
            f"querystring_expire is {s['querystring_expire']} seconds, more than the "
            f"{MAX_PRESIGNED_EXPIRY} (7 days) S3 accepts for a Signature Version 4 "
            "presigned URL: S3 refuses such URLs.",
            hint=f"Set {_names('querystring_expire')} to {MAX_PRESIGNED_EXPIRY} or less.",
            obj=obj,
            id="storages.W005",
        )
    if entry.alias == STATIC_ALIAS and s["querystring_auth"] and not s["custom_domain"]:
        yield checks.Warning(
            "The static files storage makes presigned URLs, which expire after "
            f"{s['querystring_expire']} seconds: cached pages and stylesheets keep dead links.",
            hint="Use storages.backends.s3.S3StaticStorage or S3ManifestStaticStorage "
            "(querystring_auth=False) and let a bucket policy allow public reads of the "
            "static files.",
            obj=obj,
            id="storages.W006",
        )


def _store_warnings(entry: StorageConfig, config: S3Config) -> Iterator[CheckMessage]:
    """Settings that lose data or that the store or boto3 silently ignores."""
    obj = _obj(entry.alias)
    s = config.settings
    if entry.alias == MEDIA_ALIAS and s["file_overwrite"]:
        yield checks.Warning(
            "file_overwrite is True on the media storage: an upload with the name of an "
            "existing file silently replaces it.",
            hint=f"Set 'file_overwrite': False in OPTIONS ({_names('file_overwrite')}) so "
            "Django picks a free name, or silence storages.W002 if replacing is intended.",
            obj=obj,
            id="storages.W002",
        )
    if s["endpoint_url"] and not s["region_name"]:
        yield checks.Warning(
            f"endpoint_url {s['endpoint_url']!r} is set without region_name: requests and "
            "presigned URLs are signed for whatever region boto3 finds (AWS_DEFAULT_REGION, "
            "~/.aws/config) or us-east-1, which the store may refuse.",
            hint=f"Set {_names('region_name')} to the region the store expects "
            "(its documentation names it; often 'us-east-1' or 'auto').",
            obj=obj,
            id="storages.W003",
        )
    acl = _acl(s)
    if acl and not PROFILES[config.profile.name].acls:
        pass  # storages.W011 says more
    elif acl and s["endpoint_url"] and not _is_aws_endpoint(s["endpoint_url"]):
        yield checks.Warning(
            f"The ACL {acl!r} is set (default_acl or object_parameters['ACL']) for the "
            f"S3-compatible store at {s['endpoint_url']!r}; many such stores (SeaweedFS among "
            "them) accept per-object ACLs and ignore them.",
            hint="Run 'manage.py s3probe' to see whether this store applies it; to make "
            "files public, use a bucket policy and remove the ACL.",
            obj=obj,
            id="storages.W004",
        )
    if s["endpoint_url"] and s["use_ssl"] is False:
        yield checks.Warning(
            "use_ssl=False has no effect because endpoint_url is set: the scheme of "
            f"endpoint_url ({urlsplit(s['endpoint_url']).scheme}) decides.",
            hint=f"Remove {_names('use_ssl')}, and write http:// or https:// in endpoint_url.",
            obj=obj,
            id="storages.W007",
        )
    ignored = [name for name in ("addressing_style", "signature_version", "proxies") if s[name]]
    if s["client_config"] is not None and ignored:
        yield checks.Warning(
            f"client_config is set, so {', '.join(ignored)} "
            f"{'is' if len(ignored) == 1 else 'are'} ignored.",
            hint="Give them to the botocore.config.Config set as client_config instead, "
            "e.g. Config(s3={'addressing_style': 'path'}, signature_version='s3v4').",
            obj=obj,
            id="storages.W008",
        )


def _provider_warnings(entry: StorageConfig, config: S3Config) -> Iterator[CheckMessage]:
    """Settings that contradict the provider profile or the endpoint."""
    obj = _obj(entry.alias)
    s = config.settings
    profile = PROFILES[config.profile.name]
    acl = _acl(s)
    if acl and not profile.acls:
        yield checks.Warning(
            f"The ACL {acl!r} is set (default_acl or object_parameters['ACL']), but "
            f"{profile.title} (provider {profile.name!r}) has no per-object ACLs: it refuses "
            "or ignores uploads that carry one.",
            hint=f"Remove {_names('default_acl')} and ACL from {_names('object_parameters')}; "
            "make files public with the store's bucket settings or a bucket policy.",
            obj=obj,
            id="storages.W011",
        )
    allowed = expected_regions(profile, s["endpoint_url"])
    if s["region_name"] and allowed and s["region_name"] not in allowed:
        yield checks.Warning(
            f"region_name {s['region_name']!r} contradicts endpoint_url "
            f"{s['endpoint_url']!r}, which {profile.title} serves for "
            f"{' or '.join(repr(region) for region in allowed)}: requests are signed for "
            "the wrong region (AuthorizationHeaderMalformed, SignatureDoesNotMatch).",
            hint=f"Set {_names('region_name')} to {allowed[0]!r}, or remove it: the "
            f"{profile.name!r} profile fills it in from the endpoint.",
            obj=obj,
            id="storages.W012",
        )
    host = endpoint_host(s["endpoint_url"])
    if profile is AWS and host and not AWS.serves(host):
        yield checks.Warning(
            f"provider is 'aws' but endpoint_url {s['endpoint_url']!r} is not Amazon S3: "
            "boto3's defaults send flexible checksums (x-amz-checksum-*, aws-chunked "
            "uploads, CRC32 on DeleteObjects) that many S3-compatible stores refuse.",
            hint=f"Remove {_names('provider')} (auto detects the store), or set it to the "
            "store's profile or 's3-compatible'.",
            obj=obj,
            id="storages.W013",
        )


_RULES: Sequence[Rule] = (_errors, _url_warnings, _store_warnings, _provider_warnings)


def _check_one(config: StorageConfig) -> list[CheckMessage]:
    obj = _obj(config.alias)
    try:
        storage_class = import_string(config.backend)
    except ImportError as err:
        if not config.backend.startswith("storages."):
            return []  # not ours; Django reports it when the storage is first used
        return [
            Error(
                f"The storage backend {config.backend!r} cannot be imported: {err}.",
                hint="The S3 classes are storages.backends.s3.S3Storage, S3StaticStorage "
                "and S3ManifestStaticStorage.",
                obj=obj,
                id="storages.E002",
            )
        ]
    from .backends.s3 import S3Storage

    if not (isinstance(storage_class, type) and issubclass(storage_class, S3Storage)):
        return []
    from .backends._s3.config import build_config

    try:
        resolved = build_config(storage_class, config.options)
    except ImproperlyConfigured as err:
        return [
            Error(
                str(err),
                hint="Correct the setting named in the message; the storage cannot be "
                "created as configured.",
                obj=obj,
                id="storages.E001",
            )
        ]
    return [message for rule in _RULES for message in rule(config, resolved)]


def _legacy_settings() -> Iterator[CheckMessage]:
    # Django 5.1 removed DEFAULT_FILE_STORAGE and STATICFILES_STORAGE; a project that
    # still sets them gets the file system storage with no error at all. Django 4.2
    # copies them into STORAGES itself, so they are checked there.
    if django.VERSION < (5, 1):
        return
    for name, alias in (
        ("DEFAULT_FILE_STORAGE", MEDIA_ALIAS),
        ("STATICFILES_STORAGE", STATIC_ALIAS),
    ):
        value = getattr(settings, name, None)
        if not value:
            continue
        used = (getattr(settings, "STORAGES", None) or {}).get(alias, {}).get("BACKEND")
        yield checks.Warning(
            f"{name} is set to {value!r}, but Django {django.get_version()} ignores it; "
            f"STORAGES[{alias!r}] is used instead ({used!r}).",
            hint=f"Move it to STORAGES = {{{alias!r}: {{'BACKEND': {value!r}}}}} "
            f"and delete {name}.",
            obj=name,
            id="storages.W009",
        )


def check_storages(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Check every S3 storage in ``settings.STORAGES`` (a Django system check)."""
    messages: list[CheckMessage] = list(_legacy_settings())
    for config in configured_storages():
        messages.extend(_check_one(config))
    return messages


def register_checks() -> None:
    """Register :func:`check_storages` with Django (idempotent)."""
    register(check_storages, Tags.files, "storages")
