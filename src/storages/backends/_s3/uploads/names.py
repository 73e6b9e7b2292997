"""The names of direct uploads: the storage's own naming, plus a random segment.

A direct upload cannot pick the next free name when S3 refuses one, as
``save()`` does: the browser holds the signature of one key. So every new
upload gets a name no other upload can have, in Django's own way:
``get_alternative_name()`` adds ``_`` and 7 random letters and digits before
the extensions (``photo.jpg`` becomes ``photo_a1B2c3D.jpg``; 62**7, about
3.5e12, names per file name), without asking S3 whether the name is free.
Before that, the name goes through what ``Storage.save()`` applies:
``generate_filename()`` (``get_valid_name()`` on the file name, and its
traversal check), ``validate_file_name()``, ``max_length`` by shortening the
file name as ``get_available_name()`` does, then ``_key()`` (the
``location``, names that escape it, S3's key length). Every refusal is
raised before any request.
"""

from __future__ import annotations

import pathlib
import posixpath
from typing import Protocol

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.utils import validate_file_name

__all__ = ["NameStorage", "new_name", "upload_key"]


class NameStorage(Protocol):
    """What naming an upload needs from a storage."""

    def generate_filename(self, filename: str) -> str: ...
    def get_alternative_name(self, file_root: str, file_ext: str) -> str: ...
    def _key(self, name: str) -> str: ...


def _check_text(name: object) -> str:
    if not isinstance(name, str) or not name:
        raise ValueError(f"A direct upload needs a file name (a non-empty str), not {name!r}.")
    return name


def new_name(storage: NameStorage, name: str, max_length: int | None = None) -> tuple[str, str]:
    """Return the storage name and the S3 key of a new upload asked for as ``name``.

    Raises SuspiciousFileOperation or SuspiciousOperation for a name that
    would leave its directory or the storage's ``location``, and ValueError
    for one S3 cannot store (too long, a NUL character).
    """
    name = storage.generate_filename(_check_text(name))
    validate_file_name(name, allow_relative_path=True)
    dir_name, file_name = posixpath.split(name)
    file_ext = "".join(pathlib.PurePosixPath(file_name).suffixes)
    file_root = file_name.removesuffix(file_ext)
    name = posixpath.join(dir_name, storage.get_alternative_name(file_root, file_ext))
    if max_length is not None and len(name) > max_length:
        keep = len(file_root) - (len(name) - max_length)
        if keep < 1:
            raise SuspiciousFileOperation(
                f"The upload name {name!r} is longer than max_length={max_length}, even with "
                "its file name cut to one character: allow a longer max_length on the file "
                "field, or upload to a shorter directory."
            )
        name = posixpath.join(dir_name, storage.get_alternative_name(file_root[:keep], file_ext))
    validate_file_name(name, allow_relative_path=True)
    return name, storage._key(name)


def upload_key(storage: NameStorage, name: str) -> str:
    """Return the S3 key of ``name``, a name :func:`new_name` returned earlier.

    The name is checked as Django checks a name it saves, and ``_key()``
    refuses one that leaves the ``location``; nothing is added to it.
    """
    validate_file_name(_check_text(name), allow_relative_path=True)
    return storage._key(name)
