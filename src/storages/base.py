"""BaseStorage: builds a storage's attributes from its settings table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import Storage

from .conf import Option, resolve, validate

__all__ = ["BaseStorage"]


class BaseStorage(Storage):
    """A storage whose settings come from a table of :class:`~storages.conf.Option` rows.

    Each setting becomes an instance attribute of the same name. Precedence:
    constructor keyword (``OPTIONS``), then class attribute, then Django
    setting, then environment variable, then default.

    Extension contract: subclasses set ``options`` (the table) and may
    override :meth:`get_default_settings` to add settings of their own; every
    key it returns is an accepted keyword.
    """

    #: The settings table of this storage.
    options: ClassVar[Sequence[Option]] = ()

    def __init__(self, **settings: Any) -> None:
        default_settings = self.get_default_settings()
        for name, value in default_settings.items():
            # A class attribute anywhere in the MRO beats the Django setting.
            if not hasattr(self, name):
                setattr(self, name, value)
        for name, value in settings.items():
            if name not in default_settings:
                raise ImproperlyConfigured(
                    f"Invalid setting '{name}' for {self.__class__.__name__}"
                )
            setattr(self, name, value)
        for option in self.options:
            setattr(self, option.name, validate(option, getattr(self, option.name)))

    def get_default_settings(self) -> dict[str, Any]:
        """Return each setting's value from Django settings, env vars or defaults.

        Override point: a subclass may add keys; they become accepted keywords.
        """
        return {option.name: resolve(option) for option in self.options}
