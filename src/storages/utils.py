"""Helpers shared by the storage backends.

These keep the names and exact behaviour of django-storages' ``storages.utils``
so that code importing them keeps working.
"""

from __future__ import annotations

import io
import os
import pathlib
import posixpath
from collections.abc import Iterable
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation
from django.core.files.utils import FileProxyMixin, validate_file_name
from django.utils.encoding import force_bytes

__all__ = [
    "ReadBytesWrapper",
    "TextAsBytesStream",
    "check_location",
    "clean_name",
    "get_available_overwrite_name",
    "is_seekable",
    "is_text_stream",
    "lookup_env",
    "safe_join",
    "setting",
    "to_bytes",
]


def to_bytes(content: Any) -> bytes | bytearray:
    """Return ``content`` as bytes; str is encoded as UTF-8, bytearray passes through."""
    if isinstance(content, bytearray):
        return content
    return force_bytes(content)


def setting(name: str, default: Any = None) -> Any:
    """Return the Django setting ``name``, or ``default`` when it is not defined.

    A setting that is defined as ``None`` returns ``None``: it does not fall
    back to ``default``.
    """
    return getattr(settings, name, default)


def clean_name(name: str) -> str:
    """Normalize a storage name to a forward-slash, S3-style path.

    Collapses ``a/./b`` and ``a/b/../c``, turns backslashes into slashes,
    keeps a trailing slash the input had, and turns ``"."`` into ``""``.
    """
    if isinstance(name, pathlib.PurePath):
        name = str(name)
    cleaned = posixpath.normpath(name).replace("\\", "/")
    if name.endswith("/") and not cleaned.endswith("/"):
        cleaned += "/"
    if cleaned == ".":
        cleaned = ""
    return cleaned


def safe_join(base: str, *paths: Any) -> str:
    """Join ``paths`` onto ``base``; raise ValueError if the result leaves ``base``.

    The result has no leading slash. A trailing slash on a component is kept.
    """
    base_path = base.rstrip("/")
    final_path = base_path + "/"
    for path in paths:
        joined = posixpath.normpath(posixpath.join(final_path, path))
        if path.endswith("/") or joined == posixpath.normpath(final_path):
            joined += "/"
        final_path = joined
    if final_path == base_path:
        final_path += "/"
    base_length = len(base_path)
    if not final_path.startswith(base_path) or final_path[base_length] != "/":
        raise ValueError("the joined path is located outside of the base path component")
    return final_path.lstrip("/")


def leading_slash_message(class_name: str, location: str) -> str | None:
    """Return why ``location`` is refused (it begins with a slash), or None if it is not."""
    if not location.startswith("/"):
        return None
    return (
        f"{class_name}.location cannot begin with a leading slash. "
        f"Found '{location}'. Use '{location.lstrip('/')}' instead."
    )


def check_location(storage: Any) -> None:
    """Raise ImproperlyConfigured if ``storage.location`` starts with a slash."""
    message = leading_slash_message(storage.__class__.__name__, storage.location)
    if message is not None:
        raise ImproperlyConfigured(message)


def lookup_env(names: Iterable[str]) -> str | None:
    """Return the value of the first environment variable in ``names`` that is set and non-empty."""
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return None


def get_available_overwrite_name(name: str, max_length: int | None) -> str:
    """Return ``name`` itself, truncated to ``max_length`` if needed, for overwriting storages.

    Raises SuspiciousFileOperation for path traversal or when truncation would
    remove the whole file root.
    """
    dir_name, file_name = os.path.split(name)
    if ".." in pathlib.PurePath(dir_name).parts:
        raise SuspiciousFileOperation(f"Detected path traversal attempt in '{dir_name}'")
    validate_file_name(file_name, allow_relative_path=True)

    if max_length is None or len(name) <= max_length:
        return name

    file_root, file_ext = os.path.splitext(file_name)
    truncation = len(name) - max_length
    file_root = file_root[:-truncation]
    if not file_root:
        raise SuspiciousFileOperation(
            f'Storage tried to truncate away entire filename "{name}". '
            "Please make sure that the corresponding file field "
            'allows sufficient "max_length".'
        )
    name = os.path.join(dir_name, f"{file_root}{file_ext}")
    validate_file_name(name, allow_relative_path=True)
    return name


def is_seekable(file_object: Any) -> bool:
    """Return True unless ``file_object`` says it cannot seek."""
    return not hasattr(file_object, "seekable") or bool(file_object.seekable())


if TYPE_CHECKING:
    _FileProxy = FileProxyMixin[Any]
else:  # Django's classes are not generic at run time.
    _FileProxy = FileProxyMixin


class ReadBytesWrapper(_FileProxy):
    """Wrap a file so that ``read()`` always returns bytes.

    Text read from the wrapped file is encoded with ``encoding``, else the
    file's own truthy ``encoding``, else UTF-8.
    """

    def __init__(self, file: IO[Any], encoding: str | None = None) -> None:
        self.file = file
        self._encoding = encoding or getattr(file, "encoding", None) or "utf-8"

    def read(self, *args: Any, **kwargs: Any) -> bytes:
        """Read from the wrapped file, encoding text to bytes."""
        assert self.file is not None
        content = self.file.read(*args, **kwargs)
        if isinstance(content, bytes):
            return content
        encoded: bytes = content.encode(self._encoding)
        return encoded

    def close(self) -> None:
        """Close the wrapped file."""
        if self.file is not None:
            self.file.close()

    def readable(self) -> bool:
        """Return True: the wrapper is always readable."""
        return True


class TextAsBytesStream(ReadBytesWrapper):
    """A ReadBytesWrapper over a text stream that says it cannot seek.

    A text stream's ``tell()`` counts characters (or opaque cookies), not the
    encoded bytes an upload sends, so an uploader that sizes the body by
    seeking would announce the wrong length for non-ASCII text and the store
    would refuse the upload (BadDigest). Reading it as a plain stream is exact.
    """

    def seekable(self) -> bool:
        """Return False: positions in the wrapped text do not map to bytes."""
        return False


def is_text_stream(content: Any) -> bool:
    """Return True if ``content`` (or the file a Django File wraps) yields str when read."""
    stream = getattr(content, "file", content)
    return isinstance(stream, io.TextIOBase)
