"""The optional ``"storages"`` Django app (system checks and management commands)."""

from __future__ import annotations

from django.apps import AppConfig

__all__ = ["StoragesConfig"]


class StoragesConfig(AppConfig):
    """Add ``"storages"`` to ``INSTALLED_APPS`` for system checks and commands."""

    name = "storages"
    label = "storages"
    verbose_name = "s3storages"

    def ready(self) -> None:
        """Register the S3 system checks (``manage.py check``)."""
        from .checks import register_checks

        register_checks()
