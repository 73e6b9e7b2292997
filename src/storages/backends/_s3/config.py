"""The resolved configuration of an S3 storage: built once, read by the storage and the checks.

:func:`build_config` applies the settings table (:func:`storages.base.resolve_attributes`:
``OPTIONS``, class attribute, Django setting, environment variable, default), then
decides everything S3Storage derives from the settings: the botocore ``Config`` of
its clients, the ``TransferConfig`` of its uploads, where its CloudFront signer
comes from, the deprecation warnings it gives, and the contradictions it refuses
to start with. The provider profile (``provider``) fills in defaults for the
settings the user did not give: the storage computes them (``providers/``,
through ``_profile_defaults``), and this module layers them under what was
given. ``S3Storage.__init__`` builds it for itself; the system checks
build it for a class and its ``OPTIONS`` without creating a storage, so they
report exactly what the storage would do.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from django.conf import settings as django_settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.exceptions import ImproperlyConfigured

from ... import signers
from ...base import SettingsHooks, resolve_attributes
from ...conf import UNSET, invalid_setting, spellings
from ...utils import leading_slash_message, lookup_env
from .extension import is_overridden
from .options import S3_OPTIONS, S3_OPTIONS_BY_NAME
from .protocol import MAX_PRESIGNED_EXPIRY

__all__ = [
    "CONFIG_DEPRECATION",
    "USE_THREADS_DEPRECATION",
    "ConfigurableStorage",
    "ProfileChoice",
    "Refusal",
    "S3Config",
    "SignerSource",
    "StoreRules",
    "build_config",
]

CONFIG_DEPRECATION = (
    "The 'config' class property is deprecated and will be removed in a future version. "
    "Use AWS_S3_CLIENT_CONFIG to customize any of the botocore.config.Config parameters."
)
USE_THREADS_DEPRECATION = (
    "The AWS_S3_USE_THREADS setting is deprecated. Use AWS_S3_TRANSFER_CONFIG to customize "
    "any of the boto.s3.transfer.TransferConfig parameters."
)


@dataclass(frozen=True)
class StoreRules:
    """What the engine must respect of the store, as the provider profile says.

    The defaults are Amazon S3's (the ``aws`` profile).
    """

    #: Every part of a multipart upload but the last has the same size: the
    #: part size never grows (an upload of unknown length then stops at
    #: 10,000 parts).
    equal_parts: bool = False
    #: DeleteObjects carries Content-MD5 instead of a flexible checksum.
    content_md5: bool = False
    #: DeleteObjects exists; False deletes one key a request.
    delete_objects: bool = True
    #: False: never send ``If-None-Match`` (the store lacks conditional writes).
    conditional_writes: bool = True


@dataclass(frozen=True)
class ProfileChoice:
    """The provider profile that applies, and the defaults it adds."""

    #: The profile's name, e.g. ``"r2"``.
    name: str
    #: Why it applies, e.g. ``"endpoint host 'x.r2.cloudflarestorage.com'"``.
    reason: str
    #: Values for the settings the user did not give (``region_name``, ...).
    settings: Mapping[str, Any]
    #: botocore ``Config`` options, beneath the user's own.
    client_options: Mapping[str, Any]
    rules: StoreRules


#: What applies when no profile adds anything (Amazon S3's behaviour).
NO_PROFILE = ProfileChoice("aws", "no profile", {}, {}, StoreRules())


class ConfigurableStorage(SettingsHooks, Protocol):
    """What building a configuration calls on a storage: its settings hooks."""

    def get_cloudfront_signer(self, key_id: str, key: str | bytes) -> signers.Signer | None: ...
    def _profile_defaults(
        self, settings: Mapping[str, Any], given: frozenset[str]
    ) -> ProfileChoice: ...


class SignerSource(enum.Enum):
    """Where the storage's CloudFront signer comes from; the first that applies wins."""

    #: ``cloudfront_signer`` given as a keyword (in ``OPTIONS``), None included.
    KEYWORD = "keyword"
    #: The class's own ``cloudfront_signer`` (a value, None included, or a property).
    CLASS_ATTRIBUTE = "class attribute"
    #: Built by ``get_cloudfront_signer`` from ``cloudfront_key_id`` and ``cloudfront_key``.
    KEY_PAIR = "key pair"
    #: Neither: custom-domain URLs are not signed.
    NONE = "none"


