"""The extension contract: the points a subclass may override, and "is it overridden?".

``S3Storage`` takes fast paths that skip some of its own methods: URLs built
without botocore, URL layouts shared between storages, the key prefix
computed once, collectstatic's pooled uploads. Each is taken only while the
methods it skips are the library's own. :data:`POINTS` declares, once, every
point a subclass (or an instance attribute) may replace, and
:func:`is_overridden` is the one question every fast path asks.

The facade's classes declare themselves with :func:`declare_base` when
``storages.backends.s3`` is imported, so that this module, like all of
``_s3``, never imports the facade. The docs page ``reference/extending.rst``
lists the same points (a test compares them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

__all__ = ["POINTS", "Point", "declare_base", "is_overridden"]


@dataclass(frozen=True)
class Point:
    """One override point: the attribute's name, and what replacing it changes."""

    name: str
    purpose: str


#: Every override point, in the order the docs list them.
POINTS: tuple[Point, ...] = (
    Point("connection", "property: this thread's boto3 S3 resource, for every request"),
    Point("unsigned_connection", "property: the resource that builds unsigned URLs"),
    Point("bucket", "property: this thread's boto3 Bucket, for object requests and URLs"),
    Point("_create_resource", "build a boto3 S3 resource from a botocore Config"),
    Point("_create_session", "the boto3 Session behind connections and URL signing"),
    Point("_key", "the full S3 key of a storage name"),
    Point("_normalize_name", "join a cleaned name to the location, and check the key"),
    Point("_save", "write a file; collectstatic's pooled uploads call an override instead"),
    Point("save", "Django's save(); collectstatic's pooled uploads call an override instead"),
    Point("exists", "whether a name is taken; a create-only save asks it with a HEAD"),
    Point("get_available_name", "the name a save uses; a create-only save checks it with a HEAD"),
    Point("get_object_parameters", "upload parameters for one file"),
    Point("_get_write_parameters", "the final upload parameters (content type, ACL added)"),
    Point("get_cloudfront_signer", "build the CloudFront signer of a key pair"),
    Point("cloudfront_signer", "a signer (or None) set on the class, used instead of keys"),
    Point("get_default_settings", "every setting's default; extra keys are new settings"),
)

_NAMES = frozenset(point.name for point in POINTS)
_MISSING = object()
_Class = TypeVar("_Class", bound=type)

#: The library's own storage classes; their definitions are "not overridden".
_BASES: set[type] = set()


def declare_base(cls: _Class) -> _Class:
    """Declare ``cls`` a library storage class, whose definitions are the reference.

    Used as a decorator by ``storages.backends.s3``; returns ``cls``.
    """
    _BASES.add(cls)
    return cls


def is_overridden(target: object, name: str) -> bool:
    """Return True if ``target`` (a storage or a storage class) replaces point ``name``.

    Replaced means an instance attribute of that name, or a definition found
    on the class other than the one of the nearest library class it extends
    (a subclass's method, property or plain value). A class that extends no
    library class counts as replacing every point, so fast paths never skip
    code that is not ours. Raises ValueError for a name not in :data:`POINTS`.
    """
    if name not in _NAMES:
        raise ValueError(f"{name!r} is not an override point of S3Storage")
    if isinstance(target, type):
        cls = target
    else:
        if name in getattr(target, "__dict__", ()):
            return True
        cls = type(target)
    base = next((klass for klass in cls.__mro__ if klass in _BASES), None)
    if base is None:
        return True
    return _definition(cls, name) is not _definition(base, name)


def _definition(cls: type, name: str) -> object:
    # The class dict entry itself (a function, property or value), as
    # inspect.getattr_static finds it: getattr() builds a new bound object
    # for a classmethod on every call, which is never identical.
    for klass in cls.__mro__:
        if name in vars(klass):
            return vars(klass)[name]
    return _MISSING
