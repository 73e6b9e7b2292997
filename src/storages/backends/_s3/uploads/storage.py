"""What direct uploads need from a storage, as a protocol (``S3Storage`` has all of it)."""

from __future__ import annotations

from typing import Any, Protocol

from ..urls.url import UrlStorage

__all__ = ["UploadStorage"]


class UploadStorage(UrlStorage, Protocol):
    """A storage that names, parameterises and signs direct uploads."""

    file_overwrite: bool

    def _get_write_parameters(self, name: str, content: Any = None) -> dict[str, Any]: ...
    def generate_filename(self, filename: str) -> str: ...
    def get_alternative_name(self, file_root: str, file_ext: str) -> str: ...