@dataclass(frozen=True)
class Refusal:
    """A configuration the storage refuses to start with, and how the system checks say it."""

    #: The system check's id, e.g. ``storages.E003``.
    check_id: str
    #: What creating the storage raises.
    error: ImproperlyConfigured
    #: The system check's message and hint.
    message: str
    hint: str


@dataclass(frozen=True)
class S3Config:
    """An S3 storage's settings and what it derives from them, decided once."""

    #: The attributes the storage gets from its settings table, by name: every
    #: row (``client_config`` and ``transfer_config`` as given, possibly None),
    #: and the other keys of ``get_default_settings()`` no class attribute sets.
    settings: Mapping[str, Any]
    #: The botocore Config of every client: the deprecated ``config`` class
    #: attribute, else ``client_config``, else one built from
    #: ``addressing_style``, ``signature_version`` and ``proxies``.
    client_config: Config
    #: ``transfer_config``, else a TransferConfig honouring ``use_threads``.
    transfer_config: TransferConfig
    signer_source: SignerSource
    #: The keyword's or the class's signer, or the one built from the key pair
    #: (None when the system checks leave an overridden ``get_cloudfront_signer`` uncalled).
    signer: object
    #: The messages of the DeprecationWarnings the storage gives when created.
    deprecations: tuple[str, ...]
    #: What the storage refuses, in the order it looks: it raises the first.
    refusals: tuple[Refusal, ...]
    #: The provider profile, and what it added.
    profile: ProfileChoice = NO_PROFILE

    @property
    def signs_cloudfront_urls(self) -> bool:
        """Return True if custom-domain URLs get signed (a signer, or a key pair to build one)."""
        if self.signer_source is SignerSource.KEY_PAIR:
            return True
        return self.signer is not None


def _names(name: str) -> str:
    return spellings(S3_OPTIONS_BY_NAME[name])


def build_config(
    storage_class: type[Any],
    options: Mapping[str, Any],
    *,
    storage: ConfigurableStorage | None = None,
) -> S3Config:
    """Resolve the configuration of ``storage_class`` created with ``options`` (its keywords).

    ``storage`` is the instance being created (``S3Storage.__init__`` passes
    itself): its ``get_default_settings`` and ``get_cloudfront_signer`` are
    called, as the extension contract says. Without it (the system checks),
    nothing connects and no manifest is read: a bare instance, never
    initialised and then dropped, answers ``get_default_settings``, and an
    overridden ``get_cloudfront_signer`` is not called (it may reach a key
    service), so the keys it reads its own way are taken as they are.

    Raises ImproperlyConfigured, naming the setting, for an unknown keyword or
    a value its row refuses; contradictions between settings are returned in
    ``refusals`` instead.
    """
    hooks: ConfigurableStorage = storage if storage is not None else object.__new__(storage_class)
    given = dict(options)
    signer_keyword = given.pop("cloudfront_signer", UNSET)
    if issubclass(storage_class, ManifestFilesMixin):
        # Django's mixin takes it before S3Storage.__init__ runs.
        given.pop("manifest_storage", None)
    settings = resolve_attributes(hooks, given)
    profile = hooks._profile_defaults(settings, _given_names(storage_class, given, settings))
    settings = {**settings, **profile.settings}
    deprecations: list[str] = []
    client_config = settings["client_config"]
    legacy_config = getattr(hooks, "config", None)
    if legacy_config is not None:
        deprecations.append(CONFIG_DEPRECATION)
        client_config = legacy_config
    if client_config is None:
        client_config = Config(
            s3={"addressing_style": settings["addressing_style"]},
            signature_version=settings["signature_version"],
            proxies=settings["proxies"],
            **profile.client_options,
        )
    elif profile.client_options:
        # The profile's options beneath the given Config: an option it sets wins.
        client_config = Config(**profile.client_options).merge(client_config)
    if settings["use_threads"] is False:
        deprecations.append(USE_THREADS_DEPRECATION)
    transfer_config = settings["transfer_config"]
    if transfer_config is None:
        transfer_config = TransferConfig(use_threads=settings["use_threads"])
    refusals = [*_setting_refusals(storage_class.__name__, settings)]
    window_refusal = _reuse_window_refusal(settings, client_config)
    if window_refusal is not None:
        refusals.append(window_refusal)
    source, signer, refusal = _resolve_signer(storage_class, signer_keyword, settings, storage)
    if refusal is not None:
        refusals.append(refusal)
    return S3Config(
        settings=settings,
        client_config=client_config,
        transfer_config=transfer_config,
        signer_source=source,
        signer=signer,
        deprecations=tuple(deprecations),
        refusals=tuple(refusals),
        profile=profile,
    )


