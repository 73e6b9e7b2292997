"""The ``"storages.uploads"`` Django app: the widget's template and its static files."""

from __future__ import annotations

from django.apps import AppConfig

__all__ = ["UploadsConfig"]


class UploadsConfig(AppConfig):
    """Add ``"storages.uploads"`` to ``INSTALLED_APPS`` for the direct upload widget."""

    name = "storages.uploads"
    label = "storages_uploads"
    verbose_name = "s3storages direct uploads"
