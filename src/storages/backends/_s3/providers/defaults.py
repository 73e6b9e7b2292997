"""Apply a provider profile: which one applies, and the defaults it adds.

``provider="auto"`` (the default) picks the profile from ``endpoint_url``: no
endpoint is Amazon S3 (``aws``), a known store's host is that store, any
other endpoint is ``s3-compatible``. The profile then fills in only what the
user did not give: a setting given in any spelling (``OPTIONS``, a class
attribute, a Django setting, an environment variable) is kept as it is, and
a ``client_config`` keeps every option it sets.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from botocore.config import Config

from ....utils import lookup_env
from ..config import ProfileChoice, StoreRules
from .profiles import AUTO, AWS, PROFILES, S3_COMPATIBLE, Profile

__all__ = [
    "choose",
    "endpoint_host",
    "expected_regions",
    "log_choice",
    "profile_defaults",
]

logger = logging.getLogger(__name__)

#: botocore's checksum options, each with the environment variable that sets
#: it for every client in the process: a user who set one chose it.
_CHECKSUM_OPTIONS = {
    "request_checksum_calculation": "AWS_REQUEST_CHECKSUM_CALCULATION",
    "response_checksum_validation": "AWS_RESPONSE_CHECKSUM_VALIDATION",
}


#: The region in an Amazon S3 endpoint host (s3.eu-west-1.amazonaws.com,
#: s3.dualstack.us-east-2.amazonaws.com, bucket.s3-us-west-2.amazonaws.com...).
_AWS_REGION = re.compile(
    r"(?:^|\.)s3[.-](?:dualstack\.|fips\.)*([a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-[0-9])"
    r"\.amazonaws\.com(?:\.cn)?$"
)


def expected_regions(profile: Profile, endpoint_url: str | None) -> tuple[str, ...]:
    """Return the regions ``endpoint_url`` allows on ``profile``'s store; () if it names none."""
    host = endpoint_host(endpoint_url)
    if not host:
        return ()
    if profile is AWS:
        match = _AWS_REGION.search(host)
        return (match.group(1),) if match else ()
    if profile.region_only:
        return profile.region_only
    if profile.region_pattern is not None:
        match = re.search(profile.region_pattern, host)
        if match is not None:
            return (match.group(1),)
    return ()


def endpoint_host(endpoint_url: str | None) -> str:
    """Return the lower-case host of ``endpoint_url`` ("" without one)."""
    if not endpoint_url:
        return ""
    return (urlsplit(endpoint_url).hostname or "").lower().rstrip(".")


def choose(provider: str, endpoint_url: str | None) -> tuple[Profile, str]:
    """Return the profile for ``provider`` and ``endpoint_url``, and why it applies."""
    if provider != AUTO:
        return PROFILES[provider], f"provider={provider!r}"
    host = endpoint_host(endpoint_url)
    if not host:
        return AWS, "auto: no endpoint_url"
    for profile in PROFILES.values():
        if profile.serves(host):
            return profile, f"auto: endpoint host {host!r}"
    return S3_COMPATIBLE, f"auto: endpoint host {host!r} is no known provider's"


def profile_defaults(settings: Mapping[str, Any], given: frozenset[str]) -> ProfileChoice:
    """Return the profile that applies to ``settings`` and the defaults it adds.

    ``given`` names the settings the user gave; none of them is replaced.
    """
    profile, reason = choose(settings["provider"], settings["endpoint_url"])
    client_given = "client_config" in given
    defaults: dict[str, Any] = {}
    if "region_name" not in given:
        region = profile.region_for(endpoint_host(settings["endpoint_url"]))
        if region is not None:
            defaults["region_name"] = region
    options: dict[str, Any] = {}
    if profile.addressing_style is not None:
        if client_given:
            # Beneath the given Config: its own s3 options win whole.
            options["s3"] = {"addressing_style": profile.addressing_style}
        elif "addressing_style" not in given:
            defaults["addressing_style"] = profile.addressing_style
    if profile.checksums_when_required:
        for option, env_name in _CHECKSUM_OPTIONS.items():
            # botocore before 1.36 has neither option, and sends no flexible checksums.
            if option in Config.OPTION_DEFAULTS and lookup_env((env_name,)) is None:
                options[option] = "when_required"
    rules = StoreRules(
        equal_parts=profile.equal_parts,
        content_md5=profile.content_md5,
        delete_objects=profile.delete_objects,
        conditional_writes=profile.conditional_writes is not False,
    )
    return ProfileChoice(profile.name, reason, defaults, options, rules)


def log_choice(choice: ProfileChoice, owner: str) -> None:
    """Log at DEBUG which profile ``owner`` (a storage) uses and what it chose."""
    if not logger.isEnabledFor(logging.DEBUG):
        return
    rules = choice.rules
    logger.debug(
        "%s uses the provider profile %r (%s): defaults %s, botocore options %s; "
        "equal parts %s, Content-MD5 on DeleteObjects %s, DeleteObjects %s, "
        "conditional writes %s",
        owner,
        choice.name,
        choice.reason,
        dict(choice.settings) or "none",
        dict(choice.client_options) or "none",
        rules.equal_parts,
        rules.content_md5,
        rules.delete_objects,
        rules.conditional_writes,
    )