def _given_names(
    storage_class: type[Any], keywords: Mapping[str, Any], settings: Mapping[str, Any]
) -> frozenset[str]:
    """Return the settings given explicitly, which a provider profile must not replace.

    Given means: a keyword (``OPTIONS``), a class attribute, a Django setting
    or an environment variable of the row, even one that holds the default
    (``AWS_S3_ADDRESSING_STYLE = None`` asks for botocore's choice), or a
    value other than the row's default (from ``get_default_settings()``).
    """
    given = set(keywords)
    for option in S3_OPTIONS:
        if (
            hasattr(storage_class, option.name)
            or any(hasattr(django_settings, name) for name in option.settings)
            or (option.env and lookup_env(option.env) is not None)
            or settings.get(option.name) != option.default_value()
        ):
            given.add(option.name)
    return frozenset(given)


def _setting_refusals(class_name: str, settings: Mapping[str, Any]) -> list[Refusal]:
    refusals = []
    location: str = settings["location"]
    message = leading_slash_message(class_name, location)
    if message is not None:
        refusals.append(
            Refusal(
                "storages.E003",
                ImproperlyConfigured(message),
                f"location {location!r} begins with a slash ({_names('location')}); "
                "S3Storage refuses to start with it.",
                f"Use {location.lstrip('/')!r} instead: S3 keys do not begin with a slash.",
            )
        )
    if settings["session_profile"] and (settings["access_key"] or settings["secret_key"]):
        refusals.append(
            Refusal(
                "storages.E004",
                ImproperlyConfigured(
                    "AWS_S3_SESSION_PROFILE/session_profile should not be provided with "
                    "AWS_S3_ACCESS_KEY_ID/access_key and AWS_S3_SECRET_ACCESS_KEY/secret_key"
                ),
                "session_profile is set together with an access key or secret key; "
                "S3Storage refuses to start with both.",
                f"Set either {_names('session_profile')} or the key pair "
                f"({_names('access_key')}; {_names('secret_key')}), not both.",
            )
        )
    return refusals


