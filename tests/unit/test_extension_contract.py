"""The extension contract: the declared points, and what ``is_overridden()`` answers.

That an override is then honoured (its code runs) is tested per point in
``test_extension_points.py`` and ``integration/test_extension_points_live.py``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import FileSystemStorage, Storage

from storages.backends import s3
from storages.backends._s3.extension import POINTS, is_overridden
from storages.backends.s3 import S3ManifestStaticStorage, S3StaticStorage, S3Storage

NAMES = [point.name for point in POINTS]
LIBRARY = [S3Storage, S3StaticStorage, S3ManifestStaticStorage]

by_point = pytest.mark.parametrize("name", NAMES)
by_library_class = pytest.mark.parametrize("base", LIBRARY, ids=lambda cls: cls.__name__)


def test_each_point_is_declared_once_and_exists_on_the_storage():
    assert len(set(NAMES)) == len(NAMES)
    assert [name for name in NAMES if not hasattr(S3Storage, name)] == []
    assert [point.name for point in POINTS if not point.purpose] == []


def test_the_facade_docstring_lists_the_points():
    docstring = s3.__doc__ or ""
    contract = docstring[docstring.index("Extension contract") :]

    assert sorted(re.findall(r"``(\w+)``", contract)) == sorted(NAMES)


def instance(base: type[S3Storage], tmp_path: Path) -> S3Storage:
    """Return an instance of ``base``; a manifest storage reads its manifest from ``tmp_path``."""
    if issubclass(base, S3ManifestStaticStorage):
        return base(manifest_storage=FileSystemStorage(location=tmp_path))
    return base()


@by_point
@by_library_class
def test_nothing_is_overridden_on_the_library_classes(base, name, tmp_path):
    assert is_overridden(base, name) is False
    assert is_overridden(instance(base, tmp_path), name) is False
    assert is_overridden(type("Plain", (base,), {}), name) is False


@by_point
@by_library_class
def test_a_subclass_definition_is_an_override(base, name):
    def replacement(self: Any) -> None:
        """Any definition other than the library's."""

    assert is_overridden(type("Own", (base,), {name: replacement}), name) is True


@by_point
def test_a_plain_value_is_an_override(name):
    # cloudfront_signer = None is the documented form; any value counts.
    assert is_overridden(type("Own", (S3Storage,), {name: None}), name) is True


def test_a_mixin_before_the_library_class_overrides_what_it_defines():
    class RecordingMixin:
        def _save(self, name: str, content: Any) -> str:
            raise AssertionError("not called")

    class Own(RecordingMixin, S3StaticStorage):
        pass

    assert [name for name in NAMES if is_overridden(Own, name)] == ["_save"]


def test_the_nearest_library_class_is_the_reference():
    # The manifest storage's own _save (it queues post-processing's saves)
    # is the library's: a subclass that keeps it overrides nothing.
    class Own(S3ManifestStaticStorage):
        pass

    assert S3ManifestStaticStorage._save is not S3Storage._save
    assert is_overridden(Own, "_save") is False
    assert is_overridden(Own, "save") is False


def test_an_instance_attribute_is_an_override_of_that_instance_only():
    storage = S3Storage()
    other = S3Storage()

    storage._key = lambda name: "tenant/" + name

    assert [name for name in NAMES if is_overridden(storage, name)] == ["_key"]
    assert is_overridden(other, "_key") is False
    assert is_overridden(S3Storage, "_key") is False
    del storage._key
    assert is_overridden(storage, "_key") is False


@by_point
def test_a_class_that_extends_no_library_class_overrides_everything(name):
    class Stub(Storage):
        pass

    assert is_overridden(Stub, name) is True
    assert is_overridden(Stub(), name) is True
    assert is_overridden(object(), name) is True


def test_an_unknown_point_is_refused():
    with pytest.raises(ValueError, match=r"^'url' is not an override point of S3Storage$"):
        is_overridden(S3Storage, "url")


class _PropertySigner(S3Storage):
    """Its own signer property: keys are neither checked nor loaded."""

    @property
    def cloudfront_signer(self) -> Any:
        return None


def test_an_own_signer_property_wins_over_keys():
    # A lone key id would raise ImproperlyConfigured if the keys were read.
    storage = _PropertySigner(custom_domain="cdn.example.com", cloudfront_key_id="K1")

    assert storage.url("a.txt") == "https://cdn.example.com/a.txt"
