"""Provider profiles: defaults that fit what each S3-compatible store accepts.

- ``profiles.py``: the profiles as data, one :class:`Profile` per store;
- ``defaults.py``: which profile applies (``provider``, or detected from
  ``endpoint_url``) and the defaults it adds to the settings not given;
- ``hooks.py``: what a profile changes on each boto3 client.

Like every capability folder this imports the core, never the facade; the
facade hands ``profile_defaults`` to the configuration (``config.py``) through
``S3Storage._profile_defaults``, so the core never imports this folder.
"""

from __future__ import annotations

from .defaults import choose, endpoint_host, expected_regions, log_choice, profile_defaults
from .hooks import use_content_md5
from .profiles import AUTO, AWS, PROFILES, S3_COMPATIBLE, Profile

__all__ = [
    "AUTO",
    "AWS",
    "PROFILES",
    "S3_COMPATIBLE",
    "Profile",
    "choose",
    "endpoint_host",
    "expected_regions",
    "log_choice",
    "profile_defaults",
    "use_content_md5",
]