def _reuse_window_refusal(settings: Mapping[str, Any], client_config: Config) -> Refusal | None:
    """Refuse a reuse window whose URLs would live longer than S3 accepts (SigV4: 7 days).

    A URL reused until the end of its window must still be valid
    ``querystring_expire`` seconds later, so it is signed for their sum.
    Custom-domain (CloudFront) URLs and the legacy ``s3`` signature have no
    such limit; unsigned URLs have no expiry.
    """
    window, expire = settings["querystring_reuse_window"], settings["querystring_expire"]
    if (
        not window
        or expire + window <= MAX_PRESIGNED_EXPIRY
        or not settings["querystring_auth"]
        or settings["custom_domain"]
        or getattr(client_config, "signature_version", None) == "s3"
    ):
        return None
    total = expire + window
    fix = (
        f"Lower {_names('querystring_reuse_window')} or {_names('querystring_expire')} "
        f"so that they add up to {MAX_PRESIGNED_EXPIRY} seconds or less."
    )
    return Refusal(
        "storages.E008",
        ImproperlyConfigured(
            f"querystring_reuse_window ({window}) plus querystring_expire ({expire}) is "
            f"{total} seconds: a URL reused until the end of its window must stay valid "
            f"that long, and S3 accepts at most {MAX_PRESIGNED_EXPIRY} (7 days) for a "
            f"presigned URL. {fix}"
        ),
        f"querystring_reuse_window ({window}) plus querystring_expire ({expire}) is "
        f"{total} seconds, more than the {MAX_PRESIGNED_EXPIRY} (7 days) S3 accepts for a "
        "presigned URL; S3Storage refuses to start with it.",
        fix,
    )


def _resolve_signer(
    storage_class: type[Any],
    keyword: object,
    settings: Mapping[str, Any],
    storage: ConfigurableStorage | None,
) -> tuple[SignerSource, object, Refusal | None]:
    """Decide the signer as S3Storage does: keyword, class attribute, then the key pair."""
    if keyword is not UNSET:
        return SignerSource.KEYWORD, keyword, None
    if is_overridden(storage_class, "cloudfront_signer"):
        return SignerSource.CLASS_ATTRIBUTE, storage_class.cloudfront_signer, None
    key_id, key = settings["cloudfront_key_id"], settings["cloudfront_key"]
    if bool(key_id) != bool(key):
        return SignerSource.NONE, None, _lone_key_refusal()
    if not (key_id and key):
        return SignerSource.NONE, None, None
    load: Callable[[str, str | bytes], signers.Signer | None]
    if storage is not None:
        load = storage.get_cloudfront_signer
    elif not is_overridden(storage_class, "get_cloudfront_signer"):
        load = signers.signer_from_pem  # what the library's get_cloudfront_signer does
    else:
        return SignerSource.KEY_PAIR, None, None
    try:
        return SignerSource.KEY_PAIR, load(key_id, key), None
    except ImproperlyConfigured as err:  # no RSA library installed
        error: ImproperlyConfigured = err
        problem = str(err).replace("\n", " ")
    except Exception as err:  # the RSA libraries raise assorted errors for a malformed key
        error = invalid_setting(
            S3_OPTIONS_BY_NAME["cloudfront_key"], key, "an unencrypted PEM-encoded RSA private key"
        )
        error.__cause__ = err
        # Never quote the key or the library's text, which may echo parts of it.
        problem = f"the key cannot be loaded ({type(err).__name__})"
    return SignerSource.KEY_PAIR, None, _key_refusal(error, problem)


def _lone_key_refusal() -> Refusal:
    return Refusal(
        "storages.E005",
        ImproperlyConfigured(
            "Both AWS_CLOUDFRONT_KEY_ID/cloudfront_key_id and "
            "AWS_CLOUDFRONT_KEY/cloudfront_key must be provided together."
        ),
        "Only one of cloudfront_key_id and cloudfront_key is set; "
        "S3Storage refuses to start with one alone.",
        f"Set both {_names('cloudfront_key_id')} and {_names('cloudfront_key')} to sign "
        "CloudFront URLs, or neither.",
    )


def _key_refusal(error: ImproperlyConfigured, problem: str) -> Refusal:
    return Refusal(
        "storages.E006",
        error,
        f"The CloudFront key cannot be used to sign URLs: {problem}.",
        "Give the PEM of an unencrypted RSA private key (the rsa package reads only "
        "'BEGIN RSA PRIVATE KEY'), and install cryptography or rsa.",
    )
