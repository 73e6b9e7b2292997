"""The storage a direct upload goes to, its directory, and what S3 holds once it is sent.

Rules name their storage by a ``STORAGES`` alias, or by a model field
(``"app_label.Model.field"``), whose storage, ``upload_to`` and
``max_length`` then apply: the sign view and the form's ``clean()`` resolve
the same name in any process, so a token never has to carry a storage.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.core.files.storage import InvalidStorageError, storages
from django.db.models import FileField

from ..backends.s3 import S3Storage
from ..bulk import Stat
from .rules import UploadRules

__all__ = ["Target", "resolve", "storage_named", "stored_object"]


@dataclass(frozen=True)
class Target:
    """Where a direct upload goes: the storage, the directory of its name, the name's limit."""

    storage: S3Storage
    directory: str
    max_length: int | None

    def name_for(self, filename: str) -> str:
        """Return the name to ask the storage for: the directory, then the base file name."""
        # A browser sends the base name; a client may send a path: keep its last part.
        base = posixpath.basename(filename.replace("\\", "/")) or "file"
        return posixpath.join(self.directory, base) if self.directory else base


def _model_field(label: str) -> FileField:
    try:
        app_label, model_name, field_name = label.split(".")
        field = apps.get_model(app_label, model_name)._meta.get_field(field_name)
    except (ValueError, LookupError, FieldDoesNotExist) as err:
        raise ImproperlyConfigured(
            f"The direct upload storage {label!r} is neither a STORAGES alias nor an "
            f"'app_label.Model.field' naming a model's FileField: {err}"
        ) from err
    if not isinstance(field, FileField):
        raise ImproperlyConfigured(f"{label} is a {type(field).__name__}, not a FileField.")
    return field


def _storage(rules: UploadRules) -> tuple[object, str, int | None]:
    """Return the storage, the ``upload_to`` template and the max_length the rules mean."""
    if rules.storage.count(".") != 2:
        try:
            return storages[rules.storage], rules.upload_to, rules.max_length
        except InvalidStorageError as err:
            raise ImproperlyConfigured(
                f"The direct upload storage {rules.storage!r} is not an alias of the STORAGES "
                f"setting: {err}"
            ) from err
    field = _model_field(rules.storage)
    upload_to = rules.upload_to
    if not upload_to:
        if callable(field.upload_to):
            raise ImproperlyConfigured(
                f"{rules.storage} has a callable upload_to, which needs a model instance that "
                "a direct upload does not have yet: give the upload field an upload_to, or "
                "set one per request in the upload policy."
            )
        upload_to = str(field.upload_to)
    max_length = rules.max_length if rules.max_length is not None else field.max_length
    return field.storage, upload_to, max_length


def _checked(storage: object, label: str) -> S3Storage:
    if not isinstance(storage, S3Storage):
        raise ImproperlyConfigured(
            f"Direct uploads need an S3Storage; the storage {label!r} is a "
            f"{type(storage).__name__}."
        )
    return storage


def storage_named(label: str) -> S3Storage:
    """Return the storage of a ``STORAGES`` alias or an ``"app_label.Model.field"``."""
    return _checked(_storage(UploadRules(storage=label, upload_to="-"))[0], label)


def resolve(rules: UploadRules) -> Target:
    """Return the storage, directory and name limit of ``rules``, as of now."""
    storage, upload_to, max_length = _storage(rules)
    # strftime as FileField.generate_filename applies it: "docs/%Y/" -> "docs/2026/".
    directory = datetime.now().strftime(upload_to).strip("/")
    return Target(_checked(storage, rules.storage), directory, max_length)


def stored_object(storage: S3Storage, name: str) -> Stat | None:
    """Return what one HEAD of exactly ``name``'s key says (size, type...), or None if no file."""
    try:
        return storage.stat(name)
    except FileNotFoundError:
        return None
