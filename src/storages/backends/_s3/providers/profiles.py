"""Provider profiles as data: one :class:`Profile` per store, and nothing else.

A profile says what a store accepts of the S3 API, as its documentation
states it: whether it takes boto3's flexible checksums, whether DeleteObjects
needs Content-MD5, which region name it signs with, how it addresses buckets,
whether it applies object ACLs, whether multipart parts must share one size,
and whether it has DeleteObjects and conditional writes. The sources are
listed in ``docs/howto/providers.rst``, one section per store.

A profile only fills in defaults: ``providers/defaults.py`` applies it to the
settings the user did not give.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["AUTO", "AWS", "PROFILES", "S3_COMPATIBLE", "Profile"]

#: The value of ``provider`` that detects the profile from ``endpoint_url``.
AUTO = "auto"


@dataclass(frozen=True)
class Profile:
    """What one store accepts, and the defaults that follow from it."""

    #: The value of the ``provider`` setting.
    name: str
    #: The store's name, as its vendor writes it.
    title: str
    #: Endpoint hosts that ``provider="auto"`` recognises: a host equal to one
    #: of these, or ending with ``"." + host``.
    hosts: tuple[str, ...] = ()
    #: botocore computes request checksums, and validates response checksums,
    #: only where the operation requires them (``"when_required"``).
    checksums_when_required: bool = True
    #: DeleteObjects carries Content-MD5 and no flexible-checksum header.
    content_md5: bool = True
    #: ``addressing_style`` when not given (None: botocore chooses).
    addressing_style: str | None = "path"
    #: ``region_name`` when not given: this name...
    region: str | None = None
    #: ...or the first group of this pattern, matched against the endpoint host.
    region_pattern: str | None = None
    #: The store documents no other region than ``region`` (and these aliases):
    #: the system checks warn about any other.
    region_only: tuple[str, ...] = ()
    #: Per-object canned ACLs (``x-amz-acl``) are applied. False: refused or ignored.
    acls: bool = True
    #: Every part of a multipart upload but the last has the same size.
    equal_parts: bool = True
    #: DeleteObjects (one request for up to 1,000 keys) exists.
    delete_objects: bool = True
    #: ``If-None-Match: *`` on writes: True documented, False documented
    #: missing (never sent), None unknown (sent; a 501 turns it off).
    conditional_writes: bool | None = None

    def region_for(self, host: str) -> str | None:
        """Return the region this profile signs with for endpoint ``host``, if it knows one."""
        if self.region_pattern is not None:
            match = re.search(self.region_pattern, host)
            if match is not None:
                return match.group(1)
        return self.region

    def serves(self, host: str) -> bool:
        """Return True if ``host`` is one of this store's endpoint hosts."""
        return any(host == known or host.endswith("." + known) for known in self.hosts)


#: Amazon S3 itself: boto3's defaults, exactly as without profiles.
AWS = Profile(
    "aws",
    "Amazon S3",
    hosts=("amazonaws.com", "amazonaws.com.cn"),
    checksums_when_required=False,
    content_md5=False,
    addressing_style=None,
    equal_parts=False,
    conditional_writes=True,
)

#: Any other store: only what the S3 API has required for years.
S3_COMPATIBLE = Profile("s3-compatible", "S3-compatible store")

_NAMED = (
    Profile(
        "r2",
        "Cloudflare R2",
        hosts=("r2.cloudflarestorage.com",),
        region="auto",
        region_only=("auto", "us-east-1"),
        acls=False,
        conditional_writes=True,
    ),
    Profile(
        "b2",
        "Backblaze B2",
        hosts=("backblazeb2.com",),
        region_pattern=r"^(?:.+\.)?s3\.([a-z0-9-]+)\.backblazeb2\.com$",
        acls=False,
    ),
    Profile(
        "gcs",
        "Google Cloud Storage (XML API)",
        hosts=("storage.googleapis.com",),
        region="auto",
        region_only=("auto",),
        acls=False,
        delete_objects=False,
    ),
    Profile("minio", "MinIO", region="us-east-1", acls=False, conditional_writes=True),
    Profile("ceph", "Ceph Object Gateway (RGW)"),
    Profile("seaweedfs", "SeaweedFS", region="us-east-1", acls=False, conditional_writes=True),
    Profile(
        "digitalocean",
        "DigitalOcean Spaces",
        hosts=("digitaloceanspaces.com",),
        region_pattern=r"(?:^|\.)([a-z]+[0-9]+)\.(?:cdn\.)?digitaloceanspaces\.com$",
    ),
    Profile(
        "wasabi",
        "Wasabi",
        hosts=("wasabisys.com",),
        region="us-east-1",
        region_pattern=r"(?:^|\.)s3\.([a-z]+-[a-z]+-[0-9]+)\.wasabisys\.com$",
    ),
    Profile(
        "scaleway",
        "Scaleway Object Storage",
        hosts=("scw.cloud",),
        region_pattern=r"(?:^|\.)s3\.([a-z]+-[a-z]+)\.scw\.cloud$",
    ),
    Profile(
        "ovh",
        "OVHcloud Object Storage",
        hosts=("cloud.ovh.net", "cloud.ovh.us"),
        region_pattern=r"(?:^|\.)s3\.([a-z0-9-]+)\.(?:io\.|perf\.)?cloud\.ovh\.(?:net|us)$",
    ),
    Profile(
        "linode",
        "Akamai (Linode) Object Storage",
        hosts=("linodeobjects.com",),
        region_pattern=r"(?:^|\.)([a-z]+-[a-z]+-[0-9]+)\.linodeobjects\.com$",
    ),
    Profile(
        "hetzner",
        "Hetzner Object Storage",
        hosts=("your-objectstorage.com",),
        region_pattern=r"(?:^|\.)([a-z]+[0-9]+)\.your-objectstorage\.com$",
    ),
    Profile(
        "oracle",
        "Oracle Cloud Infrastructure Object Storage",
        hosts=("oraclecloud.com",),
        region_pattern=r"\.compat\.objectstorage\.([a-z0-9-]+)\.oraclecloud\.com$",
        acls=False,
    ),
    Profile(
        "ibm",
        "IBM Cloud Object Storage",
        hosts=("cloud-object-storage.appdomain.cloud",),
        region_pattern=(
            r"(?:^|\.)s3\.(?:private\.|direct\.)?([a-z0-9-]+)\.cloud-object-storage\.appdomain\.cloud$"
        ),
    ),
    Profile("garage", "Garage", region="garage", acls=False),
)

#: Every profile by name, in the order the docs list them.
PROFILES: dict[str, Profile] = {profile.name: profile for profile in (AWS, S3_COMPATIBLE, *_NAMED)}
